"""Every statement of alerts is among those the Neo4j adapter can send, so Neo4j's own linter checks
it (``tests/graph/test_neo4j_lint.py``), and every one runs on FalkorDB in the other alerts tests."""

from __future__ import annotations

from engine.graph import neo4j_store
from engine.graph.alerts import INDEXES, alerts_statements


def test_the_alerts_statements_are_linted_with_the_rest():
    names = {s.name for s in neo4j_store.statements()}
    mine = {s.name for s in alerts_statements()}
    assert len(mine) > 30 and mine <= names
    assert {f"index[{label}.{prop}]" for label, prop in INDEXES} <= names
    assert "constraint[AlertCursor]" in names and "constraint[Delivery]" in names
