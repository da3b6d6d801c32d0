"""RFC and CURP parsing with python-stdnum: a bad check digit weakens, never discards."""

from __future__ import annotations

from datetime import date

import pytest

from engine.entity_resolution.identifiers import parse_curp, parse_rfc


@pytest.mark.parametrize(
    ("raw", "value", "kind", "checksum_ok", "born"),
    [
        ("GFM010122DZ9", "GFM010122DZ9", "company", True, date(2001, 1, 22)),
        ("gfm-010122-dz9", "GFM010122DZ9", "company", True, date(2001, 1, 22)),
        ("EAM9803104KO", "EAM9803104KO", "company", False, date(1998, 3, 10)),
        ("GODE561231GR8", "GODE561231GR8", "person", True, date(1956, 12, 31)),
        ("VACE460910SX6", "VACE460910SX6", "person", False, date(1946, 9, 10)),
    ],
)
def test_valid_rfcs(raw, value, kind, checksum_ok, born):
    rfc = parse_rfc(raw)
    assert rfc is not None
    assert (rfc.value, rfc.kind, rfc.checksum_ok, rfc.date) == (value, kind, checksum_ok, born)


@pytest.mark.parametrize("raw", ["", "GODE561231", "95F5D7F5DD77D73E3232026B4732232A", "XXXXXXXXXXXX", None, 12])
def test_not_rfcs(raw):
    assert parse_rfc(raw) is None


def test_curp():
    curp = parse_curp("BOXW310820HNERXN09")
    assert curp is not None and curp.checksum_ok
    assert parse_curp("BOXW310820HNERXN08").checksum_ok is False  # type: ignore[union-attr]
    assert parse_curp("not a curp") is None
