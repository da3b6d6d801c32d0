"""The faust app: one agent per raw topic (normalise into canonical records on ``mentions``),
one on ``mentions`` (link: resolve and write to the graph, then the on-arrival check of what the
batch touched), one on ``flags`` and one on ``graph.changes`` (alerts:
:class:`engine.alerts.service.AlertsService`), and a timer for the alerts' retries, digests and the
changes they read from the graph. A link stage in a process without the alerts stage hands the
on-arrival check to the alerts stage's process through ``graph.touched``.

Agents are thin: they decode, call a stage of :mod:`engine.pipeline`, send what it returns and
only then acknowledge. Events are taken without automatic acknowledgement
(``noack_take``): an event is acknowledged — and its offset becomes committable — once the
stage's effect is durable and every message it produced has been accepted by the broker. A
store or broker that is away is waited for, however long; a record that keeps failing goes to
``dlq`` alone. One lock serialises everything that touches the linker's state.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import time
import types
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import faust

from engine.alerts import events as alert_events
from engine.alerts.service import AlertsService
from engine.detection.runner import SEED_LABELS, check_touched, mark_published, pending_flags
from engine.eventlog.kafka import DLQ, FLAGS, GRAPH_CHANGES, GRAPH_TOUCHED, MENTIONS
from engine.graph.store import GraphStore
from engine.pipeline.judgments import apply_judgments
from engine.pipeline.linker import EntityLinker
from engine.pipeline.stages import TRANSIENT, DeadLetter, Incoming, LinkStage, NormalizeStage
from engine.settings import Settings
from engine.sources import SOURCES

log = logging.getLogger("vinculo.worker")
T = TypeVar("T")
MAX_BACKOFF = 10.0
# How long a fetch may wait on the broker for records (a quiet stream's latency at each hop), and how long
# a batch is gathered before it is handled: each costs a record up to that much at each of the two hops
# (settings ``fetch_max_wait_ms`` and ``batch_within_ms``).
FETCH_MAX_WAIT_MS: int = Settings.model_fields["fetch_max_wait_ms"].default
BATCH_WITHIN_SECONDS: float = Settings.model_fields["batch_within_ms"].default / 1000
# The most records one batch takes (``write_batch``): a busy stream fills it, and each batch costs one durable
# write and one on-arrival check whose neighbourhood read barely grows with the batch (2,000 rather than 500
# took the e2e bench's alerts process from 44.8 to 26.7 CPU seconds)
WRITE_BATCH: int = Settings.model_fields["write_batch"].default
# What a worker process can run: normalise (raw topics → ``mentions``), link (``mentions`` → graph, with
# on-arrival detection and ``flags``) and alerts (``flags`` and ``graph.changes`` → deliveries). One process
# runs all three by default; split over processes, each stage has a core of its own, and the on-arrival check
# of what a link process wrote runs in the alerts process (``graph.touched``), off the link stage's core.
STAGES: tuple[str, ...] = ("normalize", "link", "alerts")


def stage_topics(stages: frozenset[str] | tuple[str, ...]) -> list[str]:
    """The topics the given stages read."""
    topics: list[str] = []
    if "normalize" in stages:
        topics += [source.topic for source in SOURCES.values()]
    if "link" in stages:
        topics.append(MENTIONS)
    if "alerts" in stages:
        topics += [FLAGS, GRAPH_CHANGES, GRAPH_TOUCHED]
    return topics


def group_id(app_id: str, stages: frozenset[str] | tuple[str, ...]) -> str:
    """The consumer group of a worker running ``stages``: ``app_id`` for all of them, else one group per
    set of stages (``vinculo-link`` …), since faust's assignor expects every member of a group to read the
    same topics."""
    unknown = set(stages) - set(STAGES)
    if unknown or not stages:
        raise ValueError(f"unknown stage(s) {sorted(unknown)}: choose among {', '.join(STAGES)}")
    if set(stages) == set(STAGES):
        return app_id
    return app_id + "-" + "-".join(s for s in STAGES if s in stages)


def _fetch_max_wait(ms: int) -> None:
    """faust builds its consumer with ``fetch_max_wait_ms=1500``: a broker that does not answer early keeps a
    record waiting that long at every hop. The worker's consumer asks for ``ms`` instead."""
    import aiokafka
    import faust.transport.drivers.aiokafka as driver

    if getattr(driver.aiokafka.AIOKafkaConsumer, "_vinculo_wait", None) == ms:
        return

    class Consumer(aiokafka.AIOKafkaConsumer):
        _vinculo_wait = ms

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["fetch_max_wait_ms"] = ms
            super().__init__(*args, **kwargs)

    driver.aiokafka = types.SimpleNamespace(**{**vars(aiokafka), "AIOKafkaConsumer": Consumer})


def _gaps_are_not_acknowledgements() -> None:
    """faust takes a jump in a partition's offsets for offsets that do not exist (compaction, transaction
    markers) and counts them acknowledged, so its commit passes them. The worker's topics are neither
    compacted nor transactional: their offsets are contiguous, and a jump appears only when a rebalance
    race has faust drop records it reads again after a seek (its read offset already past them). Counted
    acknowledged, those records are lost; not counted, the commit waits at them, the worker sees a stalled
    partition and a fresh consumer reads them again from the commit."""
    from faust.transport.consumer import Consumer

    if getattr(Consumer, "_vinculo_gaps", False):
        return

    async def _add_gap(self: Any, tp: Any, offset_from: int, offset_to: int) -> None:
        log.warning("%s: offsets %d..%d skipped by the consumer; the commit waits for them", tp, offset_from,
                    offset_to)

    Consumer._add_gap = _add_gap  # type: ignore[method-assign]
    Consumer._vinculo_gaps = True  # type: ignore[attr-defined]


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
    retries: int = 0
    restarts: int = 0  # fresh consumers after a stalled stream
    check_failures: int = 0  # on-arrival checks that could not run (logged; the scheduled full scan covers them)
    saved: float = field(default_factory=time.monotonic)
    save_seconds: float = 0.0  # what the last snapshot of the resolver's state took
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)  # run once the app has stopped

    def touch(self) -> None:
        self.last_event = time.monotonic()


# The resolver's state is saved when the worker is idle, at most every SAVE_EVERY seconds and at most SAVE_SHARE of
# the time: a snapshot grows with the index (0.8 s for 47,000 mentions here; in proportion, half a minute for two
# million), and a worker saving that every 30 s would do little else. What a snapshot lacks is caught up from the
# graph at restart.
SAVE_EVERY = 30.0
SAVE_SHARE = 0.05


def save_due(now: float, saved: float, save_seconds: float) -> bool:
    """Whether the resolver's state is due to be saved again."""
    return now - saved > max(SAVE_EVERY, save_seconds / SAVE_SHARE)


TOUCHED_IDS_PER_MESSAGE = 5_000  # ~50 bytes an id: far inside the broker's 1 MB message limit


def touched_messages(touched: dict[str, set[str]]) -> list[bytes]:
    """``graph.touched`` messages for what a batch wrote: ids by label (of the labels the on-arrival check
    starts from), a few thousand ids a message."""
    messages: list[bytes] = []
    chunk: dict[str, list[str]] = {}
    size = 0
    for label in sorted(set(touched) & set(SEED_LABELS)):
        for node_id in sorted(touched[label]):
            chunk.setdefault(label, []).append(node_id)
            size += 1
            if size == TOUCHED_IDS_PER_MESSAGE:
                messages.append(json.dumps({"touched": chunk}, ensure_ascii=False).encode())
                chunk, size = {}, 0
    if chunk:
        messages.append(json.dumps({"touched": chunk}, ensure_ascii=False).encode())
    return messages


def read_touched(value: bytes | None) -> dict[str, list[str]]:
    """A ``graph.touched`` message's ids by label; ValueError with the reason for anything else."""
    try:
        body = json.loads(value or b"")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"unreadable graph.touched message: {exc}") from exc
    touched = body.get("touched") if isinstance(body, dict) else None
    if not isinstance(touched, dict) or not all(
            isinstance(label, str) and isinstance(ids, list) and all(isinstance(i, str) for i in ids)
            for label, ids in touched.items()):
        raise ValueError("graph.touched message without {\"touched\": {label: [ids]}}")
    return touched


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
    batch_size: int = WRITE_BATCH,
    session_timeout: float = 10.0,
    linker: EntityLinker | None = None,
    on_arrival: bool = True,
    within: float = BATCH_WITHIN_SECONDS,
    fetch_max_wait_ms: int = FETCH_MAX_WAIT_MS,
    activity: Activity | None = None,
    stages: frozenset[str] | tuple[str, ...] = STAGES,
) -> tuple[faust.App, Activity]:
    """The worker's app for ``stages`` (all by default), in the consumer group :func:`group_id` names."""
    app_id = group_id(app_id, stages)
    linker = linker or EntityLinker()
    _fetch_max_wait(fetch_max_wait_ms)
    _gaps_are_not_acknowledgements()
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
        broker_request_timeout=max(session_timeout * 3, 30.0),
        producer_acks=-1,
        producer_max_request_size=1_048_576,  # what a Kafka broker accepts by default
        stream_wait_empty=False,  # on stop, unacknowledged events are left to the next worker, not awaited
    )
    activity = activity or Activity()
    lock = asyncio.Lock()  # the linker's state: one batch, timer or judgment at a time
    dlq = app.topic(DLQ, key_serializer="raw", value_serializer="raw")
    mentions = app.topic(MENTIONS, key_serializer="raw", value_serializer="raw")
    flags = app.topic(FLAGS, key_serializer="raw", value_serializer="raw")
    changes = app.topic(GRAPH_CHANGES, key_serializer="raw", value_serializer="raw")
    touched_topic = app.topic(GRAPH_TOUCHED, key_serializer="raw", value_serializer="raw")
    stage = LinkStage(store, linker)

    async def patiently(fn: Callable[[], T], what: str) -> T:
        """Run a blocking call off the event loop until it succeeds while its server is away."""
        delay = 0.5
        while True:
            try:
                return await asyncio.to_thread(fn)
            except TRANSIENT as exc:
                activity.retries += 1
                log.warning("%s: server unreachable (%s); retrying in %.1f s", what, exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF)

    async def send_all(topic: Any, messages: list[tuple[bytes | None, bytes, dict[str, bytes] | None]]) -> None:
        """Send messages and wait until the broker has every one of them; those it refused are sent again
        (a broker away is waited for). All are handed to the producer first, then awaited together."""
        delay = 0.5
        pending = list(messages)
        while pending:
            futures = []
            for key, value, headers in pending:
                try:
                    futures.append(await topic.send(key=key, value=value, headers=headers))
                except Exception as exc:  # the producer refused it before sending
                    futures.append(exc)
            results = await asyncio.gather(*(f for f in futures if not isinstance(f, BaseException)),
                                           return_exceptions=True)
            outcome = iter(results)
            failed = [m for m, f in zip(pending, futures, strict=True)
                      if isinstance(f, BaseException) or isinstance(next(outcome), BaseException)]
            if not failed:
                return
            activity.retries += 1
            log.warning("%d message(s) to %s not accepted; retrying in %.1f s", len(failed),
                        topic.get_topic_name(), delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_BACKOFF)
            pending = failed

    async def send(topic: Any, key: bytes, value: bytes, headers: dict[str, bytes] | None = None) -> None:
        await send_all(topic, [(key, value, headers)])

    async def dead_letter(letters: list[DeadLetter]) -> None:
        await send_all(dlq, [((dead.incoming.key or "").encode(), dead.to_json(), None) for dead in letters])
        for dead in letters:
            log.warning("dead-lettered %s@%s:%s: %s", dead.incoming.topic, dead.incoming.partition,
                        dead.incoming.offset, dead.reason)
        activity.dead += len(letters)

    def normalize_agent(kind: str, topic_name: str) -> None:
        topic = app.topic(topic_name, key_serializer="raw", value_serializer="raw")
        normalizer = NormalizeStage(kind)

        async def normalize(stream: Any) -> None:
            async for events in stream.noack_take(batch_size, within=within):
                activity.busy += 1
                activity.touch()
                try:
                    outcome = await asyncio.to_thread(normalizer.process, [_incoming(e) for e in events])
                    await send_all(mentions, [(key, value, None) for _, key, value in outcome.records])
                    await dead_letter(outcome.dead)
                    activity.records += len(events)
                    activity.skipped += sum(outcome.skipped.values())
                    for event in events:
                        await stream.ack(event)
                finally:
                    activity.busy -= 1
                    activity.touch()

        app.agent(topic, name=f"normalize-{kind}")(normalize)

    if "normalize" in stages:
        for kind, source in SOURCES.items():
            normalize_agent(kind, source.topic)

    async def publish_flags() -> None:
        """New flags onto ``flags`` (each accepted by the broker), then marked published."""
        messages = await patiently(lambda: pending_flags(store), "pending flags")
        await send_all(flags, [(m["id"].encode(), json.dumps(m, ensure_ascii=False).encode(), None) for m in messages])
        if messages:
            await patiently(lambda: mark_published(store, [m["id"] for m in messages]), "mark flags")

    async def detect(touched: dict[str, set[str]]) -> str | None:
        """The on-arrival check of the neighbourhood of what was written, its flags onto ``flags``. A check that
        fails for another reason than a server away (a pattern's bug, data it cannot read) does not stop the stream
        that feeds it: the records are in the graph and the scheduled full scan checks them; the reason is logged
        and returned."""
        try:
            report = await patiently(functools.partial(check_touched, store, touched), "detect")
        except Exception as exc:  # noqa: BLE001 - see above: never the reason a stream stops
            activity.check_failures += 1
            log.exception("on-arrival check of %d entities failed; the scheduled full scan will check them",
                          sum(len(ids) for ids in touched.values()))
            return f"on-arrival check failed: {type(exc).__name__}: {exc}"
        activity.flags += len(report.flags)
        await publish_flags()
        return None

    async def reviews() -> None:
        """Catch up with the graph (other workers, merges, judgments), and apply judgments nobody has."""
        await patiently(lambda: linker.sync(store), "catch up")
        for change in await patiently(lambda: apply_judgments(store, linker), "judgments"):
            await send(changes, str(change.get("entity_id")).encode(), json.dumps(change).encode())

    async def link_mentions(stream: Any) -> None:
        async for events in stream.noack_take(batch_size, within=within):
            activity.busy += 1
            activity.touch()
            try:
                items = [_incoming(e) for e in events]
                async with lock:
                    await reviews()
                    outcome = await patiently(functools.partial(stage.process, items), "link")
                await dead_letter(outcome.dead)
                await send_all(changes, [(c["entity_id"].encode(), json.dumps(c).encode(), None)
                                         for c in outcome.changes])
                activity.written += len(outcome.written)
                if on_arrival and outcome.batch:
                    touched = outcome.touched()
                    if "alerts" in stages:
                        await detect(touched)
                    else:  # the alerts stage's process checks it: this core goes on linking
                        await send_all(touched_topic, [(None, message, None) for message in touched_messages(touched)])
                for event in events:
                    await stream.ack(event)
            finally:
                activity.busy -= 1
                activity.touch()

    async def between_batches() -> None:
        """Judgments and other workers' entities reach an idle worker too; the state is saved now and then."""
        if activity.busy:
            return
        async with lock:
            await reviews()
            if save_due(time.monotonic(), activity.saved, activity.save_seconds):
                started = time.monotonic()
                await asyncio.to_thread(linker.save)
                activity.saved = time.monotonic()
                activity.save_seconds = activity.saved - started

    if "link" in stages:
        app.agent(mentions, name="link")(link_mentions)
        app.timer(5.0)(between_batches)
    if "alerts" not in stages:
        return app, activity

    # -- alerts: flags and graph changes matched against subscriptions, delivered through the outbox ----------
    async def send_alert(topic_name: str, key: bytes, value: bytes, headers: dict[str, bytes]) -> None:
        await send(app.topic(topic_name, key_serializer="raw", value_serializer="raw"), key, value, headers)

    async def dead_alert(key: bytes, value: bytes) -> None:
        await send(dlq, key, value)
        activity.dead += 1

    def alert_tries(delta: int) -> None:
        """Tries under way count as work: a worker waits for them before it stops or calls itself idle."""
        activity.busy += delta
        activity.alerts = alerts.counts.delivered
        activity.touch()

    alerts = AlertsService(store, send_kafka=send_alert, dead_letter=dead_alert, on_busy=alert_tries)
    activity.closers.append(alerts.close)  # its webhook client and its threads
    settling: set[asyncio.Task[None]] = set()

    async def settle(stream: Any, events: list[Any]) -> None:
        """Acknowledge once the outbox is on disk; the next batch need not wait for it."""
        try:
            await patiently(store.sync, "alerts durable")
            for event in events:
                await stream.ack(event)
        finally:
            activity.busy -= 1
            activity.touch()

    def alerts_agent(topic: Any, name: str, decode: Callable[[dict[str, Any]], Any]) -> None:
        async def deliver(stream: Any) -> None:
            async for events in stream.noack_take(batch_size, within=min(within, 0.05)):
                activity.busy += 1
                activity.touch()
                try:
                    decoded = []
                    for event in events:
                        try:
                            found = decode(json.loads(event.message.value))
                        except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
                            await dead_letter([DeadLetter(_incoming(event), "alerts", f"unreadable {name} message: "
                                                                                       f"{exc!r}")])
                            continue
                        if found is not None:
                            decoded.append(found)
                    try:
                        await alerts.handle(decoded)
                    except Exception as exc:  # not the store being away (waited out): a fault of these events
                        log.exception("alerts: a batch of %s failed", name)
                        await dead_letter([DeadLetter(_incoming(e), "alerts", f"{type(exc).__name__}: {exc}")
                                           for e in events])
                    activity.busy += 1
                    task = asyncio.ensure_future(settle(stream, events))
                    settling.add(task)
                    task.add_done_callback(settling.discard)
                finally:
                    activity.busy -= 1
                    activity.touch()

        app.agent(topic, name=name)(deliver)

    alerts_agent(flags, "alerts", alert_events.flag_new)
    alerts_agent(changes, "alerts-changes", alert_events.graph_change)

    async def detect_touched(stream: Any) -> None:
        """What link processes elsewhere wrote: the batches that arrive together are checked as one (a
        neighbourhood read once), then acknowledged."""
        async for events in stream.noack_take(batch_size, within=min(within, 0.05)):
            activity.busy += 1
            activity.touch()
            try:
                touched: dict[str, set[str]] = {}
                read = []
                for event in events:
                    try:
                        for label, ids in read_touched(event.message.value).items():
                            touched.setdefault(label, set()).update(ids)
                        read.append(event)
                    except ValueError as exc:
                        await dead_letter([DeadLetter(_incoming(event), "alerts", str(exc))])
                if touched and on_arrival:
                    failed = await detect(touched)
                    if failed:  # what it was to check, with the reason, on the dead-letter topic
                        await dead_letter([DeadLetter(_incoming(event), "alerts", failed) for event in read])
                for event in events:
                    await stream.ack(event)
            finally:
                activity.busy -= 1
                activity.touch()

    app.agent(touched_topic, name="detect-touched")(detect_touched)

    @app.timer(1.0)
    async def alerts_due() -> None:
        """Retries and digests that are due, flag changes and new records read from the graph."""
        if await alerts.tick() or alerts.pending:
            activity.touch()

    return app, activity
