"""PDN S1 declarations: page files split into declarations; a declaration becomes the declarant,
the posts, the family and the interests, with the counts the JSON says."""

from __future__ import annotations

import copy
import json
import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from devtools.scenario import generate_scenario
from engine.entity_resolution.identifiers import parse_rfc
from engine.pipeline.facts import KeyLinker, record_to_graph
from engine.sources.base import H_ERROR, RecordContext, RecordError
from engine.sources.pdn_s1 import SOURCE, normalize
from tests.conftest import shared

CTX = RecordContext("test", "", None)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("s1")
    generate_scenario(11, out, shared("ocds"))
    return out / "s1"


def _declaration(**interes: Any) -> dict[str, Any]:
    return {
        "id": "d-1",
        "metadata": {"actualizacion": "2018-05-20T10:00:00Z", "institucion": "SFP", "tipo": "CONCLUSIÓN",
                     "declaracionCompleta": True, "actualizacionConflictoInteres": False},
        "declaracion": {"situacionPatrimonial": {
            "datosGenerales": {"nombre": "María José", "primerApellido": "Pérez", "segundoApellido": "García",
                               "curp": "PEGM800101MDFRRR05", "rfc": {"rfc": "PEGM800101", "homoClave": "AB1"}},
            "datosEmpleoCargoComision": {"nombreEntePublico": "Comisión Nacional del Agua",
                                         "empleoCargoComision": "Directora de Área", "nivelEmpleoCargoComision": "M33",
                                         "fechaTomaPosesion": "2015-02-01"},
            "experienciaLaboral": {"ninguno": False, "experiencia": [
                {"ambitoSector": {"clave": "PUB", "valor": "PÚBLICO"}, "nombreEntePublico": "SAT",
                 "empleoCargoComision": "Analista", "fechaIngreso": "2010-01-01", "fechaEgreso": "2014-12-31"},
                {"ambitoSector": {"clave": "PRV", "valor": "PRIVADO"}, "nombreEmpresaSociedadAsociacion": "X SA"}]},
            "datosPareja": {"ninguno": False, "nombre": "Juan", "primerApellido": "López", "segundoApellido": "Ruiz",
                            "rfc": "LORJ790202AB1", "relacionConDeclarante": "CONYUGE"},
            "datosDependienteEconomico": {"ninguno": False, "dependienteEconomico": [
                {"nombre": "Ana", "primerApellido": "López", "segundoApellido": "Pérez",
                 "parentescoRelacion": {"clave": "HIJ", "valor": "HIJO (A)"}},
                {"nombre": "Luis", "primerApellido": "López", "segundoApellido": "Pérez",
                 "parentescoRelacion": {"clave": "HIJ", "valor": "HIJO (A)"}}]},
        }, "interes": interes},
    }


def test_a_declaration_becomes_declarant_posts_family_and_interests():
    decl = _declaration(
        participacion={"ninguno": False, "participacion": [
            {"tipoRelacion": "DECLARANTE", "nombreEmpresaSociedadAsociacion": "Gruas Fletes y Maniobras, S.A. de C.V.",
             "rfc": "GFM010122DZ9", "porcentajeParticipacion": 25, "tipoParticipacion": {"clave": "ACCI"}},
            {"tipoRelacion": "PAREJA", "nombreEmpresaSociedadAsociacion": "Uno SA", "porcentajeParticipacion": 50,
             "tipoParticipacion": {"clave": "SCIO"}},
            {"tipoRelacion": "DEPENDIENTE_ECONOMICO", "nombreEmpresaSociedadAsociacion": "Dos SA",
             "porcentajeParticipacion": 10},
            {"tipoRelacion": "DECLARANTE", "nombreEmpresaSociedadAsociacion": "Tres SA",
             "tipoParticipacion": {"clave": "APOD"}, "tipoOperacion": "BAJA"},
            {"tipoRelacion": "DECLARANTE", "nombreEmpresaSociedadAsociacion": "Cuatro SA",
             "tipoParticipacion": {"clave": "COMI"}}]},
        participacionTomaDecisiones={"participacion": [
            {"tipoRelacion": "DECLARANTE", "nombreInstitucion": "Fundación Cinco AC", "rfc": "FCI100101AB1",
             "puestoRol": "Consejera", "fechaInicioParticipacion": "2012-01-01"}]},
        representacion={"representacion": [
            {"tipoRelacion": "DECLARANTE", "tipoRepresentacion": "REPRESENTANTE", "tipoPersona": "MORAL",
             "nombreRazonSocial": "Seis SA", "fechaInicioRepresentacion": "2013-01-01"},
            {"tipoRelacion": "DECLARANTE", "tipoRepresentacion": "REPRESENTADO", "tipoPersona": "FISICA",
             "nombreRazonSocial": "Pedro Páramo"}]},
        clientesPrincipales={"cliente": [
            {"tipoRelacion": "PAREJA", "empresa": {"nombreEmpresaServicio": "Despacho López"},
             "clientePrincipal": {"tipoPersona": "MORAL", "nombreRazonSocial": "Siete SA", "rfc": "SSA990101AB1"}}]},
    )
    record = normalize(json.dumps(decl).encode(), CTX)
    graph = record_to_graph(record, KeyLinker())
    declarant = next(e for e in record.entities if e.ref == "declarant")
    assert declarant.name == "María José Pérez García"
    assert declarant.identifiers["rfc"] == "PEGM800101AB1"
    assert (declarant.props["given_name"], declarant.props["first_surname"]) == ("María José", "Pérez")
    dec = next(n for n in graph.nodes if n.label == "Declaration")
    assert dec.id == "pdn-s1:d-1" and dec.props["type"] == "conclusión" and dec.props["unlinked_representations"] == 1
    rels = {(r.type, r.source_id.split(":")[0], r.props.get("role"), r.props.get("share")): r for r in graph.rels}
    positions = [r for r in graph.rels if r.type == "HOLDS_POSITION"]
    current = next(r for r in positions if not r.props.get("previous"))
    assert current.props["start"] == "2015-02-01" and current.props["end"] == "2018-05-20"
    past = next(r for r in positions if r.props.get("previous"))
    assert (past.props["start"], past.props["end"]) == ("2010-01-01", "2014-12-31")
    assert len(positions) == 2  # private experience has no relationship
    family = sorted(r.props["relation"] for r in graph.rels if r.type == "FAMILY_OF")
    assert family == ["child", "child", "spouse"]
    owns = {(r.props.get("relation_type"), r.props.get("share"), r.props.get("direct")) for r in graph.rels
            if r.type == "OWNS"}
    # two dependants: the declaration does not say whose the holding is, so the declarant's, not direct
    assert owns == {("DECLARANTE", 25.0, True), ("PAREJA", 50.0, True), ("DEPENDIENTE_ECONOMICO", 10.0, False),
                    ("PAREJA", None, True)}
    assert ("OWNS", "mx-rfc", None, 25.0) in rels  # the declarant's RFC keys the person
    represents = [r for r in graph.rels if r.type == "REPRESENTS"]
    assert sorted(r.props["role"] for r in represents) == ["apoderado", "representante"]
    assert next(r for r in represents if r.props["role"] == "apoderado").props["end"] == "2018-05-20"  # BAJA
    directs = sorted(r.props["role"] for r in graph.rels if r.type == "DIRECTS")
    assert directs == ["Consejera", "comisario"]
    client = next(n for n in graph.nodes if n.label == "Company" and n.props.get("name") == "Siete SA")
    assert client.props["client_of"] == "Despacho López"


def _fold(value: str) -> str:
    plain = "".join(c for c in unicodedata.normalize("NFKD", value) if not unicodedata.combining(c)).upper()
    return " ".join(re.sub(r"[^A-Z0-9&]+", " ", plain).split())


def _expected(decl: dict[str, Any]) -> Counter[str]:
    """Counts computed from the declaration's JSON alone, by the rules in the module docstring."""
    sp, interes = decl["declaracion"]["situacionPatrimonial"], decl["declaracion"].get("interes", {})
    count: Counter[str] = Counter(Declaration=1, DECLARED=1, HOLDS_POSITION=1, PublicBody=1)
    spouse = 0 if sp.get("datosPareja", {}).get("ninguno", True) else 1
    deps = sp.get("datosDependienteEconomico", {}).get("dependienteEconomico", [])
    count["Person"] = 1 + spouse + len(deps)
    count["FAMILY_OF"] = spouse + len(deps)
    companies = set()
    for p in interes.get("participacion", {}).get("participacion", []):
        code = p["tipoParticipacion"]["clave"]
        count["DIRECTS" if code in ("COMI", "COLB") else "REPRESENTS" if code in ("REPR", "APOD") else "OWNS"] += 1
        count["share_total"] += p["porcentajeParticipacion"] if code not in ("COMI", "COLB", "REPR", "APOD") else 0
        companies.add(parse_rfc(p["rfc"]).value if parse_rfc(p["rfc"]) else _fold(p["nombreEmpresaSociedadAsociacion"]))
    for p in interes.get("participacionTomaDecisiones", {}).get("participacion", []):
        count["DIRECTS"] += 1
        companies.add(parse_rfc(p["rfc"]).value if parse_rfc(p["rfc"]) else _fold(p["nombreInstitucion"]))
    for p in interes.get("representacion", {}).get("representacion", []):
        count["REPRESENTS"] += 1
        companies.add(parse_rfc(p["rfc"]).value if parse_rfc(p["rfc"]) else _fold(p["nombreRazonSocial"]))
    for c in interes.get("clientesPrincipales", {}).get("cliente", []):
        count["OWNS"] += 1
        companies.add(_fold(c["empresa"]["nombreEmpresaServicio"]))
        companies.add(_fold(c["clientePrincipal"]["nombreRazonSocial"]))
    count["Company"] = len(companies)
    count["Mention"] = count["RESOLVED_TO"] = count["Person"] + count["Company"] + count["PublicBody"]
    return count


def test_generated_pages_parse_and_counts_match_the_json(generated):
    expected: Counter[str] = Counter()
    got: Counter[str] = Counter()
    records = 0
    for path in sorted(generated.glob("*.json")):
        page = json.loads(path.read_text(encoding="utf-8"))
        raws = list(SOURCE.read(path))
        assert [r.key for r in raws] == [d["id"] for d in page["results"]]
        for raw, decl in zip(raws, page["results"], strict=True):
            assert H_ERROR not in raw.headers
            graph = record_to_graph(normalize(raw.value, RecordContext(path.name, raw.locator, None)), KeyLinker())
            records += 1
            expected += _expected(decl)
            got.update(n.label for n in graph.nodes)
            got.update(r.type for r in graph.rels)
            got["share_total"] += int(sum(r.props.get("share") or 0 for r in graph.rels if r.type == "OWNS"))
    assert records > 100
    assert got == expected
    assert got["OWNS"] and got["DIRECTS"] and got["REPRESENTS"] and got["FAMILY_OF"]


def test_read_accepts_pages_lists_single_declarations_and_json_lines(tmp_path):
    decl = _declaration()
    (tmp_path / "list.json").write_text(json.dumps([decl, {**decl, "id": "d-2"}]))
    (tmp_path / "one.json").write_text(json.dumps(decl))
    (tmp_path / "lines.jsonl").write_text(json.dumps({"pagination": {}, "results": [decl]}) + "\n{broken\n")
    (tmp_path / "odd.json").write_text(json.dumps({"results": [decl, "not an object"]}))
    assert [r.key for r in SOURCE.read(tmp_path / "list.json")] == ["d-1", "d-2"]
    assert [r.key for r in SOURCE.read(tmp_path / "one.json")] == ["d-1"]
    lines = list(SOURCE.read(tmp_path / "lines.jsonl"))
    assert lines[0].key == "d-1" and "line 2" in lines[1].headers[H_ERROR]
    odd = list(SOURCE.read(tmp_path / "odd.json"))
    assert H_ERROR not in odd[0].headers and "expected a S1 declaration object, got str" in odd[1].headers[H_ERROR]


def _broken(change: str) -> dict[str, Any]:
    decl = copy.deepcopy(_declaration(participacion={"participacion": [
        {"tipoRelacion": "DECLARANTE", "nombreEmpresaSociedadAsociacion": "Uno SA", "porcentajeParticipacion": 5}]}))
    sp = decl["declaracion"]["situacionPatrimonial"]
    if change == "no given name":
        del sp["datosGenerales"]["nombre"]
    elif change == "tipo":
        decl["metadata"]["tipo"] = "ANUAL"
    elif change == "share":
        decl["declaracion"]["interes"]["participacion"]["participacion"][0]["porcentajeParticipacion"] = 150
    elif change == "no post":
        del sp["datosEmpleoCargoComision"]
    elif change == "relation":
        decl["declaracion"]["interes"]["participacion"]["participacion"][0]["tipoRelacion"] = "PRIMO"
    elif change == "date":
        decl["metadata"]["actualizacion"] = "ayer"
    return decl


@pytest.mark.parametrize(("change", "reason"), [
    ("no given name", r"situacionPatrimonial\.datosGenerales\.nombre: Field required"),
    ("tipo", r"metadata\.tipo: Input should be 'INICIAL', 'MODIFICACIÓN' or 'CONCLUSIÓN' \(got 'ANUAL'\)"),
    ("share", r"participacion\[0\]\.porcentajeParticipacion: Input should be less than or equal to 100"),
    ("no post", r"situacionPatrimonial\.datosEmpleoCargoComision: Field required"),
    ("relation", r"participacion\[0\]\.tipoRelacion: Input should be 'DECLARANTE', 'PAREJA' or"),
    ("date", r"metadata\.actualizacion"),
])
def test_broken_declarations_name_the_field(change, reason):
    with pytest.raises(RecordError, match=reason):
        normalize(json.dumps(_broken(change)).encode(), CTX)


@pytest.mark.parametrize(("value", "reason"), [
    (b'{"id": "1", "metadata": {', "not valid JSON"),
    (b'["a list"]', "must be a JSON object"),
    (b'{"metadata": {}, "declaracion": {}}', r"^S1 declaration: id: Field required"),
])
def test_undecodable_declarations(value, reason):
    with pytest.raises(RecordError, match=reason):
        normalize(value, CTX)


def test_unaccented_tipo_of_the_capture_system_is_accepted():
    decl = _declaration()
    decl["metadata"]["tipo"] = "MODIFICACION"
    record = normalize(json.dumps(decl).encode(), CTX)
    assert next(e for e in record.entities if e.schema_ == "Declaration").props["type"] == "modificación"
