"""The events an alert can be about, each with a deterministic id (the same event seen by two
workers, or again after a restart, is one event): a new flag (``flags`` topic), a flag changed
(its status, its evidence, withdrawn: read from the graph), two entities merged or one split
(``graph.changes``), a new record of a source about an entity, and a watched name or identifier
found in an entity that has just appeared."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

KINDS = {
    "flag_new": "new flag",
    "flag_changed": "flag changed",
    "entities_merged": "entities merged",
    "entity_split": "entity split",
    "source_record": "source record",
    "entity_found": "watched entity appeared",
}
FLAG_KINDS = ("flag_new", "flag_changed")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _digest(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]


@dataclass
class AlertEvent:
    id: str
    kind: str
    summary: str  # one sentence: what happened
    at: str = field(default_factory=now)
    flag: dict[str, Any] | None = None  # the flag as on the ``flags`` topic (flag events)
    entities: list[dict[str, Any]] = field(default_factory=list)  # id, label, name, role (+ rfc, curp)
    bodies: set[str] = field(default_factory=set)  # public bodies concerned, and the institutions above them
    source: str | None = None  # source record events
    record_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)  # what changed, who merged, what the record says
    only_subscription: str | None = None  # an event about one subscription's watch

    @property
    def entity_ids(self) -> set[str]:
        return {e["id"] for e in self.entities if e.get("id")}

    @property
    def pattern(self) -> str | None:
        return self.flag.get("pattern") if self.flag else None

    @property
    def severity(self) -> str | None:
        return self.flag.get("severity") if self.flag else None

    def described(self) -> dict[str, Any]:
        """The event as an alert carries it."""
        out: dict[str, Any] = {"id": self.id, "kind": self.kind, "what": KINDS[self.kind], "summary": self.summary,
                               "at": self.at}
        if self.source:
            out.update(source=self.source, record_id=self.record_id)
        if self.details:
            out["details"] = self.details
        return out


def flag_new(message: dict[str, Any]) -> AlertEvent:
    """A flag as published on ``flags``. Its id is the flag's id: a flag is new once."""
    flag = dict(message)
    return AlertEvent(
        id=flag["id"], kind="flag_new",
        summary=f"New flag {flag.get('pattern')} ({flag.get('severity')}): {flag.get('sentence') or flag.get('title')}",
        flag=flag, entities=[e for e in flag.get("entities") or [] if e.get("id")],
    )


def graph_change(message: dict[str, Any]) -> AlertEvent | None:
    """A merge or a split on ``graph.changes``; other changes are no alert's business."""
    kind = message.get("type")
    label = message.get("label") or ""
    if kind == "entities_merged":
        survivor, absorbed = str(message["entity_id"]), str(message["merged_entity_id"])
        return AlertEvent(
            id=f"merge:{_digest(absorbed, survivor)}", kind="entities_merged",
            summary=f"The resolver found that {absorbed} and {survivor} are one entity; it is {survivor} now",
            entities=[{"id": survivor, "label": label, "role": "survivor"},
                      {"id": absorbed, "label": label, "role": "absorbed"}],
            details={"survivor": survivor, "absorbed": absorbed, "label": label, "reason": message.get("reason")},
        )
    if kind == "entity_split":
        entity, new = str(message["entity_id"]), str(message.get("new_entity_id") or "")
        return AlertEvent(
            id=f"split:{_digest(entity, new, json.dumps(sorted(message.get('mention_ids') or [])))}",
            kind="entity_split",
            summary=f"The resolver took records out of {entity}: they are {new} now",
            entities=[{"id": entity, "label": label, "role": "kept"}, {"id": new, "label": label, "role": "new"}],
            details={"entity": entity, "new_entity": new, "label": label, "reason": message.get("reason"),
                     "mentions": list(message.get("mention_ids") or [])},
        )
    return None


def flag_state(flag: dict[str, Any]) -> dict[str, Any]:
    """What a change of a flag is measured against: status, severity, and a digest of its evidence."""
    evidence = flag.get("evidence")
    text = evidence if isinstance(evidence, str) else json.dumps(evidence, sort_keys=True, ensure_ascii=False)
    return {"status": flag.get("status"), "severity": flag.get("severity"),
            "evidence": hashlib.sha256((text or "").encode()).hexdigest()[:16]}


def flag_changed(flag: dict[str, Any], before: dict[str, Any], after: dict[str, Any]) -> AlertEvent:
    changes: dict[str, Any] = {}
    said = []
    if before.get("status") != after.get("status"):
        changes["status"] = {"from": before.get("status"), "to": after.get("status")}
        if after.get("status") == "withdrawn":
            said.append("withdrawn" + (f" ({flag['status_note']})" if flag.get("status_note") else ""))
        else:
            said.append(f"status {before.get('status')} → {after.get('status')}")
    if before.get("severity") != after.get("severity"):
        changes["severity"] = {"from": before.get("severity"), "to": after.get("severity")}
        said.append(f"severity {before.get('severity')} → {after.get('severity')}")
    if before.get("evidence") != after.get("evidence"):
        changes["evidence"] = "new evidence"
        said.append("new evidence")
    key = _digest(flag["id"], json.dumps(before, sort_keys=True), json.dumps(after, sort_keys=True))
    return AlertEvent(
        id=f"change:{key}", kind="flag_changed",
        summary=f"Flag {flag.get('pattern')} changed: {', '.join(said)}: {flag.get('sentence')}",
        flag=flag, entities=[e for e in flag.get("entities") or [] if e.get("id")], details={"changes": changes},
    )


def source_record(row: dict[str, Any]) -> AlertEvent:
    """A new mention: one source record about one entity. Its id is the mention's: once per record."""
    name = row.get("entity_name") or row.get("name") or row["entity"]
    return AlertEvent(
        id=f"record:{row['mention']}", kind="source_record",
        summary=f"A new {row.get('source')} record about {name}",
        entities=[{"id": row["entity"], "label": row.get("label"), "name": name, "rfc": row.get("rfc"),
                   "curp": row.get("curp"), "role": "subject"}],
        source=row.get("source"), record_id=row.get("record_id"),
        details={"mention": row["mention"], "spelled": row.get("name")},
    )


def entity_found(sub_id: str, watch: str, entity: dict[str, Any], why: str,
                 via: AlertEvent | None = None) -> AlertEvent:
    """A watch found its entity: delivered to that subscription only."""
    name = entity.get("name") or entity["id"]
    return AlertEvent(
        id=f"found:{_digest(sub_id, watch, entity['id'])}", kind="entity_found",
        summary=f"{name} appeared in the graph: it is the {watch} you watch ({why})",
        entities=[{k: entity.get(k) for k in ("id", "label", "name", "rfc", "curp")} | {"role": "watched"}],
        source=via.source if via else None, record_id=via.record_id if via else None,
        details={"watch": watch, "why": why, **({"via": via.described()} if via else {})},
        only_subscription=sub_id,
    )
