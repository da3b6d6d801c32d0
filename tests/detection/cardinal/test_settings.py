"""Cardinal's INI settings: typed, and strict about anything unknown."""

from __future__ import annotations

import pytest

from engine.detection.cardinal.settings import (
    INDICATOR_SECTIONS,
    R003Settings,
    R038Settings,
    Settings,
    SettingsError,
    pipe_separated,
)

# What `ocdscardinal init` writes (abridged): every section present, every key commented out.
INIT_OUTPUT = """
; currency = USD
[defaults]
; currency = USD
[redactions]
[corrections]
[modifications]
[codelists.bid_status]
; qualified = valid
[codelists.award_status]
[exclusions]
; procurement_method_details = Random Selection
[R003]
; threshold = 15
[R003.procurement_method_details]
; emergency = 10
[R018]
[R024]
[R025]
[R028]
[R030]
[R035]
[R036]
[R038]
[R048]
[R058]
"""


def test_init_output_enables_every_indicator_with_defaults() -> None:
    settings = Settings.from_ini(INIT_OUTPUT)
    assert list(settings.indicators) == list(INDICATOR_SECTIONS)
    assert settings.section("R003") == R003Settings(procurement_method_details={})
    assert settings.currency is None
    assert settings.prepare.keys() == {
        "defaults",
        "redactions",
        "corrections",
        "modifications",
        "codelists.bid_status",
        "codelists.award_status",
    }


def test_values_are_typed() -> None:
    settings = Settings.from_ini(
        """
currency = USD
price_comparison_procurement_methods = Reverse Auction|Tender
[exclusions]
procurement_method_details = Random Selection
[R003]
threshold = -1
procurement_methods = open|selective
[R003.procurement_method_details]
emergency = 10
[R038]
threshold = 0.5
minimum_submitted_bids = 3
[defaults]
party_roles = yes
"""
    )
    assert settings.currency == "USD"
    assert pipe_separated(settings.price_comparison_procurement_methods) == {"Reverse Auction", "Tender"}
    assert settings.exclusions.procurement_method_details == "Random Selection"
    assert settings.section("R003").threshold == -1
    assert dict(settings.section("R003").procurement_method_details) == {"emergency": 10}
    assert settings.section("R038") == R038Settings(threshold=0.5, minimum_submitted_bids=3)
    assert settings.prepare["defaults"]["party_roles"] is True


def test_a_nested_section_alone_enables_its_indicator() -> None:
    settings = Settings.from_ini("[R003.procurement_method_details]\nx = 5\n")
    assert settings.section("R003").threshold is None
    assert dict(settings.section("R003").procurement_method_details) == {"x": 5}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[R999]", "unknown section"),
        ("[r003]", "unknown section"),
        ("[R055]", "not implemented"),
        ("[R003.emergency]\nx = 1", "unknown section"),
        ("[R003]\ntreshold = 10", "unknown key 'treshold'"),
        ("[R028]\nthreshold = 1", "unknown key 'threshold'"),
        ("currencies = USD", "unknown key"),
        ("[exclusions]\nprocurement_method = x", "unknown key"),
        ("[defaults]\nlanguage = es", "unknown key"),
        ("[R003]\nthreshold = 1.5", "not an integer"),
        ("[R035]\nthreshold = -1", "not a non-negative integer"),
        ("[R024]\nthreshold = 5%", "not a decimal"),
        ("[R025]\npercentile = 75 # default", "not a non-negative integer"),
        ("[corrections]\naward_status_by_contract_status = maybe", "not a boolean"),
        ("[R003]\n[R003]", "repeated"),
        ("[R003]\nthreshold = 1\nthreshold = 2", "repeated"),
        ("[R003\n", "malformed"),
        ("[R003]\nthreshold", "expected 'key = value'"),
    ],
)
def test_mistakes_are_errors_not_defaults(text: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_ini(text)


@pytest.mark.parametrize(
    ("value", "parts"),
    [
        (None, set()),
        ("", set()),
        ("open", {"open"}),
        ("open|selective|", {"open", "selective"}),
        ("a||b", {"a", "", "b"}),
    ],
)
def test_pipe_separated_is_rusts_split_terminator(value: str | None, parts: set[str]) -> None:
    assert pipe_separated(value) == parts
