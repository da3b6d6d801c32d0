"""The W3C reconciliation service, over HTTP as OpenRefine uses it, on the demo graph: the manifest
validates against the API's own JSON schema, a batch posted the way OpenRefine posts it gets ranked
candidates with the resolver's scores and explanations, and preview and suggest answer."""

from __future__ import annotations

import json
import re
import unicodedata

import httpx

from engine.graph.questions import ask
from engine.journalists.reconcile import validator

FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"}  # what OpenRefine sends


def plain(text: str) -> str:
    """Accents dropped, as many spreadsheets have them."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def truth(demo) -> list[dict]:  # type: ignore[no-untyped-def]
    return [json.loads(line) for line in (demo.scenario / "truth.jsonl").read_text().splitlines() if line.strip()]


def entity_ids(demo, identifier: str) -> set[str]:  # type: ignore[no-untyped-def]
    return {r["id"] for r in ask(demo.store, "find", {"name": identifier})}


def reconcile(base: str, queries: dict) -> dict:  # type: ignore[type-arg]
    response = httpx.post(f"{base}/reconcile", content=httpx.QueryParams({"queries": json.dumps(queries)}).__str__(),
                          headers=FORM, timeout=60)
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == "*"
    return response.json()


def test_manifest_is_public_and_validates_against_the_w3c_schema(served):
    response = httpx.get(f"{served}/reconcile", timeout=30)
    assert response.status_code == 200 and response.headers["access-control-allow-origin"] == "*"
    manifest = response.json()
    assert list(validator("manifest").iter_errors(manifest)) == []
    assert manifest["versions"] == ["0.2"] and {t["id"] for t in manifest["defaultTypes"]} == {
        "Person", "Company", "PublicBody"}
    assert manifest["preview"]["url"].startswith(served) and "{{id}}" in manifest["preview"]["url"]
    assert httpx.get(manifest["documentation"], timeout=30).status_code == 200
    # the schema is worth something: it refuses a manifest that breaks it
    assert list(validator("manifest").iter_errors({**manifest, "versions": ["0.1"]}))
    assert list(validator("manifest").iter_errors({k: v for k, v in manifest.items() if k != "identifierSpace"}))
    jsonp = httpx.get(f"{served}/reconcile", params={"callback": "jQuery1_2"}, timeout=30)
    assert jsonp.text.startswith("jQuery1_2(") and json.loads(jsonp.text[len("jQuery1_2("):-2]) == manifest
    assert httpx.get(f"{served}/reconcile", params={"callback": "alert(1)//"}, timeout=30).status_code == 400


def queries_from_truth(demo) -> tuple[dict, dict]:  # type: ignore[no-untyped-def, type-arg]
    """A column of names as a journalist has them (accents dropped, surnames first, legal form cut off or
    spelled another way, capitals), each with the entity it must find."""
    queries, expected = {}, {}
    for t in truth(demo):
        if t["kind"] == "innocent":
            continue
        people = [p for p in (t.get("official"), t.get("relative")) if p and p.get("rfc")]
        for person in people:
            words = person["name"].split()
            for variant in (plain(person["name"]).upper(), " ".join(words[1:] + words[:1])):
                key = f"q{len(queries)}"
                queries[key] = {"query": variant, "type": "Person", "type_strict": "should"}
                expected[key] = entity_ids(demo, person["rfc"])
        company = t.get("company") or t.get("supplier")
        if company and company.get("rfc"):
            bare = re.split(r",|\bS\.? ?A\.?\b|\bS\. de R\.L\.|\bSOCIEDAD\b", company["name"], flags=re.I)[0].strip()
            for variant in (company["name"], bare.lower(), plain(bare) + " SA DE CV"):
                key = f"q{len(queries)}"
                queries[key] = {"query": variant, "type": "Company", "type_strict": "should"}
                expected[key] = entity_ids(demo, company["rfc"])
    assert all(expected.values())
    return queries, expected


def test_openrefine_batch_gets_ranked_candidates(demo_graph, served):
    queries, expected = queries_from_truth(demo_graph)
    assert len(queries) >= 40
    queries["nobody"] = {"query": "Zyxwv Qwertyuiop Asdfgh", "type": "Person", "type_strict": "should"}
    queries["body"] = {"query": "Grupo Aeroportuario de la Ciudad de Mexico", "type": "PublicBody",
                       "type_strict": "should"}
    assert list(validator("reconciliation-query-batch").iter_errors(queries)) == []
    results: dict = {}
    keys = sorted(queries)
    for i in range(0, len(keys), 10):  # OpenRefine's batches of ten
        results |= reconcile(served, {k: queries[k] for k in keys[i:i + 10]})
    assert list(validator("reconciliation-result-batch").iter_errors(results)) == []
    assert set(results) == set(queries)
    top_right = 0
    for key, want in expected.items():
        candidates = results[key]["result"]
        assert candidates, queries[key]
        scores = [c["score"] for c in candidates]
        assert scores == sorted(scores, reverse=True) and all(0 <= s <= 100 for s in scores)
        assert sum(c["match"] for c in candidates) <= 1 and not any(c["match"] for c in candidates[1:])
        assert all(c["type"][0]["id"] == queries[key]["type"] for c in candidates)
        top_right += candidates[0]["id"] in want
        best = candidates[0]
        assert best["description"] and any(f["id"] == "probability" for f in best["features"])
    assert top_right / len(expected) >= 0.95, top_right  # the resolver's own figure is ~0.96 F1 on people
    assert not any(c["match"] for c in results["nobody"]["result"])
    found = ask(demo_graph.store, "find", {"name": "Grupo Aeroportuario"})
    bodies = {r["id"] for r in found if r["kind"] == "PublicBody"}
    assert results["body"]["result"][0]["id"] in bodies and results["body"]["result"][0]["match"]


def test_identifiers_settle_a_name_shared_by_namesakes(demo_graph, served):
    people = [t["official"] for t in truth(demo_graph) if t.get("official") and t["official"].get("curp")]
    person = people[0]
    answer = reconcile(served, {
        "byname": {"query": plain(person["name"]).lower(), "type": "Person"},
        "byrfc": {"query": plain(person["name"]).lower(), "type": "Person",
                  "properties": [{"pid": "rfc", "v": person["rfc"]}]},
        "onlyrfc": {"properties": [{"pid": "rfc", "v": person["rfc"]}], "type": "Person"},
        "curp": {"query": person["name"], "properties": [{"pid": "curp", "v": person["curp"]}]},
    })
    ids = entity_ids(demo_graph, person["rfc"])
    for key in ("byrfc", "onlyrfc", "curp"):
        assert answer[key]["result"][0]["id"] in ids and answer[key]["result"][0]["match"], key
    assert answer["byrfc"]["result"][0]["score"] >= answer["byname"]["result"][0]["score"]
    assert any(f["id"].startswith("rfc") for f in answer["byrfc"]["result"][0]["features"])


def test_bad_batches_are_refused(served):
    for body in ("not json", json.dumps({"q": {"limit": 3}}), json.dumps({"q": {"query": "x", "extra": 1}})):
        response = httpx.post(f"{served}/reconcile", data={"queries": body}, timeout=30)
        assert response.status_code == 400, body
    big = {f"q{i}": {"query": "x"} for i in range(501)}
    assert httpx.post(f"{served}/reconcile", data={"queries": json.dumps(big)}, timeout=30).status_code == 413
    assert httpx.get(f"{served}/reconcile/suggest/entity", params={"prefix": "a", "type": "Vessel"},
                     timeout=30).status_code == 400


def test_preview_and_suggest(demo_graph, served):
    manifest = httpx.get(f"{served}/reconcile", timeout=30).json()
    suggest = manifest["suggest"]["entity"]
    found = httpx.get(suggest["service_url"] + suggest["service_path"], params={"prefix": "gruas fle"},
                      timeout=30).json()
    assert list(validator("suggest-entities-response").iter_errors(found)) == []
    assert "mx-rfc:GFM010122DZ9" in {r["id"] for r in found["result"]}
    assert all(plain(r["name"]).lower().startswith("gruas fle") for r in found["result"])
    types = httpx.get(f"{served}/reconcile/suggest/type", params={"prefix": "pub"}, timeout=30).json()
    assert list(validator("suggest-types-response").iter_errors(types)) == []
    assert [t["id"] for t in types["result"]] == ["PublicBody"]
    props = httpx.get(f"{served}/reconcile/suggest/property", params={"prefix": "r"}, timeout=30).json()
    assert list(validator("suggest-properties-response").iter_errors(props)) == []
    assert "rfc" in {p["id"] for p in props["result"]}

    page = httpx.get(manifest["preview"]["url"].replace("{{id}}", "mx-rfc:GFM010122DZ9"), timeout=30)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "Gruas Fletes Y Maniobras, SA DE CV" in html and "GFM010122DZ9" in html
    assert "OWNS" in html and "Inversiones Avanzada" in html  # its owner
    assert "P003" in html  # the flag that concerns it
    assert "Un vínculo no es prueba" in html
    assert httpx.get(f"{served}/reconcile/preview", params={"id": "nope"}, timeout=30).status_code == 404


def test_a_mounting_app_can_guard_everything_but_the_manifest(demo_graph):
    """The workspace mounts the service behind its tokens: the manifest stays public metadata."""
    from fastapi import HTTPException
    from fastapi.testclient import TestClient

    from engine.journalists.app import make_app

    app = make_app(demo_graph.store)

    def journalists_only(request):  # type: ignore[no-untyped-def]
        if request.headers.get("authorization") != "Bearer journalist":
            raise HTTPException(401, "a journalist's token is needed")

    app.state.journalists_guard = journalists_only
    with TestClient(app) as client:
        assert client.get("/reconcile").status_code == 200
        assert client.get("/browser/guide/en.html").status_code == 200
        batch = {"queries": json.dumps({"q": {"query": "Gruas Fletes"}})}
        for response in (client.post("/reconcile", data=batch), client.get("/reconcile", params=batch),
                         client.get("/reconcile/suggest/entity", params={"prefix": "gru"}),
                         client.get("/reconcile/preview", params={"id": "mx-rfc:GFM010122DZ9"})):
            assert response.status_code == 401
        allowed = client.post("/reconcile", data=batch, headers={"Authorization": "Bearer journalist"})
        assert allowed.status_code == 200 and allowed.json()["q"]["result"]


def test_vinculo_serve_mounts_the_service_behind_a_journalists_token(demo_graph, workspace_served):
    """`vinculo serve`'s app: the manifest is public; queries, suggest and preview need a journalist's
    token (and are audited) unless VINCULO_API_RECONCILE_OPEN, since OpenRefine cannot send one."""
    from fastapi.testclient import TestClient

    from engine.api import audit
    from engine.api.app import create_app
    from engine.api.auth import Role, create_token
    from engine.settings import Settings

    manifest = httpx.get(f"{workspace_served}/reconcile", timeout=30)
    assert manifest.status_code == 200 and list(validator("manifest").iter_errors(manifest.json())) == []
    assert manifest.json()["preview"]["url"].startswith(f"{workspace_served}/reconcile/preview")
    batch = {"queries": json.dumps({"q": {"query": "GRUAS FLETES Y MANIOBRAS", "type": "Company"}})}
    for response in (httpx.post(f"{workspace_served}/reconcile", data=batch, timeout=30),
                     httpx.get(f"{workspace_served}/reconcile/suggest/entity", params={"prefix": "gru"}, timeout=30),
                     httpx.get(f"{workspace_served}/reconcile/preview", params={"id": "mx-rfc:GFM010122DZ9"},
                               timeout=30)):
        assert response.status_code == 401 and response.json()["error"] == "unauthorized", response.text
    token = create_token(demo_graph.store, "reconcile test", Role.journalist)
    allowed = httpx.post(f"{workspace_served}/reconcile", data=batch, timeout=60,
                         headers={"Authorization": f"Bearer {token.token}"})
    assert allowed.status_code == 200, allowed.text
    assert list(validator("reconciliation-result-batch").iter_errors(allowed.json())) == []
    best = allowed.json()["q"]["result"][0]
    assert best["id"] == "mx-rfc:GFM010122DZ9" and best["match"]
    events = audit.read(demo_graph.store, action="reconcile", target="/reconcile")
    assert any(e["actor"] == "reconcile test" for e in events), events
    open_settings = Settings(api_reconcile_open=True)  # type: ignore[call-arg]
    with TestClient(create_app(demo_graph.store, open_settings)) as open_client:
        response = open_client.post("/reconcile", data=batch)
        assert response.status_code == 200 and response.json()["q"]["result"][0]["id"] == "mx-rfc:GFM010122DZ9"
