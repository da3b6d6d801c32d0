"""R030 Late bid won: the winning bid was received after the submission deadline.

Methodology
-----------
A contracting process is flagged if a valid bid was received after the deadline and one of its
tenderers is a supplier of an active award:

    /bids/details[]/date > /tender/tenderPeriod/endDate  and  tenderer in active award suppliers

Dates are compared as strings, as Cardinal does, so they must share a format and time zone.

Example
-------
The submission deadline is March 15. The Public Works Department leaks information from received
bids to CorruptX Solutions, which submits a bid on April 1 and is awarded the contract. The process
and CorruptX Solutions are flagged.

Why is this a red flag?
-----------------------
A corrupt buyer can award a pre-determined bidder by disregarding the submission deadline.

Source
------
Cardinal ``src/indicators/r030.rs`` and ``docs/cli/indicators/R/030.md`` (open-contracting/cardinal-rs),
based on "Corruption in Public Procurement: Finding the Right Indicators", European Journal on
Criminal Policy and Research (2016).

Output
------
``{"OCID": {ocid: {"R030": 1.0}}, "Tenderer": {id: {"R030": 1.0}}}``: the value is always 1.0.

Configuration
-------------
Not configurable.

Exclusions
----------
A process is excluded if it has no tender period end date, no awards or no bids. Awards that are
not active and bids that are not valid or have no date are ignored. The indicator assumes the
tenderer did not also submit a valid bid before the deadline.
"""

from __future__ import annotations

from engine.detection.cardinal.lifecycle import Accumulator, Indicator, Release
from engine.detection.cardinal.ocds import text

__all__ = ["R030"]


class R030(Indicator):
    code = "R030"

    def fold(self, accumulator: Accumulator, release: Release, ocid: str) -> None:
        tender = release.get("tender")
        end_date = text(tender.get("tenderPeriod"), "endDate") if isinstance(tender, dict) else None
        awards = release.get("awards")
        bids = release.get("bids")
        details = bids.get("details") if isinstance(bids, dict) else None
        if end_date is None or not isinstance(awards, list) or not isinstance(details, list):
            return
        award_supplier_ids: set[str] = set()
        for award in awards:
            suppliers = award.get("suppliers") if isinstance(award, dict) else None
            if text(award, "status") == "active" and isinstance(suppliers, list):
                award_supplier_ids.update(i for supplier in suppliers if (i := text(supplier, "id")) is not None)
        for bid in details:
            date = text(bid, "date")
            tenderers = bid.get("tenderers") if isinstance(bid, dict) else None
            if text(bid, "status") != "valid" or date is None or not isinstance(tenderers, list) or date <= end_date:
                continue
            for tenderer in tenderers:
                tenderer_id = text(tenderer, "id")
                if tenderer_id is not None and tenderer_id in award_supplier_ids:
                    accumulator.set_result("OCID", ocid, self.code, 1.0)
                    accumulator.set_result("Tenderer", tenderer_id, self.code, 1.0)
