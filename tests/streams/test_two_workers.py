"""Two workers resolving at once (one consumer group, partitions split between them, an
index each): no mention is lost, and after the reconcile job no duplicate remains."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace

import pytest

from engine.eventlog.kafka import TOPICS, ensure_topics
from engine.intake import publish
from engine.pipeline.reconcile import reconcile_entities
from streams.worker import run_worker

pytestmark = pytest.mark.services

VARIANTS = ["Servicios Integrales del Golfo SA de CV", "SERVICIOS INTEGRALES DEL GOLFO S.A. DE C.V.",
            "Servicios Integrales del Golfo, S.A. de C.V.", "SERVICIOS INTEGRALES DEL GOLF",
            "Servicios Integrales Del Golfo Sociedad Anonima de Capital Variable", "SERVICIOS INTEGRALES DEL GOLFO"]


def _releases(prefix: str, n: int) -> list[dict]:  # type: ignore[type-arg]
    return [{"ocid": f"ocds-{prefix}-{i}", "date": "2020-01-01T00:00:00Z",
             "parties": [{"id": "S", "name": VARIANTS[i % len(VARIANTS)], "roles": ["supplier"]}],
             "contracts": [{"id": "C", "suppliers": [{"id": "S"}]}]} for i in range(n)]


def _entities(store) -> list[str]:  # type: ignore[no-untyped-def]
    rows = store.read("MATCH (c:Company)-[:SUPPLIES]->(k:Contract) RETURN DISTINCT c.id AS id")
    return sorted(r["id"] for r in rows)


def _mentions(store) -> int:  # type: ignore[no-untyped-def]
    return int(store.read("MATCH (m:Mention)-[:RESOLVED_TO]->(:Company) RETURN count(m) AS n")[0]["n"])


def test_two_workers_then_reconcile(stack, store, tmp_path):
    ensure_topics(stack.kafka_bootstrap, list(TOPICS), 3)
    workers = [replace(stack, home=tmp_path / f"worker{i}") for i in (1, 2)]
    # each worker catches up with the other's entities only once a minute: what happens to any worker when two
    # meet a new company within the same seconds, made certain here
    threads = [threading.Thread(target=run_worker, args=(w,), kwargs={"max_seconds": 45, "on_arrival": False,
                                                                        "catch_up_every": 600})
               for w in workers]
    for t in threads:
        t.start()
    time.sleep(15)  # both have joined the group and hold their partitions
    # the company arrives on every partition at once: each worker meets it before it learns that the other
    # one has met it too
    path = tmp_path / "a.json"
    path.write_text(json.dumps(_releases("two", 24)))
    publish("ocds", [path], stack.kafka_bootstrap)
    deadline = time.monotonic() + 40
    while _mentions(store) < 24 and time.monotonic() < deadline:
        time.sleep(0.5)
    for t in threads:
        t.join()
    mentions = store.read("MATCH (m:Mention)-[:RESOLVED_TO]->(:Company) RETURN count(m) AS n")[0]["n"]
    assert mentions == 24  # no mention lost
    before = _entities(store)
    # each worker, with half the partitions and an index of its own, created the company it did not yet know
    assert len(before) >= 2, before
    merged = reconcile_entities(store)
    after = _entities(store)
    assert len(after) == 1, (before, after)
    assert len(merged) == len(before) - 1
    assert store.read("MATCH (m:Mention)-[:RESOLVED_TO]->(:Company) RETURN count(m) AS n")[0]["n"] == 24
    # later mentions, resolved by a worker whose index still has a merged-away entity, land on the survivor
    more = tmp_path / "b.json"
    more.write_text(json.dumps(_releases("later", 6)))
    publish("ocds", [more], stack.kafka_bootstrap)
    run_worker(workers[0], until_idle=True, idle_seconds=3.0, max_seconds=240)
    assert _entities(store) == after
