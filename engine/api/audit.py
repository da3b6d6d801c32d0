"""The audit trail: every view of an entity or flag, every search, every change and every
export through the workspace — who (the token's name and id, never the token), when, what,
from where — kept in the graph store as ``AuditEvent`` nodes, read by admins."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Any

from engine.api.auth import Principal
from engine.graph import workspace
from engine.graph.store import GraphStore

ACTIONS = ("search", "view_entity", "view_neighbourhood", "find_paths", "list_flags", "view_flag", "change_flag",
           "judge_match", "list_matches",
           "subscribe", "unsubscribe", "view_audit", "create_token", "revoke_token", "list_tokens", "denied",
           "export", "reconcile")


def record(store: GraphStore, who: Principal | None, action: str, target: str | None = None,
           detail: dict[str, Any] | None = None, client: str | None = None, status: int = 200) -> str:
    """Write one event; ``detail`` holds the request's parameters (never a credential)."""
    if action not in ACTIONS:
        raise ValueError(action)
    now = datetime.now(UTC)
    event_id = f"audit:{now.strftime('%Y%m%dT%H%M%S%f')}:{secrets.token_hex(4)}"
    props: dict[str, Any] = {
        "at": now.isoformat(timespec="milliseconds"), "action": action, "status": status,
        "actor": who.name if who else "anonymous", "token_id": who.token_id if who else None,
        "role": who.role.value if who else None, "target": target, "client": client,
        "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str) if detail else None,
    }
    store.run(workspace.RECORD_AUDIT, {"id": event_id, "props": {k: v for k, v in props.items() if v is not None}})
    return event_id


def read(store: GraphStore, actor: str | None = None, action: str | None = None, target: str | None = None,
         since: str | None = None, limit: int = 100, timeout_ms: int | None = None) -> list[dict[str, Any]]:
    rows = store.read(workspace.LIST_AUDIT.text, {"actor": actor, "action": action, "target": target,
                                                   "since": since, "limit": limit}, timeout_ms)
    for row in rows:
        if isinstance(row.get("detail"), str):
            row["detail"] = json.loads(row["detail"])
    return rows
