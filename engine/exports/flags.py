"""Flags as rows a journalist can sort and filter: the sentence, the path by name and by id,
the entities each flag concerns and their roles."""

from __future__ import annotations

import json
from typing import Any

from engine.exports.subgraph import Node, entity_labels
from engine.graph.store import GraphStore
from engine.graph.subgraph import FLAGS_TABLE, nodes

__all__ = ["FLAG_COLUMNS", "flag_rows"]

FLAG_COLUMNS = ["id", "pattern", "severity", "score", "status", "title", "sentence", "path", "path_ids",
                "concerns", "first_seen", "last_seen", "sources", "evidence"]
ARROW = " → "


def _names(store: GraphStore, ids: set[str], timeout_ms: int | None = None) -> dict[str, str]:
    out: dict[str, str] = {}
    if not ids:
        return out
    for label in entity_labels():
        for row in store.read(nodes(label).text, {"ids": sorted(ids)}, timeout_ms=timeout_ms):
            out[row["id"]] = Node(row["id"], label, row["props"] or {}).name
    return out


def flag_rows(store: GraphStore, pattern: str | None = None, status: str | None = None,
              limit: int = 10000, timeout_ms: int | None = None) -> list[dict[str, Any]]:
    """One row per flag, strongest first; each statement stopped by the server after ``timeout_ms``."""
    flags = store.read(FLAGS_TABLE.text, {"pattern": pattern, "status": status, "limit": limit}, timeout_ms=timeout_ms)
    paths: dict[str, list[str]] = {}
    for flag in flags:
        try:
            evidence = json.loads(flag["evidence"]) if isinstance(flag["evidence"], str) else flag["evidence"]
        except json.JSONDecodeError:
            evidence = None
        path = evidence.get("path") if isinstance(evidence, dict) else None
        paths[flag["id"]] = [str(p) for p in path] if isinstance(path, list) else []
    names = _names(store, {p for path in paths.values() for p in path}, timeout_ms)
    rows = []
    for flag in flags:
        path = paths[flag["id"]]
        concerns = sorted((c for c in flag["concerns"] if c.get("id")), key=lambda c: (str(c.get("role")), c["id"]))
        rows.append({
            **{k: flag.get(k) for k in ("id", "pattern", "severity", "score", "status", "title", "sentence",
                                        "first_seen", "last_seen", "evidence")},
            "sources": ", ".join(flag.get("sources") or []),
            "path": ARROW.join(names.get(p, p) for p in path),
            "path_ids": ARROW.join(path),
            "concerns": "; ".join(f"{c.get('role')}: {c.get('name') or c['id']} [{c['id']}]" for c in concerns),
        })
    return rows
