"""Mexican identifiers (RFC, CURP), validated with python-stdnum.

About 1.5% of RFCs in use carry a wrong check digit, so a failed check digit weakens
an identifier (``checksum_ok=False``) rather than discarding it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from stdnum.exceptions import ValidationError
from stdnum.mx import curp as _curp
from stdnum.mx import rfc as _rfc

_SEPARATORS = re.compile(r"[\s\-_.]")


@dataclass(frozen=True)
class RFC:
    """A Registro Federal de Contribuyentes: 12 characters for companies, 13 for people."""

    value: str
    checksum_ok: bool

    @property
    def kind(self) -> str:
        return "company" if len(self.value) == 12 else "person"

    @property
    def name_part(self) -> str:
        return self.value[:3] if self.kind == "company" else self.value[:4]

    @property
    def date(self) -> date | None:
        """Incorporation (company) or birth (person) date encoded in the RFC."""
        digits = self.value[3:9] if self.kind == "company" else self.value[4:10]
        return _yymmdd(digits)

    @property
    def graph_id(self) -> str:
        return f"mx-rfc:{self.value}"


def parse_rfc(raw: object) -> RFC | None:
    """Return the RFC in ``raw`` if it has a valid format (12 or 13 characters), else None."""
    if not isinstance(raw, str):
        return None
    compact = _SEPARATORS.sub("", raw).upper()
    if len(compact) not in (12, 13):
        return None
    try:
        value = _rfc.validate(compact, validate_check_digits=False)
    except ValidationError:
        return None
    try:
        _rfc.validate(value, validate_check_digits=True)
        ok = True
    except ValidationError:
        ok = False
    return RFC(value, ok)


def _yymmdd(digits: str, today: date | None = None) -> date | None:
    """A two-digit-year date: the latest century that does not put it in the future."""
    today = today or date.today()
    try:
        yy, mm, dd = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
        year = 2000 + yy if 2000 + yy <= today.year else 1900 + yy
        return date(year, mm, dd)
    except ValueError:
        return None


@dataclass(frozen=True)
class CURP:
    value: str
    checksum_ok: bool

    @property
    def graph_id(self) -> str:
        return f"mx-curp:{self.value}"


def parse_curp(raw: object) -> CURP | None:
    """Return the CURP in ``raw`` if its format and embedded date are valid, else None."""
    if not isinstance(raw, str):
        return None
    compact = _SEPARATORS.sub("", raw).upper()
    if len(compact) != 18:
        return None
    try:
        value = _curp.validate(compact, validate_check_digits=False)
    except ValidationError:
        return None
    try:
        _curp.validate(value, validate_check_digits=True)
        ok = True
    except ValidationError:
        ok = False
    return CURP(value, ok)
