"""Kafka through kafka-python: producers and admin for the CLI, plain reads for tools and
tests. (Stream workers use faust, over aiokafka.)

Tansu reports a wrong end offset, so a topic counts as read to its end when no message
has arrived for ``idle`` seconds (quiescence), never by comparing with end offsets.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

RAW_TOPICS = ("raw.ocds", "raw.sat69b", "raw.bods", "raw.ftm", "raw.csv", "raw.pdn-s1", "raw.pdn-s2", "raw.pdn-s3")
MENTIONS = "mentions"
DLQ = "dlq"
FLAGS = "flags"
GRAPH_CHANGES = "graph.changes"
# what a link stage wrote (ids by label), for the on-arrival check of a process of its own (the alerts stage)
GRAPH_TOUCHED = "graph.touched"
TOPICS = (*RAW_TOPICS, MENTIONS, DLQ, FLAGS, GRAPH_CHANGES, GRAPH_TOUCHED)


@dataclass
class Message:
    topic: str
    partition: int
    offset: int
    key: str | None
    value: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.value)


def make_producer(bootstrap: str, **overrides: Any) -> KafkaProducer:
    config: dict[str, Any] = {
        "bootstrap_servers": bootstrap,
        "acks": "all",
        "linger_ms": 20,
        "max_request_size": 8 * 1024 * 1024,
        "client_id": "vinculo",
    }
    config.update(overrides)
    return KafkaProducer(**config)


def ensure_topics(bootstrap: str, names: tuple[str, ...] | list[str], partitions: int) -> None:
    """Create the topics that do not exist yet (idempotent)."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="vinculo-admin", request_timeout_ms=10000)
    try:
        existing = set(admin.list_topics())
        missing = [n for n in names if n not in existing]
        if missing:
            try:
                admin.create_topics([NewTopic(n, partitions, 1) for n in missing])
            except TopicAlreadyExistsError:
                pass
    finally:
        admin.close()


def read_topic(
    bootstrap: str, topic: str, idle: float = 2.0, timeout: float = 60.0, max_messages: int | None = None
) -> list[Message]:
    """Every message of ``topic`` from the beginning, without joining a group."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        client_id="vinculo-reader",
        consumer_timeout_ms=int(idle * 1000),
    )
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:
            return []
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        out: list[Message] = []
        deadline = time.monotonic() + timeout
        last = time.monotonic()
        while time.monotonic() < deadline and time.monotonic() - last < idle:
            batch = consumer.poll(timeout_ms=200)
            for records in batch.values():
                for r in records:
                    out.append(
                        Message(
                            r.topic, r.partition, r.offset,
                            r.key.decode("utf-8", "replace") if r.key else None,
                            r.value,
                            {k: v.decode("utf-8", "replace") for k, v in (r.headers or [])},
                        )
                    )
                    last = time.monotonic()
            if max_messages is not None and len(out) >= max_messages:
                break
        return sorted(out, key=lambda m: (m.partition, m.offset))
    finally:
        consumer.close()


class LagProbe:
    """How many input partitions still have records a consumer group has not committed.

    A broker's ListOffsets is not enough: Tansu answers the start of the last batch + 1 rather than
    the end, so a group whose commit is anywhere inside the last batch (a producer's batch may
    hold thousands of records) looks drained. Those partitions are settled by a fetch at the
    committed offset: the high watermark a fetch response carries is the true end, and a record
    at or after the commit is proof of lag. ``partitions`` limits the answer to some partitions
    (a worker asking about its own assignment)."""

    def __init__(self, bootstrap: str, group: str, topics: list[str]):
        self.group, self.topics = group, topics
        self._admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="vinculo-lag", request_timeout_ms=10000)
        # kafka-python's consumer waits 305 s for an answer by default: a broker frozen mid-call would hold the
        # worker's idle check that long
        self._consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, client_id="vinculo-lag",
                                       request_timeout_ms=15000, fetch_max_wait_ms=50, max_partition_fetch_bytes=1024,
                                       auto_offset_reset="earliest")

    def lagging(self, partitions: list[TopicPartition] | None = None, settle_seconds: float = 5.0) -> int:
        if partitions is None:
            partitions = [
                TopicPartition(t, p) for t in self.topics for p in sorted(self._consumer.partitions_for_topic(t) or ())
            ]
        if not partitions:
            return 0
        ends = self._consumer.end_offsets(partitions)
        committed = self._admin.list_group_offsets({self.group: partitions}).get(self.group, {})
        behind = 0
        unsure: dict[TopicPartition, int] = {}
        for tp in partitions:
            meta = committed.get(tp)
            position = meta.offset if meta is not None and meta.offset >= 0 else 0
            end = ends.get(tp, 0)
            if position < end:
                behind += 1
            elif end > 0:  # at or past the start of the last batch: only a fetch can tell
                unsure[tp] = position
        if unsure:
            behind += sum(end > unsure[tp] for tp, end in self._fetched_ends(unsure, settle_seconds).items())
        return behind

    def _fetched_ends(self, positions: dict[TopicPartition, int], settle_seconds: float) -> dict[TopicPartition, int]:
        """The high watermark of each partition, as a fetch from ``positions`` reports it."""
        consumer = self._consumer
        consumer.assign(list(positions))  # fresh partition states: no watermark from an earlier call
        try:
            for tp, position in positions.items():
                consumer.seek(tp, position)
            deadline = time.monotonic() + settle_seconds
            ends: dict[TopicPartition, int] = {}
            while len(ends) < len(positions) and time.monotonic() < deadline:
                got = consumer.poll(timeout_ms=100, max_records=len(positions), update_offsets=False)
                for tp, records in got.items():
                    if records:  # a record at or after the commit: behind, whatever the watermark says
                        ends[tp] = max(records[-1].offset + 1, positions[tp] + 1)
                for tp in positions:
                    if tp not in ends and consumer.highwater(tp) is not None:
                        ends[tp] = consumer.highwater(tp)
        finally:
            consumer.assign([])
        missing = [tp for tp in positions if tp not in ends]
        if missing:  # no fetch answered in time: count them behind rather than call the group drained
            ends.update({tp: positions[tp] + 1 for tp in missing})
        return ends

    def close(self) -> None:
        self._consumer.close()
        self._admin.close()
