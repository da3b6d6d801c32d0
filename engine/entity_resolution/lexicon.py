"""Which words are given names and which are surnames, learnt from the SAT 69-B list.

The SAT writes people "PATERNO MATERNO NOMBRE(S)" and their RFC repeats the initials of
each part, so every listed person whose RFC letters agree with that reading teaches us
two surnames and one or more given names. The result ships as ``names.json``; rebuild it
with ``python -m engine.entity_resolution.lexicon ../shared/data``.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections import Counter
from functools import lru_cache
from pathlib import Path

__all__ = ["build_lexicon", "load_lexicon", "LEXICON_PATH"]

LEXICON_PATH = Path(__file__).with_name("names.json")


def build_lexicon(sat69b_csv: Path) -> dict[str, list[str]]:
    """Given names and surnames of the people in the SAT 69-B list whose RFC confirms the reading."""
    from engine.entity_resolution.identifiers import parse_rfc, rfc_person_letters
    from engine.entity_resolution.persons import _units

    text = sat69b_csv.read_bytes().decode("cp1252")
    given: Counter[str] = Counter()
    surnames: Counter[str] = Counter()
    for row in list(csv.reader(io.StringIO(text)))[3:]:
        rfc = parse_rfc(row[1]) if len(row) > 2 else None
        if rfc is None or rfc.kind != "person":
            continue
        units = _units(row[2])
        if len(units) < 3:
            continue
        paternal, maternal, names = units[0], units[1], " ".join(units[2:])
        if rfc_person_letters(names, paternal, maternal) != rfc.name_part:
            continue
        surnames.update(w for w in (paternal, maternal) if " " not in w)
        given.update(w for w in names.split() if len(w) > 1)
    return {
        "given": sorted(w for w, n in given.items() if n > surnames.get(w, 0)),
        "surnames": sorted(w for w, n in surnames.items() if n >= given.get(w, 0)),
    }


@lru_cache(maxsize=1)
def load_lexicon() -> tuple[frozenset[str], frozenset[str]]:
    """The shipped (given names, surnames); empty sets if the file is missing."""
    try:
        data = json.loads(LEXICON_PATH.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return frozenset(), frozenset()
    return frozenset(data["given"]), frozenset(data["surnames"])


if __name__ == "__main__":
    data_dir = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data")
    lexicon = build_lexicon(data_dir / "sat69b" / "Listado_Completo_69-B.csv")
    LEXICON_PATH.write_text(json.dumps(lexicon, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"{len(lexicon['given'])} given names, {len(lexicon['surnames'])} surnames -> {LEXICON_PATH}")
