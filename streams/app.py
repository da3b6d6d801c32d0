"""The faust app: one agent per raw topic (normalise into canonical records on
``mentions``), one on ``mentions`` (resolve and write to the graph), one on ``flags``
(deliver alerts). Whatever cannot be used goes to ``dlq`` with the reason."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import faust

from engine.alerts.delivery import H_IDEMPOTENCY, plan_deliveries, record_deliveries
from engine.detection.runner import check_touched, mark_published, pending_flags
from engine.eventlog.kafka import DLQ, FLAGS, GRAPH_CHANGES, MENTIONS
from engine.graph.store import GraphStore
from engine.ingest import TRANSIENT, DeadLetter, Incoming, link, normalize_all
from engine.linking import KeyResolver, Resolver, apply_merges
from engine.resolving import StreamResolver, apply_judgments
from engine.sources import SOURCES

log = logging.getLogger("vinculo.worker")


@dataclass
class Activity:
    """What the worker has done, for ``--until-idle`` and for the closing summary."""

    last_event: float = field(default_factory=time.monotonic)
    started: float = field(default_factory=time.monotonic)
    busy: int = 0
    records: int = 0
    written: int = 0
    dead: int = 0
    skipped: int = 0
    alerts: int = 0
    flags: int = 0
    saved: float = field(default_factory=time.monotonic)

    def touch(self) -> None:
        self.last_event = time.monotonic()


def _headers(event: Any) -> dict[str, str]:
    raw = event.message.headers or []
    items = raw.items() if isinstance(raw, dict) else raw
    return {k: (v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)) for k, v in items}


def _incoming(event: Any) -> Incoming:
    msg = event.message
    key = msg.key.decode("utf-8", "replace") if isinstance(msg.key, bytes) else msg.key
    value = msg.value if isinstance(msg.value, bytes) else bytes(msg.value or b"")
    return Incoming(msg.topic, msg.partition, msg.offset, key, value, _headers(event))


def build_app(
    bootstrap: str,
    store: GraphStore,
    app_id: str = "vinculo",
    batch_size: int = 500,
    session_timeout: float = 10.0,
    resolver: Resolver | None = None,
    on_arrival: bool = True,
) -> tuple[faust.App, Activity]:
    resolver = resolver or KeyResolver()
    app = faust.App(
        app_id,
        broker=f"kafka://{bootstrap}",
        store="memory://",
        web_enabled=False,
        topic_allow_declare=False,  # topics are created by `ensure_topics` with our settings
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=session_timeout,
        broker_heartbeat_interval=1.0,
        broker_commit_every=batch_size,
        broker_commit_interval=1.0,
        producer_acks=-1,
        producer_max_request_size=8 * 1024 * 1024,
        stream_wait_empty=True,
    )
    activity = Activity()
    dlq = app.topic(DLQ, key_serializer="raw", value_serializer="raw")

    mentions = app.topic(MENTIONS, key_serializer="raw", value_serializer="raw")
    flags = app.topic(FLAGS, key_serializer="raw", value_serializer="raw")
    changes = app.topic(GRAPH_CHANGES, key_serializer="raw", value_serializer="raw")

    async def dead_letter(letters: list[DeadLetter]) -> None:
        for dead in letters:
            await (await dlq.send(key=(dead.incoming.key or "").encode(), value=dead.to_json()))
            log.warning("dead-lettered %s@%s:%s: %s", dead.incoming.topic, dead.incoming.partition,
                        dead.incoming.offset, dead.reason)
        activity.dead += len(letters)

    def normalize_agent(kind: str, topic_name: str) -> None:
        topic = app.topic(topic_name, key_serializer="raw", value_serializer="raw")

        async def normalize(stream: Any) -> None:
            async for events in stream.take_events(batch_size, within=0.5):
                activity.busy += 1
                activity.touch()
                try:
                    items = [_incoming(e) for e in events]
                    good, result = normalize_all(kind, items)
                    for _, record in good:
                        key = f"{record.source}:{record.record_id}".encode()
                        await mentions.send(key=key, value=record.model_dump_json(by_alias=True).encode())
                    await app.producer.flush()
                    await dead_letter(result.dead)
                    activity.records += len(items)
                    activity.skipped += sum(result.skipped.values())
                finally:
                    activity.busy -= 1
                    activity.touch()

        app.agent(topic, name=f"normalize-{kind}")(normalize)

    for kind, source in SOURCES.items():
        normalize_agent(kind, source.topic)

    async def link_mentions(stream: Any) -> None:
        async for events in stream.take_events(batch_size, within=0.5):
            activity.busy += 1
            activity.touch()
            try:
                await apply_reviews()
                items = [_incoming(e) for e in events]
                result = await _retrying(lambda items=items: link(store, resolver, items))
                await dead_letter(result.dead)
                activity.written += len(result.written)
                merges = await _retrying(lambda: apply_merges(store, resolver))
                for change in merges:
                    await changes.send(key=change["entity_id"].encode(), value=json.dumps(change).encode())
                if time.monotonic() - activity.saved > 10 and hasattr(resolver, "save"):
                    await asyncio.to_thread(resolver.save)
                    activity.saved = time.monotonic()
                if on_arrival and result.batch:
                    touched: dict[str, set[str]] = {}
                    for node in result.batch.nodes:
                        touched.setdefault(node.label, set()).add(node.id)
                    report = await _retrying(lambda touched=touched: check_touched(store, touched))
                    activity.flags += len(report.flags)
                    await publish_flags()
            finally:
                activity.busy -= 1
                activity.touch()

    app.agent(mentions, name="link")(link_mentions)

    async def apply_reviews() -> None:
        """Reviewers' judgments, stored in the graph by `vinculo er review`, applied here."""
        if not isinstance(resolver, StreamResolver):
            return
        for change in await _retrying(lambda: apply_judgments(store, resolver)):
            await changes.send(key=str(change.get("entity_id")).encode(), value=json.dumps(change).encode())

    @app.timer(5.0)
    async def reviews_when_idle() -> None:
        if activity.busy == 0:
            await apply_reviews()

    async def publish_flags() -> None:
        """New flags onto ``flags`` (then marked published), for the alerts agent."""
        messages = await _retrying(lambda: pending_flags(store))
        for message in messages:
            await (await flags.send(key=message["id"].encode(),
                                    value=json.dumps(message, ensure_ascii=False).encode()))
        if messages:
            await _retrying(lambda: mark_published(store, [m["id"] for m in messages]))

    async def deliver(stream: Any) -> None:
        async for event in stream.events():
            activity.busy += 1
            activity.touch()
            try:
                flag = json.loads(event.message.value)
                planned = await _retrying(lambda flag=flag: plan_deliveries(store, flag))
                delivered = []
                for p in planned:
                    out = app.topic(p.topic, key_serializer="raw", value_serializer="raw")
                    await (await out.send(key=p.key.encode(), value=p.payload,
                                          headers={H_IDEMPOTENCY: p.key.encode()}))
                    delivered.append(p)
                await _retrying(lambda delivered=delivered: record_deliveries(store, delivered))
                activity.alerts += len(delivered)
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                log.warning("unreadable flag message at offset %s: %s", event.message.offset, exc)
            finally:
                activity.busy -= 1
                activity.touch()

    app.agent(flags, name="alerts")(deliver)
    return app, activity


async def _retrying(fn: Any, attempts: int = 8) -> Any:
    """Run a blocking store call off the event loop, retrying while the store is unreachable."""
    delay = 0.5
    for attempt in range(attempts):
        try:
            return await asyncio.to_thread(fn)
        except TRANSIENT as exc:
            if attempt == attempts - 1:
                raise
            log.warning("graph store unreachable (%s); retrying in %.1f s", exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10)
