"""The lifecycle every Cardinal indicator shares: take a compiled release, merge partial results, finish.

Cardinal folds the lines of a file into partial accumulators in parallel, reduces them into one
and finalizes it. Indicators that judge one contracting process at a time write their result in
``fold``; indicators that compare organizations or processes with each other (quartiles, fences)
keep partial counts in ``fold``, merge them in ``reduce`` and write results in ``finalize``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar, TypeVar

from engine.detection.cardinal.settings import Settings

__all__ = ["GROUPS", "Accumulator", "Fraction", "Indicator", "Release"]

Release = dict[str, Any]
"""An OCDS compiled release, as parsed from one line of JSON."""

GROUPS = ("OCID", "Buyer", "ProcuringEntity", "Tenderer")
"""What a result is about: a contracting process, a buyer, a procuring entity or a tenderer."""

T = TypeVar("T")


@dataclass
class Fraction:
    """A count of matching cases over all cases; merging two adds numerators and denominators (the mediant)."""

    numerator: int = 0
    denominator: int = 0

    def __iadd__(self, other: Fraction) -> Fraction:
        self.numerator += other.numerator
        self.denominator += other.denominator
        return self

    @property
    def ratio(self) -> float:
        return ieee_divide(float(self.numerator), float(self.denominator))


def ieee_divide(numerator: float, denominator: float) -> float:
    """Divide as IEEE 754 (and Rust) do: by zero gives an infinity or NaN, never an exception."""
    if denominator == 0:
        if numerator == 0 or math.isnan(numerator):
            return math.nan
        return math.copysign(math.inf, numerator) * math.copysign(1.0, denominator)
    return numerator / denominator


@dataclass
class Accumulator:
    """Results so far, plus the working state indicators share or keep between fold and finalize."""

    results: dict[str, dict[str, dict[str, float]]] = field(default_factory=lambda: {g: {} for g in GROUPS})
    meta: dict[str, dict[str, float]] = field(default_factory=dict)
    # Cardinal compares money only in one currency: the configured one, else the first one observed.
    currency: str | None = None
    partials: dict[str, Any] = field(default_factory=dict)

    def set_result(self, group: str, key: str, code: str, value: float) -> None:
        self.results[group].setdefault(key, {})[code] = float(value)

    def set_meta(self, code: str, key: str, value: float) -> None:
        self.meta.setdefault(code, {})[key] = value

    def partial(self, key: str, factory: Callable[[], T]) -> T:
        """The working state stored under ``key``, created on first use."""
        if key not in self.partials:
            self.partials[key] = factory()
        return self.partials[key]

    def is_main_currency(self, currency: str, configured: str | None) -> bool:
        if self.currency is None:
            self.currency = configured if configured is not None else currency
        return currency == self.currency

    def merge_results(self, other: Accumulator) -> None:
        """Merge what Cardinal's reduce merges before calling each indicator's own reduce."""
        for group in ("OCID", "Tenderer"):
            for key, values in other.results[group].items():
                self.results[group].setdefault(key, {}).update(values)

    def output(self, include_meta: bool = False) -> dict[str, Any]:
        """Cardinal's output: non-empty groups only; with ``Meta`` rounded to 4 decimals when asked."""
        output: dict[str, Any] = {group: self.results[group] for group in GROUPS if self.results[group]}
        if include_meta:
            output["Meta"] = {code: {k: _round4(v) for k, v in values.items()} for code, values in self.meta.items()}
        return output


def _round4(value: float) -> float | None:
    if math.isnan(value):
        return None  # serde_json writes NaN as null
    if math.isinf(value):
        return value
    # Rust's f64::round rounds half away from zero, unlike Python's round().
    return float(Decimal(value * 10_000.0).quantize(Decimal(1), rounding=ROUND_HALF_UP)) / 10_000.0


class Indicator:
    """One Cardinal indicator. Subclasses set ``code`` and override the lifecycle steps they need."""

    code: ClassVar[str]
    # R024 and R058 read the second-lowest bid ratios, which must be folded before them.
    requires_second_lowest_bid_ratio: ClassVar[bool] = False

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def fold(self, accumulator: Accumulator, release: Release, ocid: str) -> None:
        """Take one compiled release that passed the global exclusions."""

    def reduce(self, accumulator: Accumulator, other: Accumulator) -> None:
        """Merge the partial state of ``other`` into ``accumulator``."""

    def finalize(self, accumulator: Accumulator) -> None:
        """Write the results that need every release to have been folded."""
