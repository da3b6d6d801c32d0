"""Public bodies: one institution, however each publisher names it.

An official's employer in a declaration is a full legal name ("Secretaría de Finanzas de la
Ciudad de México"); the OCDS buyer is a short name ("SECRETARÍA DE FINANZAS"), an
acronym-prefixed unit ("SEPAF | SECRETARÍA DE PLANEACIÓN, ADMINISTRACIÓN Y FINANZAS
(SUB-FINANZAS)", "SEPAF/DGA | DIR.GRAL. DE ABASTECIMIENTOS") or a directorate whose
institution is the procuring entity. :func:`parse_body_name` reduces each to a *core* (folded,
abbreviations expanded, without the acronym prefix, parenthesised notes and the place it
belongs to), its acronyms, the jurisdiction the name itself states, and whether it names a
sub-unit or an institution. :class:`BodyResolver` makes one entity of mentions whose cores or
acronyms agree and whose jurisdictions do not conflict; a name that fits two institutions of
different places equally well is held for review rather than guessed. Sub-units stay their
own entities, scoped by their institution (every ministry has a "Dirección General de
Tecnologías de la Información"); the graph links them ``PART_OF`` it.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from engine.entity_resolution import fuzzy
from engine.entity_resolution.companies import parse_company_name
from engine.entity_resolution.identifiers import parse_rfc
from engine.entity_resolution.jurisdictions import STATE_NAMES, UNKNOWN, Jurisdiction, state_code
from engine.entity_resolution.text import fold

__all__ = ["BodyName", "BodyMention", "BodyResolution", "BodyResolver", "Equivalences", "embedded_acronym",
           "parse_body_name"]

DEFAULT_EQUIVALENCES = Path(__file__).with_name("bodies.toml")

ABBREVIATIONS = {
    "DIR": "DIRECCION", "DIRS": "DIRECCIONES", "GRAL": "GENERAL", "GRALES": "GENERALES", "GENL": "GENERAL",
    "SRIA": "SECRETARIA", "SECR": "SECRETARIA", "SECRIA": "SECRETARIA", "SUBSRIA": "SUBSECRETARIA",
    "SUBSEC": "SUBSECRETARIA", "COORD": "COORDINACION", "DEPTO": "DEPARTAMENTO", "DPTO": "DEPARTAMENTO",
    "ADMON": "ADMINISTRACION", "ADMVA": "ADMINISTRATIVA", "ADMVO": "ADMINISTRATIVO", "GOB": "GOBIERNO",
    "EDO": "ESTADO", "MPIO": "MUNICIPIO", "MPAL": "MUNICIPAL", "AYTO": "AYUNTAMIENTO", "INST": "INSTITUTO",
    "NAL": "NACIONAL", "FED": "FEDERAL", "DELEG": "DELEGACION", "SUBDIR": "SUBDIRECCION", "UNID": "UNIDAD",
    "SERV": "SERVICIOS", "OFNA": "OFICINA", "PROC": "PROCURADURIA", "COMN": "COMISION", "SIST": "SISTEMA",
    "DES": "DESARROLLO", "FIN": "FINANZAS", "PLAN": "PLANEACION", "REC": "RECURSOS", "MAT": "MATERIALES",
    "ADQ": "ADQUISICIONES", "ADQS": "ADQUISICIONES", "SERVS": "SERVICIOS", "GRAL.": "GENERAL",
}
_COURTESY = frozenset({"H", "HONORABLE"})
STOPWORDS = frozenset({"DE", "DEL", "LA", "LAS", "LOS", "EL", "Y", "E", "PARA", "EN", "A", "AL", "THE", "OF"})
UNIT_WORDS = frozenset({
    "DIRECCION", "SUBDIRECCION", "COORDINACION", "SUBCOORDINACION", "UNIDAD", "DEPARTAMENTO", "DELEGACION",
    "GERENCIA", "SUBGERENCIA", "SUBSECRETARIA", "JEFATURA", "OFICIALIA", "AREA", "OFICINA", "SUBPROCURADURIA",
    "DIVISION", "RESIDENCIA", "REPRESENTACION", "ORGANO", "SECCION", "SUBUNIDAD",
})
INSTITUTION_WORDS = frozenset({
    "SECRETARIA", "INSTITUTO", "COMISION", "CONSEJO", "FISCALIA", "PROCURADURIA", "TRIBUNAL", "UNIVERSIDAD",
    "SERVICIO", "SERVICIOS", "SISTEMA", "AYUNTAMIENTO", "MUNICIPIO", "GOBIERNO", "ORGANISMO", "AGENCIA",
    "CENTRO", "HOSPITAL", "AUDITORIA", "CONTRALORIA", "PODER", "CONGRESO", "SENADO", "CAMARA", "SUPREMA",
    "BANCO", "FIDEICOMISO", "COLEGIO", "ESCUELA", "PETROLEOS", "COMPANIA", "TESORERIA", "JUNTA", "ARCHIVO",
    "CORPORACION", "PRESIDENCIA", "GUBERNATURA", "OFICIALIA_MAYOR",
})
_PREFIX = re.compile(r"^\s*([^|]{1,40}?)\s*\|\s*(.+)$", re.S)
_NOTE = re.compile(r"\([^)]*\)")
_FEDERAL_MARKS = ("NACIONAL", "FEDERAL", "FEDERACION", "ESTADOS UNIDOS MEXICANOS")


@dataclass(frozen=True, slots=True)
class BodyName:
    """A body's name reduced for comparison."""

    core: str  # folded words without acronym prefix, notes and place; '' for a bare acronym
    acronyms: tuple[str, ...]  # its own acronym path(s): "SEPAF", "SEPAF/DGA"
    parent: str  # the acronym path of the institution it belongs to ("SEPAF" for "SEPAF/DGA | …"), or ''
    jurisdiction: Jurisdiction
    kind: str  # "unit" | "institution" | ""

    @property
    def key(self) -> str:
        """The core's significant words: what two spellings of one name share."""
        return " ".join(w for w in self.core.split() if w not in STOPWORDS)


def _acronym(text: str) -> str:
    """An acronym or an acronym path, folded: "sepaf / dga" -> "SEPAF/DGA"."""
    return "/".join(p for p in (fold(part).replace(" ", "") for part in text.split("/")) if p)


def _place(words: list[str]) -> tuple[list[str], Jurisdiction]:
    """Take the place a name ends with ("… de la Ciudad de México", "… del Estado de Jalisco") off it."""
    text = " ".join(words)
    for name in STATE_NAMES:
        for lead in ("DEL GOBIERNO DEL ESTADO DE ", "DEL ESTADO LIBRE Y SOBERANO DE ", "DEL ESTADO DE ",
                     "DEL GOBIERNO DE ", "DE LA ", "DEL ", "DE "):
            if name == "MEXICO" and lead in ("DE ", "DEL GOBIERNO DE "):
                continue  # "… de México" is usually the nation's, not the State of Mexico's
            tail = " " + lead + name
            if text.endswith(tail) and len(text) > len(tail):
                # "… del Estado de Jalisco" says the order of government; "… de la Ciudad de México" only the
                # place (a federal company may carry it too)
                level = "state" if "ESTADO" in lead or "GOBIERNO" in lead else None
                return text[: -len(tail)].split(), Jurisdiction(level, state_code(name))
    if text.endswith(" DEL ESTADO") and len(words) > 2:
        return words[:-2], Jurisdiction("state", None)
    if any(mark in f" {text} " for mark in (f" {m} " for m in _FEDERAL_MARKS)):
        return words, Jurisdiction("federal", None)
    return words, UNKNOWN


def _kind(words: list[str]) -> str:
    head = next((w for w in words if w not in STOPWORDS), "")
    if head in UNIT_WORDS:
        return "unit"
    if head in INSTITUTION_WORDS:
        return "institution"
    return ""


_EMBEDDED = re.compile(r"\b([A-ZÑ]{3,12})\b")
_NOT_ACRONYMS = frozenset({"III", "IV", "VI", "VII", "VIII", "XII", "S", "SA", "CV", "DE", "DEL"})


def embedded_acronym(raw: str) -> str:
    """The institution a unit's mixed-case name names by its acronym: "delegación SEDESOL en Tabasco" ->
    "SEDESOL". Names written all in capitals say nothing this way."""
    if raw.isupper() or "|" in raw:
        return ""
    found = [w for w in _EMBEDDED.findall(raw) if w not in _NOT_ACRONYMS]
    return found[0] if len(found) == 1 else ""


@lru_cache(maxsize=50_000)
def parse_body_name(raw: str) -> BodyName:
    """Reduce a public body's name to its core, acronyms, stated place and kind.

    >>> b = parse_body_name("SEPAF/DGA | DIR.GRAL. DE ABASTECIMIENTOS (SUB-ADMINISTRACIÓN)")
    >>> b.core, b.acronyms, b.parent, b.kind
    ('DIRECCION GENERAL DE ABASTECIMIENTOS', ('SEPAF/DGA',), 'SEPAF', 'unit')
    >>> b = parse_body_name("Secretaría de Finanzas de la Ciudad de México")
    >>> b.core, b.jurisdiction.state
    ('SECRETARIA DE FINANZAS', '09')
    >>> parse_body_name("INAI").acronyms
    ('INAI',)
    """
    acronyms: list[str] = []
    parent = ""
    match = _PREFIX.match(raw)
    rest = raw
    if match and _acronym(match.group(1)) and len(match.group(1).split()) <= 3:
        path = [p for p in _acronym(match.group(1)).split("/") if p]
        if path:
            acronyms.append("/".join(path))
            parent = "/".join(path[:-1])
        rest = match.group(2)
    rest = _NOTE.sub(" ", rest)
    form = parse_company_name(rest)  # a state-owned company's legal form says nothing about the body
    if form.legal_form and form.name:
        rest = form.name
    words = [ABBREVIATIONS.get(w, w) for w in fold(rest).split()]
    words = [w for w in words if w not in _COURTESY]
    if len(words) == 1 and raw.strip().isupper() and len(words[0]) <= 14 and not acronyms:
        return BodyName("", (words[0],), "", UNKNOWN, "")  # a bare acronym: "INAI", "DGPAR"
    words, place = _place(words)
    kind = _kind(words)
    if kind == "unit" and not parent:
        parent = embedded_acronym(rest)
    return BodyName(" ".join(words), tuple(acronyms), parent, place, kind)


def _typo_equal(x: str, y: str) -> bool:
    """Two keys with as many words, each the same but for a typo ("ABASTECEMIENTOS" / "ABASTECIMIENTOS")."""
    wx, wy = x.split(), y.split()
    if len(wx) != len(wy) or len(wx) < 2:
        return False
    return all(a == b or (min(len(a), len(b)) >= 6 and fuzzy.typo_distance(a, b, cutoff=2) <= 1)
               for a, b in zip(wx, wy, strict=True))


# -- the equivalence file ------------------------------------------------------------------------------

@dataclass
class Equivalences:
    """What rules cannot settle, kept by people in a TOML file: names of one body, units of an institution.

    ``[[same]] names = [...]`` (optionally ``state = "14"``) makes every listed name one body;
    ``[[part_of]] unit = "…"  institution = "…"`` links a unit to its institution.
    """

    same: list[tuple[tuple[str, ...], str | None]] = field(default_factory=list)
    part_of: list[tuple[str, str, str | None]] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path | None = None) -> Equivalences:
        path = path or DEFAULT_EQUIVALENCES
        if not path.exists():
            return cls()
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        unknown = set(data) - {"same", "part_of"}
        if unknown:
            raise ValueError(f"{path}: unknown sections {sorted(unknown)} (expected [[same]] and [[part_of]])")
        same = [(tuple(str(n) for n in g["names"]), state_code(g.get("state"))) for g in data.get("same", [])]
        part_of = [(str(p["unit"]), str(p["institution"]), state_code(p.get("state"))) for p in data.get("part_of", [])]
        return cls(same, part_of)

    def aliases(self) -> dict[str, str]:
        """Each listed name's key (or acronym) → the group's first key."""
        out: dict[str, str] = {}
        for names, _ in self.same:
            parsed = [parse_body_name(n) for n in names]
            canon = next((p.key for p in parsed if p.key), next((a for p in parsed for a in p.acronyms), ""))
            for p in parsed:
                for k in (p.key, *p.acronyms):
                    if k and k != canon:
                        out[k] = canon
        return out


# -- resolution ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BodyMention:
    """One source record's view of a public body."""

    id: str
    names: tuple[str, ...]  # as given: the name, a legal name
    acronym: str | None = None
    jurisdiction: Jurisdiction = UNKNOWN
    rfc: str | None = None
    parent: str | None = None  # the entity id of the institution the record says it belongs to


@dataclass(frozen=True)
class BodyResolution:
    mention_id: str
    entity_id: str
    decision: str  # "match" | "new" | "possible" | "known" | "judged"
    score: float
    explanation: str
    display_name: str
    possible_entity_id: str | None = None
    parents: tuple[str, ...] = ()
    events: tuple[dict[str, Any], ...] = ()


@dataclass
class Body:
    id: str
    created: int
    names: list[str] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)
    acronyms: set[str] = field(default_factory=set)
    jurisdictions: list[Jurisdiction] = field(default_factory=list)
    rfcs: set[str] = field(default_factory=set)
    parents: set[str] = field(default_factory=set)
    kind: str = ""
    variants: set[tuple[Any, ...]] = field(default_factory=set)  # every distinct way a mention named it
    mentions: int = 0  # how many mentions it has

    def jurisdiction(self) -> Jurisdiction:
        out = UNKNOWN
        for j in self.jurisdictions:
            out = out.merged(j)
        return out


@dataclass(frozen=True)
class _Parsed:
    keys: frozenset[str]
    acronyms: frozenset[str]
    jurisdiction: Jurisdiction
    kind: str
    rfc: str | None
    parent_acronym: str


_RANK = {"exact": 3, "acronym": 2, "typo": 1}


class BodyResolver:
    """Resolve public-body mentions into institutions and their units; state as plain data."""

    def __init__(self, equivalences: Equivalences | None = None) -> None:
        self.equivalences = equivalences if equivalences is not None else Equivalences.load()
        self._aliases = self.equivalences.aliases()
        self.bodies: dict[str, Body] = {}
        self.redirects: dict[str, str] = {}
        self.not_same: set[frozenset[str]] = set()
        self.sequence = 0
        self._index: dict[str, set[str]] = {}

    # -- reading a mention -------------------------------------------------------------------------
    def _parse(self, m: BodyMention) -> _Parsed:
        keys: set[str] = set()
        acronyms: set[str] = set()
        level = state = None
        kinds: list[str] = []
        parent = ""
        for raw in m.names:
            if not raw or not raw.strip():
                continue
            b = parse_body_name(raw)
            if b.key:
                keys.add(self._aliases.get(b.key, b.key))
            acronyms.update(b.acronyms)
            level, state = level or b.jurisdiction.level, state or b.jurisdiction.state
            kinds.append(b.kind)
            parent = parent or b.parent
        if m.acronym and _acronym(m.acronym):
            acronyms.add(_acronym(m.acronym))
        keys |= {self._aliases[a] for a in acronyms if a in self._aliases}  # a listed acronym names its body
        # the order of government a source states beats one guessed from a word of the name; the place a
        # name states beats an address's region
        jurisdiction = Jurisdiction(m.jurisdiction.level or level, state or m.jurisdiction.state)
        kind = "unit" if "unit" in kinds else ("institution" if "institution" in kinds else "")
        rfc = parse_rfc(m.rfc)
        return _Parsed(frozenset(keys), frozenset(acronyms), jurisdiction, kind,
                       rfc.value if rfc is not None and rfc.checksum_ok else None, parent)

    # -- resolving ---------------------------------------------------------------------------------
    def resolve(self, m: BodyMention) -> BodyResolution:
        """The body a mention names. Deterministic: a mention seen again is resolved the same way, so the
        resolver keeps each distinct naming of a body, not every mention."""
        p = self._parse(m)
        parent = self.redirect(m.parent) if m.parent else None
        naming = _variant(m)
        for body_id in self._candidates(p):  # named exactly so before (a replay, a reviewer's split): there
            body = self.bodies[body_id]
            if naming in body.variants and not self._vetoed(p, body, parent):
                body.mentions += 1
                return BodyResolution(m.id, body.id, "match", 0.99, "named exactly so before",
                                      self.display_name(body), None, self._parents(body))
        scored = []
        for body_id in self._candidates(p):
            body = self.bodies[body_id]
            level = self._agreement(p, body)
            if level is None or self._vetoed(p, body, parent):
                continue
            agrees = body.jurisdiction().agrees(p.jurisdiction)
            scored.append((_RANK[level], agrees, -body.created, body_id, level))
        scored.sort(reverse=True)
        events: list[dict[str, Any]] = []
        if scored and self._ambiguous(scored):
            top = scored[0]
            body = self._create(m, p, parent)
            why = (f"fits {len(scored)} bodies of different places equally well ({top[4]} name); "
                   f"held for review with {top[3]}")
            events.append({"type": "possible_match", "mention_id": m.id, "entity_id": body.id,
                           "candidate_entity_id": top[3], "explanation": why})
            return BodyResolution(m.id, body.id, "possible", 0.5, why, self.display_name(body), top[3],
                                  self._parents(body), tuple(events))
        if not scored:
            body = self._create(m, p, parent)
            self._declared_parents(body)
            return BodyResolution(m.id, body.id, "new", 0.0, "no known body with this name, acronym and place",
                                  self.display_name(body), None, self._parents(body))
        rank, agrees, _, target_id, level = scored[0]
        body = self.bodies[target_id]
        self._add(body, m, p, parent)
        for other in scored[1:]:  # whatever else it matches is the same body (unless they must stay apart)
            if other[3] in self.bodies and other[3] != body.id:
                other_body = self.bodies[other[3]]
                if self._compatible(body, other_body):
                    body, merge = self._merge(body, other_body, f"both match mention {m.id}")
                    events.append(merge)
        self._declared_parents(body)
        why = {"exact": "same name", "acronym": "same acronym", "typo": "same name but for a typo"}[level]
        where = f", same place ({body.jurisdiction().describe()})" if agrees else ""
        return BodyResolution(m.id, body.id, "match", 0.99 if level == "exact" else 0.9, f"{why}{where}",
                              self.display_name(body), None, self._parents(body), tuple(events))

    def _declared_parents(self, body: Body) -> None:
        """Institutions the equivalence file says this unit belongs to, resolved like any mention."""
        for unit, institution, state in self.equivalences.part_of:
            key = parse_body_name(unit).key
            where = Jurisdiction(None, state)
            if key not in body.keys or any(j.conflicts(where) for j in body.jurisdictions):
                continue
            mention = BodyMention(f"equivalence:{institution}|{state or ''}", (institution,), jurisdiction=where)
            parent = self.resolve(mention).entity_id
            if parent != body.id:
                body.parents.add(parent)

    def _candidates(self, p: _Parsed) -> list[str]:
        found: set[str] = set()
        for key in p.keys:
            found |= self._index.get(f"k:{key}", set())
            words = [w for w in key.split()][:2]
            found |= self._index.get("w:" + " ".join(words), set())
        for acronym in p.acronyms:
            found |= self._index.get(f"a:{acronym}", set())
        return sorted(self.redirect(b) for b in found if self.redirect(b) in self.bodies)

    @staticmethod
    def _agreement(p: _Parsed, body: Body) -> str | None:
        if p.keys & body.keys:
            return "exact"
        if p.acronyms & body.acronyms:
            return "acronym"
        if any(_typo_equal(x, y) for x in p.keys for y in body.keys):
            return "typo"
        return None

    def _vetoed(self, p: _Parsed, body: Body, parent: str | None) -> bool:
        if any(j.conflicts(p.jurisdiction) for j in body.jurisdictions):
            return True
        if p.rfc and body.rfcs and p.rfc not in body.rfcs and not (p.keys & body.keys):
            return True
        if p.kind == "unit" or body.kind == "unit":
            # a unit is one only within its institution: "Dirección General de Administración" of two ministries
            if parent and body.parents and parent not in {self.redirect(x) for x in body.parents}:
                return True
            if parent and body.id == parent:
                return True
        return bool(p.kind and body.kind and p.kind != body.kind)

    def _ambiguous(self, scored: list[tuple[Any, ...]]) -> bool:
        """The best candidates are equally good and belong to places that must stay apart."""
        top = scored[0]
        ties = [s for s in scored if s[0] == top[0] and s[1] == top[1]]
        if len(ties) < 2 or top[1]:
            return False
        first = self.bodies[top[3]]
        return any(not self._compatible(first, self.bodies[s[3]]) for s in ties[1:])

    def _compatible(self, a: Body, b: Body) -> bool:
        if frozenset({a.id, b.id}) in self.not_same:
            return False
        if any(x.conflicts(y) for x in a.jurisdictions for y in b.jurisdictions):
            return False
        if a.kind and b.kind and a.kind != b.kind:
            return False
        if a.parents and b.parents and not ({self.redirect(x) for x in a.parents}
                                            & {self.redirect(x) for x in b.parents}):
            return False
        return not (a.rfcs and b.rfcs and not a.rfcs & b.rfcs and not a.keys & b.keys)

    # -- state -------------------------------------------------------------------------------------
    def _create(self, m: BodyMention, p: _Parsed, parent: str | None) -> Body:
        self.sequence += 1
        seed = sorted(p.keys)[0] if p.keys else (sorted(p.acronyms)[0] if p.acronyms else m.id)
        place = p.jurisdiction
        digest = hashlib.sha1(f"{seed}|{place.level}|{place.state}|{parent or ''}".encode()).hexdigest()[:16]
        body_id = f"body-{digest}"
        if body_id in self.bodies or body_id in self.redirects:
            body_id = f"body-{hashlib.sha1(m.id.encode()).hexdigest()[:16]}"
        body = Body(body_id, self.sequence)
        self.bodies[body_id] = body
        self._add(body, m, p, parent)
        return body

    def _add(self, body: Body, m: BodyMention, p: _Parsed, parent: str | None) -> None:
        body.mentions += 1
        body.variants.add(_variant(m))
        body.names += [n for n in m.names if n and n not in body.names]
        body.keys |= p.keys
        body.acronyms |= p.acronyms
        if p.jurisdiction.known and p.jurisdiction not in body.jurisdictions:
            body.jurisdictions.append(p.jurisdiction)
        if p.rfc:
            body.rfcs.add(p.rfc)
        if parent and parent != body.id:
            body.parents.add(parent)
        body.kind = body.kind or p.kind
        self._index_body(body)

    def _index_body(self, body: Body) -> None:
        for key in body.keys:
            self._index.setdefault(f"k:{key}", set()).add(body.id)
            self._index.setdefault("w:" + " ".join(key.split()[:2]), set()).add(body.id)
        for acronym in body.acronyms:
            self._index.setdefault(f"a:{acronym}", set()).add(body.id)

    def _merge(self, a: Body, b: Body, reason: str) -> tuple[Body, dict[str, Any]]:
        survivor, absorbed = sorted((a, b), key=lambda x: (x.created, x.id))
        survivor.mentions += absorbed.mentions
        survivor.variants |= absorbed.variants
        survivor.names += [n for n in absorbed.names if n not in survivor.names]
        survivor.keys |= absorbed.keys
        survivor.acronyms |= absorbed.acronyms
        survivor.jurisdictions += [j for j in absorbed.jurisdictions if j not in survivor.jurisdictions]
        survivor.rfcs |= absorbed.rfcs
        survivor.parents |= absorbed.parents - {survivor.id}
        survivor.kind = survivor.kind or absorbed.kind
        del self.bodies[absorbed.id]
        self.redirects[absorbed.id] = survivor.id
        for body in self.bodies.values():
            if absorbed.id in body.parents:
                body.parents = (body.parents - {absorbed.id}) | {survivor.id}
        self._index_body(survivor)
        return survivor, {"type": "entities_merged", "entity_id": survivor.id, "merged_entity_id": absorbed.id,
                          "reason": reason, "label": "PublicBody"}

    def redirect(self, body_id: str) -> str:
        seen = 0
        while body_id in self.redirects and seen < 100:
            body_id, seen = self.redirects[body_id], seen + 1
        return body_id

    def _parents(self, body: Body) -> tuple[str, ...]:
        return tuple(sorted({self.redirect(p) for p in body.parents} - {body.id}))

    def display_name(self, body: Body) -> str:
        """The most telling of its names: a full institution name before a short one, before an acronym."""
        def weight(name: str) -> tuple[int, int]:
            parsed = parse_body_name(name)
            return (bool(parsed.core) + bool(parsed.core and not parsed.acronyms), len(parsed.core))
        return max(body.names, key=weight) if body.names else body.id

    # -- judgments ---------------------------------------------------------------------------------
    def knows(self, node_id: str) -> bool:
        return self.redirect(node_id) in self.bodies

    def judge(self, a: str, b: str, same: bool, author: str = "", mention: BodyMention | None = None
              ) -> list[dict[str, Any]]:
        """A reviewer's "same" / "not same" on two bodies, applied now and kept. When the two are already
        one and ``mention`` says how the judged mention named it, that naming moves to a body of its own."""
        ea, eb = self.redirect(a), self.redirect(b)
        if ea not in self.bodies or eb not in self.bodies:
            return []
        reason = f"judged {'same' if same else 'not same'} by {author or 'a reviewer'}"
        if same:
            self.not_same.discard(frozenset({ea, eb}))
            if ea == eb:
                return []
            return [self._merge(self.bodies[ea], self.bodies[eb], reason)[1]]
        if ea != eb:
            self.not_same.add(frozenset({ea, eb}))
            return []
        if mention is None or len(self.bodies[ea].variants) < 2:
            return []
        return self._split(ea, mention, reason)

    def _split(self, body_id: str, mention: BodyMention, reason: str) -> list[dict[str, Any]]:
        """Take one naming out of a body into a new one, which never merges with it again."""
        body = self.bodies[body_id]
        moving = _variant(mention)
        rest = [v for v in body.variants if v != moving]
        fresh = Body(body.id, body.created, parents=set(body.parents))
        self.bodies[body.id] = fresh
        for variant in rest:
            m = _from_variant(variant)
            self._add(fresh, m, self._parse(m), None)
        fresh.mentions = max(body.mentions - 1, len(rest))
        self.sequence += 1
        new_id = f"body-{hashlib.sha1(f'{body.id}#split{self.sequence}'.encode()).hexdigest()[:16]}"
        moved = Body(new_id, self.sequence)
        self.bodies[new_id] = moved
        self._add(moved, mention, self._parse(mention), None)
        self.not_same.add(frozenset({body.id, new_id}))
        return [{"type": "entity_split", "entity_id": body.id, "new_entity_id": new_id,
                 "reason": reason, "label": "PublicBody"}]

    def place(self, m: BodyMention, body_id: str, parents: Iterable[str] = ()) -> None:
        """Put a mention where the graph says it is (rebuilding from the graph, or another worker's
        decision): into that body, created with that id if it is not known yet."""
        body_id = self.redirect(body_id)
        body = self.bodies.get(body_id)
        if body is None:
            self.sequence += 1
            body = self.bodies[body_id] = Body(body_id, self.sequence)
        elif _variant(m) in body.variants:
            body.parents |= {self.redirect(x) for x in parents} - {body.id}
            return
        self._add(body, m, self._parse(m), None)
        body.parents |= {self.redirect(x) for x in parents} - {body.id}

    # -- snapshots ---------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "format": "vinculo-bodies/2", "sequence": self.sequence, "redirects": self.redirects,
            "not_same": sorted(sorted(p) for p in self.not_same),
            "bodies": [{"id": b.id, "created": b.created, "parents": sorted(b.parents), "mentions": b.mentions,
                        "variants": sorted([list(v) for v in b.variants], key=repr)}
                       for b in sorted(self.bodies.values(), key=lambda b: b.created)],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], equivalences: Equivalences | None = None) -> BodyResolver:
        if data.get("format") != "vinculo-bodies/2":
            raise ValueError("not a public-body resolver snapshot")
        out = cls(equivalences)
        out.sequence, out.redirects = int(data["sequence"]), dict(data["redirects"])
        out.not_same = {frozenset(p) for p in data.get("not_same", [])}
        for row in data["bodies"]:
            body = Body(row["id"], int(row["created"]))
            out.bodies[body.id] = body
            for variant in row["variants"]:
                m = _from_variant(variant)
                out._add(body, m, out._parse(m), None)
            body.parents = set(row.get("parents", []))
            body.mentions = int(row.get("mentions", len(body.variants)))
        return out

    def __len__(self) -> int:
        return len(self.bodies)


def _variant(m: BodyMention) -> tuple[Any, ...]:
    return (tuple(m.names), m.acronym, m.jurisdiction.level, m.jurisdiction.state, m.rfc)


def _from_variant(data: Iterable[Any]) -> BodyMention:
    names, acronym, level, state, rfc = list(data)
    return BodyMention("", tuple(names), acronym, Jurisdiction(level, state), rfc)
