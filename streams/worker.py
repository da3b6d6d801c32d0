"""Run the stream worker until stopped, or until every input topic is drained."""

from __future__ import annotations

import asyncio
import logging
import signal
import time

from engine.eventlog.kafka import FLAGS, GRAPH_CHANGES, MENTIONS, TOPICS, LagProbe, ensure_topics
from engine.graph.merge import finish_merges
from engine.graph.store import open_store
from engine.pipeline.linker import EntityLinker
from engine.runtime.endpoints import Endpoints
from engine.sources import SOURCES
from streams.app import Activity, build_app

log = logging.getLogger("vinculo.worker")


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
                              on_arrival=on_arrival)
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
            if assigned and not app.rebalancing and activity.busy == 0 and quiet and probe is not None:
                behind = await asyncio.to_thread(probe.lagging)
                if behind == 0 and time.monotonic() - activity.last_event > idle_seconds:
                    break
                if behind:
                    log.info("quiet, but %d partition(s) still behind", behind)
    finally:
        deadline = time.monotonic() + 30
        while activity.busy and time.monotonic() < deadline:  # let the batch in hand finish and acknowledge
            await asyncio.sleep(0.1)
        await app.stop()
        await asyncio.to_thread(_save, linker)
        store.close()
        if probe is not None:
            probe.close()
    return activity


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
) -> Activity:
    """Process the raw topics, ``mentions`` and ``flags``. With ``until_idle``, return once
    nothing has happened for ``idle_seconds`` after the group has its partitions, no batch
    is in progress, and no input partition has a committed offset short of what the broker
    reports as its end (see :class:`LagProbe` for why that is necessary, not sufficient)."""
    return asyncio.run(
        _run(endpoints, until_idle, idle_seconds, partitions, app_id, batch_size, max_seconds, on_arrival,
             catch_up_every)
    )
