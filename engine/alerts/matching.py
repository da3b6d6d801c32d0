"""Which subscriptions an event reaches, and why — the sentence every alert carries.

A flag reaches a subscription that wants flags when its pattern and severity pass and, if the
subscription has a scope, the flag concerns an entity it watches or a public body it watches (a
unit of it included, or a process, contract or award it bought); a changed flag only reaches
those that asked for changes. A merge or a split reaches the subscriptions watching either
entity. A source record reaches those that named the source, about an entity they watch, a
supplier of a body they watch, or — with no scope — anything. Paused subscriptions get nothing.
"""

from __future__ import annotations

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


def match(subs: list[Active], event: AlertEvent) -> list[tuple[Active, str]]:
    out = []
    for sub in subs:
        why = reason(sub, event)
        if why:
            out.append((sub, why))
    return out
