"""What analysts and admins change, who may change it, and the trail it leaves — on the demo
data, through the real app, the real FalkorDB and the `vinculo` command."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from engine.api.app import create_app
from engine.api.auth import Role, create_token
from engine.graph import cypher, workspace
from engine.graph.store import QueryTimeout
from tests.api.conftest import ROOT, bearer, settings

pytestmark = pytest.mark.services


def last_flag(client, tokens):  # type: ignore[no-untyped-def]
    """The weakest flag (the browser test works the strongest one)."""
    flags = client.get("/api/flags", params={"limit": 100}, headers=bearer(tokens["admin"])).json()["flags"]
    return flags[-1]


def audit_events(client, tokens, **params):  # type: ignore[no-untyped-def]
    res = client.get("/api/audit", params={"limit": 100, **params}, headers=bearer(tokens["admin"]))
    assert res.status_code == 200, res.text
    return res.json()["events"]


def test_a_journalist_cannot_change_a_flag_and_the_attempt_is_audited(client, tokens):
    flag = last_flag(client, tokens)
    res = client.patch(f"/api/flags/{flag['id']}", json={"status": "dismissed"}, headers=bearer(tokens["journalist"]))
    assert res.status_code == 403
    assert res.json()["error"] == "forbidden" and "needs the analyst role" in res.json()["message"]
    after = client.get(f"/api/flags/{flag['id']}", headers=bearer(tokens["journalist"])).json()
    assert after["status"] == flag["status"]
    denied = audit_events(client, tokens, action="denied")
    assert any(e["target"] == f"/api/flags/{flag['id']}" and e["actor"] == "test journalist" for e in denied)


def test_an_analysts_change_is_in_the_flags_history_and_the_audit_trail(client, tokens):
    flag = last_flag(client, tokens)
    analyst = bearer(tokens["analyst"])
    res = client.patch(f"/api/flags/{flag['id']}", headers=analyst,
                       json={"status": "in_progress", "assignee": "Lucía", "comment": "revisar el acta"})
    assert res.status_code == 200, res.text
    res = client.patch(f"/api/flags/{flag['id']}", headers=analyst, json={"status": "confirmed"})
    changed = res.json()
    assert changed["status"] == "confirmed" and changed["assignee"] == "Lucía"
    first, second = changed["history"][-2:]
    assert (first["status_from"], first["status"], first["by"]) == (flag["status"], "in_progress", "test analyst")
    assert first["assignee"] == "Lucía" and first["comment"] == "revisar el acta"
    assert (second["status_from"], second["status"]) == ("in_progress", "confirmed")
    detail = client.get(f"/api/flags/{flag['id']}", headers=bearer(tokens["journalist"])).json()
    assert detail["status"] == "confirmed" and detail["history"][-2:] == [first, second]
    assert [c["comment"] for c in detail["comments"]][-1] == "revisar el acta"
    assert {f["id"] for f in client.get("/api/flags", params={"assignee": "Lucía"}, headers=analyst).json()["flags"]} \
        == {flag["id"]}
    changes = audit_events(client, tokens, action="change_flag", target=flag["id"])
    assert changes[0]["actor"] == "test analyst" and changes[0]["role"] == "analyst"
    assert changes[0]["detail"] == {"status": "confirmed"} and changes[0]["client"]
    assert changes[1]["detail"]["comment"] == "revisar el acta"


def test_bad_changes_get_clear_errors(client, tokens):
    flag = last_flag(client, tokens)
    analyst = {**bearer(tokens["analyst"]), "Content-Type": "application/json"}
    url = f"/api/flags/{flag['id']}"
    malformed = client.patch(url, content=b'{"status": "confirmed"', headers=analyst)
    assert malformed.status_code == 400 and malformed.json()["message"] == "the request body is not valid JSON"
    wrong = client.patch(url, json={"status": "closed"}, headers=analyst)
    assert wrong.status_code == 422 and wrong.json()["message"].startswith("body.status")
    unknown_field = client.patch(url, json={"severity": "low"}, headers=analyst)
    assert unknown_field.status_code == 422
    empty = client.patch(url, json={}, headers=analyst)
    assert empty.status_code == 400 and "nothing to change" in empty.json()["message"]
    assert client.patch("/api/flags/flag:P999:nope", json={"status": "confirmed"}, headers=analyst).status_code == 404


def test_judgments_are_the_same_as_er_review(client, tokens, demo):
    mention = client.get("/api/search", params={"q": "Ximena"}, headers=bearer(tokens["journalist"])).json()["hits"][0]
    profile = client.get(f"/api/entities/{mention['id']}", headers=bearer(tokens["journalist"])).json()
    mention_id = profile["mentions"]["items"][0]["id"]
    body = {"mention": mention_id, "entity": mention["id"], "same": True}
    assert client.post("/api/er/judgments", json=body, headers=bearer(tokens["journalist"])).status_code == 403
    res = client.post("/api/er/judgments", json=body, headers=bearer(tokens["analyst"]))
    assert res.status_code == 201, res.text
    pending = {r["id"]: r for r in demo.store.run(cypher.PENDING_JUDGMENTS)}
    stored = pending[res.json()["judgment"]]
    assert (stored["a"], stored["b"], stored["same"], stored["author"]) == (mention_id, mention["id"], True,
                                                                            "test analyst")
    analyst = bearer(tokens["analyst"])
    missing = client.post("/api/er/judgments", json={**body, "mention": "mention:nope"}, headers=analyst)
    assert missing.status_code == 404
    assert client.post("/api/er/judgments", json={"mention": mention_id}, headers=analyst).status_code == 422
    queue = client.get("/api/er/matches", headers=bearer(tokens["journalist"]))
    assert queue.status_code == 200 and isinstance(queue.json()["matches"], list)


def test_the_audit_trail_is_for_admins_and_holds_no_token(client, tokens, demo):
    client.get("/api/search", params={"q": "Peña"}, headers=bearer(tokens["journalist"]))
    flag = last_flag(client, tokens)
    client.get(f"/api/flags/{flag['id']}", headers=bearer(tokens["journalist"]))
    assert client.get("/api/audit", headers=bearer(tokens["analyst"])).status_code == 403
    events = audit_events(client, tokens)
    searches = [e for e in events if e["action"] == "search" and e["actor"] == "test journalist"]
    assert searches and searches[0]["detail"]["q"] == "Peña" and searches[0]["at"] and searches[0]["client"]
    assert any(e["action"] == "view_flag" and e["target"] == flag["id"] for e in events)
    cli = subprocess.run([sys.executable, "-m", "engine.cli", "audit", "--jsonl", "--action", "search", "--limit", "5"],
                         cwd=ROOT, env=demo.env, capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout.splitlines()[0])["action"] == "search"
    everything = json.dumps(audit_events(client, tokens)) + cli.stdout
    for token in tokens.values():
        assert token not in everything and token[21:] not in everything


def test_tokens_are_created_once_and_stored_as_salted_hashes(demo, client, tokens):
    command = [sys.executable, "-m", "engine.cli", "tokens", "create", "--name", "Rosa", "--role", "analyst"]
    made = subprocess.run(command, cwd=ROOT, env=demo.env, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    token_id, secret = token[4:20], token[21:]  # vnc_<16 hex>_<secret>
    stored = demo.store.run(workspace.TOKEN, {"id": token_id})[0]
    assert stored["role"] == "analyst" and secret not in json.dumps(stored) and len(stored["hash"]) == 64
    assert client.get("/api/me", headers=bearer(token)).json() == {"id": token_id, "name": "Rosa", "role": "analyst"}
    listed = subprocess.run([sys.executable, "-m", "engine.cli", "tokens", "list"], cwd=ROOT, env=demo.env,
                            capture_output=True, text=True, timeout=120)
    assert "Rosa" in listed.stdout and secret not in listed.stdout
    assert client.post("/api/tokens", json={"name": "x", "role": "admin"}, headers=bearer(token)).status_code == 403
    new = client.post("/api/tokens", json={"name": "Eva", "role": "journalist"}, headers=bearer(tokens["admin"]))
    assert new.status_code == 201 and new.json()["token"].startswith("vnc_")
    revoked = subprocess.run([sys.executable, "-m", "engine.cli", "tokens", "revoke", token_id], cwd=ROOT,
                             env=demo.env, capture_output=True, text=True, timeout=120)
    assert revoked.returncode == 0
    with TestClient(create_app(demo.store, settings(api_token_cache_seconds=0))) as fresh:
        res = fresh.get("/api/me", headers=bearer(token))
        assert res.status_code == 401 and "revoked" in res.json()["message"]


def test_each_token_has_a_rate_limit(demo):
    token = create_token(demo.store, "hasty", Role.journalist).token
    other = create_token(demo.store, "patient", Role.journalist).token
    with TestClient(create_app(demo.store, settings(api_rate_per_minute=3))) as limited:
        codes = [limited.get("/api/me", headers=bearer(token)).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        last = limited.get("/api/me", headers=bearer(token))
        assert last.json()["error"] == "rate_limited" and int(last.headers["Retry-After"]) >= 1
        assert limited.get("/api/me", headers=bearer(other)).status_code == 200


def test_read_only_queries_are_stopped_by_the_server(demo):
    with pytest.raises(QueryTimeout):
        demo.store.read("UNWIND range(1, 50000000) AS x WITH x WHERE x % 7 = 3 RETURN count(x) AS n", None, 100)
    assert demo.store.read(workspace.PING.text, None, 1000) == [{"ok": 1}]


def test_analysts_subscribe_to_flags(client, tokens):
    wanted = {"patterns": ["P002"], "min_severity": "high", "kafka_topic": "alerts.workspace"}
    assert client.post("/api/subscriptions", json=wanted, headers=bearer(tokens["journalist"])).status_code == 403
    made = client.post("/api/subscriptions", json=wanted, headers=bearer(tokens["analyst"]))
    assert made.status_code == 201, made.text
    listed = client.get("/api/subscriptions", headers=bearer(tokens["journalist"])).json()["subscriptions"]
    assert any(s["id"] == made.json()["id"] and s["entity_ids"] == [] and wanted.items() <= s.items() for s in listed)
    bad = client.post("/api/subscriptions", json={**wanted, "patterns": ["P999"]}, headers=bearer(tokens["analyst"]))
    assert bad.status_code == 422 and "unknown pattern" in bad.json()["message"]
    gone = client.delete(f"/api/subscriptions/{made.json()['id']}", headers=bearer(tokens["analyst"]))
    assert gone.status_code == 200
    assert made.json()["id"] not in {s["id"] for s in client.get(
        "/api/subscriptions", headers=bearer(tokens["journalist"])).json()["subscriptions"]}
    assert audit_events(client, tokens, action="subscribe")[0]["target"] == made.json()["id"]
