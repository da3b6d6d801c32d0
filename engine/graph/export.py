"""Export the graph from the store for detection jobs, two ways.

**In bulk, by columns** (:class:`BulkReader`): what detection reads of the whole graph — the
properties in :data:`NODE_COLUMNS` and :data:`REL_COLUMNS` — a label or a relationship type at a
time, relationships in pages of source ids, every value as a plain column. Full scans read the
graph once this way (``engine.detection.scan``).

**A neighbourhood, into NetworkX** (:class:`Exporter`): from a set of touched entities, up to
the buyers they concern and down again (a public body with its processes, contracts, bidders and
suppliers, the people who hold positions there and their relatives, the chains of control above
the companies up to ``k`` hops, and the sanctions on any of them): the partition on-arrival
detection re-checks, and the reference the tests hold the bulk path to.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any

import networkx as nx

from engine.graph.cypher import Statement
from engine.graph.schema import schema
from engine.graph.store import GraphStore

CONTROL = ("OWNS", "DIRECTS", "REPRESENTS")
# The relationship properties detection reads; other relationships travel with their id only
# (most of a large graph is tenders and awards, whose properties no pattern needs here).
_OBSERVED = ("start", "end", "declared_on", "operation")  # a tie's period, or the declarations that state it
_REL_PROPS = {
    "HOLDS_POSITION": ("role", "start", "end"),
    "OWNS": ("share", "share_min", "share_max", "identified_by", *_OBSERVED),
    "DIRECTS": ("role", "identified_by", *_OBSERVED),
    "REPRESENTS": ("role", "identified_by", *_OBSERVED),
    "FAMILY_OF": ("relation", *_OBSERVED),
    "INTERVENED_IN": ("role",),
    "BUYER_OF": ("role",),
}
AWARDS = ("Contract", "Award")  # what a process awards and a supplier supplies


def _rel_map(rel_type: str) -> str:
    """The relationship's id and the properties detection reads, one column each (``rel_id``, then by name): a map
    per row would repeat its keys in every row of the reply, and be parsed value by value."""
    return ", ".join(["r.id AS rel_id", *(f"r.`{p}` AS `{p}`" for p in _REL_PROPS.get(rel_type, ()))])


_ENDS = ("src", "src_label", "dst", "dst_label")  # the columns of an edge row that are not its properties
_CHUNK = 2000


@cache
def out_edges(label: str, rel_type: str) -> Statement:
    """Relationships of one type leaving nodes of one label, with the far end."""
    schema().label(label)
    if rel_type not in schema().relationships:
        raise ValueError(rel_type)
    return Statement(
        f"export_out[{label}-{rel_type}]",
        f"""UNWIND $ids AS node_id
MATCH (a:{label} {{id: node_id}})-[r:{rel_type}]->(b)
RETURN a.id AS src, '{label}' AS src_label, b.id AS dst, labels(b)[0] AS dst_label, {_rel_map(rel_type)}""",
        ("ids",),
    )


@cache
def in_edges(label: str, rel_type: str) -> Statement:
    """Relationships of one type arriving at nodes of one label, with the far end."""
    schema().label(label)
    if rel_type not in schema().relationships:
        raise ValueError(rel_type)
    return Statement(
        f"export_in[{label}-{rel_type}]",
        f"""UNWIND $ids AS node_id
MATCH (b)-[r:{rel_type}]->(a:{label} {{id: node_id}})
RETURN b.id AS src, labels(b)[0] AS src_label, a.id AS dst, '{label}' AS dst_label, {_rel_map(rel_type)}""",
        ("ids",),
    )


# Node properties detection does not read and that weigh (a whole OCDS release, flag evidence)
# stay in the store: a map projection names what to bring instead.
_LEAN = {
    "ContractingProcess": ("id", "name", "title", "ocid", "date", "amount", "currency", "procurement_method",
                           "status", "tender_start", "tender_end", "folio"),
    "Flag": ("id", "pattern", "status", "severity", "score"),
}


@cache
def node_props(label: str) -> Statement:
    schema().label(label)
    lean = _LEAN.get(label)
    props = "n {" + ", ".join(f".{p}" for p in lean) + "}" if lean else "properties(n)"
    return Statement(
        f"export_nodes[{label}]",
        f"UNWIND $ids AS node_id MATCH (n:{label} {{id: node_id}}) RETURN n.id AS id, {props} AS props",
        ("ids",),
    )


@cache
def all_ids(label: str) -> Statement:
    schema().label(label)
    return Statement(
        f"export_all_ids[{label}]",
        f"MATCH (n:{label}) RETURN n.id AS id ORDER BY id SKIP $skip LIMIT $limit",
        ("skip", "limit"),
    )


SANCTIONED_AT_ADDRESSES = Statement(
    "export_sanctioned_at_addresses",
    """UNWIND $ids AS node_id
MATCH (a:Address {id: node_id})<-[r:LOCATED_AT]-(c:Company)<-[:SANCTIONED]-(:Sanction)
RETURN DISTINCT c.id AS src, 'Company' AS src_label, a.id AS dst, 'Address' AS dst_label, r.id AS rel_id""",
    ("ids",),
)


@cache
def named_holders(rel_type: str) -> Statement:
    """Ties of one control type to companies that the declaring record named by name alone (no valid RFC)."""
    if rel_type not in CONTROL:
        raise ValueError(rel_type)
    return Statement(
        f"export_named_holders[{rel_type}]",
        f"""UNWIND $ids AS node_id
MATCH (b)-[r:{rel_type}]->(a:Company {{id: node_id}})
WHERE r.identified_by = 'name'
RETURN b.id AS src, labels(b)[0] AS src_label, a.id AS dst, 'Company' AS dst_label, {_rel_map(rel_type)}""",
        ("ids",),
    )


def export_statements() -> list[Statement]:
    """Every export statement, for the Neo4j linter."""
    out: list[Statement] = [SANCTIONED_AT_ADDRESSES, *(named_holders(t) for t in CONTROL)]
    for rel in schema().relationships.values():
        out += [out_edges(label, rel.name) for label in rel.sources]
        out += [in_edges(label, rel.name) for label in rel.targets]
    out += [node_props(label) for label in schema().labels]
    out += [all_ids(label) for label in schema().labels]
    return out


# -- bulk ---------------------------------------------------------------------------------------------
# What detection reads of each node: the patterns read nothing else (a test holds their sources to
# this list), so a full scan brings these and leaves the rest (releases, provenance, search text).
NODE_COLUMNS: dict[str, tuple[str, ...]] = {
    "Person": ("name", "rfc", "telephone", "email"),
    "Company": ("name", "rfc", "telephone", "email", "incorporation_date"),
    "PublicBody": ("name",),
    "ContractingProcess": ("name", "title", "ocid", "date"),
    "Contract": ("name", "title", "date_signed", "start_date", "amount", "currency"),
    "Award": ("name", "title", "date_signed", "start_date", "amount", "currency"),
    "Address": ("name",),
    "Sanction": ("name", "program", "status", "listed_on", "definitive_on", "start", "end", "type", "reason",
                 "authority"),
}
DETECTION_RELS = ("HOLDS_POSITION", "OWNS", "DIRECTS", "REPRESENTS", "FAMILY_OF", "PART_OF", "BUYER_OF", "AWARDED",
                  "SUPPLIES", "TENDERED", "INTERVENED_IN", "LOCATED_AT", "SANCTIONED", "NAMESAKE_OF")
REL_COLUMNS: dict[str, tuple[str, ...]] = {rel: _REL_PROPS.get(rel, ()) for rel in DETECTION_RELS}
# Relationships detection reads no column of travel as one row per pair of nodes: no pattern counts them
# (a bid's rows, one per lot as OCDS bids.details give them, are most of a national graph's relationships).
PAIRS_ONLY = tuple(rel for rel in DETECTION_RELS if not REL_COLUMNS[rel])
_KEYS = ("id", "elementId")  # FalkorDB's internal ids, Neo4j's element ids (the adapters' ``node_key``)


def _key(key: str) -> str:
    if key not in _KEYS:
        raise ValueError(f"not a key function: {key!r}")
    return key


@cache
def bulk_nodes(label: str, key: str) -> Statement:
    """Every node of ``label``: its store key, its id and the columns detection reads."""
    schema().label(label)
    columns = "".join(f", n.{c} AS {c}" for c in NODE_COLUMNS[label])
    return Statement(f"bulk_nodes[{label}]", f"MATCH (n:{label}) RETURN {_key(key)}(n) AS key, n.id AS id{columns}")


@cache
def bulk_rels(rel_type: str, source: str, key: str) -> Statement:
    """Relationships of one type leaving the nodes of ``source`` whose store keys lie in [$lo, $hi]: the keys
    of both ends and the relationship's columns (bidder–process pairs for tenders)."""
    rel = schema().relationships[rel_type]
    if source not in rel.sources or rel_type not in DETECTION_RELS:
        raise ValueError(f"({source})-[:{rel_type}]->")
    fn = _key(key)
    head = f"""MATCH (a:{source})
WHERE {fn}(a) >= $lo AND {fn}(a) <= $hi
"""
    if rel_type in PAIRS_ONLY:
        text = head + f"MATCH (a)-[:{rel_type}]->(b)\nRETURN DISTINCT {fn}(a) AS src, {fn}(b) AS dst"
    else:
        columns = "".join(f", r.{c} AS {c}" for c in REL_COLUMNS[rel_type])
        text = head + f"MATCH (a)-[r:{rel_type}]->(b)\nRETURN {fn}(a) AS src, {fn}(b) AS dst{columns}"
    return Statement(f"bulk_rels[{source}-{rel_type}]", text, ("lo", "hi"))


# Releases are paged by store keys listed in id order, not by an id range: FalkorDB 4.16's index answers
# `p.id <= $x` on strings wrongly (it returned every Person for an upper bound that excludes four fifths).
@cache
def release_keys(key: str) -> Statement:
    """The processes that keep their OCDS release: store key and id."""
    return Statement("release_keys", f"""MATCH (p:ContractingProcess)
WHERE p.release IS NOT NULL
RETURN {_key(key)}(p) AS key, p.id AS id""")


@cache
def releases_by_key(key: str) -> Statement:
    """The releases of the processes whose store keys are $keys, in that order."""
    return Statement("releases_by_key", f"""UNWIND $keys AS process_key
MATCH (p:ContractingProcess)
WHERE {_key(key)}(p) = process_key
RETURN p.id AS id, p.release AS release""", ("keys",))


def bulk_statements(key: str) -> list[Statement]:
    """Every bulk statement with the store's key function, for the Neo4j linter."""
    out = [bulk_nodes(label, key) for label in NODE_COLUMNS]
    for rel_type in DETECTION_RELS:
        out += [bulk_rels(rel_type, source, key) for source in schema().relationships[rel_type].sources
                if source in NODE_COLUMNS]
    return out + [release_keys(key), releases_by_key(key)]


class BulkReader:
    """The graph's detection view by columns: a label, or a relationship type in pages of source nodes.

    Pages are ranges of store keys: FalkorDB's integer ids seek a range cheaply; keys that are not
    numbers (Neo4j's element ids) are read in one page, which the driver streams."""

    def __init__(self, store: GraphStore, page: int = 50_000):
        self.store = store
        self.page = page

    def nodes(self, label: str) -> dict[str, list[Any]]:
        """Columns ``key``, ``id`` and :data:`NODE_COLUMNS` of ``label``."""
        return self.store.columns(bulk_nodes(label, self.store.node_key))

    def pages(self, keys: list[Any]) -> list[tuple[Any, Any]]:
        """Key ranges of at most ``page`` nodes each, covering ``keys``."""
        if not keys:
            return []
        if not all(isinstance(k, int) for k in keys):
            return [(min(keys), max(keys))]
        ordered = sorted(keys)
        return [(ordered[i], ordered[min(i + self.page, len(ordered)) - 1]) for i in range(0, len(ordered), self.page)]

    def rel_page(self, rel_type: str, source: str, lo: Any, hi: Any) -> dict[str, list[Any]]:
        """Columns ``src``, ``dst`` (store keys) and :data:`REL_COLUMNS` of ``rel_type``, for the
        relationships leaving the nodes of ``source`` whose keys lie in [lo, hi]."""
        typed = bool(REL_COLUMNS[rel_type])  # keys alone need no types from the store
        return self.store.columns(bulk_rels(rel_type, source, self.store.node_key), {"lo": lo, "hi": hi}, typed)

    def releases(self, page: int = 2000) -> Iterator[tuple[str, Any]]:
        """Every process that keeps its OCDS release, in id order, a page at a time: (process id, release)."""
        listed = self.store.columns(release_keys(self.store.node_key))
        keys = [k for _, k in sorted(zip(listed.get("id", []), listed.get("key", []), strict=True))]
        for i in range(0, len(keys), page):
            rows = self.store.columns(releases_by_key(self.store.node_key), {"keys": keys[i:i + page]})
            yield from zip(rows.get("id", []), rows.get("release", []), strict=True)


class Exporter:
    """Builds NetworkX multigraphs from the store, a batch of ids at a time."""

    def __init__(self, store: GraphStore):
        self.store = store

    def _edges(self, statement: Statement, ids: list[str]) -> list[dict[str, Any]]:
        """Rows of ``statement`` for ``ids``, read by column (the store's bulk read: no result objects to
        build and convert, which took most of an on-arrival check's time)."""
        rows: list[dict[str, Any]] = []
        for i in range(0, len(ids), _CHUNK):
            columns = self.store.columns(statement, {"ids": ids[i:i + _CHUNK]})
            if not columns:
                continue
            if "src" not in columns:  # nodes and their properties
                names = list(columns)
                rows += [dict(zip(names, values, strict=True)) for values in zip(*columns.values(), strict=True)]
                continue
            names = [n for n in columns if n not in _ENDS]
            keys = ["id" if n == "rel_id" else n for n in names]
            for src, src_label, dst, dst_label, *values in zip(*(columns[n] for n in (*_ENDS, *names)), strict=True):
                rows.append({"src": src, "src_label": src_label, "dst": dst, "dst_label": dst_label,
                             "props": dict(zip(keys, values, strict=True))})
        return rows

    def ids(self, label: str, page: int = 50000) -> list[str]:
        out: list[str] = []
        while True:
            rows = self.store.run(all_ids(label), {"skip": len(out), "limit": page})
            out += [r["id"] for r in rows]
            if len(rows) < page:
                return out

    def neighbourhood(self, seeds: dict[str, set[str]], k: int = 3) -> nx.MultiDiGraph:
        """The detection neighbourhood of ``seeds`` (label → ids)."""
        graph = nx.MultiDiGraph()
        known: dict[str, set[str]] = {label: set() for label in schema().labels}

        def add(rows: Iterable[dict[str, Any]], rel_type: str, far: str | None = None) -> dict[str, set[str]]:
            """Add the rows' edges; return the nodes at their ``far`` end ("src" or "dst"), known before or not
            (an official already met as a supplier is still an official whose relatives count), or, without
            ``far``, the nodes met for the first time."""
            reached: dict[str, set[str]] = {}
            for row in rows:
                for end, node, label in (("src", row["src"], row["src_label"]), ("dst", row["dst"], row["dst_label"])):
                    first = node not in known.setdefault(label, set())
                    if first:
                        known[label].add(node)
                    if end == far or (far is None and first):
                        reached.setdefault(label, set()).add(node)
                key = (row.get("props") or {}).get("id")
                if not graph.has_edge(row["src"], row["dst"], key=key):
                    graph.add_edge(row["src"], row["dst"], key=key, type=rel_type, **(row.get("props") or {}))
            return reached

        def follow(label: str, rel_type: str, direction: str, ids: set[str]) -> dict[str, set[str]]:
            if not ids:
                return {}
            rel = schema().relationships[rel_type]
            if (direction == "out" and label not in rel.sources) or (direction == "in" and label not in rel.targets):
                return {}
            stmt = out_edges(label, rel_type) if direction == "out" else in_edges(label, rel_type)
            return add(self._edges(stmt, sorted(ids)), rel_type, "dst" if direction == "out" else "src")

        def merge(into: dict[str, set[str]], more: dict[str, set[str]]) -> None:
            for label, ids in more.items():
                into.setdefault(label, set()).update(ids)

        for label, ids in seeds.items():
            known.setdefault(label, set()).update(ids)
        bodies = set(seeds.get("PublicBody", set()))
        processes = set(seeds.get("ContractingProcess", set()))
        contracts = {label: set(seeds.get(label, set())) for label in AWARDS}
        companies = set(seeds.get("Company", set()))
        people = set(seeds.get("Person", set()))

        # Upward from what was touched to the buyers it concerns; for a touched company, also to those its
        # namesakes supplied (a tie declared to it by name alone may be to them).
        found: dict[str, set[str]] = {}
        if companies:
            pairs = [row for stmt in (out_edges("Company", "NAMESAKE_OF"), in_edges("Company", "NAMESAKE_OF"))
                     for row in self._edges(stmt, sorted(companies))]
            others = {end for row in pairs for end in (row["src"], row["dst"])} - companies
            supplying = {row["src"] for row in self._edges(out_edges("Company", "SUPPLIES"), sorted(others))
                         } if others else set()
            add([row for row in pairs if row["src"] in supplying or row["dst"] in supplying], "NAMESAKE_OF")
            merge(found, follow("Company", "SUPPLIES", "out", supplying))
        merge(found, follow("Company", "SUPPLIES", "out", companies))
        merge(found, follow("Person", "SUPPLIES", "out", people))
        merge(found, follow("Company", "TENDERED", "out", companies))
        merge(found, follow("Person", "HOLDS_POSITION", "out", people))
        merge(found, follow("Person", "INTERVENED_IN", "out", people))
        for label in AWARDS:
            contracts[label] |= found.get(label, set())
        processes |= found.get("ContractingProcess", set())
        bodies |= found.get("PublicBody", set())
        for label in AWARDS:
            merge(found, follow(label, "AWARDED", "in", contracts[label]))
        processes |= found.get("ContractingProcess", set())
        merge(found, follow("ContractingProcess", "BUYER_OF", "in", processes))
        bodies |= found.get("PublicBody", set())

        # The institutions those bodies belong to, and all their units: an institution and its
        # sub-units are one when a pattern compares the official's institution with the buyer.
        frontier = set(bodies)
        for direction in ("out", "in"):
            frontier = set(bodies)
            for _ in range(5):
                frontier = follow("PublicBody", "PART_OF", direction, frontier).get("PublicBody", set()) - bodies
                if not frontier:
                    break
                bodies |= frontier

        # Downward from the buyers: their procurement and their people.
        step = follow("PublicBody", "BUYER_OF", "out", bodies)
        processes |= step.get("ContractingProcess", set())
        step = follow("ContractingProcess", "AWARDED", "out", processes)
        for label in AWARDS:
            contracts[label] |= step.get(label, set())
        suppliers: set[str] = set()
        for label in AWARDS:
            step = follow(label, "SUPPLIES", "in", contracts[label])
            suppliers |= step.get("Company", set())
            people |= step.get("Person", set())
        companies |= suppliers
        step = follow("ContractingProcess", "TENDERED", "in", processes)
        companies |= step.get("Company", set())
        people |= step.get("Person", set())
        officials: set[str] = set()
        step = follow("PublicBody", "HOLDS_POSITION", "in", bodies)
        officials |= step.get("Person", set())
        step = follow("ContractingProcess", "INTERVENED_IN", "in", processes)
        officials |= step.get("Person", set())
        people |= officials

        # Relatives of the officials: what they hold is the officials' conflict.
        for direction in ("out", "in"):
            people |= follow("Person", "FAMILY_OF", direction, officials).get("Person", set())

        # Chains of control above the bidders and suppliers, up to k hops.
        procurement = set(companies)
        frontier = set(companies)
        direct_controllers: dict[str, set[str]] = {}
        for hop in range(k):
            grown: dict[str, set[str]] = {}
            for rel_type in CONTROL:
                merge(grown, follow("Company", rel_type, "in", frontier))
            if hop == 0:
                direct_controllers = {label: set(ids) for label, ids in grown.items()}
            frontier = grown.get("Company", set()) - companies
            companies |= frontier
            people |= grown.get("Person", set())
            if not frontier:
                break
        # The suppliers' namesakes (one name, another valid RFC) that someone declared a tie to by name alone:
        # that tie may be to the supplier. Those namesakes, their holders (all of them: a tie also declared
        # with the RFC is no namesake's) and the chains of control above them; nothing else of a namesake (one
        # without such a tie changes no finding).
        pairs = [row for stmt in (out_edges("Company", "NAMESAKE_OF"), in_edges("Company", "NAMESAKE_OF"))
                 for row in self._edges(stmt, sorted(suppliers))] if suppliers else []
        other_end = {end for row in pairs for end in (row["src"], row["dst"])}  # both may be suppliers
        held = {rel_type: self._edges(named_holders(rel_type), sorted(other_end)) if other_end else []
                for rel_type in CONTROL}
        named = {row["dst"] for rows in held.values() for row in rows}
        add([row for row in pairs if row["src"] in named or row["dst"] in named], "NAMESAKE_OF")
        companies |= named
        for rel_type in CONTROL:
            holders = follow("Company", rel_type, "in", named)
            people |= holders.get("Person", set())
            frontier = holders.get("Company", set()) - companies
            companies |= frontier
            for _ in range(k - 1):
                higher: dict[str, set[str]] = {}
                for above in CONTROL:
                    merge(higher, follow("Company", above, "in", frontier))
                people |= higher.get("Person", set())
                frontier = higher.get("Company", set()) - companies
                companies |= frontier
                if not frontier:
                    break

        # Whatever else the direct controllers of bidders and suppliers control (a shared
        # owner or director with a sanctioned company).
        for label, ids in direct_controllers.items():
            for rel_type in CONTROL:
                companies |= follow(label, rel_type, "out", ids).get("Company", set())

        # Addresses of bidders and suppliers, sanctioned companies at them, and the
        # sanctions on everyone in the partition.
        addresses = follow("Company", "LOCATED_AT", "out", procurement).get("Address", set())
        if addresses:
            companies |= add(self._edges(SANCTIONED_AT_ADDRESSES, sorted(addresses)), "LOCATED_AT").get(
                "Company", set())
        follow("Company", "SANCTIONED", "in", companies)
        follow("Person", "SANCTIONED", "in", people)

        for label, ids in known.items():
            if not ids:
                continue
            for row in self._edges(node_props(label), sorted(ids)):
                graph.add_node(row["id"], label=label, **(row.get("props") or {}))
        return graph
