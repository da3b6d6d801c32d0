"""Run the patterns — a full scan that reads the graph once, or the neighbourhood of what just
arrived — store their findings as ``Flag`` nodes, and publish new flags.

:func:`scan` reads the whole graph's detection view in bulk and runs every pattern over it
(``engine.detection.scan``); :func:`reference_scan` is the partitioned NetworkX scan it replaced,
kept as the reference the tests hold it to; :func:`check_touched` exports the neighbourhood of a
batch into NetworkX, as on-arrival detection always has."""

from __future__ import annotations

import json
import logging
import resource
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from engine.detection.base import Finding
from engine.detection.context import DetectionContext
from engine.detection.registry import default_configs, get_patterns
from engine.graph import cypher
from engine.graph.export import Exporter
from engine.graph.merge import reconcile_processes
from engine.graph.model import GraphBatch, Provenance
from engine.graph.store import GraphStore

log = logging.getLogger(__name__)
SEED_LABELS = ("Person", "Company", "PublicBody", "ContractingProcess", "Contract")


@dataclass
class DetectionReport:
    findings: dict[str, int] = field(default_factory=dict)
    flags: list[Finding] = field(default_factory=list)
    partitions: int = 0
    largest_partition: int = 0
    seconds: float = 0.0
    peak_rss_mb: float = 0.0
    withdrawn: int = 0
    nodes: int = 0  # in the scan's view of the graph
    relationships: int = 0
    timings: dict[str, Any] = field(default_factory=dict)  # seconds per step and per pattern


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def flag_batch(findings: Iterable[Finding], seen: str) -> GraphBatch:
    """Findings as graph facts: one ``Flag`` per finding id, ``CONCERNS`` each entity."""
    batch = GraphBatch()
    for f in findings:
        prov = Provenance(source="detection", record_id=f.pattern, seen=seen)
        batch.node(
            "Flag", f.flag_id, prov,
            on_create={"status": "new"},
            pattern=f.pattern, title=f.title, severity=f.severity, score=f.score,
            sentence=f.sentence, evidence=f.evidence,
        )
        for e in f.entities:
            batch.rel("CONCERNS", ("Flag", f.flag_id), (e.label, e.id), prov,
                      rel_id=f"{f.flag_id}->{e.id}", role=e.role)
    return batch


def _run_patterns(ctx: DetectionContext, codes: list[str] | None, found: dict[str, Finding],
                  counts: dict[str, int]) -> None:
    configs = default_configs()
    for pattern in get_patterns(codes):
        config = configs[pattern.code]
        if not config.enabled:
            continue
        for finding in pattern.find(ctx, config):
            if finding.flag_id not in found:
                counts[pattern.code] = counts.get(pattern.code, 0) + 1
            found[finding.flag_id] = finding


def scan(store: GraphStore, codes: list[str] | None = None,
         progress: Callable[[int, int], None] | None = None) -> DetectionReport:
    """A full scan: the graph read once, in bulk (:class:`~engine.detection.scan.compact.CompactGraph`),
    every pattern run over it, flags written. Flags still ``new`` whose evidence this scan no longer finds
    (a post's end date arrived, two entities turned out to be one) are withdrawn; confirmed or dismissed
    ones are kept."""
    from engine.detection.scan.compact import CompactGraph

    started = time.perf_counter()
    reconcile_processes(store)
    t0 = time.perf_counter()
    graph = CompactGraph.read(store)
    read = time.perf_counter() - t0
    report = scan_graph(store, graph, codes, progress)
    report.timings = {"read": round(read, 3), **report.timings}
    report.seconds = time.perf_counter() - started
    return report


def scan_graph(store: GraphStore, graph: Any, codes: list[str] | None = None,
               progress: Callable[[int, int], None] | None = None) -> DetectionReport:
    """The full scan over a graph already read (a scanner keeps one between scans)."""
    from engine.detection.scan.full import peak_rss_mb, run_patterns, write_flags

    started = time.perf_counter()
    stamp = now()
    found, stats = run_patterns(graph, store, codes, stamp, progress=progress)
    t0 = time.perf_counter()
    write_flags(store, found.values(), stamp)
    report = DetectionReport(findings={code: s["findings"] for code, s in stats.items()})
    report.withdrawn = settle_flags(store, [p.code for p in get_patterns(codes)], list(found), stamp)
    report.flags = list(found.values())
    report.partitions = 1
    report.nodes = report.largest_partition = len(graph)
    report.relationships = sum(len(r) for r in graph.rels.values())
    report.timings = {"patterns": {code: s["seconds"] for code, s in stats.items()},
                      "write_and_withdraw": round(time.perf_counter() - t0, 3)}
    report.seconds = time.perf_counter() - started
    report.peak_rss_mb = peak_rss_mb()
    return report


def settle_flags(store: GraphStore, patterns: list[str], found: list[str], stamp: str) -> int:
    """After a full scan of ``patterns``: flags found again are ``new`` again if they had been withdrawn;
    ``new`` ones not found are withdrawn (how many)."""
    store.run(cypher.REVIVE_FLAGS, {"found": found, "at": stamp})
    return len(store.run(cypher.WITHDRAW_FLAGS, {"patterns": patterns, "found": found, "at": stamp}))


def reference_scan(store: GraphStore, codes: list[str] | None = None, k: int = 3, partition_size: int = 25,
                   progress: Callable[[int, int], None] | None = None) -> DetectionReport:
    """The partitioned NetworkX scan :func:`scan` replaced, kept as the tests' reference: the graph cut
    into partitions of ``partition_size`` buyers, each exported into NetworkX on its own (the same
    neighbourhood on-arrival detection exports), the patterns run on each."""
    started = time.perf_counter()
    report = DetectionReport(findings={p.code: 0 for p in get_patterns(codes)})
    reconcile_processes(store)
    exporter = Exporter(store)
    buyers = exporter.ids("PublicBody")
    found: dict[str, Finding] = {}
    stamp = now()
    for i in range(0, len(buyers), partition_size):
        graph = exporter.neighbourhood({"PublicBody": set(buyers[i:i + partition_size])}, k)
        report.partitions += 1
        report.largest_partition = max(report.largest_partition, graph.number_of_nodes())
        before = set(found)
        _run_patterns(DetectionContext(graph, stamp), codes, found, report.findings)
        fresh = [found[f] for f in set(found) - before]
        if fresh:
            store.write(flag_batch(fresh, stamp))
        if progress:
            progress(min(i + partition_size, len(buyers)), len(buyers))
    for pattern in get_patterns(codes):  # patterns whose statistics need the whole dataset
        config = default_configs()[pattern.code]
        if getattr(pattern, "scope", "partition") == "dataset" and config.enabled:
            fresh = [f for f in pattern.find_dataset(store, config) if f.flag_id not in found]  # type: ignore[attr-defined]
            report.findings[pattern.code] += len(fresh)
            found.update({f.flag_id: f for f in fresh})
            if fresh:
                store.write(flag_batch(fresh, stamp))
    report.withdrawn = settle_flags(store, [p.code for p in get_patterns(codes)], list(found), stamp)
    report.flags = list(found.values())
    report.seconds = time.perf_counter() - started
    report.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return report


def check_touched(store: GraphStore, touched: dict[str, set[str]], codes: list[str] | None = None,
                  k: int = 3) -> DetectionReport:
    """On arrival: re-check only the neighbourhood of the entities a batch touched."""
    started = time.perf_counter()
    seeds = {label: ids for label, ids in touched.items() if label in SEED_LABELS and ids}
    report = DetectionReport(findings={p.code: 0 for p in get_patterns(codes)})
    if not seeds:
        return report
    graph = Exporter(store).neighbourhood(seeds, k)
    found: dict[str, Finding] = {}
    stamp = now()
    _run_patterns(DetectionContext(graph, stamp), codes, found, report.findings)
    if found:
        store.write(flag_batch(found.values(), stamp))
    report.flags = list(found.values())
    report.partitions = 1
    report.largest_partition = graph.number_of_nodes()
    report.seconds = time.perf_counter() - started
    return report


def run_detection(store: GraphStore, codes: list[str] | None = None) -> DetectionReport:
    return scan(store, codes)


def pending_flags(store: GraphStore) -> list[dict[str, Any]]:
    """Flags not yet on the ``flags`` topic, as messages."""
    return [flag_message(row) for row in store.run(cypher.UNPUBLISHED_FLAGS)]


def mark_published(store: GraphStore, ids: list[str]) -> None:
    if ids:
        store.run(cypher.MARK_FLAGS_PUBLISHED, {"ids": ids, "at": now()})


def publish_new_flags(store: GraphStore, send: Callable[[str, bytes], None]) -> int:
    """Send every flag not yet on the ``flags`` topic, then mark it sent.

    ``send(key, value)`` must return only once the broker has the message; a crash
    between sending and marking resends (at least once), and alert delivery is
    idempotent per flag and subscription.
    """
    messages = pending_flags(store)
    for message in messages:
        send(message["id"], json.dumps(message, ensure_ascii=False).encode())
    mark_published(store, [m["id"] for m in messages])
    return len(messages)


def flag_message(row: dict[str, Any]) -> dict[str, Any]:
    evidence = row.get("evidence")
    return {
        **{k: v for k, v in row.items() if k != "evidence"},
        "evidence": json.loads(evidence) if isinstance(evidence, str) else evidence,
        "entities": [e for e in row.get("entities") or [] if e.get("id")],
    }
