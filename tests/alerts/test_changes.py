"""Flag changes reach the subscriptions that asked for them, once each: a reviewer's status
(`vinculo flag … --status`), new evidence found by detection, a withdrawal by a full scan. Those
that asked for new flags only hear nothing more."""

from __future__ import annotations

import time

import pytest

from engine.alerts.model import Subscription
from engine.alerts.subscriptions import subscribe
from engine.detection.runner import now
from engine.graph import cypher
from tests.alerts.conftest import companies, publish_flags, vinculo, worker, write_flags
from tests.alerts.receivers import wait_for

pytestmark = pytest.mark.services


def _changes(receiver, path: str) -> list[dict]:  # type: ignore[no-untyped-def, type-arg]
    return [h.json() for h in receiver.accepted(path) if h.json()["event"]["kind"] == "flag_changed"]


def test_status_evidence_and_withdrawal_each_alert_once(stack, store, tmp_path, receiver, secret_file):
    asked = subscribe(store, Subscription(patterns=["P001"], changes=True, webhook_url=receiver.url("/changes"),
                                          secret_file=str(secret_file))).id
    subscribe(store, Subscription(patterns=["P001"], webhook_url=receiver.url("/new"), secret_file=str(secret_file)))
    companies(store, {"mx-rfc:CHG010101AA1": "Cambios SA", "mx-rfc:CHG010101AA2": "Retiros SA"})
    spec = {"pattern": "P001", "key": ["kept"], "entities": {"mx-rfc:CHG010101AA1": "supplier"}}
    kept, gone = write_flags(store, [spec, {"pattern": "P001", "key": ["gone"],
                                            "entities": {"mx-rfc:CHG010101AA2": "supplier"}}])
    publish_flags(stack, store)

    with worker(stack, tmp_path / "worker.log"):
        wait_for(lambda: len(receiver.accepted("/changes")) == 2 and len(receiver.accepted("/new")) == 2,
                 what="the new flags")
        vinculo(stack, "flag", kept, "--status", "confirmed", "--note", "checked the register")
        wait_for(lambda: _changes(receiver, "/changes"), what="the status change")
        write_flags(store, [{**spec, "evidence": {"path": list(spec["entities"]), "contracts": ["C1", "C2"]}}])
        wait_for(lambda: len(_changes(receiver, "/changes")) == 2, what="the new evidence")
        store.run(cypher.WITHDRAW_FLAGS, {"patterns": ["P001"], "found": [kept], "at": now()})
        wait_for(lambda: len(_changes(receiver, "/changes")) == 3, what="the withdrawal")
        time.sleep(4)  # a few more reads of the graph: nothing changed, nothing sent

    status, evidence, withdrawal = _changes(receiver, "/changes")
    assert status["subscription"]["id"] == asked
    assert status["flag"]["id"] == kept and status["event"]["details"]["changes"] == {
        "status": {"from": "new", "to": "confirmed"}}
    assert "status new → confirmed" in status["event"]["summary"] and "you asked for changes" in status["why"]
    assert evidence["flag"]["id"] == kept and evidence["event"]["details"]["changes"] == {"evidence": "new evidence"}
    assert withdrawal["flag"]["id"] == gone and withdrawal["event"]["details"]["changes"]["status"]["to"] == "withdrawn"
    assert "withdrawn" in withdrawal["event"]["summary"]
    assert len(receiver.accepted("/changes")) == 5 and len(receiver.distinct("/changes")) == 5
    assert len(receiver.accepted("/new")) == 2  # new flags only
