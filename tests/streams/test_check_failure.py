"""An on-arrival check that cannot run (a pattern's bug, data it cannot read) never stops the stream that feeds
it: the records are written and acknowledged, the failure is counted and logged, and in the alerts process what
it was to check goes to the dead-letter topic with the reason. Before, the agent died with the exception, its
partition stopped moving, and the worker restarted its consumer every 30 s until it gave up."""

from __future__ import annotations

import json

import pytest

import streams.app
from engine.intake import publish
from streams.worker import run_worker
from tests.conftest import shared
from tests.helpers import counts, dead_letters

pytestmark = pytest.mark.services


def _failing(store, touched, codes=None, k=3):  # type: ignore[no-untyped-def]  # check_touched's signature
    raise RuntimeError("a pattern met data it cannot read")


def test_a_failing_check_leaves_the_stream_running(stack, store, monkeypatch, caplog):
    publish("ocds", [shared("ocds")], stack.kafka_bootstrap, partitions=3)
    monkeypatch.setattr(streams.app, "check_touched", _failing)
    activity = run_worker(stack, until_idle=True, idle_seconds=2.0, max_seconds=240)
    assert activity.check_failures >= 1 and activity.restarts == 0
    assert counts(store).get("ContractingProcess", 0) >= 10  # every batch written and acknowledged
    assert "on-arrival check of" in caplog.text and "a pattern met data it cannot read" in caplog.text


def test_in_the_alerts_process_what_it_was_to_check_is_dead_lettered_with_the_reason(stack, store, monkeypatch):
    publish("ocds", [shared("ocds")], stack.kafka_bootstrap, partitions=3)
    linked = run_worker(stack, until_idle=True, idle_seconds=2.0, max_seconds=240, stages=("normalize", "link"))
    assert linked.restarts == 0 and counts(store).get("ContractingProcess", 0) >= 10
    monkeypatch.setattr(streams.app, "check_touched", _failing)
    alerts = run_worker(stack, until_idle=True, idle_seconds=2.0, max_seconds=240, stages=("alerts",))
    assert alerts.check_failures >= 1 and alerts.restarts == 0
    letters = [d for d in dead_letters(stack) if d.get("stage") == "alerts"]
    assert letters, dead_letters(stack)
    assert all("on-arrival check failed: RuntimeError: a pattern met data it cannot read" in d["reason"]
               for d in letters)
    assert all(json.loads(d["value"]) for d in letters)  # the ids it was to check, as they were sent
