"""Given names and their nicknames and variants: "Bill" is William, "Pepe" is José, "Lupe" is Guadalupe.

English names come from the ``nicknames`` package (Carlton Northern and Nick Crews' hand-curated
list, Apache-2.0); Spanish ones from ``given_names_es.csv`` shipped beside this module (its
header cites its sources). Two given names are variants when one is listed as a nickname of
the other or both are listed as nicknames of one name: "BILL" and "WILL" both stand for
WILLIAM; "HENRY" and "WILLIAM" stand for nothing in common.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

from engine.entity_resolution.text import fold

__all__ = ["stands_for", "variants"]

SPANISH_PATH = Path(__file__).with_name("given_names_es.csv")


@lru_cache(maxsize=1)
def _table() -> dict[str, frozenset[str]]:
    """Every known name -> the canonical names it may stand for (a canonical name stands for itself)."""
    groups: dict[str, set[str]] = defaultdict(set)
    pairs: list[tuple[str, str]] = []
    try:
        from nicknames import NickNamer

        for name, nicks in NickNamer().nickname_lookup.items():
            pairs += [(name, nick) for nick in nicks]
    except ImportError:  # the package is a declared dependency; without it only the Spanish list is known
        pass
    with SPANISH_PATH.open(encoding="utf-8") as f:
        rows = csv.reader(line for line in f if not line.startswith("#"))
        next(rows, None)
        pairs += [(row[0], row[1]) for row in rows if len(row) == 2]
    for name, nick in pairs:
        canonical, short = fold(name), fold(nick)
        if canonical and short and canonical != short:
            groups[canonical].add(canonical)
            groups[short].add(canonical)
    return {name: frozenset(canonicals) for name, canonicals in groups.items()}


@lru_cache(maxsize=50_000)
def stands_for(name: str) -> frozenset[str]:
    """The canonical names a given name may stand for; the name itself when it is not in the lists."""
    folded = fold(name)
    return _table().get(folded, frozenset({folded}))


@lru_cache(maxsize=200_000)
def variants(a: str, b: str) -> bool:
    """Two given names are nicknames or variants of one name ("BILL" / "WILLIAM", "PEPE" / "JOSE").

    >>> variants("Bill", "WILLIAM"), variants("Lupe", "Guadalupe"), variants("Henry", "William")
    (True, True, False)
    """
    if not a or not b:
        return False
    return a == b or bool(stands_for(a) & stands_for(b))
