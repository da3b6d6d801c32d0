"""CSV with a mapping file: the example municipal contracts give the graph the rows
describe; a bad mapping or a bad row says what is wrong."""

from __future__ import annotations

import csv
import json
import re
import shutil
import unicodedata
from pathlib import Path

import pytest

from engine.pipeline.facts import KeyLinker, record_to_graph
from engine.sources.base import H_ERROR, RecordContext, RecordError
from engine.sources.csv_mapped import SOURCE, MappingError, load_mapping, normalize
from tests.conftest import shared

DATA = Path(__file__).parent / "data"
EXAMPLE = DATA / "contratos_municipio.csv"
MAPPING = DATA / "contratos_municipio.mapping.toml"
CTX = RecordContext("test", "", None)


def _fold(value: str) -> str:
    plain = "".join(c for c in unicodedata.normalize("NFKD", value) if not unicodedata.combining(c)).upper()
    return " ".join(re.sub(r"[^A-Z0-9]+", " ", plain).split())


def _graph(path: Path):  # type: ignore[no-untyped-def]
    nodes: dict[str, set[str]] = {}
    rels: dict[str, set[str]] = {}
    amounts: dict[str, float] = {}
    for raw in SOURCE.read(path):
        assert H_ERROR not in raw.headers, raw.headers[H_ERROR]
        batch = record_to_graph(normalize(raw.value, RecordContext(path.name, raw.locator, None)), KeyLinker())
        for node in batch.nodes:
            nodes.setdefault(node.label, set()).add(node.id)
            if node.label == "Contract":
                amounts[node.id] = node.props["amount"]  # type: ignore[assignment]
        for rel in batch.rels:
            rels.setdefault(rel.type, set()).add(rel.id)
    return nodes, rels, amounts


def test_example_contracts_give_the_graph_the_rows_describe():
    rows = list(csv.DictReader(EXAMPLE.open(encoding="utf-8")))
    person = [r for r in rows if len(r["rfc_proveedor"]) == 13]
    company = [r for r in rows if len(r["rfc_proveedor"]) == 12]
    representatives = [r for r in company if r["representante_legal"]]
    expected_nodes = {
        "PublicBody": len({_fold(r["dependencia"]) for r in rows}),
        "ContractingProcess": len({r["numero_procedimiento"] for r in rows}),
        "Contract": len({r["numero_contrato"] for r in rows}),
        "Company": len({r["rfc_proveedor"] for r in company}),
        "Person": len({r["rfc_proveedor"] for r in person}) + len({_fold(r["representante_legal"])
                                                                   for r in rows if r["representante_legal"]}),
        "Address": len({_fold(r["domicilio_proveedor"]) for r in rows if r["domicilio_proveedor"]}),
    }
    expected_rels = {
        "BUYER_OF": len({(_fold(r["dependencia"]), r["numero_procedimiento"]) for r in rows}),
        "AWARDED": len(rows),
        "SUPPLIES": len(rows),
        "REPRESENTS": len({(_fold(r["representante_legal"]), r["rfc_proveedor"]) for r in representatives}),
        "LOCATED_AT": len({(r["rfc_proveedor"], _fold(r["domicilio_proveedor"]))
                           for r in rows if r["domicilio_proveedor"]}),
    }
    nodes, rels, amounts = _graph(EXAMPLE)
    assert {k: len(nodes.get(k, ())) for k in expected_nodes} == expected_nodes
    assert {k: len(rels.get(k, ())) for k in expected_rels} == expected_rels
    assert sorted(amounts.values()) == sorted(float(r["monto_total"].replace(",", "")) for r in rows)
    assert "mx-rfc:CMX0503151A7" in nodes["Company"] and "mx-rfc:PEGJ750612QW6" in nodes["Person"]


def test_the_real_sat_list_reads_through_a_mapping(tmp_path):
    """A real, Windows-1252 CSV with a preamble, read with nothing but a mapping file."""
    source = shared("sat69b", "Listado_Completo_69-B.csv")
    lines = source.read_bytes().split(b"\n")
    path = tmp_path / "sat.csv"
    path.write_bytes(b"\n".join(lines[:40]) + b"\n")
    (tmp_path / "mapping.toml").write_text(
        '[source]\nkey = "{RFC}"\nskip_lines = 2\n'
        '[entities.taxpayer]\nschema = "Company"\nname = "Nombre del Contribuyente"\nrfc = "RFC"\n'
        'person_if_rfc = true\n[entities.taxpayer.props]\nstatus = "Situación del contribuyente"\n', encoding="utf-8")
    rows = list(csv.reader(source.read_bytes().decode("cp1252").splitlines()[:40]))[3:]
    records = [normalize(r.value, CTX) for r in SOURCE.read(path)]
    assert len(records) == len(rows)
    names = {e.name for rec in records for e in rec.entities}
    assert names == {r[2].strip() for r in rows}  # accents decoded from Windows-1252
    statuses = {e.props["status"] for rec in records for e in rec.entities}
    assert statuses == {r[3] for r in rows}


def _copy(tmp_path: Path, mapping: str | None = None, csv_text: str | None = None) -> Path:
    path = tmp_path / "contratos.csv"
    if csv_text is None:
        shutil.copy(EXAMPLE, path)
    else:
        path.write_text(csv_text, encoding="utf-8")
    if mapping is not None:
        (tmp_path / "contratos.mapping.toml").write_text(mapping, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (lambda m: m.replace('dataset = "xalapa', 'datset = "xalapa'), "unknown key\\(s\\) 'datset'"),
        (lambda m: m.replace('schema = "Contract"', 'schema = "Contrato"'), "schema must be one of"),
        (lambda m: m.replace('name = "proveedor"', 'name = "razon_social"'), "column\\(s\\) 'razon_social'"),
        (lambda m: m.replace('type = "SUPPLIES"', 'type = "SUPPLIED"'), "'SUPPLIED' is not in the graph schema"),
        (lambda m: m.replace('type = "number" }', 'type = "money" }', 1), "type must be one of"),
        (lambda m: m.replace('key = "xalapa:contrato:{numero_contrato}"\n', ""), "a Contract needs a key"),
        (lambda m: m + "\n[entities.broken\n", "not valid TOML"),
    ],
)
def test_a_bad_mapping_dead_letters_the_file_with_the_reason(tmp_path, edit, reason):
    path = _copy(tmp_path, edit(MAPPING.read_text(encoding="utf-8")))
    [raw] = SOURCE.read(path)
    assert re.search(reason, raw.headers[H_ERROR]), raw.headers[H_ERROR]


def test_a_csv_without_a_mapping(tmp_path):
    [raw] = SOURCE.read(_copy(tmp_path))
    assert "has no mapping: put contratos.mapping.toml or mapping.toml beside it" in raw.headers[H_ERROR]


def _row(**cells: str) -> bytes:
    [raw, *_] = SOURCE.read(EXAMPLE)
    value = json.loads(raw.value)
    value["row"].update(cells)
    return json.dumps(value).encode()


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (_row(monto_total="mil pesos"), "column 'monto_total' = 'mil pesos' is not a number"),
        (_row(fecha_inicio="31/02/2023"), "column 'fecha_inicio' = '31/02/2023' is not a date"),
        (_row(proveedor="", rfc_proveedor=""), "entity 'supplier' \\(Company\\) is empty"),
        (_row(numero_contrato=" "), "row key \\{numero_contrato\\} is empty"),
        (_row()[:200], "not valid JSON"),
        (json.dumps({"mapping": {"source": {}}, "row": {}}).encode(), "mapping that came with the row is invalid"),
    ],
)
def test_broken_rows_say_what_is_wrong(value, reason):
    with pytest.raises(RecordError, match=reason):
        normalize(value, CTX)


def test_short_lines_and_other_encodings(tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8").splitlines()
    path = _copy(tmp_path, MAPPING.read_text(encoding="utf-8"), "\n".join([text[0], text[1], "XAL-1,LP-1,x"]) + "\n")
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1252"))  # as many portals publish
    good, short = list(SOURCE.read(path))
    assert json.loads(good.value)["row"]["dependencia"] == "Dirección de Obras Públicas"
    with pytest.raises(RecordError, match="3 cells where the header has 16"):
        normalize(short.value, CTX)


def test_load_mapping_rejects_unknown_keys_in_props(tmp_path):
    path = tmp_path / "m.toml"
    path.write_text(MAPPING.read_text(encoding="utf-8").replace(
        'title = "descripcion"', 'title = { column = "descripcion", colum = "x" }'), encoding="utf-8")
    with pytest.raises(MappingError, match="props.title: unknown key\\(s\\) 'colum'"):
        load_mapping(path)


def test_hostile_strings_are_data():
    hostile = "ACME'}) MATCH (n) DETACH DELETE n //<script>alert('x')</script>"
    graph = record_to_graph(normalize(_row(proveedor=hostile), CTX), KeyLinker())
    assert {n.props.get("name") for n in graph.nodes if n.label == "Company"} == {hostile}
