"""Addresses, lightly normalised: folded, common abbreviations expanded, postcode picked out."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from engine.entity_resolution.text import fold

__all__ = ["Address", "parse_address", "GENERIC_WORDS"]

_ABBREVIATIONS = {
    "AV": "AVENIDA", "AVE": "AVENIDA", "BLVD": "BOULEVARD", "BLV": "BOULEVARD", "C": "CALLE", "CALZ": "CALZADA",
    "COL": "COLONIA", "FRACC": "FRACCIONAMIENTO", "NO": "NUMERO", "NUM": "NUMERO", "INT": "INTERIOR",
    "EXT": "EXTERIOR", "DEPTO": "DEPARTAMENTO", "DPTO": "DEPARTAMENTO", "EDIF": "EDIFICIO", "PRIV": "PRIVADA",
    "CP": "", "SN": "SIN NUMERO", "ST": "STREET", "RD": "ROAD", "DR": "DRIVE", "PL": "PLACE", "CRES": "CRESCENT",
    "CDMX": "CIUDAD DE MEXICO", "DF": "CIUDAD DE MEXICO",
}
_POSTCODE = re.compile(r"\b(\d{4,5})\b")
# words any address may hold: kinds of street and of unit, and the words that introduce a number or a district
GENERIC_WORDS = frozenset("""CALLE AVENIDA BOULEVARD CALZADA PRIVADA CERRADA ANDADOR RETORNO CIRCUITO PROLONGACION
CALLEJON PEATONAL VIADUCTO CORREDOR PERIFERICO DIAGONAL EJE CONTINUACION AMPLIACION CARRETERA NUMERO INTERIOR EXTERIOR
EDIFICIO DEPARTAMENTO COLONIA FRACCIONAMIENTO SIN DE DEL LA LAS LOS EL Y STREET ROAD DRIVE PLACE CRESCENT AVENUE LANE
COURT WAY CLOSE TERRACE PARADE GROVE HIGHWAY THE OF AND UNIT FLAT APARTMENT SUITE FLOOR""".split())


@dataclass(frozen=True, slots=True)
class Address:
    text: str
    postcode: str
    number: str = ""  # the house number: the first number that is not the postcode

    @property
    def core(self) -> str:
        """The words that tell this place from others: the text without words any address may hold."""
        return " ".join(w for w in self.text.split() if w not in GENERIC_WORDS) or self.text


@lru_cache(maxsize=100_000)
def parse_address(raw: str) -> Address:
    """Fold an address, expand abbreviations and find its postcode (the last 4-5 digit number).

    A number that opens the address is a house number, not a postcode ("12224 Ventura Blvd.").

    >>> parse_address("Av. Insurgentes Sur 1605, Col. San José Insurgentes, C.P. 03900, CDMX")  # doctest: +ELLIPSIS
    Address(text='AVENIDA INSURGENTES SUR 1605 COLONIA SAN JOSE INSURGENTES 03900 CIUDAD DE MEXICO', \
postcode='03900', number='1605')
    >>> parse_address("12224 ventura blvd., studio city")
    Address(text='12224 VENTURA BOULEVARD STUDIO CITY', postcode='', number='12224')
    """
    words = [_ABBREVIATIONS.get(w, w) for w in f" {fold(raw)} ".replace(" C P ", " CP ").split()]
    words = [w for w in words if w]
    text = " ".join(words)
    codes = [i for i, w in enumerate(words) if i > 0 and _POSTCODE.fullmatch(w)]
    postcode = words[codes[-1]] if codes else ""
    numbers = [w for i, w in enumerate(words) if w[:1].isdigit() and (not codes or i != codes[-1])]
    return Address(text, postcode, numbers[0] if numbers else "")
