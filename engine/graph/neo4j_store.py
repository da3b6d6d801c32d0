"""Neo4j 5 adapter: the official ``neo4j`` driver over Bolt.

A batch is written in one transaction. Schema statements are Neo4j's own
(``CREATE CONSTRAINT … IF NOT EXISTS``); every statement this adapter can send is listed
by :func:`statements` and checked by Neo4j's Cypher linter in the tests.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from neo4j import READ_ACCESS, GraphDatabase, ManagedTransaction
from neo4j.exceptions import ClientError
from neo4j.graph import Node, Path, Relationship

from engine.graph import cypher
from engine.graph.cypher import Statement
from engine.graph.model import GraphBatch
from engine.graph.schema import schema
from engine.graph.store import ReadOnlyViolation, Row


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
    return out


CLEAR = Statement("clear", "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS")


def statements() -> list[Statement]:
    """Every statement the Neo4j adapter can send on its own account."""
    from engine.graph import questions
    from engine.graph.export import export_statements
    from engine.graph.lookup import lookup_statements
    from engine.graph.merge import merge_statements
    from engine.graph.subgraph import subgraph_statements

    return (schema_statements() + cypher.portable_statements() + export_statements() + merge_statements()
            + subgraph_statements() + lookup_statements() + questions.statements() + [CLEAR])


class Neo4jStore:
    backend = "neo4j"

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
            raise ValueError(f"a Neo4j URI needs a host: {uri!r}")
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

    def run(self, statement: Statement, params: dict[str, Any] | None = None) -> list[Row]:
        with self._driver.session(database=self.database) as session:
            result = session.run(statement.text, params or {})
            return [{k: _plain(v) for k, v in record.items()} for record in result]

    def read(self, cypher_text: str, params: dict[str, Any] | None = None) -> list[Row]:
        with self._driver.session(database=self.database, default_access_mode=READ_ACCESS) as session:
            try:
                return session.execute_read(
                    lambda tx: [{k: _plain(v) for k, v in r.items()} for r in tx.run(cypher_text, params or {})]
                )
            except ClientError as exc:
                if "AccessMode" in (exc.code or "") or "read access mode" in str(exc):
                    raise ReadOnlyViolation(str(exc)) from exc
                raise

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
