"""Workspace API benchmark: latency of search, entity profile and neighbourhood (depth 2)
requests on the 1,000,000-node / 5,000,000-relationship synthetic graph.

Fresh embedded servers (Tansu + FalkorDB from their wheels) in a temporary folder; the graph
of :class:`bench.detection.SyntheticGraph` is loaded with ``store.write`` after the store's
schema set-up (so the workspace's indexes — identifiers, full text — are maintained as in
production); then ``vinculo serve``'s app runs under uvicorn on 127.0.0.1 and real HTTP
requests, one at a time, are timed from the client: a seeded mix of names as people type
them (lower case, cut short, surname first), RFCs, and ids of people, companies and public
bodies. Every request is also audited, as in production.

Run: ``python -m bench --only api`` (or ``python -m bench.api``). Writes ``bench/api.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import socket
import statistics
import threading
import time
from pathlib import Path
from typing import Any

REQUESTS = int(os.environ.get("VINCULO_BENCH_API_REQUESTS", "400"))
WARMUP = 30
SEED = 20240611


def _log(msg: str) -> None:
    print(f"[api {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def _quantile(values: list[float], q: float) -> float:
    import math

    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


def _figures(samples: list[float], statuses: list[int]) -> dict[str, Any]:
    return {"requests": len(samples), "p50_ms": round(_quantile(samples, 0.5), 2),
            "p99_ms": round(_quantile(samples, 0.99), 2), "mean_ms": round(statistics.fmean(samples), 2),
            "max_ms": round(max(samples), 2), "non_200": sum(1 for s in statuses if s != 200)}


def _searches(graph: Any, rng: random.Random, n: int) -> list[str]:
    """Names the way people type them (the synthetic graph has no valid RFCs to look up)."""
    people, companies, bodies = graph.nodes["Person"], graph.nodes["Company"], graph.nodes["PublicBody"]
    out = []
    for _ in range(n):
        pick = rng.random()
        if pick < 0.3:
            out.append(f"persona {rng.randrange(people)}")
        elif pick < 0.45:
            out.append(f"{rng.randrange(people)} Persona")  # another order
        elif pick < 0.7:
            out.append(f"Empresa {rng.randrange(companies)} S.A. de C.V.")
        elif pick < 0.8:
            out.append(f"EMPRESA {rng.randrange(companies)} SA")  # a legal form cut short
        elif pick < 0.9:
            out.append(f"institucion {rng.randrange(bodies)}")
        else:
            out.append(f"empresa {rng.randrange(companies)} s.a. de")  # cut short by CompraNet
    return out


def _ids(graph: Any, rng: random.Random, n: int) -> list[str]:
    pre = graph.PREFIX
    labels = ("Person", "Company", "PublicBody")
    return [pre[label] + str(rng.randrange(graph.nodes[label])) for label in (rng.choice(labels) for _ in range(n))]


def _serve(app: Any) -> tuple[Any, int]:
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    return server, port


def _timed(client: Any, urls: list[tuple[str, dict[str, Any]]]) -> tuple[list[float], list[int], list[int]]:
    samples, statuses, sizes = [], [], []
    for path, params in urls:
        t = time.perf_counter()
        res = client.get(path, params=params)
        body = res.content
        samples.append((time.perf_counter() - t) * 1000)
        statuses.append(res.status_code)
        sizes.append(len(body))
    return samples, statuses, sizes


def run(factor: float = 1.0, requests: int = REQUESTS, batch_rows: int = 50_000) -> dict[str, Any]:
    import httpx

    from bench.detection import SyntheticGraph, fresh_servers, load_synthetic
    from engine.api.app import create_app
    from engine.api.auth import Role, create_token
    from engine.graph import cypher
    from engine.graph.store import open_store
    from engine.settings import Settings

    graph = SyntheticGraph(factor)
    rng = random.Random(SEED)
    with fresh_servers("api") as (ep, _services, _home):
        store = open_store(ep.graph_uri, ep.graph_user, ep.graph_password, ep.graph_name)
        try:
            store.ensure_schema()
            _log(f"loading {sum(graph.nodes.values()):,} nodes, {sum(graph.rels.values()):,} relationships")
            load = load_synthetic(store, graph, batch_rows)
            _log(f"loaded in {load['load_seconds']:.0f} s ({load['rows_per_second']:,.0f} rows/s)")
            nodes = sum(r["count"] for r in store.run(cypher.COUNT_BY_LABEL))
            rels = sum(r["count"] for r in store.run(cypher.COUNT_BY_REL_TYPE))
            token = create_token(store, "bench", Role.journalist).token
            settings = Settings(api_rate_per_minute=10**7)
            server, port = _serve(create_app(store, settings))
            base = f"http://127.0.0.1:{port}"
            results: dict[str, Any] = {}
            with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
                plans = {
                    "search": [("/api/search", {"q": q}) for q in _searches(graph, rng, requests + WARMUP)],
                    "entity": [(f"/api/entities/{i}", {}) for i in _ids(graph, rng, requests + WARMUP)],
                    "neighbourhood_depth2": [(f"/api/entities/{i}/neighbourhood", {"depth": 2})
                                             for i in _ids(graph, rng, requests + WARMUP)],
                }
                for name, urls in plans.items():
                    _timed(client, urls[:WARMUP])
                    samples, statuses, sizes = _timed(client, urls[WARMUP:])
                    results[name] = {**_figures(samples, statuses), "mean_response_kb": round(
                        statistics.fmean(sizes) / 1024, 1)}
                    _log(f"{name}: p50 {results[name]['p50_ms']} ms, p99 {results[name]['p99_ms']} ms "
                         f"({results[name]['non_200']} not 200)")
                hits = [len(client.get("/api/search", params={"q": q}).json()["hits"])
                        for q in _searches(graph, random.Random(SEED + 1), 20)]
                hood = client.get(f"/api/entities/{graph.PREFIX['PublicBody']}0/neighbourhood",
                                  params={"depth": 2}).json()
            server.should_exit = True
        finally:
            store.close()
    return {
        "graph": {"nodes": nodes, "relationships": rels, "factor": factor}, "request_seed": SEED,
        "load": load,
        "requests_per_endpoint": requests, "warmup_per_endpoint": WARMUP, "concurrency": 1,
        **results,
        "checks": {"search_hits_per_query_sample": hits,
                   "neighbourhood_of_a_body": {"nodes": len(hood["nodes"]), "edges": len(hood["edges"]),
                                               "summarised_hubs": len(hood["more"]), "truncated": hood["truncated"]}},
        "target_p99_ms": 300,
        "under_target": all(results[k]["p99_ms"] < 300 for k in results),
    }


def main(out_dir: Path, factor: float = 1.0) -> dict[str, Any]:
    started = time.perf_counter()
    report = {"machine": {"python": platform.python_version(), "machine": platform.machine(),
                          "cpus": os.cpu_count()}, **run(factor)}
    report["seconds"] = round(time.perf_counter() - started, 1)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "api.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for name in ("search", "entity", "neighbourhood_depth2"):
        print(f"{name}: p50 {report[name]['p50_ms']} ms, p99 {report[name]['p99_ms']} ms")
    print(f"wrote {path}")
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.api")
    parser.add_argument("--out", type=Path, default=Path("bench"))
    parser.add_argument("--factor", type=float, default=1.0, help="graph size: 1.0 = 1M nodes / 5M relationships")
    args = parser.parse_args()
    main(args.out, args.factor)
