"""Golden files: Cardinal's documented examples and its own fixtures, one test per input file.

Fixture settings follow Cardinal's ``build.rs``: the file name ``RNNN[-field-value]`` enables
indicator RNNN (``+`` in a value stands for ``|``; ``-field-k1-v1-k2-v2`` fills a nested map), and
every fixture also runs with ``no_price_comparison_procurement_methods = NPC`` and the exclusion of
procurement method details ``EXC``. A documented example runs with its ``NNN.ini`` if the docs give
one, otherwise with ``settings.ini`` (every indicator enabled).
"""

from __future__ import annotations

import json
from collections import deque
from pathlib import Path

import pytest

from engine.detection.cardinal import Settings, read_jsonl, run_indicators
from tests.conftest import SHARED_DATA, shared

CARDINAL = SHARED_DATA / "cardinal"
EXAMPLES = sorted(path.stem for path in CARDINAL.glob("*.jsonl")) or ["(no data)"]
FIXTURES = sorted(path.stem for path in (CARDINAL / "fixtures").glob("*.jsonl")) or ["(no data)"]


def fixture_settings(stem: str) -> str:
    """The settings Cardinal's build.rs derives from a fixture's file name, written as INI."""
    parts = deque(stem.replace("+", "|").split("-"))
    code = parts.popleft()
    lines = [
        "no_price_comparison_procurement_methods = NPC",
        "[exclusions]",
        "procurement_method_details = EXC",
        f"[{code}]",
    ]
    if len(parts) == 2:
        lines.append(f"{parts[0]} = {parts[1]}")
    elif len(parts) > 2:
        lines.append(f"[{code}.{parts.popleft()}]")
        pairs = iter(parts)
        lines.extend(f"{key} = {value}" for key, value in zip(pairs, pairs, strict=True))
    return "\n".join(lines) + "\n"


def expected(path: Path) -> dict:
    return json.loads(path.with_suffix(".expected").read_text(encoding="utf-8"))


@pytest.mark.parametrize("stem", EXAMPLES)
def test_documented_example(stem: str) -> None:
    path = shared("cardinal", f"{stem}.jsonl")
    ini = path.with_suffix(".ini")
    settings = Settings.from_path(ini if ini.exists() else shared("cardinal", "settings.ini"))
    assert run_indicators(read_jsonl(path), settings) == expected(path)


@pytest.mark.parametrize("stem", FIXTURES)
def test_cardinal_fixture(stem: str) -> None:
    path = shared("cardinal", "fixtures", f"{stem}.jsonl")
    settings = Settings.from_ini(fixture_settings(stem), source=stem)
    assert run_indicators(read_jsonl(path), settings) == expected(path)


def test_fixture_names_map_to_settings() -> None:
    assert fixture_settings("R038-tenderer").endswith("[R038]\n")  # one part: the defaults, as in build.rs
    assert "procurement_methods = open|selective" in fixture_settings("R003-procurement_methods-open+selective")
    nested = Settings.from_ini(fixture_settings("R003-procurement_method_details-x-5-y-10"))
    assert dict(nested.section("R003").procurement_method_details) == {"x": 5, "y": 10}
    assert Settings.from_ini(fixture_settings("R003-threshold-10")).section("R003").threshold == 10


def test_every_indicator_has_golden_files() -> None:
    from engine.detection.cardinal.registry import INDICATORS

    if FIXTURES == ["(no data)"]:
        pytest.skip("reference data not found")
    assert {stem.split("-")[0] for stem in FIXTURES} == set(INDICATORS)
    assert {f"R{stem}" for stem in EXAMPLES} == set(INDICATORS)
