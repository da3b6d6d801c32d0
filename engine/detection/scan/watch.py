"""``vinculo scanner --watch``: a full sweep, then an incremental scan every few seconds over what was
written since (and what ``graph.changes`` names), and a full sweep again now and then; new flags
published on ``flags`` after each."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from engine.detection.runner import DetectionReport, publish_new_flags
from engine.detection.scan.changes import ChangesReader, changed_entities
from engine.detection.scan.incremental import Scanner
from engine.eventlog.kafka import FLAGS, TOPICS, ensure_topics, make_producer
from engine.graph.store import GraphStore

log = logging.getLogger(__name__)


def watch(store: GraphStore, bootstrap: str, every: float, sweep: float, partitions: int = 3,
          stop: threading.Event | None = None,
          on_scan: Callable[[str, DetectionReport], None] | None = None) -> None:
    """Scan incrementally every ``every`` seconds and fully every ``sweep`` seconds until ``stop``."""
    stop = stop or threading.Event()
    ensure_topics(bootstrap, list(TOPICS), partitions)
    changes = ChangesReader(bootstrap)
    producer = make_producer(bootstrap)
    scanner = Scanner(store)
    try:
        changes.take(timeout_ms=1000)  # joined; what came before the first sweep is in it
        changes.commit()
        last_sweep = time.monotonic()
        report = scanner.full()
        _done("full", report, store, producer, on_scan)
        while not stop.wait(every):
            if time.monotonic() - last_sweep >= sweep:
                changes.take(timeout_ms=0)
                changes.commit()
                last_sweep = time.monotonic()
                _done("full", scanner.full(), store, producer, on_scan)
                continue
            named = [e for message in changes.take(timeout_ms=0) for e in changed_entities(message, scanner.label_of)]
            _done("incremental", scanner.incremental(named), store, producer, on_scan)
            changes.commit()
    finally:
        changes.close()
        producer.close()


def _done(kind: str, report: DetectionReport, store: GraphStore, producer: object,
          on_scan: Callable[[str, DetectionReport], None] | None) -> None:
    sent = publish_new_flags(store, lambda k, v: producer.send(FLAGS, key=k.encode(), value=v).get(30))  # type: ignore[attr-defined]
    log.warning("%s scan: %d finding(s), %d withdrawn, %d new flag(s) published, %.1f s", kind,
                sum(report.findings.values()), report.withdrawn, sent, report.seconds)
    if on_scan is not None:
        on_scan(kind, report)
