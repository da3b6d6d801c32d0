"""Scheduled jobs (``vinculo scheduler``): the full detection scan and reconciliation,
on cron expressions from settings, with APScheduler."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from engine.detection.runner import publish_new_flags, scan
from engine.eventlog.kafka import FLAGS, TOPICS, ensure_topics, make_producer
from engine.graph.merge import reconcile_processes
from engine.graph.store import open_store
from engine.pipeline.reconcile import reconcile_entities
from engine.runtime.endpoints import Endpoints
from engine.settings import Settings

log = logging.getLogger(__name__)


def scan_job(endpoints: Endpoints, settings: Settings) -> str:
    """Full scan, partitioned by buyer; new flags published on ``flags``."""
    store = open_store(endpoints.graph_uri, endpoints.graph_user, endpoints.graph_password, endpoints.graph_name)
    try:
        store.ensure_schema()
        report = scan(store)
        ensure_topics(endpoints.kafka_bootstrap, list(TOPICS), settings.topic_partitions)
        producer = make_producer(endpoints.kafka_bootstrap)
        try:
            sent = publish_new_flags(store, lambda k, v: producer.send(FLAGS, key=k.encode(), value=v).get(30))
        finally:
            producer.close()
    finally:
        store.close()
    line = (f"scan: {sum(report.findings.values())} finding(s) in {report.partitions} partition(s), "
            f"{report.seconds:.1f} s, {sent} new flag(s), {report.withdrawn} withdrawn")
    log.warning(line)
    return line


def reconcile_job(endpoints: Endpoints, settings: Settings) -> str:
    """Merge what streaming could not join at arrival time (procedures known by a folio)."""
    store = open_store(endpoints.graph_uri, endpoints.graph_user, endpoints.graph_password, endpoints.graph_name)
    try:
        pairs = reconcile_processes(store)
        merged = reconcile_entities(store)
    finally:
        store.close()
    line = (f"reconcile: {len(pairs)} procedure(s) merged into their OCDS process, "
            f"{len(merged)} duplicate entit{'y' if len(merged) == 1 else 'ies'} merged")
    log.warning(line)
    return line


def run_jobs_once(endpoints: Endpoints, settings: Settings) -> Iterator[str]:
    yield reconcile_job(endpoints, settings)
    yield scan_job(endpoints, settings)


def run_scheduler(endpoints: Endpoints, settings: Settings) -> None:
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger

    scheduler = BlockingScheduler(timezone="UTC")
    scheduler.add_job(scan_job, CronTrigger.from_crontab(settings.scan_schedule), args=(endpoints, settings),
                      id="scan", max_instances=1, coalesce=True)
    scheduler.add_job(reconcile_job, CronTrigger.from_crontab(settings.reconcile_schedule),
                      args=(endpoints, settings), id="reconcile", max_instances=1, coalesce=True)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        scheduler.shutdown(wait=False)
