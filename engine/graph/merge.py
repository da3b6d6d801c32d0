"""Merge one node into another of the same label: move every relationship, keep the
survivor's id, delete the other. Used when two nodes turn out to be one entity (a
procedure named by its folio in PDN S2 and the OCDS process; duplicates that
concurrent resolver workers created).

A merge is resumable and idempotent: the ``Redirect`` (absorbed → survivor) is written
first, so a merge cut short by a crash is found and finished by :func:`finish_merges`;
each moved relationship gets the id it would have had with the survivor (relationship ids
name their two ends), so a replay of the records that made it rewrites it instead of
adding a parallel edge; a relationship between the two merged nodes becomes the survivor's
own loop rather than being dropped.

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
    merged = "(y)-[m:{t} {{id: key}}]->(b)" if direction == "in" else "(b)-[m:{t} {{id: key}}]->(y)"
    # the id the relationship would have had with the survivor at this end ("T:<src>-><dst>#<key>"): a
    # sentinel '#' closes the last end, then comes off again
    tagged = ("replace(replace(r.id + '#', ':' + $source + '->', ':' + $target + '->'), "
              "'->' + $source + '#', '->' + $target + '#')")
    text = f"""MATCH (a:{label} {{id: $source}})
MATCH (b:{label} {{id: $target}})
MATCH {pattern.format(t=rel_type)}
WITH b, r, x, {tagged} AS tagged
WITH b, r, substring(tagged, 0, size(tagged) - 1) AS key, CASE WHEN x.id = $source THEN b ELSE x END AS y
MERGE {merged.format(t=rel_type)}
SET m += properties(r)
SET m.id = key
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
@cache
def unfinished_merges(label: str) -> Statement:
    """Redirects of ``label`` whose absorbed node is still there: merges a crash cut short."""
    schema().label(label)
    return Statement(
        f"unfinished_merges[{label}]",
        f"""MATCH (r:Redirect)
WHERE r.label = $label
MATCH (n:{label} {{id: r.id}})
RETURN r.id AS source, r.target AS target
ORDER BY source""",
        ("label",),
    )


REDIRECTS_SINCE = Statement(
    "redirects_since",
    """MATCH (r:Redirect)
WHERE r.at >= $since
RETURN r.id AS source, r.target AS target, r.label AS label, r.at AS at
ORDER BY r.at, source""",
    ("since",),
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
    out += [unfinished_merges(label) for label in ("Person", "Company", "PublicBody", "ContractingProcess")]
    return out + [PROCESS_ALIAS_PAIRS, RECORD_REDIRECT, REDIRECTS, REDIRECTS_SINCE]


def merge_into(store: GraphStore, label: str, source: str, target: str) -> int:
    """Move ``source``'s relationships to ``target`` and delete ``source``: the redirect first, so that
    a merge cut short is finished later (:func:`finish_merges`), then idempotent moves."""
    if source == target:
        return 0
    record_redirect(store, label, source, target)
    return _move_and_delete(store, label, source, target)


def record_redirect(store: GraphStore, label: str, source: str, target: str) -> None:
    """The intent of a merge, durable before any relationship moves."""
    schema().label(label)
    store.run(RECORD_REDIRECT, {"source": source, "target": target, "label": label,
                                "at": datetime.now(UTC).isoformat(timespec="milliseconds")})


def _move_and_delete(store: GraphStore, label: str, source: str, target: str) -> int:
    moved = 0
    for rel_type, direction in _rel_slots(label):
        rows = store.run(move_rels(label, rel_type, direction), {"source": source, "target": target})
        moved += sum(int(r.get("moved") or 0) for r in rows)
    store.run(delete_node(label), {"source": source, "target": target})
    return moved


def finish_merges(store: GraphStore) -> list[tuple[str, str, str]]:
    """Finish every merge whose redirect was written but whose absorbed node is still there."""
    done = []
    for label in ("Person", "Company", "PublicBody", "ContractingProcess"):
        for row in store.run(unfinished_merges(label), {"label": label}):
            _move_and_delete(store, label, row["source"], row["target"])
            done.append((row["source"], row["target"], label))
    return done


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


__all__ = ["finish_merges", "merge_into", "merge_statements", "record_redirect", "reconcile_processes", "redirects"]
