"""R036 Lowest bid disqualified: the lowest submitted bid is disqualified, while price is the criterion.

Methodology
-----------
A contracting process is flagged if it has an active award, a valid bid with an amount, and

    status(argmin over submitted bids of amount) == disqualified

where ties keep the first bid in the file's order.

Example
-------
The Public Works Department sets the lowest price as the award criterion. FairDeal Inc. bids
$100,000 and BribeCorp $111,111. The department disqualifies FairDeal Inc.: the process is flagged.

Why is this a red flag?
-----------------------
A corrupt buyer can award a pre-determined bidder by disqualifying lower-priced bids.

Source
------
Cardinal ``src/indicators/r036.rs`` and ``docs/cli/indicators/R/036.md`` (open-contracting/cardinal-rs),
based on the World Bank's "Warning Signs of Fraud and Corruption in Procurement" (2019).

Output
------
``{"OCID": {ocid: {"R036": 1.0}}}``: the value is always 1.0.

Configuration
-------------
Not configurable, apart from the global ``currency``, ``price_comparison_procurement_methods`` and
``no_price_comparison_procurement_methods``.

Exclusions
----------
A process is excluded if no award is active, if no valid bid has an amount, or if prices are not
compared (``procurementMethodDetails`` not in the allow list, or in the deny list). Invited and
withdrawn bids, and bids in another currency than the main one, are ignored.
"""

from __future__ import annotations

from engine.detection.cardinal.lifecycle import Accumulator, Indicator, Release
from engine.detection.cardinal.ocds import amount_of, matches_procurement_method_details, submitted_bids, text
from engine.detection.cardinal.settings import Settings, pipe_separated

__all__ = ["R036"]


class R036(Indicator):
    code = "R036"

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.price_comparison = pipe_separated(settings.price_comparison_procurement_methods)
        self.no_price_comparison = pipe_separated(settings.no_price_comparison_procurement_methods)

    def fold(self, accumulator: Accumulator, release: Release, ocid: str) -> None:
        if not matches_procurement_method_details(release, self.price_comparison, self.no_price_comparison):
            return
        awards = release.get("awards")
        if not isinstance(awards, list) or not any(text(award, "status") == "active" for award in awards):
            return
        lowest_amount: float | None = None
        lowest_is_disqualified = False
        has_valid_bid_with_amount = False
        for bid in submitted_bids(release):
            status = text(bid, "status")
            value = bid.get("value")
            amount = amount_of(value.get("amount")) if isinstance(value, dict) else None
            currency = text(value, "currency")
            if status is None or amount is None or currency is None:
                continue
            if not accumulator.is_main_currency(currency, self.settings.currency):
                continue
            if lowest_amount is None or amount < lowest_amount:
                lowest_amount = amount
                lowest_is_disqualified = status == "disqualified"
            has_valid_bid_with_amount |= status == "valid"
        if has_valid_bid_with_amount and lowest_is_disqualified:
            accumulator.set_result("OCID", ocid, self.code, 1.0)
