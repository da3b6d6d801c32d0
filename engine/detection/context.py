"""The view a pattern has of a partition: a NetworkX multigraph exported from the store,
with the walks conflict-of-interest patterns need (positions, relatives, chains of
control, contracts of a supplier with their buyers and dates)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import networkx as nx

CONTROL = ("OWNS", "DIRECTS", "REPRESENTS")


@dataclass(frozen=True)
class Tie:
    """A person tied to an official: the official themself, or a relative."""

    person: str
    relation: str  # "self", "spouse", "child", "dependant", …


@dataclass(frozen=True)
class ControlPath:
    """A chain of control from a person to a company."""

    nodes: tuple[str, ...]  # person, company, …, company
    kinds: tuple[str, ...]  # relationship type of each hop
    share: float | None  # effective share (0–1) along OWNS hops; None when a hop is not ownership

    @property
    def hops(self) -> int:
        return len(self.kinds)


@dataclass(frozen=True)
class Award:
    contract: str
    process: str | None
    buyers: tuple[str, ...]
    date: str | None
    amount: float | None
    currency: str | None


class DetectionContext:
    def __init__(self, graph: nx.MultiDiGraph, now: str):
        self.g = graph
        self.now = now

    # -- basics ---------------------------------------------------------------------------
    def label(self, node: str) -> str:
        return str(self.g.nodes[node].get("label", "")) if node in self.g else ""

    def props(self, node: str) -> dict[str, Any]:
        return dict(self.g.nodes[node]) if node in self.g else {}

    def name(self, node: str) -> str:
        return str(self.props(node).get("name") or node)

    def nodes(self, label: str) -> Iterator[str]:
        return (n for n, d in self.g.nodes(data=True) if d.get("label") == label)

    def out(self, node: str, rel_type: str) -> Iterator[tuple[str, dict[str, Any]]]:
        if node not in self.g:
            return iter(())
        return ((dst, data) for _, dst, data in self.g.out_edges(node, data=True) if data.get("type") == rel_type)

    def into(self, node: str, rel_type: str) -> Iterator[tuple[str, dict[str, Any]]]:
        if node not in self.g:
            return iter(())
        return ((src, data) for src, _, data in self.g.in_edges(node, data=True) if data.get("type") == rel_type)

    # -- people ---------------------------------------------------------------------------------
    def positions(self, person: str) -> list[tuple[str, dict[str, Any]]]:
        return [(body, data) for body, data in self.out(person, "HOLDS_POSITION") if self.label(body) == "PublicBody"]

    def ties(self, official: str) -> list[Tie]:
        """The official and their declared relatives (either direction of FAMILY_OF)."""
        found = {official: "self"}
        for other, data in self.out(official, "FAMILY_OF"):
            found.setdefault(other, str(data.get("relation") or "relative"))
        for other, data in self.into(official, "FAMILY_OF"):
            found.setdefault(other, str(data.get("relation") or "relative"))
        return [Tie(p, r) for p, r in found.items()]

    # -- control ---------------------------------------------------------------------------
    def control_paths(self, start: str, max_hops: int) -> list[ControlPath]:
        """Every simple chain of OWNS/DIRECTS/REPRESENTS from ``start`` of at most
        ``max_hops`` relationships; beyond the first hop only ownership passes control on."""
        paths: list[ControlPath] = []

        def walk(node: str, nodes: tuple[str, ...], kinds: tuple[str, ...], share: float | None) -> None:
            if len(kinds) >= max_hops:
                return
            kinds_allowed = CONTROL if not kinds else ("OWNS",)
            for rel_type in kinds_allowed:
                for company, data in self.out(node, rel_type):
                    if company in nodes or self.label(company) != "Company":
                        continue
                    hop_share = _share(data) if rel_type == "OWNS" else None
                    combined = None if share is None or hop_share is None else share * hop_share
                    if not kinds:
                        combined = hop_share
                    path = ControlPath(nodes + (company,), kinds + (rel_type,), combined)
                    paths.append(path)
                    walk(company, path.nodes, path.kinds, combined)

        walk(start, (start,), (), 1.0)
        return paths

    # -- procurement ------------------------------------------------------------------------
    def awards(self, supplier: str) -> list[Award]:
        out = []
        for contract, _ in self.out(supplier, "SUPPLIES"):
            props = self.props(contract)
            processes = [p for p, _ in self.into(contract, "AWARDED")]
            buyers = tuple(sorted({b for p in processes for b, _ in self.into(p, "BUYER_OF")}))
            date = props.get("date_signed") or props.get("start_date")
            if not date and processes:
                date = self.props(processes[0]).get("date")
            out.append(Award(contract, processes[0] if processes else None, buyers, _day(date),
                             props.get("amount"), props.get("currency")))
        return out


def _share(data: dict[str, Any]) -> float | None:
    for key in ("share", "share_max", "share_min"):
        value = data.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return max(0.0, min(float(value), 100.0)) / 100.0
    return None


def _day(value: Any) -> str | None:
    return str(value)[:10] if value else None


def within(day: str | None, start: Any, end: Any) -> bool | None:
    """Whether ``day`` falls in [start, end]; None when it cannot be told."""
    if not day:
        return None
    start_day, end_day = _day(start), _day(end)
    if start_day and day < start_day:
        return False
    if end_day and day > end_day:
        return False
    return True if (start_day or end_day) else None
