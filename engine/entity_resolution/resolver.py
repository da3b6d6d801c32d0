"""Incremental resolution: one mention at a time against everything already known.

Above the match threshold a mention joins the best entity, and any other entity it also
matches is merged into the oldest of them; between the thresholds it becomes a new
entity with a *possible* link queued for review; below, a new entity. A person who fits
two namesakes equally well (kept apart by dates or identifiers) is held as *possible* too,
and a name carried by many known entities counts for less (its term frequency). Two valid,
different RFCs (or CURPs) never share an entity, and a reviewer's judgment beats any
score. Every change is returned as an event dict for the caller to publish.

Two companies with one name and different valid RFCs are *namesakes*: a mention resolved to a
company with a valid RFC is returned with the namesakes of that company its name meets, so that
a mention that named one of them without an RFC — and joined whichever was known first — can be
read as possibly the other (detection follows that, saying so).
"""

from __future__ import annotations

import hashlib
import heapq
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import chain
from typing import Any

from engine.entity_resolution.blocking import IDENTIFIER_PREFIXES, WEAK_PREFIXES, lookup_keys, posting_limit
from engine.entity_resolution.compare import Comparison, close_dates, known_date
from engine.entity_resolution.model import Model, Scored
from engine.entity_resolution.records import Mention, Record, prepare
from engine.entity_resolution.store import Entity, Judgment, MemoryStore, ResolverStore, add_member

__all__ = ["Resolver", "Resolution", "entity_id_for"]

CROSS_MARGIN = 2.0  # bits above the match threshold a person and a formless company need to be one
_CROSS_NAMES = frozenset({"exact", "fuzzy"})
MAX_CANDIDATES = 25  # entities scored per mention, those sharing most keys first
MAX_MEMBERS = 12  # mentions of one entity compared with a new mention
STRONG_AGAINST = -8.0  # bits of evidence: a member this clearly different keeps the mention out, however well another
# matches (evidence, not weight: the prior depends on how many candidates blocking finds)
AMBIGUITY = 1.0  # bits: two people this close for one mention are equally likely
NAME_FREQUENCY_CAP = 8.0  # bits at most taken from a name's agreement for its frequency
_NAME_KEYS = ("p/gp:", "p/pm:")
_NAME_AGREES = frozenset({"exact", "fuzzy", "maternal_missing", "given_partial"})
_NAME_KEY = "c/cn:"  # a company's whole name, legal form aside (blocking's key): namesakes share it
MAX_NAMESAKES = 100  # namesakes returned for one company entity (a name this common says little anyway)


def entity_id_for(kind: str, seed: str) -> str:
    """A deterministic entity id, so that replaying a topic rebuilds the same ids."""
    return f"er-{kind[0]}-{hashlib.sha1(seed.encode()).hexdigest()[:16]}"


def preferred_entity_id(record: Record) -> str:
    """A new entity's id: its RFC or CURP when the creating mention has a valid one (the
    ids investigators already use), otherwise a deterministic hash of the mention."""
    if record.rfc is not None and record.rfc.checksum_ok:
        return record.rfc.graph_id
    if record.curp is not None and record.curp.checksum_ok:
        return record.curp.graph_id
    return entity_id_for(record.kind, record.id)


@dataclass(frozen=True)
class Resolution:
    mention_id: str
    entity_id: str
    decision: str  # "match" | "possible" | "new" | "judged" | "known"
    score: float
    explanation: str
    possible_entity_id: str | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    # the kind of the entity the mention belongs to, which is the graph label of its node: a company mention read
    # as a person's name can join a person, and a person mention a company without legal form
    entity_kind: str = ""
    # companies of the same name with another valid RFC, which this (new, or newly identified) entity was kept
    # apart from: a mention that named one of them by name alone may be the other
    namesakes: tuple[str, ...] = ()


class Resolver:
    """Resolve mentions one by one; the same class serves the stream and the batch."""

    def __init__(self, store: ResolverStore | None = None, model: Model | None = None) -> None:
        self.store: ResolverStore = store if store is not None else MemoryStore()
        self.model = model or Model.load()
        self.review_queue: list[dict[str, Any]] = []

    # --- resolving -----------------------------------------------------------------------

    def resolve(self, mention: Mention | dict[str, Any]) -> Resolution:
        m = mention if isinstance(mention, Mention) else Mention.from_dict(mention)
        known = self.store.entity_of(m.id)
        if known is not None:  # a replay: the same answer, namesakes included (the graph may be a new one)
            entity_id = self.store.redirect(known)
            record = self.store.mention(m.id)
            return Resolution(m.id, entity_id, "known", 1.0, "mention already resolved",
                              entity_kind=self._kind_of(entity_id, m.kind),
                              namesakes=self._namesakes(entity_id, record, True) if record is not None else ())
        record = prepare(m)
        same, not_same = self._judged(record.id)
        scored: list[tuple[float, int, str, Scored | None]] = []
        name_count = self._name_count(record)
        for entity_id in self._candidates(record, same):
            entity = self.store.peek(entity_id)  # read only: scored, not changed
            if entity is None or entity_id in not_same:
                continue
            crossing = entity.kind != record.kind
            if crossing and not self._crossable(record, entity):
                continue
            if self._conflicts(record, entity) or not_same & set(entity.members):
                continue
            if entity_id in same or same & set(entity.members):
                scored.append((float("inf"), entity.created, entity_id, None))
                continue
            best = self._score_entity(record, entity)
            if name_count > 1 and best is not None:
                best = self._name_frequency(best, name_count)
            if best.evidence < STRONG_AGAINST:
                continue
            if crossing:
                crossed = self._crossed(record, best)
                if crossed is None:
                    continue
                best = crossed
            scored.append((best.weight, entity.created, entity_id, best))
        scored.sort(key=lambda s: (-s[0], s[1]))
        matched = [s for s in scored if s[0] >= self.model.match_weight(record.kind)]
        if matched and not self._ambiguous(matched):
            had_rfc = bool(self._entity_rfcs(matched[0][2]))
            joined = self._join(record, matched)
            return replace(joined, namesakes=self._namesakes(joined.entity_id, record, had_rfc))
        entity_id = preferred_entity_id(record)
        if self.store.entity(entity_id) is not None or self.store.redirect(entity_id) != entity_id:
            entity_id = entity_id_for(record.kind, record.id)  # that identifier's entity kept it out
        events = self._create(record, entity_id)
        if scored and scored[0][0] >= self.model.possible_weight(record.kind):
            _, _, other, closest = scored[0]
            prob = closest.probability if closest else 1.0
            explanation = closest.explain() if closest else ""
            item = {"mention_id": record.id, "entity_id": entity_id, "candidate_entity_id": other, "score": prob,
                    "explanation": explanation}
            self.review_queue.append(item)
            events.append({"type": "possible_match", **item})
            return Resolution(record.id, entity_id, "possible", prob, explanation, other, events, record.kind,
                              self._namesakes(entity_id, record, False))
        top = scored[0][3] if scored else None
        prob = top.probability if top else 0.0
        why = f"best candidate {prob:.2f}: {top.explain()}" if top else "no candidate"
        return Resolution(record.id, entity_id, "new", prob, why, None, events, record.kind,
                          self._namesakes(entity_id, record, False))

    def _entity_rfcs(self, entity_id: str) -> set[str]:
        entity = self.store.entity(entity_id)
        return set(entity.rfcs) if entity is not None else set()

    def _namesakes(self, entity_id: str, record: Record, had_rfc: bool) -> tuple[str, ...]:
        """The company entities that bear the same name (legal form aside) as a company entity with a valid RFC,
        with other valid RFCs: the pairs the resolver kept apart by RFC alone. Looked up by the name of the
        mention just resolved, and by every member's name when this mention gave the entity its first RFC, so that
        the pairs found do not depend on the order mentions arrive in. Sorted, at most ``MAX_NAMESAKES``."""
        entity = self.store.entity(entity_id)
        if entity is None or entity.kind != "company" or not entity.rfcs or record.kind != "company":
            return ()
        records = [record]
        if not had_rfc:
            records += [m for m in (self.store.mention(i) for i in entity.members if i != record.id) if m is not None]
        found: set[str] = set()
        for key in {k for r in records for k in r.keys if k.startswith(_NAME_KEY)}:
            for other_id in self.store.postings(key):
                other = self.store.peek(self.store.redirect(other_id))
                if (other is not None and other.id != entity.id and other.kind == "company" and other.rfcs
                        and other.rfcs.isdisjoint(entity.rfcs)):
                    found.add(other.id)
        return tuple(sorted(found))[:MAX_NAMESAKES]

    def _kind_of(self, entity_id: str, default: str) -> str:
        entity = self.store.entity(entity_id)
        return entity.kind if entity is not None else default

    def _crossable(self, record: Record, entity: Entity) -> bool:
        """A person and a company may be one only when the company side is formless and reads as a person: no
        legal form, no company RFC, words of a person's name; every company member of the entity too."""
        if not record.persons:
            return False  # a company mention that does not read as a person, or a person without a name
        if record.kind == "company":
            return entity.kind == "person"
        for mention_id in entity.members:
            member = self.store.mention(mention_id)
            if member is None or (member.kind == "company" and not member.persons):
                return False
        return True

    def _crossed(self, record: Record, best: Scored) -> Scored | None:
        """A person and a company read as a person: kept only on strong evidence, a name that agrees in full and a
        weight ``CROSS_MARGIN`` bits above the match threshold, and said so in the explanation."""
        name = next((c for n, c, _ in best.parts if n == "name"), None)
        if name is None or name.level not in _CROSS_NAMES:
            return None
        if best.weight < self.model.match_weight("person") + CROSS_MARGIN:
            return None
        side = "company mention" if record.kind == "company" else "company without legal form"
        part = ("kind", Comparison("crossed", 1.0, f"{side} read as a person's name: {name.detail}"), 0.0)
        return Scored(best.probability, best.weight, (part, *best.parts))

    def _ambiguous(self, matched: list[tuple[float, int, str, Scored | None]]) -> bool:
        """The mention fits two people about equally well who must stay apart (namesakes told apart by their
        dates or identifiers): guessing would put it with the wrong one half the time, so it is held for review.

        Companies keep the older rule (a bridge joins the best one): a firm's name is rarely shared by chance.
        """
        top_weight, _, top_id, top = matched[0]
        top_entity = self.store.entity(top_id)
        if top is None or top_entity is None or top_entity.kind != "person":
            return False
        for weight, _, other_id, other in matched[1:]:
            if other is None or weight < top_weight - AMBIGUITY:
                break
            entity = self.store.entity(other_id)
            if entity is not None and (not self.compatible(top_entity, entity)
                                       or self._dates_conflict(top_entity, entity)):
                return True
        return False

    def _judged(self, node_id: str) -> tuple[set[str], set[str]]:
        same: set[str] = set()
        not_same: set[str] = set()
        for j in self.store.judgments_of(node_id):
            other = j.b if j.a == node_id else j.a
            resolved = self.store.entity_of(other) or other
            (same if j.same else not_same).update({other, self.store.redirect(resolved)})
        return same, not_same

    def _candidates(self, record: Record, forced: set[str]) -> list[str]:
        # keys weigh 3 (identifiers), 1 (names) or 0.5 (weak): counted in halves, a posting repeated as often as
        # its key weighs, so that one C-level Counter does the counting (postings run to thousands at 1M entities)
        weighted: list[Iterable[str]] = []
        for key in lookup_keys(record):
            limit = posting_limit(key)
            if limit is not None and self.store.posting_size(key) > limit:
                continue
            halves = 6 if key[2:].startswith(IDENTIFIER_PREFIXES) else 1 if key[2:].startswith(WEAK_PREFIXES) else 2
            posting = self.store.postings(key)
            if halves > 1 and type(posting) not in (set, frozenset, list, tuple):
                posting = list(posting)  # counted more than once: an iterator would be spent after the first
            weighted += [posting] * halves
        counts = Counter(chain.from_iterable(weighted))
        # not worth a comparison: one pair of name words in common and nothing else, or under a quarter of the
        # keys the best candidate shares
        floor = max(2, max(counts.values(), default=0) / 4)
        kept = [(-c, e) for e, c in counts.items() if c >= floor]
        out = [e for _, e in heapq.nsmallest(MAX_CANDIDATES, kept)]
        for node in forced:
            entity_id = self.store.redirect(self.store.entity_of(node) or node)
            if entity_id not in counts:
                out.append(entity_id)
        return out

    def _name_count(self, record: Record) -> int:
        """How many known entities carry this person's name (given and both surnames, as they sound).

        The term frequency of Fellegi-Sunter practice, counted in the store: at most the number of entities
        sharing both the given-name-and-paternal key and the two-surnames key.
        """
        if record.kind != "person":
            return 0
        counts = []
        for key in record.keys:
            if key.startswith(_NAME_KEYS):
                counts.append(self.store.posting_size(key))
        if len(counts) < 2:
            return 0
        return min(counts)

    def _name_frequency(self, scored: Scored, count: int) -> Scored:
        """Names shared by many entities say less: agreement on one carried by n entities is worth log2(n) bits
        less (at most NAME_FREQUENCY_CAP), so a very common name alone no longer reaches the match threshold."""
        if not any(name == "name" and c.level in _NAME_AGREES for name, c, _ in scored.parts):
            return scored
        penalty = -min(math.log2(count), NAME_FREQUENCY_CAP)
        part = ("name_frequency", Comparison("common", 1.0 / count, f"name carried by {count} known entities"),
                round(penalty, 2))
        return self.model.rescored(scored, (*scored.parts, part))

    def _score_entity(self, record: Record, entity: Entity) -> Scored:
        """The best-matching member's score, or the worst one's if some member is clearly someone else."""
        best: Scored | None = None
        worst: Scored | None = None
        place: tuple[str, Comparison, float] | None = None  # the closest address any member gives
        members = entity.members if len(entity.members) <= MAX_MEMBERS else (
            entity.members[: MAX_MEMBERS // 2] + entity.members[-MAX_MEMBERS // 2 :])
        for mention_id in members:
            other = self.store.mention(mention_id)
            if other is None:
                continue
            s = self.model.score(record, other)
            if best is None or s.weight > best.weight:
                best = s
            if worst is None or s.weight < worst.weight:
                worst = s
            for part in s.parts:
                if part[0] == "address" and (place is None or part[1].score > place[1].score):
                    place = part
        assert best is not None and worst is not None
        # in a cluster a reviewer joined, dissimilar members are expected: none of them vetoes
        judged = any(j.same for node in (entity.id, *entity.members) for j in self.store.judgments_of(node))
        if worst.evidence < STRONG_AGAINST and not judged:
            return worst
        if judged:
            return best
        return self._with_entity_address(record, place, self._with_entity_date(record, entity, best))

    def _with_entity_address(self, record: Record, place: tuple[str, Comparison, float] | None,
                             best: Scored) -> Scored:
        """The best member's score, plus the closest address another member gave when that member has none: the
        place where a person was found tells namesakes apart as well as a date does."""
        if place is None or record.kind != "person" or any(name == "address" for name, _, _ in best.parts):
            return best
        name, found, weight = place
        part = (name, found._replace(detail=f"entity's {found.detail}"), weight)
        return self.model.rescored(best, (*best.parts, part))

    def _with_entity_date(self, record: Record, entity: Entity, best: Scored) -> Scored:
        """The best member's score, plus the date evidence other members hold when that member has no date.

        A mention that matches an undated member by name alone may still contradict the birth date the
        entity's other members give: a namesake's mention must not slip in through an undated one.
        """
        day = known_date(record)
        if day is None or any(name == "birth_date" for name, _, _ in best.parts):
            return best
        days = self._known_dates(entity)
        if not days:
            return best
        level = "exact" if day in days else "close" if any(close_dates(day, d) for d in days) else "different"
        weight = self.model.level_weight(record.kind, "birth_date", level)
        detail = f"entity's date {'agrees' if level == 'exact' else 'is close' if level == 'close' else 'differs'}"
        part = ("birth_date", Comparison(level, 1.0 if level == "exact" else 0.66 if level == "close" else 0.0,
                                         f"{detail}: {day.isoformat()}"), weight)
        return self.model.rescored(best, (*best.parts, part))

    @staticmethod
    def _conflicts(record: Record, entity: Entity) -> bool:
        """A valid identifier of the record differs from a valid one of the entity."""
        if record.rfc is not None and record.rfc.checksum_ok and entity.rfcs and record.rfc.value not in entity.rfcs:
            return True
        return bool(record.curp is not None and record.curp.checksum_ok and entity.curps
                    and record.curp.value not in entity.curps)

    def _dates_conflict(self, a: Entity, b: Entity) -> bool:
        """Both entities know birth (or incorporation) dates, and none of one's is within a typo of the other's.

        A mention without a date can match two namesakes equally well; it must not fuse them.
        """
        days_a, days_b = self._known_dates(a), self._known_dates(b)
        if not days_a or not days_b or days_a & days_b:
            return False
        return not any(close_dates(x, y) for x in days_a for y in days_b)

    def _known_dates(self, entity: Entity) -> set[date]:
        records = (self.store.mention(m) for m in entity.members)
        return {day for r in records if r is not None and (day := known_date(r)) is not None}

    def _create(self, record: Record, entity_id: str) -> list[dict[str, Any]]:
        entity = Entity(entity_id, record.kind, self.store.next_sequence())
        add_member(self.store, entity, record)
        self.store.put_entity(entity)
        return [{"type": "entity_created", "entity_id": entity_id, "mention_id": record.id}]

    def _join(self, record: Record, matched: list[tuple[float, int, str, Scored | None]]) -> Resolution:
        _, _, target_id, best = matched[0]
        prob = best.probability if best else 1.0
        target = self.store.entity(target_id)
        assert target is not None
        add_member(self.store, target, record)
        decision = "judged" if best is None else "match"
        explanation = "a reviewer judged them the same" if best is None else _explained(best)
        events: list[dict[str, Any]] = [{"type": "mention_linked", "entity_id": target_id, "mention_id": record.id,
                                         "score": prob, "explanation": explanation}]
        survivor = target
        for _, _, other_id, _ in matched[1:]:
            other = self.store.entity(self.store.redirect(other_id))
            if (other is not None and other.id != survivor.id and self.compatible(survivor, other)
                    and not self._dates_conflict(survivor, other)):
                survivor, merge_events = self.merge(survivor.id, other.id, reason=f"both match mention {record.id}")
                events += merge_events
        return Resolution(record.id, survivor.id, decision, prob, explanation, None, events, survivor.kind)

    # --- merging, splitting, judging ------------------------------------------------------------

    def compatible(self, a: Entity, b: Entity) -> bool:
        """Two entities may merge: no conflicting valid identifiers and no reviewer said otherwise."""
        if a.kind != b.kind:
            return False
        if (a.rfcs and b.rfcs and a.rfcs != b.rfcs) or (a.curps and b.curps and a.curps != b.curps):
            return False
        nodes_b = {b.id, *b.members}
        for node in (a.id, *a.members):
            for j in self.store.judgments_of(node):
                if not j.same and (j.a in nodes_b or j.b in nodes_b):
                    return False
        return True

    def merge(self, a_id: str, b_id: str, reason: str) -> tuple[Entity, list[dict[str, Any]]]:
        """Merge two entities; the older one (then the smaller id) keeps its id."""
        a, b = self.store.entity(a_id), self.store.entity(b_id)
        assert a is not None and b is not None
        survivor, absorbed = sorted((a, b), key=lambda e: (e.created, e.id))
        for mention_id in absorbed.members:
            record = self.store.mention(mention_id)
            assert record is not None
            self.store.unindex(record.keys, absorbed.id)
            add_member(self.store, survivor, record)
        self.store.delete_entity(absorbed.id, survivor.id)
        self.store.put_entity(survivor)
        return survivor, [{"type": "entities_merged", "entity_id": survivor.id, "merged_entity_id": absorbed.id,
                           "mention_ids": list(absorbed.members), "reason": reason}]

    def split(self, entity_id: str, mention_id: str, reason: str) -> list[dict[str, Any]]:
        """Take one mention out of its entity into a new one; the entity keeps its id."""
        entity = self.store.entity(entity_id)
        record = self.store.mention(mention_id)
        assert entity is not None and record is not None
        if entity.members == [mention_id]:
            return []
        rest = [self.store.mention(m) for m in entity.members if m != mention_id]
        self.store.unindex(record.keys, entity.id)
        entity.members, entity.rfcs, entity.curps = [], set(), set()
        for other in rest:
            assert other is not None
            add_member(self.store, entity, other)
        self.store.put_entity(entity)
        new_id = entity_id_for(record.kind, f"{mention_id}#split{self.store.next_sequence()}")
        self._create(record, new_id)
        return [{"type": "entity_split", "entity_id": entity.id, "new_entity_id": new_id, "mention_ids": [mention_id],
                 "reason": reason}]

    def judge(self, a: str, b: str, same: bool, author: str = "") -> list[dict[str, Any]]:
        """Record that two mentions (or entities) are or are not the same, and apply it now.

        The judgment is kept: a mention that arrives later with one of these ids obeys it.
        """
        self.store.put_judgment(Judgment(a, b, same, author))
        ea, eb = (self.store.entity_of(x) or x for x in (a, b))
        ea, eb = self.store.redirect(ea), self.store.redirect(eb)
        ent_a, ent_b = self.store.entity(ea), self.store.entity(eb)
        if ent_a is None or ent_b is None:
            return []
        reason = f"judged {'same' if same else 'not same'} by {author or 'a reviewer'}"
        if same and ea != eb:
            if not self.compatible(ent_a, ent_b):
                return [{"type": "judgment_refused", "a": a, "b": b, "reason": "conflicting valid identifiers"}]
            return self.merge(ea, eb, reason)[1]
        if not same and ea == eb:
            moving = b if self.store.mention(b) is not None else a
            if self.store.mention(moving) is None:
                return []
            return self.split(ea, moving, reason)
        return []

    def entity_of(self, mention_id: str) -> str | None:
        found = self.store.entity_of(mention_id)
        return self.store.redirect(found) if found else None


def _explained(scored: Scored) -> str:
    """The strongest parts of a score; a person joined with a company read as a person says so first."""
    crossed = next((c.detail for n, c, _ in scored.parts if n == "kind"), None)
    return f"{crossed}; {scored.explain()}" if crossed else scored.explain()
