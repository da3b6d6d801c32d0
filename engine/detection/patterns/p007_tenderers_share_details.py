"""P007 — Tenderers in the same process share an address, phone, e-mail or legal
representative (Cardinal R044, "business similarities between suppliers").

What is flagged
    A contracting process where two or more different tenderers share the same address
    (the same shared ``Address`` node), telephone, e-mail, or a person who owns, directs
    or represents both.

Threshold
    At least ``min_shared`` (default 1) shared detail between two tenderers. Severity
    *high* when they share a representative or owner, *medium* otherwise; score 0.5 +
    0.15 per kind of detail shared, at most 0.95.

Why it is a red flag
    Bids from companies that are in fact one (same office, same phone, same people) fake
    competition: collusion or bid rigging with cover bids.

Source
    Cardinal R044 (Open Contracting Partnership), OCDS parties with addresses and contact
    points, ownership and representation registers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations
from typing import ClassVar

from pydantic import Field

from engine.detection.base import EntityRef, Finding, PatternConfig
from engine.detection.context import CONTROL, DetectionContext


class Settings(PatternConfig):
    min_shared: int = Field(default=1, ge=1)


def _norm(value: object) -> str:
    return "".join(ch for ch in str(value).lower() if ch.isalnum()) if value else ""


class TenderersShareDetails:
    code: ClassVar[str] = "P007"
    title: ClassVar[str] = "Tenderers in one process share an address, phone, e-mail or representative"
    Config: ClassVar[type[PatternConfig]] = Settings

    def find(self, ctx: DetectionContext, config: Settings) -> Iterable[Finding]:
        known: dict[str, _Details] = {}
        for process in list(ctx.nodes("ContractingProcess")):
            tenderers = sorted({t for t, _ in ctx.into(process, "TENDERED")})
            for t in tenderers:
                if t not in known:
                    known[t] = _details(ctx, t)
            for a, b in combinations(tenderers, 2):
                shared = _shared(known[a], known[b])
                if len(shared) < config.min_shared:
                    continue
                people = [v for k, v in shared if k == "representative"]
                details = "; ".join(f"{k} {ctx.name(v) if k in ('address', 'representative') else v}"
                                    for k, v in shared)
                title = ctx.props(process).get("title") or process
                yield Finding(
                    pattern=self.code, key=(process, a, b), title=self.title,
                    severity="high" if people else "medium",
                    score=round(min(0.5 + 0.15 * len({k for k, _ in shared}), 0.95), 3),
                    sentence=f"{ctx.name(a)} and {ctx.name(b)} both bid in “{title}” and share: {details}.",
                    entities=[EntityRef("ContractingProcess", process, "process"),
                              EntityRef(ctx.label(a), a, "tenderer"), EntityRef(ctx.label(b), b, "tenderer")]
                    + [EntityRef("Person", p, "shared representative") for p in people if ctx.label(p) == "Person"],
                    evidence={"path": [a, process, b], "shared": [{"kind": k, "value": v} for k, v in shared]},
                )


@dataclass(frozen=True)
class _Details:
    addresses: frozenset[str]
    phone: tuple[str, str]  # (normalised, as written)
    email: tuple[str, str]
    controllers: frozenset[str]


def _details(ctx: DetectionContext, node: str) -> _Details:
    props = ctx.props(node)
    phone, email = props.get("telephone"), props.get("email")
    return _Details(
        addresses=frozenset(x for x, _ in ctx.out(node, "LOCATED_AT")),
        phone=(_norm(phone), str(phone or "")),
        email=(_norm(email), str(email or "")),
        controllers=frozenset(c for t in CONTROL for c, _ in ctx.into(node, t)),
    )


def _shared(a: _Details, b: _Details) -> list[tuple[str, str]]:
    shared: list[tuple[str, str]] = [("address", x) for x in sorted(a.addresses & b.addresses)]
    for kind, mine, theirs in (("phone", a.phone, b.phone), ("e-mail", a.email, b.email)):
        if mine[0] and mine[0] == theirs[0]:
            shared.append((kind, mine[1]))
    shared += [("representative", c) for c in sorted(a.controllers & b.controllers)]
    return shared
