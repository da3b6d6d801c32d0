"""Phone, e-mail, website and identifier-scheme comparisons, with tables of real-looking values."""

from __future__ import annotations

import pytest

from engine.entity_resolution.contact import email, identifiers, phone, registered_domain, website
from engine.entity_resolution.records import Mention, prepare


def _company(**kw) -> object:
    return prepare(Mention.from_dict({"id": "x", "kind": "company", "name": "ACME", **kw}))


@pytest.mark.parametrize(("a", "b", "level"), [
    ("310/246-1501", "310-246-1501", "same"),  # two guides, two formats
    ("+52 (55) 5128-0000", "55 5128 0000", "same"),  # country code on one side only
    ("5128-0000", "(55) 5128-0000 ext. 12", "same"),  # seven digits meet ten; the extension is not the number
    ("702/385-3232", "702-385-6277", "different"),
    ("702/385-3232", "702-385-3233", "near"),
    ("310/788-", "310-788-1234", None),  # too few digits to be a phone
])
def test_phones_compare_their_trailing_digits(a, b, level):
    got = phone(_company(phone=a), _company(phone=b))
    assert (got.level if got else None) == level


@pytest.mark.parametrize(("a", "b", "level"), [
    ("Compras@Grupo-Acme.com.mx", "compras@grupo-acme.com.mx", "same"),
    ("mailto:ventas@grupo-acme.com.mx", "compras@grupo-acme.com.mx", "same_domain"),
    ("juan.perez@gmail.com", "maria.lopez@gmail.com", "different"),  # a mailbox provider says nothing
    ("ventas@acme.mx", "ventas@otra.mx", "different"),
])
def test_emails_are_case_folded_and_share_only_an_own_domain(a, b, level):
    got = email(_company(email=a), _company(email=b))
    assert got is not None and got.level == level


@pytest.mark.parametrize(("a", "b", "level"), [
    ("https://www.sat.gob.mx/consultas", "sat.gob.mx", "same"),
    ("http://shop.example.co.uk/", "www.example.co.uk", "same"),
    ("www.example.co.uk", "www.other.co.uk", "different"),  # co.uk is a public suffix, not a domain
])
def test_websites_compare_their_registered_domain(a, b, level):
    got = website(_company(website=a), _company(website=b))
    assert got is not None and got.level == level


def test_registered_domain_needs_a_host():
    assert registered_domain("localhost") == "" and registered_domain("") == ""


def test_identifier_schemes_agree_or_conflict_only_on_a_shared_scheme():
    duns = _company(identifiers={"duns": "15-048-3782", "lei": "5493001KJTIIGC8Y1R12"})
    same = _company(identifiers={"DUNS": "150483782"})
    other = _company(identifiers={"duns": "080000000"})
    unrelated = _company(identifiers={"cage": "1ABC2"})
    assert identifiers(duns, same).level == "same"
    assert identifiers(duns, other).level == "different"
    assert identifiers(duns, unrelated) is None


def test_a_shared_phone_blocks_two_spellings_of_a_business():
    a = _company(phone="404/237-2700")
    b = prepare(Mention.from_dict({"id": "y", "kind": "company", "name": "Ritz-Carlton Cafe (Buckhead)",
                                   "phone": "404-237-2700"}))
    assert "c/tel:2372700" in set(a.keys) & set(b.keys)
