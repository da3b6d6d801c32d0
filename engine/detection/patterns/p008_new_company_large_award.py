"""P008 — Supplier incorporated shortly before a large award.

What is flagged
    A company awarded a contract of at least ``min_amount`` (default 1,000,000, in the
    contract's currency) within ``max_days`` (default 365) of its incorporation. The
    incorporation date comes from the company register when known
    (``incorporation_date``), otherwise from the date encoded in its RFC.

Threshold
    0 ≤ award date − incorporation date ≤ ``max_days`` and amount ≥ ``min_amount``.
    Severity *medium*; score 0.5 + 0.4 × (1 − days / max_days).

Why it is a red flag
    Companies created for one contract lack the track record the award should require
    and are a common vehicle for shell suppliers and simulated operations.

Source
    OCDS awards and contracts, RFC (SAT), company registers; a red flag in the Open
    Contracting Partnership's and the World Bank's lists ("supplier recently
    registered").
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import ClassVar

from pydantic import Field

from engine.detection.base import EntityRef, Finding, PatternConfig
from engine.detection.context import DetectionContext
from engine.entity_resolution.identifiers import parse_rfc


class Settings(PatternConfig):
    max_days: int = Field(default=365, ge=1)
    min_amount: float = Field(default=1_000_000, ge=0)


class NewCompanyLargeAward:
    code: ClassVar[str] = "P008"
    title: ClassVar[str] = "Supplier incorporated shortly before a large award"
    Config: ClassVar[type[PatternConfig]] = Settings

    def find(self, ctx: DetectionContext, config: Settings) -> Iterable[Finding]:
        for company in list(ctx.nodes("Company")):
            large = [a for a in ctx.awards(company) if a.date and (a.amount or 0) >= config.min_amount]
            if not large:  # most companies: asked before the incorporation date is read from the RFC
                continue
            born, source = _incorporated(ctx.props(company))
            if born is None:
                continue
            for award in large:
                try:
                    days = (date.fromisoformat(award.date or "") - born).days
                except ValueError:
                    continue
                if not 0 <= days <= config.max_days:
                    continue
                yield Finding(
                    pattern=self.code, key=(company, award.contract), title=self.title, severity="medium",
                    score=round(0.5 + 0.4 * (1 - days / config.max_days), 3),
                    sentence=(
                        f"{ctx.name(company)} was incorporated on {born.isoformat()} ({source}) and awarded "
                        f"{award.amount:,.2f} {award.currency or ''} by "
                        f"{' and '.join(ctx.name(b) for b in award.buyers) or 'a public body'} "
                        f"{days} days later ({award.date})."
                    ),
                    entities=[
                        EntityRef("Company", company, "supplier"),
                        EntityRef(ctx.label(award.contract) or "Contract", award.contract, "contract"),
                    ]
                    + [EntityRef("PublicBody", b, "buyer") for b in award.buyers],
                    evidence={"path": [company, award.contract], "incorporated": born.isoformat(),
                              "incorporation_source": source, "award_date": award.date, "days": days,
                              "amount": award.amount, "currency": award.currency},
                )


def _incorporated(props: dict[str, object]) -> tuple[date | None, str]:
    raw = props.get("incorporation_date")
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw[:10]), "company register"
        except ValueError:
            pass
    rfc = parse_rfc(props.get("rfc"))
    if rfc is not None and rfc.kind == "company" and rfc.date is not None:
        return rfc.date, f"date in RFC {rfc.value}"
    return None, ""
