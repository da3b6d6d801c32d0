"""The one place that calls rapidfuzz: string similarities in [0, 1]."""

from __future__ import annotations

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA, JaroWinkler, Levenshtein

__all__ = ["jaro_winkler", "levenshtein_distance", "ratio", "token_set_ratio", "typo_distance"]


def ratio(a: str, b: str) -> float:
    """Normalised Indel similarity of two strings."""
    return fuzz.ratio(a, b) / 100.0


def token_set_ratio(a: str, b: str) -> float:
    """Similarity of two strings as sets of words, tolerant to word order and extra words."""
    return fuzz.token_set_ratio(a, b) / 100.0


def jaro_winkler(a: str, b: str) -> float:
    """Jaro-Winkler similarity, which rewards a shared beginning (typos tend to come later)."""
    return JaroWinkler.similarity(a, b)


def levenshtein_distance(a: str, b: str) -> int:
    """Number of single-character edits between two strings."""
    return Levenshtein.distance(a, b)


def typo_distance(a: str, b: str, cutoff: int = 3) -> int:
    """Edits (insert, delete, substitute, swap two neighbours) between two strings, capped at ``cutoff + 1``."""
    return OSA.distance(a, b, score_cutoff=cutoff)
