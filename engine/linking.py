"""From canonical records to graph facts: decide which entity each mention is, then
write the entities, the mentions (with ``RESOLVED_TO``: score and explanation) and the
relations between entities.

The resolver is pluggable; :class:`KeyResolver` links by strong identifiers (RFC, CURP,
a source's scheme-qualified id) and otherwise by exact normalised name.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from engine.canonical import RESOLVABLE, CanonicalRecord, EntityMention
from engine.entity_resolution.identifiers import parse_curp, parse_rfc
from engine.graph import cypher
from engine.graph.model import GraphBatch, Provenance
from engine.graph.store import GraphStore
from engine.sources.ocds import fold_alias


@dataclass
class Resolution:
    entity_id: str
    decision: str  # "key" | "match" | "possible" | "new"
    score: float
    explanation: list[str] = field(default_factory=list)
    candidate: str | None = None  # for a possible match: the entity it may be, queued for review
    label: str | None = None  # the entity's label when it is not the mention's (a "company" that is a person)
    display_name: str | None = None  # the entity's best name, when the resolver knows it (public bodies)
    parents: tuple[str, ...] = ()  # institutions a public body is part of, as the resolver knows them


class Resolver(Protocol):
    def resolve(self, mention: EntityMention, record: CanonicalRecord) -> Resolution: ...


def fold_name(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).upper()
    return " ".join(re.sub(r"[^A-Z0-9Ñ&]+", " ", plain).split())


def strong_key(mention: EntityMention) -> tuple[str, str] | None:
    """(entity id, why) from an identifier that names exactly one entity, if any."""
    if mention.key:
        return mention.key, f"key {mention.key}"
    rfc = parse_rfc(mention.identifiers.get("rfc"))
    if rfc is not None and (rfc.kind == "company") == (mention.schema_ != "Person"):
        return rfc.graph_id, f"RFC {rfc.value}" + ("" if rfc.checksum_ok else " (check digit wrong)")
    curp = parse_curp(mention.identifiers.get("curp"))
    if curp is not None and mention.schema_ == "Person":
        return curp.graph_id, f"CURP {curp.value}"
    return None


class KeyResolver:
    """Identifiers first, then the exact normalised name within the same schema.

    Public bodies are resolved by name even when a source gives them a code: budget-unit
    codes (MX-CPA) are OCDS's, declarations and sanctions name the institution only.
    """

    def resolve(self, mention: EntityMention, record: CanonicalRecord) -> Resolution:
        strong = strong_key(mention) if (mention.schema_ != "PublicBody" or not mention.name) else None
        if strong is not None:
            return Resolution(strong[0], "key", 1.0, [strong[1]])
        folded = fold_name(mention.name or "")
        digest = hashlib.sha256(f"{mention.schema_}|{folded}".encode()).hexdigest()[:20]
        return Resolution(f"{mention.schema_.lower()}:name:{digest}", "new", 0.5,
                          [f"no identifier; exact normalised name {folded!r}"])


Aliases = Callable[[str, str], "str | None"]


def store_aliases(store: GraphStore) -> Aliases:
    """Look up a process by another number it is known by (an award id, a contract id)."""
    cache: dict[str, str | None] = {}

    def lookup(label: str, alias: str) -> str | None:
        if label != "ContractingProcess":
            return None
        folded = fold_alias(alias)
        if cache.get(folded) is None:
            rows = store.run(cypher.PROCESS_BY_ALIAS, {"alias": folded})
            cache[folded] = rows[0]["id"] if rows else None
        return cache[folded]

    return lookup


def record_to_graph(record: CanonicalRecord, resolver: Resolver, aliases: Aliases | None = None) -> GraphBatch:
    prov = Provenance(record.source, record.record_id, record.published_at)
    batch = GraphBatch()
    entity_of: dict[str, tuple[str, str]] = {}
    for mention in record.entities:
        props = dict(mention.props)
        for scheme, value in mention.identifiers.items():
            props.setdefault(scheme, value)
        if mention.schema_ in RESOLVABLE:
            res = resolver.resolve(mention, record)
            entity_id = res.entity_id
            label = res.label or mention.schema_
            if mention.key and mention.key != entity_id:
                props.setdefault("identifier", mention.key)
            mention_id = record.mention_id(mention.ref)
            batch.node(
                "Mention", mention_id, prov,
                name=mention.name, schema=mention.schema_, ref=mention.ref,
                identifiers=json.dumps(mention.identifiers, sort_keys=True) if mention.identifiers else None,
                props=json.dumps(mention.props, ensure_ascii=False, sort_keys=True, default=str)
                if mention.props else None,
            )
            batch.node(label, entity_id, prov, name=res.display_name or mention.name, **props)
            batch.rel("RESOLVED_TO", ("Mention", mention_id), (label, entity_id), prov,
                      score=res.score, decision=res.decision,
                      explanation=res.explanation, candidate=res.candidate)
            for parent in res.parents:
                batch.rel("PART_OF", (label, entity_id), ("PublicBody", parent), prov, basis="resolver")
            entity_of[mention.ref] = (label, entity_id)
            continue
        else:
            entity_id = mention.key or ""
            folio = mention.props.get("folio")
            if aliases is not None and isinstance(folio, str) and not entity_id.startswith("ocds:"):
                found = aliases(mention.schema_, folio)
                if found is None:  # not known yet: the reconcile job merges it once it is
                    batch.node(mention.schema_, entity_id, prov, name=mention.name, alias=fold_alias(folio), **props)
                else:
                    entity_id = found
                    batch.node(mention.schema_, entity_id, prov, **props)
            else:
                batch.node(mention.schema_, entity_id, prov, name=mention.name, **props)
        entity_of[mention.ref] = (mention.schema_, entity_id)
    for rel in record.relations:
        src, dst = entity_of[rel.source], entity_of[rel.target]
        rel_id = f"{rel.type}:{src[1]}->{dst[1]}" + (f"#{rel.key}" if rel.key else "")
        batch.rel(rel.type, src, dst, prov, rel_id=rel_id, **rel.props)
    return batch


def apply_merges(store: GraphStore, resolver: object) -> list[dict[str, str]]:
    """Merge in the graph the entities the resolver merged; return the change events."""
    take = getattr(resolver, "take_merges", None)
    if take is None:
        return []
    from engine.graph.merge import merge_into

    done = []
    for absorbed, survivor, label in take():
        merge_into(store, label, absorbed, survivor)
        done.append({"type": "entities_merged", "entity_id": survivor, "merged_entity_id": absorbed, "label": label})
    return done
