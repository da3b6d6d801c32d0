"""The graph: schema, Cypher statements, and one adapter per backend."""

from engine.graph.model import GraphBatch, Provenance
from engine.graph.store import GraphStore, ReadOnlyViolation, open_store

__all__ = ["GraphBatch", "GraphStore", "Provenance", "ReadOnlyViolation", "open_store"]
