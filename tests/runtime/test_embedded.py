"""`vinculo up` / `status` / `down` on the real embedded servers."""

from __future__ import annotations

import os
import stat

import psutil
import pytest
import redis

from engine.runtime.embedded import EmbeddedServices

pytestmark = pytest.mark.services


def _ours(home) -> list[psutil.Process]:  # type: ignore[no-untyped-def]
    found = []
    for proc in psutil.process_iter(["pid", "cwd"]):
        try:
            if proc.info["cwd"] == str(home):
                found.append(proc)
        except psutil.Error:
            continue
    return found


def test_up_is_idempotent_secure_and_down_stops_everything(tmp_path):
    home = tmp_path / "home"
    services = EmbeddedServices(home)
    first = services.up()
    try:
        again = services.up()
        assert {n: i.pid for n, i in first.items()} == {n: i.pid for n, i in again.items()}
        # bound to loopback only
        for info in first.values():
            listening = [c for c in psutil.Process(info.pid).net_connections() if c.status == "LISTEN"]
            assert listening and all(c.laddr.ip == "127.0.0.1" for c in listening)
        # the password is kept in the data folder, readable by the owner only, never on a command line
        pw_file = home / "falkordb.password"
        assert stat.S_IMODE(pw_file.stat().st_mode) == 0o600
        password = pw_file.read_text().strip()
        assert all(password not in " ".join(psutil.Process(i.pid).cmdline()) for i in first.values())
        port = first["graph"].port
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(host="127.0.0.1", port=port).execute_command("GRAPH.LIST")
        assert redis.Redis(host="127.0.0.1", port=port, password=password).ping()
        assert {r["service"]: r["state"] for r in services.status()} == {"kafka": "healthy", "graph": "healthy"}
    finally:
        services.down()
    for info in first.values():
        assert not psutil.pid_exists(info.pid) or psutil.Process(info.pid).status() == psutil.STATUS_ZOMBIE
    assert _ours(home) == []
    assert {r["state"] for r in services.status()} == {"stopped"}


def test_stale_records_are_cleaned_and_the_service_restarted(tmp_path):
    services = EmbeddedServices(tmp_path / "home")
    first = services.up()
    try:
        psutil.Process(first["kafka"].pid).kill()
        psutil.Process(first["kafka"].pid).wait(5)
        assert {r["service"]: r["state"] for r in services.status()}["kafka"] == "stale"
        second = services.up()
        assert second["kafka"].pid != first["kafka"].pid
        assert second["graph"].pid == first["graph"].pid
    finally:
        services.down()
    assert _ours(tmp_path / "home") == []


def test_graph_survives_a_restart(tmp_path):
    from engine.graph.model import GraphBatch, Provenance
    from engine.graph.store import open_store

    services = EmbeddedServices(tmp_path / "home")
    info = services.up()["graph"]
    store = open_store(info.url, password=services.password())
    batch = GraphBatch()
    batch.node("Company", "mx-rfc:GFM010122DZ9", Provenance("t", "1", "2020-01-01"), name="GRUAS")
    store.write(batch)
    store.close()
    services.down()
    info = services.up()["graph"]
    try:
        store = open_store(info.url, password=services.password())
        rows = store.read("MATCH (c:Company) RETURN c.name AS name")
        store.close()
        assert rows == [{"name": "GRUAS"}]
    finally:
        services.down()


def test_status_without_services(tmp_path):
    rows = EmbeddedServices(tmp_path / "empty").status()
    assert [r["state"] for r in rows] == ["stopped", "stopped"]
    assert not os.path.exists(tmp_path / "empty" / "services.json")
