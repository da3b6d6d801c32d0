"""The resolver's state changes of one batch, staged until the graph has the batch durably.

The link stage resolves a batch against the resolver's index, writes the graph, and only
then keeps what resolving changed: :class:`StagedStore` wraps the index (any
:class:`~engine.entity_resolution.store.ResolverStore`) so that every change lands in an
overlay that :meth:`commit` applies and :meth:`rollback` forgets. A batch the graph
refused, or a worker that dies mid-batch, leaves the index exactly as the graph is: the
state the resolver decides from is tied to what the graph holds, which is tied to the
offsets committed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain
from typing import Any

from engine.entity_resolution.records import Record
from engine.entity_resolution.store import Entity, Judgment, ResolverStore

__all__ = ["StagedStore"]

_GONE = object()


def _by_entity(postings: dict[str, set[str]]) -> dict[str, list[str]]:
    """Key → entities, turned into entity → keys (one call to the index per entity, not per key)."""
    out: dict[str, list[str]] = {}
    for key, ids in postings.items():
        for entity_id in ids:
            out.setdefault(entity_id, []).append(key)
    return out


def _extra(base: set[str] | frozenset[str], added: set[str] | None, removed: set[str] | None) -> set[str]:
    """What a batch added to a posting beyond the base's ids it kept (set operations: C loops, not Python's)."""
    if not added:
        return set()
    return (added - base) | (added & removed) if removed else added - base


class StagedStore:
    """A :class:`ResolverStore` whose writes stay in an overlay until committed."""

    def __init__(self, base: ResolverStore) -> None:
        self.base = base
        self._mentions: dict[str, tuple[Record, str]] = {}
        self._entities: dict[str, Any] = {}  # id -> Entity copy, or _GONE
        self._redirects: dict[str, str] = {}
        self._added: dict[str, set[str]] = {}
        self._removed: dict[str, set[str]] = {}
        self._judgments: list[Judgment] = []
        self._sequence: int | None = None

    # -- staging -----------------------------------------------------------------------------
    @property
    def dirty(self) -> bool:
        return bool(self._mentions or self._entities or self._redirects or self._added or self._removed
                    or self._judgments or self._sequence is not None)

    def commit(self) -> None:
        """Apply the overlay to the index underneath."""
        base = self.base
        for judgment in self._judgments:
            base.put_judgment(judgment)
        for entity_id, value in self._entities.items():
            if value is _GONE:
                base.delete_entity(entity_id, self._redirects.get(entity_id))
            else:
                base.put_entity(value)
        for record, entity_id in self._mentions.values():
            base.put_mention(record, entity_id)
        for entity_id, keys in _by_entity(self._removed).items():
            base.unindex(keys, entity_id)
        for entity_id, keys in _by_entity(self._added).items():
            base.index(keys, entity_id)
        if self._sequence is not None:
            while base.next_sequence() < self._sequence:
                pass
        self.rollback()

    def rollback(self) -> None:
        """Forget everything staged since the last commit."""
        self._mentions.clear()
        self._entities.clear()
        self._redirects.clear()
        self._added.clear()
        self._removed.clear()
        self._judgments.clear()
        self._sequence = None

    # -- the ResolverStore protocol ------------------------------------------------------------
    def mention(self, mention_id: str) -> Record | None:
        staged = self._mentions.get(mention_id)
        return staged[0] if staged else self.base.mention(mention_id)

    def entity_of(self, mention_id: str) -> str | None:
        staged = self._mentions.get(mention_id)
        return staged[1] if staged else self.base.entity_of(mention_id)

    def put_mention(self, record: Record, entity_id: str) -> None:
        self._mentions[record.id] = (record, entity_id)

    def entity(self, entity_id: str) -> Entity | None:
        staged = self._entities.get(entity_id)
        if staged is _GONE:
            return None
        if staged is not None:
            return staged
        found = self.base.entity(entity_id)
        if found is None:
            return None
        # callers change an entity in place before putting it back: they change a copy
        mine = found.copy()
        self._entities[entity_id] = mine
        return mine

    def peek(self, entity_id: str) -> Entity | None:
        """The entity as this batch sees it, to read only: no copy, nothing staged (scoring reads a dozen
        candidates a mention, and copying each into the overlay was a twentieth of the link stage)."""
        staged = self._entities.get(entity_id)
        if staged is _GONE:
            return None
        return staged if staged is not None else self.base.peek(entity_id)

    def put_entity(self, entity: Entity) -> None:
        self._entities[entity.id] = entity

    def delete_entity(self, entity_id: str, survivor: str | None) -> None:
        self._entities[entity_id] = _GONE
        if survivor:
            self._redirects[entity_id] = survivor

    def redirect(self, entity_id: str) -> str:
        seen = 0
        while seen < 1000:
            if entity_id in self._redirects:
                entity_id = self._redirects[entity_id]
            else:
                following = self.base.redirect(entity_id)
                if following == entity_id or following in self._entities:
                    return following
                entity_id = following
            seen += 1
        return entity_id

    def postings(self, key: str) -> Iterable[str]:
        """The base's posting as this batch changed it, without copying the base's (which runs to thousands of
        ids on a national index): callers only iterate it."""
        added, removed = self._added.get(key), self._removed.get(key)
        base = self.base.postings(key)
        if not added and not removed:
            return base  # read, not changed, by the callers: no copy
        base = base if isinstance(base, set | frozenset) else set(base)
        kept = (e for e in base if e not in removed) if removed else base
        return chain(kept, _extra(base, added, removed))

    def posting_size(self, key: str) -> int:
        added, removed = self._added.get(key), self._removed.get(key)
        if not added and not removed:
            return self.base.posting_size(key)
        base = self.base.postings(key)
        base = base if isinstance(base, set | frozenset) else set(base)
        return len(base) - (len(removed & base) if removed else 0) + len(_extra(base, added, removed))

    def index(self, keys: Iterable[str], entity_id: str) -> None:
        added, removed = self._added, self._removed
        for key in keys:
            ids = added.get(key)
            if ids is None:
                added[key] = {entity_id}
            else:
                ids.add(entity_id)
            if key in removed:
                removed[key].discard(entity_id)

    def unindex(self, keys: Iterable[str], entity_id: str) -> None:
        for key in keys:
            self._removed.setdefault(key, set()).add(entity_id)
            self._added.get(key, set()).discard(entity_id)

    def judgments_of(self, node_id: str) -> list[Judgment]:
        staged = [j for j in self._judgments if node_id in (j.a, j.b)]
        return [*self.base.judgments_of(node_id), *staged]

    def put_judgment(self, judgment: Judgment) -> None:
        self._judgments.append(judgment)

    def next_sequence(self) -> int:
        if self._sequence is None:
            self._sequence = self.base.next_sequence()  # consumed now; committed or lost, never reused
            return self._sequence
        self._sequence += 1
        return self._sequence

    def entities(self) -> Iterator[Entity]:
        seen = set()
        for entity in self.base.entities():
            seen.add(entity.id)
            current = self.entity(entity.id)
            if current is not None:
                yield current
        for entity_id, value in self._entities.items():
            if entity_id not in seen and value is not _GONE:
                yield value

    def __len__(self) -> int:
        return sum(1 for _ in self.entities())

    def __getattr__(self, name: str) -> Any:
        return getattr(self.base, name)
