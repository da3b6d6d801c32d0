"""What the graph adds to an event: before matching, the public bodies it concerns and the
identifiers of its entities (only when some subscription watches bodies or names); after
matching, for the events that reach someone, the evidence an alert shows — a flag's path with
the dates and the source record of each step, what a record says, the flags of a merged entity."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from engine.alerts.events import FLAG_KINDS, AlertEvent
from engine.graph import alerts as q
from engine.graph.store import GraphStore

EVIDENCE_NODES = 60
TIMEOUT_MS = 10_000
_EDGE_FACTS = ("role", "relation", "share", "start", "end", "date", "date_signed", "declared_on", "operation",
               "amount", "currency", "source", "record_id", "first_seen")


def _by_label(entities: list[dict[str, Any]], labels: tuple[str, ...]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for e in entities:
        if e.get("label") in labels and e.get("id"):
            out[e["label"]].add(e["id"])
    return out


def add_bodies(store: GraphStore, events: list[AlertEvent]) -> None:
    """Each event's public bodies: bodies it names, buyers of the processes, contracts and awards it
    names, the buyers a supplier's record leads to; and the institutions those are units of."""
    every = [e for ev in events for e in ev.entities]
    wanted = _by_label(every, ("PublicBody", "ContractingProcess", "Contract", "Award"))
    suppliers = _by_label([e for ev in events if ev.kind == "source_record" for e in ev.entities],
                          ("Person", "Company"))
    bodies_of: dict[str, set[str]] = defaultdict(set)
    for body in wanted.get("PublicBody", ()):
        bodies_of[body].add(body)
    if wanted.get("ContractingProcess"):
        for r in store.run(q.BUYERS_OF_PROCESSES, {"ids": sorted(wanted["ContractingProcess"])}):
            bodies_of[r["id"]].update(r["bodies"])
    for label in ("Contract", "Award"):
        if wanted.get(label):
            for r in store.run(q.buyers_of(label), {"ids": sorted(wanted[label])}):
                bodies_of[r["id"]].update(r["bodies"])
    for label, ids in suppliers.items():
        for r in store.run(q.bodies_supplied(label), {"ids": sorted(ids)}):
            bodies_of[r["id"]].update(r["bodies"])
    found = {b for bs in bodies_of.values() for b in bs}
    above: dict[str, set[str]] = defaultdict(set)
    if found:
        for r in store.run(q.BODIES_ABOVE, {"ids": sorted(found)}):
            above[r["id"]].update(x for x in r["above"] if x)
    for ev in events:
        for e in ev.entities:
            for body in bodies_of.get(e.get("id") or "", ()):
                ev.bodies.add(body)
                ev.bodies.update(above.get(body, ()))


def add_identifiers(store: GraphStore, events: list[AlertEvent]) -> None:
    """Names, RFCs and CURPs of the people, companies and bodies the events name (for watches)."""
    every = [e for ev in events for e in ev.entities if "rfc" not in e]
    facts: dict[str, dict[str, Any]] = {}
    for label, ids in _by_label(every, q.WATCHABLE).items():
        for r in store.run(q.entity_facts(label), {"ids": sorted(ids)}):
            facts[r["id"]] = r
    for ev in events:
        for e in ev.entities:
            if e.get("id") in facts:
                known = facts[e["id"]]
                e.update(rfc=known.get("rfc"), curp=known.get("curp"), name=e.get("name") or known.get("name"))


def _edge_text(edge: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    props = edge.get("props") or {}
    facts = {k: props[k] for k in _EDGE_FACTS if props.get(k) not in (None, "", [])}
    return {"type": edge["type"], "from": names.get(edge["source"], edge["source"]),
            "to": names.get(edge["target"], edge["target"]), **facts}


def flag_evidence(store: GraphStore, flag_id: str) -> dict[str, Any]:
    """A flag's evidence path resolved to named nodes, each step with its relationships' dates and
    source records (the workspace's own reading of it)."""
    from engine.api.cases import get_flag
    from engine.api.graphview import NotFound

    try:
        flag = get_flag(store, flag_id, EVIDENCE_NODES, TIMEOUT_MS)
    except NotFound:
        return {"path": [], "steps": []}
    graph = flag.get("evidence_graph") or {}
    nodes = {n["id"]: n for n in graph.get("nodes", [])}
    names = {i: (n.get("name") or i) for i, n in nodes.items()}
    steps = []
    for step in graph.get("steps", []):
        steps.append({"from": names.get(step["from"], step["from"]), "to": names.get(step["to"], step["to"]),
                      "via": [names.get(v, v) for v in step.get("via", [])],
                      "relations": [_edge_text(e, names) for e in step.get("edges", [])]})
    return {"path": [{"id": i, "label": nodes[i]["label"], "name": names[i]} for i in graph.get("path", [])
                     if i in nodes],
            "steps": steps, "history": flag.get("history") or []}


def add_evidence(store: GraphStore, event: AlertEvent) -> dict[str, Any]:
    """What an alert about ``event`` shows as its evidence."""
    if event.kind in FLAG_KINDS and event.flag:
        evidence = flag_evidence(store, event.flag["id"])
        evidence["facts"] = event.flag.get("evidence")
        return evidence
    if event.kind == "entities_merged":
        survivor, label = event.details["survivor"], event.details.get("label") or ""
        if label not in q.WATCHABLE:
            return {}
        flags = store.run(q.flags_of(label), {"id": survivor})
        spellings = store.run(q.mention_names(label), {"id": survivor})
        return {"flags_now": flags, "spellings": [f"{r['name']} ({r['source']})" for r in spellings if r["name"]]}
    if event.kind in ("source_record", "entity_found") and event.source and event.record_id:
        entity = event.entities[0]
        if entity.get("label") not in q.WATCHABLE:
            return {}
        rows = store.run(q.record_facts(entity["label"]),
                         {"id": entity["id"], "record": event.record_id, "source": event.source})
        said = []
        for r in rows:
            props = {k: v for k, v in (r.get("props") or {}).items() if k in _EDGE_FACTS and v not in (None, "")}
            other = {k: v for k, v in (r.get("other_props") or {}).items()
                     if k in ("program", "status", "type", "authority", "start", "end", "listed_on", "definitive_on",
                              "reason", "amount", "currency", "date_signed")}
            said.append({"type": r["type"], "direction": "out" if r["outgoing"] else "in",
                         "other": {"id": r["other"], "label": r["other_label"], "name": r["other_name"], **other},
                         **props})
        return {"record": {"source": event.source, "record_id": event.record_id}, "says": said}
    return {}


def as_json(value: Any) -> Any:
    """Evidence stored as JSON text on a flag, read back."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value
