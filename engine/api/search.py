"""Search people, companies and public bodies by name, RFC or CURP, the way the resolver reads
them: accents, case and punctuation folded, legal forms set apart ("S.A. de C.V." is not part
of a company's name), names in any order, a name cut short read as a prefix, a typo tolerated.

Candidates come from the store's full-text indexes over every entity's folded name and every
source's spelling of it (``Mention``); they are ranked with the resolver's own comparisons,
and each hit says why it matched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from engine.entity_resolution import compare, fuzzy
from engine.entity_resolution.companies import STOPWORDS, parse_company_name
from engine.entity_resolution.identifiers import parse_curp, parse_rfc
from engine.entity_resolution.records import Mention, prepare
from engine.entity_resolution.text import tokens
from engine.graph import workspace
from engine.graph.model import search_fold
from engine.graph.store import GraphStore, SearchTerm


def kind_of(label: str) -> str:
    """``PublicBody`` → ``public_body``: the ``kind`` a client names a label by."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", label).lower()


def kinds() -> dict[str, str]:
    return {kind_of(label): label for label in workspace.entity_labels()}


@dataclass
class Hit:
    id: str
    label: str
    name: str
    node: dict[str, Any]
    score: float = 0.0
    why: list[str] = field(default_factory=list)
    matched: str = ""


def _terms(query: str) -> list[str]:
    """The words to look for: folded, without a company's legal form and small words."""
    core = [w for w in _core_words(query) if len(w) <= 64]
    return core or [w for w in search_fold(query).split() if len(w) <= 64]


def _full_text(store: GraphStore, labels: list[str], core: list[str], limit: int,
               timeout_ms: int) -> dict[str, tuple[dict[str, Any], str, str]]:
    """(node, matched spelling, how) per entity id: exact words with the last one as a prefix,
    then, if that finds too few, words of five letters or more within one typo."""
    found: dict[str, tuple[dict[str, Any], str, str]] = {}
    strict = [SearchTerm(w, "exact") for w in core[:-1]] + [SearchTerm(core[-1], "prefix" if len(core[-1]) > 1
                                                                          else "exact")]
    loose = [SearchTerm(w, "fuzzy" if len(w) >= 5 else t.mode) for w, t in zip(core, strict, strict=True)]
    for terms, how in ((strict, "every word found"), (loose, "every word found, allowing one typo")):
        if len(found) >= limit:
            break
        for label in labels:
            for row in store.search_text(label, terms, limit, timeout_ms):
                found.setdefault(row["id"], (row["node"], row["node"]["name"], how))
        mentions = store.search_text("Mention", terms, limit, timeout_ms)
        if mentions:
            spelled = {r["id"]: r["node"]["name"] for r in mentions}
            sources = {r["id"]: r["node"]["props"].get("source") for r in mentions}
            owners = store.read(workspace.MENTION_ENTITIES.text, {"ids": list(spelled)}, timeout_ms)
            ids = [o["id"] for o in owners if o["label"] in labels and o["id"] not in found]
            nodes = {r["id"]: r["node"] for r in store.read(workspace.nodes_by_ids().text, {"ids": ids}, timeout_ms)}
            for owner in owners:
                if owner["id"] in nodes and owner["id"] not in found:
                    found[owner["id"]] = (nodes[owner["id"]], spelled[owner["mention"]],
                                          f"{how} in the name as {sources[owner['mention']] or 'a source'} gave it")
    return found


def _compare(label: str, query: str, name: str) -> tuple[float, str]:
    """The resolver's comparison of the query with one spelling of a name: score and detail."""
    if label in ("Person", "Company"):
        kind = label.lower()
        a, b = prepare(Mention("query", kind, query)), prepare(Mention("hit", kind, name))
        result = compare.person_name(a, b) if kind == "person" else compare.company_name(a, b)
        if result is not None:
            return result.score, result.detail
    x, y = " ".join(tokens(query)), " ".join(tokens(name))
    score = fuzzy.token_set_ratio(x, y)
    return score, f"names {round(score * 100)}% alike as sets of words"


def _core_words(text: str) -> list[str]:
    """The words that carry a name: folded, without a legal form or small words."""
    company = parse_company_name(text)
    words = company.name.split() if company.legal_form else tokens(text)
    return search_fold(" ".join(w for w in words if w not in STOPWORDS)).split()


def _coverage(words: list[str], name: str) -> float:
    """Share of the longer of the two names covered by the query's words (the last may be a prefix)."""
    have = _core_words(name)
    if not have or not words:
        return 0.0
    hit = sum(1 for i, w in enumerate(words)
              if w in have or (i == len(words) - 1 and any(h.startswith(w) for h in have)))
    return hit / max(len(words), len(have))


def search(store: GraphStore, query: str, labels: list[str], limit: int, timeout_ms: int) -> list[Hit]:
    """Entities of ``labels`` matching ``query``, best first, each with why it matched."""
    hits: dict[str, Hit] = {}
    rfc, curp = parse_rfc(query), parse_curp(query)
    for ident, prop in ((rfc, "rfc"), (curp, "curp")):
        if ident is None:
            continue
        rows = store.read(workspace.nodes_by_ids().text, {"ids": [ident.graph_id]}, timeout_ms)
        for label in labels:
            rows += store.read(workspace.by_identifier(label, prop).text, {"value": ident.value, "limit": limit},
                               timeout_ms)
        for row in rows:
            if row["label"] in labels:
                check = "" if ident.checksum_ok else " (its check digit is wrong)"
                hits[row["id"]] = Hit(row["id"], row["label"], row["node"]["name"], row["node"], 1.0,
                                      [f"{prop.upper()} {ident.value} is this entity's {prop.upper()}{check}"],
                                      ident.value)
    core = _terms(query)
    if core:
        for entity_id, (node, spelled, how) in _full_text(store, labels, core, limit, timeout_ms).items():
            if entity_id in hits:
                continue
            similarity, detail = _compare(node["label"], query, spelled)
            covered = _coverage(core, spelled)
            why = [f"full text: {how} ({', '.join(core)})", f"resolver: {detail}"]
            if spelled != node["name"]:
                why.append(f"matched the spelling {spelled!r}")
            hits[entity_id] = Hit(entity_id, node["label"], node["name"], node,
                                  round(0.5 * similarity + 0.5 * covered, 4), why, spelled)
    return sorted(hits.values(), key=lambda h: (-h.score, h.name, h.id))[:limit]


def backfill_search_text(store: GraphStore, batch: int = 5000) -> int:
    """Give the folded search text to nodes written without it; returns how many."""
    done = 0
    for label in (*workspace.entity_labels(), "Mention"):
        while True:
            rows = store.run(workspace.missing_search_text(label), {"limit": batch})
            if not rows:
                break
            store.run(workspace.set_search_text(label), {"rows": [
                {"id": r["id"], "text": search_fold(" ".join(v for v in r["values"] if isinstance(v, str))) or "-"}
                for r in rows]})
            done += len(rows)
    return done
