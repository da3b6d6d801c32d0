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


def test_a_supplier_without_rfc_who_is_a_person_is_linked_to_the_s3_sanction_against_them(stack, store, tmp_path):
    """Natural people supply without an RFC in OCDS, their names surname-first and with no legal form; PDN S3
    sanctions them as persons, given name first. The supplier and the sanctioned person are one, and the award
    during the disqualification is flagged."""
    release = {"ocid": "ocds-person-supplier-1", "date": "2017-05-20T00:00:00Z",
               "buyer": {"id": "B", "name": "SEPAF | SECRETARÍA DE PLANEACIÓN, ADMINISTRACIÓN Y FINANZAS"},
               "parties": [{"id": "B", "name": "SEPAF | SECRETARÍA DE PLANEACIÓN, ADMINISTRACIÓN Y FINANZAS",
                            "roles": ["buyer"], "address": {"region": "Jalisco"}},
                           {"id": "P1", "name": "GUERRERO ESCAMILLA JORGE ALBERTO", "roles": ["supplier"],
                            "identifier": {"scheme": "PROV-GOB-JAL", "id": "P90001"}},
                           {"id": "P2", "name": "PAPELERA DEL OCCIDENTE, S.A. DE C.V.", "roles": ["supplier"],
                            "identifier": {"scheme": "PROV-GOB-JAL", "id": "P90002"}}],
               "awards": [{"id": "A1", "suppliers": [{"id": "P1"}], "date": "2017-05-16T00:00:00Z"},
                          {"id": "A2", "suppliers": [{"id": "P2"}], "date": "2017-05-16T00:00:00Z"}],
               "contracts": [{"id": "C1", "awardID": "A1", "dateSigned": "2017-05-16T00:00:00Z"},
                             {"id": "C2", "awardID": "A2", "dateSigned": "2017-05-16T00:00:00Z"}]}
    sanction = {"id": "90028", "fechaCaptura": "2016-07-29T10:36:00Z", "expediente": "INC-490/2016",
                "institucionDependencia": {"nombre": "Secretaría de Salud", "siglas": "SS"},
                "particularSancionado": {"nombreRazonSocial": "Jorge Alberto Guerrero Escamilla", "tipoPersona": "F"},
                "autoridadSancionadora": "Secretaría de la Función Pública", "tipoFalta": "Contratación indebida",
                "tipoSancion": [{"clave": "I", "valor": "INHABILITADO"}],
                "inhabilitacion": {"plazo": "2 años", "fechaInicial": "2016-07-12", "fechaFinal": "2018-07-11"}}
    (tmp_path / "ocds.json").write_text(json.dumps(release, ensure_ascii=False))
    (tmp_path / "s3.json").write_text(json.dumps({"pagination": {"page": 1}, "results": [sanction]},
                                                 ensure_ascii=False))
    publish("pdn-s3", [tmp_path / "s3.json"], stack.kafka_bootstrap)
    publish("ocds", [tmp_path / "ocds.json"], stack.kafka_bootstrap)
    process(stack)
    assert dead_letters(stack) == []
    linked = store.read("MATCH (:Sanction)-[:SANCTIONED]->(x)-[:SUPPLIES]->(k:Contract) "
                        "RETURN x.id AS who, k.id AS contract")
    assert [r["contract"] for r in linked] == ["ocds:ocds-person-supplier-1/contract/C1"]
    why = store.read("MATCH (m:Mention)-[r:RESOLVED_TO]->(x) WHERE x.id = $id RETURN r.explanation AS why",
                     {"id": linked[0]["who"]})
    assert any("person" in " ".join(row["why"] or []) for row in why)  # the explanation says it crossed kinds
    scan(store)
    flags = store.read("MATCH (f:Flag {pattern: 'P005'})-[:CONCERNS]->(k:Contract) RETURN k.id AS contract")
    assert [r["contract"] for r in flags] == ["ocds:ocds-person-supplier-1/contract/C1"]
