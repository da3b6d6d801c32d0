"""R018 Single bid received: only one tenderer submitted a bid in a competitive procedure.

Methodology
-----------
A contracting process is flagged if

    /tender/numberOfTenderers == 1  and  /tender/procurementMethod in {open, selective}

The number of tenderers must be the JSON integer 1 (``1.0`` or ``-1`` do not count).

Example
-------
The Ministry of Education publishes an open opportunity and receives a single bid. The process is
flagged.

Why is this a red flag?
-----------------------
In a competitive procedure, a lack of competition can mean competition was *suppressed*: the ideal
outcome for a corrupt buyer and a pre-determined bidder.

Source
------
Cardinal ``src/indicators/r018.rs`` and ``docs/cli/indicators/R/018.md`` (open-contracting/cardinal-rs),
based on "Single bidder" in Fazekas, Tóth & King, "An Objective Corruption Risk Index Using Public
Procurement Data", European Journal on Criminal Policy and Research (2016).

Output
------
``{"OCID": {ocid: {"R018": 1.0}}}``: the value is always 1.0.

Configuration
-------------
``[R018]`` ``procurement_methods``: the competitive methods, pipe-separated (default ``open|selective``).
Setting it to an empty value makes every procurement method competitive.

Exclusions
----------
A process is excluded if its procurement method is missing or not competitive, or if
``/tender/numberOfTenderers`` is missing.
"""

from __future__ import annotations

from engine.detection.cardinal.lifecycle import Accumulator, Indicator, Release
from engine.detection.cardinal.ocds import matches_procurement_method
from engine.detection.cardinal.settings import R018Settings, Settings, pipe_separated

__all__ = ["R018"]


class R018(Indicator):
    code = "R018"

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        section: R018Settings = settings.section(self.code)
        methods = "open|selective" if section.procurement_methods is None else section.procurement_methods
        self.procurement_methods = pipe_separated(methods)

    def fold(self, accumulator: Accumulator, release: Release, ocid: str) -> None:
        tender = release.get("tender")
        if not isinstance(tender, dict) or not matches_procurement_method(tender, self.procurement_methods):
            return
        number_of_tenderers = tender.get("numberOfTenderers")
        # Cardinal reads the count as an unsigned integer: floats, negatives and booleans never equal 1.
        if type(number_of_tenderers) is int and number_of_tenderers == 1:
            accumulator.set_result("OCID", ocid, self.code, 1.0)
