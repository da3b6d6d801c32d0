"""The journalists' questions: the queries of the Neo4j Browser kit, asked of any backend.

The kit's ``browser/queries.cypher`` is the one source of their text: Neo4j Browser runs it as
it is, the linter checks it, and :func:`ask` sends the same text to the configured store. A
question written in Neo4j-only Cypher (``@dialect neo4j``: an undirected ``shortestPath``,
which FalkorDB runs only directed and only in WITH/RETURN) has a FalkorDB twin here that must
answer the same; the tests hold both to the same answers on the demo data.

Every question runs through :meth:`GraphStore.read`, so a question can never write.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from engine.graph.cypher import Statement
from engine.graph.schema import schema
from engine.graph.store import GraphStore, Row

__all__ = ["Question", "QuestionError", "ask", "kit_dir", "questions", "statements", "PATH_HIDDEN_LABELS"]

# Labels a path between two entities never goes through: a source record's view of an entity,
# Vínculo's own findings, and the declaration documents (their facts are on the relationships).
PATH_HIDDEN_LABELS = ("Mention", "Flag", "Declaration")
_HEADER = re.compile(r"^// @(?P<key>[\w.-]+)(?: (?P<value>.*))?$")


def kit_dir() -> Path:
    """The Neo4j Browser kit: ``browser/`` in a checkout, ``<prefix>/share/vinculo/browser`` installed."""
    checkout, installed = Path(__file__).resolve().parents[2], Path(sys.prefix) / "share" / "vinculo"
    for candidate in (checkout / "browser", installed / "browser"):
        if (candidate / "queries.cypher").is_file():
            return candidate
    raise FileNotFoundError("the Neo4j Browser kit (browser/queries.cypher) is not installed")


class QuestionError(ValueError):
    """A question that does not exist, or parameters it does not take."""


@dataclass(frozen=True)
class Question:
    """One query of the kit, with what the guide says about it."""

    name: str
    text: str
    params: dict[str, Any]  # name -> the example value, whose type the parameter must have
    titles: dict[str, str] = field(default_factory=dict)
    about: dict[str, str] = field(default_factory=dict)
    dialect: str = "portable"  # "portable": FalkorDB runs the same text; "neo4j": FalkorDB runs the twin
    browser_only: bool = False  # a Browser command (the schema view), not a question Vínculo answers

    def statement(self) -> Statement:
        return Statement(f"kit[{self.name}]", self.text, tuple(self.params))

    def param_lines(self) -> list[str]:
        """The Browser commands that set this question's parameters to their examples."""
        return [f":param {name} => {_cypher_literal(value)}" for name, value in self.params.items()]


def _cypher_literal(value: Any) -> str:
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    raise QuestionError(f"unsupported example parameter {value!r}")


def parse_kit(text: str) -> dict[str, Question]:
    """Parse ``queries.cypher``: blocks of ``// @key value`` headers, each followed by one statement ending in ``;``."""
    out: dict[str, Question] = {}
    for block in re.split(r"\n(?=// @name )", "\n" + text)[1:]:
        headers: dict[str, str] = {}
        params: dict[str, Any] = {}
        body: list[str] = []
        for line in block.strip().splitlines():
            match = _HEADER.match(line)
            if match and not body:
                key, value = match["key"], (match["value"] or "").strip()
                if key == "param":
                    name, _, raw = value.partition(" ")
                    params[name] = json.loads(raw)
                else:
                    headers[key] = value
            elif not line.startswith("//"):
                body.append(line)
        statement = "\n".join(body).strip()
        if not statement.endswith(";"):
            raise QuestionError(f"kit query {headers.get('name')!r} does not end with ';'")
        name = headers["name"]
        dialect = headers.get("dialect", "portable")
        if dialect not in ("portable", "neo4j") or name in out:
            raise QuestionError(f"kit query {name!r}: bad dialect {dialect!r} or duplicate name")
        out[name] = Question(
            name, statement[:-1].strip(), params,
            titles={k.split(".", 1)[1]: v for k, v in headers.items() if k.startswith("title.")},
            about={k.split(".", 1)[1]: v for k, v in headers.items() if k.startswith("about.")},
            dialect=dialect, browser_only="browser-only" in headers,
        )
    return out


@cache
def questions() -> dict[str, Question]:
    return parse_kit((kit_dir() / "queries.cypher").read_text(encoding="utf-8"))


def path_types() -> list[str]:
    """Relationship types a path between entities may follow: none that touches a hidden label."""
    return sorted(
        rel.name for rel in schema().relationships.values()
        if not set(rel.sources + rel.targets) & set(PATH_HIDDEN_LABELS)
    )


# FalkorDB twins of the Neo4j-only questions. FalkorDB's algo.SPpaths finds shortest paths in
# either direction over the types it is given; the types that reach a hidden label are left out,
# which is what the Browser query's none(n IN nodes(path) WHERE …) says.
_ENDS = """MATCH (a)
WHERE (a:Person OR a:Company OR a:PublicBody)
  AND (a.id = $from OR a.rfc = toUpper($from) OR toLower(a.name) CONTAINS toLower($from))
MATCH (b)
WHERE (b:Person OR b:Company OR b:PublicBody) AND b <> a
  AND (b.id = $to OR b.rfc = toUpper($to) OR toLower(b.name) CONTAINS toLower($to))"""
FALKORDB_TWINS: dict[str, Statement] = {
    "shortest_path": Statement(
        "kit-falkordb[shortest_path]",
        _ENDS + """
CALL algo.SPpaths({sourceNode: a, targetNode: b, relTypes: $types, relDirection: 'both', maxLen: 8, pathCount: 1})
YIELD path
RETURN path, a.name AS from, b.name AS to, length(path) AS hops,
       [n IN nodes(path) | coalesce(n.name, n.title, n.id)] AS via,
       [r IN relationships(path) | type(r)] AS ties
ORDER BY hops, from, to
LIMIT 10""",
        ("from", "to", "types"),
    ),
}


def _checked(question: Question, params: dict[str, Any]) -> dict[str, Any]:
    if set(params) != set(question.params):
        raise QuestionError(f"question {question.name!r} takes {sorted(question.params)}, got {sorted(params)}")
    for name, value in params.items():
        example = question.params[name]
        if isinstance(example, bool) or type(value) is not type(example):
            raise QuestionError(f"{question.name}: parameter {name!r} must be a {type(example).__name__}")
        if name == "depth" and not 1 <= value <= 6:
            raise QuestionError(f"{question.name}: depth must be between 1 and 6")
    return dict(params)


def ask(store: GraphStore, name: str, params: dict[str, Any]) -> list[Row]:
    """Ask one of the kit's questions of ``store``, read-only, on either backend."""
    question = questions().get(name)
    if question is None or question.browser_only:
        raise QuestionError(f"no question {name!r}; known: {', '.join(answerable())}")
    values = _checked(question, params)
    if store.backend == "falkordb" and question.dialect == "neo4j":
        twin = FALKORDB_TWINS[name]
        if name == "shortest_path":
            values["types"] = path_types()
        return store.read(twin.text, values)
    return store.read(question.text, values)


def answerable() -> list[str]:
    """The questions :func:`ask` answers (everything but Browser commands)."""
    return [q.name for q in questions().values() if not q.browser_only]


def statements() -> list[Statement]:
    """Every kit query, as Neo4j runs it (for the linter)."""
    return [q.statement() for q in questions().values()]
