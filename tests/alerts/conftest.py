"""Alerts tests: real ``vinculo worker`` processes on the embedded broker and graph server, a
real HTTP receiver and a real SMTP server started by the tests."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from engine.detection.base import EntityRef, Finding
from engine.detection.runner import flag_batch, now, publish_new_flags
from engine.eventlog.kafka import FLAGS, make_producer
from engine.graph.model import GraphBatch, Provenance
from engine.graph.store import GraphStore
from engine.runtime.endpoints import Endpoints
from tests.alerts.receivers import WebhookReceiver

VINCULO = Path(sys.executable).with_name("vinculo")
# quick retries, short leases: the tests wait seconds, not minutes
FAST = {"VINCULO_ALERTS_BACKOFF_SECONDS": "0.3", "VINCULO_ALERTS_TRIES": "3", "VINCULO_ALERTS_LEASE_SECONDS": "5",
        "VINCULO_ALERTS_POLL_SECONDS": "1"}


def worker_env(stack: Endpoints, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VINCULO_")}
    env.update({"VINCULO_HOME": str(stack.home), "VINCULO_TOPIC_PARTITIONS": "3", **FAST, **extra})
    return env


def start_worker(stack: Endpoints, log: Path, **extra: str) -> subprocess.Popen[bytes]:
    handle = log.open("ab")
    return subprocess.Popen([str(VINCULO), "-v", "worker"], env=worker_env(stack, **extra), stdout=handle,
                            stderr=subprocess.STDOUT, start_new_session=True)


def stop_worker(proc: subprocess.Popen[bytes], kill: bool = False) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGKILL if kill else signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@contextmanager
def worker(stack: Endpoints, log: Path, **extra: str) -> Iterator[subprocess.Popen[bytes]]:
    """A ``vinculo worker`` process for the duration of the block (its log in ``log``)."""
    proc = start_worker(stack, log, **extra)
    try:
        yield proc
    except BaseException:
        print(log.read_text()[-6000:])
        raise
    finally:
        stop_worker(proc)


def vinculo(stack: Endpoints, *args: str, check: bool = True, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {**worker_env(stack), **extra}  # COLUMNS too: rich's tables fold to the terminal's width
    done = subprocess.run([str(VINCULO), *args], env=env, capture_output=True, text=True, timeout=300)
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    r = WebhookReceiver().start()
    try:
        yield r
    finally:
        r.stop()


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "webhook.secret"
    path.write_text("s3cret-for-the-test\n")
    path.chmod(0o600)
    return path


def companies(store: GraphStore, names: dict[str, str]) -> None:
    """Company nodes by id → name (what synthetic flags concern)."""
    batch = GraphBatch()
    prov = Provenance(source="test", record_id="test", seen=now())
    for entity_id, name in names.items():
        batch.node("Company", entity_id, prov, name=name)
    store.write(batch)


def write_flags(store: GraphStore, specs: list[dict[str, Any]]) -> list[str]:
    """Flags as detection writes them: ``{"pattern", "key", "severity", "entities": {id: role}, "evidence"}``."""
    findings = []
    for spec in specs:
        refs = [EntityRef("Company", entity_id, role) for entity_id, role in spec["entities"].items()]
        findings.append(Finding(spec["pattern"], tuple(spec["key"]), f"{spec['pattern']} test",
                                spec.get("severity", "high"), spec.get("score", 0.9),
                                spec.get("sentence", f"Test finding {spec['key']}"), refs,
                                spec.get("evidence") or {"path": list(spec["entities"]), "note": "synthetic"}))
    store.write(flag_batch(findings, now()))
    return [f.flag_id for f in findings]


def publish_flags(stack: Endpoints, store: GraphStore) -> int:
    """New flags onto ``flags``, as the worker and `vinculo detect` publish them."""
    producer = make_producer(stack.kafka_bootstrap)
    try:
        return publish_new_flags(store, lambda k, v: producer.send(FLAGS, key=k.encode(), value=v).get(30))
    finally:
        producer.close()


def payloads(hits: list[Any]) -> list[dict[str, Any]]:
    return [json.loads(h.body) for h in hits]
