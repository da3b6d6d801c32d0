"""Quartiles and Tukey fences exactly as Cardinal computes them (Rust ``statrs`` and ``f64::mul_add``).

``statrs`` estimates quantiles with the R-8 method (Hyndman & Fan, 1996, "Sample Quantiles in
Statistical Packages", The American Statistician 50(4)): median-unbiased, and different from
Python's ``statistics.quantiles``. Fences use a fused multiply-add, which rounds once; the same
arithmetic done in two steps can differ in the last bit and flip a comparison at the fence.
"""

from __future__ import annotations

import math
import struct
import sys
from collections.abc import Collection
from fractions import Fraction

__all__ = [
    "fused_multiply_add",
    "lower_fence",
    "lower_quartile",
    "percentile",
    "quantile",
    "upper_fence",
    "upper_quartile",
]


def quantile(values: Collection[float], tau: float) -> float:
    """The R-8 sample quantile of ``values`` at ``tau`` in [0, 1]; NaN if empty or out of range.

    >>> quantile([1.0, 99.0, 99.0, 99.0, 99.0], 0.25)
    66.33333333333331
    """
    if not 0.0 <= tau <= 1.0 or not values:
        return math.nan
    ordered = sorted(values)
    h = (len(ordered) + 1.0 / 3.0) * tau + 1.0 / 3.0
    whole = int(h)
    if whole <= 0 or tau == 0.0:
        return _minimum(ordered)
    if whole >= len(ordered) or _ulps_eq(tau, 1.0):
        return _maximum(ordered)
    below, above = ordered[whole - 1], ordered[whole]
    return below + (h - whole) * (above - below)


def lower_quartile(values: Collection[float]) -> float:
    return quantile(values, 0.25)


def upper_quartile(values: Collection[float]) -> float:
    return quantile(values, 0.75)


def percentile(values: Collection[float], p: int) -> float:
    return quantile(values, p / 100.0)


def fused_multiply_add(a: float, b: float, c: float) -> float:
    """``a * b + c`` rounded once, as Rust's ``a.mul_add(b, c)``."""
    if not all(math.isfinite(x) for x in (a, b, c)):
        return a * b + c  # infinities and NaN propagate the same either way
    return float(Fraction(a) * Fraction(b) + Fraction(c))


def upper_fence(q1: float, q3: float) -> float:
    """Q3 + 1.5 IQR."""
    return fused_multiply_add(q3 - q1, 1.5, q3)


def lower_fence(q1: float, q3: float) -> float:
    """Q1 - 1.5 IQR."""
    return fused_multiply_add(q3 - q1, -1.5, q1)


def _minimum(ordered: list[float]) -> float:
    return math.nan if any(math.isnan(x) for x in ordered) else ordered[0]


def _maximum(ordered: list[float]) -> float:
    return math.nan if any(math.isnan(x) for x in ordered) else ordered[-1]


def _ulps_eq(a: float, b: float, max_ulps: int = 4) -> bool:
    """The ``approx`` crate's ``ulps_eq!`` with its defaults (epsilon, then 4 units in the last place)."""
    if abs(a - b) <= sys.float_info.epsilon:
        return True
    if math.copysign(1.0, a) != math.copysign(1.0, b):
        return a == b
    bits_a, bits_b = (struct.unpack("<q", struct.pack("<d", x))[0] for x in (a, b))
    return abs(bits_a - bits_b) <= max_ulps
