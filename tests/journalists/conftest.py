"""The journalists' routers served over HTTP by a real server (uvicorn) in this process, on the demo graph:
on their own (`make_app`), and inside the workspace's app, the one `vinculo serve` runs (`create_app`)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from engine.api.app import create_app
from engine.journalists.app import make_app
from engine.settings import Settings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=_free_port(), log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="session")
def served(demo_graph) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Base URL of `make_app(store)` on 127.0.0.1: the kit at /browser, the reconciliation service at /reconcile."""
    yield from _serve(make_app(demo_graph.store))


@pytest.fixture(scope="session")
def workspace_served(demo_graph) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Base URL of the app `vinculo serve` runs (`create_app(store, settings)`), with its default access rules."""
    yield from _serve(create_app(demo_graph.store, Settings(api_rate_per_minute=100_000)))  # type: ignore[call-arg]
