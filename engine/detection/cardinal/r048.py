"""R048 Heterogeneous supplier: the variety of items a supplier is awarded is a high outlier.

Methodology
-----------
Items must be classified with a hierarchy of numeric codes, such as UNSPSC or CPV, whose first
level is two **digits** (``XX000000``). For each supplier, across all contracting processes:

    variety = |{first `digits` characters of /awards[]/items[]/classification/id}|

over its active awards. A supplier is flagged if its variety is greater than or equal to the
**upper fence** ``Q3 + 1.5 * IQR`` of all varieties (R-8 quartiles, as Cardinal's ``statrs``).

Example
-------
Q1 of suppliers in Atlantis supply items in 1 category and Q3 in at most 4, so the upper fence is
8.5. RentSeekers Inc. supplies items in 20 categories: it is flagged with 20.0.

Why is this a red flag?
-----------------------
A heterogeneous supplier is more likely to be unsuitable, increasing the risk of low value for
money, low quality of delivery or rent extraction.

Source
------
Cardinal ``src/indicators/r048.rs`` and ``docs/cli/indicators/R/048.md`` (open-contracting/cardinal-rs),
based on component C1B of "Design and measurement of a corruption risk index from a supplier
perspective in the context of COVID-19 emergency" (Instituto de Estudios Anticorrupción & OCP, 2021).

Output
------
``{"Tenderer": {supplier_id: {"R048": variety}}}``: the variety as a decimal.

Configuration
-------------
``[R048]`` ``digits``: characters of the code that make a level (default 2); ``threshold``: a fixed
upper fence; ``minimum_contracting_processes``: suppliers awarded in fewer processes are left out
(default 20).

Exclusions
----------
Awards that are not active, have several suppliers or no items are ignored, and so are items
without a classification identifier.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.detection.cardinal.lifecycle import Accumulator, Indicator, Release
from engine.detection.cardinal.ocds import text
from engine.detection.cardinal.quartiles import lower_quartile, upper_fence, upper_quartile
from engine.detection.cardinal.settings import R048Settings, Settings

__all__ = ["R048"]


@dataclass
class _Classifications:
    processes: int = 0
    codes: set[str] = field(default_factory=set)


class R048(Indicator):
    code = "R048"

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        section: R048Settings = settings.section(self.code)
        self.digits = 2 if section.digits is None else section.digits
        self.threshold = section.threshold
        processes = section.minimum_contracting_processes
        self.minimum_contracting_processes = 20 if processes is None else processes

    def _partial(self, accumulator: Accumulator) -> dict[str, _Classifications]:
        return accumulator.partial(self.code, dict)

    def fold(self, accumulator: Accumulator, release: Release, ocid: str) -> None:
        awards = release.get("awards")
        partial = self._partial(accumulator)
        observed_supplier_ids: set[str] = set()
        for award in awards if isinstance(awards, list) else []:
            items, suppliers = (award.get(key) if isinstance(award, dict) else None for key in ("items", "suppliers"))
            # All suppliers need not supply all items: counting them all would overstate heterogeneity.
            if text(award, "status") != "active" or not isinstance(items, list) or not isinstance(suppliers, list):
                continue
            if len(suppliers) != 1 or (supplier_id := text(suppliers[0], "id")) is None:
                continue
            for item in items:
                classification_id = text(item.get("classification") if isinstance(item, dict) else None, "id")
                if classification_id is None:
                    continue
                classifications = partial.setdefault(supplier_id, _Classifications())
                if supplier_id not in observed_supplier_ids:  # once per contracting process
                    observed_supplier_ids.add(supplier_id)
                    classifications.processes += 1
                classifications.codes.add(classification_id[: self.digits])

    def reduce(self, accumulator: Accumulator, other: Accumulator) -> None:
        partial = self._partial(accumulator)
        for supplier_id, theirs in self._partial(other).items():
            mine = partial.setdefault(supplier_id, _Classifications())
            mine.processes += theirs.processes
            mine.codes |= theirs.codes

    def finalize(self, accumulator: Accumulator) -> None:
        varieties = {
            supplier_id: float(len(c.codes))
            for supplier_id, c in self._partial(accumulator).items()
            if c.processes >= self.minimum_contracting_processes
        }
        if self.threshold is None:
            q1, q3 = lower_quartile(varieties.values()), upper_quartile(varieties.values())
            accumulator.set_meta(self.code, "q1", q1)
            accumulator.set_meta(self.code, "q3", q3)
            fence = upper_fence(q1, q3)
        else:
            fence = float(self.threshold)
        accumulator.set_meta(self.code, "upper_fence", fence)
        for supplier_id, variety in varieties.items():
            if variety >= fence:
                accumulator.set_result("Tenderer", supplier_id, self.code, variety)
