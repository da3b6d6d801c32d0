"""Small helpers for tests: run the real worker, read topics, count the graph."""

from __future__ import annotations

from pathlib import Path

from engine.eventlog.kafka import read_topic
from engine.graph import cypher
from engine.graph.store import GraphStore
from engine.intake import publish
from engine.runtime.endpoints import Endpoints
from streams.worker import run_worker


def publish_and_process(stack: Endpoints, kind: str, *paths: Path) -> None:
    publish(kind, list(paths), stack.kafka_bootstrap, partitions=3)
    process(stack)


def process(stack: Endpoints):  # type: ignore[no-untyped-def]
    return run_worker(stack, until_idle=True, idle_seconds=2.0, max_seconds=240)


def counts(store: GraphStore) -> dict[str, int]:
    return {r["label"]: r["count"] for r in store.run(cypher.COUNT_BY_LABEL)}


def rel_counts(store: GraphStore) -> dict[str, int]:
    return {r["type"]: r["count"] for r in store.run(cypher.COUNT_BY_REL_TYPE)}


def ids(store: GraphStore, label: str) -> set[str]:
    return {r["id"] for r in store.run(cypher.NODE_IDS_BY_LABEL, {"label": label})}


def dead_letters(stack: Endpoints) -> list[dict]:  # type: ignore[type-arg]
    return [m.json() for m in read_topic(stack.kafka_bootstrap, "dlq", idle=1.5)]
