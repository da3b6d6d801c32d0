"""A burst of 1,000 alerts (500 flags × a webhook and a Kafka subscription) and the alerts worker
killed (``kill -9``) in the middle of it, then started again: every alert arrives, and counted the
way a receiver counts them — by their idempotency id — each arrives once.

What a crash can do is send an alert a second time: the one in flight between the channel
accepting it and the outbox recording that. The duplicate carries the same id, so the receiver
drops it; the test reports how many there were."""

from __future__ import annotations

import os
import signal

import pytest

from engine.alerts import delivery
from engine.alerts.model import Subscription
from engine.alerts.subscriptions import subscribe
from engine.eventlog.kafka import read_topic
from tests.alerts.conftest import companies, publish_flags, start_worker, stop_worker, write_flags
from tests.alerts.receivers import wait_for

pytestmark = [pytest.mark.services, pytest.mark.faults]
FLAGS = 500


def _kafka_ids(stack) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.headers["vinculo-idempotency-key"] for m in read_topic(stack.kafka_bootstrap, "alerts.burst", idle=1.5)]


def test_a_worker_killed_mid_burst_delivers_each_alert_once(stack, store, tmp_path, receiver, secret_file, capsys):
    hook = subscribe(store, Subscription(patterns=["P001"], webhook_url=receiver.url("/burst"),
                                         secret_file=str(secret_file))).id
    topic = subscribe(store, Subscription(patterns=["P001"], kafka_topic="alerts.burst")).id
    companies(store, {f"mx-rfc:BUR{i:06d}AA1": f"Empresa {i} SA de CV" for i in range(FLAGS)})
    flags = write_flags(store, [{"pattern": "P001", "key": [str(i)], "entities": {f"mx-rfc:BUR{i:06d}AA1": "supplier"}}
                                for i in range(FLAGS)])
    assert publish_flags(stack, store) == FLAGS
    expected_hook = {delivery.delivery_key(f, hook) for f in flags}
    expected_topic = {delivery.delivery_key(f, topic) for f in flags}

    log = tmp_path / "worker.log"
    first = start_worker(stack, log)
    try:
        wait_for(lambda: len(receiver.distinct()) >= FLAGS // 4, timeout=300, what="the burst under way")
        os.killpg(first.pid, signal.SIGKILL)  # mid-burst, without warning
        first.wait()
    finally:
        stop_worker(first, kill=True)
    at_kill = len(receiver.distinct())
    assert at_kill < FLAGS, "the burst was over before the worker was killed"

    second = start_worker(stack, log)
    try:
        wait_for(lambda: receiver.distinct() == expected_hook, timeout=300, what="every webhook alert")
        wait_for(lambda: set(_kafka_ids(stack)) == expected_topic, timeout=300, what="every Kafka alert")
    except AssertionError:
        print(log.read_text()[-5000:])
        raise
    finally:
        stop_worker(second)

    hook_raw, topic_raw = len(receiver.accepted()), len(_kafka_ids(stack))
    with capsys.disabled():
        print(f"\nkilled after {at_kill} webhook alerts; duplicates the receivers dropped by id: "
              f"{hook_raw - FLAGS} webhook, {topic_raw - FLAGS} Kafka")
    assert len(receiver.distinct()) == FLAGS and len(set(_kafka_ids(stack))) == FLAGS  # each once, by id
    states = {r["id"]: r["status"] for r in delivery.log(store, limit=5000)}
    assert len(states) == 2 * FLAGS and set(states.values()) == {"delivered"}
