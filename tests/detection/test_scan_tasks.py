"""A full scan shared by scanners through the broker gives the flags a scan in one process gives."""

from __future__ import annotations

import threading

import pytest

from engine.detection.registry import PATTERNS, default_configs
from engine.detection.runner import scan
from engine.detection.scan.compact import CompactGraph
from engine.detection.scan.full import findings, pattern_roots, shard_of
from engine.detection.scan.tasks import ScanWorker, distributed_scan, plan
from engine.graph.cypher import Statement
from engine.graph.store import open_store
from tests.detection.random_graphs import random_graph, to_batch
from tests.detection.test_scan import _flags

NOW = "2026-01-01T00:00:00+00:00"


def test_the_plan_gives_each_pattern_to_a_task_and_the_graphs_roots_to_shards():
    tasks = plan("s", NOW, ["P001", "P002", "P010", "P011"], 3)
    assert [t["codes"] for t in tasks] == [["P011"], ["P001", "P002", "P010"], ["P001", "P002", "P010"]]
    assert [t.get("shard") for t in tasks] == [None, [0, 2], [1, 2]]
    assert len({t["task"] for t in tasks}) == len(tasks)


@pytest.mark.parametrize("seed", [2, 3])
def test_the_shards_of_a_pattern_find_together_what_the_whole_finds(seed):
    """Over the arrays, without the broker: the union of the shards' findings, to the word."""
    graph = CompactGraph.from_networkx(random_graph(seed, scale=3).g)
    configs = default_configs()
    for code in (c for c in PATTERNS if c not in ("P010", "P011")):
        pattern, config = PATTERNS[code], configs[code]
        whole = {f.flag_id: f for f in findings(graph, None, pattern, config, NOW)}  # type: ignore[arg-type]
        shards = [{f.flag_id: f for f in findings(graph, None, pattern, config, NOW, (i, 3))}  # type: ignore[arg-type]
                  for i in range(3)]
        assert {k: v for s in shards for k, v in s.items()} == whole, code
        roots = pattern_roots(graph, pattern, config)
        if code != "P001" and roots is not None:  # P001 is done whole in shard 0; the others' roots are split
            cut = [pattern_roots(graph, pattern, config, (i, 3)) for i in range(3)]
            assert all(shard_of(r, 3) == i for i, part in enumerate(cut) for ids in part.values() for r in ids)
            assert sorted(r for part in cut for ids in part.values() for r in ids) == \
                sorted(r for ids in roots.values() for r in ids), code
            if len(whole) > 5:
                assert sum(1 for s in shards if s) >= 2, code  # the work really is shared


@pytest.mark.services
def test_two_scanners_leave_the_flags_one_process_leaves(stack):
    codes = [c for c in PATTERNS if c != "P011"]  # no releases in the random graphs
    store = open_store(stack.graph_uri, stack.graph_user, stack.graph_password, stack.graph_name)
    try:
        store.ensure_schema()
        store.write(to_batch(random_graph(4, scale=4)))
        alone = scan(store, codes)
        expected = _flags(store)
        assert len(expected) > 20
        store.run(Statement("test-clear-flags", "MATCH (f:Flag) DETACH DELETE f"))

        workers, _, stopped = _scanning(stack, 2)
        try:
            report = distributed_scan(store, stack.kafka_bootstrap, 2, codes, timeout=240)
        finally:
            stopped()
        assert sum(w.done for w in workers) == report.partitions == 2
        assert _flags(store) == expected
        assert report.findings == alone.findings
    finally:
        store.close()


@pytest.mark.services
def test_the_watching_scanner_flags_what_was_written_since_and_publishes_it(stack):
    """``vinculo scanner --watch``: a full sweep, then records and a merge on ``graph.changes``; its
    incremental scans leave the flags a full scan of the new graph finds, and every flag is on ``flags``."""
    import json

    from kafka import KafkaConsumer

    from engine.detection.runner import pending_flags
    from engine.detection.scan.incremental import ROOT_ROLES, Scanner, moment
    from engine.detection.scan.watch import watch
    from engine.eventlog.kafka import FLAGS, GRAPH_CHANGES, make_producer
    from engine.graph.merge import merge_into
    from tests.detection.random_graphs import random_records

    seed = 3
    store = open_store(stack.graph_uri, stack.graph_user, stack.graph_password, stack.graph_name)
    watcher = open_store(stack.graph_uri, stack.graph_user, stack.graph_password, stack.graph_name)
    scans: list[tuple[str, object]] = []
    stop = threading.Event()
    try:
        store.ensure_schema()
        g = random_graph(seed, scale=3)
        store.write(to_batch(g))
        thread = threading.Thread(target=watch, args=(watcher, stack.kafka_bootstrap, 0.5, 3600.0, 1, stop),
                                  kwargs={"on_scan": lambda kind, report: scans.append((kind, report))}, daemon=True)
        thread.start()
        _until(lambda: scans, 120)
        assert scans[0][0] == "full"
        for batch in random_records(seed, g, count=80, stamp=moment()):
            store.write(batch)
        absorbed, survivor = f"company{seed}", f"company{seed + 10}"
        merge_into(store, "Company", absorbed, survivor)
        producer = make_producer(stack.kafka_bootstrap)
        producer.send(GRAPH_CHANGES, key=survivor.encode(), value=json.dumps(
            {"type": "entities_merged", "entity_id": survivor, "merged_entity_id": absorbed}).encode()).get(30)
        producer.close()
        sent = len(scans)
        _until(lambda: len(scans) >= sent + 2, 120)  # one that began after the message was on the topic
        assert any(k == "incremental" and r.timings["changed"]["relationships"] for k, r in scans[1:])
        stop.set()
        thread.join(timeout=60)
        assert not thread.is_alive()
        after_watch = {k: f for k, f in _flags(store).items() if f["pattern"] in ROOT_ROLES}
        assert not pending_flags(store)  # every flag published
        Scanner(store).full()
        after_full = {k: f for k, f in _flags(store).items() if f["pattern"] in ROOT_ROLES}
        assert after_watch == after_full
        published = KafkaConsumer(FLAGS, bootstrap_servers=stack.kafka_bootstrap, auto_offset_reset="earliest",
                                  consumer_timeout_ms=3000)
        on_topic = {json.loads(m.value)["id"] for m in published}
        published.close()
        assert {k for k, f in after_watch.items() if f["status"] == "new"} <= on_topic
    finally:
        stop.set()
        watcher.close()
        store.close()


def _until(condition, seconds: float) -> None:  # type: ignore[no-untyped-def]
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def _scanning(stack, count: int = 1, start: bool = True):  # type: ignore[no-untyped-def]
    """``count`` scanners in threads of this process, each with its own store (started now, or by the caller);
    stopped() ends them."""
    stop = threading.Event()
    stores = [open_store(stack.graph_uri, stack.graph_user, stack.graph_password, stack.graph_name)
              for _ in range(count)]
    workers = [ScanWorker(s, stack.kafka_bootstrap) for s in stores]
    threads = [threading.Thread(target=w.run, args=(stop,), daemon=True) for w in workers]
    for t in threads if start else ():
        t.start()

    def stopped() -> None:
        stop.set()
        for t in threads:
            t.join(timeout=30)
        for w, s in zip(workers, stores, strict=True):
            w.close()
            s.close()
    return workers, threads, stopped


@pytest.mark.services
def test_a_task_a_scanner_cannot_run_stops_the_coordinator_at_once_with_the_reason(stack):
    """A scanner of another version that does not know a pattern: its answer says so, and the coordinator
    stops with it instead of waiting its whole timeout."""
    import json
    import time

    from engine.detection.scan.tasks import SCAN_TASKS, ScanTaskFailed, _Results
    from engine.eventlog.kafka import ensure_topics, make_producer

    store = open_store(stack.graph_uri, stack.graph_user, stack.graph_password, stack.graph_name)
    store.ensure_schema()
    ensure_topics(stack.kafka_bootstrap, [SCAN_TASKS], 8)
    [task] = plan("scan-unknown", NOW, ["P002"], 1)
    task["codes"] = ["P999"]
    results = _Results(stack.kafka_bootstrap, "scan-unknown")
    producer = make_producer(stack.kafka_bootstrap, linger_ms=0)
    producer.send(SCAN_TASKS, key=task["task"].encode(), value=json.dumps(task).encode(), partition=0).get(30)
    producer.close()
    workers, threads, stopped = _scanning(stack)
    started = time.monotonic()
    try:
        with pytest.raises(ScanTaskFailed, match=r"task .* failed on scanner .*KeyError: 'P999'"):
            results.wait({task["task"]}, timeout=300)
        assert time.monotonic() - started < 120
        assert workers[0].done == 1 and threads[0].is_alive()  # answered, committed, and still serving
    finally:
        stopped()
        store.close()


@pytest.mark.services
def test_a_task_whose_graph_server_is_away_runs_again_once_it_is_back(stack):
    """The scanners' graph server killed once the tasks are published: the scanner waits for it, runs the
    task when it returns, and the scan ends with the flags a scan in one process leaves."""
    import os
    import signal
    import time

    from engine.runtime.embedded import EmbeddedServices

    codes = [c for c in PATTERNS if c != "P011"]
    store = open_store(stack.graph_uri, stack.graph_user, stack.graph_password, stack.graph_name)
    store.ensure_schema()
    store.write(to_batch(random_graph(3, scale=2)))
    scan(store, codes)
    expected = _flags(store)
    assert len(expected) > 5
    store.run(Statement("test-clear-flags", "MATCH (f:Flag) DETACH DELETE f"))
    store.sync()

    outcome: dict[str, object] = {}

    def coordinate() -> None:
        try:
            outcome["report"] = distributed_scan(store, stack.kafka_bootstrap, 1, codes, timeout=300)
        except Exception as exc:  # noqa: BLE001 - the test reads it
            outcome["error"] = exc

    workers, threads, stopped = _scanning(stack, start=False)  # connected, not yet reading tasks
    coordinator = threading.Thread(target=coordinate, daemon=True)
    coordinator.start()
    time.sleep(3)  # the tasks are on the topic; no scanner has taken them yet
    services = EmbeddedServices(stack.home)
    os.kill(services.running()["graph"].pid, signal.SIGKILL)
    threads[0].start()
    try:
        time.sleep(8)  # the scanner meets the dead server, and tries again
        assert threads[0].is_alive() and workers[0].done == 0 and coordinator.is_alive()
        services.up(("graph",))
        coordinator.join(timeout=240)
        assert "error" not in outcome, outcome.get("error")
        assert workers[0].done == 1
    finally:
        stopped()
    reopened = open_store(stack.graph_uri, stack.graph_user, stack.graph_password, stack.graph_name)
    try:
        assert _flags(reopened) == expected
    finally:
        reopened.close()
        store.close()
