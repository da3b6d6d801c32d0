"""Addresses, lightly normalised: folded, common abbreviations expanded, postcode picked out."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from engine.entity_resolution.text import fold

__all__ = ["Address", "parse_address"]

_ABBREVIATIONS = {
    "AV": "AVENIDA", "AVE": "AVENIDA", "BLVD": "BOULEVARD", "BLV": "BOULEVARD", "C": "CALLE", "CALZ": "CALZADA",
    "COL": "COLONIA", "FRACC": "FRACCIONAMIENTO", "NO": "NUMERO", "NUM": "NUMERO", "INT": "INTERIOR",
    "EXT": "EXTERIOR", "DEPTO": "DEPARTAMENTO", "DPTO": "DEPARTAMENTO", "EDIF": "EDIFICIO", "PRIV": "PRIVADA",
    "CP": "", "SN": "SIN NUMERO", "ST": "STREET", "RD": "ROAD", "DR": "DRIVE", "PL": "PLACE", "CRES": "CRESCENT",
    "CDMX": "CIUDAD DE MEXICO", "DF": "CIUDAD DE MEXICO",
}
_POSTCODE = re.compile(r"\b(\d{4,5})\b")


@dataclass(frozen=True, slots=True)
class Address:
    text: str
    postcode: str


@lru_cache(maxsize=100_000)
def parse_address(raw: str) -> Address:
    """Fold an address, expand abbreviations and find its postcode (the last 4-5 digit number).

    >>> parse_address("Av. Insurgentes Sur 1605, Col. San José Insurgentes, C.P. 03900, CDMX")
    Address(text='AVENIDA INSURGENTES SUR 1605 COLONIA SAN JOSE INSURGENTES 03900 CIUDAD DE MEXICO', postcode='03900')
    """
    words = [_ABBREVIATIONS.get(w, w) for w in f" {fold(raw)} ".replace(" C P ", " CP ").split()]
    text = " ".join(w for w in words if w)
    codes = _POSTCODE.findall(text)
    return Address(text, codes[-1] if codes else "")
