"""What the conflict-of-interest patterns share: for every official and every post, the
companies the official or a relative controls (directly or through a chain) that were
awarded contracts by the official's institution — as buyer or as procuring entity, the
institution and its sub-units counting as one — on a day when the official held the post
*and* every tie on the path (family, ownership, directorship, representation) was held.

A day on which a tie is known not to have been held (a participation ended by a BAJA
declaration, a post that ended) excludes the award; a day on which a tie's period cannot be
told (an unknown start) keeps it, with ``tenure_known`` false so the score is lower."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from engine.detection.context import Award, ControlPath, DetectionContext, Tie, combine, held_on, within

RELATION_WORDS = {"self": "", "spouse": "spouse", "dependant": "dependant"}
NAMESAKE_PENALTY = 0.3  # score taken off when the path ends at a namesake of the company declared by name alone
VERBS = {"OWNS": "owns", "DIRECTS": "directs", "REPRESENTS": "represents"}


@dataclass
class Conflict:
    official: str
    body: str
    position: dict[str, Any]
    tie: Tie
    path: ControlPath
    awards: list[Award] = field(default_factory=list)
    tenure_known: bool = True
    roles: tuple[str, ...] = ()  # how the institution took part: "buyer", "procuringEntity"

    @property
    def supplier(self) -> str:
        return self.path.nodes[-1]


def conflicts(ctx: DetectionContext, min_hops: int, max_hops: int) -> Iterator[Conflict]:
    """Every (official, post, tie, control path) whose end company supplied the post's institution
    while the post and every tie on the path were held, with the awards that prove it."""
    for official in list(ctx.nodes("Person")):
        positions = ctx.positions(official)
        if not positions:
            continue
        ties = ctx.ties(official)
        for body, position in positions:
            institution = ctx.institution(body)
            for tie in ties:
                for path in ctx.control_paths(tie.person, max_hops):
                    if path.hops < min_hops:
                        continue
                    awarded, known, roles = [], True, set()
                    for award in ctx.awards(path.nodes[-1]):
                        took_part = {role for b, role in award.roles if ctx.institution(b) == institution}
                        if not took_part and institution not in {ctx.institution(b) for b in award.buyers}:
                            continue
                        held = combine(within(award.date, position.get("start"), position.get("end")),
                                       held_on(tie.edges, award.date),
                                       *(held_on(edges, award.date) for edges in path.edges))
                        if held is False:
                            continue
                        known = known and held is True
                        awarded.append(award)
                        roles |= took_part or {"buyer"}
                    if awarded:
                        yield Conflict(official, institution, position, tie, path, awarded, known,
                                       tuple(sorted(roles)))


def describe_tie(ctx: DetectionContext, conflict: Conflict) -> str:
    """'X, who owns 40% of Y' / 'X's spouse Z, who directs Y' along the path."""
    official = ctx.name(conflict.official)
    holder = official if conflict.tie.relation == "self" else (
        f"{official}'s {conflict.tie.relation} {ctx.name(conflict.tie.person)}")
    hops = []
    for (src, dst), kind in zip(zip(conflict.path.nodes, conflict.path.nodes[1:], strict=False),
                                conflict.path.kinds, strict=True):
        share = next((d.get("share") for t, d in ctx.out(src, kind) if t == dst and d.get("share") is not None), None)
        hops.append(f"{VERBS[kind]} {f'{share:g}% of ' if share is not None and kind == 'OWNS' else ''}{ctx.name(dst)}")
    chain = ", which ".join(hops)
    return f"{holder} {chain}{namesake_note(ctx, conflict.path)}"


def namesake_note(ctx: DetectionContext, path: ControlPath) -> str:
    """Why a path that ends at a namesake is only possible: the declaration named the company without an RFC."""
    if path.namesake_of is None:
        return ""
    named, other = path.namesake_of, path.nodes[-1]
    rfcs = [str(ctx.props(n).get("rfc") or "") for n in (named, other)]
    told = f" ({rfcs[0]} / {rfcs[1]})" if all(rfcs) else ""
    return (f" (declared by name alone, as {ctx.name(named)}; {ctx.name(other)} bears the same name with another "
            f"RFC{told}: which company the declaration means is to be checked)")


def describe_awards(ctx: DetectionContext, conflict: Conflict) -> str:
    dates = sorted(a.date for a in conflict.awards if a.date)
    total = sum(a.amount or 0 for a in conflict.awards)
    currency = next((a.currency for a in conflict.awards if a.currency), "")
    money = f" worth {total:,.2f} {currency}".rstrip() if total else ""
    when = f" ({', '.join(dates[:5])}{'…' if len(dates) > 5 else ''})" if dates else ""
    n = len(conflict.awards)
    return f"{n} contract{'s' if n != 1 else ''}{money}{when}"


def role_text(conflict: Conflict) -> str:
    """'by X' / 'with X as procuring entity'."""
    return "as buyer and procuring entity" if len(conflict.roles) > 1 else (
        "as procuring entity" if conflict.roles == ("procuringEntity",) else "as buyer")


def post_text(ctx: DetectionContext, conflict: Conflict) -> str:
    role = conflict.position.get("role")
    start = conflict.position.get("start")
    end = conflict.position.get("end")
    span = f" since {str(start)[:10]}" if start and not end else (
        f" {str(start)[:10]}–{str(end)[:10]}" if start and end else "")
    return f"{role + ' at ' if role else 'official at '}{ctx.name(conflict.body)}{span}"


def evidence(ctx: DetectionContext, conflict: Conflict) -> dict[str, Any]:
    return {
        "official": conflict.official,
        "institution": conflict.body,
        "position": {k: conflict.position.get(k) for k in ("role", "start", "end") if conflict.position.get(k)},
        "tie": {"person": conflict.tie.person, "relation": conflict.tie.relation},
        "path": ([] if conflict.tie.relation == "self" else [conflict.official]) + list(conflict.path.nodes),
        "control": list(conflict.path.kinds),
        "effective_share": conflict.path.share,
        "contracts": [
            {"id": a.contract, "process": a.process, "date": a.date, "amount": a.amount, "currency": a.currency}
            for a in conflict.awards
        ],
        "institution_roles": list(conflict.roles),
        "namesake_of": conflict.path.namesake_of,
        "tenure_overlap": "confirmed" if conflict.tenure_known else "dates unknown",
        "periods": "post and every tie held on the award dates" if conflict.tenure_known
        else "some start or end dates unknown",
    }
