"""Incremental scans: the arrays of the last full scan kept, brought up to date with what was written
since (:mod:`~engine.detection.scan.refresh`), and only the findings that can depend on what changed
checked again — every pattern's own code, from the roots the change reaches.

Which roots a change reaches follows what each pattern reads from its root (an official: posts,
institutions, relatives, chains of control, the awards at their end, the procedures the official took
part in; a supplier: awards, controllers and what else they control, addresses, sanctions on any of
them; a process: its tenderers and their details; an address: who is there and who they sold to; a
sanction: what its party was awarded). A relationship that changed reaches the roots whose reading
passes through its upstream end, so the same rules catch a fact added and a fact removed.

The dirty log: the records written since the last scan (their mentions' ``written_at``, read with a
margin for batches in flight), and the entities ``graph.changes`` names (merges, splits). P010's
communities and P011's statistics need every process at once: they wait for the periodic full sweep,
as do names changed on entities that appear only in a finding's text.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from engine.detection.base import Finding
from engine.detection.registry import default_configs, get_patterns
from engine.detection.runner import DetectionReport, flag_batch, now, scan_graph
from engine.detection.scan.compact import LABELS, CompactGraph, no_cycles
from engine.detection.scan.context import CompactContext
from engine.detection.scan.refresh import Delta, refresh
from engine.graph import cypher
from engine.graph.merge import reconcile_processes
from engine.graph.scanning import FLAGS_OF_ROOTS, WITHDRAW_FLAG_IDS
from engine.graph.store import GraphStore

log = logging.getLogger(__name__)
CONTROL = ("OWNS", "DIRECTS", "REPRESENTS")
MARGIN = timedelta(seconds=30)  # batches stamped before a scan began may land after it read
# What each pattern starts from, and the role its flags give that root.
ROOT_ROLES: dict[str, tuple[str, str]] = {
    "P001": ("Sanction", "listing"),
    "P002": ("Person", "official"),
    "P003": ("Person", "official"),
    "P004": ("Person", "official"),
    "P005": ("Sanction", "sanction"),
    "P006": ("Company", "supplier"),
    "P007": ("ContractingProcess", "process"),
    "P008": ("Company", "supplier"),
    "P009": ("Address", "address"),
}


def moment(at: datetime | None = None) -> str:
    """A time as the link stage stamps mentions (``written_at``)."""
    return (at or datetime.now(UTC)).isoformat(timespec="milliseconds")


class Scanner:
    """A scan that stays: the arrays of the last full scan, kept up to date between full sweeps."""

    def __init__(self, store: GraphStore, codes: list[str] | None = None):
        self.store = store
        self.codes = codes
        self.graph: CompactGraph | None = None
        self.since: str | None = None  # mentions written at or after it are not in the arrays yet

    def label_of(self, node_id: str) -> str | None:
        """The label of a node the arrays hold (None: not there)."""
        if self.graph is None or node_id not in self.graph.index:
            return None
        return self.graph.label(self.graph.index[node_id])

    def full(self, progress: Callable[[int, int], None] | None = None) -> DetectionReport:
        """A full sweep: the graph read again, every pattern, every flag settled."""
        started = time.perf_counter()
        mark = moment(datetime.now(UTC) - MARGIN)
        reconcile_processes(self.store)
        t0 = time.perf_counter()
        self.graph = CompactGraph.read(self.store)
        read = time.perf_counter() - t0
        report = scan_graph(self.store, self.graph, self.codes, progress)
        report.timings = {"read": round(read, 3), **report.timings}
        report.seconds = time.perf_counter() - started
        self.since = mark
        return report

    def incremental(self, entities: Iterable[tuple[str, str]] = ()) -> DetectionReport:
        """Bring the arrays up to date with what was written since the last scan (and with ``entities``
        ((label, id)) that changed otherwise), and check again the findings that can depend on it."""
        if self.graph is None:
            return self.full()
        started = time.perf_counter()
        mark = moment(datetime.now(UTC) - MARGIN)
        merged = [("ContractingProcess", i) for pair in reconcile_processes(self.store) for i in pair]
        with no_cycles():
            delta = refresh(self.graph, self.store, self.since, [*entities, *merged])
            t0 = time.perf_counter()
            roots = affected_roots(self.graph, delta)
            t1 = time.perf_counter()
            report = self._check(roots)
        self.since = mark
        report.timings = {"refresh": round(delta.seconds, 3), "roots": round(t1 - t0, 3), **report.timings,
                          "changed": {"relationships": len(delta.edges), "nodes": len(delta.nodes),
                                      "entities": delta.entities, "relationships_read": delta.relationships_read},
                          "roots_checked": {code: len(ids) for code, ids in roots.items()}}
        report.seconds = time.perf_counter() - started
        return report

    def _check(self, roots: dict[str, list[str]]) -> DetectionReport:
        assert self.graph is not None
        stamp = now()
        configs = default_configs()
        ctx = CompactContext(self.graph, stamp)
        report = DetectionReport(findings={})
        found: list[Finding] = []
        t0 = time.perf_counter()
        for pattern in get_patterns(self.codes):
            if pattern.code not in ROOT_ROLES or not configs[pattern.code].enabled:
                continue
            label, role = ROOT_ROLES[pattern.code]
            ids = roots.get(pattern.code, [])
            fresh = list(pattern.find(ctx.restricted({label: ids}), configs[pattern.code])) if ids else []
            report.findings[pattern.code] = len({f.flag_id for f in fresh})
            found += fresh
            if ids:
                before = {r["id"] for r in self.store.run(FLAGS_OF_ROOTS, {"pattern": pattern.code, "role": role,
                                                                            "ids": ids})}
                gone = sorted(before - {f.flag_id for f in fresh})
                if gone:
                    report.withdrawn += len(self.store.run(WITHDRAW_FLAG_IDS, {"ids": gone, "at": stamp}))
        t1 = time.perf_counter()
        unique = {f.flag_id: f for f in found}
        if unique:
            self.store.write(flag_batch(unique.values(), stamp))
            self.store.run(cypher.REVIVE_FLAGS, {"found": list(unique), "at": stamp})
        report.flags = list(unique.values())
        report.timings = {"patterns": round(t1 - t0, 3), "write": round(time.perf_counter() - t1, 3)}
        return report


# -- which roots a change reaches ------------------------------------------------------------------------
class _Walk:
    def __init__(self, graph: CompactGraph):
        self.graph = graph

    def out(self, nodes: Iterable[int], *types: str) -> set[int]:
        return {far for node in nodes for t in types for far, _ in self.graph.out(node, t)}

    def into(self, nodes: Iterable[int], *types: str) -> set[int]:
        return {far for node in nodes for t in types for far, _ in self.graph.into(node, t)}

    def of(self, nodes: Iterable[int], label: str) -> set[int]:
        code = LABELS.index(label)
        return {n for n in nodes if self.graph.label_codes[n] == code}


def affected_roots(graph: CompactGraph, delta: Delta, max_chain: int | None = None) -> dict[str, list[str]]:
    """The roots of each pattern whose findings can depend on what ``delta`` changed."""
    configs = default_configs()
    chain = max_chain or max(int(getattr(configs[c], "max_chain", 3)) for c in ("P003", "P004"))
    w = _Walk(graph)
    officials: set[int] = set()
    sanctions: set[int] = set()
    near: set[int] = set()  # P006: suppliers whose controllers, addresses or sanctions changed
    processes: set[int] = set()
    companies: set[int] = set()
    addresses: set[int] = set()
    awards: set[int] = set()  # suppliers whose awards changed
    chains: set[int] = set()  # nodes whose chain of control changed (their upstream)
    details: set[int] = set()  # tenderers whose address, phone, e-mail or representatives changed
    took_part: set[int] = set()  # officials who took part in a procedure whose winners changed

    def suppliers(contracts: Iterable[int]) -> set[int]:
        return w.into(contracts, "SUPPLIES")

    def near_sanctioned(parties: Iterable[int]) -> set[int]:
        parties = set(parties)
        return (parties | w.out(parties, *CONTROL) | w.out(w.into(parties, *CONTROL), *CONTROL)
                | w.into(w.out(parties, "LOCATED_AT"), "LOCATED_AT"))

    for rel_type, u, v in delta.edges:
        if rel_type in ("HOLDS_POSITION", "INTERVENED_IN"):
            officials.add(u)
        elif rel_type == "FAMILY_OF":
            officials |= {u, v}
        elif rel_type in CONTROL:
            chains.add(u)
            near |= {v} | w.out({u}, *CONTROL)
            details.add(v)
        elif rel_type == "SUPPLIES":
            awards.add(u)
            took_part |= w.into(w.into({v}, "AWARDED"), "INTERVENED_IN")
        elif rel_type == "AWARDED":
            awards |= suppliers({v})
            took_part |= w.into({u}, "INTERVENED_IN")
        elif rel_type == "BUYER_OF":
            awards |= suppliers(w.out({v}, "AWARDED"))
        elif rel_type == "PART_OF":
            family = _family(w, {u, v})
            officials |= w.into(family, "HOLDS_POSITION")
            awards |= suppliers(w.out(w.out(family, "BUYER_OF"), "AWARDED"))
        elif rel_type == "TENDERED":
            processes.add(v)
        elif rel_type == "LOCATED_AT":
            addresses.add(v)
            near |= {u} | w.into({v}, "LOCATED_AT")
            details.add(u)
        elif rel_type == "SANCTIONED":
            sanctions.add(u)
            near |= near_sanctioned({v})
        elif rel_type == "NAMESAKE_OF":
            chains |= {u, v}
    changed = delta.nodes
    for node in w.of(changed, "Sanction"):
        sanctions.add(node)
        near |= near_sanctioned(w.out({node}, "SANCTIONED"))
    contracts = w.of(changed, "Contract") | w.of(changed, "Award")
    awards |= suppliers(contracts)
    took_part |= w.into(w.into(contracts, "AWARDED"), "INTERVENED_IN")
    procedures = w.of(changed, "ContractingProcess")
    awards |= suppliers(w.out(procedures, "AWARDED"))
    took_part |= w.into(procedures, "INTERVENED_IN")
    processes |= procedures
    parties = w.of(changed, "Company") | w.of(changed, "Person")
    details |= parties
    companies |= parties
    near |= parties
    officials |= parties
    chains |= parties
    addresses |= w.of(changed, "Address")
    # what follows from a supplier's awards changing
    sanctions |= w.into(awards, "SANCTIONED")
    chains |= awards
    near |= awards
    companies |= awards
    addresses |= w.out(awards, "LOCATED_AT")
    officials |= _officials_reaching(w, chains, chain) | took_part
    processes |= w.out(details, "TENDERED")

    def ids(nodes: set[int], label: str) -> list[str]:
        return sorted(graph.ids[n] for n in w.of(nodes, label))

    people = ids(officials, "Person")
    return {"P001": ids(sanctions, "Sanction"), "P002": people, "P003": people, "P004": people,
            "P005": ids(sanctions, "Sanction"), "P006": ids(near, "Company"),
            "P007": ids(processes, "ContractingProcess"),
            "P008": ids(companies, "Company"), "P009": ids(addresses, "Address")}


def _family(w: _Walk, bodies: set[int]) -> set[int]:
    """Public bodies joined to these by ``PART_OF``, either way (an institution and all its units)."""
    family, frontier = set(bodies), set(bodies)
    for _ in range(10):
        frontier = (w.out(frontier, "PART_OF") | w.into(frontier, "PART_OF")) - family
        if not frontier:
            break
        family |= frontier
    return family


def _officials_reaching(w: _Walk, nodes: set[int], chain: int) -> set[int]:
    """Officials whose own or a relative's chain of control (up to ``chain`` hops) passes through ``nodes``, or
    ends at a namesake of one of them."""
    start = set(nodes) | w.out(nodes, "NAMESAKE_OF") | w.into(nodes, "NAMESAKE_OF")
    upstream, frontier = set(start), set(start)
    for _ in range(chain):
        frontier = w.into(frontier, *CONTROL) - upstream
        if not frontier:
            break
        upstream |= frontier
    people = w.of(upstream, "Person")
    tied = people | w.out(people, "FAMILY_OF") | w.into(people, "FAMILY_OF")
    degree = w.graph.degree_out("HOLDS_POSITION") + w.graph.degree_out("INTERVENED_IN")
    return {p for p in tied if degree[p] > 0}


__all__ = ["ROOT_ROLES", "Scanner", "affected_roots", "moment"]
