"""From a canonical record to graph facts: decide which entity each mention is (through a
:class:`Linker`), then the entities, the mentions (``RESOLVED_TO`` with score and
explanation, keyed by the mention so a replay never adds a second one) and the relations
between entities.

Identifiers a source names by scheme never name a property: RFC and CURP are ``rfc`` and
``curp``; any other scheme travels inside the ``identifiers`` JSON text, so a scheme called
``ID`` or ``NAME`` cannot rewrite a node's id or name.
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

__all__ = ["Link", "Linker", "KeyLinker", "Aliases", "record_to_graph", "store_aliases", "strong_key",
           "IDENTIFIER_PROPS"]

IDENTIFIER_PROPS = ("rfc", "curp")  # the schemes that are properties; every other stays in `identifiers`


@dataclass
class Link:
    """Which entity a mention is, how sure, and why."""

    entity_id: str
    decision: str  # "key" | "match" | "possible" | "new" | "known" | "judged"
    score: float
    explanation: list[str] = field(default_factory=list)
    candidate: str | None = None  # for a possible match: the entity it may be, queued for review
    label: str | None = None  # the entity's label when it is not the mention's (a "company" that is a person)
    display_name: str | None = None  # the entity's best name, when the linker knows it (public bodies)
    parents: tuple[str, ...] = ()  # institutions a public body is part of, as the linker knows them
    namesakes: tuple[str, ...] = ()  # companies of the same name kept apart by another valid RFC


class Linker(Protocol):
    def link(self, mention: EntityMention, record: CanonicalRecord) -> Link: ...


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


class KeyLinker:
    """Identifiers first, then the exact normalised name within the same schema: a simple,
    deterministic linker for tests of a source's graph shape (the stream uses
    :class:`engine.pipeline.linker.EntityLinker`)."""

    def link(self, mention: EntityMention, record: CanonicalRecord) -> Link:
        strong = strong_key(mention) if (mention.schema_ != "PublicBody" or not mention.name) else None
        if strong is not None:
            return Link(strong[0], "key", 1.0, [strong[1]])
        folded = fold_name(mention.name or "")
        digest = hashlib.sha256(f"{mention.schema_}|{folded}".encode()).hexdigest()[:20]
        return Link(f"{mention.schema_.lower()}:name:{digest}", "new", 0.5,
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


def _identifier_props(mention: EntityMention) -> dict[str, str]:
    props = {scheme: value for scheme, value in mention.identifiers.items() if scheme in IDENTIFIER_PROPS}
    others = {scheme: value for scheme, value in mention.identifiers.items() if scheme not in IDENTIFIER_PROPS}
    if others:
        props["identifiers"] = json.dumps(others, ensure_ascii=False, sort_keys=True)
    return props


def record_to_graph(record: CanonicalRecord, linker: Linker, aliases: Aliases | None = None,
                    written_at: str | None = None, written_by: str | None = None) -> GraphBatch:
    """The graph facts of one record, every entity mention linked by ``linker``."""
    prov = Provenance(record.source, record.record_id, record.published_at)
    batch = GraphBatch()
    entity_of: dict[str, tuple[str, str]] = {}
    by_name: set[str] = set()  # refs of companies identified by name alone
    for mention in record.entities:
        props = {**mention.props, **_identifier_props(mention)}
        if mention.schema_ in RESOLVABLE:
            link = linker.link(mention, record)
            entity_id, label = link.entity_id, link.label or mention.schema_
            if mention.key and mention.key != entity_id:
                props.setdefault("identifier", mention.key)
            mention_id = record.mention_id(mention.ref)
            batch.node(
                "Mention", mention_id, prov,
                name=mention.name, schema=mention.schema_, ref=mention.ref, key=mention.key,
                written_at=written_at, written_by=written_by,
                identifiers=json.dumps(mention.identifiers, sort_keys=True) if mention.identifiers else None,
                props=json.dumps(mention.props, ensure_ascii=False, sort_keys=True, default=str)
                if mention.props else None,
            )
            batch.node(label, entity_id, prov, **{**props, "name": link.display_name or mention.name})
            if link.decision != "known":  # a replayed mention keeps how it was first resolved, and its review
                batch.rel("RESOLVED_TO", ("Mention", mention_id), (label, entity_id), prov,
                          rel_id=f"RESOLVED_TO:{mention_id}", score=link.score, decision=link.decision,
                          explanation=link.explanation, candidate=link.candidate)
            for parent in link.parents:
                batch.rel("PART_OF", (label, entity_id), ("PublicBody", parent), prov, basis="resolver")
            if label == "Company":
                for other in link.namesakes:  # one relationship per pair, whichever of the two came first
                    low, high = sorted((entity_id, other))
                    batch.rel("NAMESAKE_OF", ("Company", low), ("Company", high), prov, basis="resolver",
                              reason="same name, another valid RFC")
            entity_of[mention.ref] = (label, entity_id)
            if label == "Company" and named_only(mention):
                by_name.add(mention.ref)
            continue
        entity_id = mention.key or ""
        folio = mention.props.get("folio")
        if aliases is not None and isinstance(folio, str) and not entity_id.startswith("ocds:"):
            found = aliases(mention.schema_, folio)
            if found is None:  # not known yet: the reconcile job merges it once it is
                batch.node(mention.schema_, entity_id, prov, **{**props, "name": mention.name,
                                                                "alias": fold_alias(folio)})
            else:
                entity_id = found
                batch.node(mention.schema_, entity_id, prov, **props)
        else:
            batch.node(mention.schema_, entity_id, prov, **{**props, "name": mention.name})
        entity_of[mention.ref] = (mention.schema_, entity_id)
    for rel in record.relations:
        src, dst = entity_of[rel.source], entity_of[rel.target]
        rel_id = f"{rel.type}:{src[1]}->{dst[1]}" + (f"#{rel.key}" if rel.key else "")
        props = rel.props if rel.target not in by_name else {**rel.props, "identified_by": "name"}
        batch.rel(rel.type, src, dst, prov, rel_id=rel_id, **props)
    return batch


def named_only(mention: EntityMention) -> bool:
    """A company the record names without a valid RFC: which company it is rests on its name."""
    rfc = parse_rfc(mention.identifiers.get("rfc"))
    return rfc is None or not rfc.checksum_ok or rfc.kind != "company"
