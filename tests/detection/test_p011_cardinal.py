"""P011 runs Cardinal on the releases kept in the graph and gives Cardinal's result."""

from __future__ import annotations

import json

import pytest

from engine.detection.cardinal import Settings, read_jsonl, run_indicators
from engine.detection.patterns.p011_cardinal_indicators import cardinal_findings, release_tenderers
from engine.detection.runner import scan
from engine.sources.base import RecordContext
from engine.sources.ocds import normalize
from tests.conftest import shared
from tests.helpers import publish_and_process

CTX = RecordContext("test", "", None)
EXAMPLES = ["003", "018", "024", "025", "028", "030", "035", "036", "038", "048", "058"]


def _settings(code: str) -> Settings:
    ini = shared("cardinal", f"{code}.ini") if (shared("cardinal").joinpath(f"{code}.ini")).exists() else None
    return Settings.from_path(ini or shared("cardinal", "settings.ini"))


@pytest.mark.parametrize("code", EXAMPLES)
def test_releases_kept_on_the_process_give_cardinals_documented_result(code):
    path = shared("cardinal", f"{code}.jsonl")
    expected = json.loads(path.with_suffix(".expected").read_text()).get("OCID", {})
    kept = []
    for release in read_jsonl(path):
        record = normalize(json.dumps(release).encode(), CTX)
        process = next(e for e in record.entities if e.schema_ == "ContractingProcess")
        kept.append(json.loads(json.dumps(process.props["release"])))  # as stored: JSON text
    results = run_indicators(kept, _settings(code))
    assert results.get("OCID", {}) == expected
    tenderers_of = {r["ocid"]: release_tenderers(r) for r in kept if isinstance(r.get("ocid"), str)}
    findings = list(cardinal_findings(results, {o: f"ocds:{o}" for o in expected}, [], tenderers_of))
    assert {f.evidence["ocid"]: f.evidence["indicators"] for f in findings} == expected
    for f in findings:  # the process's own tenderers Cardinal flagged for the same indicators
        flagged = results.get("Tenderer", {})
        assert f.evidence["tenderers_flagged"] == {
            t: flagged[t] for t in sorted(tenderers_of[f.evidence["ocid"]])
            if t in flagged and set(flagged[t]) & set(f.evidence["indicators"])}


@pytest.mark.services
def test_p011_flags_through_the_stream(stack, store):
    path = shared("cardinal", "028.jsonl")
    expected = json.loads(path.with_suffix(".expected").read_text())["OCID"]
    publish_and_process(stack, "ocds", path)
    scan(store, ["P011"])
    flagged = store.read("MATCH (f:Flag {pattern: 'P011'})-[:CONCERNS]->(p:ContractingProcess) "
                         "RETURN p.ocid AS ocid, f.evidence AS evidence")
    assert {r["ocid"]: json.loads(r["evidence"])["indicators"] for r in flagged} == expected
