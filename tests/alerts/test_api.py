"""`/api/subscriptions` over a real FalkorDB: analysts subscribe (a webhook's secret sent once, kept
0600 in the data folder, never shown or audited), pause, resume, delete; journalists read the
subscriptions and their delivery log; bad input is a 422 that says what is wrong."""

from __future__ import annotations

import json
import stat

import pytest
from fastapi.testclient import TestClient

from engine.api.app import create_app
from engine.api.auth import Role, create_token
from engine.settings import Settings

pytestmark = pytest.mark.services
SECRET = "api-secret-never-shown"


def test_subscriptions_through_the_api(store, tmp_path):
    home = tmp_path / "home"
    tokens = {role: create_token(store, f"test {role.value}", role).token for role in Role}
    auth = {role: {"Authorization": f"Bearer {token}"} for role, token in tokens.items()}
    with TestClient(create_app(store, Settings(home=home, api_rate_per_minute=100_000))) as client:
        wanted = {"label": "by RFC", "patterns": ["P001"], "changes": True, "watches": [{"rfc": "GFM010122DZ9"}],
                  "webhook_url": "https://hooks.example.org/vinculo?channel=7", "secret": SECRET}
        assert client.post("/api/subscriptions", json=wanted, headers=auth[Role.journalist]).status_code == 403
        made = client.post("/api/subscriptions", json=wanted, headers=auth[Role.analyst])
        assert made.status_code == 201, made.text
        body = made.json()
        assert body["waiting_for"] == ["RFC GFM010122DZ9"] and body["channel"] == "webhook"
        assert body["destination"] == "https://hooks.example.org/vinculo"  # no query string in what is shown
        sub_id = body["id"]

        # the secret: kept in a 0600 file in a 0700 folder, never in an answer, the graph or the audit trail
        (kept,) = (home / "alerts" / "secrets").iterdir()
        assert kept.read_text() == SECRET and stat.S_IMODE(kept.stat().st_mode) == 0o600
        assert stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
        listed = client.get("/api/subscriptions", headers=auth[Role.journalist])
        assert listed.status_code == 200 and SECRET not in listed.text and SECRET not in made.text
        (row,) = [s for s in listed.json()["subscriptions"] if s["id"] == sub_id]
        assert row["patterns"] == ["P001"] and row["changes"] and not row["paused"] and row["owner"] == "test analyst"
        graph = json.dumps(store.read("MATCH (n) WHERE n:Subscription OR n:AuditEvent RETURN properties(n) AS p"))
        assert SECRET not in graph

        for path, paused in (("pause", True), ("resume", False)):
            changed = client.post(f"/api/subscriptions/{sub_id}/{path}", headers=auth[Role.analyst])
            assert changed.json() == {"id": sub_id, "paused": paused}
            assert client.get(f"/api/subscriptions/{sub_id}", headers=auth[Role.journalist]).json()["paused"] is paused
        assert client.get(f"/api/subscriptions/{sub_id}/log", headers=auth[Role.journalist]).json() == \
            {"deliveries": []}

        # bad input
        for bad, says in (({**wanted, "patterns": ["P999"]}, "unknown pattern"),
                          ({"patterns": ["P001"], "webhook_url": "https://x.example.org"}, "secret"),
                          ({"email": "not an address"}, "e-mail"),
                          ({"kafka_topic": "a", "email": "a@example.org"}, "exactly one"),
                          ({"kafka_topic": "a", "secret": "x"}, "only a webhook"),
                          ({**wanted, "secret_file": "/etc/passwd"}, "not through the API"),
                          ({"kafka_topic": "a", "digest": "daily"}, "digest"),
                          ({"kafka_topic": "a", "sources": ["nope"]}, "unknown source")):
            refused = client.post("/api/subscriptions", json=bad, headers=auth[Role.analyst])
            assert refused.status_code == 422 and says in refused.json()["message"], (bad, refused.text)
        assert client.post("/api/subscriptions/sub:nope/pause", headers=auth[Role.analyst]).status_code == 404

        gone = client.delete(f"/api/subscriptions/{sub_id}", headers=auth[Role.analyst])
        assert gone.json() == {"id": sub_id, "active": False}
        assert sub_id not in client.get("/api/subscriptions", headers=auth[Role.journalist]).text
        events = client.get("/api/audit?target=" + sub_id, headers=auth[Role.admin]).json()["events"]
        assert {e["action"] for e in events} == {"subscribe", "unsubscribe"} and len(events) == 4
        assert SECRET not in json.dumps(events)
