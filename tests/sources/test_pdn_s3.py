"""PDN S3, both API versions, officials and private parties: the sanctioned party, the
Sanction with its period, SANCTIONED; the official's position; a company's director."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from devtools.scenario import generate_scenario
from engine.pipeline.facts import KeyLinker, record_to_graph
from engine.sources.base import H_ERROR, RecordContext, RecordError
from engine.sources.pdn_s3 import SOURCE, normalize, record_kind
from tests.conftest import shared

CTX = RecordContext("test", "", None)

SERVIDOR_V1 = {
    "id": "s1", "fechaCaptura": "2019-06-01T12:00:00Z", "expediente": "EXP-1",
    "institucionDependencia": {"nombre": "Comisión Nacional del Agua", "siglas": "CONAGUA"},
    "servidorPublicoSancionado": {"rfc": "PEGM800101AB1", "nombres": "María", "primerApellido": "Pérez",
                                  "segundoApellido": "García", "puesto": "Subdirectora", "nivel": "N11"},
    "autoridadSancionadora": "Órgano Interno de Control", "tipoFalta": {"clave": "NAD", "valor": "NEGLIGENCIA"},
    "tipoSancion": [{"clave": "I", "valor": "INHABILITACIÓN"}, {"clave": "M", "valor": "MULTA"}],
    "causaMotivoHechos": "Omitió supervisar", "resolucion": {"fechaResolucion": "2019-05-01"},
    "multa": {"monto": 10000, "moneda": {"clave": "MXN", "valor": "Peso"}},
    "inhabilitacion": {"plazo": "2 años", "fechaInicial": "2019-05-01", "fechaFinal": "2021-05-01"},
}
PARTICULAR_V1 = {
    "id": "p1", "fechaCaptura": "2018-01-10T12:00:00Z", "institucionDependencia": {"nombre": "SFP"},
    "particularSancionado": {"nombreRazonSocial": "GRUAS FLETES Y MANIOBRAS SA DE CV", "rfc": "GFM010122DZ9",
                             "tipoPersona": "M",
                             "domicilioMexico": {"vialidad": {"clave": "CALLE", "valor": "Calle Reforma"},
                                                 "numeroExterior": "10", "codigoPostal": "06000",
                                                 "entidadFederativa": {"clave": "09", "valor": "Ciudad de México"}},
                             "directorGeneral": {"nombres": "Juan", "primerApellido": "López",
                                                 "segundoApellido": "Ruiz"},
                             "apoderadoLegal": {"nombres": "Ana", "primerApellido": "Díaz"}},
    "autoridadSancionadora": "OIC", "tipoFalta": "Dolo", "tipoSancion": [{"clave": "I", "valor": "INHABILITACIÓN"}],
    "causaMotivoHechos": "Información falsa",
    "inhabilitacion": {"plazo": "2 años", "fechaInicial": "2016-01-01", "fechaFinal": "2018-01-01"},
}


def _morales() -> dict[str, Any]:
    return {"id": "8a1c0000-0000-4000-8000-000000000001", "fecha": "2016-01-01",
            "datosGenerales": {"nombreRazonSocial": "Coconal S.A.P.I. de C.V.", "rfc": "COC000315HY4",
                               "domicilioMexico": 17},
            "datosDirGeneralReprLegal": {"directorGeneral": {"nombre": "Luis", "primerApellido": "Torres",
                                                             "segundoApellido": "Vega", "rfc": "TOVL700101AB1"},
                                         "representanteLegal": 42},
            "dondeCometioLaFalta": {"nombreEntePublico": "Grupo Aeroportuario de la Ciudad de México"},
            "resolucion": {"fechaResolucion": "2016-01-01", "autoridadResolutora": "TFJA"},
            "tipoSancion": [{"clave": "MULTA", "sancionEconomica": {"monto": 5}},
                            {"clave": "INHABILITACION", "inhabilitacion": {"fechaInicial": "2016-02-01",
                                                                           "fechaFinal": "2019-02-01"}}],
            "faltaCometida": [{"clave": "SOBORNO", "valor": "Soborno", "descripcionHechos": "Ofreció dinero"}]}


def _graves() -> dict[str, Any]:
    return {"id": "9b2d0000-0000-4000-8000-000000000002", "fecha": "2018-03-01",
            "datosGenerales": {"nombres": "María", "primerApellido": "Pérez", "curp": "PEGM800101MDFRRR05"},
            "empleoCargoComision": {"nombreEntePublico": "Servicio de Administración Tributaria",
                                    "denominacion": "Jefa", "nivelJerarquico": {"clave": "JEFATURA_DEPTO_HOMOLOGO"}},
            "resolucion": {"fechaResolucion": "2018-03-01", "fechaResolucionFirme": "2018-09-01"},
            "faltaCometida": [{"clave": "COHECHO", "valor": "Cohecho"}],
            "tipoSancion": [{"clave": "INHABILITACION", "inhabilitacion": {"fechaInicial": "2018-03-01",
                                                                           "fechaFinal": "2028-03-01"}}]}


def _fisicas() -> dict[str, Any]:
    return {"id": "ac3e0000-0000-4000-8000-000000000003", "fecha": "2017-01-01",
            "datosGenerales": {"nombres": "Luis", "primerApellido": "Torres", "segundoApellido": "Vega"},
            "dondeCometioLaFalta": {"nombreEntePublico": "SFP"},
            "tipoSancion": [{"clave": "INHABILITACION", "inhabilitacion": {"fechaInicial": "2017-01-01",
                                                                           "fechaFinal": "2020-01-01"}}]}


def _graph(record: dict[str, Any], source: str = "test") -> Any:
    return record_to_graph(normalize(json.dumps(record).encode(), RecordContext(source, "", None)), KeyLinker())


def test_v1_official_sanction_with_period_and_position():
    graph = _graph(SERVIDOR_V1)
    sanction = next(n for n in graph.nodes if n.label == "Sanction")
    assert sanction.id == "pdn-s3:ssancionados:s1"
    assert (sanction.props["start"], sanction.props["end"]) == ("2019-05-01", "2021-05-01")
    assert sanction.props["types"] == ["I", "M"] and sanction.props["fine_amount"] == 10000.0
    assert sanction.props["authority"] == "Órgano Interno de Control"
    assert {(r.type, r.target_id) for r in graph.rels} >= {("SANCTIONED", "mx-rfc:PEGM800101AB1")}
    position = next(r for r in graph.rels if r.type == "HOLDS_POSITION")
    assert position.props["role"] == "Subdirectora"


def test_v1_private_company_with_director_representative_and_address():
    graph = _graph(PARTICULAR_V1)
    assert record_kind(PARTICULAR_V1) == ("psancionados", "private")
    rels = Counter(r.type for r in graph.rels)
    assert rels == Counter(SANCTIONED=1, DIRECTS=1, REPRESENTS=1, LOCATED_AT=1, RESOLVED_TO=3)
    assert ("SANCTIONED", "mx-rfc:GFM010122DZ9") in {(r.type, r.target_id) for r in graph.rels}
    sanction = next(n for n in graph.nodes if n.label == "Sanction")
    assert sanction.props["program"] == "PDN-S3 particulares sancionados"


def test_v2_shapes_are_told_apart():
    assert record_kind(_morales())[0] == "faltas_graves_personas_morales"
    assert record_kind(_graves())[0] == "faltas_administrativas_graves"
    assert record_kind(_fisicas()) == ("faltas_graves_personas_fisicas", "private")
    no_grave = {**_graves(), "tipoSancion": [{"clave": "AMONESTACION"}], "faltaCometida": []}
    assert record_kind(no_grave)[0] == "faltas_administrativas_no_graves"
    assert record_kind({**_graves(), "faltaCometida": []}, "faltas_administrativas_no_graves-1.json")[0] \
        == "faltas_administrativas_no_graves"


def test_v2_company_sanction_takes_the_disqualification_period_and_director():
    graph = _graph(_morales())
    sanction = next(n for n in graph.nodes if n.label == "Sanction")
    assert (sanction.props["start"], sanction.props["end"]) == ("2016-02-01", "2019-02-01")
    assert sanction.props["reason"] == "Ofreció dinero" and sanction.props["authority"] == "TFJA"
    assert ("DIRECTS", "mx-rfc:TOVL700101AB1", "mx-rfc:COC000315HY4") in {
        (r.type, r.source_id, r.target_id) for r in graph.rels}
    assert not [r for r in graph.rels if r.type in ("REPRESENTS", "LOCATED_AT")]  # ids, not expanded objects


def test_v2_official_is_final_and_holds_a_position():
    graph = _graph(_graves())
    sanction = next(n for n in graph.nodes if n.label == "Sanction")
    assert sanction.props["status"] == "firme" and sanction.props["severity"] == "grave"
    assert [r.type for r in graph.rels if r.type == "HOLDS_POSITION"] == ["HOLDS_POSITION"]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("s3")
    generate_scenario(13, out, shared("ocds"))
    return out / "s3"


def test_generated_pages_of_both_versions_parse_and_counts_match_the_json(generated):
    expected: Counter[str] = Counter()
    got: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    for path in sorted(generated.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        items = doc.get("results", doc.get("data"))
        for raw, item in zip(SOURCE.read(path), items, strict=True):
            assert H_ERROR not in raw.headers
            collection, _ = record_kind(item)
            kinds[collection] += 1
            graph = record_to_graph(normalize(raw.value, RecordContext(path.name, raw.locator, None)), KeyLinker())
            got.update(r.type for r in graph.rels if r.type != "RESOLVED_TO")
            got.update(n.label for n in graph.nodes if n.label in ("Sanction", "Company", "Person"))
            got["with_period"] += sum(1 for n in graph.nodes if n.label == "Sanction" and n.props.get("end"))
            expected.update(Sanction=1, SANCTIONED=1, with_period=1)
            party = item.get("particularSancionado") or item.get("datosGenerales") or {}
            is_company = party.get("tipoPersona") == "M" or "nombreRazonSocial" in party and "tipoPersona" not in party
            if collection in ("ssancionados", "faltas_administrativas_graves"):
                expected.update(Person=1, HOLDS_POSITION=1)
            elif is_company:
                expected.update(Company=1, Person=1, DIRECTS=1)
                address = party.get("domicilioMexico")
                expected["LOCATED_AT"] += 1 if isinstance(address, dict) else 0
            else:
                expected.update(Person=1)
                expected["LOCATED_AT"] += 1 if isinstance(party.get("domicilioMexico"), dict) else 0
    assert {"ssancionados", "psancionados", "faltas_graves_personas_morales", "faltas_graves_personas_fisicas",
            "faltas_administrativas_graves"} <= set(kinds)
    assert got == expected


@pytest.mark.parametrize(("record", "reason"), [
    ({**PARTICULAR_V1, "particularSancionado": {**PARTICULAR_V1["particularSancionado"], "tipoPersona": "X"}},
     r"particularSancionado\.tipoPersona: Input should be 'F' or 'M' \(got 'X'\)"),
    ({**SERVIDOR_V1, "tipoSancion": []}, r"S3 ssancionados record 's1': tipoSancion: List should have at least 1"),
    ({**SERVIDOR_V1, "servidorPublicoSancionado": {"nombres": "X"}},
     r"servidorPublicoSancionado\.primerApellido: Field required"),
    ({**_morales(), "datosGenerales": {"nombreRazonSocial": " ", "rfc": "COC000315HY4"}},
     r"datosGenerales\.nombreRazonSocial: missing"),
    ({**_fisicas(), "datosGenerales": {"nombres": "Luis"}}, r"nombres / primerApellido: missing"),
    ({k: v for k, v in _graves().items() if k != "id"},
     r"S3 faltas_administrativas_graves record: id: Field required"),
    ({"id": "x", "foo": 1}, "S3 record of unknown shape"),
])
def test_broken_records_name_the_field(record, reason):
    with pytest.raises(RecordError, match=reason):
        normalize(json.dumps(record).encode(), CTX)
