"""Reading OCDS compiled releases the way Cardinal does (the shared helpers of its ``lib.rs``).

A field counts only if it has the expected JSON type: a status must be a string, an amount a number
(never a boolean), an identifier a string. Anything else is treated as absent.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

from engine.detection.cardinal.lifecycle import Release

__all__ = [
    "amount_of",
    "complete_awards_and_bids_if_all_awards_final",
    "is_cancelled_contracting_process",
    "matches_procurement_method",
    "matches_procurement_method_details",
    "nanoseconds_since_epoch",
    "submitted_bids",
    "tenderer_and_value_of_valid_bids",
    "text",
    "whole_days_between",
]


def text(value: Any, key: str) -> str | None:
    """``value[key]`` if ``value`` is an object and that member is a string."""
    member = value.get(key) if isinstance(value, dict) else None
    return member if isinstance(member, str) else None


def _array(value: Any, key: str) -> list[Any] | None:
    member = value.get(key) if isinstance(value, dict) else None
    return member if isinstance(member, list) else None


def _object(value: Any, key: str) -> dict[str, Any] | None:
    member = value.get(key) if isinstance(value, dict) else None
    return member if isinstance(member, dict) else None


def amount_of(value: Any) -> float | None:
    """A JSON number as a float; booleans are not numbers in JSON."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def is_cancelled_contracting_process(release: Release) -> bool:
    return text(_object(release, "tender"), "status") == "cancelled"


def matches_procurement_method(tender: dict[str, Any], methods: frozenset[str]) -> bool:
    """An empty set matches every process; otherwise ``/tender/procurementMethod`` must be in it."""
    if not methods:
        return True
    method = text(tender, "procurementMethod")
    return method is not None and method in methods


def matches_procurement_method_details(release: Release, include: frozenset[str], exclude: frozenset[str]) -> bool:
    """An allow list applies when non-empty; otherwise the deny list does, and a missing value passes."""
    details = text(_object(release, "tender"), "procurementMethodDetails")
    if details is None:
        return not include
    if not include:
        return details not in exclude
    return details in include


def complete_awards_and_bids_if_all_awards_final(release: Release) -> tuple[list[Any], list[Any]] | None:
    """The active awards and all bids, or None if any award is still pending (or has an unknown status).

    Cancelled and unsuccessful awards are final but not complete. Bids are returned even without awards.
    """
    awards = _array(release, "awards")
    details = _array(_object(release, "bids"), "details")
    if awards is None or details is None:
        return None
    complete = []
    for award in awards:
        status = text(award, "status")
        if status is None or status in ("cancelled", "unsuccessful"):
            continue
        if status != "active":
            return None
        complete.append(award)
    return complete, details


def submitted_bids(release: Release) -> Iterator[dict[str, Any]]:
    """Bids that are pending, valid or disqualified: not invited or withdrawn."""
    for bid in _array(_object(release, "bids"), "details") or []:
        status = text(bid, "status")
        if status is not None and status not in ("invited", "withdrawn"):
            yield bid


def tenderer_and_value_of_valid_bids(details: list[Any]) -> Iterator[tuple[str, float, str]]:
    """(tenderer id, amount, currency) of each valid bid with a value and exactly one tenderer."""
    for bid in details:
        value = _object(bid, "value")
        amount = amount_of(value.get("amount")) if value is not None else None
        currency = text(value, "currency")
        tenderers = _array(bid, "tenderers")
        if text(bid, "status") != "valid" or amount is None or currency is None or tenderers is None:
            continue
        if len(tenderers) == 1 and (tenderer_id := text(tenderers[0], "id")) is not None:
            yield tenderer_id, amount, currency


_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))"
)


def nanoseconds_since_epoch(value: str) -> int | None:
    """An RFC 3339 timestamp (as chrono's ``parse_from_rfc3339`` reads it) in nanoseconds, or None if invalid.

    Integer nanoseconds keep chrono's precision, which Python's microsecond datetimes would lose.
    """
    match = _RFC3339.fullmatch(value)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(part) for part in match.group(1, 2, 3, 4, 5, 6))
    fraction, zulu, sign, offset_hours, offset_minutes = match.group(7, 8, 9, 10, 11)
    try:
        days = date(year, month, day).toordinal()
    except ValueError:
        return None
    if hour > 23 or minute > 59 or second > 60 or (not zulu and (int(offset_hours) > 23 or int(offset_minutes) > 59)):
        return None
    offset = 0 if zulu else (1 if sign == "+" else -1) * (int(offset_hours) * 3600 + int(offset_minutes) * 60)
    # chrono keeps nine fractional digits and ignores the rest; a leap second (:60) counts as one more second.
    nanoseconds = int((fraction or "")[:9].ljust(9, "0"))
    seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
    return seconds * 1_000_000_000 + nanoseconds


def whole_days_between(start: int, end: int) -> int:
    """Whole days from ``start`` to ``end`` (nanoseconds), truncated toward zero like chrono's ``num_days``."""
    elapsed = end - start
    days = abs(elapsed) // (86_400 * 1_000_000_000)
    return days if elapsed >= 0 else -days
