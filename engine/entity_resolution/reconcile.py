"""Reconcile: merge entities that concurrent workers created for the same thing.

Two workers resolving at once can each create an entity for the same company. This job
looks, for each entity, at the entities that share a blocking key with it, and merges
those that share a valid RFC or CURP or whose members match above the match threshold.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from engine.entity_resolution.resolver import Resolver

__all__ = ["reconcile"]


def reconcile(resolver: Resolver, entity_ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Merge entities that should be one; return the merge events (all entities when ``entity_ids`` is None)."""
    store = resolver.store
    todo = list(entity_ids) if entity_ids is not None else [e.id for e in store.entities()]
    events: list[dict[str, Any]] = []
    for entity_id in todo:
        entity = store.entity(store.redirect(entity_id))
        if entity is None:
            continue
        current_id = entity.id
        for mention_id in list(entity.members):
            record = store.mention(mention_id)
            if record is None:
                continue
            for other_id in resolver._candidates(record, set()):
                other = store.entity(store.redirect(other_id))
                current = store.entity(store.redirect(current_id))
                if other is None or current is None or other.id == current.id:
                    continue
                if not resolver.compatible(current, other):
                    continue
                same_id = bool(current.rfcs & other.rfcs or current.curps & other.curps)
                threshold = resolver.model.match_weight(record.kind)
                if not same_id and resolver._score_entity(record, other).weight < threshold:
                    continue
                why = "same valid identifier" if same_id else f"mention {mention_id} matches"
                survivor, merged = resolver.merge(current.id, other.id, reason=f"reconcile: {why}")
                current_id = survivor.id
                events += merged
    return events
