"""Candidates for a name (and optionally an RFC, CURP, date or address), scored by the
entity resolver: the same normalisation, blocking keys, comparisons and Fellegi–Sunter
weights that decide the stream's matches (``engine.entity_resolution``), so a reconciled
column is judged as the graph itself was built.

Every Person, Company and PublicBody of the graph is indexed under each name it is known by
(its own and every mention's), with its identifiers. A candidate's score is the resolver's
match probability for the best of those names (0–100); ``match`` is true only when it is
above the resolver's match threshold and no other candidate comes within one bit of it.
Public bodies are compared with the company comparisons (an organisation's name), plus
their acronym as a name.

The index lives in memory (about the resolver's 3.8 KB per entity) and is rebuilt from the
graph when older than ``max_age`` seconds.
"""

from __future__ import annotations

import bisect
import heapq
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from engine.entity_resolution.blocking import IDENTIFIER_PREFIXES, WORD_PAIR_PREFIX
from engine.entity_resolution.model import Model, Scored
from engine.entity_resolution.records import Mention, Record, prepare
from engine.entity_resolution.text import fold
from engine.graph.lookup import RECONCILED_LABELS, entities_page
from engine.graph.store import GraphStore

__all__ = ["Candidate", "CandidateIndex", "Indexed", "Reconciler", "KIND_OF"]

KIND_OF = {"Person": "person", "Company": "company", "PublicBody": "company"}
MAX_POSTING = 3000
MAX_COMPARED = 25
AMBIGUITY = 1.0  # bits
_PAGE = 5000


@dataclass
class Indexed:
    """An entity of the graph as the index knows it."""

    id: str
    label: str
    name: str
    rfc: str | None = None
    curp: str | None = None
    sources: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)


@dataclass
class Candidate:
    entity: Indexed
    probability: float
    weight: float
    explanation: str
    parts: list[tuple[str, str, float]]  # comparison, level, weight
    match: bool = False

    @property
    def score(self) -> float:
        return round(100 * self.probability, 2)


class CandidateIndex:
    """Blocking keys → entities, and each entity's prepared records."""

    def __init__(self, model: Model | None = None) -> None:
        self.model = model or Model.load()
        self.entities: dict[str, Indexed] = {}
        self.postings: dict[str, set[str]] = defaultdict(set)
        self.by_identifier: dict[str, set[str]] = defaultdict(set)
        self._prefixes: list[tuple[str, str]] = []  # (folded name, entity id), sorted, for suggest
        self.built_at = time.monotonic()

    @classmethod
    def build(cls, store: GraphStore, model: Model | None = None) -> CandidateIndex:
        index = cls(model)
        for label in RECONCILED_LABELS:
            skip = 0
            while True:
                rows = store.read(entities_page(label).text, {"skip": skip, "limit": _PAGE})
                for row in rows:
                    index.add(label, row)
                skip += _PAGE
                if len(rows) < _PAGE:
                    break
        index._prefixes.sort()
        return index

    def add(self, label: str, row: dict[str, Any]) -> None:
        kind = KIND_OF[label]
        names = [n for n in dict.fromkeys([row.get("name"), *(row.get("names") or []), row.get("acronym")])
                 if isinstance(n, str) and n.strip()]
        entity = Indexed(row["id"], label, row.get("name") or (names[0] if names else row["id"]),
                         row.get("rfc"), row.get("curp"), list(row.get("sources") or []), names)
        for i, name in enumerate(names or [entity.name]):
            mention = Mention(f"{entity.id}#{i}", kind, name, rfc=entity.rfc if label != "PublicBody" else None,
                              curp=entity.curp, birth_date=row.get("birth_date"))
            record = prepare(mention)
            entity.records.append(record)
            for key in record.keys:
                self.postings[f"{label}/{key}"].add(entity.id)
            self._prefixes.append((fold(name), entity.id))
        for ident in (entity.rfc, entity.curp):
            if ident:
                self.by_identifier[ident.upper()].add(entity.id)
        self.entities[entity.id] = entity

    def __len__(self) -> int:
        return len(self.entities)

    # -- reconciliation ---------------------------------------------------------------------
    def search(self, name: str, labels: tuple[str, ...] = RECONCILED_LABELS, rfc: str | None = None,
               curp: str | None = None, birth_date: str | None = None, address: str | None = None,
               limit: int = 5) -> list[Candidate]:
        """The best candidates for one query, strongest first."""
        found: list[Candidate] = []
        for label in labels:
            kind = KIND_OF[label]
            query = prepare(Mention("query", kind, name or "", rfc=rfc, curp=curp if kind == "person" else None,
                                    birth_date=birth_date, address=address))
            for entity_id in self._blocked(query, label, (rfc, curp)):
                entity = self.entities[entity_id]
                best: Scored | None = None
                for record in entity.records:
                    scored = self.model.score(query, record)
                    if best is None or scored.weight > best.weight:
                        best = scored
                if best is not None:
                    found.append(Candidate(entity, best.probability, best.weight, best.explain(),
                                           [(n, c.level, w) for n, c, w in best.parts]))
        found.sort(key=lambda c: (-c.weight, c.entity.id))
        above = [c for c in found if c.weight >= self.model.match_weight(KIND_OF[c.entity.label])]
        if above and (len(above) == 1 or above[0].weight - above[1].weight >= AMBIGUITY):
            above[0].match = True
        return found[:limit]

    def _blocked(self, query: Record, label: str, identifiers: tuple[str | None, ...]) -> list[str]:
        counts: dict[str, float] = defaultdict(float)
        for key in query.keys:
            posting = self.postings.get(f"{label}/{key}", set())
            strong = key[2:].startswith(IDENTIFIER_PREFIXES)
            if not strong and len(posting) > MAX_POSTING:
                continue
            weight = 3 if strong else 0.5 if key[2:].startswith(WORD_PAIR_PREFIX) else 1
            for entity_id in posting:
                counts[entity_id] += weight
        for ident in identifiers:  # an exact identifier is always a candidate, whatever its name
            for entity_id in self.by_identifier.get((ident or "").upper(), ()):
                if self.entities[entity_id].label == label:
                    counts[entity_id] += 100
        floor = max(1.0, max(counts.values(), default=0) / 4)
        kept = [(-c, e) for e, c in counts.items() if c >= floor]
        return [e for _, e in heapq.nsmallest(MAX_COMPARED, kept)]

    # -- suggest ------------------------------------------------------------------------------
    def suggest(self, prefix: str, labels: tuple[str, ...] = RECONCILED_LABELS, limit: int = 10,
                cursor: int = 0) -> list[Indexed]:
        """Entities with a name starting with ``prefix`` (accents and case folded), then fuzzy ones."""
        folded = fold(prefix)
        if not folded:
            return []
        out: dict[str, Indexed] = {}
        start = bisect.bisect_left(self._prefixes, (folded, ""))
        for name, entity_id in self._prefixes[start:]:
            if not name.startswith(folded) or len(out) >= cursor + limit:
                break
            if self.entities[entity_id].label in labels:
                out.setdefault(entity_id, self.entities[entity_id])
        if len(out) < cursor + limit:  # then names that are alike, if the resolver would consider them
            for candidate in self.search(prefix, labels, limit=cursor + limit):
                if candidate.weight >= self.model.possible_weight(KIND_OF[candidate.entity.label]):
                    out.setdefault(candidate.entity.id, candidate.entity)
        return list(out.values())[cursor:cursor + limit]


class Reconciler:
    """The index of one graph store, rebuilt when it is older than ``max_age`` seconds."""

    def __init__(self, store: GraphStore, max_age: float = 300.0, model: Model | None = None) -> None:
        self.store, self.max_age, self.model = store, max_age, model
        self._index: CandidateIndex | None = None
        self._lock = threading.Lock()

    def index(self) -> CandidateIndex:
        with self._lock:
            if self._index is None or time.monotonic() - self._index.built_at > self.max_age:
                model = self.model or (self._index.model if self._index else None)
                self._index = CandidateIndex.build(self.store, model)
            return self._index

    def refresh(self) -> None:
        with self._lock:
            self._index = None
