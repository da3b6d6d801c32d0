"""Flags as cases: the triage queue, a flag with its evidence resolved to named nodes and the
source records behind each step, and changes — status, assignee, a comment — each kept in
the flag's history (who, when, from what to what)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from engine.api.graphview import NotFound, clean, evidence_graph, node_out
from engine.graph import workspace
from engine.graph.store import GraphStore

STATUSES = ("new", "in_progress", "confirmed", "dismissed")  # a reviewer's; "withdrawn" is detection's


def list_flags(store: GraphStore, *, pattern: str | None, severity: str | None, status: str | None,
               body: str | None, since: str | None, assignee: str | None, skip: int, limit: int,
               timeout_ms: int) -> list[dict[str, Any]]:
    params = {"pattern": pattern, "severity": severity, "status": status, "assignee": assignee, "since": since,
              "skip": skip, "limit": limit}
    if body:
        return store.read(workspace.LIST_FLAGS_OF_BODY.text, {**params, "body": body}, timeout_ms)
    return store.read(workspace.LIST_FLAGS.text, params, timeout_ms)


def _ids_in(value: Any, out: list[str]) -> None:
    """Every string in the evidence, in order: the node ids among them are found by lookup."""
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, list):
        for v in value:
            _ids_in(v, out)
    elif isinstance(value, dict):
        for v in value.values():
            _ids_in(v, out)


def get_flag(store: GraphStore, flag_id: str, max_nodes: int, timeout_ms: int) -> dict[str, Any]:
    rows = store.read(workspace.FLAG.text, {"id": flag_id}, timeout_ms)
    if not rows:
        raise NotFound(f"no flag with id {flag_id!r}")
    row = rows[0]
    evidence = row.pop("evidence")
    evidence = json.loads(evidence) if isinstance(evidence, str) else (evidence or {})
    entities = [{"role": e["role"], **node_out(e["node"])} for e in row.pop("entities") if e["node"].get("id")]
    history = [json.loads(h) for h in row.pop("history") or []]
    path = [p for p in evidence.get("path", []) if isinstance(p, str)]
    strings: list[str] = []
    _ids_in({k: v for k, v in evidence.items() if k != "path"}, strings)
    named = [e["id"] for e in entities] + [s for s in strings if ":" in s][:max_nodes]
    graph = evidence_graph(store, path, named, max_nodes, timeout_ms)
    return {**clean(row), "evidence": evidence, "entities": entities, "history": history,
            "comments": [h for h in history if h.get("comment")], "evidence_graph": graph}


class CaseError(ValueError):
    """A change a flag cannot take (400)."""


def update_flag(store: GraphStore, flag_id: str, *, by: str, status: str | None = None,
                assignee: str | None = None, set_assignee: bool = False, comment: str | None = None) -> dict[str, Any]:
    """Change a flag's status and/or assignee and/or add a comment; one history entry per change."""
    if status is not None and status not in STATUSES:
        raise CaseError(f"status must be one of {', '.join(STATUSES)}")
    if status is None and not set_assignee and not comment:
        raise CaseError("nothing to change: give a status, an assignee or a comment")
    current = store.read(workspace.FLAG.text, {"id": flag_id})
    if not current:
        raise NotFound(f"no flag with id {flag_id!r}")
    at = datetime.now(UTC).isoformat(timespec="seconds")
    entry = {"at": at, "by": by, "status_from": current[0]["status"], "status": status or current[0]["status"]}
    if set_assignee:
        entry.update(assignee_from=current[0]["assignee"], assignee=assignee)
    if comment:
        entry["comment"] = comment
    rows = store.run(workspace.UPDATE_FLAG, {
        "id": flag_id, "status": status, "set_assignee": set_assignee, "assignee": assignee, "at": at,
        "comment": comment, "entry": json.dumps(entry, ensure_ascii=False)})
    if not rows:
        raise NotFound(f"no flag with id {flag_id!r}")
    return {"id": flag_id, "status": rows[0]["status"], "assignee": rows[0]["assignee"],
            "history": [json.loads(h) for h in rows[0]["history"] or []]}
