"""The detection view of a whole graph in arrays, read from the store once.

Nodes are numbered in id order (:attr:`CompactGraph.ids`), each with a label and the columns
detection reads (:data:`~engine.graph.export.NODE_COLUMNS`). Each relationship type is a pair of
endpoint arrays with its columns, and two indexes over the nodes (CSR): ``out_start``/``out_edges``
and ``in_start``/``in_edges``. Neighbours are listed in id order and parallel relationships (one per
declaration) in relationship-id order, so a walk over the arrays meets them in an order that depends
only on the data — not on the order the store returned them, nor on how the arrays were built
(:meth:`CompactGraph.to_networkx` builds the same graph in the same order, for the reference tests).

A refresh (:meth:`CompactGraph.refresh`) replaces what the store now says about some entities: their
columns and every relationship that touches them; new nodes go at the end, ranked among the others
by id.
"""

from __future__ import annotations

import bisect
import gc
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import networkx as nx
import numpy as np

from engine.graph.export import DETECTION_RELS, NODE_COLUMNS, PAIRS_ONLY, REL_COLUMNS, BulkReader
from engine.graph.schema import schema
from engine.graph.store import GraphStore

log = logging.getLogger(__name__)
LABELS = tuple(NODE_COLUMNS)
T = TypeVar("T")


@dataclass
class Relationships:
    """One relationship type: the nodes at both ends, its columns, and the out- and in-index."""

    type: str
    src: np.ndarray
    dst: np.ndarray
    columns: dict[str, list[Any]]
    out_start: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))
    out_edges: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    in_start: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))
    in_edges: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def __len__(self) -> int:
        return len(self.src)

    def data(self, edge: int) -> dict[str, Any]:
        """The relationship as NetworkX holds it: its type and its non-null columns."""
        out: dict[str, Any] = {"type": self.type}
        for name, column in self.columns.items():
            value = column[edge]
            if value is not None:
                out[name] = value
        return out


class CompactGraph:
    """Nodes in id order with their columns; relationships by type, indexed both ways."""

    def __init__(self, ids: list[str], label_codes: np.ndarray, tables: dict[str, dict[str, list[Any]]],
                 rows: np.ndarray, rels: dict[str, Relationships]):
        self.ids = ids
        self.index = {node_id: i for i, node_id in enumerate(ids)}
        self.label_codes = label_codes
        self.tables = tables  # label -> column -> values, one row per node of the label
        self.rows = rows  # node -> its row in its label's table
        self.rels = rels
        self.rank = np.arange(len(ids), dtype=np.float64)  # the node's place in id order
        self._sorted_ids = list(ids)  # the ids numbered at build time, in order (refresh ranks new ones)
        self._added: dict[int, list[str]] = {}  # a gap in _sorted_ids -> new ids ranked inside it
        self.cache: dict[Any, Any] = {}  # what joins derive from the arrays; emptied by a refresh
        for rel in rels.values():
            self._index(rel)

    # -- reading -------------------------------------------------------------------------------
    @classmethod
    def read(cls, store: GraphStore, page: int = 50_000) -> CompactGraph:
        """What detection needs of the whole graph, read once: a statement per label, and per
        relationship type and source label a statement per ``page`` source nodes."""
        with no_cycles():
            return cls._read(store, page)

    @classmethod
    def _read(cls, store: GraphStore, page: int) -> CompactGraph:
        started = time.perf_counter()
        reader = BulkReader(store, page)
        raw = dict(zip(LABELS, _ahead(reader.nodes, [(label,) for label in LABELS]), strict=True))
        graph, node_of_key = cls._numbered(raw)
        pages = {label: reader.pages(raw[label]["key"]) for label in LABELS}
        del raw
        calls = [(rel_type, source, lo, hi) for rel_type in DETECTION_RELS
                 for source in schema().relationships[rel_type].sources if source in NODE_COLUMNS
                 for lo, hi in pages[source]]
        parts: dict[str, list[tuple[np.ndarray, np.ndarray, dict[str, list[Any]]]]] = {}
        for (rel_type, *_), page_columns in zip(calls, _ahead(reader.rel_page, calls), strict=True):
            src = node_of_key(page_columns.get("src", []))
            dst = node_of_key(page_columns.get("dst", []))
            keep = (src >= 0) & (dst >= 0)
            chosen = np.flatnonzero(keep).tolist()
            columns = {c: [page_columns[c][i] for i in chosen] for c in REL_COLUMNS[rel_type]}
            parts.setdefault(rel_type, []).append((src[keep], dst[keep], columns))
        graph._set_relationships({t: _concat(t, parts.get(t, [])) for t in DETECTION_RELS})
        log.info("read %d nodes and %d relationships in %.1f s", len(graph),
                 sum(len(r) for r in graph.rels.values()), time.perf_counter() - started)
        return graph

    @classmethod
    def _numbered(cls, raw: dict[str, dict[str, list[Any]]]) -> tuple[CompactGraph, _KeyMap]:
        """The nodes of every label (columns ``key``, ``id`` and the label's), numbered in id order."""
        ids: list[str] = []
        codes: list[int] = []
        rows: list[int] = []
        keys: list[Any] = []
        for code, label in enumerate(LABELS):
            found = raw.get(label, {}).get("id", [])
            ids += found
            codes += [code] * len(found)
            rows += range(len(found))
            keys += raw[label]["key"] if found else []
        order = sorted(range(len(ids)), key=ids.__getitem__)
        order = [i for n, i in enumerate(order) if n == 0 or ids[i] != ids[order[n - 1]]]  # an id is one node
        tables = {label: {c: list(raw.get(label, {}).get(c, [])) or [None] * len(raw.get(label, {}).get("id", []))
                          for c in NODE_COLUMNS[label]} for label in LABELS}
        graph = cls([ids[i] for i in order], np.asarray([codes[i] for i in order], dtype=np.int8), tables,
                    np.asarray([rows[i] for i in order], dtype=np.int64), {})
        return graph, _KeyMap([keys[i] for i in order])

    @classmethod
    def from_networkx(cls, g: nx.MultiDiGraph) -> CompactGraph:
        """The arrays of a NetworkX graph shaped as the export makes them (``label`` on nodes, ``type`` on
        relationships): for tests, and for graphs built in memory."""
        raw: dict[str, dict[str, list[Any]]] = {label: {"key": [], "id": []} for label in LABELS}
        for node, data in g.nodes(data=True):
            label = data.get("label")
            if label in raw:
                raw[label]["key"].append(node)
                raw[label]["id"].append(node)
                for c in NODE_COLUMNS[label]:
                    raw[label].setdefault(c, []).append(data.get(c))
        for label in LABELS:
            for c in NODE_COLUMNS[label]:
                raw[label].setdefault(c, [])
        graph, node_of_key = cls._numbered(raw)
        rows: dict[str, dict[Any, tuple[int, int, dict[str, Any]]]] = {t: {} for t in DETECTION_RELS}
        for u, v, key, data in g.edges(keys=True, data=True):
            rel_type = data.get("type")
            if rel_type not in rows or u not in graph.index or v not in graph.index:
                continue
            pair = (u, v) if rel_type in PAIRS_ONLY else (u, v, key)
            rows[rel_type][pair] = (graph.index[u], graph.index[v], {c: data.get(c) for c in REL_COLUMNS[rel_type]})
        parts = {t: [(np.asarray([s for s, _, _ in found.values()], dtype=np.int64),
                      np.asarray([d for _, d, _ in found.values()], dtype=np.int64),
                      {c: [cols[c] for _, _, cols in found.values()] for c in REL_COLUMNS[t]})]
                 for t, found in rows.items()}
        graph._set_relationships({t: _concat(t, parts[t]) for t in DETECTION_RELS})
        return graph

    def _set_relationships(self, rels: dict[str, Relationships]) -> None:
        self.rels = rels
        for rel in rels.values():
            self._index(rel)
        self.cache.clear()

    # -- nodes ---------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.ids)

    def label(self, node: int) -> str:
        return LABELS[self.label_codes[node]]

    def props(self, node: int) -> dict[str, Any]:
        """The node as NetworkX holds it: label, id and its non-null columns."""
        label = LABELS[self.label_codes[node]]
        row = self.rows[node]
        out: dict[str, Any] = {"label": label, "id": self.ids[node]}
        for name, column in self.tables[label].items():
            value = column[row]
            if value is not None:
                out[name] = value
        return out

    def value(self, node: int, column: str) -> Any:
        table = self.tables[LABELS[self.label_codes[node]]]
        return table[column][self.rows[node]] if column in table else None

    def nodes(self, label: str) -> np.ndarray:
        """The nodes of ``label``, in id order."""
        key = ("nodes", label)
        if key not in self.cache:
            found = np.flatnonzero(self.label_codes == LABELS.index(label))
            self.cache[key] = found[np.argsort(self.rank[found], kind="stable")]
        return self.cache[key]

    def numbers(self, ids: Iterable[str]) -> list[int]:
        return [self.index[i] for i in ids if i in self.index]

    # -- relationships -------------------------------------------------------------------------
    def out(self, node: int, rel_type: str) -> Iterator[tuple[int, int]]:
        """(far node, relationship) of each ``rel_type`` leaving ``node``."""
        rel = self.rels[rel_type]
        for edge in rel.out_edges[rel.out_start[node]:rel.out_start[node + 1]].tolist():
            yield int(rel.dst[edge]), edge

    def into(self, node: int, rel_type: str) -> Iterator[tuple[int, int]]:
        rel = self.rels[rel_type]
        for edge in rel.in_edges[rel.in_start[node]:rel.in_start[node + 1]].tolist():
            yield int(rel.src[edge]), edge

    def degree_out(self, rel_type: str) -> np.ndarray:
        return np.diff(self.rels[rel_type].out_start)

    def degree_in(self, rel_type: str) -> np.ndarray:
        return np.diff(self.rels[rel_type].in_start)

    def _index(self, rel: Relationships) -> None:
        n = len(self.ids)
        rel.out_edges = self._ordered(rel, rel.src, rel.dst)
        rel.out_start = np.concatenate([[0], np.cumsum(np.bincount(rel.src, minlength=n))]).astype(np.int64)
        rel.in_edges = self._ordered(rel, rel.dst, rel.src)
        rel.in_start = np.concatenate([[0], np.cumsum(np.bincount(rel.dst, minlength=n))]).astype(np.int64)

    def _ordered(self, rel: Relationships, near: np.ndarray, far: np.ndarray) -> np.ndarray:
        """Relationships grouped by their near end, far ends in id order, parallel ones (one per
        declaration) by what they say: an order that depends on the data alone."""
        order = np.lexsort((self.rank[far], near)) if len(near) else np.zeros(0, np.int64)
        if len(order) > 1 and rel.columns:
            a, b = near[order], far[order]
            same = np.flatnonzero((a[1:] == a[:-1]) & (b[1:] == b[:-1]))
            if len(same):
                columns = list(rel.columns.values())
                starts = same[np.concatenate([[True], same[1:] != same[:-1] + 1])]
                for start in starts.tolist():
                    end = start + 1
                    while end < len(order) and a[end] == a[start] and b[end] == b[start]:
                        end += 1
                    order[start:end] = sorted(order[start:end].tolist(),
                                              key=lambda e: tuple(repr(c[e]) for c in columns))
        return order.astype(np.int64)

    # -- refresh ---------------------------------------------------------------------------------
    def add_nodes(self, nodes: list[tuple[str, str, dict[str, Any]]]) -> list[int]:
        """New nodes (id, label, columns), numbered after the others and ranked among them by id; their
        numbers. (Relationships to them come with :meth:`update_relationships`.)"""
        fresh = [(i, label, cols) for i, label, cols in nodes if i not in self.index and label in NODE_COLUMNS]
        if not fresh:
            return []
        before = len(self.ids)
        grown = before + len(fresh)
        codes = np.empty(grown, dtype=np.int8)
        codes[:before] = self.label_codes
        rows = np.empty(grown, dtype=np.int64)
        rows[:before] = self.rows
        gaps: set[int] = set()
        for node_id, label, columns in fresh:
            number = len(self.ids)
            self.ids.append(node_id)
            self.index[node_id] = number
            codes[number] = LABELS.index(label)
            table = self.tables[label]
            rows[number] = len(next(iter(table.values())))
            for name, column in table.items():
                column.append(columns.get(name))
            gap = bisect.bisect_left(self._sorted_ids, node_id)
            bisect.insort(self._added.setdefault(gap, []), node_id)
            gaps.add(gap)
        self.label_codes, self.rows = codes, rows
        rank = np.empty(grown, dtype=np.float64)
        rank[:before] = self.rank
        for gap in gaps:  # between the build-time ids gap-1 and gap, in id order
            inside = self._added[gap]
            for j, node_id in enumerate(inside):
                rank[self.index[node_id]] = gap - 1 + (j + 1) / (len(inside) + 1)
        self.rank = rank
        for rel in self.rels.values():  # no relationship reaches the new nodes yet: the indexes only grow
            grow = np.full(grown - before, rel.out_start[-1], dtype=np.int64)
            rel.out_start = np.concatenate([rel.out_start, grow])
            rel.in_start = np.concatenate([rel.in_start, grow])
        self.cache.clear()
        return list(range(before, grown))

    def set_columns(self, node: int, columns: dict[str, Any]) -> bool:
        """Replace a node's columns; whether any changed."""
        table = self.tables[self.label(node)]
        row = self.rows[node]
        changed = False
        for name, column in table.items():
            value = columns.get(name)
            if column[row] != value or type(column[row]) is not type(value):
                column[row] = value
                changed = True
        if changed:
            self.cache.clear()
        return changed

    def update_relationships(self, rel_type: str, drop: np.ndarray,
                             add: list[tuple[int, int, dict[str, Any]]]) -> None:
        """Drop the relationships of ``rel_type`` marked in ``drop``, add ``add`` (src, dst, columns), index."""
        rel = self.rels[rel_type]
        keep = np.flatnonzero(~drop)
        columns = {c: [v[i] for i in keep.tolist()] + [cols.get(c) for _, _, cols in add]
                   for c, v in rel.columns.items()}
        src = np.concatenate([rel.src[keep], np.asarray([s for s, _, _ in add], dtype=np.int64)])
        dst = np.concatenate([rel.dst[keep], np.asarray([d for _, d, _ in add], dtype=np.int64)])
        self.rels[rel_type] = replaced = Relationships(rel_type, src, dst, columns)
        self._index(replaced)
        self.cache.clear()

    # -- the reference ------------------------------------------------------------------------------
    def to_networkx(self) -> nx.MultiDiGraph:
        """The same graph as a NetworkX multigraph whose walks meet nodes and relationships in the same
        order: the reference the tests compare the arrays with."""
        g = nx.MultiDiGraph()
        order = np.argsort(self.rank, kind="stable").tolist()
        for node in order:
            props = self.props(node)
            g.add_node(props.pop("id"), **props, id=self.ids[node])
        for node in order:
            leaving = [(self.rank[dst], t, edge, dst) for t in self.rels for dst, edge in self.out(node, t)]
            for position, (_, rel_type, edge, dst) in enumerate(sorted(leaving, key=lambda x: x[0])):
                g.add_edge(self.ids[node], self.ids[dst], key=(rel_type, edge, position),
                           **self.rels[rel_type].data(edge))
        return g


def _ahead(fetch: Callable[..., T], calls: list[tuple[Any, ...]], depth: int = 2) -> Iterator[T]:
    """``fetch(*call)`` for each call, in order, ``depth`` of them under way at once: while one reply is
    parsed (holding the interpreter), the store computes the next (a socket read releases it)."""
    with ThreadPoolExecutor(max_workers=depth, thread_name_prefix="bulk-read") as pool:
        pending: deque[Future[T]] = deque()
        for call in calls:
            pending.append(pool.submit(fetch, *call))
            if len(pending) >= depth:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


@contextmanager
def no_cycles() -> Iterator[None]:
    """Millions of small lists and no reference cycles: the cyclic collector would only re-scan them,
    and the arrays' millions of strings each time (it doubled a bulk read, and made a list of the
    co-bidding graph's edges for igraph take 8 s instead of 1)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _KeyMap:
    """Store keys (FalkorDB's integer ids, or Neo4j's element ids) to node numbers."""

    def __init__(self, keys: list[Any]):
        self.numeric = bool(keys) and all(isinstance(k, int) for k in keys[:1000])
        if self.numeric:
            array = np.asarray(keys, dtype=np.int64)
            self.lookup = np.full(int(array.max()) + 1, -1, dtype=np.int64)
            self.lookup[array] = np.arange(len(array))
        else:
            self.map = {k: i for i, k in enumerate(keys)}

    def __call__(self, keys: list[Any]) -> np.ndarray:
        if not keys:
            return np.zeros(0, dtype=np.int64)
        if self.numeric:
            array = np.asarray(keys, dtype=np.int64)
            inside = (array >= 0) & (array < len(self.lookup))
            return np.where(inside, self.lookup[np.clip(array, 0, len(self.lookup) - 1)], -1)
        return np.asarray([self.map.get(k, -1) for k in keys], dtype=np.int64)


def _concat(rel_type: str, parts: list[tuple[np.ndarray, np.ndarray, dict[str, list[Any]]]]) -> Relationships:
    columns: dict[str, list[Any]] = {c: [] for c in REL_COLUMNS[rel_type]}
    for _, _, part in parts:
        for c in columns:
            columns[c] += part[c]
    src = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int64)
    dst = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.int64)
    return Relationships(rel_type, src.astype(np.int64), dst.astype(np.int64), columns)
