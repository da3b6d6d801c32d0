"""Where each pattern's findings can start, found by joins over the whole graph.

A pattern's outer loop walks every official, supplier, process, address or sanction; almost none of
them yields anything. Each function here answers, with sparse matrix products over the arrays of a
:class:`~engine.detection.scan.compact.CompactGraph`, which of those nodes *can* yield a finding — a
superset that ignores dates, shares and thresholds — and the pattern's own code then decides on those
alone. The joins are deliberately looser than the patterns (walks may revisit a node, a period is not
read): a root they miss would be a finding lost, a root too many costs a few microseconds. The tests
hold every function to that on random graphs against the patterns run over all nodes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp

from engine.detection.context import CONTROL
from engine.detection.patterns.p007_tenderers_share_details import _norm
from engine.detection.patterns.p008_new_company_large_award import _incorporated
from engine.detection.scan.compact import LABELS, CompactGraph
from engine.detection.scan.context import CompactContext

Roots = dict[str, list[str]]


def _binary(m: Any) -> sp.csr_matrix:
    """1 where ``m`` is non-zero: a relation, not a count (so products never overflow)."""
    m = sp.csr_matrix(m)
    m.sum_duplicates()
    m.eliminate_zeros()
    m.data = np.ones_like(m.data, dtype=np.int64)
    return m


def _cached(graph: CompactGraph, key: Any, make: Callable[[], Any]) -> Any:
    if key not in graph.cache:
        graph.cache[key] = make()
    return graph.cache[key]


def _is(graph: CompactGraph, nodes: np.ndarray, label: str | None) -> np.ndarray:
    return np.ones(len(nodes), dtype=bool) if label is None else graph.label_codes[nodes] == LABELS.index(label)


def adjacency(graph: CompactGraph, rel_type: str, source: str | None = None, target: str | None = None
              ) -> sp.csr_matrix:
    """The relationships of one type as a 0/1 matrix over all nodes (source × target)."""
    def make() -> sp.csr_matrix:
        rel = graph.rels[rel_type]
        keep = _is(graph, rel.src, source) & _is(graph, rel.dst, target)
        n = len(graph)
        return _binary(sp.csr_matrix((np.ones(int(keep.sum()), dtype=np.int64), (rel.src[keep], rel.dst[keep])),
                                     shape=(n, n)))
    return _cached(graph, ("adjacency", rel_type, source, target), make)


def _diagonal(graph: CompactGraph, mask: np.ndarray) -> sp.csr_matrix:
    return sp.diags(mask.astype(np.int64), format="csr", dtype=np.int64)


def _vector(graph: CompactGraph, mask: np.ndarray) -> np.ndarray:
    return mask.astype(np.int64)


def _ids(graph: CompactGraph, mask: np.ndarray, label: str) -> list[str]:
    nodes = np.flatnonzero(mask & (graph.label_codes == LABELS.index(label)))
    return [graph.ids[n] for n in nodes.tolist()]


# -- the shared relations --------------------------------------------------------------------
def control(graph: CompactGraph) -> sp.csr_matrix:
    """Controller × controlled, by ownership, directorship or representation."""
    return _cached(graph, "control", lambda: _binary(sum(adjacency(graph, t) for t in CONTROL)))


def ties(graph: CompactGraph) -> sp.csr_matrix:
    """Person × person tied to them: themself and declared relatives, either direction."""
    def make() -> sp.csr_matrix:
        family = adjacency(graph, "FAMILY_OF", "Person", "Person")
        people = _diagonal(graph, graph.label_codes == LABELS.index("Person"))
        return _binary(people + family + family.T)
    return _cached(graph, "ties", make)


def reach(graph: CompactGraph, low: int, high: int) -> sp.csr_matrix:
    """Node × company at the end of a chain of control of ``low`` to ``high`` hops (first hop any control,
    then ownership between companies), as ``DetectionContext.control_paths`` walks them."""
    def make() -> sp.csr_matrix:
        first = _binary(sum(adjacency(graph, t, None, "Company") for t in CONTROL))
        owns = adjacency(graph, "OWNS", "Company", "Company")
        total, step = None, first
        for hops in range(1, high + 1):
            if hops >= low:
                total = step if total is None else total + step
            if hops < high:
                step = _binary(step @ owns)
        if total is None:
            return sp.csr_matrix((len(graph), len(graph)), dtype=np.int64)
        # a chain may end at a namesake of its last company (declared by name alone): same hops
        return _binary(total + total @ namesakes(graph))
    return _cached(graph, ("reach", low, high), make)


def namesakes(graph: CompactGraph) -> sp.csr_matrix:
    """Company × company of one name the resolver kept apart by their RFCs, both ways."""
    def make() -> sp.csr_matrix:
        named = adjacency(graph, "NAMESAKE_OF", "Company", "Company")
        return _binary(named + named.T)
    return _cached(graph, "namesakes", make)


def institutions(graph: CompactGraph) -> sp.csr_matrix:
    """Public body × the institution it belongs to (up ``PART_OF``, as the patterns roll it up)."""
    def make() -> sp.csr_matrix:
        ctx = CompactContext(graph, "")
        bodies = graph.nodes("PublicBody").tolist()
        tops = [graph.index[ctx.institution(graph.ids[b])] for b in bodies]
        n = len(graph)
        return _binary(sp.csr_matrix((np.ones(len(bodies), dtype=np.int64), (bodies, tops)), shape=(n, n)))
    return _cached(graph, "institutions", make)


def buyers(graph: CompactGraph) -> sp.csr_matrix:
    """Supplier × public body that bought from it (as buyer or procuring entity)."""
    def make() -> sp.csr_matrix:
        supplies = adjacency(graph, "SUPPLIES")
        awarded = adjacency(graph, "AWARDED")
        buyer_of = adjacency(graph, "BUYER_OF")
        return _binary(_binary(supplies @ awarded.T) @ buyer_of.T)
    return _cached(graph, "buyers", make)


def _rows_with(m: sp.csr_matrix, at_least: int = 1) -> np.ndarray:
    m = sp.csr_matrix(m)
    if at_least <= 1:
        return np.diff(m.indptr) > 0
    hits = np.zeros(m.shape[0], dtype=bool)
    rows = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
    hits[rows[m.data >= at_least]] = True
    return hits


# -- one function per pattern -----------------------------------------------------------------------
def sanctions_on_suppliers(graph: CompactGraph, config: Any) -> Roots:
    """P001, P005: sanctions on someone who supplied a contract."""
    supplier = graph.degree_out("SUPPLIES") > 0
    hit = adjacency(graph, "SANCTIONED") @ _vector(graph, supplier) > 0
    return {"Sanction": _ids(graph, hit, "Sanction")}


def conflict_roots(low: int, high: Callable[[Any], int]) -> Callable[[CompactGraph, Any], Roots]:
    """P002, P003: officials whose own or a relative's chain of control ends at a supplier of the
    institution where they hold a post."""
    def roots(graph: CompactGraph, config: Any) -> Roots:
        supplied = _binary(buyers(graph) @ institutions(graph))  # supplier × institution
        posts = _binary(adjacency(graph, "HOLDS_POSITION", "Person", "PublicBody") @ institutions(graph))
        linked = _binary(ties(graph) @ reach(graph, low, high(config))) @ supplied
        return {"Person": _ids(graph, _rows_with(linked.multiply(posts)), "Person")}
    return roots


def intervened_roots(graph: CompactGraph, config: Any) -> Roots:
    """P004: officials who took part in a procedure won by a company at the end of their or a relative's
    chain of control."""
    winners = _binary(adjacency(graph, "AWARDED") @ adjacency(graph, "SUPPLIES").T)  # process × winner
    took_part = _binary(adjacency(graph, "INTERVENED_IN", "Person") @ winners)  # official × winner
    linked = _binary(ties(graph) @ reach(graph, 1, config.max_chain))
    return {"Person": _ids(graph, _rows_with(took_part.multiply(linked)), "Person")}


def near_sanctioned(graph: CompactGraph, config: Any) -> Roots:
    """P006: suppliers with a sanctioned controller, a controller of something sanctioned, or (with
    ``include_address``) an address shared with a sanctioned party."""
    sanctioned = _vector(graph, graph.degree_in("SANCTIONED") > 0)
    ctl = control(graph)
    score = ctl.T @ sanctioned + ctl.T @ (ctl @ sanctioned)
    if config.include_address:
        located = adjacency(graph, "LOCATED_AT")
        score = score + located @ (located.T @ sanctioned)
    hit = (score > 0) & (graph.degree_out("SUPPLIES") > 0)
    return {"Company": _ids(graph, hit, "Company")}


def shared_details(graph: CompactGraph, config: Any) -> Roots:
    """P007: processes where two tenderers share an address, a representative, a phone or an e-mail."""
    tendered = adjacency(graph, "TENDERED")
    n = len(graph)
    details = [adjacency(graph, "LOCATED_AT"), control(graph).T]
    for column in ("telephone", "email"):
        codes: dict[str, int] = {}
        rows, cols = [], []
        for label in ("Person", "Company"):
            if column not in graph.tables[label]:
                continue
            for node in graph.nodes(label).tolist():
                value = _norm(graph.value(node, column))
                if value:
                    rows.append(node)
                    cols.append(codes.setdefault(value, len(codes)))
        if rows:
            details.append(sp.csr_matrix((np.ones(len(rows), dtype=np.int64), (rows, cols)), shape=(n, len(codes))))
    hit = np.zeros(n, dtype=bool)
    for detail in details:
        hit |= _rows_with(tendered.T @ _binary(detail), at_least=2)
    return {"ContractingProcess": _ids(graph, hit, "ContractingProcess")}


def large_awards_to_companies(graph: CompactGraph, config: Any) -> Roots:
    """P008: companies whose incorporation date is known that supplied a contract of at least ``min_amount``."""
    large = np.zeros(len(graph), dtype=bool)
    for label in ("Contract", "Award"):
        nodes = graph.nodes(label)
        amounts = graph.tables[label]["amount"]
        rows = graph.rows[nodes].tolist()
        large[nodes] = [amounts[r] is not None and not (isinstance(amounts[r], int | float)
                                                        and amounts[r] < config.min_amount) for r in rows]
    supplier = adjacency(graph, "SUPPLIES", "Company") @ _vector(graph, large) > 0
    found = [graph.ids[c] for c in np.flatnonzero(supplier).tolist()
             if _incorporated(graph.props(c))[0] is not None]
    return {"Company": found}


def crowded_addresses(graph: CompactGraph, config: Any) -> Roots:
    """P009: addresses where at least ``min_suppliers`` located suppliers sold to one buyer."""
    per_buyer = adjacency(graph, "LOCATED_AT").T @ buyers(graph)  # address × buyer: suppliers there
    return {"Address": _ids(graph, _rows_with(per_buyer, at_least=config.min_suppliers), "Address")}


ROOTS: dict[str, Callable[[CompactGraph, Any], Roots]] = {
    "P001": sanctions_on_suppliers,
    "P002": conflict_roots(1, lambda config: 1),
    "P003": conflict_roots(2, lambda config: config.max_chain),
    "P004": intervened_roots,
    "P005": sanctions_on_suppliers,
    "P006": near_sanctioned,
    "P007": shared_details,
    "P008": large_awards_to_companies,
    "P009": crowded_addresses,
}
