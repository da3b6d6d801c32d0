"""P002 — Official, or a relative, owns, directs or represents a supplier of the
official's own institution (direct).

What is flagged
    A person who holds a position at a public body (``HOLDS_POSITION``, from declarations
    such as PDN S1), where the person — or the person's spouse, dependant or another
    declared relative (``FAMILY_OF``) — directly owns, directs or represents a company
    (``OWNS`` / ``DIRECTS`` / ``REPRESENTS``) that was awarded a contract by that same
    institution — as buyer or as procuring entity, an institution and its sub-units
    (``PART_OF``) counting as one — while the person held the position and the tie.

Threshold
    Any such contract. A contract dated outside the post's period, or outside the period of
    the family tie or the holding (a participation ended by a BAJA declaration), is not
    counted; one where a date or a period's start is unknown is counted with a lower score.
    Severity: *critical* when the official personally holds the tie, *high* for a
    relative. Score 0.95 (official) or 0.9 (relative), less 0.2 when tenure overlap
    cannot be confirmed.

Why it is a red flag
    It is the textbook conflict of interest: the official (or the household) sits on
    both sides of the contract. Mexico's Ley General de Responsabilidades Administrativas
    (art. 58) makes acting in such a conflict a serious fault; declarations of interest
    (S1) exist to reveal it.

Source
    PDN S1 declarations (positions, spouse, dependants, participations, representations),
    beneficial-ownership registers (BODS, FtM), joined with contracting data (OCDS) on
    resolved entities.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from engine.detection.base import EntityRef, Finding, PatternConfig
from engine.detection.conflicts import (
    NAMESAKE_PENALTY,
    conflicts,
    describe_awards,
    describe_tie,
    evidence,
    post_text,
    role_text,
)
from engine.detection.context import DetectionContext


class Settings(PatternConfig):
    pass


class OfficialControlsSupplier:
    code: ClassVar[str] = "P002"
    title: ClassVar[str] = "Official or relative controls a supplier of the official's institution"
    Config: ClassVar[type[PatternConfig]] = Settings

    def find(self, ctx: DetectionContext, config: Settings) -> Iterable[Finding]:
        for c in conflicts(ctx, min_hops=1, max_hops=1):
            own = c.tie.relation == "self"
            score = (0.95 if own else 0.9) - (0 if c.tenure_known else 0.2) - (
                NAMESAKE_PENALTY if c.path.namesake_of else 0)
            sentence = (
                f"{ctx.name(c.official)} ({post_text(ctx, c)}): {describe_tie(ctx, c)}, "
                f"which was awarded {describe_awards(ctx, c)} by {ctx.name(c.body)} ({role_text(c)})"
                f"{' while the post and every tie were held' if c.tenure_known else ' (some dates unknown)'}."
            )
            entities = [EntityRef("Person", c.official, "official"), EntityRef("PublicBody", c.body, "institution"),
                        EntityRef("Company", c.supplier, "supplier")]
            if not own:
                entities.append(EntityRef("Person", c.tie.person, c.tie.relation))
            entities += [EntityRef(ctx.label(a.contract) or "Contract", a.contract, "contract") for a in c.awards]
            yield Finding(
                pattern=self.code,
                key=(c.official, c.body, c.tie.person, c.supplier),
                title=self.title,
                severity="medium" if c.path.namesake_of else "critical" if own else "high",
                score=round(score, 3),
                sentence=sentence,
                entities=entities,
                evidence=evidence(ctx, c),
            )
