"""Liveness, readiness (the graph answers) and Prometheus metrics; open, for probes and scrapers."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from engine.api.app import workspace
from engine.graph import workspace as statements

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The graph store answers a read-only query in time")
def readyz(request: Request) -> JSONResponse:
    ws = workspace(request)
    try:
        ws.store.read(statements.PING.text, None, min(ws.timeout_ms, 2000))
    except Exception as exc:  # any failure to reach the store means not ready
        return JSONResponse({"status": "unavailable", "error": "unavailable",
                             "message": f"the graph store does not answer: {type(exc).__name__}"}, status_code=503)
    return JSONResponse({"status": "ready", "graph": ws.store.backend})


@router.get("/metrics", summary="Prometheus metrics: requests and latency by route")
def metrics(request: Request) -> Response:
    return Response(generate_latest(workspace(request).registry), media_type=CONTENT_TYPE_LATEST)
