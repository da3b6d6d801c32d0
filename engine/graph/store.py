"""The graph-store protocol and the registry that picks an adapter by URI scheme."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple, Protocol, runtime_checkable
from urllib.parse import urlsplit

from engine.graph.cypher import Statement
from engine.graph.model import GraphBatch

Row = dict[str, Any]


class SearchTerm(NamedTuple):
    """One word of a full-text query: folded letters and digits only, matched exactly, as a
    prefix (a name cut short) or within one typo."""

    word: str
    mode: str  # "exact" | "prefix" | "fuzzy"


_WORD = re.compile(r"^[A-Z0-9Ñ]{1,64}$")


def check_terms(terms: list[SearchTerm]) -> list[SearchTerm]:
    """Words reach a full-text query string only as folded letters and digits: no syntax."""
    for term in terms:
        if not _WORD.match(term.word) or term.mode not in ("exact", "prefix", "fuzzy"):
            raise ValueError(f"not a search term: {term!r}")
    return terms


class ReadOnlyViolation(PermissionError):
    """A query sent as read-only tried to write."""


class QueryTimeout(TimeoutError):
    """The server stopped a read-only query that ran past its time limit."""


@runtime_checkable
class GraphStore(Protocol):
    """What Vínculo needs from a graph database."""

    backend: str

    def ensure_schema(self) -> None:
        """Create indexes and uniqueness constraints (idempotent)."""

    def write(self, batch: GraphBatch) -> None:
        """Upsert a batch: nodes first, then relationships; idempotent."""

    def sync(self) -> None:
        """Return once every write so far is durable (survives the server being killed)."""

    def run(self, statement: Statement, params: dict[str, Any] | None = None) -> list[Row]:
        """Run one of Vínculo's own statements (may write)."""

    def read(self, cypher: str, params: dict[str, Any] | None = None, timeout_ms: int | None = None) -> list[Row]:
        """Run a query in read-only mode, stopped by the server after ``timeout_ms``; writes
        raise :class:`ReadOnlyViolation`."""

    def search_text(self, label: str, terms: list[SearchTerm], limit: int,
                    timeout_ms: int | None = None) -> list[Row]:
        """Nodes of ``label`` whose folded search text holds every term, best first:
        rows of ``id``, ``label``, ``node`` (see ``engine.graph.workspace``) and ``score``."""

    def shortest_paths(self, source: tuple[str, str], target: tuple[str, str], max_hops: int, limit: int,
                       timeout_ms: int | None = None) -> list[Row]:
        """Up to ``limit`` shortest paths of at most ``max_hops`` between two (label, id) nodes,
        in either direction, over ``workspace.path_rel_types()``: rows of ``nodes`` and ``edges``."""

    def clear(self) -> None:
        """Delete the whole graph (tests and `vinculo reset`)."""

    def close(self) -> None: ...


StoreFactory = Callable[..., GraphStore]


def _falkordb(uri: str, **kwargs: Any) -> GraphStore:
    from engine.graph.falkordb_store import FalkorDBStore

    return FalkorDBStore.from_uri(uri, **kwargs)


def _neo4j(uri: str, **kwargs: Any) -> GraphStore:
    from engine.graph.neo4j_store import Neo4jStore

    return Neo4jStore.from_uri(uri, **kwargs)


BACKENDS: dict[str, StoreFactory] = {
    "falkordb": _falkordb,
    "neo4j": _neo4j,
    "neo4j+s": _neo4j,
    "neo4j+ssc": _neo4j,
    "bolt": _neo4j,
    "bolt+s": _neo4j,
    "bolt+ssc": _neo4j,
}


def open_store(
    uri: str, user: str | None = None, password: str | None = None, name: str = "vinculo"
) -> GraphStore:
    """Open the store for ``uri``, choosing the adapter by its scheme."""
    scheme = urlsplit(uri).scheme
    try:
        factory = BACKENDS[scheme]
    except KeyError:
        raise ValueError(f"no graph store for scheme {scheme!r} (known: {', '.join(BACKENDS)})") from None
    return factory(uri, user=user, password=password, name=name)
