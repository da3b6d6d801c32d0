"""P005 — Sanctioned company or person awarded a contract during the sanction.

What is flagged
    A supplier (``SUPPLIES``) that is the subject of a sanction (``SANCTIONED``; PDN S3,
    FollowTheMoney ``Sanction``) whose period covers the contract's date. SAT's 69-B
    listings are P001's, not this pattern's.

Threshold
    The contract date falls within [start, end] of the sanction (an open end counts as
    ongoing). Contracts or sanctions without dates are not flagged. Severity *critical*
    for a disqualification (inhabilitación) and *high* otherwise; score 0.95 / 0.85.

Why it is a red flag
    A disqualified supplier must not be awarded public contracts (Ley General de
    Responsabilidades Administrativas, art. 81; Ley de Adquisiciones, art. 50); an award
    during the sanction means the check before the award failed or was skipped.

Source
    PDN S3 (servidores públicos y particulares sancionados), sanctions lists as
    FollowTheMoney, joined with OCDS awards.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from engine.detection.base import EntityRef, Finding, PatternConfig
from engine.detection.context import DetectionContext, within

EXCLUDED_PROGRAMS = {"SAT-69B"}


class Settings(PatternConfig):
    pass


class SanctionedSupplier:
    code: ClassVar[str] = "P005"
    title: ClassVar[str] = "Sanctioned supplier awarded a contract during the sanction"
    Config: ClassVar[type[PatternConfig]] = Settings

    def find(self, ctx: DetectionContext, config: Settings) -> Iterable[Finding]:
        for sanction in list(ctx.nodes("Sanction")):
            props = ctx.props(sanction)
            if props.get("program") in EXCLUDED_PROGRAMS:
                continue
            start, end = props.get("start"), props.get("end")
            for supplier, _ in ctx.out(sanction, "SANCTIONED"):
                for award in ctx.awards(supplier):
                    if within(award.date, start, end) is not True:
                        continue
                    kind = str(props.get("type") or props.get("reason") or "sanction")
                    disqualified = "inhabilit" in kind.lower() or "disqualif" in kind.lower() or "debar" in kind.lower()
                    period = f"{str(start)[:10] if start else '?'} to {str(end)[:10] if end else 'open'}"
                    sentence = (
                        f"{ctx.name(supplier)} was awarded {ctx.props(award.contract).get('title') or award.contract} "
                        f"by {' and '.join(ctx.name(b) for b in award.buyers) or 'a public body'} on {award.date}, "
                        f"during a sanction ({kind}; {props.get('authority') or 'authority not stated'}; {period})."
                    )
                    yield Finding(
                        pattern=self.code, key=(sanction, supplier, award.contract), title=self.title,
                        severity="critical" if disqualified else "high", score=0.95 if disqualified else 0.85,
                        sentence=sentence,
                        entities=[EntityRef(ctx.label(supplier), supplier, "supplier"),
                                  EntityRef("Sanction", sanction, "sanction"),
                                  EntityRef(ctx.label(award.contract) or "Contract", award.contract, "contract")]
                        + [EntityRef("PublicBody", b, "buyer") for b in award.buyers],
                        evidence={"path": [sanction, supplier, award.contract], "sanction_start": start,
                                  "sanction_end": end, "contract_date": award.date, "type": kind},
                    )
