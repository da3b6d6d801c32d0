"""Run the stream worker until stopped, or until every input topic is drained."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import threading
import time

from engine.eventlog.kafka import FLAGS, GRAPH_CHANGES, MENTIONS, TOPICS, LagProbe, ensure_topics
from engine.graph.merge import finish_merges
from engine.graph.store import open_store
from engine.pipeline.linker import EntityLinker
from engine.runtime.endpoints import Endpoints
from engine.sources import SOURCES
from streams.app import BATCH_WITHIN_SECONDS, FETCH_MAX_WAIT_MS, Activity, build_app

log = logging.getLogger("vinculo.worker")
PROBE_TIMEOUT = 45.0  # longer than the probe's own request timeouts: a call that outlives it is abandoned


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
) -> Activity:
    ensure_topics(endpoints.kafka_bootstrap, list(TOPICS), partitions)
    store = open_store(
        endpoints.graph_uri, endpoints.graph_user, endpoints.graph_password, endpoints.graph_name
    )
    store.ensure_schema()
    state_dir = endpoints.home / "resolver" / app_id if endpoints.home is not None else None
    linker = EntityLinker(state_dir, catch_up_every=catch_up_every)
    finished = finish_merges(store)  # merges a crash cut short: their redirect is there, their moves are not
    if finished:
        log.warning("finished %d merge(s) cut short", len(finished))
    learnt = linker.sync(store)  # what the graph holds that the snapshot (if any) does not
    log.info("linker ready: %d fact(s) learnt from the graph", learnt)
    app, activity = build_app(endpoints.kafka_bootstrap, store, app_id, batch_size, linker=linker,
                              on_arrival=on_arrival, within=within, fetch_max_wait_ms=fetch_max_wait_ms)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (RuntimeError, ValueError):  # not the main thread (several workers in one process)
            break
    inputs = [source.topic for source in SOURCES.values()] + [MENTIONS, FLAGS, GRAPH_CHANGES]
    probe = LagProbe(endpoints.kafka_bootstrap, app_id, inputs) if until_idle else None
    await app.start()
    try:
        while not stop.is_set():
            await asyncio.sleep(0.25)
            if max_seconds is not None and time.monotonic() - activity.started > max_seconds:
                log.warning("stopping after %.0f s", max_seconds)
                break
            if not until_idle:
                continue
            assigned = bool(app.consumer.assignment()) if app.consumer else False
            quiet = time.monotonic() - activity.last_event > idle_seconds
            if probe is None and quiet:
                probe = await asyncio.to_thread(_new_probe, endpoints.kafka_bootstrap, app_id, inputs)
                activity.touch()
                continue
            if assigned and not app.rebalancing and activity.busy == 0 and quiet and probe is not None:
                try:
                    behind = await asyncio.wait_for(asyncio.to_thread(probe.lagging), PROBE_TIMEOUT)
                except Exception as exc:  # the broker away or frozen: not drained, ask again with a new probe
                    log.info("lag probe failed (%s); asking again", type(exc).__name__)
                    stale, probe = probe, None
                    asyncio.get_running_loop().run_in_executor(None, _close_quietly, stale)
                    probe = await asyncio.to_thread(_new_probe, endpoints.kafka_bootstrap, app_id, inputs)
                    activity.touch()
                    continue
                if behind == 0 and time.monotonic() - activity.last_event > idle_seconds:
                    break
                if behind:
                    log.info("quiet, but %d partition(s) still behind", behind)
    finally:
        deadline = time.monotonic() + 30
        while activity.busy and time.monotonic() < deadline:  # let the batch in hand finish and acknowledge
            await asyncio.sleep(0.1)
        await app.stop()
        for close in activity.closers:
            try:
                await asyncio.wait_for(close(), 10)
            except Exception as exc:  # noqa: BLE001 - closing what is left must not lose the state saved below
                log.warning("closing %s: %s", close, exc)
        await asyncio.to_thread(_save, linker)
        store.close()
        if probe is not None:
            probe.close()
    return activity


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
    batch_size: int = 500,
    max_seconds: float | None = None,
    on_arrival: bool = True,
    catch_up_every: float = 0.0,
    within: float = BATCH_WITHIN_SECONDS,
    fetch_max_wait_ms: int = FETCH_MAX_WAIT_MS,
) -> Activity:
    """Process the raw topics, ``mentions`` and ``flags``. With ``until_idle``, return once
    nothing has happened for ``idle_seconds`` after the group has its partitions, no batch
    is in progress, and no input partition has a committed offset short of what the broker
    reports as its end (see :class:`LagProbe` for why that is necessary, not sufficient)."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(
            _run(endpoints, until_idle, idle_seconds, partitions, app_id, batch_size, max_seconds, on_arrival,
                 catch_up_every, within, fetch_max_wait_ms)
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
