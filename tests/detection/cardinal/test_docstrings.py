"""Every indicator explains itself with the sections of Cardinal's documentation, and is registered once."""

from __future__ import annotations

import inspect
import sys

import pytest

from engine.detection.cardinal.registry import INDICATORS
from engine.detection.cardinal.settings import INDICATOR_SECTIONS

REQUIRED_SECTIONS = (
    "Methodology",
    "Example",
    "Why is this a red flag?",
    "Source",
    "Output",
    "Configuration",
    "Exclusions",
)


@pytest.mark.parametrize("code", list(INDICATORS))
def test_indicator_module_documents_every_section(code: str) -> None:
    module = sys.modules[INDICATORS[code].__module__]
    docstring = inspect.getdoc(module) or ""
    assert docstring.startswith(code), "the first line names the code and what it flags"
    headings = docstring.splitlines()
    for section in REQUIRED_SECTIONS:
        assert section in headings, f"{code} lacks a '{section}' section"
    assert "cardinal-rs" in docstring


@pytest.mark.parametrize("code", list(INDICATORS))
def test_indicator_module_is_one_small_file(code: str) -> None:
    module = sys.modules[INDICATORS[code].__module__]
    assert module.__name__.endswith(code.lower())
    assert 30 <= len(inspect.getsource(module).splitlines()) <= 150
    assert module.__all__ == [code]


def test_registry_codes_are_stable_and_match_settings() -> None:
    assert all(indicator.code == code for code, indicator in INDICATORS.items())
    assert list(INDICATORS) == list(INDICATOR_SECTIONS)
