"""SAT 69-B: the real list as SAT publishes it, in any encoding detection can read."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter

import pytest

from engine.pipeline.facts import KeyLinker, record_to_graph
from engine.sources.base import H_ERROR, H_PUBLISHED, RecordContext, RecordError, RecordSkipped
from engine.sources.sat69b import SOURCE, normalize
from tests.conftest import shared

CTX = RecordContext("test", "", None)


@pytest.fixture(scope="module")
def real_rows():
    return list(SOURCE.read(shared("sat69b", "Listado_Completo_69-B.csv")))


def test_real_list_reads_every_row(real_rows):
    assert len(real_rows) == 12666  # 12,669 lines less two preamble lines and the header
    assert all(H_ERROR not in r.headers for r in real_rows)
    assert {r.headers[H_PUBLISHED] for r in real_rows} == {"2022-11-30"}
    first = json.loads(real_rows[0].value)
    assert first["rfc"] == "AAA080808HL8"
    assert first["name"] == "ASESORES EN AVALÚOS Y ACTIVOS, S.A. DE C.V."  # Windows-1252 decoded


def test_real_rows_normalise_or_are_suppressed(real_rows):
    statuses: dict[str, int] = {}
    suppressed = 0
    for raw in real_rows:
        try:
            batch = normalize(raw.value, RecordContext.from_headers(raw.headers, "x"))
        except RecordSkipped:
            suppressed += 1
            continue
        sanction = next(e for e in batch.entities if e.schema_ == "Sanction")
        statuses[str(sanction.props["status"])] = statuses.get(str(sanction.props["status"]), 0) + 1
    text = shared("sat69b", "Listado_Completo_69-B.csv").read_bytes().decode("cp1252")
    rows = list(csv.reader(io.StringIO(text)))[3:]
    expected = Counter(r[3] for r in rows if set(r[1]) != {"X"})
    assert suppressed == sum(1 for r in rows if set(r[1]) == {"X"}) == 86  # suppressed by court order
    assert statuses == dict(expected)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_encodings_are_detected(tmp_path, encoding):
    text = shared("sat69b", "Listado_Completo_69-B.csv").read_bytes().decode("cp1252")
    head = "\n".join(text.splitlines()[:6]) + "\n"
    path = tmp_path / f"{encoding}.csv"
    path.write_bytes(head.encode(encoding))
    rows = [json.loads(r.value) for r in SOURCE.read(path)]
    assert [r["rfc"] for r in rows] == ["AAA080808HL8", "AAA091014835", "AAA100303L51"]
    assert rows[0]["name"].startswith("ASESORES EN AVALÚOS")


def test_a_file_that_is_not_the_list(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("a,b,c\n1,2,3\n")
    [raw] = SOURCE.read(path)
    assert "no header row with an 'RFC' column" in raw.headers[H_ERROR]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({"_line": 4, "name": "X", "status": "Definitivo"}, "missing RFC"),
        ({"_line": 4, "rfc": "123", "name": "X", "status": "Definitivo"}, "not a valid RFC"),
        ({"_line": 4, "rfc": "GFM010122DZ9", "status": "Definitivo"}, "missing 'Nombre"),
        ({"_line": 4, "rfc": "GFM010122DZ9", "name": "X", "status": "Quizás"}, "status 'Quizás'"),
        ({"_line": 4, "rfc": "GFM010122DZ9", "name": "X", "status": "Definitivo", "_cells": 3}, "3 cells"),
    ],
)
def test_broken_rows_say_what_is_wrong(row, reason):
    with pytest.raises(RecordError, match=reason):
        normalize(json.dumps(row).encode(), CTX)


def test_person_rfc_becomes_a_person_with_a_sanction():
    row = {"_line": 9, "rfc": "GODE561231GR8", "name": "DOMINGO GOMEZ", "status": "Presunto",
           "presumed_dof_on": "23/01/2014"}
    graph = record_to_graph(normalize(json.dumps(row).encode(), CTX), KeyLinker())
    assert {(n.label, n.id) for n in graph.nodes if n.label != "Mention"} == {
        ("Person", "mx-rfc:GODE561231GR8"), ("Sanction", "sat69b:GODE561231GR8")}
    sanction = next(n for n in graph.nodes if n.label == "Sanction")
    assert sanction.props["listed_on"] == "2014-01-23"
