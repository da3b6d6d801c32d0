"""Shared fixtures. Integration tests run against the real embedded servers (Tansu and
FalkorDB started from their wheels), a fresh pair per test, through the production clients."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
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


@dataclass
class DemoGraph:
    """The demo's graph, read-only for the tests that share it."""

    stack: Endpoints
    store: GraphStore
    scenario: Path  # the generated scenario, with truth.jsonl


@pytest.fixture(scope="session")
def demo_graph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoGraph]:
    """The demo's data — real OCDS and SAT 69-B, the seed-1 scenario (PDN S1/S2/S3, BODS) — published to
    fresh embedded servers, processed by the real stream worker, with detection run once, as `make demo`
    does. Session-scoped: the tests that use it only read it."""
    from devtools.scenario import generate_scenario
    from engine.detection.runner import run_detection
    from engine.intake import publish
    from tests.helpers import process

    ocds, sat = shared("ocds"), shared("sat69b", "Listado_Completo_69-B.csv")
    root = tmp_path_factory.mktemp("demo")
    services = EmbeddedServices(root / "home")
    infos = services.up()
    store = None
    try:
        stack = Endpoints(infos["kafka"].url, infos["graph"].url, None, services.password(), "vinculo", services.home)
        publish("ocds", [ocds], stack.kafka_bootstrap, partitions=3)
        publish("sat69b", [sat], stack.kafka_bootstrap, partitions=3)
        generate_scenario(1, root / "scenario", ocds)
        for kind, folder in (("pdn-s1", "s1"), ("pdn-s2", "s2"), ("pdn-s3", "s3"), ("bods", "bods")):
            publish(kind, [root / "scenario" / folder], stack.kafka_bootstrap, partitions=3)
        process(stack)
        store = open_store(stack.graph_uri, stack.graph_user, stack.graph_password, stack.graph_name)
        run_detection(store)
        yield DemoGraph(stack, store, root / "scenario")
    finally:
        if store is not None:
            store.close()
        services.down()
