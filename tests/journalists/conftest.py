"""The journalists' routers served over HTTP by a real server (uvicorn) in this process, on the demo graph."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from engine.journalists.app import make_app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def served(demo_graph) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Base URL of `make_app(store)` on 127.0.0.1: the kit at /browser, the reconciliation service at /reconcile."""
    server = uvicorn.Server(uvicorn.Config(make_app(demo_graph.store), host="127.0.0.1", port=_free_port(),
                                           log_level="warning", lifespan="off"))
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
