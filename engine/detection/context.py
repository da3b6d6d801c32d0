"""The view a pattern has of a partition: a NetworkX multigraph exported from the store,
with the walks conflict-of-interest patterns need (positions, relatives, chains of
control, contracts of a supplier with their buyers and dates), the institution a public
body belongs to, and whether a tie was held on a given day.

Ties declared in PDN S1 carry no dates: each declaration is an observation (a relationship
with ``declared_on`` and ``operation``), and :func:`held_on` reads their sequence in
declaration-date order. Ties from registers (BODS, FtM) carry ``start``/``end``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import networkx as nx

CONTROL = ("OWNS", "DIRECTS", "REPRESENTS")


Edges = tuple[dict[str, Any], ...]  # the parallel relationships of one tie (one per declaration, or one)


@dataclass(frozen=True)
class Tie:
    """A person tied to an official: the official themself, or a relative."""

    person: str
    relation: str  # "self", "spouse", "child", "dependant", …
    edges: Edges = ()  # the FAMILY_OF relationships that say so (none for the official themself)


@dataclass(frozen=True)
class ControlPath:
    """A chain of control from a person to a company."""

    nodes: tuple[str, ...]  # person, company, …, company
    kinds: tuple[str, ...]  # relationship type of each hop
    share: float | None  # effective share (0–1) along OWNS hops; None when a hop is not ownership
    edges: tuple[Edges, ...] = ()  # each hop's relationships, for its period
    # the company the last hop's declarations named, by name alone, when the path ends at a namesake of it (one
    # name, another valid RFC): which of the two the declaration means is for a person to check
    namesake_of: str | None = None

    @property
    def hops(self) -> int:
        return len(self.kinds)


@dataclass(frozen=True)
class Award:
    contract: str
    process: str | None
    buyers: tuple[str, ...]  # buyers and procuring entities
    date: str | None
    amount: float | None
    currency: str | None
    roles: tuple[tuple[str, str], ...] = ()  # (body, "buyer" | "procuringEntity")


class DetectionContext:
    def __init__(self, graph: nx.MultiDiGraph, now: str):
        self.g = graph
        self.now = now

    # -- basics ---------------------------------------------------------------------------
    # The graph's own adjacency dicts are read directly (as NetworkX's views do, without building a view per call):
    # the patterns walk them hundreds of thousands of times in an on-arrival check.
    def label(self, node: str) -> str:
        data = self.g._node.get(node)
        return str(data.get("label", "")) if data is not None else ""

    def props(self, node: str) -> dict[str, Any]:
        data = self.g._node.get(node)
        return dict(data) if data is not None else {}

    def name(self, node: str) -> str:
        return str(self.props(node).get("name") or node)

    def nodes(self, label: str) -> Iterator[str]:
        return (n for n, d in self.g.nodes(data=True) if d.get("label") == label)

    def out(self, node: str, rel_type: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """The far ends and data of the ``rel_type`` relationships leaving ``node``, in ``out_edges`` order."""
        far = self.g._succ.get(node)
        if not far:
            return iter(())
        return ((dst, data) for dst, keyed in far.items() for data in keyed.values() if data.get("type") == rel_type)

    def into(self, node: str, rel_type: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """The near ends and data of the ``rel_type`` relationships arriving at ``node``, in ``in_edges`` order."""
        near = self.g._pred.get(node)
        if not near:
            return iter(())
        return ((src, data) for src, keyed in near.items() for data in keyed.values() if data.get("type") == rel_type)

    # -- people ---------------------------------------------------------------------------------
    def positions(self, person: str) -> list[tuple[str, dict[str, Any]]]:
        return [(body, data) for body, data in self.out(person, "HOLDS_POSITION") if self.label(body) == "PublicBody"]

    def ties(self, official: str) -> list[Tie]:
        """The official and their declared relatives (either direction of FAMILY_OF), each with the
        relationships that declare the tie."""
        relation: dict[str, str] = {}
        edges: dict[str, list[dict[str, Any]]] = {}
        for other, data in [*self.out(official, "FAMILY_OF"), *self.into(official, "FAMILY_OF")]:
            if other == official:
                continue
            relation.setdefault(other, str(data.get("relation") or "relative"))
            edges.setdefault(other, []).append(data)
        return [Tie(official, "self")] + [Tie(p, r, tuple(edges[p])) for p, r in relation.items()]

    # -- institutions --------------------------------------------------------------------------
    def institution(self, body: str) -> str:
        """The institution a public body belongs to: up ``PART_OF`` to the top (itself when it has none)."""
        seen = {body}
        current = body
        while True:
            parents = sorted(p for p, _ in self.out(current, "PART_OF") if p not in seen)
            if not parents:
                return current
            current = parents[0]
            seen.add(current)

    # -- control ---------------------------------------------------------------------------
    def control_paths(self, start: str, max_hops: int) -> list[ControlPath]:
        """Every simple chain of OWNS/DIRECTS/REPRESENTS from ``start`` of at most
        ``max_hops`` relationships; beyond the first hop only ownership passes control on."""
        paths: list[ControlPath] = []

        def walk(node: str, path: ControlPath) -> None:
            if path.hops >= max_hops:
                return
            kinds_allowed = CONTROL if not path.kinds else ("OWNS",)
            for rel_type in kinds_allowed:
                grouped: dict[str, list[dict[str, Any]]] = {}
                for company, data in self.out(node, rel_type):  # one tie, however many declarations state it
                    if company not in path.nodes and self.label(company) == "Company":
                        grouped.setdefault(company, []).append(data)
                for company, datas in grouped.items():
                    hop_share = _latest_share(datas) if rel_type == "OWNS" else None
                    combined = None if path.share is None or hop_share is None else path.share * hop_share
                    if not path.kinds:
                        combined = hop_share
                    longer = ControlPath(path.nodes + (company,), path.kinds + (rel_type,), combined,
                                         path.edges + (tuple(datas),))
                    paths.append(longer)
                    if all(d.get("identified_by") == "name" for d in datas):
                        paths.extend(ControlPath(path.nodes + (other,), longer.kinds, combined, longer.edges, company)
                                     for other in self.namesakes(company) if other not in path.nodes)
                    walk(company, longer)

        walk(start, ControlPath((start,), (), 1.0))
        return paths

    def namesakes(self, company: str) -> list[str]:
        """Companies of the same name that the resolver kept apart from ``company`` by their valid RFCs."""
        return sorted({other for other, _ in [*self.out(company, "NAMESAKE_OF"), *self.into(company, "NAMESAKE_OF")]
                       if other != company and self.label(other) == "Company"})

    # -- procurement ------------------------------------------------------------------------
    def awards(self, supplier: str) -> list[Award]:
        """The contracts (and awards without a contract) a supplier won, with the bodies that bought
        them: the buyer and the procuring entity, each with its role."""
        out = []
        for contract in sorted({c for c, _ in self.out(supplier, "SUPPLIES")}):
            props = self.props(contract)
            processes = sorted({p for p, _ in self.into(contract, "AWARDED")})
            roles = sorted({(b, str(d.get("role") or "buyer")) for p in processes for b, d in self.into(p, "BUYER_OF")})
            buyers = tuple(sorted({b for b, _ in roles}))
            date = props.get("date_signed") or props.get("start_date")
            if not date and processes:
                date = self.props(processes[0]).get("date")
            out.append(Award(contract, processes[0] if processes else None, buyers, _day(date),
                             props.get("amount"), props.get("currency"), tuple(roles)))
        return out


def _latest_share(datas: list[dict[str, Any]]) -> float | None:
    """The share the latest declaration (or the register) states."""
    ordered = sorted(datas, key=lambda d: str(d.get("declared_on") or d.get("start") or ""))
    for data in reversed(ordered):
        share = _share(data)
        if share is not None:
            return share
    return None


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


def held_on(edges: Edges, day: str | None) -> bool | None:
    """Whether a tie stated by these relationships was held on ``day``: True, False, or None when
    the sources cannot tell (an unknown start or end).

    Declarations (relationships with ``declared_on``) are read in declaration-date order: held
    between two declarations that list it; ended after a BAJA with no later declaration listing
    it again; unknown between the declaration before an AGREGAR and that AGREGAR, between the last
    declaration listing it and a BAJA, or before the first declaration that mentions it. Register
    ties use their ``start``/``end``; a tie with neither is unknown.
    """
    if not edges:
        return True
    if day is None:
        return None
    declared = sorted((str(e["declared_on"])[:10], str(e.get("operation") or "").upper())
                      for e in edges if e.get("declared_on"))
    if not declared:
        verdicts = [within(day, e.get("start"), e.get("end")) for e in edges]
        if True in verdicts:
            return True
        return False if verdicts and all(v is False for v in verdicts) else None
    before = [op for when, op in declared if when <= day]
    after = [op for when, op in declared if when >= day]
    if not before:
        return None  # held since some time before its first declaration, or acquired in between: unknown
    if before[-1] == "BAJA":
        return False if not after or after[0] in ("BAJA", "AGREGAR") else None
    if not after:
        return True
    return None if after[0] == "BAJA" else True


def combine(*verdicts: bool | None) -> bool | None:
    """All held: True; any not held: False; otherwise unknown."""
    if any(v is False for v in verdicts):
        return False
    return True if all(v is True for v in verdicts) else None
