"""Subscriptions in the graph store (``Subscription`` nodes), not only in a stream table: the
embedded broker's topics are not durable, and every alerts worker must see the same ones.

A node keeps the subscription as it was made (``spec``) and what it watches now: the entities
(given by id, or found for its names and identifiers, now or when they appear later), each with
its name when it was found, and the public bodies — both lists follow the resolver's merges. A
deleted subscription stays, inactive, so that the delivery log still names it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from engine.alerts.model import Subscription, Watch
from engine.alerts.watches import Found, find_now
from engine.graph import alerts as q
from engine.graph import workspace
from engine.graph.store import GraphStore


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass
class Active:
    """A subscription as it stands: what was asked, and what it watches now."""

    id: str
    spec: Subscription
    entity_ids: set[str] = field(default_factory=set)
    body_ids: set[str] = field(default_factory=set)
    names: dict[str, str] = field(default_factory=dict)  # entity id → its name when it was first watched
    bound: set[str] = field(default_factory=set)  # "<watch key>=<entity id>": what each watch found
    paused: bool = False
    active: bool = True
    owner: str = ""
    created_at: str = ""

    def name_of(self, entity_id: str) -> str:
        return self.names.get(entity_id) or entity_id

    def as_dict(self) -> dict[str, Any]:
        """For people and the API: the spec (never a secret: only where it is kept), and the state."""
        return {"id": self.id, **self.spec.model_dump(exclude_none=True), "channel": self.spec.channel,
                "destination": self.spec.destination, "watching": sorted(self.entity_ids),
                "watching_bodies": sorted(self.body_ids), "names": self.names,
                "paused": self.paused, "active": self.active, "owner": self.owner, "created_at": self.created_at}


@dataclass
class Subscribed:
    id: str
    created: bool
    found: list[tuple[Watch, Found]]
    pending: list[Watch]


def _from_row(row: dict[str, Any]) -> Active:
    names: dict[str, str] = {}
    for entry in row.get("names") or []:
        entity_id, _, name = str(entry).partition("\t")
        names.setdefault(entity_id, name)
    return Active(
        id=row["id"], spec=Subscription.model_validate_json(row["spec"]),
        entity_ids=set(row.get("entity_ids") or []), body_ids=set(row.get("body_ids") or []), names=names,
        bound=set(row.get("bound") or []), paused=bool(row.get("paused")), active=bool(row.get("active")),
        owner=row.get("owner") or "", created_at=row.get("created_at") or "",
    )


def subscribe(store: GraphStore, sub: Subscription, owner: str = "", resolve: bool = True) -> Subscribed:
    """Save ``sub`` (again: the same subscription is one node) and find what its watches name now."""
    at = now()
    names = [f"{i}\t{name}" for i, name in names_of(store, [*sub.entity_ids, *sub.body_ids]).items()]
    rows = store.run(q.SAVE_SUBSCRIPTION, {
        "id": sub.id, "at": at, "entity_ids": sub.entity_ids, "body_ids": sub.body_ids, "names": names,
        "spec": sub.model_dump_json(exclude_none=True), "owner": owner, "channel": sub.channel})
    found: list[tuple[Watch, Found]] = []
    pending = []
    for watch in sub.watches:
        hits = find_now(store, watch) if resolve else []
        for hit in hits:
            watch_entity(store, sub.id, hit.entity_id, hit.name, watch)
            found.append((watch, hit))
        if not hits:
            pending.append(watch)
    return Subscribed(sub.id, bool(rows and rows[0]["created"]), found, pending)


def names_of(store: GraphStore, ids: list[str]) -> dict[str, str]:
    """The names of the entities with these ids (those in the graph)."""
    if not ids:
        return {}
    rows = store.read(workspace.nodes_by_ids().text, {"ids": ids})
    return {r["id"]: r["node"]["name"] for r in rows if r["node"].get("name")}


def watch_entity(store: GraphStore, sub_id: str, entity_id: str, name: str | None, watch: Watch | None = None) -> bool:
    """Watch one more entity (found for ``watch``, if given); True if it was not watched yet."""
    rows = store.run(q.WATCH_ENTITY, {
        "id": sub_id, "entity": entity_id, "name": f"{entity_id}\t{name or entity_id}",
        "binding": f"{watch.key}={entity_id}" if watch is not None else None, "at": now()})
    return bool(rows and rows[0]["added"])


def list_subscriptions(store: GraphStore) -> list[Active]:
    """Every subscription not deleted, paused ones included."""
    return [_from_row(r) for r in store.run(q.LIST_SUBSCRIPTIONS)]


def get_subscription(store: GraphStore, sub_id: str) -> Active | None:
    rows = store.run(q.SUBSCRIPTION, {"id": sub_id})
    return _from_row(rows[0]) if rows else None


def pause(store: GraphStore, sub_id: str, paused: bool = True) -> bool:
    """Stop (or start again) delivering; what happens while paused is not sent later."""
    return bool(store.run(q.PAUSE_SUBSCRIPTION, {"id": sub_id, "paused": paused, "at": now()}))


def delete(store: GraphStore, sub_id: str) -> bool:
    return bool(store.run(q.DEACTIVATE_SUBSCRIPTION, {"id": sub_id, "at": now()}))


unsubscribe = delete


def follow_merge(store: GraphStore, absorbed: str, survivor: str) -> list[str]:
    """Subscriptions watching ``absorbed`` watch ``survivor`` instead; returns their ids."""
    return [r["id"] for r in store.run(q.FOLLOW_MERGE, {"absorbed": absorbed, "survivor": survivor, "at": now()})]


class SubscriptionIndex:
    """The worker's copy of the subscriptions, read again whenever one was made, paused, deleted or
    found an entity (one small query tells), so that an event never meets a stale copy."""

    def __init__(self, store: GraphStore):
        self.store = store
        self._subs: list[Active] = []
        self._version: tuple[int, str] | None = None

    def current(self) -> list[Active]:
        row = self.store.run(q.SUBSCRIPTIONS_VERSION)[0]
        version = (int(row["n"] or 0), str(row["at"] or ""))
        if version != self._version:
            self._subs = list_subscriptions(self.store)
            self._version = version
        return self._subs

    def find(self, sub_id: str) -> Active | None:
        """One subscription as last read (None if not among them: deleted, or made since)."""
        return next((sub for sub in self._subs if sub.id == sub_id), None)

    def invalidate(self) -> None:
        self._version = None

    def any(self, wanted: str) -> bool:
        """Does any live subscription (as last read) want ``changes``, ``records``, ``watches``, ``bodies``?"""
        for sub in self._subs:
            if sub.paused:
                continue
            if (wanted == "changes" and sub.spec.changes) or (wanted == "records" and sub.spec.sources) \
                    or (wanted == "watches" and sub.spec.watches) or (wanted == "bodies" and sub.body_ids):
                return True
        return False
