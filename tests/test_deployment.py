"""The compose stack as an operator runs it: the worker keeps its state in a volume it owns."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_the_worker_state_is_a_volume_owned_by_the_workers_user():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "ENV VINCULO_HOME=/var/lib/vinculo" in dockerfile
    assert "chown vinculo:vinculo /var/lib/vinculo" in dockerfile and "USER vinculo" in dockerfile
    assert dockerfile.index("chown vinculo:vinculo") < dockerfile.index("USER vinculo")
    mounts = compose["services"]["worker"]["volumes"]
    named = [m.split(":")[0] for m in mounts if m.endswith(":/var/lib/vinculo")]
    assert named and named[0] in compose["volumes"]
