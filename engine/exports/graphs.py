"""GraphML and GEXF, for Gephi (and anything NetworkX, yEd or Cytoscape read).

Nodes keep their Vínculo id; ``label`` is the name Gephi shows and ``kind`` the graph label
(Person, Company…). Relationships keep their id as the edge key, their type as ``label`` and
``relationship``. Lists and maps become JSON text (neither format has them), and an attribute
whose values have different types across elements becomes text everywhere, since both
formats declare one type per attribute. ``start``/``end`` become ``start_date``/``end_date``:
GEXF reads ``start``/``end`` as the time spells of a dynamic graph. The manifest travels as
graph attributes as well as beside the file.
"""

from __future__ import annotations

import io
import json
from typing import Any

import networkx as nx

from engine.exports.subgraph import Subgraph

__all__ = ["to_networkx", "graphml", "gexf"]

_RENAMED = {"start": "start_date", "end": "end_date", "id": "vinculo_id", "label": "vinculo_label",
            "type": "vinculo_type", "kind": "vinculo_kind", "relationship": "vinculo_relationship"}


def _value(value: Any) -> Any:
    if isinstance(value, bool | int | float | str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _attrs(props: dict[str, Any]) -> dict[str, Any]:
    return {_RENAMED.get(k, k): _value(v) for k, v in props.items() if v is not None}


def _one_type_per_attribute(items: list[dict[str, Any]]) -> None:
    kinds: dict[str, set[type]] = {}
    for attrs in items:
        for key, value in attrs.items():
            kinds.setdefault(key, set()).add(float if isinstance(value, int) and not isinstance(value, bool)
                                              else type(value))
    mixed = {key for key, types in kinds.items() if len(types) > 1}
    for attrs in items:
        for key in mixed & set(attrs):
            attrs[key] = str(attrs[key])
        for key, value in attrs.items():  # ints and floats of one attribute: all floats
            if key not in mixed and float in kinds[key] and isinstance(value, int) and not isinstance(value, bool):
                attrs[key] = float(value)


def to_networkx(sub: Subgraph, manifest_json: str) -> nx.MultiDiGraph:
    nodes = sorted(sub.nodes.values(), key=lambda n: n.id)
    edges = sorted(sub.edges.values(), key=lambda e: e.id)
    node_attrs = [{**_attrs(n.props), "label": n.name, "kind": n.label} for n in nodes]
    edge_attrs = [{**_attrs(e.props), "label": e.type, "relationship": e.type} for e in edges]
    _one_type_per_attribute(node_attrs)
    _one_type_per_attribute(edge_attrs)
    graph = nx.MultiDiGraph()
    for node, attrs in zip(nodes, node_attrs, strict=True):
        graph.add_node(node.id, **attrs)
    for edge, attrs in zip(edges, edge_attrs, strict=True):
        graph.add_edge(edge.src, edge.dst, key=edge.id, **attrs)
    graph.graph["vinculo_manifest"] = manifest_json
    graph.graph["selection"] = f"{sub.selection.kind} {sub.selection.id}"
    return graph


def graphml(sub: Subgraph, manifest_json: str) -> bytes:
    out = io.BytesIO()
    nx.write_graphml(to_networkx(sub, manifest_json), out, encoding="utf-8", named_key_ids=True)
    return out.getvalue()


def gexf(sub: Subgraph, manifest_json: str) -> bytes:
    graph = to_networkx(sub, manifest_json)
    # GEXF has no graph attributes, only meta: the manifest goes beside the file
    graph.graph = {"mode": "static"}
    for *_, key, data in graph.edges(keys=True, data=True):
        data["id"] = key  # the GEXF edge id (Gephi's Id column) is the relationship's id
    out = io.BytesIO()
    nx.write_gexf(graph, out, encoding="utf-8")
    return out.getvalue()
