"""The detection patterns, by stable code. Adding a pattern: one module, one line here."""

from __future__ import annotations

from engine.detection.base import Pattern
from engine.detection.patterns.p001_sat69b_supplier import SAT69BSupplier

PATTERNS: dict[str, Pattern] = {
    p.code: p
    for p in (
        SAT69BSupplier(),
    )
}


def get_patterns(codes: list[str] | None = None) -> list[Pattern]:
    if not codes:
        return list(PATTERNS.values())
    unknown = [c for c in codes if c not in PATTERNS]
    if unknown:
        raise ValueError(f"unknown pattern code(s) {', '.join(unknown)} (known: {', '.join(PATTERNS)})")
    return [PATTERNS[c] for c in codes]
