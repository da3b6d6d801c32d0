"""The workspace tests run against the demo: `python -m devtools.demo` publishes the real and the
generated data into fresh embedded servers (Tansu + FalkorDB) once per session, then the API
talks to that FalkorDB through the production store client."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from engine.api.app import create_app
from engine.api.auth import Role, create_token
from engine.graph.store import GraphStore, open_store
from engine.runtime.embedded import EmbeddedServices
from engine.settings import Settings
from tests.conftest import shared

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Demo:
    home: Path
    store: GraphStore
    env: dict[str, str]


def clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VINCULO_")}
    env["VINCULO_HOME"] = str(home)
    return env


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    data = shared()
    home = tmp_path_factory.mktemp("workspace") / "home"
    env = clean_env(home)
    services = EmbeddedServices(home)
    try:
        done = subprocess.run([sys.executable, "-m", "devtools.demo", "--data", str(data)], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        info = services.running()["graph"]
        store = open_store(info.url, None, services.password(), "vinculo")
        store.ensure_schema()
        try:
            yield Demo(home, store, env)
        finally:
            store.close()
    finally:
        services.down()


@pytest.fixture(scope="session")
def tokens(demo: Demo) -> dict[str, str]:
    return {role.value: create_token(demo.store, f"test {role.value}", role).token for role in Role}


def settings(**overrides: object) -> Settings:
    return Settings(**{"api_rate_per_minute": 100_000, **overrides})  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def client(demo: Demo) -> Iterator[TestClient]:
    with TestClient(create_app(demo.store, settings())) as c:
        yield c


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
