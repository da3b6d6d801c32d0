"""Alerts benchmark: from a flag published on ``flags`` to the alert delivered, with 1,000
subscriptions, over a webhook and over a Kafka topic.

Fresh embedded servers (Tansu + FalkorDB from their wheels) in a temporary folder; 1,000
subscriptions (500 webhooks to an HTTP receiver in this process, 500 to a Kafka topic, each
watching one company); flags written to the graph as detection writes them, each concerning one
company watched by a webhook and one watched by Kafka, so every flag is two alerts. A real
``vinculo worker`` process does the matching and delivery. Flags are published one at a time at a
steady rate; the latency of an alert is the time from just before its flag is sent to the broker
to its arrival: the HTTP request received, or the message read by a consumer polling the topic
(the consumer's own delay is included). Then a burst: every remaining flag at once (1,000 alerts).

Run: ``python -m bench --only alerts`` (or ``python -m bench.alerts``). Writes ``bench/alerts.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

SUBSCRIPTIONS = 1000
PACED = int(os.environ.get("VINCULO_BENCH_ALERTS_PACED", "300"))  # flags published one at a time
RATE = float(os.environ.get("VINCULO_BENCH_ALERTS_RATE", "10"))  # flags a second
BURST = 500  # flags at once: 1,000 alerts
WARMUP = 20
TOPIC = "alerts.bench"
TARGET_P99 = 2.0


def _log(msg: str) -> None:
    print(f"[alerts {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


def _figures(samples: list[float]) -> dict[str, Any]:
    return {"alerts": len(samples), "p50_seconds": round(_quantile(samples, 0.5), 3),
            "p90_seconds": round(_quantile(samples, 0.9), 3), "p99_seconds": round(_quantile(samples, 0.99), 3),
            "mean_seconds": round(statistics.fmean(samples), 3), "max_seconds": round(max(samples), 3)}


class Arrivals:
    """When each alert arrived, by its flag id, at each channel (the first arrival of an idempotency id)."""

    def __init__(self) -> None:
        self.at: dict[str, dict[str, float]] = {"webhook": {}, "kafka": {}}
        self.duplicates = {"webhook": 0, "kafka": 0}
        self._lock = threading.Lock()

    def arrived(self, channel: str, flag_id: str) -> None:
        now = time.time()
        with self._lock:
            if flag_id in self.at[channel]:
                self.duplicates[channel] += 1
            else:
                self.at[channel][flag_id] = now

    def count(self, channel: str) -> int:
        with self._lock:
            return len(self.at[channel])


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # the standard library's 5 makes a burst of connections wait for SYN retries (1 s)
    daemon_threads = True


def _receiver(arrivals: Arrivals) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as web servers do

        def do_POST(self) -> None:  # noqa: N802 - the standard library's name
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            arrivals.arrived("webhook", json.loads(body)["flag"]["id"])
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = _Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _consume(bootstrap: str, arrivals: Arrivals, stop: threading.Event) -> None:
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest",
                             client_id="bench-alerts", fetch_max_wait_ms=10)
    try:
        while not stop.is_set() and not consumer.partitions_for_topic(TOPIC):
            time.sleep(0.2)
            consumer.topics()  # refresh the metadata
        parts = [TopicPartition(TOPIC, p) for p in sorted(consumer.partitions_for_topic(TOPIC) or ())]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        while not stop.is_set():
            for records in consumer.poll(timeout_ms=20).values():
                for record in records:
                    arrivals.arrived("kafka", json.loads(record.value)["flag"]["id"])
    finally:
        consumer.close()


@contextmanager
def _servers() -> Iterator[tuple[Any, Path]]:
    from engine.runtime.embedded import EmbeddedServices
    from engine.runtime.endpoints import Endpoints

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        services = EmbeddedServices(home)
        infos = services.up()
        try:
            yield Endpoints(infos["kafka"].url, infos["graph"].url, None, services.password(), "vinculo", home), home
        finally:
            services.down()


def _worker(home: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VINCULO_")}
    env.update(VINCULO_HOME=str(home), VINCULO_TOPIC_PARTITIONS="3")
    return subprocess.Popen([str(Path(sys.executable).with_name("vinculo")), "worker"], env=env,
                            stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)


def _wait(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.05)


def run() -> dict[str, Any]:
    from engine.alerts.model import Subscription
    from engine.alerts.subscriptions import subscribe
    from engine.detection.base import EntityRef, Finding
    from engine.detection.runner import flag_batch, now, pending_flags
    from engine.eventlog.kafka import FLAGS, TOPICS, ensure_topics, make_producer
    from engine.graph.model import GraphBatch, Provenance
    from engine.graph.store import open_store

    half = SUBSCRIPTIONS // 2
    flags_total = WARMUP + PACED + BURST
    arrivals = Arrivals()
    receiver = _receiver(arrivals)
    url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    with _servers() as (ep, home):
        ensure_topics(ep.kafka_bootstrap, [*TOPICS, TOPIC], 3)
        store = open_store(ep.graph_uri, ep.graph_user, ep.graph_password, ep.graph_name)
        secret = home / "bench.secret"
        secret.write_text("bench-secret")
        secret.chmod(0o600)
        store.ensure_schema()
        started = time.perf_counter()
        for i in range(half):
            subscribe(store, Subscription(entity_ids=[f"mx-rfc:WEB{i:06d}AA1"], webhook_url=url,
                                          secret_file=str(secret)), resolve=False)
            subscribe(store, Subscription(entity_ids=[f"mx-rfc:KAF{i:06d}AA1"], kafka_topic=TOPIC), resolve=False)
        _log(f"{SUBSCRIPTIONS} subscriptions in {time.perf_counter() - started:.1f} s")
        prov = Provenance(source="bench", record_id="bench", seen=now())
        companies = GraphBatch()
        findings = []
        for i in range(flags_total):  # flag i: the companies of subscriptions i mod 500, one of each channel
            web, kaf = f"mx-rfc:WEB{i % half:06d}AA1", f"mx-rfc:KAF{i % half:06d}AA1"
            companies.node("Company", web, prov, name=f"Empresa Web {i} SA de CV")
            companies.node("Company", kaf, prov, name=f"Empresa Kafka {i} SA de CV")
            findings.append(Finding("P001", (str(i),), "bench", "high", 0.9, f"Bench finding {i}.",
                                    [EntityRef("Company", web, "supplier"), EntityRef("Company", kaf, "supplier")],
                                    {"path": [web, kaf]}))
        store.write(companies)
        store.write(flag_batch(findings, now()))
        messages = {m["id"]: json.dumps(m, ensure_ascii=False).encode() for m in pending_flags(store)}
        order = [f.flag_id for f in findings]
        stop = threading.Event()
        consumer = threading.Thread(target=_consume, args=(ep.kafka_bootstrap, arrivals, stop), daemon=True)
        consumer.start()
        producer = make_producer(ep.kafka_bootstrap, linger_ms=0)
        log = home / "worker.log"
        worker = _worker(home, log)
        sent: dict[str, float] = {}

        def publish(flag_id: str) -> None:
            sent[flag_id] = time.time()
            producer.send(FLAGS, key=flag_id.encode(), value=messages[flag_id]).get(30)

        try:
            for flag_id in order[:WARMUP]:  # the group joins, the caches fill
                publish(flag_id)
            _wait(lambda: arrivals.count("webhook") >= WARMUP and arrivals.count("kafka") >= WARMUP, 180,
                  "the warm-up alerts")
            _log(f"warm: {WARMUP} flags delivered; {PACED} flags at {RATE:g}/s")
            paced = order[WARMUP:WARMUP + PACED]
            t0 = time.perf_counter()
            for n, flag_id in enumerate(paced):
                time.sleep(max(0.0, t0 + n / RATE - time.perf_counter()))
                publish(flag_id)
            _wait(lambda: all(f in arrivals.at["webhook"] and f in arrivals.at["kafka"] for f in paced), 180,
                  "the paced alerts")
            burst = order[WARMUP + PACED:]
            _log(f"burst: {len(burst)} flags at once ({2 * len(burst)} alerts)")
            t1 = time.perf_counter()
            for flag_id in burst:
                sent[flag_id] = time.time()
                producer.send(FLAGS, key=flag_id.encode(), value=messages[flag_id])
            producer.flush()
            _wait(lambda: all(f in arrivals.at["webhook"] and f in arrivals.at["kafka"] for f in burst), 300,
                  "the burst")
            burst_seconds = time.perf_counter() - t1
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=60)
            stop.set()
            producer.close()
            receiver.shutdown()
        deliveries = store.read("MATCH (d:Delivery) RETURN d.status AS status, count(d) AS n")
        store.close()

    def latencies(flags: list[str], channel: str) -> list[float]:
        return [arrivals.at[channel][f] - sent[f] for f in flags]

    result: dict[str, Any] = {
        "subscriptions": SUBSCRIPTIONS, "subscriptions_by_channel": {"webhook": half, "kafka": half},
        "paced": {"flags": PACED, "flags_per_second": RATE, "alerts": 2 * PACED},
        "webhook": _figures(latencies(paced, "webhook")),
        "kafka": _figures(latencies(paced, "kafka")),
        "burst": {"flags": len(burst), "alerts": 2 * len(burst), "seconds_to_deliver_all": round(burst_seconds, 2),
                  "alerts_per_second": round(2 * len(burst) / burst_seconds, 1),
                  "webhook": _figures(latencies(burst, "webhook")), "kafka": _figures(latencies(burst, "kafka"))},
        "duplicates_dropped_by_id": arrivals.duplicates,
        "deliveries_by_status": {r["status"]: r["n"] for r in deliveries},
        "target_p99_seconds": TARGET_P99,
    }
    result["acceptance"] = {
        "webhook.p99_seconds <= 2": result["webhook"]["p99_seconds"] <= TARGET_P99,
        "kafka.p99_seconds <= 2": result["kafka"]["p99_seconds"] <= TARGET_P99,
    }
    result["acceptance"]["all_met"] = all(result["acceptance"].values())
    return result


def main(out_dir: Path) -> dict[str, Any]:
    started = time.perf_counter()
    report = {"machine": {"python": platform.python_version(), "machine": platform.machine(),
                          "cpus": os.cpu_count()}, **run()}
    report["seconds"] = round(time.perf_counter() - started, 1)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "alerts.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for channel in ("webhook", "kafka"):
        print(f"{channel}: p50 {report[channel]['p50_seconds']} s, p99 {report[channel]['p99_seconds']} s")
    print(f"burst of {report['burst']['alerts']} alerts: {report['burst']['seconds_to_deliver_all']} s")
    print(f"wrote {path}")
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.alerts")
    parser.add_argument("--out", type=Path, default=Path("bench"))
    args = parser.parse_args()
    main(args.out)
