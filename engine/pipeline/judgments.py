"""Reviewers' judgments ("same" / "not same"), a log in the graph that every worker reads.

Every worker keeps every judgment in its resolver (:meth:`EntityLinker.sync`), so that all of
them — and one started later — obey it for every later mention. The judgment's effect on the
graph (a merge, a mention moved to an entity of its own) is applied once: the first worker to
claim it does it, atomically in the store; the others learn the result as they catch up.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from engine.graph import cypher
from engine.graph.merge import merge_into
from engine.graph.store import GraphStore
from engine.pipeline.linker import EntityLinker, body_input, now

log = logging.getLogger(__name__)


def apply_judgments(store: GraphStore, linker: EntityLinker) -> list[dict[str, Any]]:
    """Apply the graph effect of every judgment nobody has applied yet; return the changes."""
    changes: list[dict[str, Any]] = []
    for row in store.run(cypher.PENDING_JUDGMENTS):
        if not store.run(cypher.CLAIM_JUDGMENT, {"id": row["id"], "at": now(), "worker": linker.worker}):
            continue  # another worker has it
        linker.begin()
        try:
            events = _effects(store, linker, row)
            for event in events:
                _apply(store, event)
            store.sync()
        except BaseException:
            linker.rollback()
            store.run(cypher.RELEASE_JUDGMENT, {"id": row["id"], "worker": linker.worker})
            raise
        linker.commit()
        outcome = ", ".join(e["type"] for e in events) or "nothing to change"
        store.run(cypher.NOTE_JUDGMENT_OUTCOME, {"id": row["id"], "outcome": outcome})
        changes += events
    return changes


def _effects(store: GraphStore, linker: EntityLinker, row: dict[str, Any]) -> list[dict[str, Any]]:
    a, b, same, author = row["a"], row["b"], bool(row["same"]), row.get("author") or ""
    mention = next(iter(store.run(cypher.MENTION_BY_ID, {"id": a})), None) or \
        next(iter(store.run(cypher.MENTION_BY_ID, {"id": b})), None)
    if (mention is not None and mention["label"] == "PublicBody") or linker.bodies.knows(a) or linker.bodies.knows(b):
        ea = mention["entity"] if mention is not None and mention["mention"] == a else a
        eb = mention["entity"] if mention is not None and mention["mention"] == b else b
        named = None
        if mention is not None:
            identifiers = json.loads(mention["identifiers"]) if mention.get("identifiers") else {}
            props = json.loads(mention["props"]) if mention.get("props") else {}
            named = body_input(mention["mention"], mention.get("name"), identifiers, props)
        events = linker.bodies.judge(ea, eb, same, author, mention=named)
        for event in events:
            if event["type"] == "entity_split" and mention is not None:
                event["mention_ids"] = [mention["mention"]]
        return events
    events = linker.er.judge(a, b, same, author)
    for event in events:
        entity = event.get("entity_id") or ""
        event.setdefault("label", mention["label"] if mention is not None else linker.label_of(entity))
    return events


def _apply(store: GraphStore, event: dict[str, Any]) -> None:
    if event["type"] == "entities_merged":
        merge_into(store, event["label"], event["merged_entity_id"], event["entity_id"])
    elif event["type"] == "entity_split":
        label = event["label"]
        for mention in event.get("mention_ids", []):
            store.run(cypher.split_mention(label), {
                "mention": mention, "entity": event["new_entity_id"], "rel": f"RESOLVED_TO:{mention}",
                "why": event["reason"], "at": now()})

