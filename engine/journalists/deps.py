"""FastAPI dependencies shared by the journalists' routers.

The app that mounts the routers provides the graph store in one of two ways: set
``app.state.graph_store`` (what :func:`engine.journalists.app.make_app` does), or override
:func:`get_store` with its own dependency (``app.dependency_overrides[get_store] = …``).

Access: the kit and the reconciliation manifest are public. Everything that reads the graph
(reconciliation queries, suggest, preview) first calls ``app.state.journalists_guard(request)``
when the app sets one — e.g. the workspace's token check for the journalist role, raising its
401/403 — and is open otherwise (:func:`make_app` binds to 127.0.0.1 by default).
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, HTTPException, Request

from engine.graph.store import GraphStore
from engine.journalists.candidates import Reconciler

__all__ = ["get_store", "get_reconciler", "guard", "CORS"]

CORS = {"Access-Control-Allow-Origin": "*"}  # public, read-only content: OpenRefine and Neo4j Browser fetch it


def get_store(request: Request) -> GraphStore:
    store = getattr(request.app.state, "graph_store", None)
    if store is None:
        raise HTTPException(503, "no graph store is configured for this service")
    return store


def guard(request: Request) -> None:
    """Let the mounting app refuse a request that reads the graph (its own tokens and roles)."""
    check: Callable[[Request], object] | None = getattr(request.app.state, "journalists_guard", None)
    if check is not None:
        check(request)


def get_reconciler(request: Request, store: GraphStore = Depends(get_store)) -> Reconciler:
    """One reconciliation index per app, built on first use and rebuilt when stale."""
    reconciler = getattr(request.app.state, "reconciler", None)
    if reconciler is None or reconciler.store is not store:
        reconciler = Reconciler(store, max_age=getattr(request.app.state, "reconcile_max_age", 300.0))
        request.app.state.reconciler = reconciler
    return reconciler
