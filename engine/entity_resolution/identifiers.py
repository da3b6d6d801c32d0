"""Mexican identifiers (RFC, CURP), validated with python-stdnum.

About 1.5% of RFCs in use carry a wrong check digit, so a failed check digit weakens
an identifier (``checksum_ok=False``) rather than discarding it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

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
    return _parse_rfc(raw)


@lru_cache(maxsize=65_536)  # one RFC is read many times (every mention, every record of its company)
def _parse_rfc(raw: str) -> RFC | None:
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
    def date(self) -> date | None:
        """Birth date encoded in the CURP; its 17th character is a digit before 2000, a letter after."""
        century = 1900 if self.value[16].isdigit() else 2000
        try:
            return date(century + int(self.value[4:6]), int(self.value[6:8]), int(self.value[8:10]))
        except ValueError:
            return None

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


# --- what an RFC says about a name --------------------------------------------------------
# The SAT builds the first letters of an RFC from the name (persons: paternal surname's
# first letter and first inner vowel, maternal surname's first letter, given name's first
# letter; companies: initials of the first words) and the next six digits from the birth
# or incorporation date. Agreement is evidence that a mention with an RFC and one without
# are the same; disagreement is evidence against.

_RFC_SKIP_WORDS = frozenset(
    {"DE", "DEL", "LA", "LAS", "LOS", "EL", "Y", "E", "EN", "A", "AL", "PARA", "POR", "CON", "MC", "MAC", "VAN", "VON",
     "COMPANIA", "CIA", "SOCIEDAD", "SOC", "COOPERATIVA", "COOP", "THE", "OF", "AND"}
)
_VOWELS = "AEIOU"


def rfc_person_letters(given: str, paternal: str, maternal: str) -> str:
    """The four letters the SAT derives from a person's folded name parts ("" if too little is known)."""
    given_words = [w for w in given.split() if w not in _RFC_SKIP_WORDS]
    if len(given_words) > 1 and given_words[0] in {"JOSE", "J", "MARIA", "MA"}:
        given_words = given_words[1:]
    pat = [w for w in paternal.split() if w not in _RFC_SKIP_WORDS]
    mat = [w for w in maternal.split() if w not in _RFC_SKIP_WORDS]
    if not given_words or not pat:
        return ""
    p, g = pat[0].replace("Ñ", "X"), given_words[0].replace("Ñ", "X")
    if not mat:
        return (p[:2] + g[:2]).ljust(4, "X")
    vowel = next((ch for ch in p[1:] if ch in _VOWELS), "X")
    return p[0] + vowel + mat[0][0].replace("Ñ", "X") + g[0]


def rfc_company_letters(name: str) -> str:
    """The three letters the SAT derives from a company's folded name without legal form."""
    words = [w.replace("Ñ", "X") for w in name.split() if w not in _RFC_SKIP_WORDS]
    if not words:
        return ""
    if len(words) >= 3:
        return words[0][0] + words[1][0] + words[2][0]
    if len(words) == 2:
        return words[0][0] + words[1][:2]
    return words[0][:3].ljust(3, "X")


def with_check_digit(rfc_without_digit: str) -> str:
    """Complete an 11- or 12-character RFC stem with its check digit (for generated test data)."""
    stem = rfc_without_digit.upper()
    return stem + _rfc.calc_check_digit(stem)


def curp_with_check_digit(curp_without_digit: str) -> str:
    """Complete a 17-character CURP stem with its check digit (for generated test data)."""
    stem = curp_without_digit.upper()
    return stem + _curp.calc_check_digit(stem)
