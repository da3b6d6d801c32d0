"""Merge one node into another of the same label: move every relationship, keep the
survivor's id, delete the other. Used when two nodes turn out to be one entity (a
procedure named by its folio in PDN S2 and the OCDS process; duplicates that
concurrent resolver workers created).

Cypher has no portable "move relationship", so each (label, type, direction) has its own
statement, generated from the schema and checked by Neo4j's linter like the rest.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from engine.graph.cypher import Statement
from engine.graph.schema import schema
from engine.graph.store import GraphStore


@cache
def move_rels(label: str, rel_type: str, direction: str) -> Statement:
    schema().label(label)
    if rel_type not in schema().relationships:
        raise ValueError(rel_type)
    pattern = "(x)-[r:{t}]->(a)" if direction == "in" else "(a)-[r:{t}]->(x)"
    merged = "(x)-[m:{t} {{id: r.id}}]->(b)" if direction == "in" else "(b)-[m:{t} {{id: r.id}}]->(x)"
    text = f"""MATCH (a:{label} {{id: $source}})
MATCH (b:{label} {{id: $target}})
MATCH {pattern.format(t=rel_type)}
WHERE x.id <> $target
MERGE {merged.format(t=rel_type)}
SET m += properties(r)
DELETE r
RETURN count(m) AS moved"""
    return Statement(f"move_rels[{label}-{rel_type}-{direction}]", text, ("source", "target"))


@cache
def delete_node(label: str) -> Statement:
    schema().label(label)
    return Statement(
        f"delete_merged[{label}]",
        f"MATCH (a:{label} {{id: $source}}) SET a.merged_into = $target WITH a DETACH DELETE a",
        ("source", "target"),
    )


def _rel_slots(label: str) -> list[tuple[str, str]]:
    slots = []
    for rel in schema().relationships.values():
        if label in rel.targets:
            slots.append((rel.name, "in"))
        if label in rel.sources:
            slots.append((rel.name, "out"))
    return slots


RECORD_REDIRECT = Statement(
    "record_redirect",
    """MERGE (r:Redirect {id: $source})
SET r.target = $target, r.label = $label, r.at = $at
WITH r
MATCH (old:Redirect)
WHERE old.target = $source
SET old.target = $target""",
    ("source", "target", "label", "at"),
)
REDIRECTS = Statement(
    "redirects",
    """MATCH (r:Redirect)
WHERE r.id IN $ids
RETURN r.id AS id, r.target AS target""",
    ("ids",),
)


def merge_statements() -> list[Statement]:
    out = [move_rels(label, t, d) for label in schema().labels for t, d in _rel_slots(label)]
    out += [delete_node(label) for label in schema().labels]
    return out + [PROCESS_ALIAS_PAIRS, RECORD_REDIRECT, REDIRECTS]


def merge_into(store: GraphStore, label: str, source: str, target: str) -> int:
    """Move ``source``'s relationships to ``target`` and delete ``source``."""
    if source == target:
        return 0
    moved = 0
    for rel_type, direction in _rel_slots(label):
        rows = store.run(move_rels(label, rel_type, direction), {"source": source, "target": target})
        moved += sum(int(r.get("moved") or 0) for r in rows)
    store.run(delete_node(label), {"source": source, "target": target})
    store.run(RECORD_REDIRECT, {"source": source, "target": target, "label": label,
                                "at": datetime.now(UTC).isoformat(timespec="seconds")})
    return moved


def redirects(store: GraphStore, ids: list[str]) -> dict[str, str]:
    """Where merged entity ids live now."""
    if not ids:
        return {}
    return {r["id"]: r["target"] for r in store.run(REDIRECTS, {"ids": ids})}


PROCESS_ALIAS_PAIRS = Statement(
    "process_alias_pairs",
    """MATCH (s:ContractingProcess)
WHERE s.alias IS NOT NULL
MATCH (o:ContractingProcess)
WHERE o.id <> s.id AND s.alias IN o.aliases
RETURN s.id AS source, o.id AS target
ORDER BY source""",
)


def reconcile_processes(store: GraphStore) -> list[tuple[str, str]]:
    """Procedures known by a folio (PDN S2) merged into the OCDS process with that number."""
    pairs = [(r["source"], r["target"]) for r in store.run(PROCESS_ALIAS_PAIRS)]
    for source, target in pairs:
        merge_into(store, "ContractingProcess", source, target)
    return pairs


__all__ = ["merge_into", "merge_statements", "reconcile_processes"]
