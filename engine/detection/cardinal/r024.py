"""R024 Price close to winning bid: the second-lowest valid bid is a low outlier above the winning bid.

Methodology
-----------
For each contracting process, the **difference** is

    (secondLowestValidBidAmount - winningBidAmount) / winningBidAmount

A process is flagged if its difference is less than or equal to the **lower fence**
``Q1 - 1.5 * IQR`` of all differences (R-8 quartiles, as Cardinal's ``statrs``). Nothing is flagged
unless both Q1 and the lower fence are positive: otherwise a quarter of processes have no
difference at all and most of them would be flagged.

Example
-------
In Atlantis, Q1 of the differences is 5% and Q3 is 7%, so the lower fence is 2%. CollusionCorp
won with $100,000 and ProcureManipulate lost with $101,000: a difference of 1%, below 2%. The
process is flagged, and both tenderers too.

Why is this a red flag?
-----------------------
A colluding bidder can mimic competition with a bid close in price to its partner's winning bid.

Source
------
Cardinal ``src/indicators/r024.rs`` and ``src/indicators/util.rs`` (``SecondLowestBidRatio``) and
``docs/cli/indicators/R/024.md`` (open-contracting/cardinal-rs).

Output
------
``{"OCID": {ocid: {"R024": difference}}, "Tenderer": {id: {"R024": 0.0}}}``: the difference as a
decimal, and 0.0 for the winner and the lowest losing tenderer of each flagged process.

Configuration
-------------
``[R024]`` ``threshold``: a fixed lower fence as a decimal (e.g. ``0.05``) instead of the quartiles.
Global ``currency``, ``price_comparison_procurement_methods`` and ``no_price_comparison_procurement_methods``.

Exclusions
----------
A process is excluded if an award is pending or has an unknown status; if there is not exactly one
active award, or it has several suppliers; if the lowest bid did not win (the criteria are not price
only); if prices are not compared (``procurementMethodDetails`` not in the allow list, or in the deny
list). Bids with several tenderers, or in another currency than the main one, are ignored.
"""

from __future__ import annotations

from engine.detection.cardinal.lifecycle import Accumulator, Indicator
from engine.detection.cardinal.quartiles import lower_fence, lower_quartile, upper_quartile
from engine.detection.cardinal.second_lowest_bid import second_lowest_bids
from engine.detection.cardinal.settings import R024Settings, Settings

__all__ = ["R024"]


class R024(Indicator):
    code = "R024"
    requires_second_lowest_bid_ratio = True

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        section: R024Settings = settings.section(self.code)
        self.threshold = section.threshold

    def finalize(self, accumulator: Accumulator) -> None:
        bids = second_lowest_bids(accumulator)
        if self.threshold is None:
            q1, q3 = lower_quartile(bids.ratios.values()), upper_quartile(bids.ratios.values())
            accumulator.set_meta(self.code, "q1", q1)
            accumulator.set_meta(self.code, "q3", q3)
            fence = lower_fence(q1, q3)
        else:
            q1, fence = 1.0, self.threshold  # a configured fence needs no quartile guard
        accumulator.set_meta(self.code, "lower_fence", fence)
        if not (q1 > 0.0 and fence > 0.0):
            return
        for ocid, ratio in bids.ratios.items():
            if ratio <= fence:
                accumulator.set_result("OCID", ocid, self.code, ratio)
                for tenderer_id in bids.winner_and_lowest_non_winner[ocid]:
                    accumulator.set_result("Tenderer", tenderer_id, self.code, 0.0)
