"""P004 — Official took part in a procedure won by a company tied to the official.

What is flagged
    A person recorded as intervening in a contracting procedure (PDN S2,
    ``INTERVENED_IN``) where a winner of that procedure (a supplier of a contract it
    awarded) is owned, directed or represented by the official or a relative, directly
    or through a chain of up to ``max_chain`` companies, every tie on the path held when the
    contract was awarded (a participation ended by a BAJA before it does not count).

Threshold
    Any such procedure. Severity *critical*; score 0.95 for the official's own tie, 0.9
    for a relative's, less 0.05 per hop beyond the first.

Why it is a red flag
    The official could steer the procedure (requirements, evaluation, award) towards a
    company in which the official has an interest: the conflict is not only of position
    but of action. PDN S2 exists to show who took part in each procedure.

Source
    PDN S2 (servidores públicos que intervienen en contrataciones) joined with S1
    declarations, ownership registers and OCDS awards.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from pydantic import Field

from engine.detection.base import EntityRef, Finding, PatternConfig
from engine.detection.conflicts import NAMESAKE_PENALTY, namesake_note
from engine.detection.context import DetectionContext, combine, held_on


def _day(ctx: DetectionContext, contract: str, process: str) -> str | None:
    props = ctx.props(contract)
    value = props.get("date_signed") or props.get("start_date") or ctx.props(process).get("date")
    return str(value)[:10] if value else None


class Settings(PatternConfig):
    max_chain: int = Field(default=3, ge=1, le=10)


class IntervenedForLinkedWinner:
    code: ClassVar[str] = "P004"
    title: ClassVar[str] = "Official intervened in a procedure won by a company tied to the official"
    Config: ClassVar[type[PatternConfig]] = Settings

    def find(self, ctx: DetectionContext, config: Settings) -> Iterable[Finding]:
        for official in list(ctx.nodes("Person")):
            procedures = list(ctx.out(official, "INTERVENED_IN"))
            if not procedures:
                continue
            reach: dict[str, list[tuple[Any, Any]]] = {}
            for tie in ctx.ties(official):
                for path in ctx.control_paths(tie.person, config.max_chain):
                    reach.setdefault(path.nodes[-1], []).append((tie, path))
            for process, role in procedures:
                for contract, _ in ctx.out(process, "AWARDED"):
                    day = _day(ctx, contract, process)
                    for winner, _ in ctx.into(contract, "SUPPLIES"):
                        # the shortest tie held when the contract was awarded (not known to have ended before)
                        held = [(tie, path) for tie, path in reach.get(winner, [])
                                if combine(held_on(tie.edges, day),
                                           *(held_on(e, day) for e in path.edges)) is not False]
                        if held:
                            tie, path = min(held, key=lambda tp: (tp[1].namesake_of is not None, tp[1].hops,
                                                                  tp[0].relation != "self"))
                            yield self._finding(ctx, official, process, contract, winner, tie, path, role)

    def _finding(self, ctx, official, process, contract, winner, tie, path, role) -> Finding:
        own = tie.relation == "self"
        holder = "they" if own else f"their {tie.relation} {ctx.name(tie.person)}"
        via = "" if path.hops == 1 else f" through {', '.join(ctx.name(n) for n in path.nodes[1:-1])}"
        title = ctx.props(process).get("title") or process
        what = f" as {role.get('role')}" if role.get("role") else ""
        sentence = (
            f"{ctx.name(official)} took part{what} in procedure “{title}”, won by {ctx.name(winner)}, "
            f"which {holder} {'control' if own else 'controls'}{via}{namesake_note(ctx, path)}."
        )
        return Finding(
            pattern=self.code, key=(official, process, winner), title=self.title,
            severity="medium" if path.namesake_of else "critical",
            score=round((0.95 if own else 0.9) - 0.05 * (path.hops - 1)
                        - (NAMESAKE_PENALTY if path.namesake_of else 0), 3), sentence=sentence,
            entities=[EntityRef("Person", official, "official"), EntityRef("ContractingProcess", process, "process"),
                      EntityRef(ctx.label(winner) or "Company", winner, "winner"),
                      EntityRef(ctx.label(contract) or "Contract", contract, "contract")]
            + ([] if own else [EntityRef("Person", tie.person, tie.relation)]),
            evidence={"path": ([] if own else [official]) + list(path.nodes) + [contract, process],
                      "control": list(path.kinds), "relation": tie.relation, "role": role.get("role"),
                      "effective_share": path.share, "namesake_of": path.namesake_of},
        )
