"""P006 — Supplier shares an owner, director, representative or address with a
sanctioned company or person.

What is flagged
    A company awarded a contract whose controller (a person or company that owns,
    directs or represents it) is sanctioned, or also controls a sanctioned company; or
    that is located at the same address as a sanctioned company.

Threshold
    Any sanction that is in force on the contract's date, or has no dates (SAT 69-B
    listings count while *Presunto* or *Definitivo*). Severity *high* for a shared
    controller, *medium* for a shared address; score 0.8 / 0.6.

Why it is a red flag
    Sanctioned suppliers reappear behind new companies with the same people or at the
    same address ("empresas espejo"); the sanction is evaded while its subject keeps
    winning contracts.

Source
    PDN S3 and sanctions lists (FtM), SAT 69-B, ownership and company registers, OCDS.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from engine.detection.base import EntityRef, Finding, PatternConfig
from engine.detection.context import CONTROL, DetectionContext, within

ACTIVE_SAT = {"Presunto", "Definitivo"}
ROLE = {"OWNS": "owner", "DIRECTS": "director", "REPRESENTS": "representative"}


class Settings(PatternConfig):
    include_address: bool = True


class SupplierTiedToSanctioned:
    code: ClassVar[str] = "P006"
    title: ClassVar[str] = "Supplier shares an owner, director, representative or address with a sanctioned party"
    Config: ClassVar[type[PatternConfig]] = Settings

    def _sanctions(self, ctx: DetectionContext, node: str, day: str | None) -> list[str]:
        found = []
        for sanction, _ in ctx.into(node, "SANCTIONED"):
            p = ctx.props(sanction)
            if p.get("program") == "SAT-69B":
                if p.get("status") in ACTIVE_SAT:
                    found.append(sanction)
            elif within(day, p.get("start"), p.get("end")) is not False:
                found.append(sanction)
        return found

    def find(self, ctx: DetectionContext, config: Settings) -> Iterable[Finding]:
        for supplier in list(ctx.nodes("Company")):
            awards = ctx.awards(supplier)
            if not awards:
                continue
            day = max((a.date for a in awards if a.date), default=None)
            links: list[tuple[str, str, str, str]] = []  # (via, kind, sanctioned party, sanction)
            for controller, data in ((c, d) for t in CONTROL for c, d in ctx.into(supplier, t)):
                for sanction in self._sanctions(ctx, controller, day):
                    links.append((controller, f"its {ROLE[data['type']]}", controller, sanction))
                for other in {o for t in CONTROL for o, _ in ctx.out(controller, t)} - {supplier}:
                    for sanction in self._sanctions(ctx, other, day):
                        links.append((controller, "a shared controller", other, sanction))
            if config.include_address:
                for address, _ in ctx.out(supplier, "LOCATED_AT"):
                    for other, _ in ctx.into(address, "LOCATED_AT"):
                        if other != supplier:
                            for sanction in self._sanctions(ctx, other, day):
                                links.append((address, "a shared address", other, sanction))
            seen = set()
            for via, kind, party, sanction in links:
                if (via, party) in seen:
                    continue
                seen.add((via, party))
                by_address = kind == "a shared address"
                sentence = (
                    f"{ctx.name(supplier)}, awarded {len(awards)} contract(s), is linked to sanctioned "
                    f"{ctx.name(party)} through {kind} ({ctx.name(via)})."
                )
                yield Finding(
                    pattern=self.code, key=(supplier, via, party), title=self.title,
                    severity="medium" if by_address else "high", score=0.6 if by_address else 0.8, sentence=sentence,
                    entities=[EntityRef("Company", supplier, "supplier"),
                              EntityRef(ctx.label(party) or "Company", party, "sanctioned"),
                              EntityRef("Sanction", sanction, "sanction"),
                              EntityRef(ctx.label(via) or "Person", via, "link")],
                    evidence={"path": [supplier, via, party, sanction], "link": kind,
                              "contracts": [a.contract for a in awards]},
                )
