"""Bad input goes to the dead-letter topic with a reason; the stream goes on; hostile
strings are stored verbatim as data."""

from __future__ import annotations

import json

import pytest

from engine.intake import publish
from tests.conftest import shared
from tests.helpers import counts, dead_letters, ids, process

pytestmark = pytest.mark.services

INJECTION = "ACME'}) MATCH (n) DETACH DELETE n //"
HTML = "<script>alert('x')</script> S.A. DE C.V."


def _release(ocid: str, supplier_name: str, rfc: str = "GFM010122DZ9") -> dict:  # type: ignore[type-arg]
    return {
        "ocid": ocid,
        "date": "2020-01-01T00:00:00Z",
        "parties": [
            {"id": "B", "name": "Buyer", "roles": ["buyer"], "identifier": {"scheme": "MX-CPA", "id": "X1"}},
            {"id": rfc, "name": supplier_name, "roles": ["supplier"],
             "identifier": {"scheme": "MX-RFC", "id": rfc}},
        ],
        "contracts": [{"id": "C1", "suppliers": [{"id": rfc}]}],
    }


def test_bad_records_are_dead_lettered_and_the_stream_goes_on(stack, store, tmp_path):
    good_before = tmp_path / "a_good.json"
    good_before.write_text(json.dumps(_release("ocds-good-1", "Fine SA")))
    truncated = tmp_path / "b_truncated.json"
    truncated.write_text(json.dumps(_release("ocds-trunc", "X"))[:-40])
    no_ocid = tmp_path / "c_no_ocid.json"
    no_ocid.write_text(json.dumps({"releases": [{"id": "1", "date": "2020", "tag": ["tender"]}]}))
    hostile = tmp_path / "d_hostile.json"
    hostile.write_text(json.dumps([_release("ocds-evil", INJECTION, "AAA010101AAA"),
                                   _release("ocds-html", HTML, "BBB010101BBB")]))
    not_ocds = tmp_path / "e_list_of_numbers.json"
    not_ocds.write_text("[1, 2]")
    good_after = tmp_path / "f_good.json"
    good_after.write_text(json.dumps(_release("ocds-good-2", "Also Fine SA", "CCC010101CCC")))

    # a CSV whose bytes contradict its encoding (UTF-8 byte-order mark, Windows-1252
    # bytes), and the same rows in EBCDIC and UTF-16, which detection reads correctly
    sat = shared("sat69b", "Listado_Completo_69-B.csv").read_bytes().decode("cp1252")
    head = "\n".join(sat.splitlines()[:8]) + "\n"
    mixed = tmp_path / "mixed.csv"
    mixed.write_bytes(b"\xef\xbb\xbf" + head.encode("cp1252"))
    ebcdic = tmp_path / "ebcdic.csv"
    ebcdic.write_bytes(head.encode("cp500"))
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes(head.encode("utf-16"))

    publish("ocds", [good_before, truncated, no_ocid, hostile, not_ocds, good_after], stack.kafka_bootstrap)
    publish("sat69b", [mixed, ebcdic, utf16], stack.kafka_bootstrap)
    process(stack)

    dead = dead_letters(stack)
    reasons = " | ".join(d["reason"] for d in dead)
    assert len(dead) == 5, reasons  # truncated, no ocid, two non-objects, mixed encoding
    by_source = {d["source"]: d for d in dead}
    assert "not valid JSON" in by_source["b_truncated.json"]["reason"]
    assert "no 'ocid'" in by_source["c_no_ocid.json"]["reason"]
    assert "byte-order mark" in by_source["mixed.csv"]["reason"]
    assert "ebcdic.csv" not in by_source and "utf16.csv" not in by_source
    assert all(d["topic"] in ("raw.ocds", "raw.sat69b") and d["offset"] >= 0 for d in dead)
    assert by_source["b_truncated.json"]["value"].startswith("{")  # the record itself is kept

    processes = ids(store, "ContractingProcess")
    assert {"ocds:ocds-good-1", "ocds:ocds-good-2", "ocds:ocds-evil", "ocds:ocds-html"} <= processes
    assert "ocds:ocds-trunc" not in processes
    # the EBCDIC and UTF-16 copies of SAT's list were detected and read correctly
    assert counts(store).get("Sanction") == 5
    sanction_names = {r["name"] for r in store.read("MATCH (s:Sanction) RETURN s.name AS name")}
    assert "ASESORES EN AVALÚOS Y ACTIVOS, S.A. DE C.V." in sanction_names
    names = {r["rfc"]: r["name"] for r in store.read("MATCH (c:Company) RETURN c.rfc AS rfc, c.name AS name")}
    assert names["AAA010101AAA"] == INJECTION
    assert names["BBB010101BBB"] == HTML
    assert counts(store)["Company"] >= 4  # the injection did not delete anything


def test_records_from_other_producers_are_validated_too(stack, store):
    """A producer other than `vinculo publish` can write to raw topics: the stream checks."""
    from engine.eventlog.kafka import TOPICS, ensure_topics, make_producer

    ensure_topics(stack.kafka_bootstrap, list(TOPICS), 3)
    producer = make_producer(stack.kafka_bootstrap)
    producer.send("raw.ocds", key=b"x", value=json.dumps({"tag": ["tender"], "id": "r1"}).encode())
    producer.send("raw.ocds", key=b"y", value=b"\xff\xfe not json")
    producer.send("raw.sat69b", key=b"z", value=json.dumps({"rfc": "NOTANRFC", "_line": 9}).encode())
    producer.send("raw.sat69b", key=b"w", value=json.dumps(
        {"rfc": "GFM010122DZ9", "name": "GRUAS", "status": "Inventado", "_line": 10}).encode())
    producer.send("raw.ocds", key=b"ok", value=json.dumps(_release("ocds-after", "After SA")).encode())
    # what a link process hands to the alerts stage's on-arrival check
    producer.send("graph.touched", value=b"{not json")
    producer.send("graph.touched", value=json.dumps({"touched": {"Company": ["company:nobody"]}}).encode())
    producer.flush()
    producer.close()
    process(stack)
    reasons = sorted(d["reason"] for d in dead_letters(stack))
    assert len(reasons) == 5, reasons
    assert any("unreadable graph.touched message" in r for r in reasons)
    assert any("no 'ocid'" in r for r in reasons)
    assert any("not UTF-8 JSON" in r or "not valid JSON" in r for r in reasons)
    assert any("'NOTANRFC' is not a valid RFC" in r for r in reasons)
    assert any("status 'Inventado' is not one of" in r for r in reasons)
    assert "ocds:ocds-after" in ids(store, "ContractingProcess")
