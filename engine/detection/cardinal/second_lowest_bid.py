"""The percentage difference between the winning bid and the second-lowest valid bid, per process.

Shared by R024 (a low outlier: prices close to the winner) and R058 (a high outlier: a heavily
discounted winner), like Cardinal's ``SecondLowestBidRatio`` in ``src/indicators/util.rs``. It runs
before the indicators when either is enabled, and writes no result itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.detection.cardinal.lifecycle import Accumulator, Indicator, Release, ieee_divide
from engine.detection.cardinal.ocds import (
    complete_awards_and_bids_if_all_awards_final,
    matches_procurement_method_details,
    tenderer_and_value_of_valid_bids,
    text,
)
from engine.detection.cardinal.settings import Settings, pipe_separated

__all__ = ["SecondLowestBidRatio", "SecondLowestBids", "second_lowest_bids"]


@dataclass
class SecondLowestBids:
    ratios: dict[str, float] = field(default_factory=dict)
    # The winner and the lowest non-winner for each ocid with a ratio.
    winner_and_lowest_non_winner: dict[str, tuple[str, str]] = field(default_factory=dict)


def second_lowest_bids(accumulator: Accumulator) -> SecondLowestBids:
    return accumulator.partial(SecondLowestBidRatio.code, SecondLowestBids)


class SecondLowestBidRatio(Indicator):
    code = "second_lowest_bid_ratio"

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.price_comparison = pipe_separated(settings.price_comparison_procurement_methods)
        self.no_price_comparison = pipe_separated(settings.no_price_comparison_procurement_methods)

    def fold(self, accumulator: Accumulator, release: Release, ocid: str) -> None:
        if not matches_procurement_method_details(release, self.price_comparison, self.no_price_comparison):
            return
        found = complete_awards_and_bids_if_all_awards_final(release)
        if found is None:
            return
        complete_awards, details = found
        # One active award: all bids compete for all items (many active awards would need lots).
        # One supplier: the bid's tenderer must be the award's supplier (cardinal-rs issue #17).
        if len(complete_awards) != 1:
            return
        suppliers = complete_awards[0].get("suppliers")
        if not isinstance(suppliers, list) or len(suppliers) != 1 or (supplier_id := text(suppliers[0], "id")) is None:
            return
        winner: tuple[str, float] | None = None
        lowest_non_winner: tuple[str, float] | None = None
        for tenderer_id, amount, currency in tenderer_and_value_of_valid_bids(details):
            if not accumulator.is_main_currency(currency, self.settings.currency):
                continue
            # If the winner submitted several bids, the lowest one counts.
            if tenderer_id == supplier_id:
                if winner is None or amount < winner[1]:
                    winner = (tenderer_id, amount)
            elif lowest_non_winner is None or amount < lowest_non_winner[1]:
                lowest_non_winner = (tenderer_id, amount)
        # If the lowest bid did not win, the award criteria are not price only, as the ratio assumes.
        if winner is None or lowest_non_winner is None or lowest_non_winner[1] < winner[1]:
            return
        partial = second_lowest_bids(accumulator)
        partial.ratios[ocid] = ieee_divide(lowest_non_winner[1] - winner[1], winner[1])
        partial.winner_and_lowest_non_winner[ocid] = (winner[0], lowest_non_winner[0])

    def reduce(self, accumulator: Accumulator, other: Accumulator) -> None:
        if accumulator.currency is not None and other.currency is not None and accumulator.currency != other.currency:
            return  # Cardinal drops a partial result computed in another currency
        mine, theirs = second_lowest_bids(accumulator), second_lowest_bids(other)
        mine.ratios.update(theirs.ratios)
        mine.winner_and_lowest_non_winner.update(theirs.winner_and_lowest_non_winner)
