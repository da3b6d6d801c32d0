"""OCDS: every document shape splits into one record per ocid; a compiled release
becomes the right graph facts."""

from __future__ import annotations

import json

import pytest

from engine.pipeline.facts import KeyLinker, record_to_graph
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
    good = [r.key for r in lines if H_ERROR not in r.headers]
    broken = [r for r in lines if H_ERROR in r.headers]
    assert good == ["ocds-l1", "ocds-l2"]
    assert len(broken) == 1 and "line 4" in broken[0].headers[H_ERROR]


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
        # INAI publishes scheme "RFC" and party ids with the scheme as prefix
        "RFC-ATR020709BP7": {"id": "RFC-ATR020709BP7", "identifier": {"scheme": "RFC", "id": "ATR020709BP7"}},
        "6": {"id": "6", "identifier": {"scheme": "RFC-MX", "id": "MX-RFC-GFM010122DZ9"}},
        "RFC-INA1402082Z8": {"id": "RFC-INA1402082Z8"},
    }
    got = {k: party_identity({"id": k}, parties)[:2] for k in parties}
    assert got == {
        "1": (None, "GFM010122DZ9"),
        "2": ("mx-rfc:95F5D7F5DD77D73E3232026B4732232A", None),
        "3": (None, "EAM9803104KO"),
        "4": ("mx-cpa:06E00", None),
        "5": (None, None),
        "RFC-ATR020709BP7": (None, "ATR020709BP7"),
        "6": (None, "GFM010122DZ9"),
        "RFC-INA1402082Z8": (None, "INA1402082Z8"),
    }


def test_normalize_real_release_links_buyer_process_contract_supplier():
    path = shared("ocds", "mexico-apf", "ocds-07smqs-1035-1035.json")
    record = normalize(path.read_bytes(), CTX)
    graph = record_to_graph(record, KeyLinker())
    labels = {(n.label, n.id) for n in graph.nodes}
    assert ("ContractingProcess", "ocds:ocds-07smqs-1035") in labels
    buyer = next(n for n in graph.nodes if n.label == "PublicBody")
    assert buyer.props["scheme_id"] == "mx-cpa:06E00"  # a budget-unit code, kept; bodies resolve by name
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
    graph = record_to_graph(record, KeyLinker())
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
    ],
)
def test_broken_releases_say_what_is_wrong(value, reason):
    with pytest.raises(RecordError, match=reason):
        normalize(value, CTX)


def _inai_like_release() -> dict:
    """The shape of INAI's real publication: Spanish role labels, scheme "RFC", a directorate as buyer whose
    institution is the procuring entity, a contract without id, an award without a contract."""
    return {
        "ocid": "PC-9001", "date": "2017-07-21T00:00:00Z",
        "buyer": {"name": "DGTI", "id": "CUA-230"},
        "parties": [
            {"id": "CUA-230", "name": "DGTI", "roles": ["Comprador"],
             "identifier": {"scheme": "CUA", "id": 230,
                            "legalName": "Dirección General de Tecnologías de la Información"},
             "address": {"region": "Ciudad de México"}},
            {"id": "RFC-INA1402082Z8", "name": "INAI", "roles": ["Entidad que realiza la contratación"],
             "identifier": {"scheme": "RFC", "id": "INA1402082Z8",
                            "legalName": "Instituto Nacional de Transparencia, Acceso a la Información y "
                                         "Protección de Datos Personales"}},
            {"id": "RFC-ATR020709BP7", "name": "American Trust Register", "roles": ["Proveedor o contratista"],
             "identifier": {"scheme": "RFC", "id": "ATR020709BP7", "legalName": "American Trust Register SC"}},
            {"id": "RFC-GFM010122DZ9", "name": "Grúas Fletes", "roles": ["Participante"],
             "identifier": {"scheme": "RFC", "id": "GFM010122DZ9"}},
        ],
        "tender": {"id": "T-1", "title": "Servicio", "procuringEntity": {"name": "INAI", "id": "RFC-INA1402082Z8"}},
        "awards": [{"id": "OA/A001", "suppliers": [{"id": "RFC-ATR020709BP7"}], "date": "2017-07-01"},
                   {"id": "OA/A002", "suppliers": [{"id": "RFC-GFM010122DZ9"}], "date": "2017-07-02"}],
        "contracts": [{"awardID": "OA/A001", "title": "Contrato sin id", "dateSigned": "2017-07-21"}],
    }


def test_ocds_read_fully_roles_procuring_entity_rfc_schemes_and_units():
    record = normalize(json.dumps(_inai_like_release()).encode(), CTX)
    by_ref = {e.ref: e for e in record.entities}
    roles = {(by_ref[r.source].name, r.props["role"]) for r in record.relations if r.type == "BUYER_OF"}
    assert roles == {("DGTI", "buyer"), ("INAI", "procuringEntity")}
    part_of = {(by_ref[r.source].name, by_ref[r.target].name) for r in record.relations if r.type == "PART_OF"}
    assert part_of == {("DGTI", "INAI")}  # a directorate as buyer is a unit of the procuring institution
    supplier = next(e for e in record.entities if e.name == "American Trust Register")
    assert supplier.identifiers == {"rfc": "ATR020709BP7"} and supplier.key is None
    assert supplier.props["legal_name"] == "American Trust Register SC"
    tenderers = {by_ref[r.source].name for r in record.relations if r.type == "TENDERED"}
    assert tenderers == {"Grúas Fletes"}


def test_contract_without_id_is_kept_and_awards_without_contract_are_awards():
    record = normalize(json.dumps(_inai_like_release()).encode(), CTX)
    contracts = [e for e in record.entities if e.schema_ == "Contract"]
    awards = [e for e in record.entities if e.schema_ == "Award"]
    assert [c.key for c in contracts] == ["ocds:PC-9001/contract/award-OA/A001"]
    assert contracts[0].props["id_derived"] is True
    assert [a.key for a in awards] == ["ocds:PC-9001/award/OA/A002"]
    assert record.warnings and "has no 'id'" in record.warnings[0]
    again = normalize(json.dumps(_inai_like_release()).encode(), CTX)
    assert [c.key for c in again.entities if c.schema_ == "Contract"] == [contracts[0].key]  # stable
    without_award = _inai_like_release()
    without_award["contracts"][0].pop("awardID")
    derived = {e.key for e in normalize(json.dumps(without_award).encode(), CTX).entities if e.schema_ == "Contract"}
    assert len(derived) == 1 and next(iter(derived)).startswith("ocds:PC-9001/contract/h-")


def test_releases_of_one_ocid_in_separate_files_are_compiled_together(tmp_path):
    base = {"ocid": "ocds-sep", "initiationType": "tender"}
    (tmp_path / "a-tender.json").write_text(json.dumps({"releases": [{
        **base, "id": "1", "date": "2020-01-01T00:00:00Z", "tag": ["tender"], "tender": {"id": "t", "title": "X"}}]}))
    (tmp_path / "b-award.json").write_text(json.dumps({"releases": [{
        **base, "id": "2", "date": "2020-02-01T00:00:00Z", "tag": ["award"],
        "awards": [{"id": "a1", "suppliers": [{"name": "Uno SA"}]}]}]}))
    (tmp_path / "c-contract.json").write_text(json.dumps({"releases": [{
        **base, "id": "3", "date": "2020-03-01T00:00:00Z", "tag": ["contract"],
        "contracts": [{"id": "c1", "awardID": "a1"}]}]}))
    (tmp_path / "empty.json").write_text("")
    pairs = list(SOURCE.read_many(sorted(tmp_path.glob("*.json"))))
    good = [r for _, r in pairs if H_ERROR not in r.headers]
    broken = [r for _, r in pairs if H_ERROR in r.headers]
    assert [r.key for r in good] == ["ocds-sep"] and "3 files" in good[0].locator
    assert len(broken) == 1 and "empty file" in broken[0].headers[H_ERROR]
    record = normalize(good[0].value, CTX)
    assert [e.key for e in record.entities if e.schema_ in ("Contract", "Award")] == ["ocds:ocds-sep/contract/c1"]


def test_scenario_publishers_give_every_process_and_contract():
    """The 28 processes and 38 contracts of the independent scenarios' real OCDS (one contract without id)."""
    root = shared("scenarios", "ocds")
    files = sorted(p for p in root.rglob("*.json"))
    processes, contracts = set(), set()
    for _, raw in SOURCE.read_many(files):
        assert H_ERROR not in raw.headers, raw.headers
        record = normalize(raw.value, CTX)
        processes.add(record.record_id)
        contracts |= {e.key for e in record.entities if e.schema_ == "Contract"}
    assert (len(processes), len(contracts)) == (28, 38)


def test_awards_without_an_id_or_with_a_repeated_one_keep_their_suppliers():
    release = {"ocid": "ocds-aw", "date": "2021-01-01T00:00:00Z", "tag": ["award"],
               "buyer": {"id": "B", "name": "Municipio de Ejemplo"},
               "awards": [{"title": "Lote 1", "suppliers": [{"name": "Uno SA"}]},
                          {"id": 7, "title": "Lote 2", "suppliers": [{"name": "Dos SA"}]},
                          {"id": "7", "title": "Lote 3", "suppliers": [{"name": "Tres SA"}]}],
               "contracts": [{"id": "C", "awardID": " 7 "}]}
    record = normalize(json.dumps(release).encode(), CTX)
    supplied = {}
    names = {e.ref: e.name for e in record.entities}
    keys = {e.ref: e.key for e in record.entities}
    for r in record.relations:
        if r.type == "SUPPLIES":
            supplied[names[r.source]] = keys[r.target]
    assert supplied["Dos SA"] == "ocds:ocds-aw/contract/C"  # the contract implements award 7
    assert supplied["Uno SA"].startswith("ocds:ocds-aw/award/h-")
    assert supplied["Tres SA"] == "ocds:ocds-aw/award/7~2"
    assert len([w for w in record.warnings if "awards[" in w]) == 2
    again = normalize(json.dumps(release).encode(), CTX)  # the derived id is stable
    assert {e.key for e in again.entities} == {e.key for e in record.entities}
