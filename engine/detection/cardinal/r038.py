"""R038 Excessive disqualified bids: the share of disqualified bids is a high outlier per organization.

Methodology
-----------
For each buyer, procuring entity and tenderer, across all contracting processes:

    ratio = disqualifiedBids / submittedBids

Within each group, an organization is flagged if its ratio is greater than or equal to the **upper
fence** ``Q3 + 1.5 * IQR`` of that group's ratios (R-8 quartiles, as Cardinal's ``statrs``).
Nothing is flagged in a group whose fence is zero: there, most organizations disqualify nothing.

Example
-------
Q1 of buyers in Atlantis disqualify at most 2% of bids and Q3 at most 22%, so the upper fence is
52%. The State Water Corporation disqualified 59% of the bids it received: it is flagged.

Why is this a red flag?
-----------------------
A corrupt buyer or procuring entity can favour pre-determined bidders by disqualifying the other
bids; a colluding bidder can mimic competition by submitting deliberately unqualified bids.

Source
------
Cardinal ``src/indicators/r038.rs`` and ``docs/cli/indicators/R/038.md`` (open-contracting/cardinal-rs).

Output
------
``{"Buyer": {id: {"R038": ratio}}, "ProcuringEntity": {...}, "Tenderer": {...}}``: the ratio as a decimal.

Configuration
-------------
``[R038]`` ``threshold``: a fixed upper fence as a decimal; ``minimum_submitted_bids``: tenderers with
fewer submitted bids are left out (default 2); ``minimum_contracting_processes``: buyers and procuring
entities whose count is lower are left out (default 2). Like Cardinal, that count is of submitted bids.

Exclusions
----------
A process without submitted bids (only invited or withdrawn ones) is excluded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.detection.cardinal.lifecycle import Accumulator, Fraction, Indicator, Release
from engine.detection.cardinal.ocds import submitted_bids, text
from engine.detection.cardinal.quartiles import lower_quartile, upper_fence, upper_quartile
from engine.detection.cardinal.settings import R038Settings, Settings

__all__ = ["R038"]


@dataclass
class _Disqualifications:
    by_group: dict[str, dict[str, Fraction]] = field(
        default_factory=lambda: {"Buyer": {}, "ProcuringEntity": {}, "Tenderer": {}}
    )

    def add(self, group: str, key: str, disqualified: int, submitted: int) -> None:
        fraction = self.by_group[group].setdefault(key, Fraction())
        fraction += Fraction(disqualified, submitted)


class R038(Indicator):
    code = "R038"

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        section: R038Settings = settings.section(self.code)
        self.threshold = section.threshold
        processes = 2 if section.minimum_contracting_processes is None else section.minimum_contracting_processes
        bids = 2 if section.minimum_submitted_bids is None else section.minimum_submitted_bids
        self.minimums = {"Buyer": processes, "ProcuringEntity": processes, "Tenderer": bids}

    def _partial(self, accumulator: Accumulator) -> _Disqualifications:
        return accumulator.partial(self.code, _Disqualifications)

    def fold(self, accumulator: Accumulator, release: Release, ocid: str) -> None:
        bids = list(submitted_bids(release))
        if not bids:
            return  # no ratio without a denominator
        partial = self._partial(accumulator)
        disqualified = 0
        for bid in bids:
            is_disqualified = int(text(bid, "status") == "disqualified")
            disqualified += is_disqualified
            tenderers = bid.get("tenderers")
            for tenderer in tenderers if isinstance(tenderers, list) else []:
                if (tenderer_id := text(tenderer, "id")) is not None:
                    partial.add("Tenderer", tenderer_id, is_disqualified, 1)
        if (buyer_id := text(release.get("buyer"), "id")) is not None:
            partial.add("Buyer", buyer_id, disqualified, len(bids))
        tender = release.get("tender")
        if (entity_id := text(tender.get("procuringEntity") if isinstance(tender, dict) else None, "id")) is not None:
            partial.add("ProcuringEntity", entity_id, disqualified, len(bids))

    def reduce(self, accumulator: Accumulator, other: Accumulator) -> None:
        partial = self._partial(accumulator)
        for group, fractions in self._partial(other).by_group.items():
            for key, fraction in fractions.items():
                partial.add(group, key, fraction.numerator, fraction.denominator)

    def finalize(self, accumulator: Accumulator) -> None:
        for group, fractions in self._partial(accumulator).by_group.items():
            ratios = {key: f.ratio for key, f in fractions.items() if f.denominator >= self.minimums[group]}
            if not ratios:
                continue
            fence = self.threshold
            if fence is None:
                q1, q3 = lower_quartile(ratios.values()), upper_quartile(ratios.values())
                accumulator.set_meta(self.code, f"{group}_q1", q1)
                accumulator.set_meta(self.code, f"{group}_q3", q3)
                fence = upper_fence(q1, q3)
            accumulator.set_meta(self.code, f"{group}_upper_fence", fence)
            if fence > 0.0:
                for key, ratio in ratios.items():
                    if ratio >= fence:
                        accumulator.set_result(group, key, self.code, ratio)
