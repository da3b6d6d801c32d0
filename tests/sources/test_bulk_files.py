"""Files as publishers hand them out in bulk: gzipped, several documents one after another in one
file, and OCDS in its versioned form. Each is read whole; what cannot be read is dead-lettered with the
reason, and the documents around it are kept."""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path

import pytest

from engine.intake import SUFFIXES, read_files, unzip
from engine.sources.base import H_ERROR, RecordContext, concatenated, files_under, gunzip, inner_suffix
from engine.sources.bods import SOURCE as BODS
from engine.sources.ocds import SOURCE as OCDS
from engine.sources.ocds import is_versioned, normalize, unversion
from engine.sources.pdn_s1 import SOURCE as S1

CTX = RecordContext("test", "", None)


def _release(ocid: str, date: str, tag: str, **extra) -> dict:  # type: ignore[no-untyped-def, type-arg]
    return {"ocid": ocid, "id": f"{ocid}-{date}", "date": date, "tag": [tag], **extra}


def _package(*releases: dict) -> dict:  # type: ignore[type-arg]
    return {"uri": "x", "publishedDate": "2021-03-01", "releases": list(releases)}


def _award(ocid: str, supplier: str) -> dict:  # type: ignore[type-arg]
    return _release(ocid, "2021-02-01", "award", buyer={"id": "B", "name": "Secretaría de Salud"},
                    awards=[{"id": "A1", "suppliers": [{"id": "S", "name": supplier}]}])


def _read(path: Path) -> tuple[list[str], list[str]]:
    records = list(OCDS.read(path))
    good = [r.key or "" for r in records if H_ERROR not in r.headers]
    return good, [r.headers[H_ERROR] for r in records if H_ERROR in r.headers]


def test_packages_one_after_another_in_a_json_file(tmp_path):
    # as `ocdskit` and bulk downloads write them: one package per line, or back to back, in a ".json" file
    first, second = _package(_award("ocds-1", "Uno SA")), _package(_award("ocds-2", "Dos SA"))
    (tmp_path / "lines.json").write_text(json.dumps(first) + "\n" + json.dumps(second) + "\n")
    (tmp_path / "glued.json").write_text(json.dumps(first, indent=2) + json.dumps(second))
    for name in ("lines.json", "glued.json"):
        good, bad = _read(tmp_path / name)
        assert good == ["ocds-1", "ocds-2"] and bad == []


def test_a_broken_document_among_others_loses_only_itself_and_what_follows_in_its_text(tmp_path):
    first, third = _package(_award("ocds-1", "Uno SA")), _package(_award("ocds-3", "Tres SA"))
    body = json.dumps(first) + "\n" + '{"releases": [{"ocid": "ocds-2", "tag": ' + "\n" + json.dumps(third)
    (tmp_path / "mixed.json").write_text(body)
    good, bad = _read(tmp_path / "mixed.json")
    assert good == ["ocds-1"]
    assert len(bad) == 1 and "document 2, line 2" in bad[0] and "not valid JSON" in bad[0]


def test_concatenated_splits_exactly_and_says_where():
    body = ' {"a": 1}\n\n[1, 2]{"b": "}{"}\n"text"'
    assert list(concatenated(body)) == [('{"a": 1}', "document 1, line 1"), ("[1, 2]", "document 2, line 3"),
                                        ('{"b": "}{"}', "document 3, line 3"), ('"text"', "document 4, line 4")]
    assert list(concatenated('{"a": 1} {"b": ')) == [('{"a": 1}', "document 1, line 1"),
                                                     ('{"b": ', "document 2, line 1")]


def test_gzipped_files_read_as_the_files_they_hold(tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    packed = tmp_path / "packed"
    packed.mkdir()
    package = json.dumps(_package(_award("ocds-1", "Uno SA"), _award("ocds-2", "Dos SA")))
    lines = json.dumps(_award("ocds-3", "Tres SA")) + "\n" + json.dumps(_award("ocds-4", "Cuatro SA")) + "\n"
    (plain / "p.json").write_text(package)
    (plain / "l.jsonl").write_text(lines)
    (packed / "p.json.gz").write_bytes(gzip.compress(package.encode()))
    # two gzip members one after another (as `cat a.gz b.gz` makes) are one file
    (packed / "l.jsonl.gz").write_bytes(gzip.compress(lines[:lines.index("\n") + 1].encode())
                                        + gzip.compress(lines[lines.index("\n") + 1:].encode()))
    (packed / "notes.txt.gz").write_bytes(gzip.compress(b"not for this source"))
    found = list(files_under([packed], SUFFIXES["ocds"]))
    assert [p.name for p in found] == ["l.jsonl.gz", "p.json.gz"]
    assert inner_suffix(packed / "l.jsonl.gz") == ".jsonl"
    for name in ("p.json", "l.jsonl"):
        assert [r.value for r in OCDS.read(plain / name)] == [r.value for r in OCDS.read(packed / f"{name}.gz")]
    assert _read(packed / "l.jsonl.gz") == (["ocds-3", "ocds-4"], [])


def test_damaged_and_oversized_gzip_are_refused_with_the_reason(tmp_path):
    data = gzip.compress(json.dumps(_package(_award("ocds-1", "Uno SA"))).encode())
    (tmp_path / "cut.json.gz").write_bytes(data[: len(data) // 2])
    good, bad = _read(tmp_path / "cut.json.gz")
    assert good == [] and len(bad) == 1 and "cut.json.gz" in bad[0] and "truncated" in bad[0]
    (tmp_path / "noise.json.gz").write_bytes(data[:10] + b"\xff" * 40)
    good, bad = _read(tmp_path / "noise.json.gz")
    assert good == [] and "damaged" in bad[0]
    bomb = gzip.compress(b" " * 5_000_000)
    assert len(bomb) < 10_000
    with pytest.raises(ValueError, match="more than 1,000,000 bytes"):
        gunzip(bomb, limit=1_000_000)
    assert len(gunzip(bomb, limit=5_000_000)) == 5_000_000


def _versions(*values: tuple[str, object]) -> list[dict]:  # type: ignore[type-arg]
    return [{"releaseID": rid, "releaseDate": f"2021-0{i + 1}-01", "releaseTag": ["tender"], "value": v}
            for i, (rid, v) in enumerate(values)]


VERSIONED = {
    "ocid": "ocds-v",
    "initiationType": _versions(("r1", "tender")),
    "buyer": {"id": _versions(("r1", "B1")), "name": _versions(("r1", "SEC. DE SALUD"), ("r2", "Secretaría de Salud"))},
    "tender": {"id": _versions(("r1", "T-1")), "title": _versions(("r1", "Old"), ("r2", "Medicinas"))},
    "parties": [{"id": "S1", "name": _versions(("r2", "Farmacéutica del Norte SA")),
                 "roles": _versions(("r2", ["supplier"]))}],
    "awards": [{"id": "A1", "status": _versions(("r2", "active")),
                "suppliers": _versions(("r2", [{"id": "S1", "name": "Farmacéutica del Norte SA"}]))}],
}


def test_a_versioned_release_is_read_as_its_latest_values(tmp_path):
    assert is_versioned(VERSIONED) and not is_versioned(unversion(VERSIONED))
    latest = unversion(VERSIONED)
    assert latest["tender"] == {"id": "T-1", "title": "Medicinas"}
    assert latest["awards"][0]["suppliers"] == [{"id": "S1", "name": "Farmacéutica del Norte SA"}]
    (tmp_path / "v.json").write_text(json.dumps(VERSIONED))
    (record,) = OCDS.read(tmp_path / "v.json")
    rec = normalize(record.value, CTX)
    names = {e.schema_: e.name for e in rec.entities}
    assert names["ContractingProcess"] == "Medicinas"
    assert names["PublicBody"] == "Secretaría de Salud"
    assert names["Company"] == "Farmacéutica del Norte SA"
    assert {r.type for r in rec.relations} >= {"BUYER_OF", "AWARDED", "SUPPLIES"}


def test_a_record_with_only_linked_releases_and_its_versioned_release(tmp_path):
    record = {"ocid": "ocds-v", "releases": [{"url": "https://example.org/r1.json", "date": "2021-01-01",
                                              "tag": ["tender"]}], "versionedRelease": VERSIONED}
    (tmp_path / "rp.json").write_text(json.dumps({"records": [record, {"ocid": "ocds-empty", "releases": []}]}))
    good, bad = _read(tmp_path / "rp.json")
    assert good == ["ocds-v"]
    assert len(bad) == 1 and "records[1]" in bad[0] and "versionedRelease" in bad[0]


def test_other_json_sources_read_concatenated_documents_too(tmp_path):
    person = {"statementID": "p1", "statementType": "personStatement", "personType": "knownPerson",
              "names": [{"fullName": "Ana Pérez"}]}
    other = {**person, "statementID": "p2", "names": [{"fullName": "Luis Gómez"}]}
    (tmp_path / "bods.json").write_text(json.dumps([person]) + "\n" + json.dumps([other]))
    bods = list(BODS.read(tmp_path / "bods.json"))
    assert bods and not [r for r in bods if H_ERROR in r.headers]
    assert b"Ana P" in b"".join(r.value for r in bods) and b"Luis G" in b"".join(r.value for r in bods)
    page = {"pagination": {"pageSize": 1}, "results": [{"id": "d1"}]}
    (tmp_path / "s1.json").write_text(json.dumps(page) + json.dumps({**page, "results": [{"id": "d2"}]}))
    s1 = list(S1.read(tmp_path / "s1.json"))
    assert len(s1) == 2 and not [r for r in s1 if H_ERROR in r.headers]


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_a_zip_archive_is_read_as_the_files_it_holds(tmp_path):
    # a bulk download: packages in folders, one process's releases in two files, junk beside them
    tender = _release("ocds-x", "2021-01-01", "tender", tender={"id": "T", "title": "Medicinas"})
    award = _award("ocds-x", "Uno SA")
    archive = _zip(tmp_path / "bulk.zip", {
        "2021/tender.json": json.dumps(_package(tender)).encode(),
        "2021/award.json": json.dumps(_package(award)).encode(),
        "2021/more.jsonl.gz": gzip.compress((json.dumps(_award("ocds-y", "Dos SA")) + "\n").encode()),
        "README.txt": b"not OCDS",
        "__MACOSX/2021/._tender.json": b"\x00\x05\x16\x07",
        "../../escaped.json": json.dumps(_package(_award("ocds-z", "Tres SA"))).encode(),
    })
    found = list(files_under([tmp_path], SUFFIXES["ocds"]))
    assert found == [archive]
    records = list(read_files("ocds", found))
    assert not [r for _, r in records if H_ERROR in r.headers]
    assert sorted(r.key or "" for _, r in records) == ["ocds-x", "ocds-y", "ocds-z"]
    compiled = json.loads(next(r.value for _, r in records if r.key == "ocds-x"))
    assert compiled["tender"]["title"] == "Medicinas" and compiled["awards"][0]["id"] == "A1"
    names = {path.name for path, _ in records}
    assert names == {"bulk.zip!tender.json", "bulk.zip!more.jsonl.gz", "bulk.zip!escaped.json"}
    assert not list(tmp_path.parent.glob("escaped.json")) and not Path("escaped.json").exists()
    assert all(not path.exists() for path, _ in records)  # the unpacked copies are gone


def test_damaged_empty_and_oversized_archives_are_refused_with_the_reason(tmp_path):
    good = _zip(tmp_path / "good.zip", {"a.json": json.dumps(_package(_award("ocds-1", "Uno SA"))).encode()})
    (tmp_path / "cut.zip").write_bytes(good.read_bytes()[:40])
    _zip(tmp_path / "other.zip", {"notes.txt": b"nothing for OCDS"})
    records = list(read_files("ocds", [tmp_path / "cut.zip", tmp_path / "other.zip", good]))
    reasons = [r.headers[H_ERROR] for _, r in records if H_ERROR in r.headers]
    assert [r.key for _, r in records if H_ERROR not in r.headers] == ["ocds-1"]
    assert len(reasons) == 2
    assert "cut.zip" in reasons[0] and "damaged" in reasons[0]
    assert "other.zip holds no file of kind ocds" in reasons[1]
    bomb = _zip(tmp_path / "bomb.zip", {"a.json": b" " * 3_000_000})
    assert bomb.stat().st_size < 20_000
    with pytest.raises(ValueError, match="more than 1,000,000 bytes"):
        unzip(bomb, tmp_path / "out", (".json",), limit=1_000_000)
