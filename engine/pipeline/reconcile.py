"""The safety net behind concurrent workers: merge graph entities that one linker, seeing
every mention, puts together.

Workers resolve concurrently, each with its own copy of the index, so two of them can create
the same new entity at once. This job links every mention the graph holds again — with the
stream's own linker and evidence (names, identifiers, the keys sources assign, reviewers'
judgments) — in a deterministic order, in one fresh linker; graph entities it finds to be one
are merged (the one with an RFC or CURP id first, then the smallest id survives), never split,
and never two entities a reviewer said are not the same.
"""

from __future__ import annotations

import json
from typing import Any

from engine.entity_resolution.store import Judgment
from engine.graph import cypher
from engine.graph.merge import merge_into
from engine.graph.store import GraphStore
from engine.pipeline.linker import EntityLinker, mention_input

__all__ = ["reconcile_entities"]

PAGE = 20_000


def _mentions(store: GraphStore) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    while True:
        page = store.run(cypher.MENTIONS_WRITTEN_SINCE, {"since": "", "me": "", "skip": len(rows), "limit": PAGE})
        rows += page
        if len(page) < PAGE:
            break
    return sorted(rows, key=lambda r: r["mention"])  # an order that does not depend on which worker was first


def reconcile_entities(store: GraphStore) -> list[tuple[str, str, str]]:
    """Merge the people and companies one linker puts together; return (absorbed, survivor, label)."""
    fresh = EntityLinker(worker="reconcile")
    refused: set[frozenset[str]] = set()
    for row in store.run(cypher.JUDGMENTS_SINCE, {"at": "", "id": ""}):
        fresh.staged.put_judgment(Judgment(row["a"], row["b"], bool(row["same"]), row.get("author") or ""))
        if not row["same"]:
            refused.add(frozenset({row["a"], row["b"]}))
    owner: dict[str, tuple[str, str]] = {}  # mention -> (label, graph entity)
    by_key: dict[str, set[tuple[str, str]]] = {}  # a source key names one entity, named or not
    for row in _mentions(store):
        if row["label"] not in ("Person", "Company"):
            continue
        identifiers = json.loads(row["identifiers"]) if row.get("identifiers") else {}
        props = json.loads(row["props"]) if row.get("props") else {}
        graph_entity = (row["label"], row["entity"])
        owner[row["mention"]] = graph_entity
        if row.get("key"):
            by_key.setdefault(row["key"], set()).add(graph_entity)
        data = mention_input(row["mention"], row.get("schema") or row["label"], row.get("name"), identifiers, props)
        if data is not None:
            fresh.er.resolve(data)
    fresh.staged.commit()
    parent: dict[tuple[str, str], tuple[str, str]] = {}

    def find(x: tuple[str, str]) -> tuple[str, str]:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    groups: dict[str, list[tuple[str, str]]] = {}
    for mention, graph_entity in owner.items():
        entity = fresh.er.entity_of(mention)
        if entity is not None:
            groups.setdefault(entity, []).append(graph_entity)
    for members_ in [*groups.values(), *(list(v) for v in by_key.values())]:
        for other in members_[1:]:
            parent[find(other)] = find(members_[0])
    clusters: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for graph_entity in set(owner.values()):
        clusters.setdefault(find(graph_entity), set()).add(graph_entity)
    merges = []
    for members in clusters.values():
        if len(members) < 2:
            continue
        ordered = sorted(members, key=lambda o: (not o[1].startswith(("mx-rfc:", "mx-curp:")), o[1]))
        label, survivor = ordered[0]
        for other_label, other_id in ordered[1:]:
            if other_label != label or frozenset({survivor, other_id}) in refused:
                continue  # a reviewer said these two are not one: the reviewer decides
            merge_into(store, label, other_id, survivor)
            merges.append((other_id, survivor, label))
    if merges:
        store.sync()
    return merges
