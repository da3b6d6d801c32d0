"""Shared fixtures. Integration tests run against the real embedded servers (Tansu and
FalkorDB started from their wheels), a fresh pair per test, through the production clients."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.graph.store import GraphStore, open_store
from engine.runtime.embedded import EmbeddedServices
from engine.runtime.endpoints import Endpoints

SHARED_DATA = Path(
    os.environ.get("VINCULO_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
).resolve()


def shared(*parts: str) -> Path:
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference data not found at {path} (../shared/data beside the project)")
    return path


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Endpoints]:
    """A fresh embedded broker and graph server, stopped after the test."""
    services = EmbeddedServices(tmp_path / "home")
    infos = services.up()
    try:
        yield Endpoints(infos["kafka"].url, infos["graph"].url, None, services.password(), "vinculo", services.home)
    finally:
        services.down()


@pytest.fixture
def store(stack: Endpoints) -> Iterator[GraphStore]:
    s = open_store(stack.graph_uri, stack.graph_user, stack.graph_password, stack.graph_name)
    s.ensure_schema()
    try:
        yield s
    finally:
        s.close()
