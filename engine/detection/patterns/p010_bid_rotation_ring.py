"""P010 — Ring of companies that repeatedly bid together and take turns winning.

What is flagged
    A community of companies in the co-bidding graph (companies linked by the number of
    contracting processes they tendered in together; communities by Louvain modularity,
    seeded) with at least ``min_members`` members that met in at least
    ``min_processes`` processes, where at least ``min_winners`` different members won
    those processes and no member won more than ``max_win_share`` of them.

Threshold
    Defaults: 3 members, 3 shared processes, 2 winners, 0.6 maximum win share. Severity
    *high*; score 0.6 + 0.05 per shared process beyond the minimum, at most 0.9.

Why it is a red flag
    Bid rotation is the classic cartel scheme: the same firms bid together, the
    "losers" submit cover bids, and the winner rotates so every member gets its share.

Source
    OCDS tenderers and awards; OECD Guidelines for Fighting Bid Rigging in Public
    Procurement (2009, "bid rotation"); the Open Up Guide's detection use case.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from itertools import combinations
from typing import ClassVar

import networkx as nx
from pydantic import Field

from engine.detection.base import EntityRef, Finding, PatternConfig
from engine.detection.context import DetectionContext


class Settings(PatternConfig):
    min_members: int = Field(default=3, ge=2)
    min_processes: int = Field(default=3, ge=2)
    min_winners: int = Field(default=2, ge=2)
    max_win_share: float = Field(default=0.6, gt=0, le=1)


class BidRotationRing:
    code: ClassVar[str] = "P010"
    title: ClassVar[str] = "Ring of companies that bid together and take turns winning"
    Config: ClassVar[type[PatternConfig]] = Settings

    def find(self, ctx: DetectionContext, config: Settings) -> Iterable[Finding]:
        bidders: dict[str, set[str]] = {}
        for process in ctx.nodes("ContractingProcess"):
            tenderers = {t for t, _ in ctx.into(process, "TENDERED") if ctx.label(t) == "Company"}
            if len(tenderers) >= 2:
                bidders[process] = tenderers
        cobid = nx.Graph()
        for members in bidders.values():
            for a, b in combinations(sorted(members), 2):
                weight = cobid.get_edge_data(a, b, {"weight": 0})["weight"]
                cobid.add_edge(a, b, weight=weight + 1)
        if cobid.number_of_edges() == 0:
            return
        for community in nx.community.louvain_communities(cobid, weight="weight", seed=0):
            if len(community) < config.min_members:
                continue
            shared = sorted(p for p, members in bidders.items() if len(members & community) >= 2)
            finding = ring(ctx, config, community, shared)
            if finding is not None:
                yield finding


def winners(ctx: DetectionContext, process: str) -> set[str]:
    """Who supplies the contracts a process awarded."""
    return {w for c, _ in ctx.out(process, "AWARDED") for w, _ in ctx.into(c, "SUPPLIES")}


def ring(ctx: DetectionContext, config: Settings, community: set[str], shared: list[str]) -> Finding | None:
    """The finding for one community of co-bidders and the processes where two or more of them met, if
    they met often enough and took turns winning."""
    if len(shared) < config.min_processes:
        return None
    wins = Counter(w for p in shared for w in winners(ctx, p) & community)
    total = sum(wins.values())
    if len(wins) < config.min_winners or not total or max(wins.values()) / total > config.max_win_share:
        return None
    members = sorted(community)
    names = ", ".join(f"{ctx.name(m)} ({wins.get(m, 0)} won)" for m in members)
    return Finding(
        pattern=BidRotationRing.code, key=tuple(members), title=BidRotationRing.title, severity="high",
        score=round(min(0.6 + 0.05 * (len(shared) - config.min_processes), 0.9), 3),
        sentence=f"{len(members)} companies bid together in {len(shared)} processes and took turns "
                 f"winning: {names}.",
        entities=[EntityRef("Company", m, "ring member") for m in members]
        + [EntityRef("ContractingProcess", p, "shared process") for p in shared],
        evidence={"path": members, "processes": shared, "wins": dict(wins)},
    )
