"""A small app that serves the journalists' routers on their own: the Neo4j Browser kit at
``/browser`` and the reconciliation service at ``/reconcile``. The HTTP API mounts the same
routers; this is for tests and for running them before (or without) it:

    python -m engine.journalists.app --host 127.0.0.1 --port 8000

reads the graph store from the ``VINCULO_*`` settings, as every command does.
"""

from __future__ import annotations

import argparse

from fastapi import FastAPI

from engine.graph.store import GraphStore
from engine.journalists import browser, reconcile

__all__ = ["make_app", "main"]


def make_app(store: GraphStore, reconcile_max_age: float = 300.0) -> FastAPI:
    """The kit and the reconciliation service over ``store`` (read-only)."""
    app = FastAPI(title="Vínculo for journalists", docs_url="/docs", redoc_url=None)
    app.state.graph_store = store
    app.state.reconcile_max_age = reconcile_max_age
    app.include_router(browser.router, prefix="/browser")
    app.include_router(reconcile.router, prefix="/reconcile")
    return app


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    from engine.graph.store import open_store
    from engine.runtime.embedded import EmbeddedServices
    from engine.settings import get_settings

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    settings = get_settings()
    if settings.graph_uri:  # only the graph is needed: no event log
        secret = settings.graph_password.get_secret_value() if settings.graph_password else None
        store = open_store(settings.graph_uri, settings.graph_user, secret, settings.graph_name)
    else:
        services = EmbeddedServices(settings.home_dir)
        graph = services.up(("graph",))["graph"]
        store = open_store(graph.url, None, services.password(), settings.graph_name)
    try:
        uvicorn.run(make_app(store), host=args.host, port=args.port, proxy_headers=True)
    finally:
        store.close()


if __name__ == "__main__":
    main()
