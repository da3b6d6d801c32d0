"""Data nobody here wrote: a conflict-of-interest scenario built independently around real OCDS of three
publishers (Mexico City's finance ministry, Jalisco, INAI), published as a user would, through the real
stream into the real graph, then scanned. Each class of real-data trouble the issue names is checked
here on that data: the official's employer, the buyer, the procuring entity and its units are one
institution; an RFC under the scheme "RFC" is kept and two different valid RFCs never merge; a BAJA
before the contract gives no flag; a contract without id is kept; nothing is dead-lettered."""

from __future__ import annotations

import json

import pytest

from bench.scenarios import flag_facts, publish_scenario, score
from engine.detection.runner import scan
from engine.intake import publish
from tests.conftest import shared
from tests.helpers import counts, dead_letters, ids, process

pytestmark = pytest.mark.services

SEED = "seed11"


def _lines(path):  # type: ignore[no-untyped-def]
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def test_independent_scenario_resolves_institutions_and_finds_every_planted_conflict(stack, store):
    root = shared("scenarios")
    seed = root / SEED
    truth, decoys = _lines(seed / "truth.jsonl"), _lines(seed / "decoys.jsonl")
    publish_scenario(root, seed, stack.kafka_bootstrap)
    process(stack)
    assert dead_letters(stack) == []
    processes = {p for p in ids(store, "ContractingProcess") if p.startswith("ocds:")}  # S2 folios join them at scan
    contracts = ids(store, "Contract")
    assert (len(processes), len(contracts), counts(store).get("Award", 0)) == (28, 38, 0)
    assert "ocds:PC-0001/contract/award-OA/A001" in contracts  # INAI's contract published without an id

    # INAI's suppliers carry scheme "RFC" and party ids "RFC-…": their RFC is read, one company per RFC
    def companies_with(rfcs: set[str]) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for row in store.read("MATCH (c:Company) WHERE c.rfc IN $rfcs RETURN c.rfc AS rfc, c.id AS id",
                              {"rfcs": sorted(rfcs)}):
            found.setdefault(row["rfc"], set()).add(row["id"])
        return found

    inai_suppliers = {c["company_rfc"] for c in truth if c.get("ocds_source") == "inai" and c["company_rfc_in_ocds"]}
    found = companies_with(inai_suppliers)
    assert inai_suppliers and set(found) == inai_suppliers and all(len(v) == 1 for v in found.values())
    # a namesake company with another valid RFC stays another company
    for decoy in (d for d in decoys if d["kind"] == "namesake_company"):
        pair = companies_with({decoy["company_rfc"], decoy["namesake_rfc"]})
        assert len(pair) == 2 and pair[decoy["company_rfc"]].isdisjoint(pair[decoy["namesake_rfc"]])

    # the official's employer (S1's full legal name) is the institution that buys, directly or through its
    # units, or that procures
    rows = store.read(
        "MATCH (p:Person)-[:HOLDS_POSITION]->(b:PublicBody) WHERE p.rfc IN $rfcs "
        "OPTIONAL MATCH (u:PublicBody)-[:PART_OF]->(b) "
        "RETURN p.rfc AS rfc, b.id AS body, collect(DISTINCT u.id) AS units",
        {"rfcs": sorted({c["official_rfc"] for c in truth if c.get("official_rfc")})})
    employers: dict[str, set[str]] = {}
    for row in rows:  # the post's institution and its units
        employers.setdefault(row["rfc"], set()).update({row["body"], *row["units"]})
    for case in (c for c in truth if c["kind"] in ("direct", "chain")):
        bought = store.read(
            "MATCH (b:PublicBody)-[r:BUYER_OF]->(p:ContractingProcess {ocid: $ocid}) "
            "RETURN b.id AS body, r.role AS role",
            {"ocid": case["ocid"]})
        assert {r["body"] for r in bought} & employers[case["official_rfc"]], case["ocid"]

    scan(store)
    result = score(flag_facts(store), truth, decoys)
    assert result["recall_from_p002_p003"] == {"direct": 1.0, "chain": 1.0}, result["missed"]
    flagged = {d["kind"] for d in result["decoys_flagged_detail"]}
    assert "participation_ended_before" not in flagged  # a BAJA a year before the contract: no conflict
    assert "namesake_company" not in flagged and "other_institution" not in flagged

    # published again, the same ids: nothing doubled, nothing renamed
    publish("ocds", [root / "ocds" / name for name in ("cdmx", "jalisco", "inai")], stack.kafka_bootstrap)
    process(stack)
    assert {p for p in ids(store, "ContractingProcess") if p.startswith("ocds:")} == processes
    assert ids(store, "Contract") == contracts
    assert dead_letters(stack) == []
