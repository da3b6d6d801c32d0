"""The mention format: new fields, unknown keys kept, snapshots round-trip them, extra attributes compared."""

from __future__ import annotations

from engine.entity_resolution.attributes import ATTRIBUTE_COMPARISONS, ATTRIBUTES
from engine.entity_resolution.compare import COMPARISONS
from engine.entity_resolution.records import Mention, prepare
from engine.entity_resolution.resolver import Resolver
from engine.entity_resolution.store import MemoryStore

ROW = {"id": "US10000128-1", "kind": "person", "name": "William Gibbens Redmann", "address": "Glendale, CA",
       "country": "US", "phone": "818-555-0100", "email": "WGR@Example.com", "website": "www.example.com",
       "identifiers": {"orcid": "0000-0002-1825-0097", "rfc": "REGW800101AB1"}, "employer": "Liberty PlugIns, Inc.",
       "coinventors": ["Chris Outwater"], "filing_date": "2011-03-11", "a_key_nobody_reads": {"x": 1}}


def test_from_dict_reads_the_new_fields_and_keeps_unknown_keys():
    m = Mention.from_dict(ROW)
    assert (m.phone, m.email, m.website, m.country) == ("818-555-0100", "WGR@Example.com", "www.example.com", "US")
    assert m.identifiers == {"orcid": "0000-0002-1825-0097"} and m.rfc == "REGW800101AB1"  # rfc lifted to its field
    assert m.extra["a_key_nobody_reads"] == {"x": 1} and m.extra["employer"] == "Liberty PlugIns, Inc."
    assert Mention.from_dict(m.to_dict()) == m


def test_snapshots_round_trip_the_new_fields(tmp_path):
    r = Resolver()
    r.resolve(ROW)
    assert isinstance(r.store, MemoryStore)
    r.store.save(tmp_path / "snap.json.gz")
    loaded = MemoryStore.load(tmp_path / "snap.json.gz").mention(ROW["id"])
    assert loaded is not None and loaded.mention == Mention.from_dict(ROW)
    assert loaded.email == "wgr@example.com" and loaded.domain == "example.com"


def test_every_known_attribute_has_its_comparison_in_the_table():
    assert set(ATTRIBUTE_COMPARISONS) == {f"attr_{name}" for name in ATTRIBUTES}
    for kind in ("person", "company"):
        assert set(ATTRIBUTE_COMPARISONS) <= set(COMPARISONS[kind])
    for fn in (fn for table in COMPARISONS.values() for fn in table.values()):
        assert fn.__doc__ and fn.__doc__.strip().endswith(".")


def test_extra_attributes_are_compared_by_their_type():
    a = prepare(Mention.from_dict({**ROW, "id": "a"}))
    b = prepare(Mention.from_dict({"id": "b", "kind": "person", "name": "William G. Redmann",
                                   "employer": "LIBERTY PLUGINS INC; The Walt Disney Company",
                                   "coinventors": ["Someone Else", "Chris Outwater"], "filing_date": "2019-01-01"}))
    assert COMPARISONS["person"]["attr_employer"](a, b).level == "same"
    assert COMPARISONS["person"]["attr_coinventors"](a, b).level == "one"
    assert COMPARISONS["person"]["attr_filing_date"](a, b).level == "within_15_years"
    c = prepare(Mention.from_dict({"id": "c", "kind": "person", "name": "x", "employer": "Sony Corporation"}))
    assert COMPARISONS["person"]["attr_employer"](a, c).level == "different"
    assert COMPARISONS["person"]["attr_occupation"](a, c) is None  # not given: not compared
