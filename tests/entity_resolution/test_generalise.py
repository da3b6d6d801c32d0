"""Real-world properties the resolver was not tuned on: nicknames, middle names, long and short forms of an
organisation, divisions and agencies, branches at other sites, and people read from "companies"."""

from __future__ import annotations

import pytest

from engine.entity_resolution.compare import company_name, legal_form, person_name
from engine.entity_resolution.given_names import variants
from engine.entity_resolution.records import Mention, prepare
from engine.entity_resolution.resolver import Resolver
from engine.entity_resolution.text import fold

from .factory import company, person, rfc


@pytest.mark.parametrize(("a", "b"), [
    ("Bill", "William"), ("Peggy", "Margaret"), ("Bob", "Robert"),
    ("Pepe", "José"), ("Paco", "Francisco"), ("Lupe", "Guadalupe"), ("Chucho", "Jesús"), ("Memo", "Guillermo"),
])
def test_nicknames_are_variants_of_their_names(a, b):
    assert variants(fold(a), fold(b))


@pytest.mark.parametrize(("a", "b"), [("Henry", "William"), ("Pepe", "Francisco"), ("Maria", "Martha")])
def test_other_names_are_not_variants(a, b):
    assert not variants(a.upper(), b.upper())


@pytest.mark.parametrize(("a", "b", "level"), [
    ("bill aitken", "william aitken", "nickname"),
    ("Pepe Pérez García", "José Pérez García", "nickname"),
    ("william aitken", "william costen aitken", "middle_names"),
    ("j. currie elles", "james elles", "given_partial"),
    ("John R. Cockrell, Jr.", "John Cockrell", "given_partial"),
    ("rt. hon. john pelham", "john pelham", "maternal_missing"),  # titles dropped; one surname each
    ("georgr sewell", "george sewell", "maternal_missing"),  # a typo in the given name
    # the Mexican rules stand: surnames in the other order are another person
    ("José Luis Pérez García", "José Luis García Pérez", "swapped"),
])
def test_person_name_levels(a, b, level):
    got = person_name(prepare(person(a)), prepare(person(b)))
    assert got is not None and got.level == level, got


@pytest.mark.parametrize(("a", "b", "level"), [
    ("Stanford University", "The Board of Trustees of the Leland Stanford Junior University", "subset"),
    ("University of Florida", "Florida University", "same_words"),
    ("IBM", "International Business Machines Corporation", "acronym"),
    ("Univ. of Medicine & Dentistry of N.J.", "Dentistry and Medicine University of NJ", "same_words"),
    ("American Coating Technologies Inc.", "American Coating Technology, Inc.", "same_words"),
    # one stem with another ending is one word; a shorter shared start is not
    ("Ramot University Authority for Applied Research and Industry Development Ltd.",
     "Ramot University Authority for Applied Research & Industrial Development Ltd.", "same_words"),
    ("Soluciones Tecnológicas del Norte SA de CV", "Soluciones Tecnología del Norte SA de CV", "same_words"),
    ("Servicios Integrales del Bajío SA de CV", "Servicios Integradores del Bajío SA de CV", "word_differs"),
    ("Nissan Motor Co., Ltd.", "Nissan Motor Company Limited", "exact"),
    ("The Palm", "Palm, The", "exact"),
    # one distinctive word each: divisions and agencies that share a long wording
    ("The United States of America as represented by the Secretary of the Navy",
     "The United States of America as represented by the Secretary of the Army", "word_differs"),
    ("GEN DYNAMICS POMONA DIV", "GEN DYNAMICS SPACE SYSTEMS DIV", "word_differs"),
    ("General Dynamics", "General Dynamics Pomona Division", "subset_unit"),
])
def test_company_name_levels(a, b, level):
    got = company_name(prepare(company(a)), prepare(company(b)))
    assert got is not None and got.level == level, got


@pytest.mark.parametrize(("a", "b", "level"), [
    # designators of one kind of entity, written interchangeably
    ("General Foods Corporation", "General Foods Company", "compatible"),
    ("American Fence Co.", "American Fence Inc.", "compatible"),
    ("Nissan Motor Co., Ltd.", "Nissan Motor Limited", "compatible"),
    ("Acme Corp.", "Acme Corporation", "same"),
    # other kinds of entity stay different
    ("Acme LLC", "Acme Inc.", "different"),
    ("Acme Ltd.", "Acme Inc.", "different"),
    ("Comercializadora Azteca SA de CV", "Comercializadora Azteca SC", "different"),
])
def test_legal_form_levels(a, b, level):
    got = legal_form(prepare(company(a)), prepare(company(b)))
    assert got is not None and got.level == level, got


def test_divisions_stay_apart_and_a_long_form_meets_its_short_form():
    r = Resolver()
    navy = [r.resolve(company(f"The United States of America as represented by the Secretary of the {w}"))
            for w in ("Navy", "Navy", "Army")]
    assert navy[0].entity_id == navy[1].entity_id != navy[2].entity_id
    pomona = r.resolve(company("General Dynamics Corporation Pomona Division"))
    space = r.resolve(company("General Dynamics Corp. Space Systems Division"))
    assert pomona.entity_id != space.entity_id


def test_another_site_of_a_name_is_another_organisation_unless_an_identifier_says_so():
    r = Resolver()
    la = r.resolve(company("Hard Rock Cafe", address="8600 Beverly Blvd., Los Angeles", phone="310/276-7605"))
    ny = r.resolve(company("Hard Rock Cafe", address="221 W. 57th St., New York", phone="212/489-6565"))
    again = r.resolve(company("hard rock cafe", address="8600 beverly blvd, los angeles", phone="310-276-7605"))
    assert la.entity_id != ny.entity_id and again.entity_id == la.entity_id
    a, b = (r.store.mention(x.mention_id) for x in (la, ny))
    assert a is not None and b is not None
    parts = {name: (c, w) for name, c, w in r.model.score(a, b).parts}
    assert parts["site"][0].level == "other_site" and "another site" in parts["site"][0].detail
    assert r.model.score(a, b).weight <= -20
    r2 = Resolver()
    one = rfc("HRC900101AB")
    a = r2.resolve(company("Hard Rock Cafe", rfc=one, address="8600 Beverly Blvd.", phone="310/276-7605"))
    b = r2.resolve(company("Hard Rock Cafe", rfc=one, address="221 W. 57th St.", phone="212/489-6565"))
    assert a.entity_id == b.entity_id


def test_two_businesses_at_one_address_and_phone_stay_two():
    r = Resolver()
    a = r.resolve(company("Bistro", address="3400 Las Vegas Blvd. S, Las Vegas", phone="702/791-7111"))
    b = r.resolve(company("Mikado", address="3400 Las Vegas Blvd. S, Las Vegas", phone="702/791-7111"))
    assert a.entity_id != b.entity_id


@pytest.mark.parametrize("company_first", [True, False])
def test_a_formless_company_read_as_a_person_joins_the_person(company_first):
    r = Resolver()
    supplier = company("GUERRERO ESCAMILLA JOSUE DAVID")  # CompraNet: a natural person without RFC
    sanctioned = person("Josué David Guerrero Escamilla")  # PDN S3
    first, second = (supplier, sanctioned) if company_first else (sanctioned, supplier)
    a, b = r.resolve(first), r.resolve(second)
    assert b.decision == "match" and b.entity_id == a.entity_id
    assert b.entity_kind == first.kind  # the node keeps the entity's label, not the mention's
    assert "read as a person's name" in b.explanation


@pytest.mark.parametrize("company_first", [True, False])
def test_a_sanctioned_person_with_rfc_and_a_rare_surname_joins_the_formless_supplier(company_first):
    """S3 gives the sanctioned person's RFC; the supplier's name has a surname no list holds. The person's RFC
    spells the supplier's name read as a person's (B-E-S-J), not as a company's."""
    r = Resolver()
    supplier = company("BERNI SILVA JULIO")
    sanctioned = person("Julio Berni Silva", rfc=rfc("BESJ850726"))
    first, second = (supplier, sanctioned) if company_first else (sanctioned, supplier)
    a, b = r.resolve(first), r.resolve(second)
    assert b.decision == "match" and b.entity_id == a.entity_id
    assert "read as a person's name" in b.explanation
    other = r.resolve(company("BERNI SOLIS JULIO"))  # another name (the same RFC letters): another person
    assert other.entity_id != a.entity_id


@pytest.mark.parametrize("supplier", [
    company("GUERRERO ESCAMILLA JOSUE DAVID SA DE CV"),  # a legal form: a company
    company("GUERRERO ESCAMILLA JOSUE DAVID", rfc=rfc("GEJ010101AB")),  # a company RFC: a company
    company("CONSTRUCCIONES GUERRERO ESCAMILLA"),  # the words are not a person's name
])
@pytest.mark.parametrize("company_first", [True, False])
def test_no_crossing_with_a_legal_form_or_a_company_rfc(supplier, company_first):
    r = Resolver()
    sanctioned = person("Josué David Guerrero Escamilla")
    first, second = (supplier, sanctioned) if company_first else (sanctioned, supplier)
    a, b = r.resolve(first), r.resolve(second)
    assert a.entity_id != b.entity_id and b.entity_kind == second.kind


def test_a_company_rfc_in_an_entity_keeps_a_person_out():
    r = Resolver()
    r.resolve(company("GUERRERO ESCAMILLA JOSUE DAVID", id="c1"))
    r.resolve(company("GUERRERO ESCAMILLA JOSUE DAVID", id="c2", rfc=rfc("GEJ010101AB")))
    entity = r.entity_of("c1")
    joined = r.resolve(person("Josué David Guerrero Escamilla"))
    assert joined.entity_id != entity or r.entity_of("c2") != entity


def test_a_name_mention_from_a_dict_keeps_its_kind():
    got = Resolver().resolve(Mention.from_dict({"id": "1", "kind": "company", "name": "ACME SA"}))
    assert got.entity_kind == "company"
