"""Publishing the real OCDS samples gives the graph the files describe."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import shared
from tests.helpers import counts, dead_letters, ids, publish_and_process, rel_counts

pytestmark = pytest.mark.services

RFC = re.compile(r"^[A-ZÑ&]{3,4}\d{6}[A-Z0-9]{3}$")
UNIT_OF = re.compile(r"^(?:delegaci[oó]n|direcci[oó]n|unidad|oficina)\b[^A-Z]*\b([A-Z]{3,12})\b", re.I)


def _releases(folder: Path) -> list[dict]:  # type: ignore[type-arg]
    out = []
    for path in sorted(folder.rglob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        out.append(doc.get("compiledRelease", doc))
    return out


def _identity(ref: dict, parties: dict, ocid: str) -> tuple[str, str]:  # type: ignore[type-arg]
    """(kind, key) of a party: its RFC if it has one, else its scheme-qualified id."""
    party = parties.get(ref.get("id"), ref)
    ident = party.get("identifier") or {}
    for candidate in (ident.get("id") if ident.get("scheme") in (None, "MX-RFC") else None, party.get("id")):
        if isinstance(candidate, str) and RFC.match(candidate.upper()):
            return ("person" if len(candidate) == 13 else "company"), candidate.upper()
    if ident.get("scheme") and ident.get("id"):
        return "company", f"{ident['scheme']}/{ident['id']}"
    return "company", " ".join(re.sub(r"[^A-Z0-9]+", " ", party.get("name", "").upper()).split())


def expected_counts(folder: Path) -> dict[str, int]:
    processes, bodies, contracts = set(), set(), 0
    suppliers: set[tuple[str, str]] = set()
    for rel in _releases(folder):
        ocid = rel["ocid"]
        processes.add(ocid)
        parties = {p["id"]: p for p in rel.get("parties", [])}
        buyers = [p for p in parties.values() if {"buyer", "procuringEntity"} & set(p.get("roles", []))]
        buyers += [rel["buyer"]] if rel.get("buyer") else []
        for contract in rel.get("contracts", []):
            buyers += contract.get("buyers", [])
        bodies |= {_identity(b, parties, ocid)[1] for b in buyers}
        # a unit named by its institution's acronym ("delegación SEDESOL en Tabasco") brings the institution
        bodies |= {m.group(1) for b in buyers if (m := UNIT_OF.match(parties.get(b.get("id"), b).get("name", "")))}
        award_ids = {a["id"] for a in rel.get("awards", [])}
        implemented = {c.get("awardID") for c in rel.get("contracts", [])}
        contracts += len(rel.get("contracts", [])) + len(award_ids - implemented)
        refs = [p for p in parties.values() if "supplier" in p.get("roles", [])]
        for contract in rel.get("contracts", []):
            refs += contract.get("suppliers", [])
        for award in rel.get("awards", []):
            refs += award.get("suppliers", [])
        suppliers |= {_identity(r, parties, ocid) for r in refs}
    return {
        "ContractingProcess": len(processes),
        "PublicBody": len(bodies),
        "Contract": contracts,
        "Company": sum(1 for kind, _ in suppliers if kind == "company"),
        "Person": sum(1 for kind, _ in suppliers if kind == "person"),
    }


def test_real_ocds_samples_give_the_counts_the_files_describe(stack, store):
    folder = shared("ocds")
    publish_and_process(stack, "ocds", folder)
    expected = expected_counts(folder)
    got = counts(store)
    assert {k: got.get(k, 0) for k in expected} == expected
    assert expected["ContractingProcess"] == 20 and expected["Company"] > 10
    assert dead_letters(stack) == []
    # every contract hangs off its process, and every process has a buyer
    rels = rel_counts(store)
    assert rels["AWARDED"] == expected["Contract"]
    assert rels["BUYER_OF"] >= expected["ContractingProcess"]


def test_publishing_twice_leaves_the_graph_unchanged(stack, store):
    folder = shared("ocds")
    publish_and_process(stack, "ocds", folder)
    first = {label: ids(store, label) for label in counts(store)}
    first_rels = rel_counts(store)
    publish_and_process(stack, "ocds", folder)
    second = {label: ids(store, label) for label in counts(store)}
    assert second == first
    assert rel_counts(store) == first_rels
    # ids are deterministic: an RFC-identified supplier has its RFC id
    assert "mx-rfc:GFM010122DZ9" in first["Company"]
    assert "ocds:ocds-07smqs-1035" in first["ContractingProcess"]
