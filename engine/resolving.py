"""The link stage's resolver: the streaming entity resolver of ``engine.entity_resolution``
for people and companies, exact names for public bodies, and a key map for the ids sources
assign themselves (FtM, BODS, scheme-qualified identifiers).

Its state — the resolver's index and the key map — is saved in the data folder and loaded
at start, so a restarted worker resolves the next mention against everything it knew.
Merges the resolver decides are returned so the caller can merge the graph nodes too and
publish them on ``graph.changes``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engine.canonical import CanonicalRecord, EntityMention
from engine.entity_resolution import MemoryStore, Resolver
from engine.entity_resolution.bodies import BodyMention, BodyResolver, Equivalences
from engine.entity_resolution.identifiers import parse_curp, parse_rfc
from engine.entity_resolution.jurisdictions import Jurisdiction, level_of, state_code
from engine.graph import cypher
from engine.graph.store import GraphStore
from engine.linking import KeyResolver, Resolution, apply_merges

log = logging.getLogger(__name__)
KINDS = {"Person": "person", "Company": "company"}


class StreamResolver:
    """Implements ``engine.linking.Resolver`` with the incremental entity resolver."""

    def __init__(self, state_dir: Path | None = None, equivalences: Path | None = None):
        self.state_dir = state_dir
        self.keys: dict[str, str] = {}
        store = MemoryStore()
        equiv = Equivalences.load(equivalences)
        self.bodies = BodyResolver(equiv)
        if state_dir is not None and (state_dir / "index.json.gz").exists():
            store = MemoryStore.load(state_dir / "index.json.gz")
            self.keys = json.loads(gzip.decompress((state_dir / "keys.json.gz").read_bytes()))
            log.info("resolver state loaded: %d entities, %d keys", len(store), len(self.keys))
        if state_dir is not None and (state_dir / "bodies.json.gz").exists():
            data = json.loads(gzip.decompress((state_dir / "bodies.json.gz").read_bytes()))
            self.bodies = BodyResolver.from_dict(data, equiv)
        self.er = Resolver(store)
        self.fallback = KeyResolver()
        self.events: list[dict[str, Any]] = []

    def resolve(self, mention: EntityMention, record: CanonicalRecord) -> Resolution:
        if mention.schema_ == "PublicBody":
            return self._resolve_body(mention, record)
        kind = KINDS.get(mention.schema_)
        if kind is None:
            return self.fallback.resolve(mention, record)
        key = mention.key
        if key and key in self.keys:
            entity = self.er.entity_of(self.keys[key]) or self.keys[key]
            return Resolution(entity, "key", 1.0, [f"source key {key}"])
        rfc = parse_rfc(mention.identifiers.get("rfc"))
        curp = parse_curp(mention.identifiers.get("curp"))
        if not (mention.name or rfc or curp):
            # only a source key, no name to resolve by: the key is the entity until a named
            # mention of the same key arrives
            self.keys[key or ""] = key or ""
            return Resolution(key or "", "key", 1.0, [f"source key {key}; nothing else to resolve by"])
        mention_id = record.mention_id(mention.ref)
        props = mention.props
        result = self.er.resolve({
            "id": mention_id, "kind": kind, "name": mention.name or "",
            "rfc": rfc.value if rfc else None, "curp": curp.value if curp else None,
            "birth_date": props.get("birth_date") or props.get("incorporation_date"),
            "address": props.get("address") if isinstance(props.get("address"), str) else None,
            "country": props.get("country") if isinstance(props.get("country"), str) else None,
        })
        self.events += result.events
        if key:
            self.keys[key] = mention_id
        explanation = [result.explanation] if isinstance(result.explanation, str) else list(result.explanation)
        if result.possible_entity_id:
            explanation.append(f"possible match with {result.possible_entity_id}: queued for review")
        return Resolution(result.entity_id, result.decision, float(result.score), explanation,
                          result.possible_entity_id)

    def _resolve_body(self, mention: EntityMention, record: CanonicalRecord, depth: int = 0) -> Resolution:
        """A public body, after the institution the record says it is part of (units are scoped by it)."""
        parent: str | None = None
        for rel in record.relations:
            if rel.type == "PART_OF" and rel.source == mention.ref and depth < 5:
                above = next((e for e in record.entities if e.ref == rel.target), None)
                if above is not None:
                    parent = self._resolve_body(above, record, depth + 1).entity_id
                break
        props = mention.props
        names = tuple(n for n in (mention.name, props.get("legal_name")) if isinstance(n, str) and n.strip())
        where = Jurisdiction(level_of(_text(props.get("order_of_government"))),
                             state_code(_text(props.get("state"))) or state_code(_text(props.get("region"))))
        result = self.bodies.resolve(BodyMention(
            record.mention_id(mention.ref), names or (mention.key or "",), _text(props.get("acronym")), where,
            mention.identifiers.get("rfc"), parent))
        self.events += result.events
        explanation = [result.explanation]
        if result.possible_entity_id:
            explanation.append(f"possible match with {result.possible_entity_id}: queued for review")
        return Resolution(result.entity_id, result.decision, result.score, explanation, result.possible_entity_id,
                          label="PublicBody", display_name=result.display_name, parents=result.parents)

    def follow_redirects(self, moved: dict[str, str]) -> None:
        """Learn merges made outside this worker, so its index converges with the graph."""
        for old, new in moved.items():
            a, b = self.er.store.entity(old), self.er.store.entity(new)
            if a is not None and b is not None and self.er.compatible(a, b):
                self.er.merge(new, old, reason="merged in the graph by another worker or the reconcile job")
        self.events = [e for e in self.events if e.get("type") != "entities_merged"]

    def take_merges(self) -> list[tuple[str, str, str]]:
        """(absorbed entity, survivor, label) for every merge since the last call."""
        merges = []
        for event in self.events:
            if event.get("type") == "entities_merged":
                label = event.get("label")
                if label is None:
                    survivor = self.er.store.entity(event["entity_id"])
                    label = "Person" if survivor is not None and survivor.kind == "person" else "Company"
                merges.append((event["merged_entity_id"], event["entity_id"], label))
        self.events = []
        return merges

    def save(self) -> None:
        if self.state_dir is None:
            return
        self.state_dir.mkdir(parents=True, exist_ok=True)
        store = self.er.store
        assert isinstance(store, MemoryStore)
        staging = self.state_dir / ".index.json.gz.tmp"
        store.save(staging)
        os.replace(staging, self.state_dir / "index.json.gz")
        for name, data in (("keys.json.gz", self.keys), ("bodies.json.gz", self.bodies.to_dict())):
            fd, tmp = tempfile.mkstemp(dir=self.state_dir)
            with os.fdopen(fd, "wb") as handle:
                handle.write(gzip.compress(json.dumps(data).encode()))
            os.replace(tmp, self.state_dir / name)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def record_judgment(store: GraphStore, a: str, b: str, same: bool, author: str = "") -> str:
    """Store a reviewer's judgment in the graph; workers apply it (and keep obeying it)."""
    judgment_id = "judgment:" + hashlib.sha256(f"{a}|{b}|{same}".encode()).hexdigest()[:20]
    store.run(cypher.RECORD_JUDGMENT, {"id": judgment_id, "a": a, "b": b, "same": same, "author": author,
                                       "at": datetime.now(UTC).isoformat(timespec="seconds")})
    return judgment_id


def apply_judgments(store: GraphStore, resolver: StreamResolver) -> list[dict[str, Any]]:
    """Apply the judgments not yet applied: merge or split in the resolver, then in the graph."""
    changes: list[dict[str, Any]] = []
    for row in store.run(cypher.PENDING_JUDGMENTS):
        if resolver.bodies.knows(row["a"]) or resolver.bodies.knows(row["b"]):
            events = resolver.bodies.judge(row["a"], row["b"], bool(row["same"]), row.get("author") or "")
        else:
            events = resolver.er.judge(row["a"], row["b"], bool(row["same"]), row.get("author") or "")
        outcome = ", ".join(e["type"] for e in events) or "nothing to change"
        for event in events:
            if event["type"] == "entity_split":
                label = event.get("label") or (
                    "Person" if event["new_entity_id"].startswith(("er-p-", "mx-curp:")) else "Company")
                entity = resolver.er.store.entity(event["entity_id"]) if "label" not in event else None
                if entity is not None:
                    label = "Person" if entity.kind == "person" else "Company"
                for mention in event["mention_ids"]:
                    store.run(cypher.split_mention(label), {
                        "mention": mention, "entity": event["new_entity_id"],
                        "rel": f"RESOLVED_TO:{mention}->{event['new_entity_id']}", "why": event["reason"]})
                changes.append(event)
            elif event["type"] == "entities_merged":
                resolver.events.append(event)
        changes += apply_merges(store, resolver)
        store.run(cypher.MARK_JUDGMENT_APPLIED, {"id": row["id"], "outcome": outcome,
                                                 "at": datetime.now(UTC).isoformat(timespec="seconds")})
    return changes


def reconcile_entities(store: GraphStore) -> list[tuple[str, str, str]]:
    """Merge graph entities that one resolver, seeing every mention, puts together.

    Workers resolve concurrently, each with its own index, so two of them can create the
    same new entity at once. This job resolves all mentions again, in a deterministic
    order, in one fresh resolver; entities it finds to be one are merged in the graph
    (the one with the smallest id survives, RFC/CURP ids first), never split, and never
    against a reviewer's "not same".
    """
    from engine.graph.merge import merge_into

    fresh = Resolver()
    graph_entity: dict[str, tuple[str, str]] = {}
    for label, kind in (("Person", "person"), ("Company", "company")):
        skip = 0
        while True:
            rows = store.run(cypher.mentions_of(label), {"skip": skip, "limit": 20000})
            for row in rows:
                identifiers = json.loads(row["identifiers"]) if row.get("identifiers") else {}
                props = json.loads(row["props"]) if row.get("props") else {}
                rfc = parse_rfc(identifiers.get("rfc"))
                curp = parse_curp(identifiers.get("curp"))
                if not (row.get("name") or rfc or curp):
                    continue
                fresh.resolve({
                    "id": row["mention"], "kind": kind, "name": row.get("name") or "",
                    "rfc": rfc.value if rfc else None, "curp": curp.value if curp else None,
                    "birth_date": props.get("birth_date") or props.get("incorporation_date"),
                })
                graph_entity[row["mention"]] = (label, row["entity"])
            skip += len(rows)
            if len(rows) < 20000:
                break
    clusters: dict[str, set[tuple[str, str]]] = {}
    for mention, owner in graph_entity.items():
        entity = fresh.entity_of(mention)
        if entity is not None:
            clusters.setdefault(entity, set()).add(owner)
    refused = {r["b"] for r in store.run(cypher.NOT_SAME_JUDGMENTS)} | {
        r["a"] for r in store.run(cypher.NOT_SAME_JUDGMENTS)}
    merges = []
    for owners in clusters.values():
        if len(owners) < 2:
            continue
        ordered = sorted(owners, key=lambda o: (not o[1].startswith(("mx-rfc:", "mx-curp:")), o[1]))
        label, survivor = ordered[0]
        for other_label, other in ordered[1:]:
            if other_label != label or other in refused or survivor in refused:
                continue  # a reviewer said "not same" about one of them: leave it to the reviewer
            merge_into(store, label, other, survivor)
            merges.append((other, survivor, label))
    return merges
