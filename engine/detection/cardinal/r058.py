"""R058 Heavily discounted bid: the winning bid is far below the second-lowest valid bid.

Methodology
-----------
For each contracting process, the **difference** is

    (secondLowestValidBidAmount - winningBidAmount) / winningBidAmount

A process is flagged if its difference is greater than or equal to the **upper fence**
``Q3 + 1.5 * IQR`` of all differences (R-8 quartiles, as Cardinal's ``statrs``). Nothing is flagged
if the fence is zero: then 75% of processes have no difference and the rest would all be flagged.

Example
-------
In Atlantis, Q1 of the differences is 5% and Q3 is 7%, so the upper fence is 10%. Lemon Industries
won with $100,000 and FairDeal Enterprises lost with $115,000: a difference of 15%, above 10%. The
process is flagged, and Lemon Industries is marked.

Why is this a red flag?
-----------------------
An unethical bidder can win with defective goods ("lemons") if the buyer's quality criteria are
inadequate.

Source
------
Cardinal ``src/indicators/r058.rs`` and ``src/indicators/util.rs`` (``SecondLowestBidRatio``) and
``docs/cli/indicators/R/058.md`` (open-contracting/cardinal-rs), based on Akerlof, "The Market for
'Lemons': Quality Uncertainty and the Market Mechanism", Quarterly Journal of Economics (1970).

Output
------
``{"OCID": {ocid: {"R058": difference}}, "Tenderer": {winner: {"R058": 0.0}}}``: the difference as a
decimal, and 0.0 for the winner of each flagged process.

Configuration
-------------
``[R058]`` ``threshold``: a fixed upper fence as a decimal (e.g. ``0.5``) instead of the quartiles.
Global ``currency``, ``price_comparison_procurement_methods`` and ``no_price_comparison_procurement_methods``.

Exclusions
----------
The same as R024: a pending or unknown award status, several active awards or suppliers, a lowest
bid that did not win, or prices that are not compared exclude the process; bids with several
tenderers or in another currency are ignored.
"""

from __future__ import annotations

from engine.detection.cardinal.lifecycle import Accumulator, Indicator
from engine.detection.cardinal.quartiles import lower_quartile, upper_fence, upper_quartile
from engine.detection.cardinal.second_lowest_bid import second_lowest_bids
from engine.detection.cardinal.settings import R058Settings, Settings

__all__ = ["R058"]


class R058(Indicator):
    code = "R058"
    requires_second_lowest_bid_ratio = True

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        section: R058Settings = settings.section(self.code)
        self.threshold = section.threshold

    def finalize(self, accumulator: Accumulator) -> None:
        bids = second_lowest_bids(accumulator)
        fence = self.threshold
        if fence is None:
            q1, q3 = lower_quartile(bids.ratios.values()), upper_quartile(bids.ratios.values())
            accumulator.set_meta(self.code, "q1", q1)
            accumulator.set_meta(self.code, "q3", q3)
            fence = upper_fence(q1, q3)
        accumulator.set_meta(self.code, "upper_fence", fence)
        if fence > 0.0:
            for ocid, ratio in bids.ratios.items():
                if ratio >= fence:
                    accumulator.set_result("OCID", ocid, self.code, ratio)
                    winner, _ = bids.winner_and_lowest_non_winner[ocid]
                    accumulator.set_result("Tenderer", winner, self.code, 0.0)
