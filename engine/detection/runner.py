"""Run patterns, store their findings as ``Flag`` nodes, and publish new flags."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from engine.detection.base import Finding
from engine.detection.registry import get_patterns
from engine.graph import cypher
from engine.graph.model import GraphBatch, Provenance
from engine.graph.store import GraphStore


@dataclass
class DetectionReport:
    findings: dict[str, int] = field(default_factory=dict)
    flags: list[Finding] = field(default_factory=list)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def flag_batch(findings: list[Finding], seen: str) -> GraphBatch:
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
                      id=f"{f.flag_id}->{e.id}", role=e.role)
    return batch


def run_detection(store: GraphStore, codes: list[str] | None = None) -> DetectionReport:
    report = DetectionReport()
    seen = now()
    for pattern in get_patterns(codes):
        findings = list(pattern.find(store))
        report.findings[pattern.code] = len(findings)
        report.flags.extend(findings)
    if report.flags:
        store.write(flag_batch(report.flags, seen))
    return report


def publish_new_flags(store: GraphStore, send: Callable[[str, bytes], None]) -> int:
    """Send every flag not yet on the ``flags`` topic, then mark it sent.

    ``send(key, value)`` must return only once the broker has the message; a crash
    between sending and marking resends (at least once), and alert delivery is
    idempotent per flag and subscription.
    """
    rows = store.run(cypher.UNPUBLISHED_FLAGS)
    for row in rows:
        send(row["id"], json.dumps(flag_message(row), ensure_ascii=False).encode())
    if rows:
        store.run(cypher.MARK_FLAGS_PUBLISHED, {"ids": [r["id"] for r in rows], "at": now()})
    return len(rows)


def flag_message(row: dict[str, Any]) -> dict[str, Any]:
    evidence = row.get("evidence")
    return {
        **{k: v for k, v in row.items() if k != "evidence"},
        "evidence": json.loads(evidence) if isinstance(evidence, str) else evidence,
        "entities": [e for e in row.get("entities") or [] if e.get("id")],
    }
