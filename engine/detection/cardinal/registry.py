"""The Cardinal indicators, by code: one explicit table, in the order Cardinal runs them."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from engine.detection.cardinal.lifecycle import Indicator
from engine.detection.cardinal.r003 import R003
from engine.detection.cardinal.r018 import R018
from engine.detection.cardinal.r024 import R024
from engine.detection.cardinal.r025 import R025
from engine.detection.cardinal.r028 import R028
from engine.detection.cardinal.r030 import R030
from engine.detection.cardinal.r035 import R035
from engine.detection.cardinal.r036 import R036
from engine.detection.cardinal.r038 import R038
from engine.detection.cardinal.r048 import R048
from engine.detection.cardinal.r058 import R058

__all__ = ["INDICATORS"]

INDICATORS: Mapping[str, type[Indicator]] = MappingProxyType(
    {
        "R003": R003,  # short submission period
        "R018": R018,  # single bid received
        "R024": R024,  # price close to winning bid
        "R025": R025,  # excessive unsuccessful bids
        "R028": R028,  # identical bid prices
        "R030": R030,  # late bid won
        "R035": R035,  # all except winning bid disqualified
        "R036": R036,  # lowest bid disqualified
        "R038": R038,  # excessive disqualified bids
        "R048": R048,  # heterogeneous supplier
        "R058": R058,  # heavily discounted bid
    }
)
