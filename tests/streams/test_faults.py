"""Faults mid-stream, each compared with a clean run of the same input by node ids, relationship
counts and deliveries: the graph server killed (``kill -9``) and back only after 60 s, longer than
any retry budget; a worker killed and started again; two workers with one killed; the broker frozen
(``SIGSTOP``) beyond the clients' timeouts. Afterwards nothing is lost, nothing doubled, no entity
duplicated, no mention resolved twice, every alert delivered once.

The workers are real ``vinculo worker`` processes on the real embedded servers."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from engine.alerts.subscriptions import Subscription, subscribe
from engine.eventlog.kafka import FLAGS, read_topic
from engine.graph import cypher
from engine.graph.store import GraphStore, open_store
from engine.intake import publish
from engine.runtime.embedded import EmbeddedServices
from engine.runtime.endpoints import Endpoints
from tests.conftest import shared
from tests.helpers import process

pytestmark = [pytest.mark.services, pytest.mark.faults]

OPERATIONAL = {"Redirect", "Judgment", "Subscription", "Delivery"}
VINCULO = Path(sys.executable).with_name("vinculo")


def _listed_company() -> tuple[str, str]:
    rows = csv.reader(io.StringIO(shared("sat69b", "Listado_Completo_69-B.csv").read_bytes().decode("cp1252")))
    return next((row[1], row[2]) for row in rows if len(row) > 3 and row[3] == "Definitivo" and len(row[1]) == 12)


def _inputs(tmp: Path) -> list[tuple[str, list[Path]]]:
    """SAT's 69-B list, the real OCDS samples and one award to a listed company (a flag, an alert)."""
    rfc, name = _listed_company()
    award = {"ocid": "ocds-fault-0001", "date": "2021-03-01T00:00:00Z",
             "parties": [{"id": "B", "name": "Instituto de Prueba", "roles": ["buyer"]},
                         {"id": "S", "name": name, "roles": ["supplier"],
                          "identifier": {"scheme": "MX-RFC", "id": rfc}}],
             "contracts": [{"id": "C1", "suppliers": [{"id": "S"}], "dateSigned": "2021-03-05T00:00:00Z",
                            "value": {"amount": 100000, "currency": "MXN"}}]}
    (tmp / "award.json").write_text(json.dumps(award))
    return [("sat69b", [shared("sat69b", "Listado_Completo_69-B.csv")]),
            ("ocds", [shared("ocds"), tmp / "award.json"])]


def _publish_all(stack: Endpoints, store: GraphStore, tmp: Path) -> None:
    subscribe(store, Subscription(patterns=["P001"], kafka_topic="alerts.faults"))
    for kind, paths in _inputs(tmp):
        publish(kind, paths, stack.kafka_bootstrap)


def fingerprint(stack: Endpoints, store: GraphStore) -> dict[str, Any]:
    labels = {r["label"]: r["count"] for r in store.run(cypher.COUNT_BY_LABEL)}
    ids = {label: {r["id"] for r in store.run(cypher.NODE_IDS_BY_LABEL, {"label": label})}
           for label in labels if label not in OPERATIONAL}
    twice = store.read("MATCH (m:Mention)-[r:RESOLVED_TO]->() WITH m, count(r) AS n WHERE n > 1 RETURN count(m) AS n")
    alerts = Counter(m.json()["flag"]["id"] for m in read_topic(stack.kafka_bootstrap, "alerts.faults", idle=2))
    return {
        "ids": ids,
        "rels": {r["type"]: r["count"] for r in store.run(cypher.COUNT_BY_REL_TYPE)},
        "mentions_resolved_twice": twice[0]["n"],
        "flags_on_topic": {m.key for m in read_topic(stack.kafka_bootstrap, FLAGS, idle=2)},
        "alerts": dict(alerts),
    }


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The same input through one worker that nothing disturbs."""
    home = tmp_path_factory.mktemp("clean")
    services = EmbeddedServices(home / "home")
    infos = services.up()
    try:
        stack = Endpoints(infos["kafka"].url, infos["graph"].url, None, services.password(), "vinculo", services.home)
        store = open_store(stack.graph_uri, None, stack.graph_password)
        store.ensure_schema()
        _publish_all(stack, store, home)
        process(stack)
        result = fingerprint(stack, store)
        store.close()
    finally:
        services.down()
    assert result["alerts"] and set(result["alerts"].values()) == {1}
    return result


def _worker(stack: Endpoints, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "VINCULO_HOME": str(stack.home), "VINCULO_TOPIC_PARTITIONS": "3"}
    env.pop("VINCULO_KAFKA_BOOTSTRAP", None)
    env.pop("VINCULO_GRAPH_URI", None)
    handle = log.open("ab")
    return subprocess.Popen([str(VINCULO), "worker", "--until-idle", "--idle-seconds", "4"], env=env,
                            stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)


def _mentions_written(store: GraphStore) -> int:
    try:
        return int(store.read("MATCH (m:Mention) RETURN count(m) AS n")[0]["n"])
    except Exception:  # the server may be the one we are killing
        return 0


def _wait_for_progress(store: GraphStore, at_least: int = 500, timeout: float = 120) -> None:
    """Until the worker has written part of the input (the fault comes mid-stream, not before)."""
    deadline = time.monotonic() + timeout
    while _mentions_written(store) < at_least:
        assert time.monotonic() < deadline, "the worker wrote nothing"
        time.sleep(0.5)


def _finish(proc: subprocess.Popen[bytes], log: Path, timeout: float = 420) -> None:
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise AssertionError(f"worker did not finish; log:\n{log.read_text()[-3000:]}") from None
    assert code == 0, log.read_text()[-3000:]


def _compare(got: dict[str, Any], clean: dict[str, Any]) -> None:
    assert got["ids"].keys() == clean["ids"].keys()
    for label, ids in clean["ids"].items():
        assert got["ids"][label] == ids, f"{label}: lost {sorted(ids - got['ids'][label])[:5]}, " \
                                         f"extra {sorted(got['ids'][label] - ids)[:5]}"
    assert got["rels"] == clean["rels"]
    assert got["mentions_resolved_twice"] == 0
    assert got["flags_on_topic"] == clean["flags_on_topic"]
    assert got["alerts"] == clean["alerts"]  # each alert once


def test_graph_server_killed_and_back_after_a_minute(stack, store, tmp_path, clean):
    _publish_all(stack, store, tmp_path)
    log = tmp_path / "worker.log"
    proc = _worker(stack, log)
    _wait_for_progress(store)
    services = EmbeddedServices(stack.home)
    graph = services.running()["graph"]
    os.kill(graph.pid, signal.SIGKILL)
    time.sleep(60)
    assert proc.poll() is None, "the worker gave up while the graph server was away"
    services.up(("graph",))
    _finish(proc, log)
    reopened = open_store(stack.graph_uri, None, stack.graph_password)
    try:
        _compare(fingerprint(stack, reopened), clean)
    finally:
        reopened.close()
    assert "server unreachable" in log.read_text()


def test_worker_killed_and_started_again(stack, store, tmp_path, clean):
    _publish_all(stack, store, tmp_path)
    log = tmp_path / "worker.log"
    first = _worker(stack, log)
    _wait_for_progress(store)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    _finish(_worker(stack, log), log)
    _compare(fingerprint(stack, store), clean)


def test_two_workers_one_killed(stack, store, tmp_path, clean):
    _publish_all(stack, store, tmp_path)
    log_a, log_b = tmp_path / "a.log", tmp_path / "b.log"
    a, b = _worker(stack, log_a), _worker(stack, log_b)
    _wait_for_progress(store)
    os.killpg(a.pid, signal.SIGKILL)
    a.wait()
    _finish(b, log_b)
    _compare(fingerprint(stack, store), clean)


def test_broker_frozen_beyond_the_timeouts(stack, store, tmp_path, clean):
    _publish_all(stack, store, tmp_path)
    log = tmp_path / "worker.log"
    proc = _worker(stack, log)
    _wait_for_progress(store)
    broker = EmbeddedServices(stack.home).running()["kafka"]
    os.kill(broker.pid, signal.SIGSTOP)
    try:
        time.sleep(40)  # beyond the session (10 s) and request (30 s) timeouts
    finally:
        os.kill(broker.pid, signal.SIGCONT)
    _finish(proc, log)
    _compare(fingerprint(stack, store), clean)
