"""Quantiles against statrs's own test table, and the fused multiply-add Cardinal's fences use."""

from __future__ import annotations

import doctest
import math

import pytest

from engine.detection.cardinal import quartiles
from engine.detection.cardinal.quartiles import fused_multiply_add, lower_fence, percentile, quantile, upper_fence

# statrs src/statistics/slice_statistics.rs, test_quantile_short.
STATRS_DATA = [-1.0, 5.0, 0.0, -3.0, 10.0, -0.5, 4.0, 0.2, 1.0, 6.0]
STATRS_EXACT = [(0.0, -3.0), (1.0, 10.0), (0.7, 137.0 / 30.0), (0.01, -3.0), (0.99, 10.0)]
STATRS_ALMOST = [(0.5, 3.0 / 5.0), (0.2, -4.0 / 5.0), (0.52, 287.0 / 375.0), (0.325, -37.0 / 240.0)]


@pytest.mark.parametrize(("tau", "value"), STATRS_EXACT)
def test_quantile_matches_statrs_exactly(tau: float, value: float) -> None:
    assert quantile(STATRS_DATA, tau) == value


@pytest.mark.parametrize(("tau", "value"), STATRS_ALMOST)
def test_quantile_matches_statrs_within_its_tolerance(tau: float, value: float) -> None:
    assert quantile(STATRS_DATA, tau) == pytest.approx(value, abs=1e-15)


def test_quantile_is_nan_when_undefined() -> None:
    assert math.isnan(quantile([], 0.5))
    assert math.isnan(quantile([1.0], 1.5))
    assert math.isnan(percentile([1.0, 2.0], 101))
    assert percentile([1.0, 2.0, 3.0], 100) == 3.0


def test_quantile_is_not_python_statistics() -> None:
    # R-8 is neither statistics.quantiles' "exclusive" (R-6) nor "inclusive" (R-7) method.
    assert quantile([1.0, 2.0, 3.0, 4.0], 0.25) == pytest.approx(1.4166666666666667)


def test_fused_multiply_add_rounds_once() -> None:
    assert 0.1 * 10.0 - 1.0 == 0.0
    assert fused_multiply_add(0.1, 10.0, -1.0) == 5.551115123125783e-17
    assert math.isnan(fused_multiply_add(math.nan, 1.5, 1.0))
    assert fused_multiply_add(math.inf, 1.5, 1.0) == math.inf


def test_fences() -> None:
    assert upper_fence(0.05, 0.07) == pytest.approx(0.1)
    assert lower_fence(0.05, 0.07) == pytest.approx(0.02)


def test_doctests() -> None:
    assert doctest.testmod(quartiles).failed == 0
