"""Which subscriptions an event reaches, and why — the sentence every alert carries.

A flag reaches a subscription that wants flags when its pattern and severity pass and, if the
subscription has a scope, the flag concerns an entity it watches or a public body it watches (a
unit of it included, or a process, contract or award it bought); a changed flag only reaches
those that asked for changes. A merge or a split reaches the subscriptions watching either
entity. A source record reaches those that named the source, about an entity they watch, a
supplier of a body they watch, or — with no scope — anything. Paused subscriptions get nothing.
"""

from __future__ import annotations

from collections import defaultdict

from engine.alerts.events import FLAG_KINDS, AlertEvent
from engine.alerts.subscriptions import Active
from engine.detection.base import severity_rank


def _scope_reason(sub: Active, event: AlertEvent) -> str | None:
    """How the event touches what ``sub`` watches, or None."""
    watched = sorted(event.entity_ids & sub.entity_ids)
    if watched:
        names = ", ".join(f"{sub.name_of(i)} ({i})" if sub.name_of(i) != i else i for i in watched)
        return f"it concerns {names}, which you watch"
    bodies = sorted(event.bodies & sub.body_ids)
    if bodies:
        via = "" if bodies[0] in event.entity_ids else " (through its units or what it bought)"
        return f"it concerns public body {', '.join(sub.name_of(b) for b in bodies)}, which you watch{via}"
    return None


def _flag_reason(sub: Active, event: AlertEvent) -> str | None:
    spec = sub.spec
    if not spec.wants_flags or (event.kind == "flag_changed" and not spec.changes):
        return None
    if spec.patterns and event.pattern not in spec.patterns:
        return None
    if severity_rank(event.severity) < severity_rank(spec.min_severity):
        return None
    what = f"pattern {event.pattern}" + (" (one of yours)" if spec.patterns else "") + \
        f", severity {event.severity} ≥ {spec.min_severity}"
    if spec.changes and event.kind == "flag_changed":
        what += ", and you asked for changes"
    if not spec.scoped:
        return what
    scope = _scope_reason(sub, event)
    return f"{scope}; {what}" if scope else None


def reason(sub: Active, event: AlertEvent) -> str | None:
    """Why ``event`` reaches ``sub`` (a sentence), or None if it does not."""
    if sub.paused or not sub.active:
        return None
    if event.only_subscription is not None:
        return "a name or identifier you watch was found" if event.only_subscription == sub.id else None
    if event.kind in FLAG_KINDS:
        return _flag_reason(sub, event)
    if event.kind in ("entities_merged", "entity_split"):
        ids = event.entity_ids & (sub.entity_ids | sub.body_ids)
        if not ids:
            return None
        if event.kind == "entities_merged" and len(ids) == 2:
            absorbed, survivor = event.details["absorbed"], event.details["survivor"]
            return f"you watch both {sub.name_of(absorbed)} and {sub.name_of(survivor)}"
        return f"you watch {', '.join(sub.name_of(i) for i in sorted(ids))}"
    if event.kind == "source_record":
        if event.source not in sub.spec.sources:
            return None
        if not sub.spec.scoped:
            return f"you follow every new {event.source} record"
        scope = _scope_reason(sub, event)
        if scope and event.bodies & sub.body_ids and not event.entity_ids & sub.entity_ids:
            scope = f"it is about a supplier of public body " \
                    f"{', '.join(sub.name_of(b) for b in sorted(event.bodies & sub.body_ids))}, which you watch"
        return f"{scope}; you follow new {event.source} records" if scope else None
    return None


class Candidates:
    """The subscriptions an event could reach, looked up by what the event names — its entities,
    its public bodies, its pattern, its source — rather than by asking every subscription."""

    def __init__(self, subs: list[Active]):
        self.by_id = {s.id: s for s in subs}
        self.by_entity: dict[str, list[Active]] = defaultdict(list)
        self.by_body: dict[str, list[Active]] = defaultdict(list)
        self.flags_by_pattern: dict[str, list[Active]] = defaultdict(list)  # unscoped; "" for every pattern
        self.records_by_source: dict[str, list[Active]] = defaultdict(list)  # unscoped
        for sub in subs:
            for entity_id in sub.entity_ids:
                self.by_entity[entity_id].append(sub)
            for body_id in sub.body_ids:
                self.by_body[body_id].append(sub)
            if sub.spec.scoped:
                continue
            if sub.spec.wants_flags:
                for code in sub.spec.patterns or [""]:
                    self.flags_by_pattern[code].append(sub)
            for source in sub.spec.sources:
                self.records_by_source[source].append(sub)

    def watch(self, sub: Active, entity_id: str) -> None:
        """``sub`` watches one more entity (a watch found it)."""
        if sub not in self.by_entity[entity_id]:
            self.by_entity[entity_id].append(sub)

    def of(self, event: AlertEvent) -> list[Active]:
        if event.only_subscription is not None:
            return [self.by_id[event.only_subscription]] if event.only_subscription in self.by_id else []
        found: dict[str, Active] = {}
        for entity_id in event.entity_ids:
            found.update((s.id, s) for s in self.by_entity.get(entity_id, ()))
        for body_id in event.bodies | event.entity_ids:
            found.update((s.id, s) for s in self.by_body.get(body_id, ()))
        if event.kind in FLAG_KINDS:
            for code in ("", event.pattern or ""):
                found.update((s.id, s) for s in self.flags_by_pattern.get(code, ()))
        if event.kind == "source_record":
            found.update((s.id, s) for s in self.records_by_source.get(event.source or "", ()))
        return [found[k] for k in sorted(found)]


def match(subs: list[Active], event: AlertEvent) -> list[tuple[Active, str]]:
    out = []
    for sub in subs:
        why = reason(sub, event)
        if why:
            out.append((sub, why))
    return out
