"""The Neo4j adapter against a real Neo4j (e.g. the compose stack). Skipped unless
VINCULO_TEST_NEO4J_URI is set, since Neo4j cannot run on the build machines."""

from __future__ import annotations

import os

import pytest

from engine.graph import cypher
from engine.graph.model import GraphBatch, Provenance
from engine.graph.store import ReadOnlyViolation, open_store

URI = os.environ.get("VINCULO_TEST_NEO4J_URI")
pytestmark = [pytest.mark.neo4j, pytest.mark.skipif(not URI, reason="VINCULO_TEST_NEO4J_URI not set")]


def test_neo4j_round_trip():
    store = open_store(URI or "", os.environ.get("VINCULO_TEST_NEO4J_USER", "neo4j"),
                       os.environ.get("VINCULO_TEST_NEO4J_PASSWORD"))
    try:
        store.clear()
        store.ensure_schema()
        batch = GraphBatch()
        prov = Provenance("test", "r1", "2020-01-01")
        batch.node("Company", "mx-rfc:GFM010122DZ9", prov, name="X'}) DETACH DELETE n //")
        batch.node("Contract", "c1", prov, title="t")
        batch.rel("SUPPLIES", ("Company", "mx-rfc:GFM010122DZ9"), ("Contract", "c1"), prov)
        store.write(batch)
        store.write(batch)
        assert {r["label"]: r["count"] for r in store.run(cypher.COUNT_BY_LABEL)} == {"Company": 1, "Contract": 1}
        with pytest.raises(ReadOnlyViolation):
            store.read("CREATE (n:Company {id: 'x'})")
    finally:
        store.clear()
        store.close()
