"""Webhooks, with a real HTTP receiver and a real worker process: each alert is signed with the
subscription's secret and says which subscription and which event fired it; a receiver that fails
twice gets the alert once on the third try; one that never succeeds ends in ``dlq`` with the
reason; ``vinculo alerts log`` shows every try."""

from __future__ import annotations

import json

import pytest

from engine.alerts import delivery
from engine.alerts.channels import verify
from engine.alerts.model import Subscription
from engine.alerts.subscriptions import subscribe
from engine.eventlog.kafka import read_topic
from tests.alerts.conftest import companies, publish_flags, vinculo, worker, write_flags
from tests.alerts.receivers import wait_for

pytestmark = pytest.mark.services


def test_signed_once_after_two_failures_and_dead_lettered_after_the_last_try(stack, store, tmp_path, receiver,
                                                                            secret_file):
    receiver.fail_first["/flaky"] = 2
    receiver.always["/down"] = 503
    ok = subscribe(store, Subscription(label="P001 watch", patterns=["P001"], webhook_url=receiver.url("/ok"),
                                       secret_file=str(secret_file))).id
    flaky = subscribe(store, Subscription(patterns=["P001"], webhook_url=receiver.url("/flaky"),
                                          secret_file=str(secret_file))).id
    down = subscribe(store, Subscription(patterns=["P001"], webhook_url=receiver.url("/down"),
                                         secret_file=str(secret_file))).id
    companies(store, {"mx-rfc:AAA010101AAA": "Alfa SA de CV", "mx-rfc:BBB010101BBB": "Beta SA de CV"})
    flag_p001, flag_p002 = write_flags(store, [
        {"pattern": "P001", "key": ["alfa"], "entities": {"mx-rfc:AAA010101AAA": "supplier"}},
        {"pattern": "P002", "key": ["beta"], "entities": {"mx-rfc:BBB010101BBB": "supplier"}}])
    assert publish_flags(stack, store) == 2

    with worker(stack, tmp_path / "worker.log"):
        wait_for(lambda: receiver.accepted("/ok") and receiver.accepted("/flaky"), what="the alerts")
        wait_for(lambda: delivery.log(store, subscription=down, status="dlq"), what="the dead letter")

    worker_log = (tmp_path / "worker.log").read_text()
    assert receiver.url("/down") in worker_log  # the worker logged the failing tries, with their destination
    assert "s3cret-for-the-test" not in worker_log  # the secret never in a log

    # the right message, signed with the secret, saying why
    (hit,) = receiver.accepted("/ok")
    assert verify(b"s3cret-for-the-test", hit.body, hit.headers["x-vinculo-signature"])
    assert not verify(b"another secret", hit.body, hit.headers["x-vinculo-signature"])
    alert = hit.json()
    assert hit.headers["x-vinculo-delivery"] == alert["alert_id"] == delivery.delivery_key(flag_p001, ok)
    assert alert["subscription"]["id"] == ok and alert["subscription"]["label"] == "P001 watch"
    assert alert["event"]["kind"] == "flag_new" and alert["event"]["id"] == flag_p001
    assert "pattern P001" in alert["why"] and alert["flag"]["id"] == flag_p001
    assert alert["link"].endswith("/#/flag/" + flag_p001.replace(":", "%3A"))
    assert not any(h.json()["event"]["id"] == flag_p002 for h in receiver.hits)  # P002: nobody asked

    # fails twice, then succeeds: three tries of one delivery id, accepted once
    flaky_hits = [h for h in receiver.hits if h.path == "/flaky"]
    assert [h.status for h in flaky_hits] == [500, 500, 200]
    assert len({h.delivery for h in flaky_hits}) == 1 and len(receiver.accepted("/flaky")) == 1
    assert len({h.body for h in flaky_hits}) == 1  # the same bytes on every try: the signature holds
    (logged,) = delivery.log(store, subscription=flaky)
    assert logged["status"] == "delivered"
    assert [a["result"] for a in logged["attempts"]] == ["failed", "failed", "accepted"]
    assert logged["attempts"][0]["detail"].startswith("HTTP 500")
    assert all(a["latency_ms"] >= 0 and a["at"] and a["channel"] == "webhook" for a in logged["attempts"])

    # never succeeds: dlq after the last try, with the reason, in the graph and on the dlq topic
    (dead,) = delivery.log(store, subscription=down)
    assert dead["status"] == "dlq" and dead["tries"] == 3
    assert "HTTP 503" in dead["reason"] and "after 3 tries" in dead["reason"]
    letters = [m.json() for m in read_topic(stack.kafka_bootstrap, "dlq", idle=1.5)]
    assert any(letter["stage"] == "alerts" and letter["locator"] == dead["id"] and "HTTP 503" in letter["reason"]
               for letter in letters)

    # `vinculo alerts log` shows the tries: when, channel, result, latency
    shown = [json.loads(line) for line in vinculo(stack, "alerts", "log", "--format", "jsonl").stdout.splitlines()]
    assert {row["id"]: row["status"] for row in shown} == {
        delivery.delivery_key(flag_p001, ok): "delivered", logged["id"]: "delivered", dead["id"]: "dlq"}
    table = vinculo(stack, "alerts", "log", "--subscription", down, COLUMNS="250").stdout
    assert "dlq" in table and "failed" in table and "HTTP 503" in table
