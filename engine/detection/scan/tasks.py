"""A full scan shared by several scanner processes through Kafka.

The coordinator (``vinculo detect --scanners N``) cuts the scan into tasks by what each reads: P011
reads only the releases kept on the processes; the other patterns read the arrays of the whole graph,
cut into shards of their roots (a stable hash of the root's id) and of P010's partitions. It publishes
them on ``scan.tasks``, one task per partition in turn; ``vinculo scanner`` processes share that topic in
one consumer group (round-robin assignment, so consecutive tasks go to different scanners), run each
task, write its flags and publish what it found on ``scan.results``. When every task has answered, the
coordinator withdraws the ``new`` flags no task found, as a scan in one process does.

A scanner keeps the arrays it read for the scan whose tasks it is running (one read per process per
scan), commits a task's offset only once its result is on ``scan.results`` (a scanner that dies
mid-task leaves it to the next owner of its partition), and keeps its place in the group while a long
task runs (its partitions paused, the consumer polled).

A task that fails because the graph server cannot be reached is run again once it can, however long
that takes (as the link stage waits for it). A task that fails for any other reason (a bug, a task it
cannot read) is answered with the reason, and the coordinator stops at once with it, instead of
waiting its whole timeout for an answer that will never come.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor

from engine.detection.registry import PATTERNS, default_configs, get_patterns
from engine.detection.runner import DetectionReport, now, settle_flags
from engine.detection.scan.compact import CompactGraph, no_cycles
from engine.detection.scan.full import peak_rss_mb, run_patterns, write_flags
from engine.eventlog.kafka import ensure_topics, make_producer
from engine.graph.merge import reconcile_processes
from engine.graph.store import GraphStore

log = logging.getLogger(__name__)
SCAN_TASKS = "scan.tasks"
SCAN_RESULTS = "scan.results"
TASK_PARTITIONS = 8
GROUP = "vinculo-scanners"
IDS_PER_MESSAGE = 5_000  # flag ids per result message: a large scan's answer comes in parts
RETRY_SECONDS = (1.0, 2.0, 5.0, 10.0, 30.0)  # between runs of a task whose graph server is away, then the last


class ScanTaskFailed(RuntimeError):
    """A scanner could not run one of the scan's tasks."""


def plan(scan_id: str, stamp: str, codes: list[str], scanners: int) -> list[dict[str, Any]]:
    """The tasks of one scan: dataset patterns on their own, the graph's patterns in shards."""
    dataset = [c for c in codes if getattr(PATTERNS[c], "scope", "partition") == "dataset"]
    graph = [c for c in codes if c not in dataset]
    shards = max(1, scanners - (1 if dataset else 0)) if graph else 0
    tasks: list[dict[str, Any]] = [{"scan": scan_id, "task": f"{c}", "codes": [c], "stamp": stamp} for c in dataset]
    tasks += [{"scan": scan_id, "task": f"graph-{i}-of-{shards}", "codes": graph, "shard": [i, shards],
               "stamp": stamp} for i in range(shards)]
    return tasks


def run_task(store: GraphStore, task: dict[str, Any], arrays: dict[str, CompactGraph]) -> dict[str, Any]:
    """Run one task, write its flags; what it found. ``arrays`` keeps the graph read for a scan."""
    started = time.perf_counter()
    read = 0.0
    codes = task["codes"]
    graph: Any = None
    if any(getattr(PATTERNS[c], "scope", "partition") != "dataset" for c in codes):
        if task["scan"] not in arrays:
            arrays.clear()  # a new scan: the previous one's arrays go
            t0 = time.perf_counter()
            arrays[task["scan"]] = CompactGraph.read(store)
            read = time.perf_counter() - t0
        graph = arrays[task["scan"]]
    shard = tuple(task["shard"]) if task.get("shard") else None
    found, stats = run_patterns(graph, store, codes, task["stamp"], shard)
    write_flags(store, found.values(), task["stamp"])
    return {"scan": task["scan"], "task": task["task"], "found": sorted(found), "stats": stats,
            "read_seconds": round(read, 3), "seconds": round(time.perf_counter() - started, 3),
            "worker": f"{socket.gethostname()}:{os.getpid()}", "peak_rss_mb": peak_rss_mb()}


def _parts(result: dict[str, Any]) -> list[bytes]:
    ids = result["found"]
    chunks = [ids[i:i + IDS_PER_MESSAGE] for i in range(0, len(ids), IDS_PER_MESSAGE)] or [[]]
    return [json.dumps({**result, "found": chunk, "part": n, "parts": len(chunks)}).encode()
            for n, chunk in enumerate(chunks)]


class ScanWorker:
    """``vinculo scanner``: runs the scan tasks its consumer group gives it."""

    def __init__(self, store: GraphStore, bootstrap: str, group: str = GROUP):
        ensure_topics(bootstrap, [SCAN_TASKS], TASK_PARTITIONS)
        ensure_topics(bootstrap, [SCAN_RESULTS], 1)
        self.store = store
        self.producer = make_producer(bootstrap, linger_ms=0)
        # kafka-python takes the rebalance timeout from max_poll_interval_ms (a join waits for it on Tansu):
        # short, and the consumer is polled while a task runs
        self.consumer = KafkaConsumer(
            SCAN_TASKS, bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
            auto_offset_reset="earliest", client_id="vinculo-scanner", max_poll_records=1,
            max_poll_interval_ms=10_000, session_timeout_ms=10_000, heartbeat_interval_ms=1_000,
            partition_assignment_strategy=(RoundRobinPartitionAssignor,),
        )
        self.arrays: dict[str, CompactGraph] = {}
        self.done = 0

    def run(self, stop: threading.Event | None = None, idle_exit: float | None = None) -> int:
        """Run tasks until ``stop`` is set (or nothing came for ``idle_exit`` seconds); how many ran."""
        stop = stop or threading.Event()
        quiet_since = time.monotonic()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="scan-task") as pool:
            while not stop.is_set():
                batch = self.consumer.poll(timeout_ms=500)
                if not batch:
                    if idle_exit is not None and time.monotonic() - quiet_since > idle_exit:
                        break
                    continue
                for tp, records in batch.items():
                    for record in records:
                        self._one(pool, tp, record.value, record.offset)
                quiet_since = time.monotonic()
        return self.done

    def _one(self, pool: ThreadPoolExecutor, tp: TopicPartition, value: bytes, offset: int) -> None:
        try:
            task = json.loads(value)
        except ValueError:
            log.warning("unreadable scan task at %s@%d: skipped", tp, offset)
            self.consumer.commit({tp: _offset(offset + 1)})
            return
        assigned = list(self.consumer.assignment())
        self.consumer.pause(*assigned)
        try:
            result = self._run(pool, task)
        finally:
            self.consumer.resume(*assigned)
        for part in _parts(result):
            self.producer.send(SCAN_RESULTS, key=str(task.get("scan")).encode(), value=part).get(timeout=30)
        self.consumer.commit({tp: _offset(offset + 1)})
        self.done += 1
        if "error" in result:
            log.error("scan %s task %s failed: %s", task.get("scan"), task.get("task"), result["error"])
        else:
            log.warning("scan %s task %s: %d finding(s) in %.1f s", task["scan"], task["task"],
                        len(result["found"]), result["seconds"])

    def _run(self, pool: ThreadPoolExecutor, task: dict[str, Any]) -> dict[str, Any]:
        """The task's result: run again while the graph server is away; any other failure, answered."""
        from engine.pipeline.stages import TRANSIENT

        attempt = 0
        while True:
            future = pool.submit(_quietly, run_task, self.store, task, self.arrays)
            while not future.done():
                self.consumer.poll(timeout_ms=200)  # stays in the group; paused, so nothing is fetched
            try:
                return future.result()
            except TRANSIENT as exc:
                pause = RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)]
                attempt += 1
                log.warning("scan %s task %s: graph server unreachable (%s); trying again in %.0f s",
                            task.get("scan"), task.get("task"), type(exc).__name__, pause)
                until = time.monotonic() + pause
                while time.monotonic() < until:
                    self.consumer.poll(timeout_ms=200)
            except Exception as exc:  # noqa: BLE001 - answered, so that the coordinator stops with the reason
                return {"scan": task.get("scan"), "task": task.get("task"), "found": [],
                        "error": f"{type(exc).__name__}: {exc}", "worker": f"{socket.gethostname()}:{os.getpid()}"}

    def close(self) -> None:
        self.consumer.close()
        self.producer.close()


def _quietly(fn: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    with no_cycles():
        return fn(*args)


def _offset(offset: int) -> Any:
    from kafka.structs import OffsetAndMetadata

    try:
        return OffsetAndMetadata(offset, "", -1)
    except TypeError:  # kafka-python before the leader epoch
        return OffsetAndMetadata(offset, "")


def distributed_scan(store: GraphStore, bootstrap: str, scanners: int, codes: list[str] | None = None,
                     timeout: float = 3600.0) -> DetectionReport:
    """A full scan run by the ``vinculo scanner`` processes: tasks published, results awaited, flags
    settled. ``scanners``: how many the tasks are cut for."""
    started = time.perf_counter()
    ensure_topics(bootstrap, [SCAN_TASKS], TASK_PARTITIONS)
    ensure_topics(bootstrap, [SCAN_RESULTS], 1)
    reconcile_processes(store)
    configs = default_configs()
    chosen = [p.code for p in get_patterns(codes) if configs[p.code].enabled]
    scan_id, stamp = uuid.uuid4().hex, now()
    tasks = plan(scan_id, stamp, chosen, scanners)
    results = _Results(bootstrap, scan_id)
    producer = make_producer(bootstrap, linger_ms=0)
    try:
        for n, task in enumerate(tasks):
            producer.send(SCAN_TASKS, key=task["task"].encode(), value=json.dumps(task).encode(),
                          partition=n % TASK_PARTITIONS).get(timeout=30)
    finally:
        producer.close()
    answered = results.wait({t["task"] for t in tasks}, timeout)
    found = sorted({f for r in answered.values() for f in r["found"]})
    report = DetectionReport(findings={c: 0 for c in chosen})
    for flag_id in found:  # "flag:<pattern>:<digest>"; a flag two shards found counts once
        code = flag_id.split(":")[1]
        report.findings[code] = report.findings.get(code, 0) + 1
    report.withdrawn = settle_flags(store, [p.code for p in get_patterns(codes)], found, stamp)
    report.partitions = len(tasks)
    report.seconds = time.perf_counter() - started
    report.timings = {"tasks": {t: {k: r[k] for k in ("seconds", "read_seconds", "worker", "peak_rss_mb")}
                                for t, r in answered.items()}}
    report.peak_rss_mb = max([r["peak_rss_mb"] for r in answered.values()] + [peak_rss_mb()])
    return report


class _Results:
    """The answers to one scan's tasks on ``scan.results``, however many parts each came in."""

    def __init__(self, bootstrap: str, scan_id: str):
        self.scan_id = scan_id
        self.consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                      client_id="vinculo-scan-coordinator")
        partitions = [TopicPartition(SCAN_RESULTS, p) for p in sorted(
            self.consumer.partitions_for_topic(SCAN_RESULTS) or {0})]
        self.consumer.assign(partitions)
        self.consumer.seek_to_beginning(*partitions)

    def wait(self, tasks: set[str], timeout: float) -> dict[str, dict[str, Any]]:
        parts: dict[str, list[dict[str, Any]]] = {}
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                for records in self.consumer.poll(timeout_ms=200).values():
                    for record in records:
                        message = json.loads(record.value)
                        if message.get("scan") == self.scan_id and message.get("task") in tasks:
                            if "error" in message:
                                raise ScanTaskFailed(f"scan {self.scan_id}: task {message['task']} failed on "
                                                     f"scanner {message.get('worker')}: {message['error']}")
                            parts.setdefault(message["task"], []).append(message)
                whole = {t: p for t, p in parts.items() if len({m["part"] for m in p}) == p[0]["parts"]}
                if set(whole) == tasks:
                    return {t: {**p[0], "found": [f for m in p for f in m["found"]]} for t, p in whole.items()}
        finally:
            self.consumer.close()
        missing = sorted(tasks - set(parts))
        raise TimeoutError(f"scan {self.scan_id}: no answer from the scanners for {missing} within {timeout:.0f} s "
                           "(are `vinculo scanner` processes running?)")
