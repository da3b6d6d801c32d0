"""FollowTheMoney: the yente fixtures give the graph they describe; relationships land on
the entities they name; broken entities say what is wrong."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from engine.pipeline.facts import KeyLinker, record_to_graph
from engine.sources.base import H_ERROR, RecordContext, RecordError, RecordSkipped
from engine.sources.ftm import SOURCE, normalize
from tests.conftest import shared

CTX = RecordContext("test.ftm.json", "", None)
PARTIES = {"Person": "Person", "Company": "Company", "Organization": "Company", "LegalEntity": "Company",
           "PublicBody": "PublicBody"}
EDGES = {"Ownership": ("owner", "asset", "OWNS"), "Directorship": ("director", "organization", "DIRECTS"),
         "Family": ("person", "relative", "FAMILY_OF")}
FILES = ["zala.entities.ftm.json", "parteispenden.entities.ftm.json"]


def _fold(value: str) -> str:
    plain = "".join(c for c in unicodedata.normalize("NFKD", value) if not unicodedata.combining(c)).upper()
    return " ".join(re.sub(r"[^A-Z0-9]+", " ", plain).split())


def _expected(path: Path) -> tuple[dict[str, int], dict[str, int], Counter]:  # type: ignore[type-arg]
    entities = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    by_id = {e["id"]: e for e in entities}
    nodes: Counter = Counter()  # type: ignore[type-arg]
    rels: Counter = Counter()  # type: ignore[type-arg]
    text_addresses: set[str] = set()
    shares: Counter = Counter()  # type: ignore[type-arg]
    for e in entities:
        props = e["properties"]
        if e["schema"] in PARTIES:
            nodes[PARTIES[e["schema"]]] += 1
            # address entities of the dataset; the address text when none of them is in it
            linked = [a for a in props.get("addressEntity", []) if by_id.get(a, {}).get("schema") == "Address"]
            if linked:
                rels["LOCATED_AT"] += len(linked)
            else:
                folded = {_fold(a) for a in props.get("address", [])}
                text_addresses |= folded
                rels["LOCATED_AT"] += len(folded)
        elif e["schema"] == "Address":
            nodes["Address"] += 1
        elif e["schema"] == "Sanction":
            targets = [t for t in props["entity"] if by_id[t]["schema"] in ("Person", "Company")]
            nodes["Sanction"] += bool(targets)
            rels["SANCTIONED"] += len(targets)
        elif e["schema"] in EDGES:
            src, dst, rel = EDGES[e["schema"]]
            rels[rel] += len(props[src]) * len(props[dst])
            if rel == "OWNS":
                shares[float(props["percentage"][0]) if props.get("percentage") else None] += 1
    nodes["Address"] += len(text_addresses)
    return dict(nodes), dict(rels), shares


@pytest.mark.parametrize("name", FILES)
def test_real_streams_give_the_graph_the_entities_describe(name):
    path = shared("ftm", name)
    nodes: dict[str, set[str]] = {}
    rels: dict[str, set[str]] = {}
    shares: Counter = Counter()  # type: ignore[type-arg]
    skipped: Counter = Counter()  # type: ignore[type-arg]
    for raw in SOURCE.read(path):
        assert H_ERROR not in raw.headers
        try:
            record = normalize(raw.value, RecordContext(path.name, raw.locator, None))
        except RecordSkipped:
            skipped[json.loads(raw.value)["entity"]["schema"]] += 1
            continue
        batch = record_to_graph(record, KeyLinker())
        for node in batch.nodes:
            nodes.setdefault(node.label, set()).add(node.id)
        for rel in batch.rels:
            if rel.id not in rels.setdefault(rel.type, set()) and rel.type == "OWNS":
                shares[rel.props.get("share")] += 1
            rels[rel.type].add(rel.id)
    expected_nodes, expected_rels, expected_shares = _expected(path)
    assert {k: len(nodes.get(k, ())) for k in expected_nodes} == expected_nodes
    assert {k: len(rels.get(k, ())) for k in expected_rels} == expected_rels
    assert shares == expected_shares
    assert set(skipped) <= {"Payment", "Passport"}  # the schemata the graph has no place for
    # every endpoint a relationship names is the node its own record created
    people_and_companies = nodes.get("Person", set()) | nodes.get("Company", set())
    assert all(i.startswith(f"ftm:{name.split('.')[0]}:") for i in people_and_companies)


def test_a_relationship_lands_on_the_named_entities():
    path = shared("ftm", "zala.entities.ftm.json")
    records = {r.key: normalize(r.value, CTX) for r in SOURCE.read(path) if b'"Passport"' not in r.value}
    family = record_to_graph(records["zala:ofac-6d023267c742427bc92220ad97daca2e17b136ff"], KeyLinker())
    [rel] = [r for r in family.rels if r.type == "FAMILY_OF"]
    assert (rel.source_id, rel.target_id) == ("ftm:zala:NK-JseaPJctnK9o8wrmz8xmoT",
                                              "ftm:zala:NK-aU5ybkbRFJucf8YMwsJvDw")
    assert rel.props["relation"] == "Family member of"
    person = record_to_graph(records["zala:NK-aU5ybkbRFJucf8YMwsJvDw"], KeyLinker())
    assert "ftm:zala:NK-aU5ybkbRFJucf8YMwsJvDw" in {n.id for n in person.nodes if n.label == "Person"}
    sanction = record_to_graph(records["zala:au-dfat-56600015954691cece058c2a3b0e3b27740701e6"], KeyLinker())
    node = next(n for n in sanction.nodes if n.label == "Sanction")
    assert (node.props["program"], node.props["authority"], node.props["start"]) == (
        "Autonomous (Russia)", "Department of Foreign Affairs and Trade", "2023-02-24")


def _msg(entity: dict, refs: dict | None = None) -> bytes:  # type: ignore[type-arg]
    return json.dumps({"dataset": "t", "entity": entity, "refs": refs or {}}).encode()


def test_employment_by_a_public_body_is_a_position():
    job = {"id": "j1", "schema": "Employment",
           "properties": {"employee": ["p1"], "employer": ["b1"], "role": ["Director de Adquisiciones"],
                          "startDate": ["2019-01-01"]}}
    [rel] = normalize(_msg(job, {"p1": "Person", "b1": "PublicBody"}), CTX).relations
    assert (rel.type, rel.props["role"], rel.props["start"]) == ("HOLDS_POSITION", "Director de Adquisiciones",
                                                                 "2019-01-01")
    [rel] = normalize(_msg(job, {"p1": "Person", "b1": "Company"}), CTX).relations
    assert rel.type == "REPRESENTS"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (b'{"dataset": "t", "entity": {"id": "x", "schema": "Person", "prop', "not valid JSON"),
        (_msg({"schema": "Person", "properties": {"name": ["A"]}}), "has no 'id'"),
        (_msg({"id": "x", "properties": {"name": ["A"]}}), "has no 'schema'"),
        (_msg({"id": "x", "schema": "Spaceship", "properties": {}}), "unknown FtM schema 'Spaceship'"),
        (_msg({"id": "o", "schema": "Ownership", "properties": {"asset": ["c"]}}, {"c": "Company"}),
         "missing 'owner'"),
        (_msg({"id": "o", "schema": "Ownership", "properties": {"owner": ["p"], "asset": ["c"]}}, {"p": "Person"}),
         "asset 'c' is not an entity of dataset 't' \\(dangling reference\\)"),
        (_msg({"id": "o", "schema": "Ownership", "properties": {"owner": ["p"], "asset": ["c"],
                                                                 "percentage": ["150"]}},
              {"p": "Person", "c": "Company"}), "percentage '150' is not a share between 0 and 100"),
        (_msg({"id": "x", "schema": "Person", "properties": {"name": "A"}}), "property 'name' must be a list"),
        ("{\"entity\": \"é\"}".encode("latin-1"), "not UTF-8"),
    ],
)
def test_broken_entities_say_what_is_wrong(value, reason):
    with pytest.raises(RecordError, match=reason):
        normalize(value, CTX)


def test_payments_are_skipped_with_the_reason():
    payment = {"id": "pay", "schema": "Payment", "properties": {"payer": ["a"], "beneficiary": ["b"]}}
    with pytest.raises(RecordSkipped, match="no payment relationship"):
        normalize(_msg(payment), CTX)


def test_truncated_lines_are_dead_lettered(tmp_path):
    lines = shared("ftm", "zala.entities.ftm.json").read_text(encoding="utf-8").splitlines()[:3]
    path = tmp_path / "cut.entities.ftm.json"
    path.write_text("\n".join([lines[0], lines[1][:80], lines[2]]) + "\n")
    records = list(SOURCE.read(path))
    assert "line 2" in records[0].headers[H_ERROR] and "not valid JSON" in records[0].headers[H_ERROR]
    assert [r.key.split(":")[0] for r in records[1:]] == ["cut", "cut"]


def test_hostile_strings_are_data():
    hostile = "x'}) MATCH (n) DETACH DELETE n //<img src=x onerror=alert(1)>"
    person = {"id": "p", "schema": "Person", "caption": hostile, "properties": {"name": [hostile]}}
    graph = record_to_graph(normalize(_msg(person), CTX), KeyLinker())
    assert {n.props.get("name") for n in graph.nodes if n.label == "Person"} == {hostile}


@pytest.mark.parametrize("body_first", [True, False])
def test_a_public_body_named_by_id_alone_is_the_body_its_own_record_names(body_first):
    """An employment names its employer by id; the PublicBody's own record names it. Whichever arrives first,
    the graph ends with one body: the key's node is merged into the named body once that record is resolved."""
    from engine.pipeline.linker import EntityLinker

    body = normalize(_msg({"id": "b1", "schema": "PublicBody",
                           "properties": {"name": ["Secretaría de Finanzas de la Ciudad de México"]}}), CTX)
    job = normalize(_msg({"id": "j1", "schema": "Employment", "properties": {"employee": ["p1"], "employer": ["b1"]}},
                         {"p1": "Person", "b1": "PublicBody"}), CTX)
    linker = EntityLinker()
    bodies: dict[str, list[str]] = {}
    for name, record in ([("body", body), ("job", job)] if body_first else [("job", job), ("body", body)]):
        linker.begin()
        batch = record_to_graph(record, linker)
        bodies[name] = [n.id for n in batch.nodes if n.label == "PublicBody"]
        merges = linker.take_merges()
        linker.commit()
        if name == "body" and not body_first:  # the job's key node, merged into the named body
            assert merges == [("ftm:t:b1", bodies["body"][0], "PublicBody")]
    if body_first:
        assert bodies["job"] == bodies["body"]
    again = normalize(_msg({"id": "j2", "schema": "Employment", "properties": {"employee": ["p2"], "employer": ["b1"]}},
                           {"p2": "Person", "b1": "PublicBody"}), CTX)
    linker.begin()
    assert [n.id for n in record_to_graph(again, linker).nodes if n.label == "PublicBody"] == bodies["body"]
    linker.commit()
