"""R025 Excessive unsuccessful bids: a top tenderer's ratio of winning bids to valid bids is a low outlier.

Methodology
-----------
For each tenderer, across all contracting processes (each process counted once per tenderer):

    ratio = numberOfProcessesWon / numberOfProcessesWithAValidBid

A tenderer is flagged if its number of processes is greater than or equal to the **upper fence**
(the 75th percentile of those numbers) and its ratio is less than or equal to the **lower fence**
``Q1 - 1.5 * IQR`` of all ratios (R-8 quantiles, as Cardinal's ``statrs``). Nothing is flagged
unless both Q1 and the lower fence are positive.

Example
-------
75% of bidders in Atlantis bid in at most 100 processes; UnethicalBid Ltd. bid in 150, so it is a
top tenderer. Q1 of the ratios is 0.5 and Q3 is 0.75, so the lower fence is 0.125. UnethicalBid
Ltd. won 15 of 150 (0.1), below 0.125: it is flagged.

Why is this a red flag?
-----------------------
A colluding bidder can mimic competition by submitting deliberately losing bids (at inflated
prices, for example) in processes its partner wins.

Source
------
Cardinal ``src/indicators/r025.rs`` and ``docs/cli/indicators/R/025.md`` (open-contracting/cardinal-rs).

Output
------
``{"Tenderer": {id: {"R025": ratio}}}``: the ratio as a decimal.

Configuration
-------------
``[R025]`` ``percentile``: the percentile for the upper fence (default 75); ``threshold``: a fixed
lower fence as a decimal instead of the quartiles.

Exclusions
----------
A process is excluded if an award is pending or has an unknown status, if there is not exactly one
active award, or if it has several suppliers. Bids that are not valid, or have several tenderers,
are ignored.
"""

from __future__ import annotations

from engine.detection.cardinal.lifecycle import Accumulator, Fraction, Indicator, Release
from engine.detection.cardinal.ocds import complete_awards_and_bids_if_all_awards_final, text
from engine.detection.cardinal.quartiles import lower_fence, lower_quartile, percentile, upper_quartile
from engine.detection.cardinal.settings import R025Settings, Settings

__all__ = ["R025"]


class R025(Indicator):
    code = "R025"

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        section: R025Settings = settings.section(self.code)
        self.percentile = 75 if section.percentile is None else section.percentile
        self.threshold = section.threshold

    def _wins(self, accumulator: Accumulator) -> dict[str, Fraction]:
        return accumulator.partial(self.code, dict)

    def fold(self, accumulator: Accumulator, release: Release, ocid: str) -> None:
        found = complete_awards_and_bids_if_all_awards_final(release)
        if found is None or len(found[0]) != 1:
            return
        suppliers = found[0][0].get("suppliers")
        if not isinstance(suppliers, list) or len(suppliers) != 1 or (supplier_id := text(suppliers[0], "id")) is None:
            return
        valid_tenderer_ids: set[str] = set()
        for bid in found[1]:
            tenderers = bid.get("tenderers") if isinstance(bid, dict) else None
            if text(bid, "status") == "valid" and isinstance(tenderers, list) and len(tenderers) == 1:
                if (tenderer_id := text(tenderers[0], "id")) is not None:
                    valid_tenderer_ids.add(tenderer_id)
        wins = self._wins(accumulator)
        for tenderer_id in valid_tenderer_ids:
            fraction = wins.setdefault(tenderer_id, Fraction())
            fraction += Fraction(int(tenderer_id == supplier_id), 1)

    def reduce(self, accumulator: Accumulator, other: Accumulator) -> None:
        wins = self._wins(accumulator)
        for tenderer_id, other_fraction in self._wins(other).items():
            fraction = wins.setdefault(tenderer_id, Fraction())
            fraction += other_fraction

    def finalize(self, accumulator: Accumulator) -> None:
        wins = self._wins(accumulator)
        top_fence = percentile([float(f.denominator) for f in wins.values()], self.percentile)
        if self.threshold is None:
            ratios = [f.ratio for f in wins.values()]
            q1, q3 = lower_quartile(ratios), upper_quartile(ratios)
            accumulator.set_meta(self.code, "q1", q1)
            accumulator.set_meta(self.code, "q3", q3)
            fence = lower_fence(q1, q3)
        else:
            q1, fence = 1.0, self.threshold  # a configured fence needs no quartile guard
        accumulator.set_meta(self.code, "upper_fence", top_fence)
        accumulator.set_meta(self.code, "lower_fence", fence)
        if not (q1 > 0.0 and fence > 0.0):
            return
        for tenderer_id, fraction in wins.items():
            if fraction.denominator >= top_fence and fraction.ratio <= fence:
                accumulator.set_result("Tenderer", tenderer_id, self.code, fraction.ratio)
