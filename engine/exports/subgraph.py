"""What an export holds: an entity's neighbourhood, a flag's evidence, or a public body's suppliers.

A :class:`Selection` says which; :func:`read_subgraph` reads it from the store (read-only,
through the statements of ``engine.graph.subgraph``) into a :class:`Subgraph` that every
format writes. Limits are explicit: a depth of at most 4 and at most ``max_nodes`` nodes;
when the limit cuts the selection, the subgraph says so and the manifest repeats it.

Never exported: the source records' ``Mention`` nodes (their facts are on the entities), the
declaration documents, Vínculo's operational state (subscriptions, deliveries, judgments),
whole OCDS releases, and any property whose name says it could hold a secret.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field

from engine.graph.cypher import Statement
from engine.graph.questions import PATH_HIDDEN_LABELS, path_types
from engine.graph.schema import schema
from engine.graph.store import GraphStore
from engine.graph.subgraph import FLAG, edges, edges_among, nodes

__all__ = ["Selection", "Subgraph", "Node", "Edge", "read_subgraph", "entity_labels", "locate"]

WITHHELD_PROPERTIES = ("release",)  # a whole OCDS release: the source file has it, the export would double
_SECRET = re.compile(r"password|secret|token|api_?key|webhook|credential", re.IGNORECASE)
BODY_TYPES = ("PART_OF", "BUYER_OF", "AWARDED", "SUPPLIES", "SANCTIONED")
MAX_DEPTH = 4


class Selection(BaseModel):
    """Which part of the graph to export."""

    kind: Literal["entity", "flag", "body"] = Field(description="an entity's neighbourhood, a flag's evidence, "
                                                                "or a public body's suppliers")
    id: str = Field(min_length=1, max_length=500, description="the entity, flag or public body id")
    depth: int = Field(default=1, ge=0, le=MAX_DEPTH, description="hops from the entity (entity selections only)")
    max_nodes: int = Field(default=2000, ge=1, le=50000, description="the export stops growing at this many nodes")


@dataclass
class Node:
    id: str
    label: str
    props: dict[str, Any]

    @property
    def name(self) -> str:
        for key in ("name", "title", "full", "program"):
            if self.props.get(key):
                return str(self.props[key])
        return self.id


@dataclass
class Edge:
    id: str
    type: str
    src: str
    dst: str
    props: dict[str, Any]


@dataclass
class Subgraph:
    selection: Selection
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: dict[str, Edge] = field(default_factory=dict)
    statements: dict[str, Statement] = field(default_factory=dict)
    truncated: bool = False
    notes: list[str] = field(default_factory=list)


def entity_labels() -> list[str]:
    """Labels an export may hold (and a flag may point at)."""
    return [label.name for label in schema().labels.values()
            if not label.operational and label.name not in PATH_HIDDEN_LABELS]


def _clean(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items()
            if v is not None and k not in WITHHELD_PROPERTIES and not _SECRET.search(k)}


class _Reader:
    def __init__(self, store: GraphStore, sub: Subgraph, timeout_ms: int | None = None):
        self.store, self.sub, self.timeout_ms = store, sub, timeout_ms

    def run(self, statement: Statement, params: dict[str, Any]) -> list[dict[str, Any]]:
        self.sub.statements.setdefault(statement.name, statement)
        return self.store.read(statement.text, params, timeout_ms=self.timeout_ms)

    def load_nodes(self, by_label: dict[str, set[str]]) -> list[Node]:
        found = []
        for label, ids in sorted(by_label.items()):
            if ids and label in entity_labels() + ["Flag"]:
                for row in self.run(nodes(label), {"ids": sorted(ids)}):
                    node = Node(row["id"], label, _clean(row["props"] or {}))
                    self.sub.nodes.setdefault(node.id, node)
                    found.append(node)
        return found

    def neighbours(self, by_label: dict[str, set[str]], types: list[str], direction: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for label, ids in sorted(by_label.items()):
            if ids:
                rows += self.run(edges(label, direction), {"ids": sorted(ids), "types": types})
        return [r for r in rows if r["other_label"] in entity_labels()]

    def induced(self, types: list[str]) -> None:
        """Every relationship of ``types`` between two nodes already in the subgraph."""
        among = sorted(self.sub.nodes)
        for label in sorted({n.label for n in self.sub.nodes.values()}):
            own = sorted(n.id for n in self.sub.nodes.values() if n.label == label)
            for i in range(0, len(own), 2000):
                for row in self.run(edges_among(label), {"ids": own[i:i + 2000], "types": types, "among": among}):
                    self.add_edge(row)

    def locate(self, ids: set[str]) -> dict[str, str]:
        """The label of each id that is a node of an exportable label (other ids are left out)."""
        found: dict[str, str] = {}
        for label in entity_labels():
            for row in self.run(nodes(label), {"ids": sorted(ids)}):
                found[row["id"]] = label
        return found

    def add_edge(self, row: dict[str, Any]) -> None:
        if row["src"] in self.sub.nodes and row["dst"] in self.sub.nodes:
            rel_id = row["id"] or f"{row['type']}:{row['src']}->{row['dst']}"
            self.sub.edges.setdefault(rel_id, Edge(rel_id, row["type"], row["src"], row["dst"],
                                                   _clean(row["props"] or {})))

    def admit(self, candidates: dict[str, str], why: str) -> dict[str, set[str]]:
        """Add nodes (id → label) up to the limit; the ones that do not fit are noted, not added."""
        room = self.sub.selection.max_nodes - len(self.sub.nodes)
        fresh = sorted(i for i in candidates if i not in self.sub.nodes)
        if len(fresh) > room:
            self.sub.truncated = True
            self.sub.notes.append(f"{why}: {len(fresh)} more node(s) found, {max(room, 0)} admitted "
                                  f"(max_nodes={self.sub.selection.max_nodes})")
            fresh = fresh[:max(room, 0)]
        by_label: dict[str, set[str]] = {}
        for node_id in fresh:
            by_label.setdefault(candidates[node_id], set()).add(node_id)
        self.load_nodes(by_label)
        return by_label


def locate(store: GraphStore, ids: set[str]) -> dict[str, str]:
    """The label of each id that is a node of an exportable label (ids that are not are left out)."""
    return _Reader(store, Subgraph(Selection(kind="entity", id="-"))).locate(ids)


def read_subgraph(store: GraphStore, selection: Selection, timeout_ms: int | None = None) -> Subgraph:
    """Read the selected part of the graph; each statement stopped by the server after ``timeout_ms``."""
    sub = Subgraph(selection)
    reader = _Reader(store, sub, timeout_ms)
    {"entity": _entity, "flag": _flag, "body": _body}[selection.kind](reader)
    return sub


def _seed(reader: _Reader, labels: list[str]) -> Node:
    wanted = reader.sub.selection.id
    label = reader.locate({wanted}).get(wanted)
    if label not in labels:
        raise LookupError(f"no {'entity' if len(labels) > 1 else labels[0]} with id {wanted!r}")
    return reader.load_nodes({label: {wanted}})[0]


def _entity(reader: _Reader) -> None:
    seed = _seed(reader, entity_labels())
    types = path_types()
    frontier = {seed.label: {seed.id}}
    for hop in range(reader.sub.selection.depth):
        rows = reader.neighbours(frontier, types, "out") + reader.neighbours(frontier, types, "in")
        candidates = {r["other"]: r["other_label"] for r in rows}
        frontier = reader.admit(candidates, f"hop {hop + 1}")
        if reader.sub.truncated or not frontier:
            break
    reader.induced(types)


def _body(reader: _Reader) -> None:
    seed = _seed(reader, ["PublicBody"])
    bodies = {"PublicBody": {seed.id}}
    for level in range(5):  # the body's units, and their units
        rows = reader.neighbours(bodies, ["PART_OF"], "in")
        bodies = reader.admit({r["other"]: r["other_label"] for r in rows}, f"units, level {level + 1}")
        if not bodies:
            break
    every_body = {"PublicBody": {n.id for n in reader.sub.nodes.values() if n.label == "PublicBody"}}
    plan = [(every_body, "BUYER_OF", "out", "processes"), (None, "AWARDED", "out", "contracts and awards"),
            (None, "SUPPLIES", "in", "suppliers"), (None, "SANCTIONED", "in", "sanctions on suppliers")]
    step: dict[str, set[str]] = every_body
    for start, rel_type, direction, why in plan:
        rows = reader.neighbours(start or step, [rel_type], direction)
        step = reader.admit({r["other"]: r["other_label"] for r in rows}, why)
        if reader.sub.truncated:
            break
    reader.induced(list(BODY_TYPES))


def _evidence_ids(value: Any) -> set[str]:
    """Every string inside a flag's evidence (a few are node ids: the path, contracts, processes)."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*(_evidence_ids(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_evidence_ids(v) for v in value)) if value else set()
    return set()


def _flag(reader: _Reader) -> None:
    rows = reader.run(FLAG, {"id": reader.sub.selection.id})
    if not rows or not rows[0]["flag"]:
        raise LookupError(f"no flag with id {reader.sub.selection.id!r}")
    flag = Node(reader.sub.selection.id, "Flag", _clean(rows[0]["flag"]))
    reader.sub.nodes[flag.id] = flag
    concerns = [c for c in rows[0]["concerns"] if c.get("id")]
    evidence = flag.props.get("evidence")
    try:
        parsed = json.loads(evidence) if isinstance(evidence, str) else evidence
    except json.JSONDecodeError:
        parsed = None
    ids = _evidence_ids(parsed) | {c["id"] for c in concerns}
    reader.admit(reader.locate(ids), "evidence")
    # a contract or award on the path: the process that awarded it and its buyer, so the path reads through
    awards = {label: {n.id for n in reader.sub.nodes.values() if n.label == label} for label in ("Contract", "Award")}
    processes = reader.admit({r["other"]: r["other_label"] for r in reader.neighbours(awards, ["AWARDED"], "in")},
                             "processes of the contracts")
    if processes:
        reader.admit({r["other"]: r["other_label"] for r in reader.neighbours(processes, ["BUYER_OF"], "in")},
                     "buyers of the processes")
    for c in concerns:
        reader.add_edge({"id": c.get("rel"), "type": "CONCERNS", "src": flag.id, "dst": c["id"],
                         "props": c.get("props") or {}})
    reader.induced(path_types())
