"""What a journalist reads: search, profiles, neighbourhoods, paths, flags — on the demo data,
through the real app and the real FalkorDB; NetworkX is the reference for graph answers."""

from __future__ import annotations

import networkx as nx
import pytest

from tests.api.conftest import bearer

pytestmark = pytest.mark.services


def get(client, tokens, url, role="journalist", **params):  # type: ignore[no-untyped-def]
    return client.get(url, params=params, headers=bearer(tokens[role]))


def role(flag, name):  # type: ignore[no-untyped-def]
    return next(e for e in flag["entities"] if e["role"] == name)


def first_conflict(client, tokens):  # type: ignore[no-untyped-def]
    """A P002 flag whose path goes from an official to a company, with its evidence."""
    flags = get(client, tokens, "/api/flags", pattern="P002").json()["flags"]
    assert flags, "the demo plants conflicts of interest: P002 must flag some"
    return get(client, tokens, f"/api/flags/{flags[0]['id']}").json()


def test_openapi_lists_every_endpoint(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/search", "/api/entities/{entity_id}", "/api/entities/{entity_id}/neighbourhood", "/api/paths",
                 "/api/flags", "/api/flags/{flag_id}", "/api/er/judgments", "/api/audit", "/healthz", "/readyz",
                 "/metrics", "/api/exports/{fmt}", "/browser/guide/{lang}.html", "/reconcile"):
        assert path in paths, path
    assert "patch" in paths["/api/flags/{flag_id}"]
    assert "swagger" in client.get("/docs").text.lower()


def test_health_readiness_and_metrics(client, tokens):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready", "graph": "falkordb"}
    get(client, tokens, "/api/search", q="Ximena")
    metrics = client.get("/metrics").text
    assert 'vinculo_api_requests_total{method="GET",route="/api/search",status="200"}' in metrics
    assert "vinculo_api_request_seconds_bucket" in metrics


@pytest.mark.parametrize("headers, message", [
    ({}, "needs a token"),
    ({"Authorization": "Basic dXNlcjpwYXNz"}, "must be 'Bearer <token>'"),
    ({"Authorization": "Bearer not-a-token"}, "not valid"),
    ({"Authorization": "Bearer vnc_0123456789abcdef_" + "A" * 43}, "not valid"),
])
def test_requests_without_a_valid_token_get_401(client, headers, message):
    res = client.get("/api/search", params={"q": "x"}, headers=headers)
    assert res.status_code == 401
    assert res.json()["error"] == "unauthorized" and message in res.json()["message"]


def test_a_wrong_secret_for_a_real_token_id_is_refused(client, tokens):
    good = tokens["admin"]
    forged = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
    assert client.get("/api/search", params={"q": "x"}, headers=bearer(forged)).status_code == 401
    assert client.get("/api/search", params={"q": "x"}, headers=bearer(good)).status_code == 200


def test_search_reads_names_as_the_resolver_does(client, tokens):
    official = role(first_conflict(client, tokens), "official")
    assert official["label"] == "Person"
    name, rfc = official["name"], official["props"]["rfc"]
    words = name.split()
    variants = {
        "folded": name.upper().translate(str.maketrans("ÁÉÍÓÚÑ", "AEIOUN")),
        "surnames first": " ".join(words[1:] + words[:1]),
        "cut short": name[:-2],
        "rfc": rfc,
    }
    for how, query in variants.items():
        hits = get(client, tokens, "/api/search", q=query).json()["hits"]
        assert hits and hits[0]["id"] == official["id"], (how, query, hits[:3])
        assert hits[0]["why"] and hits[0]["kind"] == "person"
    by_rfc = get(client, tokens, "/api/search", q=rfc).json()["hits"][0]
    assert by_rfc["score"] == 1.0 and "RFC" in by_rfc["why"][0]


def test_search_sets_legal_forms_apart_and_filters_by_kind(client, tokens):
    company = role(first_conflict(client, tokens), "supplier")
    from engine.entity_resolution.companies import parse_company_name

    core = parse_company_name(company["name"]).name
    for query in (core.lower(), core + " Sociedad Anónima de Capital Variable", core + " S.A. de C.V."):
        hits = get(client, tokens, "/api/search", q=query, kind="company").json()["hits"]
        assert hits[0]["id"] == company["id"], (query, hits[:3])
    people = get(client, tokens, "/api/search", q=core, kind="person").json()["hits"]
    assert all(h["label"] == "Person" for h in people)
    bad = get(client, tokens, "/api/search", q=core, kind="ship")
    assert bad.status_code == 400 and "kind must be one of" in bad.json()["message"]
    assert get(client, tokens, "/api/search", q=core, limit=10_000).status_code == 400
    assert get(client, tokens, "/api/search").status_code == 422


def test_entity_profile_shows_every_source_and_the_relationships(client, tokens):
    flag = first_conflict(client, tokens)
    official = role(flag, "official")
    profile = get(client, tokens, f"/api/entities/{official['id']}").json()
    assert profile["entity"]["id"] == official["id"]
    assert profile["mentions"]["total"] >= 1
    for mention in profile["mentions"]["items"]:
        assert mention["source"] and mention["record_id"] and "score" in mention and mention["explanation"]
    assert {g["type"] for g in profile["sections"]["positions"]} == {"HOLDS_POSITION"}
    assert any(i["node"]["id"] == flag["id"] for g in profile["sections"]["flags"] for i in g["items"])
    assert official["props"]["rfc"] in profile["identifiers"]["rfc"]
    missing = get(client, tokens, "/api/entities/mx-rfc:NOPE000000XX0")
    assert missing.status_code == 404 and missing.json() == {
        "status": 404, "error": "not_found", "message": "no entity with id 'mx-rfc:NOPE000000XX0'"}


def test_neighbourhood_depths_agree_with_breadth_first_search(client, tokens):
    official = role(first_conflict(client, tokens), "official")["id"]
    one = get(client, tokens, f"/api/entities/{official}/neighbourhood", depth=1, per_node=100).json()
    profile = get(client, tokens, f"/api/entities/{official}", per_type=100).json()
    listed = {i["node"]["id"] for groups in profile["sections"].values() for g in groups for i in g["items"]}
    assert {n["id"] for n in one["nodes"]} - {official} == listed
    two = get(client, tokens, f"/api/entities/{official}/neighbourhood", depth=2, per_node=100).json()
    assert not two["truncated"] and not two["more"]
    graph = nx.Graph()
    graph.add_edges_from((e["source"], e["target"]) for e in two["edges"])
    hops = nx.single_source_shortest_path_length(graph, official)
    assert {n["id"]: n["depth"] for n in two["nodes"]} == hops
    assert all(e["props"].get("source") for e in two["edges"])


def test_neighbourhood_caps_and_hubs(client, tokens):
    body = role(first_conflict(client, tokens), "institution")["id"]
    small = get(client, tokens, f"/api/entities/{body}/neighbourhood", depth=2, max_nodes=5).json()
    assert small["truncated"] and len(small["nodes"]) == 5
    summarised = get(client, tokens, f"/api/entities/{body}/neighbourhood", depth=1, per_node=1).json()
    assert summarised["more"] and all(m["more"] >= 1 and m["shown"] == 1 for m in summarised["more"])
    for name, value in (("depth", 9), ("max_nodes", 100_000), ("per_node", 1000)):
        res = get(client, tokens, f"/api/entities/{body}/neighbourhood", **{name: value})
        assert res.status_code == 400 and "over the cap" in res.json()["message"], name
    assert get(client, tokens, "/api/entities/nobody/neighbourhood").status_code == 404
    assert get(client, tokens, f"/api/entities/{body}/neighbourhood", depth="deep").status_code == 422


def test_paths_are_the_shortest_and_carry_their_sources(client, tokens):
    flag = first_conflict(client, tokens)
    official = role(flag, "official")["id"]
    company = role(flag, "supplier")["id"]
    body = role(flag, "institution")["id"]
    found = get(client, tokens, "/api/paths", **{"from": official, "to": body, "max": 4}).json()
    assert found["paths"], found
    around = get(client, tokens, f"/api/entities/{official}/neighbourhood", depth=3, per_node=100).json()
    graph = nx.Graph()
    graph.add_edges_from((e["source"], e["target"]) for e in around["edges"] if e["type"] != "CONCERNS")
    assert found["paths"][0]["length"] == nx.shortest_path_length(graph, official, body)
    for path in found["paths"]:
        ids = [n["id"] for n in path["nodes"]]
        assert ids[0] == official and ids[-1] == body and len(path["edges"]) == len(ids) - 1
        for (a, b), edge in zip(zip(ids, ids[1:], strict=False), path["edges"], strict=True):
            assert {edge["source"], edge["target"]} == {a, b}
            assert edge["props"]["source"] and edge["props"]["record_id"]
    hops = len(flag["evidence"]["path"]) - 1  # the tie the flag found: directly, or through a relative
    assert get(client, tokens, "/api/paths", **{"from": official, "to": company, "max": hops}).json()["paths"]
    over = get(client, tokens, "/api/paths", **{"from": official, "to": body, "max": 50})
    assert over.status_code == 400 and "over the cap" in over.json()["message"]
    assert get(client, tokens, "/api/paths", **{"from": "nobody", "to": body}).status_code == 404
    assert get(client, tokens, "/api/paths", **{"from": body, "to": body}).status_code == 400


def test_flags_queue_filters(client, tokens):
    flags = get(client, tokens, "/api/flags", limit=100).json()["flags"]
    assert flags and [f["score"] for f in flags] == sorted((f["score"] for f in flags), reverse=True)
    patterns = {f["pattern"] for f in flags}
    for code in patterns:
        only = get(client, tokens, "/api/flags", pattern=code, limit=100).json()["flags"]
        assert only and {f["pattern"] for f in only} == {code}
    critical = get(client, tokens, "/api/flags", severity="critical", limit=100).json()["flags"]
    assert {f["severity"] for f in critical} <= {"critical"}
    body = role(first_conflict(client, tokens), "institution")
    of_body = get(client, tokens, "/api/flags", body=body["id"], limit=100).json()["flags"]
    assert of_body and len(of_body) < len(flags)
    for row in of_body:
        entities = get(client, tokens, f"/api/flags/{row['id']}").json()["entities"]
        assert body["id"] in {e["id"] for e in entities}
    assert get(client, tokens, "/api/flags", since="2999-01-01").json()["flags"] == []
    assert get(client, tokens, "/api/flags", severity="huge").status_code == 400
    assert get(client, tokens, "/api/flags", since="yesterday").status_code == 422
    assert get(client, tokens, "/api/flags", limit=10_000).status_code == 400


def test_flag_evidence_is_resolved_to_named_nodes_and_source_records(client, tokens):
    flag = first_conflict(client, tokens)
    graph = flag["evidence_graph"]
    names = {n["id"]: n["name"] for n in graph["nodes"]}
    assert graph["path"] == flag["evidence"]["path"]
    assert all(names[i] for i in graph["path"])
    assert len(graph["steps"]) == len(graph["path"]) - 1
    for step in graph["steps"]:
        assert step["edges"], step
        assert all(e["props"]["source"] and e["props"]["record_id"] for e in step["edges"])
    contract = flag["evidence"]["contracts"][0]["id"]
    assert contract in names  # the other nodes the evidence names are drawn too
    assert flag["sentence"] and flag["status"] in ("new", "in_progress", "confirmed", "dismissed")
    assert get(client, tokens, "/api/flags/flag:P999:nope").status_code == 404
