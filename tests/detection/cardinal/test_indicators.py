"""Edge cases of each indicator, on tiny hand-built releases."""

from __future__ import annotations

import pytest

from engine.detection.cardinal import Settings, run_indicators
from engine.detection.cardinal.ocds import nanoseconds_since_epoch, whole_days_between
from engine.detection.cardinal.run import build_indicators, finalize, fold, reduce
from tests.detection.cardinal.factory import award, bid, priced, release


def run(ini: str, *releases: object, **kwargs: bool) -> dict:
    return run_indicators(releases, Settings.from_ini(ini), **kwargs)


def tender_period(ocid: str, start: str, end: str, **tender: object) -> dict:
    return release(ocid, tender={"tenderPeriod": {"startDate": start, "endDate": end}, **tender})


# Contracting processes Cardinal skips before any indicator runs.


def test_releases_without_a_string_ocid_or_cancelled_are_skipped() -> None:
    single = {"numberOfTenderers": 1, "procurementMethod": "open"}
    releases = [
        release(1, tender=single),
        {"tender": single},
        ["not", "a", "release"],
        release("cancelled", tender={**single, "status": "cancelled"}),
        release("kept", tender=single),
    ]
    assert run("[R018]", *releases) == {"OCID": {"kept": {"R018": 1.0}}}


def test_excluded_procurement_method_details() -> None:
    def single(details: str) -> dict:
        return release(
            details, tender={"numberOfTenderers": 1, "procurementMethod": "open", "procurementMethodDetails": details}
        )

    ini = "[exclusions]\nprocurement_method_details = Random Selection|Lottery\n[R018]"
    assert run(ini, single("Random Selection"), single("Lottery"), single("Tender")) == {
        "OCID": {"Tender": {"R018": 1.0}}
    }


# R003


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        ("2000-01-01T18:00:00Z", "2000-01-16T17:59:59Z", 14),
        ("2000-01-01T18:00:00Z", "2000-01-16T18:00:00Z", 15),
        ("2020-08-03T18:00:00-05:00", "2020-08-04T23:00:00Z", 1),  # 23:00Z is 18:00-05:00
        ("2000-01-02T00:00:00Z", "2000-01-01T12:00:00Z", 0),  # -0.5 days truncates toward zero
        ("2000-01-03T00:00:00Z", "2000-01-01T12:00:00Z", -1),
        ("2000-01-01T00:00:00.000000001Z", "2000-01-02T00:00:00Z", 0),  # nanoseconds count
        ("2000-01-01t00:00:00Z", "2000-01-02 00:00:00z", 1),
    ],
)
def test_whole_days_between_rfc3339_timestamps(start: str, end: str, days: int) -> None:
    start_ns, end_ns = nanoseconds_since_epoch(start), nanoseconds_since_epoch(end)
    assert start_ns is not None and end_ns is not None
    assert whole_days_between(start_ns, end_ns) == days


@pytest.mark.parametrize(
    "value", ["2000-01-01", "2000-01-01T00:00:00", "2000-02-30T00:00:00Z", "2000-01-01T24:00:00Z", ""]
)
def test_invalid_timestamps_are_rejected(value: str) -> None:
    assert nanoseconds_since_epoch(value) is None


def test_r003_thresholds_by_procurement_method_details() -> None:
    ini = "[R003]\nthreshold = 10\n[R003.procurement_method_details]\nemergency = 3\n"
    releases = [
        tender_period(
            "emergency 2 days", "2000-01-01T00:00:00Z", "2000-01-03T00:00:00Z", procurementMethodDetails="emergency"
        ),
        tender_period(
            "emergency 5 days", "2000-01-01T00:00:00Z", "2000-01-06T00:00:00Z", procurementMethodDetails="emergency"
        ),
        tender_period("other 5 days", "2000-01-01T00:00:00Z", "2000-01-06T00:00:00Z", procurementMethodDetails="other"),
        tender_period("date only", "2000-01-01", "2000-01-02"),
    ]
    assert run(ini, *releases) == {"OCID": {"emergency 2 days": {"R003": 1.0}, "other 5 days": {"R003": 1.0}}}


# R018


@pytest.mark.parametrize(("count", "flagged"), [(1, True), (1.0, False), (True, False), ("1", False), (2, False)])
def test_r018_counts_only_the_integer_one(count: object, flagged: bool) -> None:
    result = run("[R018]", release("F", tender={"numberOfTenderers": count, "procurementMethod": "selective"}))
    assert result == ({"OCID": {"F": {"R018": 1.0}}} if flagged else {})


def test_r018_empty_procurement_methods_match_every_method() -> None:
    direct = release("F", tender={"numberOfTenderers": 1, "procurementMethod": "direct"})
    assert run("[R018]", direct) == {}
    assert run("[R018]\nprocurement_methods =", direct) == {"OCID": {"F": {"R018": 1.0}}}


# R024 and R058: the second-lowest bid ratio.


def test_r024_configured_fence() -> None:
    releases = [priced("close", 100, 101), priced("far", 100, 150), priced("lost on price", 100, 90)]
    assert run("[R024]\nthreshold = 0.05", *releases) == {
        "OCID": {"close": {"R024": 0.01}},
        "Tenderer": {"W": {"R024": 0.0}, "L": {"R024": 0.0}},
    }


def test_r024_flags_nothing_when_a_quarter_have_no_difference() -> None:
    releases = [priced(str(i), 1, 1) for i in range(3)] + [priced("x", 1, 2)]
    assert run("[R024]", *releases) == {}


def test_r058_winner_only_and_meta() -> None:
    releases = [priced(str(i), 100, 110) for i in range(4)] + [priced("lemon", 100, 300)]
    result = run("[R058]", *releases, include_meta=True)
    assert result["OCID"] == {"lemon": {"R058": 2.0}}
    assert result["Tenderer"] == {"W": {"R058": 0.0}}
    assert result["Meta"]["R058"] == {"q1": 0.1, "q3": 0.7333, "upper_fence": 1.6833}


def test_main_currency_is_the_first_observed_unless_configured() -> None:
    releases = [priced("usd", 100, 101), priced("eur", 100, 101, currency="EUR")]
    assert set(run("[R024]\nthreshold = 0.05", *releases)["OCID"]) == {"usd"}
    assert set(run("currency = EUR\n[R024]\nthreshold = 0.05", *releases)["OCID"]) == {"eur"}


def test_r036_shares_the_main_currency_with_the_bid_ratio() -> None:
    # The ratio folds first and fixes USD as the main currency, so the EUR process is ignored by R036 too.
    eur = release("eur", bids=[bid("disqualified", amount=1, currency="EUR"), bid("valid", amount=2, currency="EUR")])
    eur["awards"] = [award("active")]
    releases = [priced("usd", 100, 101), eur]
    assert run("[R036]", *reversed(releases)) == {"OCID": {"eur": {"R036": 1.0}}}
    assert run("[R024]\nthreshold = 0.05\n[R036]", *releases).get("OCID", {}).get("eur") is None


# R025


def test_r025_counts_a_tenderer_once_per_process() -> None:
    releases = [
        release("many bids", bids=[bid("valid", "F"), bid("valid", "F")], awards=[award("active", "F")]),
        release("lost", bids=[bid("valid", "F"), bid("valid", "A")], awards=[award("active", "A")]),
    ]
    result = run("[R025]\nthreshold = 0.9", *releases, include_meta=True)
    assert result["Tenderer"] == {"F": {"R025": 0.5}}
    assert result["Meta"]["R025"]["upper_fence"] == 2.0


# R028


def test_r028_same_tenderers_in_any_order_are_not_flagged() -> None:
    releases = [
        release("shuffled", bids=[bid("valid", "A", "Z", amount=1), bid("valid", "Z", "A", amount=1)]),
        release("1 and 1.0", bids=[bid("valid", "A", amount=1), bid("pending", "B", amount=1.0)]),
        release("withdrawn", bids=[bid("valid", "A", amount=1), bid("withdrawn", "B", amount=1)]),
    ]
    assert run("[R028]", *releases) == {
        "OCID": {"1 and 1.0": {"R028": 1.0}},
        "Tenderer": {"A": {"R028": 1.0}, "B": {"R028": 1.0}},
    }


def test_price_comparison_allow_list() -> None:
    def same_price(details: str | None) -> dict:
        made = release(details or "missing", bids=[bid("valid", "A", amount=1), bid("valid", "B", amount=1)])
        if details:
            made["tender"] = {"procurementMethodDetails": details}
        return made

    result = run(
        "price_comparison_procurement_methods = Auction\n[R028]",
        same_price("Auction"),
        same_price("Lottery"),
        same_price(None),
    )
    assert set(result["OCID"]) == {"Auction"}


# R030


def test_r030_compares_dates_as_text() -> None:
    late = release(
        "F",
        bids=[bid("valid", "W", date="2000-04-01T00:00:00Z"), bid("valid", "L", date="2000-04-02T00:00:00Z")],
        awards=[award("active", "W"), award("cancelled", "L")],
        tender={"tenderPeriod": {"endDate": "2000-03-15T00:00:00Z"}},
    )
    assert run("[R030]", late) == {"OCID": {"F": {"R030": 1.0}}, "Tenderer": {"W": {"R030": 1.0}}}


# R035


def test_r035_threshold_zero_means_one() -> None:
    alone = release("alone", bids=[bid("valid", "V")], awards=[award("active", "V")])
    assert run("[R035]\nthreshold = 0", alone) == {}
    two = release(
        "two",
        bids=[bid("valid", "V"), bid("disqualified", "D"), bid("disqualified", "E")],
        awards=[award("active", "V")],
    )
    assert run("[R035]\nthreshold = 3", two) == {}
    assert run("[R035]\nthreshold = 2", two) == {"OCID": {"two": {"R035": 2.0}}, "Tenderer": {"V": {"R035": 0.0}}}


# R036


def test_r036_ties_keep_the_first_bid() -> None:
    def bids(*statuses: str) -> dict:
        return release(",".join(statuses), bids=[bid(s, amount=1) for s in statuses], awards=[award("active")])

    assert run("[R036]", bids("valid", "disqualified"), bids("disqualified", "valid")) == {
        "OCID": {"disqualified,valid": {"R036": 1.0}}
    }


# R038


def test_r038_configured_fence_of_zero_flags_nothing() -> None:
    releases = [
        release(str(i), bids=[bid("disqualified", "D"), bid("valid", "V")], buyer={"id": "B"}) for i in range(2)
    ]
    assert run("[R038]\nthreshold = 0.5", *releases) == {
        "Buyer": {"B": {"R038": 0.5}},
        "Tenderer": {"D": {"R038": 1.0}},
    }
    assert run("[R038]\nthreshold = 0", *releases) == {}


# R048


def test_r048_digits_and_minimum_contracting_processes() -> None:
    releases = [
        release("1", awards=[award("active", "S", items=["10000000", "10100000"])]),
        release("2", awards=[award("active", "S", items=["10200000"]), award("active", "T", items=["20000000"])]),
    ]
    assert run("[R048]\nthreshold = 2\nminimum_contracting_processes = 1", *releases) == {}
    assert run("[R048]\nthreshold = 2\ndigits = 3\nminimum_contracting_processes = 1", *releases) == {
        "Tenderer": {"S": {"R048": 3.0}}
    }
    assert run("[R048]\nthreshold = 1\ndigits = 3\nminimum_contracting_processes = 2", *releases) == {
        "Tenderer": {"S": {"R048": 3.0}}
    }


# The lifecycle: folding chunks apart and reducing them gives the same result.


@pytest.mark.parametrize("chunk_size", [1, 2, 3])
def test_fold_reduce_in_chunks_matches_one_fold(chunk_size: int) -> None:
    settings = Settings.all_indicators()
    releases = [priced(str(i), 100, 100 + i) for i in range(8)] + [
        release("r038", bids=[bid("disqualified", "D", amount=5), bid("valid", "V", amount=5)], buyer={"id": "B"}),
        release("r048", awards=[award("active", "S", items=["10", "20", "30"])]),
    ]
    indicators = build_indicators(settings)
    chunks = [fold(releases[i : i + chunk_size], settings, indicators) for i in range(0, len(releases), chunk_size)]
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged = reduce(merged, chunk, indicators)
    assert finalize(merged, indicators, include_meta=True) == run_indicators(releases, settings, include_meta=True)
