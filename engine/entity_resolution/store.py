"""Where the resolver keeps its state: an interface, an in-memory store, and file snapshots.

The resolver only talks to :class:`ResolverStore`; a graph-backed store implements the
same methods. Snapshots hold the raw mentions, the cluster memberships and the
judgments, not derived features: loading re-prepares the mentions, so a snapshot stays
valid when normalisation improves.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from engine.entity_resolution.records import Mention, Record, prepare

__all__ = ["Entity", "Judgment", "ResolverStore", "MemoryStore"]


@dataclass(slots=True)
class Entity:
    """A cluster of mentions. ``created`` orders entities: the older survives a merge."""

    id: str
    kind: str
    created: int
    members: list[str] = field(default_factory=list)
    rfcs: set[str] = field(default_factory=set)  # valid RFCs only: two of them never share an entity
    curps: set[str] = field(default_factory=set)

    def copy(self) -> Entity:
        """A copy whose containers can change without touching this one."""
        return Entity(self.id, self.kind, self.created, list(self.members), set(self.rfcs), set(self.curps))


@dataclass(frozen=True, slots=True)
class Judgment:
    """A reviewer's verdict on two mentions or entities; it overrides scores from then on."""

    a: str
    b: str
    same: bool
    author: str = ""


class ResolverStore(Protocol):
    def mention(self, mention_id: str) -> Record | None: ...
    def entity_of(self, mention_id: str) -> str | None: ...
    def put_mention(self, record: Record, entity_id: str) -> None: ...
    def entity(self, entity_id: str) -> Entity | None: ...
    def peek(self, entity_id: str) -> Entity | None: ...  # the same, to read only: the caller changes nothing
    def put_entity(self, entity: Entity) -> None: ...
    def delete_entity(self, entity_id: str, survivor: str | None) -> None: ...
    def redirect(self, entity_id: str) -> str: ...
    def postings(self, key: str) -> Iterable[str]: ...
    def posting_size(self, key: str) -> int: ...
    def index(self, keys: Iterable[str], entity_id: str) -> None: ...
    def unindex(self, keys: Iterable[str], entity_id: str) -> None: ...
    def judgments_of(self, node_id: str) -> list[Judgment]: ...
    def put_judgment(self, judgment: Judgment) -> None: ...
    def next_sequence(self) -> int: ...
    def entities(self) -> Iterator[Entity]: ...


class MemoryStore:
    """Everything in dictionaries; ``save``/``load`` snapshot it to a gzipped JSON file."""

    def __init__(self) -> None:
        self._mentions: dict[str, Record] = {}
        self._mention_entity: dict[str, str] = {}
        self._entities: dict[str, Entity] = {}
        self._redirects: dict[str, str] = {}
        self._postings: dict[str, set[str]] = {}
        self._judgments: dict[str, list[Judgment]] = {}
        self._sequence = 0

    def mention(self, mention_id: str) -> Record | None:
        return self._mentions.get(mention_id)

    def entity_of(self, mention_id: str) -> str | None:
        return self._mention_entity.get(mention_id)

    def put_mention(self, record: Record, entity_id: str) -> None:
        self._mentions[record.id] = record
        self._mention_entity[record.id] = entity_id

    def entity(self, entity_id: str) -> Entity | None:
        return self._entities.get(entity_id)

    def peek(self, entity_id: str) -> Entity | None:
        return self._entities.get(entity_id)

    def put_entity(self, entity: Entity) -> None:
        self._entities[entity.id] = entity

    def delete_entity(self, entity_id: str, survivor: str | None) -> None:
        self._entities.pop(entity_id, None)
        if survivor:
            self._redirects[entity_id] = survivor

    def redirect(self, entity_id: str) -> str:
        while entity_id in self._redirects:
            entity_id = self._redirects[entity_id]
        return entity_id

    def postings(self, key: str) -> Iterable[str]:
        return self._postings.get(key, ())

    def posting_size(self, key: str) -> int:
        return len(self._postings.get(key, ()))

    def index(self, keys: Iterable[str], entity_id: str) -> None:
        for key in keys:
            self._postings.setdefault(key, set()).add(entity_id)

    def unindex(self, keys: Iterable[str], entity_id: str) -> None:
        for key in keys:
            posting = self._postings.get(key)
            if posting is not None:
                posting.discard(entity_id)
                if not posting:
                    del self._postings[key]

    def judgments_of(self, node_id: str) -> list[Judgment]:
        return self._judgments.get(node_id, [])

    def put_judgment(self, judgment: Judgment) -> None:
        for node in {judgment.a, judgment.b}:
            self._judgments.setdefault(node, []).append(judgment)

    def next_sequence(self) -> int:
        self._sequence += 1
        return self._sequence

    def entities(self) -> Iterator[Entity]:
        return iter(sorted(self._entities.values(), key=lambda e: e.created))

    def __len__(self) -> int:
        return len(self._entities)

    # --- snapshots -------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        judgments = {j for js in self._judgments.values() for j in js}
        with gzip.open(path, "wt", encoding="utf-8") as f:
            header = {"format": "vinculo-er-snapshot/1", "sequence": self._sequence, "redirects": self._redirects,
                      "judgments": [[j.a, j.b, j.same, j.author] for j in sorted(judgments, key=repr)]}
            f.write(json.dumps(header) + "\n")
            for e in self.entities():
                members = [self._mentions[m].mention.to_dict() for m in e.members]
                f.write(json.dumps({"id": e.id, "kind": e.kind, "created": e.created, "members": members}) + "\n")

    @classmethod
    def load(cls, path: Path) -> MemoryStore:
        store = cls()
        with gzip.open(path, "rt", encoding="utf-8") as f:
            header = json.loads(f.readline())
            if header.get("format") != "vinculo-er-snapshot/1":
                raise ValueError(f"{path}: not a resolver snapshot")
            store._sequence, store._redirects = header["sequence"], header["redirects"]
            for a, b, same, author in header["judgments"]:
                store.put_judgment(Judgment(a, b, same, author))
            for line in f:
                row = json.loads(line)
                entity = Entity(row["id"], row["kind"], row["created"])
                for data in row["members"]:
                    record = prepare(Mention.from_dict(data))
                    add_member(store, entity, record)
                store.put_entity(entity)
        return store


def add_member(store: ResolverStore, entity: Entity, record: Record) -> None:
    """Put a record in an entity: membership, identifiers and blocking keys."""
    entity.members.append(record.id)
    if record.rfc is not None and record.rfc.checksum_ok:
        entity.rfcs.add(record.rfc.value)
    if record.curp is not None and record.curp.checksum_ok:
        entity.curps.add(record.curp.value)
    store.put_mention(record, entity.id)
    store.index(record.keys, entity.id)
