"""P010 from the arrays with igraph's Louvain, against the pattern with NetworkX's Louvain."""

from __future__ import annotations

import random

import networkx as nx
import numpy as np
import pytest

from engine.detection.context import DetectionContext
from engine.detection.registry import PATTERNS, default_configs
from engine.detection.scan.cobidding import louvain, partitions, rings
from engine.detection.scan.compact import CompactGraph
from engine.detection.scan.context import CompactContext
from tests.detection.factory import G
from tests.detection.test_patterns import base, rotation_ring

NOW = "2026-01-01T00:00:00+00:00"
CONFIG = default_configs()["P010"]


def both(g: G) -> tuple[dict[str, dict], dict[str, dict]]:  # type: ignore[type-arg]
    """(NetworkX's findings, igraph's findings) on the same graph, by flag id."""
    compact = CompactGraph.from_networkx(g.g)
    reference = PATTERNS["P010"].find(DetectionContext(compact.to_networkx(), NOW), CONFIG)
    arrays = rings(compact, CompactContext(compact, NOW), CONFIG)
    return ({f.flag_id: f.evidence for f in reference}, {f.flag_id: f.evidence for f in arrays})


def test_the_hand_checked_rings():
    g = rotation_ring()
    reference, arrays = both(g)
    assert len(reference) == 1 and arrays == reference
    g2 = base()  # one company always winning is not a rotation
    for c in ("a", "b", "c"):
        g2.node(c, "Company", name=c)
    for i in range(4):
        g2.award("sat", "a", f"k{i}", "2017-01-01", process=f"p{i}")
        for bidder in ("a", "b", "c"):
            g2.edge(bidder, "TENDERED", f"p{i}")
    assert both(g2) == ({}, {})


def planted_rings(seed: int) -> G:
    """Rings of 3–6 companies that bid together and rotate wins, and a little noise between them."""
    rnd = random.Random(seed)
    g = G().node("body", "PublicBody", name="Body")
    companies: list[str] = []
    process = 0

    def tender(bidders: list[str], winner: str) -> None:
        nonlocal process
        g.award("body", winner, f"k{process}", "2020-01-01", process=f"p{process}")
        for bidder in bidders:
            g.edge(bidder, "TENDERED", f"p{process}")
        process += 1

    for r in range(rnd.randint(2, 5)):
        members = [f"ring{r}-{i}" for i in range(rnd.randint(3, 6))]
        companies += members
        for m in members:
            g.node(m, "Company", name=m)
        for k in range(rnd.randint(3, 8)):
            bidders = rnd.sample(members, rnd.randint(2, len(members)))
            tender(bidders, bidders[k % len(bidders)])
    outsiders = [f"outsider{i}" for i in range(rnd.randint(2, 8))]
    for o in outsiders:
        g.node(o, "Company", name=o)
    for _ in range(process // 10 + 1):
        bidders = rnd.sample(companies + outsiders, 2)
        tender(bidders, bidders[0])
    return g


@pytest.mark.parametrize("seed", range(100))
def test_planted_rings_are_the_same_rings(seed):
    reference, arrays = both(planted_rings(seed))
    assert arrays == reference


def test_on_graphs_without_communities_the_same_modularity():
    """Louvain's answer is not unique where a graph has no community structure; there, igraph's
    partition is as good as NetworkX's (modularity within 0.03, no worse on average)."""
    differences = []
    for seed in range(60):
        rnd = random.Random(seed)
        n = rnd.randint(20, 200)
        g = nx.gnm_random_graph(n, n * rnd.randint(2, 6), seed=seed)
        for u, v in g.edges:
            g[u][v]["weight"] = rnd.randint(1, 4)
        a, b = np.array([min(e) for e in g.edges]), np.array([max(e) for e in g.edges])
        weight = np.array([g[u][v]["weight"] for u, v in g.edges])
        membership = louvain(n, a, b, weight)
        ours = [set(np.flatnonzero(membership == c).tolist()) for c in np.unique(membership)]
        ours = [c & set(g.nodes) for c in ours if c & set(g.nodes)]
        theirs = nx.community.louvain_communities(g, weight="weight", seed=0)
        differences.append(nx.community.modularity(g, theirs, weight="weight")
                           - nx.community.modularity(g, ours, weight="weight"))
    assert max(abs(d) for d in differences) < 0.03
    assert np.mean(differences) < 0.005


def test_seeded_louvain_is_deterministic():
    rnd = random.Random(1)
    a = np.array([rnd.randrange(50) for _ in range(300)])
    b = np.array([rnd.randrange(50) for _ in range(300)])
    keep = a != b
    a, b = np.minimum(a, b)[keep], np.maximum(a, b)[keep]
    weight = np.ones(len(a), dtype=int)
    assert (louvain(50, a, b, weight) == louvain(50, a, b, weight)).all()


def test_partitions_are_25_buyers_with_their_institutions_units():
    g = G()
    for i in range(30):
        g.node(f"body{i:02d}", "PublicBody", name=f"B{i}")
        g.node(f"p{i:02d}", "ContractingProcess", title=f"P{i}")
        g.edge(f"body{i:02d}", "BUYER_OF", f"p{i:02d}")
    g.edge("body27", "PART_OF", "body03")  # a unit of an institution of the first partition
    compact = CompactGraph.from_networkx(g.g)
    first, second = [sorted(compact.ids[p] for p in part.tolist()) for part in partitions(compact)]
    assert first == [f"p{i:02d}" for i in range(25)] + ["p27"]
    assert second == ["p03"] + [f"p{i:02d}" for i in range(25, 30)]  # and body27's institution
