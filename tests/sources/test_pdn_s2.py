"""PDN S2, both API versions: the official, the institution and the position; in v2 the
procedures intervened in (keyed by ocid when the folio is one) and the beneficiaries."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from devtools.scenario import generate_scenario
from engine.pipeline.facts import KeyLinker, record_to_graph
from engine.sources.base import H_ERROR, RecordContext, RecordError
from engine.sources.pdn_s2 import SOURCE, api_version, normalize, procedure_key
from tests.conftest import shared

CTX = RecordContext("test", "", None)

V1 = {"id": "RFT129", "fechaCaptura": "2019-01-21T17:32:28Z", "ejercicioFiscal": "2018", "rfc": "PEGM800101AB1",
      "curp": "PEGM800101MDFRRR05", "nombres": "María", "primerApellido": "Pérez", "segundoApellido": "García",
      "institucionDependencia": {"nombre": "Comisión Nacional del Agua", "siglas": "CONAGUA", "clave": "16B00"},
      "puesto": {"nombre": "Subdirectora", "nivel": "N11"},
      "tipoArea": [{"clave": "RC", "valor": "RESPONSABLE DE LA CONTRATACIÓN"}],
      "nivelResponsabilidad": [{"clave": "R", "valor": "RESOLUCIÓN"}],
      "tipoProcedimiento": [{"clave": 1, "valor": "CONTRATACIONES PÚBLICAS"}],
      "superiorInmediato": {"nombres": "Juan", "primerApellido": "López", "puesto": {"nombre": "Director"}}}


def _v2() -> dict[str, Any]:
    return {
        "id": "7f0e8b1c-0000-4000-8000-000000000001", "fecha": "2017-12-01", "ejercicio": "2017",
        "datosGenerales": {"nombre": "María", "primerApellido": "Pérez", "segundoApellido": "García",
                           "curp": "PEGM800101MDFRRR05", "rfc": "", "sexo": "MUJER"},
        "empleoCargoComision": {"nombreEntePublico": "Servicio de Administración Tributaria", "denominacion": "Jefa",
                                "nivelJerarquico": {"clave": "JEFATURA_DEPTO_HOMOLOGO"}},
        "tipoProcedimiento": "CONTRATACION_PUBLICA",
        "otorgamientoConcesion": {"continuaParticipando": "SI", "datosGeneralesConcesiones": {
            "numeroExpedienteFolio": "CONC-17/004", "denominacion": "Concesión de uso", "fundamento": "Ley",
            "fechaInicioVigencia": "2017-01-01", "fechaConclusionVigencia": "2027-01-01",
            "nombrePersonaFisica": "Pedro Páramo"}},
        "enajenacionBien": {"continuaParticipando": "NO"},
        "avaluosJustipreciacion": None,
        "tipoContratacion": [{"contratacionAdquisicion": {
            "tipoArea": "AREA_RESPONSABLE_CONTRATACION", "continuaParticipando": "SI",
            "nivelResponsabilidadContratacion": {"id": "x", "evaluacionProposiciones": "REVISAR (B)"},
            "informacionPersonasBeneficiarias": {"razonSocial": "GRUAS FLETES Y MANIOBRAS SA DE CV"},
            "datosGeneralesProcedimientos": [
                {"numeroExpedienteFolio": "ocds-07smqs-1035", "tipoProcedimiento": "ADJUDICACION",
                 "materia": "SERVICIOS",
                 "fechaInicioProcedimiento": "2017-02-01", "fechaConclusionProcedimiento": "2017-03-06"},
                {"numeroExpedienteFolio": "LO-009KDH999-N79-2015", "tipoProcedimiento": "LICITACION_NACIONAL",
                 "materia": "SERVICIOS", "fechaInicioProcedimiento": "2015-10-01",
                 "fechaConclusionProcedimiento": "2015-12-11"}]},
            "contratacionObra": None}],
    }


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("s2")
    generate_scenario(12, out, shared("ocds"))
    return out / "s2"


def test_v1_record_gives_official_institution_position_and_superior():
    record = normalize(json.dumps(V1).encode(), CTX)
    assert api_version(V1) == "v1"
    graph = record_to_graph(record, KeyLinker())
    positions = [r for r in graph.rels if r.type == "HOLDS_POSITION"]
    assert len(positions) == 2
    own = next(r for r in positions if r.source_id == "mx-rfc:PEGM800101AB1")
    assert own.props["role"] == "Subdirectora" and own.props["procedure_types"] == ["CONTRATACIONES PÚBLICAS"]
    assert not [r for r in graph.rels if r.type == "INTERVENED_IN"]  # v1 names no procedure


def test_v2_record_gives_procedures_keyed_by_ocid_or_folio_and_beneficiaries():
    record = normalize(json.dumps(_v2()).encode(), CTX)
    graph = record_to_graph(record, KeyLinker())
    processes = {n.id for n in graph.nodes if n.label == "ContractingProcess"}
    assert processes == {"ocds:ocds-07smqs-1035", "pdn-s2:procedure:LO-009KDH999-N79-2015",
                         "pdn-s2:procedure:CONC-17-004"}
    intervened = {r.target_id: r.props for r in graph.rels if r.type == "INTERVENED_IN"}
    assert intervened["ocds:ocds-07smqs-1035"]["procedure_type"] == "ADJUDICACION"
    assert intervened["ocds:ocds-07smqs-1035"]["role"] == "AREA_RESPONSABLE_CONTRATACION"
    assert intervened["ocds:ocds-07smqs-1035"]["responsibilities"] == ["evaluacionProposiciones: REVISAR (B)"]
    assert intervened["pdn-s2:procedure:CONC-17-004"]["start"] == "2017-01-01"
    tendered = Counter((r.source_label, r.target_id) for r in graph.rels if r.type == "TENDERED")
    assert tendered[("Company", "ocds:ocds-07smqs-1035")] == 1
    assert tendered[("Person", "pdn-s2:procedure:CONC-17-004")] == 1  # the concession holder
    official = next(e for e in record.entities if e.ref == "official")
    assert official.identifiers == {"curp": "PEGM800101MDFRRR05"}  # an empty RFC is no identifier


def test_procedure_key():
    assert procedure_key("ocds-07smqs-1457") == "ocds:ocds-07smqs-1457"
    assert procedure_key(" AA-009KDH999-E57-2016 ") == "pdn-s2:procedure:AA-009KDH999-E57-2016"


def test_generated_pages_of_both_versions_parse_and_counts_match_the_json(generated):
    expected: Counter[str] = Counter()
    got: Counter[str] = Counter()
    versions: Counter[str] = Counter()
    for path in sorted(generated.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        items = doc.get("results", doc.get("data"))
        raws = list(SOURCE.read(path))
        assert len(raws) == len(items) > 0
        for raw, item in zip(raws, items, strict=True):
            assert H_ERROR not in raw.headers
            versions[api_version(item)] += 1
            graph = record_to_graph(normalize(raw.value, RecordContext(path.name, raw.locator, None)), KeyLinker())
            got.update(n.label for n in graph.nodes)
            got.update(r.type for r in graph.rels)
            expected.update(Person=1, PublicBody=1, HOLDS_POSITION=1)
            for kind in item.get("tipoContratacion", []):
                folios = {p["numeroExpedienteFolio"] for p in kind["contratacionAdquisicion"]
                          ["datosGeneralesProcedimientos"]}
                expected.update(ContractingProcess=len(folios), INTERVENED_IN=len(folios), TENDERED=len(folios),
                                Company=1)
            expected["ocds_keys"] += sum(1 for kind in item.get("tipoContratacion", []) for p in
                                         kind["contratacionAdquisicion"]["datosGeneralesProcedimientos"]
                                         if p["numeroExpedienteFolio"].startswith("ocds-"))
            got["ocds_keys"] += sum(1 for n in graph.nodes if n.id.startswith("ocds:"))
    expected["Mention"] = expected["RESOLVED_TO"] = expected["Person"] + expected["PublicBody"] + expected["Company"]
    assert versions["v1"] > 0 and versions["v2"] > 0
    assert got == expected


@pytest.mark.parametrize(("record", "reason"), [
    ({**V1, "institucionDependencia": {"siglas": "X"}}, r"institucionDependencia\.nombre: Field required"),
    ({**V1, "tipoProcedimiento": []}, r"tipoProcedimiento: List should have at least 1 item"),
    ({**V1, "nombres": "  "}, r"S2 v1 record 'RFT129': nombres: String should have at least 1 character"),
    ({**_v2(), "datosGenerales": {"primerApellido": "Pérez"}}, r"S2 v2 record .*datosGenerales\.nombre: Field"),
    ({**_v2(), "tipoContratacion": [{"contratacionAdquisicion": {"datosGeneralesProcedimientos": [
        {"materia": "SERVICIOS"}]}}]},
     r"tipoContratacion\[0\]\.contratacionAdquisicion: procedimientos\[0\]\.numeroExpedienteFolio: Field required"),
    ({**_v2(), "empleoCargoComision": {}, "entePublico": None}, r"nombreEntePublico: missing"),
    ({"id": "1", "foo": "bar"}, "neither v1.1"),
])
def test_broken_records_name_the_field(record, reason):
    with pytest.raises(RecordError, match=reason):
        normalize(json.dumps(record).encode(), CTX)


def test_a_directus_page_that_is_not_a_list_is_broken(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"data": "nothing", "meta": {}}))
    [raw] = SOURCE.read(path)
    assert "must be a list" in raw.headers[H_ERROR]
