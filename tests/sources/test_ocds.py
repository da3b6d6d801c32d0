"""OCDS: every document shape splits into one record per ocid; a compiled release
becomes the right graph facts."""

from __future__ import annotations

import json

import pytest

from engine.linking import KeyResolver, record_to_graph
from engine.sources.base import H_ERROR, RecordContext, RecordError
from engine.sources.ocds import SOURCE, normalize, party_identity
from tests.conftest import shared

CTX = RecordContext("test", "", None)


def _rel(ocid: str, date: str, tag: str, **extra) -> dict:  # type: ignore[no-untyped-def, type-arg]
    return {"ocid": ocid, "id": f"{ocid}-{date}", "date": date, "tag": [tag], **extra}


def test_release_package_compiles_releases_of_one_ocid(tmp_path):
    pkg = {"uri": "x", "publishedDate": "2020-02-01", "releases": [
        _rel("ocds-a", "2020-01-01", "tender", tender={"id": "t", "title": "Old title"}),
        _rel("ocds-a", "2020-01-05", "award", tender={"id": "t", "title": "New title"},
             awards=[{"id": "A1", "suppliers": [{"id": "S", "name": "Sup"}]}]),
        _rel("ocds-b", "2020-01-03", "tender"),
    ]}
    path = tmp_path / "pkg.json"
    path.write_text(json.dumps(pkg))
    records = list(SOURCE.read(path))
    assert sorted(r.key for r in records) == ["ocds-a", "ocds-b"]
    compiled = json.loads(next(r for r in records if r.key == "ocds-a").value)
    assert compiled["tender"]["title"] == "New title"
    assert compiled["awards"][0]["id"] == "A1"


def test_record_package_and_json_lines(tmp_path):
    record = {"ocid": "ocds-r", "compiledRelease": _rel("ocds-r", "2020-01-01", "compiled")}
    (tmp_path / "records.json").write_text(json.dumps({"publishedDate": "2020-01-02", "records": [record]}))
    (tmp_path / "lines.jsonl").write_text(
        json.dumps(_rel("ocds-l1", "2020-01-01", "tender"))
        + "\n\n"
        + json.dumps(_rel("ocds-l2", "2020-01-01", "tender"))
        + "\n{broken\n"
    )
    keys = [r.key for r in SOURCE.read(tmp_path / "records.json")]
    assert keys == ["ocds-r"]
    lines = list(SOURCE.read(tmp_path / "lines.jsonl"))
    assert [r.key for r in lines[:2]] == ["ocds-l1", "ocds-l2"]
    assert H_ERROR in lines[2].headers and "line 4" in lines[2].headers[H_ERROR]


def test_real_samples_split_one_record_per_file():
    folder = shared("ocds", "mexico-apf")
    records = [r for path in sorted(folder.glob("*.json")) for r in SOURCE.read(path)]
    assert len(records) == len(list(folder.glob("*.json")))
    assert all(H_ERROR not in r.headers for r in records)


def test_party_identity_prefers_a_valid_rfc():
    parties = {
        "1": {"id": "1", "identifier": {"scheme": "MX-RFC", "id": "GFM010122DZ9"}},
        "2": {"id": "2", "identifier": {"scheme": "MX-RFC", "id": "95F5D7F5DD77D73E3232026B4732232A"}},
        "3": {"id": "EAM9803104KO", "identifier": {"id": "EAM9803104KO"}},
        "4": {"id": "4", "identifier": {"scheme": "MX-CPA", "id": "06E00"}},
        "5": {"id": "5"},
    }
    got = {k: party_identity({"id": k}, parties)[:2] for k in parties}
    assert got == {
        "1": (None, "GFM010122DZ9"),
        "2": ("mx-rfc:95F5D7F5DD77D73E3232026B4732232A", None),
        "3": (None, "EAM9803104KO"),
        "4": ("mx-cpa:06E00", None),
        "5": (None, None),
    }


def test_normalize_real_release_links_buyer_process_contract_supplier():
    path = shared("ocds", "mexico-apf", "ocds-07smqs-1035-1035.json")
    record = normalize(path.read_bytes(), CTX)
    graph = record_to_graph(record, KeyResolver())
    labels = {(n.label, n.id) for n in graph.nodes}
    assert ("ContractingProcess", "ocds:ocds-07smqs-1035") in labels
    buyer = next(n for n in graph.nodes if n.label == "PublicBody")
    assert buyer.props["identifier"] == "mx-cpa:06E00"
    assert buyer.props["name"] == "Servicio de Administración Tributaria"
    assert ("Company", "mx-rfc:GFM010122DZ9") in labels
    rels = {(r.type, r.source_id, r.target_id) for r in graph.rels}
    assert ("SUPPLIES", "mx-rfc:GFM010122DZ9", "ocds:ocds-07smqs-1035/contract/201706013146") in rels
    assert record.source == "ocds" and record.record_id == "ocds-07smqs-1035"
    mentions = [n for n in graph.nodes if n.label == "Mention"]
    assert len(mentions) == 2  # the buyer and the supplier, each resolved
    assert all(n.provenance.record_id == "ocds-07smqs-1035" for n in graph.nodes)


def test_addresses_contacts_and_bids(tmp_path):
    release = {
        "ocid": "ocds-bids", "date": "2020-01-01T00:00:00Z",
        "parties": [
            {"id": "T1", "name": "Uno SA", "roles": ["tenderer"],
             "address": {"streetAddress": "Av. Juárez 10", "locality": "CDMX", "postalCode": "06000"},
             "contactPoint": {"email": "ventas@uno.mx", "telephone": "55 1234 5678"}},
            {"id": "T2", "name": "Dos SA", "roles": ["tenderer"],
             "address": {"streetAddress": "AV JUAREZ 10", "locality": "cdmx", "postalCode": "06000"}},
        ],
        "bids": {"details": [
            {"id": "b1", "tenderers": [{"id": "T1"}], "value": {"amount": 1000, "currency": "MXN"}},
            {"id": "b2", "tenderers": [{"id": "T2"}], "value": {"amount": 1000, "currency": "MXN"}},
        ]},
    }
    record = normalize(json.dumps(release).encode(), CTX)
    graph = record_to_graph(record, KeyResolver())
    addresses = {n.id for n in graph.nodes if n.label == "Address"}
    assert len(addresses) == 1  # the same address, spelt two ways, is one shared node
    tendered = [r for r in graph.rels if r.type == "TENDERED"]
    assert sorted(r.props.get("bid_amount") for r in tendered) == [1000.0, 1000.0]
    uno = next(n for n in graph.nodes if n.label == "Company" and n.props.get("name") == "Uno SA")
    assert uno.props["email"] == "ventas@uno.mx"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (b'{"ocid": "x", "parties": [', "not valid JSON"),
        (b'["a list"]', "must be a JSON object"),
        (b'{"id": "1"}', "no 'ocid'"),
        (b'{"ocid": "  "}', "no 'ocid'"),
        (b'{"ocid": "o", "contracts": [{"title": "no id"}]}', "contract has no 'id'"),
    ],
)
def test_broken_releases_say_what_is_wrong(value, reason):
    with pytest.raises(RecordError, match=reason):
        normalize(value, CTX)
