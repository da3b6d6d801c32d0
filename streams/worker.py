"""Run the stream worker until stopped, or until every input topic is drained."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable

import faust
from kafka import TopicPartition

from engine.eventlog.kafka import TOPICS, LagProbe, ensure_topics
from engine.graph.merge import finish_merges
from engine.graph.store import open_store
from engine.pipeline.linker import EntityLinker
from engine.runtime.endpoints import Endpoints
from streams.app import (
    BATCH_WITHIN_SECONDS,
    FETCH_MAX_WAIT_MS,
    STAGES,
    WRITE_BATCH,
    Activity,
    build_app,
    group_id,
    stage_topics,
)

log = logging.getLogger("vinculo.worker")
PROBE_TIMEOUT = 45.0  # longer than the probe's own request timeouts: a call that outlives it is abandoned
# Nothing received this long while partitions the worker owns hold records beyond its commit: the stream is
# stalled (longer than a session timeout and a rebalance, so a departed member's partitions are not mistaken).
STALL_SECONDS = 30.0


async def _run(
    endpoints: Endpoints,
    until_idle: bool,
    idle_seconds: float,
    partitions: int,
    app_id: str,
    batch_size: int,
    max_seconds: float | None,
    on_arrival: bool,
    catch_up_every: float = 0.0,
    within: float = BATCH_WITHIN_SECONDS,
    fetch_max_wait_ms: int = FETCH_MAX_WAIT_MS,
    stall_seconds: float = STALL_SECONDS,
    started: Callable[[faust.App], None] | None = None,
    stages: frozenset[str] | tuple[str, ...] = STAGES,
) -> Activity:
    group = group_id(app_id, stages)
    ensure_topics(endpoints.kafka_bootstrap, list(TOPICS), partitions)
    store = open_store(
        endpoints.graph_uri, endpoints.graph_user, endpoints.graph_password, endpoints.graph_name
    )
    store.ensure_schema()
    state_dir = endpoints.home / "resolver" / group if endpoints.home is not None else None
    linker = EntityLinker(state_dir if "link" in stages else None, catch_up_every=catch_up_every)
    if "link" in stages:
        finished = finish_merges(store)  # merges a crash cut short: their redirect is there, their moves are not
        if finished:
            log.warning("finished %d merge(s) cut short", len(finished))
        learnt = linker.sync(store)  # what the graph holds that the snapshot (if any) does not
        log.info("linker ready: %d fact(s) learnt from the graph", learnt)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (RuntimeError, ValueError):  # not the main thread (several workers in one process)
            break
    inputs = stage_topics(stages)
    watch = _Watch(endpoints.kafka_bootstrap, group, inputs, LagProbe(endpoints.kafka_bootstrap, group, inputs)
                   if until_idle else None)
    activity: Activity | None = None
    try:
        while True:
            app, activity = build_app(endpoints.kafka_bootstrap, store, app_id, batch_size, linker=linker,
                                      on_arrival=on_arrival, within=within, fetch_max_wait_ms=fetch_max_wait_ms,
                                      activity=activity, stages=stages)
            await app.start()
            if started is not None:
                started(app)
            try:
                ended = await _serve(app, activity, stop, watch, until_idle, idle_seconds, max_seconds, stall_seconds)
            finally:
                await _stop_app(app, activity)
            if ended != "stalled":
                break
            activity.restarts += 1
            activity.touch()
    finally:
        if activity is not None and "link" in stages:
            await asyncio.to_thread(_save, linker)
        store.close()
        watch.close()
    assert activity is not None
    return activity


class _Watch:
    """The worker's view of its group's lag, through a :class:`LagProbe` made (again) when needed: the broker
    may be away when it is first wanted, or freeze in the middle of a call."""

    def __init__(self, bootstrap: str, group: str, topics: list[str], probe: LagProbe | None):
        self.bootstrap, self.group, self.topics, self.probe = bootstrap, group, topics, probe

    async def lagging(self, partitions: list[TopicPartition] | None = None) -> int | None:
        """Partitions behind, or None when the broker could not say (asked again later)."""
        if self.probe is None:
            self.probe = await asyncio.to_thread(_new_probe, self.bootstrap, self.group, self.topics)
            if self.probe is None:
                return None
        try:
            return await asyncio.wait_for(asyncio.to_thread(self.probe.lagging, partitions), PROBE_TIMEOUT)
        except Exception as exc:  # the broker away or frozen: not drained, ask again with a new probe
            log.info("lag probe failed (%s); asking again", type(exc).__name__)
            stale, self.probe = self.probe, None
            asyncio.get_running_loop().run_in_executor(None, _close_quietly, stale)
            return None

    def close(self) -> None:
        if self.probe is not None:
            _close_quietly(self.probe)


def _own_inputs(app: faust.App, topics: list[str]) -> list[TopicPartition]:
    assigned = app.consumer.assignment() if app.consumer else set()
    return sorted(TopicPartition(tp.topic, tp.partition) for tp in assigned if tp.topic in topics)


async def _serve(app: faust.App, activity: Activity, stop: asyncio.Event, watch: _Watch, until_idle: bool,
                 idle_seconds: float, max_seconds: float | None, stall_seconds: float) -> str:
    """Watch the running app until it is told to stop ("stop"), has drained its inputs ("idle") or has
    stalled ("stalled"): nothing received for ``stall_seconds`` while partitions it owns hold records
    beyond its commit. The stream library can leave a partition so after a rebalance; only a fresh
    consumer, reading again from the commit, takes it up."""
    checked = 0.0
    while not stop.is_set():
        await asyncio.sleep(0.25)
        now = time.monotonic()
        if max_seconds is not None and now - activity.started > max_seconds:
            log.warning("stopping after %.0f s", max_seconds)
            return "stop"
        settled = bool(app.consumer and app.consumer.assignment()) and not app.rebalancing and activity.busy == 0
        quiet = now - activity.last_event
        if settled and quiet > stall_seconds and now - checked > 5.0:
            checked = now
            own = _own_inputs(app, watch.topics)
            behind = await watch.lagging(own) if own else 0
            if behind and time.monotonic() - activity.last_event > stall_seconds:
                log.warning("no record received for %.0f s while %d of this worker's partition(s) hold records "
                            "beyond its commit: rejoining the group with a fresh consumer", quiet, behind)
                return "stalled"
        if not until_idle or not settled or quiet <= idle_seconds:
            continue
        behind = await watch.lagging()
        if behind is None:
            activity.touch()
            continue
        if behind == 0 and time.monotonic() - activity.last_event > idle_seconds:
            return "idle"
        if behind:
            log.info("quiet, but %d partition(s) still behind", behind)
    return "stop"


async def _stop_app(app: faust.App, activity: Activity) -> None:
    deadline = time.monotonic() + 30
    while activity.busy and time.monotonic() < deadline:  # let the batch in hand finish and acknowledge
        await asyncio.sleep(0.1)
    await app.stop()
    closers, activity.closers = activity.closers, []
    for close in closers:
        try:
            await asyncio.wait_for(close(), 10)
        except Exception as exc:  # noqa: BLE001 - closing what is left must not lose the state saved next
            log.warning("closing %s: %s", close, exc)


def _new_probe(bootstrap: str, group: str, topics: list[str]) -> LagProbe | None:
    try:
        return LagProbe(bootstrap, group, topics)
    except Exception as exc:  # the broker still away: the next quiet moment tries again
        log.info("lag probe not ready (%s)", type(exc).__name__)
        return None


def _close_quietly(probe: LagProbe) -> None:
    try:
        probe.close()
    except Exception:  # noqa: BLE001 - a probe abandoned mid-call is closed as best it can be
        pass


def _save(linker: EntityLinker) -> None:
    """Keep what the graph has (a batch still being written in a worker thread finishes first)."""
    with linker.mutex:
        linker.rollback()
        linker.save()


def run_worker(
    endpoints: Endpoints,
    until_idle: bool = False,
    idle_seconds: float = 3.0,
    partitions: int = 3,
    app_id: str = "vinculo",
    batch_size: int = WRITE_BATCH,
    max_seconds: float | None = None,
    on_arrival: bool = True,
    catch_up_every: float = 0.0,
    within: float = BATCH_WITHIN_SECONDS,
    fetch_max_wait_ms: int = FETCH_MAX_WAIT_MS,
    stall_seconds: float = STALL_SECONDS,
    started: Callable[[faust.App], None] | None = None,
    stages: frozenset[str] | tuple[str, ...] = STAGES,
) -> Activity:
    """Process the raw topics, ``mentions`` and ``flags`` (or the topics of ``stages`` alone, in the group
    :func:`~streams.app.group_id` names). With ``until_idle``, return once
    nothing has happened for ``idle_seconds`` after the group has its partitions, no batch
    is in progress, and no input partition of the group holds a record beyond its commit
    (see :class:`LagProbe`). A worker whose stream has stalled (see :func:`_serve`) starts a
    fresh consumer; ``started`` is called with each app once it runs."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(
            _run(endpoints, until_idle, idle_seconds, partitions, app_id, batch_size, max_seconds, on_arrival,
                 catch_up_every, within, fetch_max_wait_ms, stall_seconds, started, stages)
        )
    finally:
        _close_loop(loop)


def leave_stuck_threads(grace: float = 10.0) -> None:
    """End the process now if threads the stream library started are still running ``grace`` seconds after
    the worker finished (its offsets committed, its state saved, its store closed): the interpreter would
    wait for them for ever. Called by the ``worker`` command once it has said what it did."""
    deadline = time.monotonic() + grace
    for thread in threading.enumerate():
        if thread is threading.main_thread() or thread.daemon:
            continue
        thread.join(max(0.0, deadline - time.monotonic()))
    stuck = [t.name for t in threading.enumerate()
             if t is not threading.main_thread() and not t.daemon and t.is_alive()]
    if stuck:
        log.warning("thread(s) %s still running after the worker finished; exiting without them", stuck)
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def _close_loop(loop: asyncio.AbstractEventLoop, grace: float = 10.0) -> None:
    """What ``asyncio.run`` does on the way out, with a bound: a task left behind by the stream library that
    ignores its cancellation (seen after a rebalance, waiting on the consumer's thread) must not keep a
    worker that has finished its work, committed and saved its state from exiting."""
    tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in tasks:
        task.cancel()
    if tasks:
        _, stuck = loop.run_until_complete(asyncio.wait(tasks, timeout=grace))
        for task in stuck:
            log.warning("task still running %.0f s after it was cancelled, left behind: %s", grace,
                        task.get_coro())
    try:
        loop.run_until_complete(asyncio.wait_for(loop.shutdown_asyncgens(), grace))
    except TimeoutError:
        log.warning("asynchronous generators did not close within %.0f s", grace)
    finally:
        asyncio.set_event_loop(None)
        loop.close()
