"""What the workspace shows of the graph: an entity's profile, its neighbourhood for drawing,
the shortest paths between two entities. Generic over the schema: a label or relationship
type added to ``schema.toml`` shows up without a change here."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from engine.graph import workspace
from engine.graph.merge import redirects
from engine.graph.store import GraphStore

# How relationship types are grouped on a profile; a type not listed is shown under "relations".
SECTIONS = {
    "HOLDS_POSITION": "positions", "OWNS": "holdings", "DIRECTS": "holdings", "REPRESENTS": "holdings",
    "SUPPLIES": "contracts", "TENDERED": "contracts", "AWARDED": "contracts", "BUYER_OF": "contracts",
    "SANCTIONED": "sanctions", "CONCERNS": "flags", "FAMILY_OF": "family",
}


class NotFound(LookupError):
    """No node with that id."""


def clean(props: dict[str, Any] | None) -> dict[str, Any]:
    """Drop unset properties; JSON text stored for nested values is read back."""
    out = {}
    for key, value in (props or {}).items():
        if value is None:
            continue
        if isinstance(value, str) and value[:1] in "{[" and key in ("identifiers", "props", "evidence"):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                pass
        out[key] = value
    return out


def node_out(node: dict[str, Any]) -> dict[str, Any]:
    return {"id": node["id"], "label": node["label"], "name": node.get("name"), "props": clean(node.get("props"))}


def find_nodes(store: GraphStore, ids: list[str], timeout_ms: int) -> dict[str, dict[str, Any]]:
    if not ids:
        return {}
    rows = store.read(workspace.nodes_by_ids().text, {"ids": list(ids)}, timeout_ms)
    return {r["id"]: node_out(r["node"]) for r in rows}


def locate(store: GraphStore, entity_id: str, timeout_ms: int) -> tuple[dict[str, Any], str | None]:
    """The node with ``entity_id``, following a merge to where it lives now."""
    found = find_nodes(store, [entity_id], timeout_ms)
    if entity_id in found:
        return found[entity_id], None
    moved = redirects(store, [entity_id]).get(entity_id)
    if moved:
        found = find_nodes(store, [moved], timeout_ms)
        if moved in found:
            return found[moved], entity_id
    raise NotFound(f"no entity with id {entity_id!r}")


def profile(store: GraphStore, entity_id: str, per_type: int, timeout_ms: int) -> dict[str, Any]:
    """Names and identifiers as every source gave them, and the entity's relationships by section."""
    node, redirected = locate(store, entity_id, timeout_ms)
    label = node["label"]
    mentions: dict[str, Any] = {"total": 0, "items": []}
    if label in workspace.entity_labels():
        rows = store.read(workspace.entity_mentions(label).text, {"id": node["id"], "limit": per_type}, timeout_ms)
        if rows:
            mentions = {"total": rows[0]["total"], "items": [clean(m) for m in rows[0]["items"]]}
    sections: dict[str, list[dict[str, Any]]] = {}
    rows = store.read(workspace.entity_relations(label).text,
                      {"id": node["id"], "hidden": workspace.hidden_labels(), "limit": per_type}, timeout_ms)
    for row in rows:
        sections.setdefault(SECTIONS.get(row["type"], "relations"), []).append({
            "type": row["type"], "direction": "out" if row["outgoing"] else "in", "total": row["total"],
            "shown": len(row["items"]),
            "items": [{"id": i["id"], "props": clean(i["props"]), "node": node_out(i["node"])} for i in row["items"]],
        })
    names = sorted({m["name"] for m in mentions["items"] if m.get("name")}
                   | ({node["name"]} if node["name"] else set()))
    identifiers: dict[str, set[str]] = {}
    for m in mentions["items"]:
        for scheme, value in (m.get("identifiers") or {}).items():
            identifiers.setdefault(scheme, set()).add(str(value))
    for prop in workspace.IDENTIFIER_PROPS:
        if node["props"].get(prop):
            identifiers.setdefault(prop, set()).add(str(node["props"][prop]))
    return {"entity": node, "redirected_from": redirected, "names": names,
            "identifiers": {k: sorted(v) for k, v in identifiers.items()},
            "mentions": mentions, "sections": sections}


@dataclass
class Subgraph:
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    edges: dict[str, dict[str, Any]] = field(default_factory=dict)
    more: list[dict[str, Any]] = field(default_factory=list)
    truncated: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"nodes": list(self.nodes.values()), "edges": list(self.edges.values()), "more": self.more,
                "truncated": self.truncated}


def _edge(rel_id: str, rel_type: str, source: str, target: str, props: dict[str, Any]) -> dict[str, Any]:
    return {"id": rel_id or f"{rel_type}:{source}->{target}", "type": rel_type, "source": source, "target": target,
            "props": clean(props)}


def neighbourhood(store: GraphStore, entity_id: str, depth: int, max_nodes: int, per_node: int,
                  timeout_ms: int) -> dict[str, Any]:
    """Breadth-first up to ``depth`` hops, at most ``per_node`` neighbours per node, type and
    direction (the rest summarised as "and N more"), at most ``max_nodes`` nodes in all."""
    start, _ = locate(store, entity_id, timeout_ms)
    graph = Subgraph({start["id"]: {**start, "depth": 0}})
    frontier = {start["id"]: start["label"]}
    hidden = workspace.hidden_labels()
    for level in range(1, depth + 1):
        by_label: dict[str, list[str]] = {}
        for node_id, label in frontier.items():
            by_label.setdefault(label, []).append(node_id)
        following: dict[str, str] = {}
        for label, ids in sorted(by_label.items()):
            rows = store.read(workspace.expand(label).text, {"ids": ids, "hidden": hidden, "per_node": per_node},
                              timeout_ms)
            for row in rows:
                for item in row["items"]:
                    other = node_out(item["node"])
                    if other["id"] not in graph.nodes:
                        if len(graph.nodes) >= max_nodes:
                            graph.truncated = True
                            continue
                        graph.nodes[other["id"]] = {**other, "depth": level}
                        following[other["id"]] = other["label"]
                    src, dst = (row["id"], other["id"]) if row["outgoing"] else (other["id"], row["id"])
                    graph.edges.setdefault(item["id"], _edge(item["id"], row["type"], src, dst, item["props"]))
                if row["total"] > len(row["items"]):
                    graph.more.append({"node": row["id"], "type": row["type"],
                                       "direction": "out" if row["outgoing"] else "in",
                                       "shown": len(row["items"]), "more": row["total"] - len(row["items"])})
        frontier = following
        if not frontier:
            break
    return {"root": start["id"], "depth": depth, **graph.as_dict()}


def paths(store: GraphStore, source_id: str, target_id: str, max_hops: int, limit: int,
          timeout_ms: int) -> dict[str, Any]:
    """The shortest paths between two entities, each edge with its dates and source."""
    source, _ = locate(store, source_id, timeout_ms)
    target, _ = locate(store, target_id, timeout_ms)
    rows = store.shortest_paths((source["label"], source["id"]), (target["label"], target["id"]), max_hops, limit,
                                timeout_ms)
    found: list[dict[str, Any]] = []
    for row in rows:
        nodes = [node_out(n) for n in row["nodes"]]
        edges = [_edge(e["id"], e["type"], e["source"], e["target"], e["props"]) for e in row["edges"]]
        found.append({"length": len(edges), "nodes": nodes, "edges": edges})
    found.sort(key=lambda p: int(p["length"]))
    return {"from": node_out(source), "to": node_out(target), "max": max_hops, "paths": found[:limit]}


def evidence_graph(store: GraphStore, path: list[str], extra: list[str], max_nodes: int,
                   timeout_ms: int) -> dict[str, Any]:
    """A flag's evidence drawn: the path's nodes and the other nodes the evidence names, the
    relationships among them, and for each step of the path the relationships (with their
    source records) that support it — or the shortest path between the two, if not adjacent."""
    ids = list(dict.fromkeys([*path, *extra]))[:max_nodes]
    nodes = find_nodes(store, ids, timeout_ms)
    graph = Subgraph({i: nodes[i] for i in ids if i in nodes})
    by_label: dict[str, list[str]] = {}
    for node in graph.nodes.values():
        by_label.setdefault(node["label"], []).append(node["id"])
    for label in by_label:
        for r in store.read(workspace.edges_among(label).text, {"ids": list(graph.nodes)}, timeout_ms):
            graph.edges.setdefault(r["id"], _edge(r["id"], r["type"], r["source"], r["target"], r["props"]))
    steps = []
    known = [i for i in path if i in graph.nodes]
    for a, b in zip(known, known[1:], strict=False):
        direct = [e for e in graph.edges.values() if {e["source"], e["target"]} == {a, b}]
        step: dict[str, Any] = {"from": a, "to": b, "edges": direct}
        if not direct:
            via = store.shortest_paths((graph.nodes[a]["label"], a), (graph.nodes[b]["label"], b), 4, 1, timeout_ms)
            if via:
                for n in via[0]["nodes"]:
                    graph.nodes.setdefault(n["id"], node_out(n))
                linked = [_edge(e["id"], e["type"], e["source"], e["target"], e["props"]) for e in via[0]["edges"]]
                for e in linked:
                    graph.edges.setdefault(e["id"], e)
                step.update(edges=linked, via=[n["id"] for n in via[0]["nodes"][1:-1]])
        steps.append(step)
    return {"path": known, "steps": steps, **graph.as_dict()}

