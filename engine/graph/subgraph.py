"""Statements that read a subgraph for an export: nodes by id, their relationships, flags.

Every statement takes one label from the schema's allow-list and lists of ids and
relationship types as parameters; the exporter (``engine.exports``) decides which to follow.
All of them are portable (Neo4j 5 and FalkorDB) and sent through ``GraphStore.read``.
"""

from __future__ import annotations

from functools import cache

from engine.graph.cypher import Statement
from engine.graph.schema import schema

__all__ = ["edges", "edges_among", "nodes", "FLAG", "FLAGS_TABLE", "subgraph_statements"]


@cache
def nodes(label: str) -> Statement:
    """Nodes of one label by id, with all their properties."""
    schema().label(label)
    return Statement(
        f"subgraph_nodes[{label}]",
        f"""UNWIND $ids AS node_id
MATCH (n:{label} {{id: node_id}})
RETURN n.id AS id, properties(n) AS props""",
        ("ids",),
    )


@cache
def edges(label: str, direction: str) -> Statement:
    """Relationships of the given types leaving (``out``) or reaching (``in``) nodes of one label."""
    schema().label(label)
    pattern = {"out": "(a)-[r]->(b)", "in": "(a)<-[r]-(b)"}[direction]
    src, dst = ("a", "b") if direction == "out" else ("b", "a")
    return Statement(
        f"subgraph_edges_{direction}[{label}]",
        f"""UNWIND $ids AS node_id
MATCH {pattern.replace("(a)", f"(a:{label} {{id: node_id}})")}
WHERE type(r) IN $types
RETURN r.id AS id, type(r) AS type, {src}.id AS src, {dst}.id AS dst, b.id AS other,
       labels(b)[0] AS other_label, properties(r) AS props""",
        ("ids", "types"),
    )


@cache
def edges_among(label: str) -> Statement:
    """Relationships of the given types from nodes of one label (``ids``) to nodes in ``among``."""
    schema().label(label)
    return Statement(
        f"subgraph_edges_among[{label}]",
        f"""UNWIND $ids AS node_id
MATCH (a:{label} {{id: node_id}})-[r]->(b)
WHERE type(r) IN $types AND b.id IN $among
RETURN r.id AS id, type(r) AS type, a.id AS src, b.id AS dst, b.id AS other,
       labels(b)[0] AS other_label, properties(r) AS props""",
        ("ids", "types", "among"),
    )


FLAG = Statement(
    "subgraph_flag",
    """MATCH (f:Flag {id: $id})
OPTIONAL MATCH (f)-[c:CONCERNS]->(e)
RETURN properties(f) AS flag,
       collect({id: e.id, label: labels(e)[0], role: c.role, rel: c.id, props: properties(c)}) AS concerns""",
    ("id",),
)

FLAGS_TABLE = Statement(
    "flags_table",
    """MATCH (f:Flag)
WHERE ($pattern IS NULL OR f.pattern = $pattern)
  AND (($status IS NULL AND f.status <> 'withdrawn') OR f.status = $status)
OPTIONAL MATCH (f)-[c:CONCERNS]->(e)
WITH f, collect({role: c.role, id: e.id, label: labels(e)[0], name: coalesce(e.name, e.title)}) AS concerns
RETURN f.id AS id, f.pattern AS pattern, f.title AS title, f.severity AS severity, f.score AS score,
       f.status AS status, f.sentence AS sentence, f.evidence AS evidence, f.first_seen AS first_seen,
       f.last_seen AS last_seen, f.sources AS sources, concerns
ORDER BY score DESC, id
LIMIT $limit""",
    ("pattern", "status", "limit"),
)


def subgraph_statements() -> list[Statement]:
    """Every statement of this module, for the Neo4j linter."""
    out: list[Statement] = [FLAG, FLAGS_TABLE]
    for label in schema().labels:
        out += [nodes(label), edges(label, "out"), edges(label, "in"), edges_among(label)]
    return out
