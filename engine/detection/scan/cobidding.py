"""P010 from the arrays: for each partition of buyers (as the partitioned scan cut them: 25 public
bodies in id order with the institutions they belong to and their units), the co-bidding graph of its
processes built with arrays, its communities found with igraph's Louvain (``community_multilevel``,
seeded), and each community judged by the pattern's own
:func:`~engine.detection.patterns.p010_bid_rotation_ring.ring`.

A market is where a ring rotates: over the whole country's co-bidding graph, Louvain's resolution
limit merges tens of thousands of companies into a "community" (35 communities of up to 13,000
companies on the generated 1M-node graph), which flags nothing an investigator can use, so the
communities stay those of a partition, as before. NetworkX's ``louvain_communities`` took ~2 s per
partition there (80 partitions); igraph's implementation of the same method takes milliseconds. Both
are held to the same communities on hand-checked and generated graphs in the tests.

References: V. D. Blondel, J.-L. Guillaume, R. Lambiotte, E. Lefebvre, "Fast unfolding of
communities in large networks", J. Stat. Mech. (2008) P10008.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

import igraph
import numpy as np

from engine.detection.base import Finding
from engine.detection.patterns.p010_bid_rotation_ring import Settings, ring
from engine.detection.scan.compact import LABELS, CompactGraph
from engine.detection.scan.context import CompactContext

__all__ = ["bidding", "cobidding", "louvain", "partitions", "rings"]


PARTITION = 25  # buyers per partition, as the partitioned scan cut the graph


def partitions(graph: CompactGraph, size: int = PARTITION) -> Iterator[np.ndarray]:
    """The processes of each partition: ``size`` public bodies in id order, with the institutions they
    belong to and all their units (up to five levels of ``PART_OF`` each way), and what they bought."""
    bodies = graph.nodes("PublicBody").tolist()
    for i in range(0, len(bodies), size):
        chosen = set(bodies[i:i + size])
        for walk in (graph.out, graph.into):
            frontier = set(chosen)
            for _ in range(5):
                frontier = {far for node in frontier for far, _ in walk(node, "PART_OF")} - chosen
                if not frontier:
                    break
                chosen |= frontier
        yield _neighbours(graph, "BUYER_OF", np.asarray(sorted(chosen), dtype=np.int64), out=True)


def _neighbours(graph: CompactGraph, rel_type: str, nodes: np.ndarray, out: bool) -> np.ndarray:
    rel = graph.rels[rel_type]
    start, edges, far = (rel.out_start, rel.out_edges, rel.dst) if out else (rel.in_start, rel.in_edges, rel.src)
    lo, hi = start[nodes], start[nodes + 1]
    picked: np.ndarray | list[int] = (
        np.concatenate([edges[a:b] for a, b in zip(lo.tolist(), hi.tolist(), strict=True)]) if len(nodes) else [])
    return np.unique(far[np.asarray(picked, dtype=np.int64)])


def bidding(graph: CompactGraph, processes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(process, company) for every company that tendered in one of ``processes`` with at least two
    company tenderers, sorted by process then company, each pair once."""
    rel = graph.rels["TENDERED"]
    lo, hi = rel.in_start[processes], rel.in_start[processes + 1]
    count = hi - lo
    edges = np.concatenate([rel.in_edges[a:b] for a, b in zip(lo.tolist(), hi.tolist(), strict=True)]) \
        if len(processes) else np.zeros(0, np.int64)
    process = np.repeat(processes, count)
    company = rel.src[edges]
    keep = graph.label_codes[company] == LABELS.index("Company")
    n = len(graph)
    pairs = np.unique(process[keep] * n + company[keep])
    process, company = pairs // n, pairs % n
    if not len(pairs):
        return process, company
    starts = np.flatnonzero(np.concatenate([[True], process[1:] != process[:-1]]))
    sizes = np.diff(np.concatenate([starts, [len(process)]]))
    keep = np.repeat(sizes >= 2, sizes)
    return process[keep], company[keep]


def cobidding(processes: np.ndarray, companies: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The co-bidding graph: (a, b, processes they both tendered in), a < b, from sorted pairs."""
    if not len(processes):
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    starts = np.flatnonzero(np.concatenate([[True], processes[1:] != processes[:-1]]))
    sizes = np.diff(np.concatenate([starts, [len(processes)]]))
    left, right = [], []
    for size in np.unique(sizes).tolist():  # all processes with the same number of bidders at once
        first = starts[sizes == size]
        i, j = np.triu_indices(size, 1)
        left.append(companies[(first[:, None] + i[None, :]).ravel()])
        right.append(companies[(first[:, None] + j[None, :]).ravel()])
    a, b = np.concatenate(left), np.concatenate(right)
    if not len(a):
        return a, b, np.zeros(0, np.int64)
    a, b = np.minimum(a, b), np.maximum(a, b)
    n = int(b.max()) + 1
    pairs, weight = np.unique(a * n + b, return_counts=True)
    return pairs // n, pairs % n, weight


def louvain(n: int, a: np.ndarray, b: np.ndarray, weight: np.ndarray, seed: int = 0) -> np.ndarray:
    """Community of each of ``n`` vertices by Louvain modularity (igraph's multilevel), seeded."""
    g = igraph.Graph(n=n, edges=np.stack([a, b], axis=1).tolist(), directed=False)  # lists: igraph reads
    # an array of edges one element at a time
    previous = random.getstate()
    igraph.set_random_number_generator(random.Random(seed))
    try:
        return np.asarray(g.community_multilevel(weights=weight.astype(float).tolist()).membership)
    finally:
        igraph.set_random_number_generator(random)
        random.setstate(previous)


def rings(graph: CompactGraph, ctx: CompactContext, config: Settings,
          only: Callable[[int], bool] | None = None) -> Iterator[Finding]:
    """P010's findings, partition by partition (``only``: the partitions, by number, to do)."""
    for number, processes in enumerate(partitions(graph)):
        if only is None or only(number):
            yield from _partition_rings(graph, ctx, config, processes)


def _partition_rings(graph: CompactGraph, ctx: CompactContext, config: Settings,
                     processes: np.ndarray) -> Iterator[Finding]:
    processes, companies = bidding(graph, processes)
    a, b, weight = cobidding(processes, companies)
    if not len(a):
        return
    vertices = np.unique(np.concatenate([a, b]))
    vertices = vertices[np.argsort(graph.rank[vertices], kind="stable")]  # in id order
    position = np.full(len(graph), -1, dtype=np.int64)
    position[vertices] = np.arange(len(vertices))
    membership = louvain(len(vertices), position[a], position[b], weight)
    community_of = np.full(len(graph), -1, dtype=np.int64)
    community_of[vertices] = membership
    # processes where two or more members of one community bid: (community, process) counted
    n = len(graph)
    keys, counts = np.unique(community_of[companies] * n + processes, return_counts=True)
    met = keys[counts >= 2]  # sorted by community, then process
    sizes = np.bincount(membership)
    bounds = np.searchsorted(met // n, np.arange(len(sizes) + 1))
    for community in range(len(sizes)):
        if sizes[community] < config.min_members:
            continue
        shared = sorted(graph.ids[p] for p in (met[bounds[community]:bounds[community + 1]] % n).tolist())
        members = {graph.ids[v] for v in vertices[membership == community].tolist()}
        finding = ring(ctx, config, members, shared)
        if finding is not None:
            yield finding
