"""The `vinculo` command, as a user runs it, on the real embedded servers."""

from __future__ import annotations

import json
import subprocess
import sys

import psutil
import pytest

pytestmark = pytest.mark.services


def vinculo(home, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("VINCULO_")}
    env["VINCULO_HOME"] = str(home)
    done = subprocess.run([sys.executable, "-m", "engine.cli", *args], capture_output=True, text=True,
                          env=env, timeout=300)
    if check and done.returncode != 0:
        raise AssertionError(f"vinculo {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


def test_cli_round_trip(tmp_path):
    home = tmp_path / "home"
    try:
        out = vinculo(home, "up").stdout
        assert "kafka" in out and "graph" in out
        assert "healthy" in vinculo(home, "status").stdout
        record = {"ocid": "ocds-cli-1", "parties": [
            {"id": "S", "name": "<b>Bold</b> SA", "roles": ["supplier"],
             "identifier": {"scheme": "MX-RFC", "id": "GFM010122DZ9"}}],
            "contracts": [{"id": "C", "suppliers": [{"id": "S"}]}]}
        path = tmp_path / "r.json"
        path.write_text(json.dumps(record))
        assert "published 1 ocds record" in vinculo(home, "publish", "ocds", str(path)).stdout
        assert "1 written" in vinculo(home, "worker", "--until-idle", "--idle-seconds", "2").stdout.replace("\n", " ")
        rows = [json.loads(line) for line in vinculo(
            home, "query", "MATCH (c:Company) WHERE c.rfc = $rfc RETURN c.name AS name",
            "--param", "rfc=GFM010122DZ9", "--format", "jsonl").stdout.splitlines()]
        assert rows == [{"name": "<b>Bold</b> SA"}]
        refused = vinculo(home, "query", "MATCH (c:Company) DETACH DELETE c", check=False)
        assert refused.returncode == 3 and "read-only" in refused.stderr
        assert "Company" in vinculo(home, "stats").stdout
        sub = vinculo(home, "alerts", "subscribe", "--pattern", "P001", "--kafka-topic", "alerts.cli").stdout
        assert "subscribed sub:" in sub
        listed = vinculo(home, "alerts", "list", "--format", "jsonl").stdout
        assert json.loads(listed.splitlines()[0])["kafka_topic"] == "alerts.cli"
        bad = vinculo(home, "alerts", "subscribe", "--pattern", "P999", "--kafka-topic", "x", check=False)
        assert bad.returncode == 2 and "unknown pattern" in bad.stderr
        assert "P001: 0 finding(s)" in vinculo(home, "detect").stdout
        assert vinculo(home, "flags", "--format", "jsonl").stdout == ""
        pids = [p["pid"] for p in json.loads((home / "services.json").read_text()).values()]
    finally:
        assert "stopped" in vinculo(home, "down").stdout
    assert all(not psutil.pid_exists(pid) for pid in pids)
    assert "nothing was running" in vinculo(home, "down").stdout


def test_worker_refuses_an_unknown_stage(tmp_path):
    done = vinculo(tmp_path / "home", "worker", "--stages", "normalize,lnk", check=False)
    assert done.returncode == 2
    assert "lnk" in done.stderr and "normalize, link, alerts" in done.stderr
