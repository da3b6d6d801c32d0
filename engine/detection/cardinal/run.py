"""Run Cardinal indicators over compiled releases and return Cardinal's output.

``run_indicators`` folds every release into one accumulator and finalizes it. ``fold``, ``reduce``
and ``finalize`` are exposed separately so that chunks of a large file can be folded apart (in
processes or stream partitions) and merged, as Cardinal does with threads.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from engine.detection.cardinal.lifecycle import Accumulator, Indicator
from engine.detection.cardinal.ocds import is_cancelled_contracting_process, matches_procurement_method_details
from engine.detection.cardinal.registry import INDICATORS
from engine.detection.cardinal.second_lowest_bid import SecondLowestBidRatio
from engine.detection.cardinal.settings import Settings, pipe_separated

__all__ = ["build_indicators", "finalize", "fold", "read_jsonl", "reduce", "run_indicators"]

log = logging.getLogger(__name__)


def build_indicators(settings: Settings) -> list[Indicator]:
    """The enabled indicators in Cardinal's order, preceded by the shared computations they need."""
    enabled = [INDICATORS[code](settings) for code in INDICATORS if code in settings.indicators]
    unknown = sorted(set(settings.indicators) - set(INDICATORS))
    if unknown:
        raise ValueError(f"unknown indicator code(s) {', '.join(unknown)} (known: {', '.join(INDICATORS)})")
    shared: list[Indicator] = []
    if any(indicator.requires_second_lowest_bid_ratio for indicator in enabled):
        shared.append(SecondLowestBidRatio(settings))
    return shared + enabled


def fold(releases: Iterable[Any], settings: Settings, indicators: list[Indicator] | None = None) -> Accumulator:
    """Fold releases into a new accumulator, skipping those Cardinal skips before any indicator."""
    indicators = build_indicators(settings) if indicators is None else indicators
    excluded_details = pipe_separated(settings.exclusions.procurement_method_details)
    accumulator = Accumulator()
    for release in releases:
        if not isinstance(release, dict):
            continue
        ocid = release.get("ocid")
        if not isinstance(ocid, str) or is_cancelled_contracting_process(release):
            continue
        if not matches_procurement_method_details(release, frozenset(), excluded_details):
            continue
        for indicator in indicators:
            indicator.fold(accumulator, release, ocid)
    return accumulator


def reduce(accumulator: Accumulator, other: Accumulator, indicators: list[Indicator]) -> Accumulator:
    """Merge ``other`` into ``accumulator``; each OCID is expected in only one of them."""
    accumulator.merge_results(other)
    for indicator in indicators:
        indicator.reduce(accumulator, other)
    if accumulator.currency is None:
        accumulator.currency = other.currency
    return accumulator


def finalize(accumulator: Accumulator, indicators: list[Indicator], include_meta: bool = False) -> dict[str, Any]:
    for indicator in indicators:
        indicator.finalize(accumulator)
    return accumulator.output(include_meta)


def run_indicators(releases: Iterable[Any], settings: Settings, include_meta: bool = False) -> dict[str, Any]:
    """Cardinal's ``indicators`` output, ``{"OCID": {ocid: {code: value}}, "Tenderer": ..., ...}``.

    With ``include_meta``, a ``Meta`` key holds the quartiles and fences used, rounded to 4 decimals.
    """
    indicators = build_indicators(settings)
    return finalize(fold(releases, settings, indicators), indicators, include_meta)


def read_jsonl(path: str | Path) -> Iterator[Any]:
    """The JSON values of a JSON Lines file; blank lines and invalid JSON are skipped, as Cardinal does."""
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                yield json.loads(line, parse_constant=_reject_constant)
            except ValueError as error:
                log.warning("line %d of %s is invalid JSON, skipping: %s", number, path, error)


def _reject_constant(name: str) -> Any:
    # NaN and Infinity are not JSON; Cardinal's parser rejects the line.
    raise ValueError(f"{name} is not valid JSON")
