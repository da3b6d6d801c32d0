"""Statements that look entities up for the reconciliation service: every name an entity is
known by (its own and its mentions'), a page at a time, and the flags that concern one entity.
Portable (Neo4j 5 and FalkorDB), sent through ``GraphStore.read``.
"""

from __future__ import annotations

from functools import cache

from engine.graph.cypher import Statement
from engine.graph.schema import schema

__all__ = ["RECONCILED_LABELS", "entities_page", "flags_of", "lookup_statements"]

RECONCILED_LABELS = ("Person", "Company", "PublicBody")


@cache
def entities_page(label: str) -> Statement:
    """A page of entities of one label, in id order, with every name their mentions gave."""
    if label not in RECONCILED_LABELS:
        raise ValueError(label)
    schema().label(label)
    return Statement(
        f"reconcile_entities[{label}]",
        f"""MATCH (e:{label})
WITH e ORDER BY e.id SKIP $skip LIMIT $limit
OPTIONAL MATCH (m:Mention)-[:RESOLVED_TO]->(e)
RETURN e.id AS id, e.name AS name, e.rfc AS rfc, e.curp AS curp,
       coalesce(e.birth_date, e.incorporation_date) AS birth_date, e.acronym AS acronym, e.sources AS sources,
       collect(DISTINCT m.name) AS names
ORDER BY id""",
        ("skip", "limit"),
    )


@cache
def flags_of(label: str) -> Statement:
    """Flags (not withdrawn) that concern one entity, strongest first."""
    schema().label(label)
    return Statement(
        f"flags_of[{label}]",
        f"""MATCH (f:Flag)-[c:CONCERNS]->(e:{label} {{id: $id}})
WHERE f.status <> 'withdrawn'
RETURN f.id AS id, f.pattern AS pattern, f.severity AS severity, f.score AS score, f.sentence AS sentence,
       c.role AS role
ORDER BY score DESC, id
LIMIT $limit""",
        ("id", "limit"),
    )


def lookup_statements() -> list[Statement]:
    return [entities_page(label) for label in RECONCILED_LABELS] + [flags_of(label) for label in RECONCILED_LABELS]
