"""A phonetic key for Spanish words, for blocking.

Spanish spelling is close to pronunciation, but Mexican Spanish merges b/v, s/z/c(e,i),
j/g(e,i)/x, y/ll, silent h, and data entry drops or doubles letters. The key keeps the
first sound and the consonant skeleton, so that GONZÁLEZ, GONSALES and GONZALES agree.
"""

from __future__ import annotations

import re
from functools import lru_cache

from engine.entity_resolution.text import fold

__all__ = ["spanish_key"]

_RULES: tuple[tuple[str, str], ...] = (
    (r"QU(?=[EI])", "K"),
    (r"GU(?=[EI])", "9"),  # hard G kept apart from the G-before-E/I rule below
    (r"GÜ|GU(?=[AO])", "GW"),
    (r"C(?=[EI])", "S"),
    (r"G(?=[EI])", "J"),
    (r"CH", "0"),  # one sound; a placeholder that survives the vowel and H rules
    (r"LL", "Y"),
    (r"Ñ", "NY"),
    (r"^X", "S"),
    (r"X", "J"),
    (r"C|Q|K", "K"),
    (r"Z", "S"),
    (r"V|W", "B"),
    (r"H", ""),
    (r"PS", "S"),
    (r"M(?=[BP])", "N"),
    (r"9", "G"),
)
_COMPILED = tuple((re.compile(pattern), repl) for pattern, repl in _RULES)
_VOWELS = re.compile(r"[AEIOUY]")
_REPEATS = re.compile(r"(.)\1+")


@lru_cache(maxsize=200_000)
def spanish_key(word: str) -> str:
    """The phonetic key of one word: its first sound, then its consonants, repeats collapsed.

    >>> spanish_key("González") == spanish_key("GONSALES") == spanish_key("Gonzales")
    True
    >>> spanish_key("Hernández") == spanish_key("Ernandes")
    True
    """
    w = fold(word).replace(" ", "")
    if not w:
        return ""
    w = _REPEATS.sub(r"\1", w.replace("LL", "Y"))
    for pattern, repl in _COMPILED:
        w = pattern.sub(repl, w)
    if not w:
        return ""
    head, tail = w[0], _VOWELS.sub("", w[1:])
    if head in "AEIOUY":
        head = "A"  # initial vowels are often confused after a dropped H
    return _REPEATS.sub(r"\1", head + tail)
