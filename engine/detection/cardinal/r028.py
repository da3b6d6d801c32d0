"""R028 Identical bid prices: different tenderers submitted bids with the same price.

Methodology
-----------
A contracting process is flagged if two submitted bids have the same ``(amount, currency)`` and
different sets of tenderers:

    price(bid_a) == price(bid_b)  and  tenderers(bid_a) != tenderers(bid_b)

The tenderers of both bids are flagged too. A tenderer may submit several bids at the same price,
and the order of tenderers within a bid does not matter.

Example
-------
The Ministry of Defense opens bids early and leaks the lowest price to BribeCorp, which submits a
bid at exactly that price. The process is flagged, and so are BribeCorp and the other tenderer.

Why is this a red flag?
-----------------------
A corrupt buyer can favour a pre-determined bidder by leaking its competitors' prices.

Source
------
Cardinal ``src/indicators/r028.rs`` and ``docs/cli/indicators/R/028.md`` (open-contracting/cardinal-rs),
based on "Bidders having the same bid price" (Fazekas & Tóth, Swedish cartel detection, 2016) and
"Fraud in Public Procurement: A collection of Red Flags and Best Practices" (European Commission, 2017).

Output
------
``{"OCID": {ocid: {"R028": 1.0}}, "Tenderer": {id: {"R028": 1.0}}}``: the value is always 1.0.

Configuration
-------------
Not configurable, apart from the global ``price_comparison_procurement_methods`` and
``no_price_comparison_procurement_methods``.

Exclusions
----------
A process is excluded if prices are predetermined by the buyer (``procurementMethodDetails`` not in
the allow list, or in the deny list). Invited and withdrawn bids, and bids without an amount, a
currency or any tenderer identifier, are ignored.
"""

from __future__ import annotations

from engine.detection.cardinal.lifecycle import Accumulator, Indicator, Release
from engine.detection.cardinal.ocds import amount_of, matches_procurement_method_details, submitted_bids, text
from engine.detection.cardinal.settings import Settings, pipe_separated

__all__ = ["R028"]


class R028(Indicator):
    code = "R028"

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.price_comparison = pipe_separated(settings.price_comparison_procurement_methods)
        self.no_price_comparison = pipe_separated(settings.no_price_comparison_procurement_methods)

    def fold(self, accumulator: Accumulator, release: Release, ocid: str) -> None:
        if not matches_procurement_method_details(release, self.price_comparison, self.no_price_comparison):
            return
        tenderers_by_price: dict[tuple[float, str], frozenset[str]] = {}
        for bid in submitted_bids(release):
            value = bid.get("value")
            amount = amount_of(value.get("amount")) if isinstance(value, dict) else None
            currency = text(value, "currency")
            tenderers = bid.get("tenderers")
            if amount is None or currency is None or not isinstance(tenderers, list):
                continue
            ids = frozenset(tenderer_id for t in tenderers if (tenderer_id := text(t, "id")) is not None)
            if not ids:
                continue
            price = (amount, currency)
            other = tenderers_by_price.get(price)
            if other is not None and ids != other:
                accumulator.set_result("OCID", ocid, self.code, 1.0)
                for tenderer_id in ids | other:
                    accumulator.set_result("Tenderer", tenderer_id, self.code, 1.0)
            # Re-assigning is harmless because the value is always 1.0, as in Cardinal.
            tenderers_by_price[price] = ids
