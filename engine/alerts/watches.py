"""Entities named by a watch (a name, an RFC, a CURP), found the way the resolver finds them.

An identifier is a lookup: the entity whose RFC or CURP it is (or whose id it makes). A name is
put to the resolver itself: the candidate's name is one mention in a fresh resolver, the watched
name another; the watch finds the candidate only if the resolver puts both in one entity — with
its legal forms, surname orders and typos, and its thresholds. At subscribe time the candidates
come from the workspace's search; afterwards, every entity that appears is put to the same test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.alerts.model import Watch
from engine.entity_resolution.bodies import BodyMention, BodyResolver
from engine.entity_resolution.identifiers import parse_curp, parse_rfc
from engine.entity_resolution.records import Mention
from engine.entity_resolution.resolver import Resolver
from engine.entity_resolution.text import tokens
from engine.graph.store import GraphStore

LABELS = {"person": "Person", "company": "Company", "public_body": "PublicBody"}
SEARCH_TIMEOUT_MS = 10_000


@dataclass(frozen=True)
class Found:
    """An entity a watch names, and why."""

    entity_id: str
    label: str
    name: str
    why: str


def watch_label(watch: Watch) -> str | None:
    if watch.kind:
        return LABELS[watch.kind]
    if watch.rfc:
        return "Person" if len(watch.rfc) == 13 else "Company"
    return "Person" if watch.curp else None


def identifier_id(watch: Watch) -> str | None:
    """The graph id an identifier watch makes (``mx-rfc:…``, ``mx-curp:…``), when it is valid."""
    ident = parse_rfc(watch.rfc) if watch.rfc else parse_curp(watch.curp) if watch.curp else None
    return ident.graph_id if ident is not None else None


def matches(watch: Watch, entity: dict[str, Any]) -> str | None:
    """Why ``entity`` (id, label, name, rfc, curp) is the one ``watch`` names, or None."""
    if watch.rfc or watch.curp:
        value = watch.rfc or watch.curp
        prop = "rfc" if watch.rfc else "curp"
        if entity.get("id") == identifier_id(watch) or (entity.get(prop) or "").upper() == value:
            return f"its {prop.upper()} is {value}"
        return None
    label = watch_label(watch)
    name = entity.get("name")
    if entity.get("label") != label or not name or not watch.name:
        return None
    if not _words(watch.name) & _words(name):
        return None  # no word in common: not worth asking the resolver
    return resolver_agrees(watch, name)


def _words(name: str) -> set[str]:
    return {w for w in tokens(name) if len(w) > 2}


def resolver_agrees(watch: Watch, name: str) -> str | None:
    """The resolver's verdict: are ``name`` and the watched name one entity?"""
    assert watch.name is not None
    if watch.kind == "public_body":
        bodies = BodyResolver()
        known = bodies.resolve(BodyMention("candidate", (name,)))
        asked = bodies.resolve(BodyMention("watch", (watch.name,)))
        if asked.decision == "match" and asked.entity_id == known.entity_id:
            return f"the resolver reads {name!r} as {watch.name!r}: {asked.explanation}"
        return None
    kind = "person" if watch.kind == "person" else "company"
    resolver = Resolver()
    known_person = resolver.resolve(Mention("candidate", kind, name))
    asked_person = resolver.resolve(Mention("watch", kind, watch.name))
    if asked_person.decision == "match" and asked_person.entity_id == known_person.entity_id:
        return f"the resolver reads {name!r} as {watch.name!r}: {asked_person.explanation}"
    return None


def find_now(store: GraphStore, watch: Watch, limit: int = 10) -> list[Found]:
    """The entities already in the graph that ``watch`` names."""
    from engine.api.search import search

    label = watch_label(watch)
    labels = [label] if label else ["Person", "Company"]
    query = watch.rfc or watch.curp or watch.name or ""
    found = []
    for hit in search(store, query, labels, limit, SEARCH_TIMEOUT_MS):
        props = hit.node.get("props") or {}
        entity = {"id": hit.id, "label": hit.label, "name": hit.name, "rfc": props.get("rfc"),
                  "curp": props.get("curp")}
        why = matches(watch, entity)
        if not why and hit.matched and hit.matched != hit.name:  # found under another source's spelling
            why = matches(watch, {**entity, "name": hit.matched})
        if why:
            found.append(Found(hit.id, hit.label, hit.name, why))
    return found
