"""Every Cypher statement the Neo4j adapter can send passes Neo4j's own linter
(@neo4j-cypher/language-support), with its parameters declared and the schema's labels
and relationship types as the database schema: errors and warnings both fail."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from engine.graph import neo4j_store
from engine.graph.cypher import Statement
from engine.graph.schema import schema

LINTER = Path(__file__).resolve().parents[2] / "tools" / "cypher-lint"


def lint(statements: list[Statement]) -> dict[str, list[dict]]:  # type: ignore[type-arg]
    if shutil.which("node") is None or not (LINTER / "node_modules").exists():
        pytest.fail("Neo4j's Cypher linter is not installed: run `make test` (npm ci in tools/cypher-lint)")
    payload = {
        "schema": {
            "labels": sorted(schema().labels),
            "relationshipTypes": sorted(schema().relationships),
        },
        "statements": [{"name": s.name, "text": s.text, "params": list(s.params)} for s in statements],
    }
    done = subprocess.run(
        ["node", str(LINTER / "lint.mjs")], input=json.dumps(payload), capture_output=True,
        text=True, check=True, cwd=LINTER, timeout=300,
    )
    return {r["name"]: r["diagnostics"] for r in json.loads(done.stdout)}


def test_every_neo4j_statement_passes_neo4js_linter():
    statements = neo4j_store.statements()
    assert len(statements) > 60  # every label, every allowed relationship, every query
    results = lint(statements)
    problems = {name: diags for name, diags in results.items() if diags}
    assert problems == {}


def test_the_workspace_statements_are_among_those_linted():
    """The workspace's reads (generated per label from the schema), its full-text queries and
    its shortest-path statements are sent by the Neo4j adapter too, so they are linted above."""
    names = {s.name for s in neo4j_store.statements()}
    for label in schema().labels:
        if not schema().labels[label].operational:
            assert f"workspace.expand[{label}]" in names and f"workspace.entity_relations[{label}]" in names
    for label in ("Person", "Company", "PublicBody", "Mention"):
        assert f"fulltext_query[{label}]" in names and f"fulltext[{label}]" in names
    assert {f"shortest_paths[{n}]" for n in range(1, neo4j_store.MAX_PATH_HOPS + 1)} <= names
    assert {"workspace.update_flag", "workspace.record_audit", "workspace.token"} <= names


def test_the_linter_catches_what_it_should():
    """The check above is only worth something if the linter fails bad statements."""
    bad = [
        Statement("typo-label", "MATCH (n:Compnay) RETURN n"),
        Statement("undeclared-param", "MATCH (n:Company {id: $nope}) RETURN n"),
        Statement("falkordb-procedure", "CALL db.idx.fulltext.createNodeIndex('Company', 'name')"),
        Statement("syntax", "MATCH (n) RETURN n LIMT 1"),
    ]
    results = lint(bad)
    assert all(results[s.name] for s in bad), results


def test_statement_names_are_unique():
    names = [s.name for s in neo4j_store.statements()]
    assert len(names) == len(set(names))
