"""Folding text for comparison: case, accents, punctuation."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["fold", "tokens"]

_NOT_WORD = re.compile(r"[^A-Z0-9Ñ]+")


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Upper-case ASCII words separated by single spaces; "Ñ" kept, "&" read as "Y".

    >>> fold("Grúas, Fletes & Maniobras, S.A. de C.V.")
    'GRUAS FLETES Y MANIOBRAS S A DE C V'
    """
    text = text.upper().replace("Ñ", "\0").replace("&", " Y ")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).replace("\0", "Ñ")
    return _NOT_WORD.sub(" ", text).strip()


def tokens(text: str) -> list[str]:
    """The folded words of ``text``."""
    folded = fold(text)
    return folded.split() if folded else []
