"""FalkorDB adapter: the native protocol through the ``falkordb`` client.

FalkorDB runs each query atomically, so a batch is written as one query per label and
per relationship endpoint triple, nodes first; a crash between two of them is repaired
by the replay that at-least-once delivery gives, because every statement is an
idempotent MERGE. Dialect specifics kept here: uniqueness constraints are a Redis
command after an exact-match index, read-only queries use GRAPH.RO_QUERY.
"""

from __future__ import annotations

import contextlib
from operator import itemgetter
from typing import Any
from urllib.parse import unquote, urlsplit

from falkordb import FalkorDB
from falkordb.edge import Edge
from falkordb.node import Node
from falkordb.path import Path as FPath
from redis.exceptions import ResponseError

from engine.graph import alerts, cypher, workspace
from engine.graph.cypher import Statement
from engine.graph.model import SEARCH_TEXT, GraphBatch
from engine.graph.schema import schema
from engine.graph.store import QueryTimeout, ReadOnlyViolation, Row, SearchTerm, check_terms

_MODES = {"exact": "{}", "prefix": "{}*", "fuzzy": "%{}%"}  # RediSearch query syntax


_KEYS: set[str] = set()  # map keys already checked (property names: a small vocabulary)


def _key(key: Any) -> str:
    if type(key) is str and key in _KEYS:
        return key
    text = key.decode() if isinstance(key, bytes) else str(key)
    if not text or "`" in text:  # FalkorDB's header parser has no escaped backticks
        raise ValueError(f"a Cypher parameter or map key cannot be empty or hold a backtick: {text!r}")
    if type(key) is str and len(_KEYS) < 100_000:
        _KEYS.add(key)
    return text


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _map(value: dict[Any, Any]) -> str:
    keys = _KEYS
    parts = []
    for k, v in value.items():
        key = k if k in keys else _key(k)
        kind = type(v)
        if kind is str:  # most values: inline, a call less each
            parts.append(f'`{key}`:"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"')
        elif v is None:
            parts.append(f"`{key}`:null")
        else:
            parts.append(f"`{key}`:{literal(v)}")
    return "{" + ",".join(parts) + "}"


def literal(value: Any) -> str:
    """A parameter value as the client's ``stringify_param_value`` writes it into the ``CYPHER`` header (strings
    quoted with backslash and double quote escaped, keys in backticks, None as null), in the client's order of
    checks; maps, most of a batch's rows, quote their strings inline (``_map``): the client's writer was a
    seventh of the link stage's time."""
    if isinstance(value, str):
        return _quote(value)
    if value is None:
        return "null"
    if isinstance(value, list | tuple):
        return "[" + ",".join([literal(v) for v in value]) + "]"
    if isinstance(value, dict):
        return _map(value)
    return str(value)


def params_header(params: dict[str, Any] | None) -> str:
    """The ``CYPHER name=value …`` header FalkorDB reads parameters from."""
    if not params:
        return ""
    return "CYPHER " + "".join([f"`{_key(k)}`={literal(v)} " for k, v in params.items()])


def fulltext_query(label: str) -> str:
    """FalkorDB's full-text procedure over one label's folded search text (its index is per label)."""
    schema().label(label)
    return f"""CALL db.idx.fulltext.queryNodes('{label}', $query) YIELD node, score
RETURN node.id AS id, '{label}' AS label, {workspace.node_map('node')} AS node, score
ORDER BY score DESC
LIMIT $limit"""


def shortest_paths_query(source_label: str, target_label: str) -> str:
    """FalkorDB runs shortest paths in either direction only through ``algo.SPpaths``."""
    schema().label(source_label)
    schema().label(target_label)
    return f"""MATCH (a:{source_label} {{id: $source}})
MATCH (b:{target_label} {{id: $target}})
CALL algo.SPpaths({{sourceNode: a, targetNode: b, relTypes: $types, relDirection: 'both',
                    maxLen: $max_hops, pathCount: $limit}}) YIELD path
RETURN [n IN nodes(path) | {workspace.node_map('n')}] AS nodes,
       [r IN relationships(path) | {{id: r.id, type: type(r), source: startNode(r).id, target: endNode(r).id,
                                     props: properties(r)}}] AS edges"""


class FalkorDBStore:
    backend = "falkordb"
    node_key = "id"  # internal ids: integers, the cheapest keys FalkorDB returns

    def __init__(self, host: str, port: int, password: str | None, name: str = "vinculo"):
        self._db = FalkorDB(host=host, port=port, password=password)
        self.name = name
        self._graph = self._db.select_graph(name)

    @classmethod
    def from_uri(
        cls, uri: str, user: str | None = None, password: str | None = None, name: str = "vinculo"
    ) -> FalkorDBStore:
        parts = urlsplit(uri)
        graph = parts.path.strip("/") or name
        secret = unquote(parts.password) if parts.password else password
        return cls(parts.hostname or "127.0.0.1", parts.port or 6379, secret, graph)

    # -- schema --------------------------------------------------------------------------
    def ensure_schema(self) -> None:
        for label in schema().labels.values():
            self._ignore_exists(f"CREATE INDEX FOR (n:{label.name}) ON (n.id)")
            with contextlib.suppress(ResponseError):
                self._db.connection.execute_command(
                    "GRAPH.CONSTRAINT", "CREATE", self.name, "UNIQUE", "NODE", label.name,
                    "PROPERTIES", 1, "id",
                )
            for prop in label.search:
                self._ignore_exists(f"CREATE INDEX FOR (n:{label.name}) ON (n.{prop})")
        self._ignore_exists("CREATE INDEX FOR (n:Sanction) ON (n.program)")
        self._ignore_exists("CREATE INDEX FOR (n:Flag) ON (n.pattern)")
        self._ignore_exists("CREATE INDEX FOR (n:Mention) ON (n.written_at)")
        self._ignore_exists("CREATE INDEX FOR (n:Judgment) ON (n.at)")
        self._ignore_exists("CREATE INDEX FOR (n:Redirect) ON (n.at)")
        for indexed, prop in alerts.INDEXES:
            self._ignore_exists(f"CREATE INDEX FOR (n:{indexed}) ON (n.{prop})")
        self._workspace_indexes()

    def _workspace_indexes(self) -> None:
        """What the workspace reads by: identifiers, folded names (full text), audit time."""
        for label in workspace.entity_labels():
            for prop in workspace.IDENTIFIER_PROPS:
                self._ignore_exists(f"CREATE INDEX FOR (n:{label}) ON (n.{prop})")
        for label in (*workspace.entity_labels(), "Mention"):
            # no stop words, no stemming: names are not English prose
            self._ignore_exists(
                f"CALL db.idx.fulltext.createNodeIndex({{label: '{label}', stopwords: []}}, "
                f"{{field: '{SEARCH_TEXT}', nostem: true}})")
        self._ignore_exists("CREATE INDEX FOR (n:AuditEvent) ON (n.at)")

    def _ignore_exists(self, text: str) -> None:
        try:
            self._graph.query(text)
        except ResponseError as exc:
            if not any(m in str(exc) for m in ("already indexed", "already exists", "already has")):
                raise

    # -- writes ----------------------------------------------------------------------------
    def write(self, batch: GraphBatch) -> None:
        for label, rows in batch.node_rows().items():
            self._graph.query(params_header({"rows": rows}) + cypher.upsert_nodes(label).text)
        for (rel_type, src, dst), rows in batch.rel_rows().items():
            self._graph.query(params_header({"rows": rows}) + cypher.upsert_rels(rel_type, src, dst).text)

    def sync(self, timeout_ms: int = 10_000) -> None:
        """Wait until everything written so far is in the append-only file on disk (``WAITAOF``): FalkorDB
        fsyncs it once a second by default, so an acknowledged write could vanish with a ``kill -9``."""
        # WAITAOF waits for the calling connection's own writes: one small write on the connection that
        # waits puts it after every write the server has executed so far (it executes one at a time)
        pipe = self._db.connection.pipeline(transaction=False)
        pipe.set("vinculo:durable", "1")
        pipe.execute_command("WAITAOF", 1, 0, timeout_ms)
        _, (local, _) = pipe.execute()
        if int(local) < 1:
            raise TimeoutError(f"the graph server did not confirm its append-only file within {timeout_ms} ms")

    def run(self, statement: Statement, params: dict[str, Any] | None = None) -> list[Row]:
        result = self._graph.query(params_header(params) + statement.text)
        return _rows(result)

    def columns(self, statement: Statement, params: dict[str, Any] | None = None,
                typed: bool = True) -> dict[str, list[Any]]:
        """Bulk reads bypass the client's result objects. Typed: the compact reply, parsed column by column
        (a column of integers or strings is taken as it comes); untyped: the verbose reply, whose integers
        and strings need no parsing at all (its other values would come as text, hence the promise)."""
        query = params_header(params) + statement.text
        mode = ("--compact",) if typed else ()
        reply = self._db.connection.execute_command("GRAPH.RO_QUERY", self.name, query, *mode)
        if len(reply) < 3:  # no header: the statement returned nothing
            return {}
        header, rows = reply[0], reply[1]
        columns = list(zip(*rows, strict=True)) if rows else [() for _ in header]
        if not typed:
            return {str(name): list(column) for name, column in zip(header, columns, strict=True)}
        return {str(h[1]): _compact_column(column) for h, column in zip(header, columns, strict=True)}

    def read(self, cypher_text: str, params: dict[str, Any] | None = None, timeout_ms: int | None = None) -> list[Row]:
        try:
            result = self._graph.ro_query(params_header(params) + cypher_text, timeout=timeout_ms)
        except ResponseError as exc:
            if "read-only" in str(exc).lower() or "readonly" in str(exc).lower():
                raise ReadOnlyViolation(str(exc)) from exc
            if "timed out" in str(exc).lower():
                raise QueryTimeout(str(exc)) from exc
            raise
        return _rows(result)

    def search_text(self, label: str, terms: list[SearchTerm], limit: int,
                    timeout_ms: int | None = None) -> list[Row]:
        query = " ".join(_MODES[t.mode].format(t.word.lower()) for t in check_terms(terms))
        return self.read(fulltext_query(label), {"query": query, "limit": limit}, timeout_ms)

    def shortest_paths(self, source: tuple[str, str], target: tuple[str, str], max_hops: int, limit: int,
                       timeout_ms: int | None = None) -> list[Row]:
        params = {"source": source[1], "target": target[1], "types": list(workspace.path_rel_types()),
                  "max_hops": int(max_hops), "limit": int(limit)}
        return self.read(shortest_paths_query(source[0], target[0]), params, timeout_ms)

    def clear(self) -> None:
        with contextlib.suppress(ResponseError):
            self._graph.delete()
        self._graph = self._db.select_graph(self.name)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._db.connection.close()


_NULL, _STRING, _INTEGER, _BOOLEAN, _DOUBLE, _ARRAY, _MAP = 1, 2, 3, 4, 5, 6, 10  # FalkorDB's compact value types
_KIND, _VALUE = itemgetter(0), itemgetter(1)


def _compact_column(cells: tuple[Any, ...]) -> list[Any]:
    kinds = set(map(_KIND, cells))
    if kinds <= {_INTEGER, _STRING}:  # keys, ids, names: hiredis already made them ints and str
        return list(map(_VALUE, cells))
    if kinds <= {_NULL, _INTEGER, _STRING}:
        return [None if cell[0] == _NULL else cell[1] for cell in cells]
    return [_compact_value(cell) for cell in cells]


def _compact_value(cell: Any) -> Any:
    kind, value = cell
    if kind in (_STRING, _INTEGER):
        return value
    if kind == _NULL:
        return None
    if kind == _DOUBLE:
        return float(value)
    if kind == _BOOLEAN:
        return value == "true" or value is True
    if kind == _ARRAY:
        return [_compact_value(c) for c in value]
    if kind == _MAP:
        return {str(value[i]): _compact_value(value[i + 1]) for i in range(0, len(value), 2)}
    raise ValueError(f"a bulk read returned a value of FalkorDB type {kind} (nodes, edges and paths are not read "
                     "in bulk)")


def _rows(result: Any) -> list[Row]:
    header = [h[1] if isinstance(h, list | tuple) else h for h in (result.header or [])]
    names = [h.decode() if isinstance(h, bytes) else str(h) for h in header]
    return [dict(zip(names, (_plain(v) for v in row), strict=False)) for row in result.result_set]


def _plain(value: Any) -> Any:
    """FalkorDB client objects to plain Python values, as the Neo4j adapter returns them."""
    if isinstance(value, Node):
        return {"_labels": list(value.labels or []), **(value.properties or {})}
    if isinstance(value, Edge):
        return {"_type": value.relation, **(value.properties or {})}
    if isinstance(value, FPath):
        return {"nodes": [_plain(n) for n in value.nodes()], "edges": [_plain(e) for e in value.edges()]}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
