"""Neo4j 5 adapter: the official ``neo4j`` driver over Bolt.

A batch is written in one transaction. Schema statements are Neo4j's own
(``CREATE CONSTRAINT … IF NOT EXISTS``); every statement this adapter can send is listed
by :func:`statements` and checked by Neo4j's Cypher linter in the tests.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from neo4j import READ_ACCESS, GraphDatabase, ManagedTransaction, unit_of_work
from neo4j.exceptions import ClientError
from neo4j.graph import Node, Path, Relationship

from engine.graph import alerts, cypher, workspace
from engine.graph.cypher import Statement
from engine.graph.model import SEARCH_TEXT, GraphBatch
from engine.graph.schema import schema
from engine.graph.store import QueryTimeout, ReadOnlyViolation, Row, SearchTerm, check_terms
from engine.settings import redact

_MODES = {"exact": "+{}", "prefix": "+{}*", "fuzzy": "+{}~1"}  # Lucene query syntax
MAX_PATH_HOPS = 8  # a variable-length pattern's bound is a literal in Cypher: one statement per bound


def workspace_schema_statements() -> list[Statement]:
    """Indexes the workspace reads by: identifiers, folded names (full text), audit time."""
    out = []
    for label in workspace.entity_labels():
        for prop in workspace.IDENTIFIER_PROPS:
            out.append(Statement(f"index[{label}.{prop}]", f"CREATE INDEX {label.lower()}_{prop} IF NOT EXISTS "
                                                            f"FOR (n:{label}) ON (n.{prop})"))
    for label in (*workspace.entity_labels(), "Mention"):
        out.append(Statement(f"fulltext[{label}]", f"CREATE FULLTEXT INDEX search_{label.lower()} IF NOT EXISTS "
                                                   f"FOR (n:{label}) ON EACH [n.{SEARCH_TEXT}]"))
    out.append(Statement("index[AuditEvent.at]",
                         "CREATE INDEX auditevent_at IF NOT EXISTS FOR (n:AuditEvent) ON (n.at)"))
    return out


def fulltext_query(label: str) -> Statement:
    schema().label(label)
    return Statement(
        f"fulltext_query[{label}]",
        f"""CALL db.index.fulltext.queryNodes('search_{label.lower()}', $query) YIELD node, score
RETURN node.id AS id, '{label}' AS label, {workspace.node_map('node')} AS node, score
ORDER BY score DESC
LIMIT $limit""",
        ("query", "limit"),
    )


def element_id(label: str) -> Statement:
    schema().label(label)
    return Statement(f"element_id[{label}]", f"MATCH (n:{label} {{id: $id}}) RETURN elementId(n) AS eid", ("id",))


def shortest_paths_query(max_hops: int) -> Statement:
    """Every shortest path in either direction, over the relationship types a path may follow."""
    if not 1 <= max_hops <= MAX_PATH_HOPS:
        raise ValueError(max_hops)
    types = "|".join(workspace.path_rel_types())
    return Statement(
        f"shortest_paths[{max_hops}]",
        f"""MATCH (a) WHERE elementId(a) = $source
MATCH (b) WHERE elementId(b) = $target
MATCH p = allShortestPaths((a)-[:{types}*..{max_hops}]-(b))
RETURN [n IN nodes(p) | {workspace.node_map('n')}] AS nodes,
       [r IN relationships(p) | {{id: r.id, type: type(r), source: startNode(r).id, target: endNode(r).id,
                                  props: properties(r)}}] AS edges
LIMIT $limit""",
        ("source", "target", "limit"),
    )


def workspace_dialect_statements() -> list[Statement]:
    out = [fulltext_query(label) for label in (*workspace.entity_labels(), "Mention")]
    out += [element_id(label) for label in workspace.graph_labels()]
    return out + [shortest_paths_query(n) for n in range(1, MAX_PATH_HOPS + 1)]


def schema_statements() -> list[Statement]:
    out = []
    for label in schema().labels.values():
        out.append(
            Statement(
                f"constraint[{label.name}]",
                f"CREATE CONSTRAINT {label.name.lower()}_id IF NOT EXISTS "
                f"FOR (n:{label.name}) REQUIRE n.id IS UNIQUE",
            )
        )
        for prop in label.search:
            out.append(
                Statement(
                    f"index[{label.name}.{prop}]",
                    f"CREATE INDEX {label.name.lower()}_{prop} IF NOT EXISTS "
                    f"FOR (n:{label.name}) ON (n.{prop})",
                )
            )
    out.append(
        Statement(
            "index[Sanction.program]",
            "CREATE INDEX sanction_program IF NOT EXISTS FOR (n:Sanction) ON (n.program)",
        )
    )
    out.append(
        Statement("index[Flag.pattern]", "CREATE INDEX flag_pattern IF NOT EXISTS FOR (n:Flag) ON (n.pattern)")
    )
    out.append(Statement("index[Mention.written_at]",
                         "CREATE INDEX mention_written_at IF NOT EXISTS FOR (n:Mention) ON (n.written_at)"))
    out.append(Statement("index[Judgment.at]", "CREATE INDEX judgment_at IF NOT EXISTS FOR (n:Judgment) ON (n.at)"))
    out.append(Statement("index[Redirect.at]", "CREATE INDEX redirect_at IF NOT EXISTS FOR (n:Redirect) ON (n.at)"))
    for indexed, prop in alerts.INDEXES:
        out.append(Statement(f"index[{indexed}.{prop}]", f"CREATE INDEX {indexed.lower()}_{prop} IF NOT EXISTS "
                                                          f"FOR (n:{indexed}) ON (n.{prop})"))
    return out + workspace_schema_statements()


CLEAR = Statement("clear", "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS")


def statements() -> list[Statement]:
    """Every statement the Neo4j adapter can send on its own account."""
    from engine.graph import questions
    from engine.graph.alerts import alerts_statements
    from engine.graph.export import bulk_statements, export_statements
    from engine.graph.lookup import lookup_statements
    from engine.graph.merge import merge_statements
    from engine.graph.scanning import scanning_statements
    from engine.graph.subgraph import subgraph_statements

    return (schema_statements() + cypher.portable_statements() + export_statements()
            + bulk_statements(Neo4jStore.node_key) + scanning_statements() + merge_statements()
            + workspace.workspace_statements() + workspace_dialect_statements()
            + subgraph_statements() + lookup_statements() + questions.statements() + alerts_statements() + [CLEAR])


class Neo4jStore:
    backend = "neo4j"
    node_key = "elementId"

    def __init__(self, uri: str, user: str | None, password: str | None, database: str | None):
        auth = (user or "neo4j", password) if password else None
        self._driver = GraphDatabase.driver(uri, auth=auth)
        self.database = database

    @classmethod
    def from_uri(
        cls, uri: str, user: str | None = None, password: str | None = None, name: str = "vinculo"
    ) -> Neo4jStore:
        parts = urlsplit(uri)
        user = unquote(parts.username) if parts.username else user
        password = unquote(parts.password) if parts.password else password
        database = parts.path.strip("/") or None  # Community has one user database: the default
        if not parts.hostname:
            raise ValueError(f"a Neo4j URI needs a host: {redact(uri)!r}")
        bare = urlunsplit(parts._replace(netloc=parts.hostname + (f":{parts.port}" if parts.port else ""), path=""))
        return cls(bare, user, password, database)

    def ensure_schema(self) -> None:
        with self._driver.session(database=self.database) as session:
            for statement in schema_statements():
                session.run(statement.text).consume()

    def write(self, batch: GraphBatch) -> None:
        node_rows = batch.node_rows()
        rel_rows = batch.rel_rows()

        def work(tx: ManagedTransaction) -> None:
            for label, rows in node_rows.items():
                tx.run(cypher.upsert_nodes(label).text, rows=rows).consume()
            for (rel_type, src, dst), rows in rel_rows.items():
                tx.run(cypher.upsert_rels(rel_type, src, dst).text, rows=rows).consume()

        with self._driver.session(database=self.database) as session:
            session.execute_write(work)

    def sync(self) -> None:
        """Neo4j makes a transaction durable before its commit returns: nothing to wait for."""

    def run(self, statement: Statement, params: dict[str, Any] | None = None) -> list[Row]:
        with self._driver.session(database=self.database) as session:
            result = session.run(statement.text, params or {})
            return [{k: _plain(v) for k, v in record.items()} for record in result]

    def columns(self, statement: Statement, params: dict[str, Any] | None = None,
                typed: bool = True) -> dict[str, list[Any]]:
        with self._driver.session(database=self.database, default_access_mode=READ_ACCESS) as session:
            result = session.run(statement.text, params or {})
            names = list(result.keys())
            rows = result.values()
        return {name: [_plain(row[i]) for row in rows] for i, name in enumerate(names)}

    def read(self, cypher_text: str, params: dict[str, Any] | None = None, timeout_ms: int | None = None) -> list[Row]:
        def work(tx: ManagedTransaction) -> list[Row]:
            return [{k: _plain(v) for k, v in r.items()} for r in tx.run(cypher_text, params or {})]

        if timeout_ms is not None:
            work = unit_of_work(timeout=timeout_ms / 1000)(work)
        with self._driver.session(database=self.database, default_access_mode=READ_ACCESS) as session:
            try:
                return session.execute_read(work)
            except ClientError as exc:
                if "AccessMode" in (exc.code or "") or "read access mode" in str(exc):
                    raise ReadOnlyViolation(str(exc)) from exc
                if "TransactionTimedOut" in (exc.code or ""):
                    raise QueryTimeout(str(exc)) from exc
                raise

    def search_text(self, label: str, terms: list[SearchTerm], limit: int,
                    timeout_ms: int | None = None) -> list[Row]:
        query = " ".join(_MODES[t.mode].format(t.word.lower()) for t in check_terms(terms))
        return self.read(fulltext_query(label).text, {"query": query, "limit": limit}, timeout_ms)

    def shortest_paths(self, source: tuple[str, str], target: tuple[str, str], max_hops: int, limit: int,
                       timeout_ms: int | None = None) -> list[Row]:
        ends = []
        for label, node_id in (source, target):
            rows = self.read(element_id(label).text, {"id": node_id}, timeout_ms)
            if not rows:
                return []
            ends.append(rows[0]["eid"])
        params = {"source": ends[0], "target": ends[1], "limit": int(limit)}
        return self.read(shortest_paths_query(int(max_hops)).text, params, timeout_ms)

    def clear(self) -> None:
        with self._driver.session(database=self.database) as session:
            session.run(CLEAR.text).consume()

    def close(self) -> None:
        self._driver.close()


def _plain(value: Any) -> Any:
    if isinstance(value, Node):
        return {"_labels": sorted(value.labels), **dict(value)}
    if isinstance(value, Relationship):
        return {"_type": value.type, **dict(value)}
    if isinstance(value, Path):
        return {"nodes": [_plain(n) for n in value.nodes], "edges": [_plain(r) for r in value.relationships]}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
