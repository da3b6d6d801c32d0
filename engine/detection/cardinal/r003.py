"""R003 Short submission period: the bid period is shorter than expected for the procurement method.

Methodology
-----------
For each contracting process, the **period** is ``/tender/tenderPeriod/endDate -
/tender/tenderPeriod/startDate`` in whole days (truncated toward zero). The process is flagged if

    period < threshold

where the threshold is 15 days, unless ``/tender/procurementMethodDetails`` has its own threshold.

Example
-------
The National Rail Service publishes a tender with a tender period that starts today and ends
tomorrow: a period of 1 day, less than 15. The process is flagged.

Why is this a red flag?
-----------------------
A short submission period makes it harder for companies without inside knowledge to prepare and
submit a bid, so a well-connected firm can win repeatedly.

Source
------
Cardinal ``src/indicators/r003.rs`` and ``docs/cli/indicators/R/003.md`` (open-contracting/cardinal-rs),
based on Fazekas, Tóth & King, "An Objective Corruption Risk Index Using Public Procurement Data",
European Journal on Criminal Policy and Research (2016).

Output
------
``{"OCID": {ocid: {"R003": 1.0}}}``: the value is always 1.0.

Configuration
-------------
``[R003]`` ``threshold`` (days, default 15); ``procurement_methods`` (pipe-separated values of
``/tender/procurementMethod``; default: every method). ``[R003.procurement_method_details]``: one
threshold in days per value of ``/tender/procurementMethodDetails``, e.g. ``emergency = 10``.

Exclusions
----------
A process is excluded if ``procurement_methods`` is set and its procurement method is missing or not
listed, or if the start or end date is missing or not an RFC 3339 timestamp.
"""

from __future__ import annotations

from engine.detection.cardinal.lifecycle import Accumulator, Indicator, Release
from engine.detection.cardinal.ocds import (
    matches_procurement_method,
    nanoseconds_since_epoch,
    text,
    whole_days_between,
)
from engine.detection.cardinal.settings import R003Settings, Settings, pipe_separated

__all__ = ["R003"]


class R003(Indicator):
    code = "R003"

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        section: R003Settings = settings.section(self.code)
        self.threshold = 15 if section.threshold is None else section.threshold
        self.procurement_methods = pipe_separated(section.procurement_methods)
        self.thresholds_by_method_details = dict(section.procurement_method_details or {})

    def _threshold_for(self, procurement_method_details: str | None) -> int:
        if procurement_method_details is None:
            return self.threshold
        return self.thresholds_by_method_details.get(procurement_method_details, self.threshold)

    def fold(self, accumulator: Accumulator, release: Release, ocid: str) -> None:
        tender = release.get("tender")
        if not isinstance(tender, dict) or not matches_procurement_method(tender, self.procurement_methods):
            return
        start = _timestamp(text(tender.get("tenderPeriod"), "startDate"))
        end = _timestamp(text(tender.get("tenderPeriod"), "endDate"))
        if start is None or end is None:
            return
        threshold = self._threshold_for(text(tender, "procurementMethodDetails"))
        if whole_days_between(start, end) < threshold:
            accumulator.set_result("OCID", ocid, self.code, 1.0)


def _timestamp(value: str | None) -> int | None:
    return None if value is None else nanoseconds_since_epoch(value)
