"""P001 — Supplier on SAT's 69-B list awarded a public contract.

What is flagged
    A company or person that supplies a contract (OCDS ``SUPPLIES``) and appears on the
    list of article 69-B of Mexico's Federal Tax Code with a status in ``statuses``
    (default *Presunto* and *Definitivo*). Taxpayers that disproved the presumption
    (*Desvirtuado*) or won in court (*Sentencia Favorable*) are not flagged.

Threshold
    Any such contract. Severity is *high* for a definitive listing and *medium* for a
    presumed one; the score is 0.8 (definitive) or 0.6 (presumed), plus 0.15 when the
    contract was signed after SAT published the presumption, i.e. when the buyer could
    have known.

Why it is a red flag
    SAT lists taxpayers that issue invoices for operations that did not exist
    ("empresas fantasma", EFOS). Public money paid to such a supplier is a classic
    channel for diverting funds; the Open Up Guide's detection use case names
    checking suppliers against tax blacklists.

Source
    SAT, "Listado completo de contribuyentes (Artículo 69-B del CFF)", joined with
    contracting data (OCDS) on the supplier's RFC.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from engine.detection.base import EntityRef, Finding, PatternConfig
from engine.detection.context import DetectionContext


class Settings(PatternConfig):
    statuses: list[str] = ["Presunto", "Definitivo"]


class SAT69BSupplier:
    code: ClassVar[str] = "P001"
    title: ClassVar[str] = "Supplier on SAT's 69-B list (simulated invoicing) awarded a contract"
    Config: ClassVar[type[PatternConfig]] = Settings

    def find(self, ctx: DetectionContext, config: Settings) -> Iterable[Finding]:
        for sanction in list(ctx.nodes("Sanction")):
            listing = ctx.props(sanction)
            if listing.get("program") != "SAT-69B" or listing.get("status") not in config.statuses:
                continue
            for supplier, _ in ctx.out(sanction, "SANCTIONED"):
                for award in ctx.awards(supplier):
                    yield self._finding(ctx, sanction, listing, supplier, award)

    def _finding(self, ctx, sanction, listing, supplier, award) -> Finding:
        definitive = listing.get("status") == "Definitivo"
        listed = str(listing.get("listed_on") or "")[:10]
        after_listing = bool(award.date and listed and award.date >= listed)
        score = (0.8 if definitive else 0.6) + (0.15 if after_listing else 0.0)
        buyers = [ctx.name(b) for b in award.buyers]
        money = f" for {award.amount:,.2f} {award.currency or ''}".rstrip() if award.amount else ""
        text = f"listed as {'definitive' if definitive else 'presumed'} on SAT's 69-B list"
        text += f" (presumption published {listed})" if listed else ""
        if listing.get("definitive_on"):
            text += f", definitive since {str(listing['definitive_on'])[:10]}"
        rfc = ctx.props(supplier).get("rfc") or "unknown"
        sentence = (
            f"{ctx.name(supplier)} (RFC {rfc}), {text}, was awarded contract "
            f"{ctx.props(award.contract).get('title') or award.contract}{money} by "
            f"{' and '.join(buyers) or 'a public body'}{f' on {award.date}' if award.date else ''}"
            f"{' — after SAT had published the presumption' if after_listing else ''}."
        )
        entities = [
            EntityRef(ctx.label(supplier), supplier, "supplier"),
            EntityRef(ctx.label(award.contract) or "Contract", award.contract, "contract"),
            EntityRef("Sanction", sanction, "listing"),
        ]
        if award.process:
            entities.append(EntityRef("ContractingProcess", award.process, "process"))
        entities += [EntityRef("PublicBody", b, "buyer") for b in award.buyers]
        return Finding(
            pattern=self.code, key=(supplier, award.contract), title=self.title,
            severity="high" if definitive else "medium", score=round(min(score, 1.0), 3),
            sentence=sentence, entities=entities,
            evidence={
                "path": [sanction, supplier, award.contract], "rfc": rfc, "sat69b_status": listing.get("status"),
                "listed_on": listing.get("listed_on"), "definitive_on": listing.get("definitive_on"),
                "date_signed": award.date, "signed_after_listing": after_listing, "amount": award.amount,
                "currency": award.currency, "buyers": buyers,
            },
        )
