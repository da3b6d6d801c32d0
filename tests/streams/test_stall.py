"""A stream the library leaves stalled — partitions the worker owns hold records beyond its commit and
nothing arrives — is taken up by a fresh consumer, reading again from the commit; and the group is called
drained only when no partition holds a record beyond its commit, however the broker answers ListOffsets.

The stall is made the way faust leaves one after a rebalance race: the worker's consumer stops fetching
its ``mentions`` partitions (paused) while the worker goes on. The result is compared with an undisturbed
run of the same records into another graph by another consumer group, on the same embedded servers."""

from __future__ import annotations

import asyncio
import dataclasses
import time

import faust
import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.structs import OffsetAndMetadata

from engine.eventlog.kafka import MENTIONS, LagProbe
from engine.graph.store import open_store
from engine.intake import publish
from streams.worker import run_worker
from tests.conftest import shared
from tests.helpers import ids, rel_counts

pytestmark = pytest.mark.services

LABELS = ("Company", "Person", "Mention", "Address")


def _stall_first(paused: list[object]):  # type: ignore[no-untyped-def]
    """Pause the first app's ``mentions`` partitions once it has them and its recovery has resumed them."""

    def started(app: faust.App) -> None:
        if paused:
            return

        async def pause() -> None:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                tps = {tp for tp in (app.consumer.assignment() if app.consumer else ()) if tp.topic == MENTIONS}
                if tps and not app.rebalancing:
                    await asyncio.sleep(0.5)  # after the recovery's own resume
                    app.consumer.pause_partitions(tps)
                    paused.extend(tps)
                    return
                await asyncio.sleep(0.05)

        asyncio.ensure_future(pause())

    return started


def test_a_stalled_stream_is_taken_up_by_a_fresh_consumer(stack, tmp_path):
    listed = shared("sat69b", "Listado_Completo_69-B.csv").read_bytes().splitlines(keepends=True)
    part = tmp_path / "Listado_Completo_69-B.csv"
    part.write_bytes(b"".join(listed[:2000]))  # the first 2,000 lines of SAT's list, as SAT wrote them
    publish("sat69b", [part], stack.kafka_bootstrap)
    clean = dataclasses.replace(stack, graph_name="clean")
    run_worker(clean, until_idle=True, idle_seconds=2.0, app_id="clean", max_seconds=300)

    paused: list[object] = []
    activity = run_worker(stack, until_idle=True, idle_seconds=2.0, stall_seconds=6.0, max_seconds=300,
                          started=_stall_first(paused))
    assert paused, "the first consumer never had mentions partitions to pause"
    assert activity.restarts == 1

    graphs = [open_store(e.graph_uri, e.graph_user, e.graph_password, e.graph_name) for e in (stack, clean)]
    try:
        got, want = graphs
        assert ids(want, "Company"), "the undisturbed run wrote nothing"
        for label in LABELS:
            assert ids(got, label) == ids(want, label), label
        assert rel_counts(got) == rel_counts(want)
    finally:
        for graph in graphs:
            graph.close()
    probe = LagProbe(stack.kafka_bootstrap, "vinculo", [MENTIONS])
    try:
        assert probe.lagging() == 0
    finally:
        probe.close()


def test_a_commit_inside_the_last_batch_is_not_called_drained(stack):
    """Tansu answers ListOffsets with the start of the last batch + 1: a group committed anywhere inside a
    batch of 100 records looked drained. The probe asks a fetch."""
    producer = KafkaProducer(bootstrap_servers=stack.kafka_bootstrap, linger_ms=500, batch_size=1 << 20)
    for i in range(100):
        producer.send("probe.batch", key=b"k", value=b"%d" % i)
    producer.flush()
    producer.close()
    tp = TopicPartition("probe.batch", 0)
    seen = {}
    for position in (0, 10, 99, 100):
        group = f"g{position}"
        if position:
            consumer = KafkaConsumer(bootstrap_servers=stack.kafka_bootstrap, group_id=group, enable_auto_commit=False)
            consumer.assign([tp])
            consumer.commit({tp: OffsetAndMetadata(position, "", -1)})
            consumer.close()
        probe = LagProbe(stack.kafka_bootstrap, group, ["probe.batch"])
        try:
            seen[position] = probe.lagging()
        finally:
            probe.close()
    assert seen == {0: 1, 10: 1, 99: 1, 100: 0}
