"""The link stage on the real servers: a poison record goes to ``dlq`` alone while its 499 neighbours
are written; replaying every topic into an empty graph rebuilds the same graph; a reviewer's judgment
made while two workers run is obeyed by both, and by a third started later."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from engine.canonical import CanonicalRecord, RecordBuilder
from engine.eventlog.kafka import MENTIONS, TOPICS, ensure_topics, make_producer, read_topic
from engine.graph import cypher
from engine.intake import publish
from engine.pipeline.linker import record_judgment
from streams.worker import run_worker
from tests.conftest import shared
from tests.helpers import counts, dead_letters, process, rel_counts

pytestmark = pytest.mark.services


def _canonical(i: int) -> CanonicalRecord:
    rec = RecordBuilder("csv", f"poison-test-{i}", "2024-01-01")
    company = rec.entity("c", "Company", name=f"Proveedora Número {i} SA de CV", identifiers={"rfc": None})
    process_ = rec.entity("p", "ContractingProcess", key=f"test:process-{i}", name=f"Proceso {i}")
    rec.relate("TENDERED", company, process_)
    return rec.build()


def test_a_poison_record_goes_alone_and_its_499_neighbours_are_written(stack, store):
    ensure_topics(stack.kafka_bootstrap, list(TOPICS), 1)  # one partition: all 500 in one batch
    values = [_canonical(i).model_dump_json(by_alias=True).encode() for i in range(500)]
    poison = json.loads(values[250])
    poison["entities"][0]["props"] = {"Bad Name!": "a foreign producer named a property"}
    values[250] = json.dumps(poison).encode()
    producer = make_producer(stack.kafka_bootstrap)
    for i, value in enumerate(values):
        producer.send(MENTIONS, key=f"csv:poison-test-{i}".encode(), value=value)
    producer.flush()
    producer.close()
    process(stack)
    assert counts(store)["ContractingProcess"] == 499
    ids = {r["id"] for r in store.run(cypher.NODE_IDS_BY_LABEL, {"label": "ContractingProcess"})}
    assert "test:process-250" not in ids and "test:process-249" in ids and "test:process-251" in ids
    [dead] = dead_letters(stack)
    assert dead["stage"] == "link" and "Bad Name!" in dead["reason"] and dead["offset"] == 250


def _graph(store) -> tuple[dict[str, set[str]], dict[str, int]]:  # type: ignore[no-untyped-def]
    labels = {r["label"] for r in store.run(cypher.COUNT_BY_LABEL)} - {"Redirect", "Judgment", "Flag"}
    return ({label: {r["id"] for r in store.run(cypher.NODE_IDS_BY_LABEL, {"label": label})} for label in labels},
            rel_counts(store))


def test_replaying_every_topic_into_an_empty_graph_gives_the_same_graph(stack, store, tmp_path):
    ensure_topics(stack.kafka_bootstrap, list(TOPICS), 1)  # one partition: the order is the record order
    scenario = shared("scenarios")
    # declarations first: the institutions by their full names; then the buyers, whose acronyms first
    # make bodies of their own that a later "ACRONYM | FULL NAME" buyer shows to be the same: merges
    publish("pdn-s1", [scenario / "seed11" / "s1"], stack.kafka_bootstrap)
    publish("ftm", [shared("ftm", "zala.entities.ftm.json")], stack.kafka_bootstrap)
    run_worker(stack, until_idle=True, idle_seconds=2.0, max_seconds=240, partitions=1, on_arrival=False)
    publish("ocds", [scenario / "ocds"], stack.kafka_bootstrap)
    publish("bods", [scenario / "seed11" / "bods"], stack.kafka_bootstrap)
    run_worker(stack, until_idle=True, idle_seconds=2.0, max_seconds=240, partitions=1, on_arrival=False)
    first = _graph(store)
    merges = store.read("MATCH (r:Redirect) RETURN count(r) AS n")[0]["n"]
    assert merges > 0  # the replay must rebuild merges too
    raw = sum(len(read_topic(stack.kafka_bootstrap, t, idle=1)) for t in ("raw.pdn-s1", "raw.ftm", "raw.ocds"))
    assert raw > 100
    store.clear()
    store.ensure_schema()
    empty = replace(stack, home=tmp_path / "fresh-home")  # no resolver state: everything from the topics
    run_worker(empty, until_idle=True, idle_seconds=2.0, max_seconds=240, partitions=1, on_arrival=False,
               app_id="replay")
    assert _graph(store) == first


def _mention_id(source: str, record_id: str, ref: str) -> str:
    return "mention:" + hashlib.sha256(f"{source}|{record_id}|{ref}".encode()).hexdigest()[:24]


def _release(ocid: str, name: str) -> dict:  # type: ignore[type-arg]
    return {"ocid": ocid, "date": "2022-01-01T00:00:00Z",
            "parties": [{"id": "S", "name": name, "roles": ["supplier"]}],
            "contracts": [{"id": "C", "suppliers": [{"id": "S"}]}]}


def _supplier(store, ocid: str) -> str:  # type: ignore[no-untyped-def]
    rows = store.read("MATCH (c)-[:SUPPLIES]->(k:Contract) WHERE k.ocid = $ocid RETURN c.id AS id", {"ocid": ocid})
    return str(rows[0]["id"]) if rows else ""


def _until(condition, timeout: float = 120) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.5)


def test_a_judgment_made_while_two_workers_run_is_obeyed_by_both_and_by_a_third(stack, store, tmp_path):
    name = "Servicios Omega del Pacífico SA de CV"
    ensure_topics(stack.kafka_bootstrap, list(TOPICS), 3)
    (tmp_path / "first.json").write_text(json.dumps([_release("ocds-omega-0", name)]))
    publish("ocds", [tmp_path / "first.json"], stack.kafka_bootstrap)
    workers = [replace(stack, home=tmp_path / f"w{i}") for i in (1, 2)]
    threads = [threading.Thread(target=run_worker, args=(w,), kwargs={"max_seconds": 70, "on_arrival": False})
               for w in workers]
    for t in threads:
        t.start()
    _until(lambda: _supplier(store, "ocds-omega-0") != "")
    omega = _supplier(store, "ocds-omega-0")
    # a reviewer says: the supplier of these six processes (not published yet) is not that company
    later = [f"ocds-omega-{i}" for i in range(1, 7)]
    for ocid in later:
        record_judgment(store, _mention_id("ocds", ocid, "party:S:Company"), omega, same=False, author="test")
    time.sleep(8)  # the workers learn the judgments between batches
    (tmp_path / "later.json").write_text(json.dumps([_release(o, name) for o in later]))
    publish("ocds", [tmp_path / "later.json"], stack.kafka_bootstrap)
    _until(lambda: all(_supplier(store, o) for o in later))
    assert all(_supplier(store, o) != omega for o in later)
    handled = {r["by"] for r in store.read("MATCH (m:Mention) WHERE m.id IN $ids RETURN DISTINCT m.written_by AS by",
                                           {"ids": [_mention_id("ocds", o, "party:S:Company") for o in later]})}
    assert len(handled) == 2  # both workers took some of them, and both obeyed
    for t in threads:
        t.join()
    # a third worker, started later with no state of its own, obeys them too
    more = [f"ocds-omega-{i}" for i in range(7, 10)]
    for ocid in more:
        record_judgment(store, _mention_id("ocds", ocid, "party:S:Company"), omega, same=False, author="test")
    (tmp_path / "more.json").write_text(json.dumps([_release(o, name) for o in more]))
    publish("ocds", [tmp_path / "more.json"], stack.kafka_bootstrap)
    run_worker(replace(stack, home=tmp_path / "w3"), until_idle=True, idle_seconds=2.0, max_seconds=120,
               on_arrival=False)
    assert all(_supplier(store, o) not in ("", omega) for o in more)
    # and a mention nobody judged still joins the company
    (tmp_path / "free.json").write_text(json.dumps([_release("ocds-omega-free", name)]))
    publish("ocds", [tmp_path / "free.json"], stack.kafka_bootstrap)
    run_worker(replace(stack, home=tmp_path / "w3"), until_idle=True, idle_seconds=2.0, max_seconds=120,
               on_arrival=False)
    assert _supplier(store, "ocds-omega-free") == omega
    assert Path(tmp_path / "w3" / "resolver").exists()
