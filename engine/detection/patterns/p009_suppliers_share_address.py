"""P009 — Many suppliers of one buyer at one address.

What is flagged
    An address (a shared ``Address`` node) where at least ``min_suppliers`` (default 3)
    different companies are located that were all awarded contracts by the same public
    body.

Threshold
    ``min_suppliers`` distinct suppliers. Severity *medium*; score 0.5 + 0.1 per supplier
    beyond the threshold, at most 0.9.

Why it is a red flag
    Several "independent" suppliers at one address are often one business split to
    avoid competition thresholds, or shell companies registered at a service address.

Source
    OCDS parties' addresses and awards; registers' addresses.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from pydantic import Field

from engine.detection.base import EntityRef, Finding, PatternConfig
from engine.detection.context import DetectionContext


class Settings(PatternConfig):
    min_suppliers: int = Field(default=3, ge=2)


class SuppliersShareAddress:
    code: ClassVar[str] = "P009"
    title: ClassVar[str] = "Many suppliers of one buyer at one address"
    Config: ClassVar[type[PatternConfig]] = Settings

    def find(self, ctx: DetectionContext, config: Settings) -> Iterable[Finding]:
        for address in list(ctx.nodes("Address")):
            by_buyer: dict[str, set[str]] = {}
            for company, _ in ctx.into(address, "LOCATED_AT"):
                for award in ctx.awards(company):
                    for buyer in award.buyers:
                        by_buyer.setdefault(buyer, set()).add(company)
            for buyer, companies in by_buyer.items():
                if len(companies) < config.min_suppliers:
                    continue
                names = ", ".join(sorted(ctx.name(c) for c in companies))
                yield Finding(
                    pattern=self.code, key=(address, buyer), title=self.title, severity="medium",
                    score=round(min(0.5 + 0.1 * (len(companies) - config.min_suppliers), 0.9), 3),
                    sentence=f"{len(companies)} suppliers of {ctx.name(buyer)} are located at {ctx.name(address)}: "
                             f"{names}.",
                    entities=[EntityRef("Address", address, "address"), EntityRef("PublicBody", buyer, "buyer")]
                    + [EntityRef(ctx.label(c), c, "supplier") for c in sorted(companies)],
                    evidence={"path": [address, buyer], "suppliers": sorted(companies)},
                )
