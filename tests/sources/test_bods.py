"""BODS 0.4: the Open Ownership examples give the graph they describe; broken statements
say what is wrong."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from engine.graph.schema import schema
from engine.pipeline.facts import KeyLinker, record_to_graph
from engine.sources.base import H_ERROR, RecordContext, RecordError
from engine.sources.bods import SOURCE, normalize
from tests.conftest import shared

CTX = RecordContext("test", "", None)
CONTROL = {"boardMember", "boardChair", "seniorManagingOfficial", "appointmentOfBoard", "otherInfluenceOrControl",
           "controlViaCompanyRulesOrArticles", "controlByLegalFramework", "rightsGrantedByContract",
           "conditionalRightsGrantedByContract", "trustee", "protector", "nominator"}


def _fold(name: str) -> str:
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)).upper()
    return " ".join(re.sub(r"[^A-Z0-9]+", " ", plain).split())


def _identity(st: dict) -> tuple[str, str]:  # type: ignore[type-arg]
    """(label, identity) of an entity or person statement, read straight from the JSON."""
    d = st["recordDetails"]
    if st["recordType"] == "entity":
        label = "PublicBody" if d.get("entityType", {}).get("type") in ("state", "stateBody") else "Company"
        names = [d["name"]] if d.get("name") else []
    else:
        label = "Person"
        ordered = sorted(d.get("names", []), key=lambda n: n.get("type") != "legal")
        names = [n["fullName"] for n in ordered if n.get("fullName")]
    ids = [(i["scheme"], i["id"]) for i in d.get("identifiers", []) if i.get("scheme") and i.get("id")]
    rfc = [v for s, v in ids if s == "MX-RFC"]
    if rfc:
        return label, f"rfc:{rfc[0]}"
    if ids:
        return label, f"{ids[0][0].lower()}:{ids[0][1]}"
    return (label, f"name:{_fold(names[0])}") if names else (label, f"record:{st['recordId']}")


def _expected(folder: Path) -> tuple[dict[str, int], dict[str, int], Counter]:  # type: ignore[type-arg]
    nodes: dict[str, set[str]] = {}
    rels: dict[str, set[tuple]] = {}  # type: ignore[type-arg]
    shares: dict[tuple, tuple] = {}  # type: ignore[type-arg]
    addresses: set[str] = set()
    located: set[tuple[str, str]] = set()
    allowed = {(r, s, t) for r, s, t in schema().endpoint_pairs()}
    for path in sorted(folder.glob("*.json")):
        statements = json.loads(path.read_text(encoding="utf-8"))
        latest = {s["recordId"]: s for s in statements if s["recordType"] in ("entity", "person")}
        for st in latest.values():
            label, ident = _identity(st)
            nodes.setdefault(label, set()).add(ident)
            for a in st["recordDetails"].get("addresses", []):
                addresses.add(_fold(a["address"]))
                located.add((ident, _fold(a["address"])))
        for st in statements:
            if st["recordType"] != "relationship" or not isinstance(st["recordDetails"]["interestedParty"], str):
                continue
            d = st["recordDetails"]
            s_label, subject = _identity(latest[d["subject"]])
            p_label, party = _identity(latest[d["interestedParty"]])
            seen: Counter = Counter()  # type: ignore[type-arg]
            for i in d.get("interests") or [{}]:
                kind = i.get("type", "unknownInterest")
                rel = "DIRECTS" if kind in CONTROL else "REPRESENTS" if kind == "nominee" else "OWNS"
                if (rel, p_label, s_label) not in allowed:
                    continue
                slot = (rel, party, subject, st["recordId"], kind, i.get("directOrIndirect", "unknown"))
                seen[slot] += 1
                rels.setdefault(rel, set()).add((*slot, seen[slot]))
                if rel == "OWNS":
                    share = i.get("share", {})
                    shares[(*slot, seen[slot])] = (
                        share.get("exact"),
                        None if "exact" in share else share.get("minimum", share.get("exclusiveMinimum")),
                        None if "exact" in share else share.get("maximum", share.get("exclusiveMaximum")))
    rel_counts = {k: len(v) for k, v in rels.items()} | {"LOCATED_AT": len(located)}
    return {k: len(v) for k, v in nodes.items()} | {"Address": len(addresses)}, rel_counts, Counter(shares.values())


def _graph(folder: Path):  # type: ignore[no-untyped-def]
    nodes: dict[str, set[str]] = {}
    rels: dict[str, set[str]] = {}
    shares: dict[str, tuple] = {}  # type: ignore[type-arg]
    errors = []
    for path in sorted(folder.glob("*.json")):
        for raw in SOURCE.read(path):
            if H_ERROR in raw.headers:
                errors.append(raw.headers[H_ERROR])
                continue
            try:
                record = normalize(raw.value, RecordContext(path.name, raw.locator, None))
            except RecordError as exc:
                errors.append(str(exc))
                continue
            for node in (batch := record_to_graph(record, KeyLinker())).nodes:
                nodes.setdefault(node.label, set()).add(node.id)
            for rel in batch.rels:
                rels.setdefault(rel.type, set()).add(rel.id)
                if rel.type == "OWNS":
                    shares[rel.id] = (rel.props.get("share"), rel.props.get("share_min"), rel.props.get("share_max"))
    return nodes, rels, shares, errors


def test_real_examples_give_the_graph_the_statements_describe():
    folder = shared("bods")
    nodes, rels, shares, errors = _graph(folder)
    assert errors == []
    expected_nodes, expected_rels, expected_shares = _expected(folder)
    assert {k: len(nodes.get(k, ())) for k in expected_nodes} == expected_nodes
    assert {k: len(rels.get(k, ())) for k in expected_rels} == expected_rels
    assert Counter(shares.values()) == expected_shares
    assert expected_rels["OWNS"] > 30 and expected_rels["DIRECTS"] > 5 and expected_nodes["PublicBody"] == 2


def test_one_message_per_relationship_with_its_ends():
    path = shared("bods", "indirect-ownership.json")
    statements = json.loads(path.read_text())
    records = list(SOURCE.read(path))
    relationships = [s for s in statements if s["recordType"] == "relationship"]
    assert [r.key for r in records] == [s["recordId"] for s in relationships]  # every party is referenced
    bundle = json.loads(records[-1].value)
    assert [s["recordId"] for s in bundle] == ["d8d75ccf40e4", "ad3f6c2fcc9e", "c25d4d612c2c"]


def test_unreferenced_statements_travel_alone_and_updates_keep_their_key():
    [raw] = SOURCE.read(shared("bods", "plc-entity-statement.json"))
    graph = record_to_graph(normalize(raw.value, CTX), KeyLinker())
    assert {(n.label, n.id) for n in graph.nodes if n.label != "Mention"} == {("Company", "gb-coh:02723534")}
    fermcat = list(SOURCE.read(shared("bods", "fermcat.json")))
    assert Counter(r.key for r in fermcat)["rel-b05e7c91e0a04e4f"] == 3  # three versions, one partition


def test_pep_range_share_and_a_state_owner():
    [raw] = SOURCE.read(shared("bods", "full-pep-declaration.json"))
    record = normalize(raw.value, CTX)
    person = next(e for e in record.entities if e.schema_ == "Person")
    assert person.props["pep"] is True and person.props["pep_reason"] == ["Member of Parliament"]
    owns = [r for r in record.relations if r.type == "OWNS"]
    assert sorted(r.props["interest_types"][0] for r in owns) == ["shareholding", "votingRights"]
    assert all((r.props["share_min"], r.props["share_max"], r.props["direct"]) == (25, 50, True) for r in owns)
    soe = [normalize(r.value, CTX) for r in SOURCE.read(shared("bods", "bods-package-fi-soe.json"))]
    # a state body owning a state-owned enterprise is an OWNS edge from a PublicBody
    state_owned = [
        (rec.entities, r) for rec in soe for r in rec.relations
        if r.type == "OWNS" and any(e.ref == r.source and e.schema_ == "PublicBody" for e in rec.entities)
    ]
    assert any(
        next(e.name for e in ents if e.ref == r.target) == "Gasgrid Finland Oy" and r.props.get("share") == 23.5
        for ents, r in state_owned
    )


def _statements(**relationship_details) -> bytes:  # type: ignore[no-untyped-def]
    rel = {"statementId": "s-rel", "recordId": "r1", "recordType": "relationship", "statementDate": "2024-01-02",
           "recordDetails": {"isComponent": False, "subject": "e1", "interestedParty": "p1",
                             "interests": [{"type": "shareholding", "share": {"exact": 51}}], **relationship_details}}
    entity = {"statementId": "s-e", "recordId": "e1", "recordType": "entity",
              "recordDetails": {"entityType": {"type": "registeredEntity"}, "name": "Uno SA de CV",
                                "identifiers": [{"scheme": "MX-RFC", "id": "GFM010122DZ9"}]}}
    person = {"statementId": "s-p", "recordId": "p1", "recordType": "person",
              "recordDetails": {"personType": "knownPerson", "names": [{"fullName": "Ana Pérez López"}],
                                "identifiers": [{"scheme": "MX-CURP", "id": "PELA800101MDFRPN09"}]}}
    return json.dumps([rel, entity, person]).encode()


def test_mexican_identifiers_resolve_by_rfc_and_curp():
    graph = record_to_graph(normalize(_statements(), CTX), KeyLinker())
    owns = next(r for r in graph.rels if r.type == "OWNS")
    assert owns.target_id == "mx-rfc:GFM010122DZ9" and owns.props["share"] == 51
    person = next(n for n in graph.nodes if n.label == "Person")
    assert person.props["curp"] == "PELA800101MDFRPN09"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (b'[{"recordId": "r1", "recordType": "relationship", "recordDetails": {', "not valid JSON"),
        (_statements(subject="missing"), "subject 'missing' is not among the statements"),
        (_statements(interestedParty="nobody"), "interestedParty 'nobody' is not among the statements"),
        (_statements(interestedParty=None), "has no 'interestedParty'"),
        (_statements(interests=[{"type": "shareholding", "share": {"exact": 150}}]),
         r"share.exact is 150; a percentage between 0 and 100"),
        (_statements(interests=[{"type": "shareholding", "share": {"minimum": "a lot"}}]), "share.minimum"),
        (_statements(interests=[{"type": "friendship"}]), "'friendship' is not a BODS 0.4 interest type"),
        (_statements(interests={"type": "shareholding"}), "'interests' must be an array"),
        (_statements(interests=[{"type": "boardMember", "startDate": 2019}]), "startDate is 2019"),
        (json.dumps([{"recordId": "x", "recordType": "annotation", "recordDetails": {}}]).encode(),
         "unknown statement type recordType='annotation'"),
        (json.dumps([{"statementID": "old", "statementType": "entityStatement"}]).encode(), "BODS 0.2/0.3"),
        ("[{\"recordId\": \"é\"}]".encode("latin-1"), "not UTF-8"),
    ],
)
def test_broken_statements_say_what_is_wrong(value, reason):
    with pytest.raises(RecordError, match=reason):
        normalize(value, CTX)


def test_broken_files_are_dead_lettered_with_the_reason(tmp_path):
    text = shared("bods", "bods-package.json").read_text()
    (tmp_path / "cut.json").write_text(text[: len(text) // 2])
    [raw] = SOURCE.read(tmp_path / "cut.json")
    assert "not valid JSON (truncated?)" in raw.headers[H_ERROR]
    (tmp_path / "lines.jsonl").write_text("\n".join(json.dumps(s) for s in json.loads(text)) + "\n[1, 2\n")
    records = list(SOURCE.read(tmp_path / "lines.jsonl"))
    assert "line 4" in records[0].headers[H_ERROR]
    assert [r.key for r in records[1:]] == ["93b53022ae6a"]  # the relationship, with its two ends
    (tmp_path / "package.json").write_text(json.dumps({"statements": json.loads(text)}))
    assert [r.key for r in SOURCE.read(tmp_path / "package.json")] == ["93b53022ae6a"]


def test_hostile_strings_are_data():
    hostile = "Robert'}) MATCH (n) DETACH DELETE n //<script>alert(1)</script>"
    doc = json.loads(_statements())
    doc[1]["recordDetails"]["name"] = hostile
    doc[1]["recordDetails"]["identifiers"] = []
    graph = record_to_graph(normalize(json.dumps(doc).encode(), CTX), KeyLinker())
    assert hostile in {n.props.get("name") for n in graph.nodes if n.label == "Company"}
