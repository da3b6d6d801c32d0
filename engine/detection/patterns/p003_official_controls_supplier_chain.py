"""P003 — Official, or a relative, controls a supplier of the official's institution
through a chain of companies.

What is flagged
    As P002, but the tie reaches the supplier through intermediate companies: the
    official or a relative owns, directs or represents a company that owns (possibly
    through further companies) the supplier, every link of the chain held on the award's
    date (an ownership that began after it, or ended before it, does not count). Chains of 2 up to ``max_chain`` hops
    (default 3) are followed; the effective share is the product of the shares along the
    ownership hops.

Threshold
    ``min_effective_share`` (default 0: any chain). Severity *high* when the effective
    share is at least ``majority_share`` (default 0.5) or unknown, *medium* otherwise.
    Score 0.9 less 0.1 per hop beyond the second, less 0.2 when tenure overlap cannot be
    confirmed.

Why it is a red flag
    Interposed companies are the usual way to hide an interest; a declaration lists the
    holding company, the register shows what it owns.

Source
    PDN S1 participations joined with beneficial-ownership registers (BODS, FtM) and
    contracting data (OCDS).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from pydantic import Field

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
    max_chain: int = Field(default=3, ge=2, le=10)
    min_effective_share: float = Field(default=0.0, ge=0.0, le=1.0)
    majority_share: float = Field(default=0.5, ge=0.0, le=1.0)


class OfficialControlsSupplierChain:
    code: ClassVar[str] = "P003"
    title: ClassVar[str] = "Official or relative controls a supplier through a chain of companies"
    Config: ClassVar[type[PatternConfig]] = Settings

    def find(self, ctx: DetectionContext, config: Settings) -> Iterable[Finding]:
        best: dict[tuple[str, ...], tuple[float, Finding]] = {}
        for c in conflicts(ctx, min_hops=2, max_hops=config.max_chain):
            share = c.path.share
            if share is not None and share < config.min_effective_share:
                continue
            score = 0.9 - 0.1 * (c.path.hops - 2) - (0 if c.tenure_known else 0.2) - (
                NAMESAKE_PENALTY if c.path.namesake_of else 0)
            share_text = f" (effective share {share:.0%})" if share is not None else ""
            sentence = (
                f"{ctx.name(c.official)} ({post_text(ctx, c)}): {describe_tie(ctx, c)}{share_text}; "
                f"{ctx.name(c.supplier)} was awarded {describe_awards(ctx, c)} by {ctx.name(c.body)} ({role_text(c)})"
                f"{' while the post and every tie were held' if c.tenure_known else ' (some dates unknown)'}."
            )
            entities = [EntityRef("Person", c.official, "official"), EntityRef("PublicBody", c.body, "institution"),
                        EntityRef("Company", c.supplier, "supplier")]
            if c.tie.relation != "self":
                entities.append(EntityRef("Person", c.tie.person, c.tie.relation))
            entities += [EntityRef("Company", n, "intermediary") for n in c.path.nodes[1:-1]]
            entities += [EntityRef(ctx.label(a.contract) or "Contract", a.contract, "contract") for a in c.awards]
            finding = Finding(
                pattern=self.code,
                key=(c.official, c.body, c.tie.person, c.supplier),
                title=self.title,
                severity="high" if (share is None or share >= config.majority_share) and not c.path.namesake_of
                else "medium",
                score=round(max(score, 0.1), 3),
                sentence=sentence,
                entities=entities,
                evidence=evidence(ctx, c),
            )
            previous = best.get(finding.key)
            if previous is None or score > previous[0]:  # the strongest chain per official and supplier
                best[finding.key] = (score, finding)
        for _, finding in best.values():
            yield finding
