"""`make bench`: measure, on the real embedded servers, what the issues ask for.

Each benchmark starts its own fresh embedded servers and writes its figures as JSON under
``--out``: ``ingest.json`` (publish and stream-ingest throughput of the real SAT 69-B list
and OCDS samples), ``er.json`` (entity resolution, :mod:`bench.er`) and ``detection.json``
(planted-truth recall/precision, full-scan scale, on-arrival latency, :mod:`bench.detection`) and
``e2e.json`` (sustained end-to-end records/s beside each part's raw limit, :mod:`bench.e2e`),
``api.json`` (workspace API latency on the 1M-node graph, :mod:`bench.api`) and ``alerts.json``
(publish → alert delivered latency with 1,000 subscriptions, webhook and Kafka, :mod:`bench.alerts`).
``--only`` runs one of them.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

BENCHMARKS = ("ingest", "e2e", "er", "detection", "api", "alerts")


def bench_ingest(data: Path) -> dict[str, object]:
    from engine.graph import cypher
    from engine.graph.store import open_store
    from engine.intake import publish
    from engine.runtime.embedded import EmbeddedServices
    from engine.runtime.endpoints import Endpoints
    from streams.worker import run_worker

    with tempfile.TemporaryDirectory() as home:
        services = EmbeddedServices(Path(home))
        try:
            infos = services.up()
            ep = Endpoints(infos["kafka"].url, infos["graph"].url, None, services.password(), "vinculo")
            t0 = time.perf_counter()
            sat = publish("sat69b", [data / "sat69b" / "Listado_Completo_69-B.csv"], ep.kafka_bootstrap)
            ocds = publish("ocds", [data / "ocds"], ep.kafka_bootstrap)
            published = time.perf_counter() - t0
            idle = 2.0
            t1 = time.perf_counter()
            activity = run_worker(ep, until_idle=True, idle_seconds=idle)
            processed = time.perf_counter() - t1 - idle  # the quiet period is not work
            store = open_store(ep.graph_uri, None, ep.graph_password)
            nodes = sum(r["count"] for r in store.run(cypher.COUNT_BY_LABEL))
            store.close()
        finally:
            services.down()
    records = sat.records + ocds.records
    return {
        "records": records,
        "publish_seconds": round(published, 3),
        "publish_records_per_second": round(records / published, 1),
        "worker_seconds_including_group_join": round(processed, 3),
        "ingest_records_per_second": round(activity.records / processed, 1),
        "written": activity.written,
        "dead_lettered": activity.dead,
        "nodes_in_graph": nodes,
    }


def run_ingest(data: Path, out: Path) -> dict[str, object]:
    machine = {"python": platform.python_version(), "machine": platform.machine(), "cpus": __import__("os").cpu_count()}
    figures = {"machine": machine, "ingest": bench_ingest(data)}
    path = out / "ingest.json"
    path.write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures, indent=2))
    print(f"wrote {path}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path("bench"))
    parser.add_argument("--only", choices=BENCHMARKS, help="run only this benchmark")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    data = args.data.resolve()
    chosen = (args.only,) if args.only else BENCHMARKS
    timings: dict[str, float] = {}
    for name in chosen:
        started = time.perf_counter()
        print(f"== bench {name} ==", flush=True)
        if name == "ingest":
            run_ingest(data, args.out)
        elif name == "er":
            from bench import er

            er.main(data, args.out)
            print(f"wrote {args.out / 'er.json'}")
        elif name == "e2e":
            from bench import e2e

            e2e.main(data, args.out)
        elif name == "api":
            from bench import api

            api.main(args.out)
        elif name == "alerts":
            from bench import alerts

            alerts.main(args.out)
        else:
            from bench import detection

            detection.main(data, args.out)
        timings[name] = round(time.perf_counter() - started, 1)
    print(f"bench seconds: {timings}")


if __name__ == "__main__":
    main()
