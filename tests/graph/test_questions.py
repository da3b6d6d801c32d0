"""The journalists' questions (browser/queries.cypher): Neo4j's linter accepts every one, and the
same questions asked of the embedded graph through ``questions.ask`` give the expected answers —
on a small graph checked by hand, and on the demo data against the planted truth and a NetworkX
reference. With VINCULO_TEST_NEO4J_URI set, Neo4j and FalkorDB must also answer alike."""

from __future__ import annotations

import json
import os
import random
import re

import networkx as nx
import pytest

from engine.graph import cypher
from engine.graph.export import Exporter, out_edges
from engine.graph.questions import (
    FALKORDB_TWINS,
    PATH_HIDDEN_LABELS,
    QuestionError,
    answerable,
    ask,
    parse_kit,
    path_types,
    questions,
)
from engine.graph.schema import schema
from engine.graph.store import ReadOnlyViolation, open_store
from tests.graph import small_graph as g
from tests.graph.test_neo4j_lint import lint
from tests.helpers import counts

ISSUE_QUESTIONS = {"owners", "officials_of_suppliers", "flags", "shortest_path", "body_contracts"}


def truth(demo) -> list[dict]:  # type: ignore[no-untyped-def]
    return [json.loads(line) for line in (demo.scenario / "truth.jsonl").read_text().splitlines() if line.strip()]


# -- the kit file -------------------------------------------------------------------------------
def test_every_kit_query_and_param_line_passes_neo4js_linter():
    kit = questions()
    assert ISSUE_QUESTIONS | {"find", "model"} <= set(kit)
    results = lint([q.statement() for q in kit.values()])
    assert {name: d for name, d in results.items() if d} == {}
    from engine.graph.cypher import Statement

    params = [Statement(f"{q.name}:{i}", line) for q in kit.values() for i, line in enumerate(q.param_lines())]
    assert params and {name: d for name, d in lint(params).items() if d} == {}
    # the linter does bite on the kit's own shape: a typo in a label, a parameter the header does not declare
    broken = [Statement("typo", kit["owners"].text.replace("(c:Company)", "(c:Compnay)"), ("company", "depth")),
              Statement("undeclared", kit["owners"].text, ("company",))]
    assert all(lint(broken).values())


def test_the_kit_says_what_each_question_is_in_both_languages_and_never_writes():
    for q in questions().values():
        assert set(q.titles) == set(q.about) == {"es", "en"}, q.name
        assert not re.search(r"\b(CREATE|MERGE|SET|DELETE|REMOVE|DETACH|LOAD\s+CSV|CALL\s*\{)\b", q.text,
                             re.IGNORECASE), q.name
        assert set(re.findall(r"\$(\w+)", q.text)) == set(q.params), q.name  # every parameter has an example
        assert q.dialect == "portable" or q.browser_only or q.name in FALKORDB_TWINS, q.name
    with pytest.raises(QuestionError):
        parse_kit("// @name x\nMATCH (n) RETURN n")  # no ';'


def test_a_path_never_goes_through_a_hidden_label():
    """The FalkorDB twin of the shortest path follows path_types(); the Browser query excludes hidden nodes.
    They are the same rule only if no allowed type touches a hidden label and every other type does."""
    allowed = set(path_types())
    for rel in schema().relationships.values():
        touches = bool(set(rel.sources + rel.targets) & set(PATH_HIDDEN_LABELS))
        assert (rel.name in allowed) is not touches, rel.name


# -- a small graph, checked by hand --------------------------------------------------------------
@pytest.fixture
def small(store):  # type: ignore[no-untyped-def]
    store.write(g.small_graph())
    return store


def test_questions_on_a_hand_checked_graph(small):
    found = ask(small, "find", {"name": "constructora uno"})
    assert [r["id"] for r in found] == [g.SUPPLIER]
    assert [r["id"] for r in ask(small, "find", {"name": "pela800101ab1"})] == [g.OFFICIAL]  # an RFC, any case

    owners = {(r["holder"], r["hops"]) for r in ask(small, "owners", {"company": "Constructora Uno", "depth": 3})}
    assert owners == {("Holding Dos SA de CV", 1), ("Luis Pérez Gómez", 2)}
    assert {r["holder"] for r in ask(small, "owners", {"company": g.SUPPLIER, "depth": 1})} == {"Holding Dos SA de CV"}

    tied = ask(small, "officials_of_suppliers", {"body": "Secretaría de Pruebas", "depth": 3})
    assert {(r["official"], r["supplier"], tuple(r["ties"])) for r in tied} == {
        ("Ana Pérez López", "Constructora Uno SA de CV", ("FAMILY_OF", "OWNS", "OWNS"))}
    assert tied[0]["post"] == "Directora" and tied[0]["contracts"] == ["Contrato de prueba"]
    assert ask(small, "officials_of_suppliers", {"body": g.BODY, "depth": 1}) == []  # the chain has two companies

    flags = ask(small, "flags", {"pattern": "P002"})
    assert [f["id"] for f in flags] == [g.FLAG]
    assert {n["id"] for n in flags[0]["evidence"]} == {g.OFFICIAL, g.SUPPLIER, g.UNIT}
    assert {link["_type"] for link in flags[0]["links"]} == {"HOLDS_POSITION"}  # the only tie among the three
    assert json.loads(flags[0]["path"])["path"] == [g.OFFICIAL, g.SPOUSE, g.HOLDING, g.SUPPLIER]

    path = ask(small, "shortest_path", {"from": "Ana Pérez López", "to": "Constructora Uno"})
    # two steps through the flag, four through the contract: three through the family's companies
    assert [(p["hops"], p["via"]) for p in path] == [
        (3, ["Ana Pérez López", "Luis Pérez Gómez", "Holding Dos SA de CV", "Constructora Uno SA de CV"])]

    contracts = ask(small, "body_contracts", {"body": "SEPRU"}) or ask(small, "body_contracts", {"body": g.BODY})
    assert [(r["unit"], r["contract"], r["supplier"], r["amount"]) for r in contracts] == [
        ("Dirección de Compras de Pruebas", "Contrato de prueba", "Constructora Uno SA de CV", 1000.5)]
    assert contracts[0]["sanctions"] == ["PDN S3 firme 2021-01-01…2023-01-01"]


def test_questions_are_read_only_and_take_only_their_parameters(small):
    before = counts(small)
    with pytest.raises(QuestionError):
        ask(small, "owners", {"company": "x", "depth": 3, "label": "Company"})
    with pytest.raises(QuestionError):
        ask(small, "owners", {"company": "x", "depth": 7})
    with pytest.raises(QuestionError):
        ask(small, "owners", {"company": "x", "depth": "3"})
    with pytest.raises(QuestionError):
        ask(small, "model", {})  # a Browser command, not a question
    assert ask(small, "find", {"name": "x'}) DETACH DELETE e //"}) == []  # a value, never Cypher
    for write in ("CREATE (n:Company {id: 'w'})", "MATCH (n:Company) SET n.name = 'w'",
                  "MATCH (n:Company) DETACH DELETE n", "MERGE (n:Person {id: 'w'})"):
        with pytest.raises(ReadOnlyViolation):
            small.read(write)
    assert counts(small) == before
    assert set(answerable()) == set(questions()) - {"model"}


@pytest.mark.skipif(not os.environ.get("VINCULO_TEST_NEO4J_URI"), reason="VINCULO_TEST_NEO4J_URI not set")
@pytest.mark.neo4j
def test_neo4j_and_falkordb_answer_alike(small):
    neo4j = open_store(os.environ["VINCULO_TEST_NEO4J_URI"], os.environ.get("VINCULO_TEST_NEO4J_USER", "neo4j"),
                       os.environ.get("VINCULO_TEST_NEO4J_PASSWORD"))
    try:
        neo4j.clear()
        neo4j.ensure_schema()
        neo4j.write(g.small_graph())
        for name, params in (("find", {"name": "pérez"}), ("owners", {"company": g.SUPPLIER, "depth": 3}),
                             ("officials_of_suppliers", {"body": g.BODY, "depth": 3}), ("flags", {"pattern": "P002"}),
                             ("shortest_path", {"from": g.OFFICIAL, "to": g.SUPPLIER}),
                             ("body_contracts", {"body": g.BODY})):
            plain = [{k: v for k, v in row.items() if not isinstance(v, dict | list) or k in ("via", "ties")}
                     for row in ask(neo4j, name, params)]
            mine = [{k: v for k, v in row.items() if not isinstance(v, dict | list) or k in ("via", "ties")}
                    for row in ask(small, name, params)]
            assert sorted(map(repr, plain)) == sorted(map(repr, mine)), name
    finally:
        neo4j.clear()
        neo4j.close()


# -- the demo data ----------------------------------------------------------------------------------
def entity_graph(store) -> nx.Graph:  # type: ignore[no-untyped-def]
    """Every relationship a path may follow, read with the detection exporter's statements (not the kit's)."""
    exporter = Exporter(store)
    graph = nx.MultiDiGraph()
    types = set(path_types())
    for rel in schema().relationships.values():
        if rel.name not in types:
            continue
        for label in rel.sources:
            ids = exporter.ids(label)
            for i in range(0, len(ids), 2000):
                for row in store.run(out_edges(label, rel.name), {"ids": ids[i:i + 2000]}):
                    graph.add_node(row["src"], label=row["src_label"])
                    graph.add_node(row["dst"], label=row["dst_label"])
                    graph.add_edge(row["src"], row["dst"], key=row["rel_id"], type=rel.name)
    return graph


@pytest.fixture(scope="module")
def reference(demo_graph):  # type: ignore[no-untyped-def]
    return entity_graph(demo_graph.store)


def test_owners_match_a_networkx_reference_and_find_the_planted_chains(demo_graph, reference):
    store = demo_graph.store
    control = nx.DiGraph((u, v) for u, v, t in reference.edges(data="type") if t in ("OWNS", "DIRECTS", "REPRESENTS"))
    reverse = control.reverse(copy=False)
    checked = 0
    for company in sorted(n for n in control if reference.nodes[n]["label"] == "Company" and control.in_degree(n)):
        for depth in (1, 3):
            expected = set(nx.single_source_shortest_path_length(reverse, company, cutoff=depth)) - {company}
            rows = ask(store, "owners", {"company": company, "depth": depth})
            assert {r["path"]["nodes"][0]["id"] for r in rows} == expected, (company, depth)
            assert all(r["hops"] <= depth for r in rows)
        checked += 1
    assert checked > 20
    chains = [t for t in truth(demo_graph) if t["kind"] == "chain_ownership"]
    assert chains
    for t in chains:
        rows = ask(store, "owners", {"company": t["supplier"]["rfc"], "depth": 3})
        assert f"mx-rfc:{t['official']['rfc']}" in {r["path"]["nodes"][0]["id"] for r in rows if r["hops"] == 2}


def buyers_of(store, contract_id: str) -> set[str]:  # type: ignore[no-untyped-def]
    from engine.exports.subgraph import Selection, read_subgraph

    sub = read_subgraph(store, Selection(kind="entity", id=contract_id, depth=2))
    return {e.src for e in sub.edges.values() if e.type == "BUYER_OF"}


def expected_ties(reference: nx.MultiDiGraph, body: str, depth: int) -> set[tuple[str, str]]:
    """(official, supplier) pairs by the question's definition, computed in NetworkX."""
    def typed(*types: str) -> nx.DiGraph:
        return nx.DiGraph((u, v) for u, v, t in reference.edges(data="type") if t in types)

    part_of, control, family = typed("PART_OF"), typed("OWNS", "DIRECTS", "REPRESENTS"), typed("FAMILY_OF")
    up = nx.single_source_shortest_path_length(part_of, body, cutoff=3) if body in part_of else {body: 0}
    tops = {t for t in up if not part_of.has_node(t) or part_of.out_degree(t) == 0}
    units = set().union(*(nx.single_source_shortest_path_length(part_of.reverse(copy=False), t, cutoff=3)
                          if t in part_of else {t: 0} for t in tops)) if tops else set()
    processes = {v for u, v, t in reference.edges(data="type") if t == "BUYER_OF" and u in units}
    awards = {v for u, v, t in reference.edges(data="type") if t == "AWARDED" and u in processes}
    suppliers = {u for u, v, t in reference.edges(data="type") if t == "SUPPLIES" and v in awards
                 and reference.nodes[u]["label"] == "Company"}
    officials = {u for u, v, t in reference.edges(data="type") if t == "HOLDS_POSITION" and v in units}
    out = set()
    for official in officials:
        holders = {official} | (set(nx.all_neighbors(family, official)) if official in family else set())
        for holder in holders:
            if holder in control:
                reach = nx.single_source_shortest_path_length(control, holder, cutoff=depth)
                out |= {(official, s) for s in suppliers if s in reach and reach[s] > 0}
    return out


def test_officials_of_suppliers_match_networkx_and_find_every_planted_tie(demo_graph, reference):
    store = demo_graph.store
    planted = [t for t in truth(demo_graph) if t["kind"] in (
        "direct_ownership", "spouse_ownership", "dependant_ownership", "directorship", "representation",
        "chain_ownership")]
    assert len(planted) >= 10
    by_body: dict[str, set[str]] = {}
    for t in planted:
        for body in set().union(*(buyers_of(store, c) for c in t["contracts"])):
            by_body.setdefault(body, set()).add(f"mx-rfc:{t['official']['rfc']}")
    assert len(by_body) >= 3
    for body, officials in by_body.items():
        for depth in (1, 3):
            rows = ask(store, "officials_of_suppliers", {"body": body, "depth": depth})
            assert {(r["official_id"], r["supplier_id"]) for r in rows} == expected_ties(reference, body, depth)
            for r in rows:  # the tie starts at the official and ends at the supplier
                ends = r["tie"]["nodes"][0]["id"], r["tie"]["nodes"][-1]["id"]
                assert ends == (r["official_id"], r["supplier_id"])
        assert officials <= {r["official_id"] for r in rows}, body


def test_flags_question_gives_every_flag_of_a_pattern_with_its_path(demo_graph):
    store = demo_graph.store
    for pattern in ("P002", "P003", "P005", "P006"):
        rows = ask(store, "flags", {"pattern": pattern})
        listed = store.run(cypher.LIST_FLAGS, {"pattern": pattern, "status": None, "limit": 1000})
        assert rows and sorted(r["id"] for r in rows) == sorted(f["id"] for f in listed), pattern
        for row in rows:
            concerned = {c["entity"] for c in store.run(cypher.FLAG_ENTITIES) if c["flag"] == row["id"]}
            assert {n["id"] for n in row["evidence"]} == concerned
            assert json.loads(row["path"])["path"] and row["sentence"]
    assert ask(store, "flags", {"pattern": "P999"}) == []


def test_shortest_path_twin_agrees_with_networkx(demo_graph, reference):
    store = demo_graph.store
    undirected = nx.Graph(reference)
    pairs = [(f"mx-rfc:{t['official']['rfc']}", f"mx-rfc:{t['supplier']['rfc']}") for t in truth(demo_graph)
             if t["kind"] in ("direct_ownership", "spouse_ownership", "chain_ownership")]
    entities = sorted(n for n, label in undirected.nodes(data="label") if label in ("Person", "Company", "PublicBody"))
    rng = random.Random(7)
    pairs += [tuple(rng.sample(entities, 2)) for _ in range(12)]
    checked = 0
    for a, b in pairs:
        if a not in undirected or b not in undirected:
            continue
        try:
            expected = nx.shortest_path_length(undirected, a, b)
        except nx.NetworkXNoPath:
            expected = None
        rows = ask(store, "shortest_path", {"from": a, "to": b})
        rows = [r for r in rows if r["path"]["nodes"][0]["id"] == a and r["path"]["nodes"][-1]["id"] == b]
        if expected is None or expected > 8:
            assert rows == [], (a, b)
        else:
            assert rows and rows[0]["hops"] == expected, (a, b, expected)
            assert not any(set(n["_labels"]) & set(PATH_HIDDEN_LABELS) for n in rows[0]["path"]["nodes"])
        checked += 1
    assert checked >= 10


def test_body_contracts_list_every_contract_with_the_sanctions_of_its_supplier(demo_graph):
    from engine.exports.subgraph import Selection, read_subgraph

    store = demo_graph.store
    sanctioned = [t for t in truth(demo_graph) if t["kind"] == "sanctioned_supplier"]
    assert sanctioned
    for t in sanctioned:
        for contract in t["contracts"]:
            for body in buyers_of(store, contract):
                rows = ask(store, "body_contracts", {"body": body})
                sub = read_subgraph(store, Selection(kind="body", id=body))
                supplied = {(e.src, e.dst) for e in sub.edges.values() if e.type == "SUPPLIES"}
                assert {(r["supplier_id"], r["contract_id"]) for r in rows} == supplied
                assert [r for r in rows if r["contract_id"] == contract and r["sanctions"]], (body, contract)
