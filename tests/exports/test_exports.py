"""Exports: GraphML and GEXF read back with NetworkX, FtM that the followthemoney library accepts
and that the project's own ``ftm`` source reads back into the same graph, CSV and XLSX tables,
flags with sentences and paths, and a manifest on every one."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

import networkx as nx
import pytest
from followthemoney import model
from openpyxl import load_workbook

from engine.exports import Selection, export_flags, export_subgraph
from engine.exports.subgraph import Node, read_subgraph
from engine.graph import cypher
from engine.graph.export import Exporter
from engine.graph.subgraph import edges, nodes
from engine.intake import publish
from tests.graph import small_graph as g
from tests.helpers import dead_letters, process


def truth(demo) -> list[dict]:  # type: ignore[no-untyped-def]
    return [json.loads(line) for line in (demo.scenario / "truth.jsonl").read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def selections(demo_graph) -> list[Selection]:  # type: ignore[no-untyped-def]
    store = demo_graph.store
    flag = store.run(cypher.LIST_FLAGS, {"pattern": "P002", "status": None, "limit": 1})[0]["id"]
    around = read_subgraph(store, Selection(kind="entity", id=truth(demo_graph)[0]["contracts"][0], depth=2))
    bodies = sorted(e.src for e in around.edges.values() if e.type == "BUYER_OF")
    assert bodies
    return [Selection(kind="entity", id="mx-rfc:GFM010122DZ9", depth=2), Selection(kind="flag", id=flag),
            Selection(kind="body", id=bodies[0])]


def test_graphml_and_gexf_read_back_with_networkx(demo_graph, selections, tmp_path):
    for selection in selections:
        sub = read_subgraph(demo_graph.store, selection)
        assert len(sub.nodes) > 3 and sub.edges
        want_edges = {(e.src, e.dst, e.id) for e in sub.edges.values()}
        for fmt, reader in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
            exported = export_subgraph(demo_graph.store, selection, fmt)
            path = tmp_path / f"{selection.kind}.{fmt}"
            exported.write(path)
            graph = reader(path, force_multigraph=True) if fmt == "graphml" else reader(path)
            assert set(graph.nodes) == set(sub.nodes), (selection, fmt)
            got = ({(u, v, k) for u, v, k in graph.edges(keys=True)} if graph.is_multigraph()
                   else {(u, v, d["id"]) for u, v, d in graph.edges(data=True)})  # read_gexf: simple if it can
            assert got == want_edges, (selection, fmt)
            assert {n: graph.nodes[n]["kind"] for n in graph} == {n.id: n.label for n in sub.nodes.values()}
            assert {n: graph.nodes[n]["label"] for n in graph} == {n.id: n.name for n in sub.nodes.values()}
            assert Counter(d["relationship"] for *_, d in graph.edges(data=True)) == \
                Counter(e.type for e in sub.edges.values())
            if fmt == "graphml":  # the manifest travels inside GraphML, and beside every file
                assert json.loads(graph.graph["vinculo_manifest"])["query"]["selection"]["id"] == selection.id
            assert json.loads(path.with_name(path.name + ".manifest.json").read_text())["format"] == fmt


def test_ftm_export_is_valid_followthemoney(demo_graph, selections, tmp_path):
    seen: set[str] = set()
    for selection in selections:
        exported = export_subgraph(demo_graph.store, selection, "ftm")
        path = tmp_path / f"{selection.kind}.ftm.json"
        exported.write(path)
        entities = [json.loads(line) for line in path.read_text().splitlines()]
        ids = {e["id"] for e in entities}
        assert len(ids) == len(entities) and entities
        for entity in entities:
            schema = model.get(entity["schema"])
            assert schema is not None and not schema.abstract
            assert schema.validate(entity) is None
            proxy = model.get_proxy(entity, cleaned=False)
            for prop, values in entity["properties"].items():
                assert prop in schema.properties, (entity["schema"], prop)
                for value in values:
                    assert schema.properties[prop].type.validate(value), (entity["schema"], prop, value)
            for prop in proxy.iterprops():  # every reference resolves inside the export
                if prop.type.name == "entity":
                    assert set(proxy.get(prop)) <= ids
        # FtM's own command re-parses every entity and keeps every value: nothing was invalid
        done = subprocess.run([str(Path(sys.executable).with_name("ftm")), "validate", "-i", str(path)],
                              capture_output=True, text=True, check=True, timeout=120)
        reparsed = {e["id"]: e for e in map(json.loads, done.stdout.splitlines())}
        assert {k: {p: sorted(v) for p, v in e["properties"].items()} for k, e in reparsed.items()} == \
            {e["id"]: {p: sorted(v) for p, v in e["properties"].items()} for e in entities}
        schemata = Counter(e["schema"] for e in entities)
        assert schemata == Counter(exported.manifest.counts["ftm_schemata"])
        seen |= set(schemata)
    assert {"Person", "Company", "PublicBody", "Contract", "ContractAward", "Ownership", "Directorship",
            "Employment", "Family", "Sanction"} <= seen


def graph_facts(store) -> tuple[Counter, Counter, set[str]]:  # type: ignore[no-untyped-def]
    """Names by label, relationships as (label, name, type, label, name), and RFCs, read from a store."""
    exporter = Exporter(store)
    found: dict[str, Node] = {}
    for label in ("Person", "Company", "PublicBody", "Sanction", "Address"):
        ids = exporter.ids(label)
        for row in store.read(nodes(label).text, {"ids": ids}):
            found[row["id"]] = Node(row["id"], label, row["props"])
    rels: Counter = Counter()
    kept = ["OWNS", "DIRECTS", "REPRESENTS", "FAMILY_OF", "HOLDS_POSITION", "LOCATED_AT", "SANCTIONED"]
    for label in ("Person", "Company", "Sanction"):
        ids = [i for i, n in found.items() if n.label == label]
        for row in store.read(edges(label, "out").text, {"ids": ids, "types": kept}):
            src, dst = found.get(row["src"]), found.get(row["dst"])
            if src and dst:
                rels[(src.label, "*" if src.label == "Sanction" else src.name, row["type"], dst.label, dst.name)] += 1
    names = Counter((n.label, n.name) for n in found.values() if n.label != "Sanction")
    return names, rels, {n.props["rfc"] for n in found.values() if n.props.get("rfc")}


def test_ftm_export_round_trips_through_the_projects_ftm_source(demo_graph, stack, tmp_path):
    """Published with `vinculo publish ftm`, the export becomes the same people, companies, bodies, addresses,
    sanctions and ties. FtM has no tie for a process, a tender or an S2 intervention, and the ftm source reads
    no contracts (it says so and skips them): those stay behind."""
    store = demo_graph.store
    sanctioned = [t for t in truth(demo_graph) if t["kind"] == "sanctioned_supplier"]
    subs = []
    for t in sanctioned:
        found = [n for n in read_subgraph(store, Selection(kind="entity", id=t["contracts"][0], depth=1)).nodes.values()
                 if n.props.get("rfc") == t["supplier"]["rfc"]]
        subs += [read_subgraph(store, Selection(kind="entity", id=n.id, depth=2)) for n in found]
    sub = max(subs, key=lambda s: (len({e.type for e in s.edges.values()} & {"OWNS", "SANCTIONED"}), len(s.edges)))
    assert {"OWNS", "FAMILY_OF", "HOLDS_POSITION", "SANCTIONED", "LOCATED_AT"} <= {e.type for e in sub.edges.values()}
    exported = export_subgraph(store, sub.selection, "ftm")
    path = tmp_path / "vecindario.ftm.json"
    exported.write(path)
    contracts = exported.manifest.counts["ftm_schemata"].get("Contract", 0) + \
        exported.manifest.counts["ftm_schemata"].get("ContractAward", 0)

    publish("ftm", [path], stack.kafka_bootstrap, partitions=3)
    activity = process(stack)
    assert dead_letters(stack) == []
    assert activity.skipped >= contracts > 0

    from engine.graph.store import open_store

    fresh = open_store(stack.graph_uri, stack.graph_user, stack.graph_password, stack.graph_name)
    try:
        names, rels, rfcs = graph_facts(fresh)
    finally:
        fresh.close()
    # Known defect of the link stage: a public body an FtM relationship names only by its id becomes a body of
    # its own (bodies are resolved by name alone), so the bodies at the end of a post are compared by label only.
    # test_ftm_round_trip_keeps_public_bodies_whole holds the defect.
    want_names = Counter((n.label, n.name) for n in sub.nodes.values()
                         if n.label in ("Person", "Company", "PublicBody", "Address"))
    phantoms = {k for k in names if k[0] == "PublicBody" and k not in want_names}
    assert Counter({k: v for k, v in names.items() if k not in phantoms}) == want_names

    def body_ends(facts: Counter) -> Counter:  # type: ignore[type-arg]
        return Counter({(a, "<body>" if a == "PublicBody" else b, t, c, "<body>" if c == "PublicBody" else d): n
                        for (a, b, t, c, d), n in facts.items()})

    want_rels: Counter = Counter()
    for e in sub.edges.values():
        if e.type in ("OWNS", "DIRECTS", "REPRESENTS", "FAMILY_OF", "HOLDS_POSITION", "LOCATED_AT", "SANCTIONED"):
            src, dst = sub.nodes[e.src], sub.nodes[e.dst]
            want_rels[(src.label, "*" if src.label == "Sanction" else src.name, e.type, dst.label, dst.name)] += 1
    assert body_ends(rels) == body_ends(want_rels) and sum(want_rels.values()) > 20
    assert len(phantoms) <= sum(n for k, n in want_rels.items() if k[3] == "PublicBody")
    assert rfcs == {n.props["rfc"] for n in sub.nodes.values()
                    if n.props.get("rfc") and n.label in ("Person", "Company")}


def test_ftm_round_trip_keeps_public_bodies_whole(stack, store, tmp_path):
    store.write(g.small_graph())
    exported = export_subgraph(store, Selection(kind="entity", id=g.OFFICIAL, depth=1), "ftm")
    assert exported.manifest.counts["ftm_schemata"]["Employment"] == 1  # the post: employer named by id only
    path = tmp_path / "cargo.ftm.json"
    exported.write(path)
    store.clear()
    publish("ftm", [path], stack.kafka_bootstrap, partitions=3)
    process(stack)
    names, rels, _ = graph_facts(store)
    assert [n for label, n in names if label == "PublicBody"] == ["Dirección de Compras de Pruebas"]


def test_csv_and_xlsx_hold_every_node_and_relationship(demo_graph, selections):
    selection = selections[2]
    sub = read_subgraph(demo_graph.store, selection)
    archive = zipfile.ZipFile(io.BytesIO(export_subgraph(demo_graph.store, selection, "csv").body()))
    assert set(archive.namelist()) == {"nodes.csv", "relationships.csv", "manifest.json"}
    node_rows = list(csv.DictReader(io.StringIO(archive.read("nodes.csv").decode("utf-8-sig"))))
    rel_rows = list(csv.DictReader(io.StringIO(archive.read("relationships.csv").decode("utf-8-sig"))))
    assert {(r["id"], r["kind"], r["name"]) for r in node_rows} == {(n.id, n.label, n.name) for n in sub.nodes.values()}
    assert Counter((r["source_id"], r["type"], r["target_id"]) for r in rel_rows) == \
        Counter((e.src, e.type, e.dst) for e in sub.edges.values())
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["counts"]["nodes"] == dict(Counter(n.label for n in sub.nodes.values()))
    book = load_workbook(io.BytesIO(export_subgraph(demo_graph.store, selection, "xlsx").body()))
    assert book.sheetnames == ["Nodes", "Relationships", "Manifest"]
    assert book["Nodes"].max_row - 1 == len(sub.nodes) and book["Relationships"].max_row - 1 == len(sub.edges)
    manifest = {r[0]: r[1] for r in book["Manifest"].iter_rows(min_row=2, values_only=True)}
    assert "Un vínculo no es prueba" in manifest["disclaimer (es)"] and manifest["limit: truncated"] is False


def test_flags_export_as_csv_and_xlsx_with_sentences_and_paths(demo_graph):
    store = demo_graph.store
    listed = store.run(cypher.LIST_FLAGS, {"pattern": None, "status": None, "limit": 1000})
    rows = list(csv.DictReader(io.StringIO(export_flags(store, "csv").body().decode("utf-8-sig"))))
    assert [r["id"] for r in rows] == [f["id"] for f in listed]  # strongest first, as `vinculo flags`
    for row, flag in zip(rows, listed, strict=True):
        assert row["sentence"] == flag["sentence"]
        ids = row["path_ids"].split(" → ")
        assert ids == [str(p) for p in json.loads(flag["evidence"])["path"]]
        names = row["path"].split(" → ")
        assert len(names) == len(ids) and names != ids  # names, not ids, wherever the node exists
        assert row["concerns"]
    only = export_flags(store, "xlsx", pattern="P003")
    sheet = load_workbook(io.BytesIO(only.body()))["Flags"]
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(values) == len([f for f in listed if f["pattern"] == "P003"]) == only.manifest.counts["flags"]["P003"]
    with pytest.raises(ValueError):
        export_flags(store, "graphml")


def test_manifest_sources_dates_limits(demo_graph, selections):
    store = demo_graph.store
    exported = export_subgraph(store, selections[0], "graphml")
    manifest = exported.manifest
    sub = read_subgraph(store, selections[0])
    assert manifest.counts["nodes"] == dict(Counter(n.label for n in sub.nodes.values()))
    sources = {s.source: s for s in manifest.sources}
    assert {"ocds", "pdn-s1"} <= set(sources)
    assert all(s.first_published and s.last_published and s.first_published <= s.last_published
               for s in manifest.sources)
    assert manifest.query["statements"] and all("$" in s["cypher"] for s in manifest.query["statements"])
    assert not manifest.limits.truncated and manifest.limits.excluded
    cut = export_subgraph(store, Selection(kind="entity", id=selections[2].id, depth=3, max_nodes=15), "gexf")
    assert cut.manifest.limits.truncated and cut.manifest.limits.notes
    assert sum(cut.manifest.counts["nodes"].values()) == 15
    with pytest.raises(LookupError):
        export_subgraph(store, Selection(kind="body", id="mx-rfc:GFM010122DZ9"), "csv")  # a company, not a body
    with pytest.raises(ValueError):
        Selection(kind="entity", id="x", depth=9)


def test_exports_carry_no_secret_and_no_formula(stack, store):
    """A property named like a secret never leaves; a name that is a formula reaches a spreadsheet as text."""
    store.write(g.small_graph())
    for fmt in ("graphml", "gexf", "ftm", "csv", "xlsx"):
        exported = export_subgraph(store, Selection(kind="entity", id=g.ADDRESS, depth=1), fmt)
        body = exported.body()
        archive = zipfile.ZipFile(io.BytesIO(body)) if fmt in ("csv", "xlsx") else None
        texts = [archive.read(n) for n in archive.namelist()] if archive else [body]
        texts.append(exported.manifest.to_json())
        assert not any(g.SECRET.encode() in t or b"api_token" in t for t in texts), fmt
        assert not any(stack.graph_password.encode() in t for t in texts), fmt  # nor the graph's password
        assert b'"big": ' not in b"".join(texts)  # an OCDS release is not exported
    book = load_workbook(io.BytesIO(export_subgraph(store, Selection(kind="entity", id=g.ADDRESS, depth=1),
                                                    "xlsx").body()))
    cells = [c for row in book["Nodes"].iter_rows() for c in row if c.value and "cmd|" in str(c.value)]
    assert cells and all(c.data_type == "s" and str(c.value).startswith("'=") for c in cells)
    nodes_csv = zipfile.ZipFile(io.BytesIO(export_subgraph(store, Selection(kind="entity", id=g.ADDRESS, depth=1),
                                                           "csv").body())).read("nodes.csv").decode("utf-8-sig")
    assert "'" + g.FORMULA_NAME in nodes_csv and f",{g.FORMULA_NAME}" not in nodes_csv


def vinculo(demo, home: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    """`vinculo …` as a user runs it, against the demo's servers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VINCULO_")}
    env.update(VINCULO_HOME=str(home), VINCULO_KAFKA_BOOTSTRAP=demo.stack.kafka_bootstrap,
               VINCULO_GRAPH_URI=demo.stack.graph_uri, VINCULO_GRAPH_PASSWORD=demo.stack.graph_password)
    done = subprocess.run([sys.executable, "-m", "engine.cli", *args], capture_output=True, text=True, env=env,
                          timeout=300)
    if check and done.returncode != 0:
        raise AssertionError(f"vinculo {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


def test_vinculo_export_command(demo_graph, tmp_path):
    out = tmp_path / "alertas.xlsx"
    done = vinculo(demo_graph, tmp_path, "export", "xlsx", "--flags", "--pattern", "P002", "--out", str(out))
    assert "flags: P002" in done.stdout and out.exists() and (tmp_path / "alertas.xlsx.manifest.json").exists()
    graph = tmp_path / "vecindario.graphml"
    vinculo(demo_graph, tmp_path, "export", "graphml", "--entity", "mx-rfc:GFM010122DZ9", "--depth", "2",
            "--out", str(graph))
    assert set(nx.read_graphml(graph)) == set(read_subgraph(
        demo_graph.store, Selection(kind="entity", id="mx-rfc:GFM010122DZ9", depth=2)).nodes)
    bad = vinculo(demo_graph, tmp_path, "export", "csv", "--entity", "mx-rfc:GFM010122DZ9",
                  "--out", str(tmp_path / "x.csv"), check=False)
    assert bad.returncode == 2 and ".zip" in bad.stderr
    missing = vinculo(demo_graph, tmp_path, "export", "gexf", "--entity", "nope", "--out", str(tmp_path / "x.gexf"),
                      check=False)
    assert missing.returncode == 1 and "no entity" in missing.stderr
    both = vinculo(demo_graph, tmp_path, "export", "gexf", "--entity", "a", "--body", "b", "--out", "x", check=False)
    assert both.returncode == 2


def test_exports_over_the_workspace_api(demo_graph, selections):
    """`GET /api/exports/{fmt}` on `vinculo serve`'s app: a journalist's token, the same subgraph the
    library exports, zipped with its manifest; caps and unknown ids refused; every export audited."""
    from fastapi.testclient import TestClient

    from engine.api import audit
    from engine.api.app import create_app
    from engine.api.auth import Role, create_token
    from engine.settings import Settings

    store = demo_graph.store
    token = create_token(store, "export test", Role.journalist).token
    auth = {"Authorization": f"Bearer {token}"}
    entity = selections[0]
    with TestClient(create_app(store, Settings(api_rate_per_minute=100_000))) as client:  # type: ignore[call-arg]
        params = {"entity": entity.id, "depth": entity.depth}
        assert client.get("/api/exports/graphml", params=params).status_code == 401
        response = client.get("/api/exports/graphml", params=params, headers=auth)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/zip"
        assert "vinculo-entity-graphml.zip" in response.headers["content-disposition"]
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            assert sorted(archive.namelist()) == ["manifest.json", "subgraph.graphml"]
            graph = nx.read_graphml(io.BytesIO(archive.read("subgraph.graphml")), force_multigraph=True)
            manifest = json.loads(archive.read("manifest.json"))
        want = read_subgraph(store, Selection(kind="entity", id=entity.id, depth=entity.depth, max_nodes=2000))
        assert set(graph.nodes) == set(want.nodes) and graph.number_of_edges() == len(want.edges)
        assert manifest["query"]["selection"] == {"kind": "entity", "id": entity.id, "depth": entity.depth,
                                                  "max_nodes": 2000}
        assert sum(manifest["counts"]["nodes"].values()) == len(want.nodes)

        flagged = client.get("/api/exports/ftm", params={"flag": selections[1].id}, headers=auth)
        with zipfile.ZipFile(io.BytesIO(flagged.content)) as archive:
            entities = [json.loads(line) for line in archive.read("entities.ftm.json").decode().splitlines()]
            assert entities and all(model.get(e["schema"]) for e in entities)
            assert json.loads(archive.read("manifest.json"))["query"]["selection"]["id"] == selections[1].id

        table = client.get("/api/exports/csv", params={"flags": "true", "pattern": "P002"}, headers=auth)
        with zipfile.ZipFile(io.BytesIO(table.content)) as archive:
            rows = list(csv.DictReader(io.StringIO(archive.read("flags.csv").decode("utf-8-sig"))))
            counted = json.loads(archive.read("manifest.json"))["counts"]["flags"]
        assert rows and {r["pattern"] for r in rows} == {"P002"} and counted == {"P002": len(rows)}

        refused = {
            "no selection": client.get("/api/exports/gexf", headers=auth),
            "two selections": client.get("/api/exports/gexf", params={"entity": entity.id, "body": "x"}, headers=auth),
            "format": client.get("/api/exports/pdf", params={"entity": entity.id}, headers=auth),
            "flags as graphml": client.get("/api/exports/graphml", params={"flags": "true"}, headers=auth),
            "depth": client.get("/api/exports/gexf", params={"entity": entity.id, "depth": 9}, headers=auth),
            "max_nodes": client.get("/api/exports/gexf", params={"entity": entity.id, "max_nodes": 10**6},
                                    headers=auth),
        }
        assert {k: r.status_code for k, r in refused.items()} == dict.fromkeys(refused, 400)
        missing = client.get("/api/exports/gexf", params={"entity": "mx-rfc:NOPE000000XX0"}, headers=auth)
        assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    exports = [e for e in audit.read(store, action="export", limit=1000) if e["actor"] == "export test"]
    assert {(e["target"], e["detail"]["format"]) for e in exports} >= {(entity.id, "graphml"),
                                                                       (selections[1].id, "ftm"), (None, "csv")}
