"""The resolver in the stream: state survives a restart, and reviewers' judgments
override scores from then on."""

from __future__ import annotations

import json

import pytest

from engine.intake import publish
from engine.pipeline.linker import record_judgment
from tests.helpers import process

pytestmark = pytest.mark.services


def _release(ocid: str, supplier: str, rfc: str | None = None) -> dict:  # type: ignore[type-arg]
    party = {"id": "S", "name": supplier, "roles": ["supplier"]}
    if rfc:
        party["identifier"] = {"scheme": "MX-RFC", "id": rfc}
    return {"ocid": ocid, "date": "2020-01-01T00:00:00Z", "parties": [party],
            "contracts": [{"id": "C", "suppliers": [{"id": "S"}]}]}


def _supplier_of(store, ocid: str) -> str:  # type: ignore[no-untyped-def]
    rows = store.read("MATCH (s:Company)-[:SUPPLIES]->(k:Contract) WHERE k.ocid = $ocid RETURN s.id AS id",
                      {"ocid": ocid})
    assert len(rows) == 1, rows
    return str(rows[0]["id"])


def _publish(stack, tmp_path, name: str, *releases: dict) -> None:  # type: ignore[no-untyped-def, type-arg]
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(list(releases)))
    publish("ocds", [path], stack.kafka_bootstrap)


def test_state_survives_a_restart(stack, store, tmp_path):
    _publish(stack, tmp_path, "a", _release("ocds-r-1", "GRUAS FLETES Y MANIOBRAS SA DE CV", "GFM010122DZ9"))
    process(stack)
    state = stack.home / "resolver" / "vinculo"
    snapshot = state / "linker.json.gz"
    assert snapshot.exists() and snapshot.stat().st_mode & 0o777 == 0o600 and state.stat().st_mode & 0o777 == 0o700
    # a damaged snapshot is set aside, never fatal: the state is rebuilt from the graph
    snapshot.write_bytes(b"not a snapshot")
    # a new worker process: the truncated CompraNet name without RFC finds the known company
    _publish(stack, tmp_path, "b", _release("ocds-r-2", "Grúas, Fletes y Maniobras, S.A. de C.V."),
             _release("ocds-r-3", "GRUAS FLETES Y MANIOBR"))
    process(stack)
    assert _supplier_of(store, "ocds-r-1") == _supplier_of(store, "ocds-r-2") == _supplier_of(store, "ocds-r-3")
    assert _supplier_of(store, "ocds-r-1") == "mx-rfc:GFM010122DZ9"
    mentions = store.read("MATCH (m:Mention)-[:RESOLVED_TO]->(c:Company {id: 'mx-rfc:GFM010122DZ9'}) "
                          "RETURN count(m) AS n")
    assert mentions[0]["n"] == 3
    assert list(state.glob("linker.json.damaged-*")) and snapshot.exists()


def test_judgments_override_the_score_from_then_on(stack, store, tmp_path):
    _publish(stack, tmp_path, "a", _release("ocds-j-1", "Constructora Alfa SA de CV"),
             _release("ocds-j-2", "Edificaciones Beta SA de CV"))
    process(stack)
    alfa, beta = _supplier_of(store, "ocds-j-1"), _supplier_of(store, "ocds-j-2")
    assert alfa != beta
    mention = store.read("MATCH (m:Mention)-[:RESOLVED_TO]->(c:Company {id: $id}) RETURN m.id AS id",
                         {"id": beta})[0]["id"]
    record_judgment(store, mention, alfa, same=True, author="test")
    # the judgment is applied by the next worker; a later mention of Beta obeys it too
    _publish(stack, tmp_path, "b", _release("ocds-j-3", "Edificaciones Beta SA de CV"))
    process(stack)
    survivor = _supplier_of(store, "ocds-j-1")  # the older of the two keeps its id
    assert survivor in (alfa, beta)
    assert _supplier_of(store, "ocds-j-2") == survivor
    assert _supplier_of(store, "ocds-j-3") == survivor
    absorbed = beta if survivor == alfa else alfa
    assert store.read("MATCH (c:Company {id: $id}) RETURN count(c) AS n", {"id": absorbed})[0]["n"] == 0
    applied = store.read("MATCH (j:Judgment) RETURN j.outcome AS outcome, j.applied_at AS at")
    assert applied and applied[0]["at"] and "entities_merged" in applied[0]["outcome"]
