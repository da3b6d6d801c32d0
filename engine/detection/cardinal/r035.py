"""R035 All except winning bid disqualified: only the winner's bids are valid, others are disqualified.

Methodology
-----------
A contracting process is flagged if

- exactly one tenderer submitted valid bids,
- that tenderer is exactly the set of suppliers of the active awards, and
- ``|tenderers with disqualified bids - {that tenderer}| >= threshold`` (default 1).

Example
-------
The National Rail Service receives five bids, disqualifies four and awards the contract to the
remaining bid from CorruptX Solutions. The process is flagged with 4.0.

Why is this a red flag?
-----------------------
A corrupt buyer can award a pre-determined bidder by disqualifying the other bidders' bids.

Source
------
Cardinal ``src/indicators/r035.rs`` and ``docs/cli/indicators/R/035.md`` (open-contracting/cardinal-rs),
based on "Fraud in Public Procurement: A collection of Red Flags and Best Practices" (European
Commission, 2017) and the IACRC "Guide to Combating Corruption & Fraud in Infrastructure Development Projects".

Output
------
``{"OCID": {ocid: {"R035": n}}, "Tenderer": {winner: {"R035": 0.0}}}``: n is the number of other
tenderers with disqualified bids; the winner is marked with 0.0.

Configuration
-------------
``[R035]`` ``threshold``: the minimum number of other tenderers with disqualified bids (default 1;
0 is treated as 1).

Exclusions
----------
A process is excluded if an award is pending or has an unknown status. Invited, pending and withdrawn
bids are ignored.
"""

from __future__ import annotations

from engine.detection.cardinal.lifecycle import Accumulator, Indicator, Release
from engine.detection.cardinal.ocds import complete_awards_and_bids_if_all_awards_final, text
from engine.detection.cardinal.settings import R035Settings, Settings

__all__ = ["R035"]


class R035(Indicator):
    code = "R035"

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        section: R035Settings = settings.section(self.code)
        self.threshold = 1 if section.threshold is None else max(section.threshold, 1)

    def fold(self, accumulator: Accumulator, release: Release, ocid: str) -> None:
        found = complete_awards_and_bids_if_all_awards_final(release)
        if found is None:
            return
        complete_awards, details = found
        award_supplier_ids = {i for award in complete_awards for i in _ids(award.get("suppliers"))}
        tenderer_ids: dict[str, set[str]] = {"valid": set(), "disqualified": set()}
        for bid in details:
            status = text(bid, "status")
            if status in tenderer_ids:
                tenderer_ids[status].update(_ids(bid.get("tenderers")))
        valid = tenderer_ids["valid"]
        # Not applicable to several winners: a buyer may aggregate bids into one award, which is no red flag.
        if len(valid) != 1 or valid != award_supplier_ids:
            return
        difference = len(tenderer_ids["disqualified"] - valid)
        if difference >= self.threshold:
            accumulator.set_result("OCID", ocid, self.code, float(difference))
            accumulator.set_result("Tenderer", next(iter(valid)), self.code, 0.0)


def _ids(organizations: object) -> list[str]:
    if not isinstance(organizations, list):
        return []
    return [i for organization in organizations if (i := text(organization, "id")) is not None]
