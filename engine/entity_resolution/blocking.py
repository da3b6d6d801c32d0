"""Blocking keys: which known entities a new mention is compared with.

A mention gets several keys; two mentions are candidates when they share any. Recall
comes from the variety: identifiers catch renamed companies, name-token keys catch
identical spellings, Spanish phonetic keys catch typos, the RFC's name-and-date stem
catches a mention without RFC whose name and birth date spell one, and the postcode with
the house number or the street's first word catches a misspelt name at the same address.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.entity_resolution.compare import known_date
from engine.entity_resolution.identifiers import rfc_company_letters, rfc_person_letters
from engine.entity_resolution.phonetic import spanish_key

if TYPE_CHECKING:
    from engine.entity_resolution.records import Record

__all__ = ["keys_for", "IDENTIFIER_PREFIXES", "WORD_PAIR_PREFIX"]

IDENTIFIER_PREFIXES = ("rfc:", "curp:", "stem:")
WORD_PAIR_PREFIX = "ww:"  # two words of a person's name, whatever their roles


def _last(unit: str) -> str:
    return unit.rsplit(" ", 1)[-1] if unit else ""


def _pairs(keys: set[str], prefix: str, values: set[str]) -> None:
    ordered = sorted(values)
    for i, x in enumerate(ordered):
        for y in ordered[i + 1 :]:
            keys.add(f"{prefix}{x}|{y}")


def _person_keys(r: Record, keys: set[str]) -> None:
    known = known_date(r)
    day = known.strftime("%y%m%d") if known else ""
    words = {_last(u) for p in r.persons for u in (p.paternal, p.maternal, *p.given.split())} - {""}
    # any two words of the name, whatever their roles: a misread order still meets
    _pairs(keys, WORD_PAIR_PREFIX, {spanish_key(w) for w in words} - {""})
    # two words by their letters in any order: "EPDRO" is "PEDRO" typed fast
    _pairs(keys, "wl:", {"".join(sorted(w)) for w in words if len(w) > 3})
    for p in r.persons:
        g = spanish_key(p.first_given)
        pat, mat = spanish_key(_last(p.paternal)), spanish_key(_last(p.maternal))
        if pat and mat:
            keys.add(f"pm:{pat}|{mat}")
        if g and pat:
            keys.add(f"gp:{g}|{pat}")
        if g and mat:
            keys.add(f"gm:{g}|{mat}")
        if day and p.first_given:
            keys.add(f"dg:{day}|{p.first_given[0]}")
        if day and p.paternal:
            keys.add(f"dp:{day}|{p.paternal[0]}")
        letters = rfc_person_letters(p.given, p.paternal, p.maternal)
        if letters and day:
            keys.add(f"stem:{letters}{day}")


def _company_keys(r: Record, keys: set[str]) -> None:
    assert r.company is not None
    words = r.company.significant
    if not words:
        return
    if len(words) == 1:
        keys.add(f"c1:{words[0]}")
        keys.add(f"c1k:{spanish_key(words[0])}")
    else:
        keys.add(f"c2:{words[0]}|{words[1][:3]}")
        keys.add(f"c2k:{spanish_key(words[0])}|{spanish_key(words[1])[:2]}")
    if len(words) >= 3:
        keys.add(f"c23:{words[1][:4]}|{words[2][:3]}")
    compact = r.name.replace(" ", "")
    if len(compact) >= 6:
        keys.add(f"cx:{compact[:8]}")
        head = compact[:10]
        keys.add(f"cd:{head}")
        for i in range(len(head)):  # one typo in the first ten letters: both sides lose that letter and meet
            keys.add(f"cd:{head[:i]}{head[i + 1 :]}")
    if r.birth_date:
        keys.add(f"stem:{rfc_company_letters(r.company.name)}{r.birth_date.strftime('%y%m%d')}")


def _address_keys(r: Record, keys: set[str]) -> None:
    """Postcode with the house number, and postcode with the street's first word: the same place however the
    name is misspelt (a person's surname mistyped, a company renamed)."""
    if r.address is None or not r.address.postcode:
        return
    words = r.address.text.split()
    code = r.address.postcode
    number = next((w for w in words if w.isdigit() and w != code), "")
    street = next((w for w in words if w.isalpha() and len(w) > 2 and w not in _STREET_TYPES), "")
    if number:
        keys.add(f"an:{code}|{number}")
    if street:
        keys.add(f"aw:{code}|{street[:4]}")


_STREET_TYPES = frozenset("CALLE AVENIDA BOULEVARD CALZADA PRIVADA CERRADA ANDADOR RETORNO CIRCUITO PROLONGACION "
                          "CALLEJON PEATONAL VIADUCTO CORREDOR PERIFERICO DIAGONAL EJE CONTINUACION AMPLIACION "
                          "NUMERO INTERIOR EXTERIOR EDIFICIO DEPARTAMENTO COLONIA".split())


def keys_for(r: Record) -> tuple[str, ...]:
    """All blocking keys of a record, sorted (the order does not matter, determinism does)."""
    keys: set[str] = set()
    if r.rfc is not None:
        keys.add(f"rfc:{r.rfc.value}")
        keys.add(f"stem:{r.rfc.value[:10] if r.rfc.kind == 'person' else r.rfc.value[:9]}")
    if r.curp is not None:
        keys.add(f"curp:{r.curp.value}")
        keys.add(f"stem:{r.curp.value[:10]}")
    if r.company is not None:
        _company_keys(r, keys)
    else:
        _person_keys(r, keys)
    _address_keys(r, keys)
    return tuple(sorted(f"{r.kind[0]}/{k}" for k in keys))
