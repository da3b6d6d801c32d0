"""Mentions as they arrive, and the prepared record every later stage reads."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import date
from typing import Any

from engine.entity_resolution.addresses import Address, parse_address
from engine.entity_resolution.attributes import ATTRIBUTES, Attribute, parse_attributes
from engine.entity_resolution.companies import CompanyName, parse_company_name
from engine.entity_resolution.contact import (
    normalise_email,
    normalise_identifiers,
    normalise_phone,
    registered_domain,
)
from engine.entity_resolution.identifiers import CURP, RFC, parse_curp, parse_rfc, rfc_person_letters
from engine.entity_resolution.persons import PersonName, all_readings, readings, reads_as_person
from engine.entity_resolution.text import fold

__all__ = ["Mention", "Record", "prepare", "formless_person", "KINDS", "ATTRIBUTES"]

KINDS = ("person", "company")
_STRINGS = ("rfc", "curp", "address", "country", "phone", "email", "website")
_READ = frozenset({"id", "kind", "name", "birth_date", "identifiers", *_STRINGS})


@dataclass(frozen=True, slots=True)
class Mention:
    """One source record's view of a person or company: the stable input of resolution."""

    id: str
    kind: str
    name: str
    rfc: str | None = None
    curp: str | None = None
    birth_date: str | None = None  # ISO date: birth (people) or incorporation (companies)
    address: str | None = None
    country: str | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    identifiers: dict[str, str] = field(default_factory=dict)  # scheme -> value: {"duns": ..., "lei": ...}
    extra: dict[str, Any] = field(default_factory=dict)  # every other key of the input, kept as it came

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Mention:
        """A mention from its JSON form; keys it has no field for are kept in ``extra``, never dropped.

        An ``rfc`` or ``curp`` given among the ``identifiers`` fills the field of that name when it is empty.
        """
        kind = data.get("kind", "")
        if kind not in KINDS:
            raise ValueError(f"mention {data.get('id')!r}: kind must be one of {KINDS}, not {kind!r}")
        raw_ids = data.get("identifiers") or {}
        if not isinstance(raw_ids, dict):
            raise ValueError(f"mention {data.get('id')!r}: identifiers must be an object of scheme -> value")
        identifiers = {str(k).lower(): str(v) for k, v in raw_ids.items() if v not in (None, "")}
        strings = {k: _text(data.get(k)) or _text(identifiers.get(k) if k in ("rfc", "curp") else None)
                   for k in _STRINGS}
        for k in ("rfc", "curp"):
            identifiers.pop(k, None)
        extra = {k: v for k, v in data.items() if k not in _READ and v not in (None, "", [], {})}
        return cls(
            id=str(data["id"]), kind=kind, name=str(data.get("name") or ""),
            birth_date=str(data["birth_date"]) if data.get("birth_date") else None,
            identifiers=identifiers, extra=extra, **strings,
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON form ``from_dict`` reads back: extra keys at the top level, as they came."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "extra":
                out.update({k: v for k, v in value.items() if k not in out})
            elif value not in (None, {}):
                out[f.name] = value
        return out


def _text(value: Any) -> str | None:
    return str(value).strip() or None if value not in (None, "") and not isinstance(value, (dict, list)) else None


@dataclass(frozen=True, slots=True)
class Record:
    """A mention normalised for blocking and comparison."""

    mention: Mention
    name: str  # folded; for companies without the legal form
    company: CompanyName | None
    persons: tuple[PersonName, ...]
    rfc: RFC | None
    curp: CURP | None
    birth_date: date | None
    address: Address | None
    country: str
    phone: str = ""  # digits only
    email: str = ""  # case-folded
    domain: str = ""  # the website's registered domain
    identifiers: tuple[tuple[str, str], ...] = ()  # (scheme, normalised value), sorted
    attributes: tuple[tuple[str, Attribute], ...] = ()  # the known extra attributes, prepared (attributes.py)
    keys: tuple[str, ...] = field(default=())  # blocking keys: indexed, and looked up
    probes: tuple[str, ...] = field(default=())  # looked up only (blocking.probes_for)

    @property
    def id(self) -> str:
        return self.mention.id

    @property
    def kind(self) -> str:
        return self.mention.kind


def _date(raw: str | None) -> date | None:
    if not raw:
        return None
    digits = raw.strip()[:10]
    try:
        if len(digits) == 8 and digits.isdigit():
            return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
        return date.fromisoformat(digits)
    except ValueError:
        return None


def prepare(mention: Mention) -> Record:
    """Normalise every field of a mention and compute its blocking keys."""
    from engine.entity_resolution.blocking import keys_for, probes_for

    company = parse_company_name(mention.name) if mention.kind == "company" else None
    rfc, curp = parse_rfc(mention.rfc), parse_curp(mention.curp)
    persons = _person_readings(mention.name, rfc, curp) if mention.kind == "person" or (
        company is not None and formless_person(company, rfc, mention.name)) else ()
    name = company.name if company else (persons[0].full if persons else fold(mention.name))
    record = Record(
        mention=mention, name=name, company=company, persons=persons,
        rfc=rfc, curp=curp, birth_date=_date(mention.birth_date),
        address=parse_address(mention.address) if mention.address else None,
        country=fold(mention.country or ""),
        phone=normalise_phone(mention.phone), email=normalise_email(mention.email),
        domain=registered_domain(mention.website), identifiers=normalise_identifiers(mention.identifiers),
        attributes=parse_attributes(mention.extra),
    )
    return replace(record, keys=keys_for(record), probes=probes_for(record))


def formless_person(company: CompanyName, rfc: RFC | None, raw: str) -> bool:
    """A "company" that may be a natural person: no legal form, no company RFC (none, or a person's 13-character
    one), and words that read as a person's name (``persons.reads_as_person``)."""
    return not company.legal_form and (rfc is None or rfc.kind == "person") and reads_as_person(raw)


def _person_readings(raw: str, rfc: RFC | None, curp: CURP | None) -> tuple[PersonName, ...]:
    """The likely readings of a person's name; only the one its own RFC or CURP spells, when one does: the
    identifier settles the order ("PALOMINO JAIME SANTIAGO" with CURP PAJS... is Santiago Palomino Jaime)."""
    likely = readings(raw)
    ident = rfc if rfc is not None and rfc.kind == "person" else curp
    if ident is None or not likely:
        return likely
    letters = ident.value[:4]
    if likely[0].order == "comma":
        return likely
    if likely[0].maternal and rfc_person_letters(likely[0].given, likely[0].paternal, likely[0].maternal) == letters:
        return (replace(likely[0], order="identifier", ambiguous=False),)
    spelled = [r for r in all_readings(raw) if rfc_person_letters(r.given, r.paternal, r.maternal) == letters]
    if spelled:  # two surnames first: most people have both, and "RO"+"JA" is also Rocha Jaime, Álvaro
        best = min(spelled, key=lambda r: not r.maternal)
        return (replace(best, order="identifier", ambiguous=False),)
    return likely
