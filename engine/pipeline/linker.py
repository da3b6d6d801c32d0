"""Which entity each mention is, for the link stage: the streaming entity resolver of
``engine.entity_resolution`` for people and companies, the public-body resolver for
institutions, and a key map for the ids sources assign themselves (FtM, BODS, schemes).

The graph is the truth and this is a cache of it. A batch's decisions are staged
(:meth:`EntityLinker.begin`) and kept only once the graph has the batch durably
(:meth:`commit`), or forgotten (:meth:`rollback`). Snapshots in the data folder make a
restart fast; on start, and between batches, :meth:`sync` catches up with what the graph
learnt meanwhile — mentions other workers wrote, merges, splits, reviewers' judgments —
so that a restarted worker, a second worker and a third started later all decide from
what the graph holds.
"""

from __future__ import annotations

import contextlib
import copy
import gzip
import json
import logging
import os
import secrets
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from engine.canonical import CanonicalRecord, EntityMention
from engine.entity_resolution import MemoryStore, Resolver
from engine.entity_resolution.bodies import BodyMention, BodyResolver, Equivalences
from engine.entity_resolution.identifiers import parse_curp, parse_rfc
from engine.entity_resolution.jurisdictions import Jurisdiction, level_of, state_code
from engine.entity_resolution.records import Mention, prepare
from engine.entity_resolution.store import Entity, Judgment, add_member
from engine.graph import cypher
from engine.graph.merge import REDIRECTS_SINCE
from engine.graph.store import GraphStore
from engine.pipeline.facts import KeyLinker, Link
from engine.pipeline.staging import StagedStore

log = logging.getLogger(__name__)
KINDS = {"Person": "person", "Company": "company"}
LABELS = {"person": "Person", "company": "Company"}
CATCH_UP_MARGIN = timedelta(seconds=30)  # writes of other workers that were in flight when we last looked
SNAPSHOT = "linker.json.gz"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


# canonical props the resolver reads under another name (contact points), and attributes it reads as they are
_CONTACT = {"telephone": "phone", "phone": "phone", "email": "email", "url": "website", "website": "website"}
_ATTRIBUTES = ("employer", "occupation", "birth_place", "gender", "nationality", "related_names")


def mention_input(mention_id: str, schema: str, name: str | None, identifiers: dict[str, Any],
                  props: dict[str, Any]) -> dict[str, Any] | None:
    """What the entity resolver reads of a person or company mention, the same live and when rebuilding
    from the graph; None when there is nothing to resolve by (no name, RFC or CURP)."""
    kind = KINDS.get(schema)
    if kind is None:
        return None
    rfc, curp = parse_rfc(identifiers.get("rfc")), parse_curp(identifiers.get("curp"))
    if not (name or rfc or curp):
        return None
    out: dict[str, Any] = {
        "id": mention_id, "kind": kind, "name": name or "",
        "rfc": rfc.value if rfc else None, "curp": curp.value if curp else None,
        "birth_date": _text(props.get("birth_date")) or _text(props.get("incorporation_date")),
        "address": _text(props.get("address")), "country": _text(props.get("country")),
    }
    for prop, field_ in _CONTACT.items():
        if _text(props.get(prop)) and not out.get(field_):
            out[field_] = props[prop].strip()
    others = {s: str(v) for s, v in identifiers.items() if s not in ("rfc", "curp") and _text(str(v))}
    if others:
        out["identifiers"] = others
    out.update({a: props[a] for a in _ATTRIBUTES if props.get(a) not in (None, "", [])})
    return out


# relationships only a person can have: a "company" mention that reads as a person may join a person, but a
# person whose record says such things of them stays a person
PERSON_ONLY = frozenset({"HOLDS_POSITION", "FAMILY_OF", "DECLARED", "INTERVENED_IN", "EMPLOYED_BY"})


def body_input(mention_id: str, name: str | None, identifiers: dict[str, Any], props: dict[str, Any],
               parent: str | None = None) -> BodyMention:
    """What the public-body resolver reads of a body mention."""
    names = tuple(n for n in (name, props.get("legal_name")) if isinstance(n, str) and n.strip())
    where = Jurisdiction(level_of(_text(props.get("order_of_government"))),
                         state_code(_text(props.get("state"))) or state_code(_text(props.get("region"))))
    return BodyMention(mention_id, names or (mention_id,), _text(props.get("acronym")), where,
                       identifiers.get("rfc"), parent)


class EntityLinker:
    """Implements :class:`engine.pipeline.facts.Linker` over a resolver state tied to the graph."""

    def __init__(self, state_dir: Path | None = None, equivalences: Path | None = None, worker: str | None = None,
                 catch_up_every: float = 0.0):
        self.state_dir = state_dir
        self.catch_up_every = catch_up_every  # seconds between catching up with other workers' mentions
        self._caught_up = float("-inf")
        self.worker = worker or secrets.token_hex(4)
        self.equivalences = Equivalences.load(equivalences)
        self.index = MemoryStore()
        self.bodies = BodyResolver(self.equivalences)
        self.keys: dict[str, str] = {}
        self.body_keys: dict[str, str] = {}  # a public body's source key → its body (or the key's own node)
        self.marks = {"mentions": "", "redirects": "", "judgment_at": "", "judgment_id": ""}
        self.mutex = threading.RLock()  # a batch in a worker thread, a save from the main one: one at a time
        self.loaded = self._load()
        self._first_sync = True
        self._reset()

    def _reset(self) -> None:
        self.staged = StagedStore(self.index)
        self.er = Resolver(self.staged)
        self.events: list[dict[str, Any]] = []
        self._keys: dict[str, str] = {}
        self._body_keys: dict[str, str] = {}
        self._bodies_before: BodyResolver | None = None
        self._fallback = KeyLinker()

    # -- one batch -------------------------------------------------------------------------------
    def begin(self) -> None:
        """Stage what the next batch decides."""
        self.rollback()
        self._bodies_before = copy.deepcopy(self.bodies)

    def commit(self) -> None:
        """The graph has the batch durably: keep what it decided."""
        self.staged.commit()
        self.keys.update(self._keys)
        self._keys.clear()
        self.body_keys.update(self._body_keys)
        self._body_keys.clear()
        self._bodies_before = None
        self.events.clear()
        self.er.review_queue.clear()

    def rollback(self) -> None:
        """The batch did not reach the graph: forget what it decided."""
        self.staged.rollback()
        if self._bodies_before is not None:
            self.bodies = self._bodies_before
        self._bodies_before = None
        self._keys.clear()
        self._body_keys.clear()
        self.events.clear()
        self.er.review_queue.clear()

    def link(self, mention: EntityMention, record: CanonicalRecord) -> Link:
        if mention.schema_ == "PublicBody":
            return self._body(mention, record)
        if mention.schema_ not in KINDS:
            return self._fallback.link(mention, record)
        key = mention.key
        known = self._keys.get(key) or self.keys.get(key) if key else None
        if known:
            entity = self.er.entity_of(known) or known
            return Link(entity, "key", 1.0, [f"source key {key}"], label=self._label(entity, mention.schema_))
        mention_id = record.mention_id(mention.ref)
        data = mention_input(mention_id, mention.schema_, mention.name, mention.identifiers, mention.props)
        if data is None:
            # only a source key, no name to resolve by: the key is the entity until a named mention of it arrives
            self._keys[key or ""] = key or ""
            return Link(key or "", "key", 1.0, [f"source key {key}; nothing else to resolve by"])
        result = self.er.resolve(data)
        self.events += result.events
        kind = getattr(result, "entity_kind", "") or KINDS[mention.schema_]
        if kind != KINDS[mention.schema_] and any(
                r.type in PERSON_ONLY and mention.ref in (r.source, r.target) for r in record.relations):
            # joined across kinds, but the record says what only a person can be: the mention keeps a person's
            # entity of its own (the resolver says why)
            self.events += self.er.split(result.entity_id, mention_id, "a person's record, not a company's")
            return self._linked(mention, self.er.entity_of(mention_id) or result.entity_id, "new", 0.0,
                                ["joined a company read as a person's name, but the record holds what only a "
                                 "person can (a post, a family tie): kept as a person"], None, key, mention_id)
        return self._linked(mention, result.entity_id, result.decision, float(result.score),
                            [result.explanation] if isinstance(result.explanation, str) else list(result.explanation),
                            result.possible_entity_id, key, mention_id, result.namesakes)

    def _linked(self, mention: EntityMention, entity_id: str, decision: str, score: float, explanation: list[str],
                possible: str | None, key: str | None, mention_id: str, namesakes: tuple[str, ...] = ()) -> Link:
        if key:
            self._keys[key] = mention_id
        if possible:
            explanation.append(f"possible match with {possible}: queued for review")
        if namesakes:
            explanation.append(f"namesakes kept apart by their RFCs: {', '.join(namesakes)}")
        return Link(entity_id, decision, score, explanation, possible, label=self._label(entity_id, mention.schema_),
                    namesakes=namesakes)

    def _label(self, entity_id: str, schema: str) -> str:
        entity = self.staged.entity(self.staged.redirect(entity_id))
        return LABELS.get(entity.kind, schema) if entity is not None else schema

    def label_of(self, entity_id: str) -> str:
        """The graph label of a person or company entity this linker knows."""
        return self._label(entity_id, "Company")

    def _body(self, mention: EntityMention, record: CanonicalRecord, depth: int = 0) -> Link:
        """A public body, after the institution the record says it is part of (units are scoped by it).

        A body named only by its source key (an FtM employment whose employer is an id) is the body that key
        was resolved to; before its named record arrives, the key's own node, merged into the named body
        once that record is resolved."""
        key = mention.key
        known = (self._body_keys.get(key) or self.body_keys.get(key)) if key else None
        named = bool((mention.name or "").strip() or _text(mention.props.get("legal_name")))
        if key and not named:
            if known is None:
                self._body_keys[key] = key
                return Link(key, "key", 1.0, [f"source key {key}; no name yet: the key stands for the body until "
                                              "its named record arrives"], label="PublicBody")
            body = self.bodies.redirect(known) if self.bodies.knows(known) else known
            return Link(body, "key", 1.0, [f"source key {key}"], label="PublicBody")
        link = self._named_body(mention, record, depth)
        if key:
            if known is not None and known != link.entity_id and not self.bodies.knows(known):
                # the key's own node, written before this named record: one body now
                self.events.append({"type": "entities_merged", "entity_id": link.entity_id,
                                    "merged_entity_id": known, "label": "PublicBody"})
                link.explanation.append(f"source key {key}: its earlier node {known} merged into this body")
            self._body_keys[key] = link.entity_id
        return link

    def _named_body(self, mention: EntityMention, record: CanonicalRecord, depth: int) -> Link:
        parent: str | None = None
        for rel in record.relations:
            if rel.type == "PART_OF" and rel.source == mention.ref and depth < 5:
                above = next((e for e in record.entities if e.ref == rel.target), None)
                if above is not None:
                    parent = self._body(above, record, depth + 1).entity_id
                break
        m = body_input(record.mention_id(mention.ref), mention.name, mention.identifiers, mention.props, parent)
        result = self.bodies.resolve(m)
        self.events += result.events
        explanation = [result.explanation]
        if result.possible_entity_id:
            explanation.append(f"possible match with {result.possible_entity_id}: queued for review")
        return Link(result.entity_id, result.decision, result.score, explanation, result.possible_entity_id,
                    label="PublicBody", display_name=result.display_name, parents=result.parents)

    def take_merges(self) -> list[tuple[str, str, str]]:
        """(absorbed entity, survivor, label) for every merge the staged batch decided."""
        merges = []
        for event in self.events:
            if event.get("type") == "entities_merged":
                label = event.get("label")
                if label is None:
                    survivor = self.staged.entity(event["entity_id"])
                    label = LABELS.get(survivor.kind, "Company") if survivor is not None else "Company"
                merges.append((event["merged_entity_id"], event["entity_id"], label))
        return merges

    # -- catching up with the graph ---------------------------------------------------------------
    def sync(self, store: GraphStore, full: bool = False) -> int:
        """Learn what the graph learnt since last time: reviewers' judgments, merges, and the mentions
        others wrote (all of them when ``full``). Outside a batch; returns how many facts were learnt."""
        with self.mutex:
            self.rollback()
            try:
                learnt = self._judgments(store)
                learnt += self._redirects(store)
                due = time.monotonic() - self._caught_up >= self.catch_up_every
                if full or self._first_sync or due:
                    learnt += self._mentions(store, mine_too=full or self._first_sync)
                    self._caught_up = time.monotonic()
            except BaseException:
                self.rollback()
                raise
            self.staged.commit()
            self.loaded, self._first_sync = True, False
            return learnt

    def _since(self, mark: str) -> str:
        if not mark:
            return ""
        return (datetime.fromisoformat(mark) - CATCH_UP_MARGIN).isoformat(timespec="milliseconds")

    def _mentions(self, store: GraphStore, mine_too: bool) -> int:
        learnt, since, page = 0, self._since(self.marks["mentions"]), 5000
        last = self.marks["mentions"]
        offset = 0
        while True:
            rows = store.run(cypher.MENTIONS_WRITTEN_SINCE, {"since": since, "me": "" if mine_too else self.worker,
                                                             "skip": offset, "limit": page})
            for row in rows:
                learnt += self._place(row)
                last = max(last, str(row.get("at") or ""))
            offset += len(rows)
            if len(rows) < page:
                break
        self.marks["mentions"] = last
        return learnt

    def _place(self, row: dict[str, Any]) -> int:
        """Put one mention where the graph has it; 1 when that changed anything."""
        identifiers = json.loads(row["identifiers"]) if row.get("identifiers") else {}
        props = json.loads(row["props"]) if row.get("props") else {}
        entity_id, label = row["entity"], row["label"]
        if row.get("key") and label in ("Person", "Company"):
            self.keys.setdefault(row["key"], row["mention"])
        if label == "PublicBody":
            named = bool((row.get("name") or "").strip() or _text(props.get("legal_name")))
            if row.get("key") and (named or row["key"] not in self.body_keys):
                self.body_keys[row["key"]] = entity_id
            if not named:
                return 1  # only a key: nothing for the body resolver to learn
            self.bodies.place(body_input(row["mention"], row.get("name"), identifiers, props), entity_id)
            return 1
        data = mention_input(row["mention"], row.get("schema") or label, row.get("name"), identifiers, props)
        if data is None:
            return 0
        current = self.staged.entity_of(data["id"])
        if current is not None and self.staged.redirect(current) == self.staged.redirect(entity_id):
            return 0
        record = prepare(Mention.from_dict(data))
        if current is not None:
            self._leave(record, self.staged.redirect(current))
        target = self.staged.entity(self.staged.redirect(entity_id))
        if target is None:
            target = Entity(entity_id, KINDS.get(label, record.kind), self.staged.next_sequence())
        add_member(self.staged, target, record)
        self.staged.put_entity(target)
        return 1

    def _leave(self, record: Any, entity_id: str) -> None:
        """Take a mention out of an entity (another worker or a reviewer moved it in the graph)."""
        entity = self.staged.entity(entity_id)
        if entity is None:
            return
        rest = [self.staged.mention(m) for m in entity.members if m != record.id]
        self.staged.unindex(record.keys, entity.id)
        entity.members, entity.rfcs, entity.curps = [], set(), set()
        if not rest:
            self.staged.delete_entity(entity.id, None)
            return
        for other in rest:
            if other is not None:
                add_member(self.staged, entity, other)
        self.staged.put_entity(entity)

    def _redirects(self, store: GraphStore) -> int:
        learnt = 0
        last = self.marks["redirects"]
        for row in store.run(REDIRECTS_SINCE, {"since": self._since(last)}):
            last = max(last, str(row.get("at") or ""))
            source, target = row["source"], row["target"]
            if row.get("label") == "PublicBody":
                if self.bodies.knows(source) and self.bodies.knows(target) and \
                        self.bodies.redirect(source) != self.bodies.redirect(target):
                    self.bodies.judge(source, target, same=True, author="merged in the graph")
                    learnt += 1
                continue
            a, b = self.staged.entity(self.staged.redirect(source)), self.staged.entity(self.staged.redirect(target))
            if a is not None and b is not None and a.id != b.id and self.er.compatible(a, b):
                self.er.merge(b.id, a.id, reason="merged in the graph")
                learnt += 1
        self.events.clear()
        self.marks["redirects"] = last
        return learnt

    def _judgments(self, store: GraphStore) -> int:
        """Every reviewer's judgment since the last one this worker applied: kept by the resolver, so that
        it obeys it for every later mention (the graph effect is applied once, by :func:`apply_judgments`)."""
        rows = store.run(cypher.JUDGMENTS_SINCE, {"at": self.marks["judgment_at"], "id": self.marks["judgment_id"]})
        for row in rows:
            self.staged.put_judgment(Judgment(row["a"], row["b"], bool(row["same"]), row.get("author") or ""))
            ea, eb = row.get("entity_a"), row.get("entity_b")
            if ea and eb and self.bodies.knows(ea) and self.bodies.knows(eb) and not row["same"]:
                self.bodies.judge(ea, eb, same=False, author=row.get("author") or "")
            self.marks["judgment_at"], self.marks["judgment_id"] = str(row["at"]), str(row["id"])
        return len(rows)

    # -- snapshots ---------------------------------------------------------------------------------------
    def save(self) -> None:
        """Write what the graph has made durable (never a staged batch) to the data folder, atomically."""
        if self.state_dir is None:
            return
        with self.mutex:
            self._save(self.state_dir)

    def _save(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.state_dir, 0o700)
        fd, tmp = tempfile.mkstemp(dir=self.state_dir, prefix=".linker-", suffix=".tmp")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as handle:
                index = self.state_dir / f".index-{self.worker}.tmp"
                self.index.save(index)
                payload = {"format": "vinculo-linker/1", "marks": self.marks, "keys": self.keys,
                           "body_keys": self.body_keys,
                           "bodies": self.bodies.to_dict(), "index": gzip.decompress(index.read_bytes()).decode()}
                index.unlink()
                handle.write(gzip.compress(json.dumps(payload).encode(), compresslevel=3))
            os.replace(tmp, self.state_dir / SNAPSHOT)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)

    def _load(self) -> bool:
        """The last snapshot, if there is a readable one; a damaged one is set aside, never fatal."""
        if self.state_dir is None or not (self.state_dir / SNAPSHOT).exists():
            return False
        path = self.state_dir / SNAPSHOT
        try:
            payload = json.loads(gzip.decompress(path.read_bytes()))
            if payload.get("format") != "vinculo-linker/1":
                raise ValueError("unknown format")
            index = self.state_dir / f".index-{self.worker}.load.tmp"
            index.write_bytes(gzip.compress(payload["index"].encode(), compresslevel=1))
            try:
                self.index = MemoryStore.load(index)
            finally:
                index.unlink()
            self.bodies = BodyResolver.from_dict(payload["bodies"], self.equivalences)
            self.keys = dict(payload["keys"])
            self.body_keys = dict(payload.get("body_keys", {}))
            self.marks.update(payload["marks"])
        except (OSError, ValueError, KeyError, EOFError, TypeError) as exc:
            aside = path.with_suffix(f".damaged-{secrets.token_hex(3)}")
            os.replace(path, aside)
            log.warning("resolver snapshot %s unreadable (%s): set aside as %s, rebuilding from the graph",
                        path, exc, aside.name)
            self.index, self.bodies, self.keys = MemoryStore(), BodyResolver(self.equivalences), {}
            self.body_keys = {}
            self.marks = {"mentions": "", "redirects": "", "judgment_at": "", "judgment_id": ""}
            return False
        log.info("resolver snapshot loaded: %d entities, %d bodies", len(self.index), len(self.bodies))
        return True


def record_judgment(store: GraphStore, a: str, b: str, same: bool, author: str = "") -> str:
    """Store a reviewer's judgment in the graph: a log every worker applies and obeys from then on."""
    import hashlib

    judgment_id = "judgment:" + hashlib.sha256(f"{a}|{b}|{same}".encode()).hexdigest()[:20]
    store.run(cypher.RECORD_JUDGMENT, {"id": judgment_id, "a": a, "b": b, "same": same, "author": author,
                                       "at": now()})
    return judgment_id
