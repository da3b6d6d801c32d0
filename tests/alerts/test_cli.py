"""`vinculo alerts` as a user runs it: subscribe to a webhook with a secret file, list, pause,
resume, delete, the log — with a real worker delivering in between. Secrets stay off the command
line, out of the graph and out of the output."""

from __future__ import annotations

import json

import pytest

from tests.alerts.conftest import companies, publish_flags, vinculo, worker, write_flags
from tests.alerts.receivers import wait_for

pytestmark = pytest.mark.services


def _listed(stack) -> dict[str, dict]:  # type: ignore[no-untyped-def, type-arg]
    out = vinculo(stack, "alerts", "list", "--format", "jsonl").stdout
    return {row["id"]: row for row in map(json.loads, out.splitlines())}


def test_subscribe_pause_resume_delete_and_log(stack, store, tmp_path, receiver, secret_file):
    made = vinculo(stack, "alerts", "subscribe", "--pattern", "P001", "--webhook", receiver.url("/hook"),
                   "--secret-file", str(secret_file), "--label", "from the terminal").stdout
    assert made.startswith("subscribed sub:") and "webhook" in made
    sub_id = made.split()[1].rstrip(":")
    row = _listed(stack)[sub_id]
    assert row["webhook_url"] == receiver.url("/hook") and row["patterns"] == ["P001"] and not row["paused"]
    assert row["secret_file"] == str(secret_file.resolve())
    secret = secret_file.read_text().strip()
    assert secret not in json.dumps(row) and secret not in made
    nodes = store.read("MATCH (s:Subscription) RETURN properties(s) AS props")
    assert nodes and all(secret not in json.dumps(n["props"]) for n in nodes)  # never in the graph

    # refused: a webhook without a secret, a secret on the command line, an unknown pattern
    unsigned = vinculo(stack, "alerts", "subscribe", "--webhook", receiver.url("/x"), check=False)
    assert unsigned.returncode == 2 and "secret" in unsigned.stderr
    on_line = vinculo(stack, "alerts", "subscribe", "--webhook", receiver.url("/x"), "--secret", "abc", check=False)
    assert on_line.returncode == 2 and "No such option" in on_line.stderr
    empty = tmp_path / "empty.secret"
    empty.write_text("")
    assert vinculo(stack, "alerts", "subscribe", "--webhook", receiver.url("/x"), "--secret-file", str(empty),
                   check=False).returncode == 2
    waiting = vinculo(stack, "alerts", "subscribe", "--person", "María López Hernández", "--kafka-topic",
                      "alerts.people").stdout
    assert "not in the graph yet; watching for it" in waiting

    companies(store, {f"mx-rfc:CLI01010{i}AA1": f"Empresa {i}" for i in range(3)})

    def flag(i: int) -> str:
        (made_flag,) = write_flags(store, [{"pattern": "P001", "key": [f"cli{i}"],
                                            "entities": {f"mx-rfc:CLI01010{i}AA1": "supplier"}}])
        publish_flags(stack, store)
        return made_flag

    with worker(stack, tmp_path / "worker.log"):
        first = flag(0)
        wait_for(lambda: receiver.accepted("/hook"), what="the first alert")
        assert "paused" in vinculo(stack, "alerts", "pause", sub_id).stdout
        assert _listed(stack)[sub_id]["paused"]
        flag(1)  # while paused: not sent, not later either
        wait_for(lambda: store.read("MATCH (f:Flag) WHERE f.published_at IS NOT NULL RETURN count(f) AS n")[0]["n"]
                 == 2, what="the second flag published")
        assert "resumed" in vinculo(stack, "alerts", "resume", sub_id).stdout
        third = flag(2)
        wait_for(lambda: len(receiver.accepted("/hook")) == 2, what="the third alert")
    assert [h.json()["flag"]["id"] for h in receiver.accepted("/hook")] == [first, third]

    log = [json.loads(line) for line in vinculo(stack, "alerts", "log", "--subscription", sub_id, "--format",
                                                "jsonl").stdout.splitlines()]
    assert {r["flag"] for r in log} == {first, third} and all(r["status"] == "delivered" for r in log)
    assert "deleted" in vinculo(stack, "alerts", "delete", sub_id).stdout
    assert sub_id not in _listed(stack)
    assert vinculo(stack, "alerts", "delete", sub_id, check=False).returncode == 1
    # the log outlives the subscription
    assert len(vinculo(stack, "alerts", "log", "--subscription", sub_id, "--format", "jsonl").stdout.splitlines()) == 2
