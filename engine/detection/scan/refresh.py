"""Bring a :class:`~engine.detection.scan.compact.CompactGraph` up to date with what was written since a
moment, reading only that.

The records written since then are named by their mentions (``Mention.written_at``); what each record
wrote is the relationships carrying its provenance, reached from its entities in up to three hops
(:mod:`engine.graph.scanning`). Each pair of nodes such a relationship joins is read again whole (all
its parallel relationships: one per declaration), and so are the columns of every node involved.
Entities that changed otherwise — merged, split (``graph.changes``) — are read again with every
relationship they have. Records only add and update facts; only merges remove them.

The result, a :class:`Delta`, says which relationships and nodes changed: what an incremental scan
re-checks the findings of.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.detection.scan.compact import CompactGraph
from engine.graph.export import DETECTION_RELS, NODE_COLUMNS, PAIRS_ONLY, REL_COLUMNS, in_edges, out_edges
from engine.graph.scanning import (
    ENTITIES_WRITTEN_SINCE,
    RECORDS_WRITTEN_SINCE,
    nodes_by_id,
    pair_edges,
    record_edges_from,
)
from engine.graph.schema import schema
from engine.graph.store import GraphStore

RESOLVED = ("Person", "Company", "PublicBody")  # what mentions resolve to; the rest hangs off them
HOPS = 3


@dataclass
class Delta:
    """What a refresh changed: relationships between pairs of nodes, and nodes."""

    edges: set[tuple[str, int, int]] = field(default_factory=set)  # (type, src, dst) whose relationships changed
    nodes: set[int] = field(default_factory=set)  # new, or columns changed
    entities: int = 0  # entities the records named, or changes named
    relationships_read: int = 0
    seconds: float = 0.0


Pair = tuple[str, str, str, str]  # src, src label, dst, dst label


def refresh(graph: CompactGraph, store: GraphStore, since: str | None,
            entities: Iterable[tuple[str, str]] = ()) -> Delta:
    """Read what the records written at or after ``since`` wrote (nothing when None), and every
    relationship of ``entities`` ((label, id): merged or split), into ``graph``."""
    started = time.perf_counter()
    delta = Delta()
    pairs: dict[str, set[Pair]] = {t: set() for t in DETECTION_RELS}
    columns_of: dict[str, set[str]] = {label: set() for label in NODE_COLUMNS}
    if since is not None:
        _record_pairs(store, since, pairs)
        for row in _rows(store.columns(ENTITIES_WRITTEN_SINCE, {"since": since})):
            if row["label"] in columns_of:
                columns_of[row["label"]].add(row["id"])
    whole: dict[str, set[str]] = {}
    for label, node_id in entities:
        if label in NODE_COLUMNS:
            whole.setdefault(label, set()).add(node_id)
            columns_of[label].add(node_id)
    incident = _incident(store, whole)
    for rel_type, found in incident.items():
        for pair, _ in found:
            pairs[rel_type].add(pair)
    for joined in pairs.values():
        for src, src_label, dst, dst_label in joined:
            for node_id, label in ((src, src_label), (dst, dst_label)):
                if label in columns_of:
                    columns_of[label].add(node_id)
    delta.entities = sum(len(ids) for ids in columns_of.values())
    _columns(graph, store, columns_of, delta)
    whole_nodes = {graph.index[i] for ids in whole.values() for i in ids if i in graph.index}
    for rel_type in DETECTION_RELS:
        fresh = _fresh_edges(store, rel_type, pairs[rel_type], incident.get(rel_type, []))
        delta.relationships_read += sum(len(v) for v in fresh.values())
        _apply(graph, rel_type, fresh, whole_nodes, delta)
    delta.seconds = time.perf_counter() - started
    return delta


def _rows(columns: dict[str, list[Any]]) -> list[dict[str, Any]]:
    names = list(columns)
    return [dict(zip(names, values, strict=True)) for values in zip(*columns.values(), strict=True)]


def _record_pairs(store: GraphStore, since: str, pairs: dict[str, set[Pair]]) -> None:
    """The pairs of nodes the records written since ``since`` joined, hop by hop from their entities."""
    types = list(DETECTION_RELS)
    rows = _rows(store.columns(RECORDS_WRITTEN_SINCE, {"since": since, "types": types}))
    seen: set[tuple[str, str, str]] = set()
    for _ in range(HOPS):
        further: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            if row["type"] not in pairs or row["src_label"] not in NODE_COLUMNS or row["dst_label"] not in NODE_COLUMNS:
                continue
            pairs[row["type"]].add((row["src"], row["src_label"], row["dst"], row["dst_label"]))
            for node_id, label in ((row["src"], row["src_label"]), (row["dst"], row["dst_label"])):
                key = (node_id, row["record_id"], row["source"])
                if label not in RESOLVED and key not in seen:  # what hangs off the entities: follow it
                    seen.add(key)
                    further.setdefault(label, []).append(
                        {"id": node_id, "record_id": row["record_id"], "source": row["source"]})
        rows = [row for label, items in further.items()
                for row in _rows(store.columns(record_edges_from(label), {"rows": items, "types": types}))]
        if not rows:
            return


def _incident(store: GraphStore, nodes: dict[str, set[str]]) -> dict[str, list[tuple[Pair, dict[str, Any]]]]:
    """Every relationship of a detection type at ``nodes``, both ways: (pair, columns)."""
    out: dict[str, list[tuple[Pair, dict[str, Any]]]] = {}
    for label, ids in nodes.items():
        for rel_type in DETECTION_RELS:
            rel = schema().relationships[rel_type]
            statements = ([out_edges(label, rel_type)] if label in rel.sources else []) + (
                [in_edges(label, rel_type)] if label in rel.targets else [])
            for statement in statements:
                for row in _rows(store.columns(statement, {"ids": sorted(ids)})):
                    if row["src_label"] in NODE_COLUMNS and row["dst_label"] in NODE_COLUMNS:
                        out.setdefault(rel_type, []).append(
                            ((row["src"], row["src_label"], row["dst"], row["dst_label"]),
                             {c: row.get(c) for c in REL_COLUMNS[rel_type]}))
    return out


def _columns(graph: CompactGraph, store: GraphStore, ids: dict[str, set[str]], delta: Delta) -> None:
    """Read the columns of these nodes; add the new ones, note those that changed."""
    new: list[tuple[str, str, dict[str, Any]]] = []
    for label, wanted in ids.items():
        if not wanted:
            continue
        for row in _rows(store.columns(nodes_by_id(label), {"ids": sorted(wanted)})):
            number = graph.index.get(row["id"])
            if number is None:
                new.append((row["id"], label, row))
            elif graph.label(number) == label and graph.set_columns(number, row):
                delta.nodes.add(number)
    delta.nodes.update(graph.add_nodes(new))


def _fresh_edges(store: GraphStore, rel_type: str, pairs: set[Pair],
                 incident: list[tuple[Pair, dict[str, Any]]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """The relationships of ``rel_type`` now between each pair: (src, dst) -> their columns."""
    fresh: dict[tuple[str, str], list[dict[str, Any]]] = {}
    if rel_type in PAIRS_ONLY:  # the rows that named a pair are proof enough that it is joined
        for src, _, dst, _ in pairs:
            fresh[(src, dst)] = [{}]
        return fresh
    for pair, columns in incident:  # read whole already
        fresh.setdefault((pair[0], pair[2]), []).append(columns)
    by_labels: dict[tuple[str, str], list[dict[str, str]]] = {}
    for src, src_label, dst, dst_label in pairs:
        if (src, dst) not in fresh:
            by_labels.setdefault((src_label, dst_label), []).append({"src": src, "dst": dst})
    for (src_label, dst_label), wanted in by_labels.items():
        if dst_label not in schema().relationships[rel_type].targets:
            continue
        for row in _rows(store.columns(pair_edges(rel_type, src_label, dst_label), {"pairs": wanted})):
            fresh.setdefault((row["src"], row["dst"]), []).append({c: row[c] for c in REL_COLUMNS[rel_type]})
    return fresh


def _apply(graph: CompactGraph, rel_type: str, fresh: dict[tuple[str, str], list[dict[str, Any]]],
           whole: set[int], delta: Delta) -> None:
    """Replace the relationships of ``rel_type`` between the pairs read (and at the nodes read whole)."""
    rel = graph.rels[rel_type]
    index = graph.index
    wanted = {(index[s], index[d]) for s, d in fresh if s in index and d in index}
    if not wanted and not whole:
        return
    n = len(graph)
    codes = np.fromiter((s * n + d for s, d in wanted), dtype=np.int64, count=len(wanted))
    existing = rel.src * n + rel.dst
    drop = np.isin(existing, codes)
    if whole:
        mark = np.zeros(n, dtype=bool)
        mark[list(whole)] = True
        drop |= mark[rel.src] | mark[rel.dst]
    before: dict[tuple[int, int], Counter[str]] = {}
    for e in np.flatnonzero(drop).tolist():
        key = (int(rel.src[e]), int(rel.dst[e]))
        before.setdefault(key, Counter())[repr(sorted(rel.data(e).items()))] += 1
    add: list[tuple[int, int, dict[str, Any]]] = []
    after: dict[tuple[int, int], Counter[str]] = {}
    for (s, d), rows in fresh.items():
        if s not in index or d not in index:
            continue
        key = (index[s], index[d])
        for columns in rows:
            add.append((key[0], key[1], columns))
            data = {"type": rel_type, **{c: v for c, v in columns.items() if v is not None}}
            after.setdefault(key, Counter())[repr(sorted(data.items()))] += 1
    if rel_type in PAIRS_ONLY:  # a pair once, however many rows named it
        add = list({(s, d): (s, d, c) for s, d, c in add}.values())
        after = {key: Counter({k: 1 for k in counter}) for key, counter in after.items()}
        before = {key: Counter({k: 1 for k in counter}) for key, counter in before.items()}
    changed = [key for key in set(before) | set(after) if before.get(key) != after.get(key)]
    for key in changed:
        delta.edges.add((rel_type, *key))
    if changed:
        graph.update_relationships(rel_type, drop, add)
