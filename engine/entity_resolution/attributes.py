"""Other attributes a mention may carry, as extra evidence: one explicit table, one comparison per type.

A source often says more than name, identifiers and contact points: a person's employer,
occupation or place of birth, the names of people who appear beside them (co-inventors,
co-directors), a business's trade. ``ATTRIBUTES`` lists the keys the resolver reads and
the type that says how each is compared; any other key a mention carries is kept in
``Mention.extra`` and left alone. No stored weight exists for these (the Mexican training
data has none of them): their weights are estimated on the data at hand (``estimate.py``)
and are 0 until then.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.entity_resolution import fuzzy
from engine.entity_resolution.comparison import Comparator, Comparison
from engine.entity_resolution.text import fold

if TYPE_CHECKING:
    from engine.entity_resolution.records import Record

__all__ = ["ATTRIBUTES", "Attribute", "AttributeSpec", "parse_attributes", "ATTRIBUTE_COMPARISONS"]

Attribute = frozenset[str]  # the prepared values of one attribute


@dataclass(frozen=True, slots=True)
class AttributeSpec:
    type: str  # organisation | words | place | category | names | period | document
    fact: str  # the fact its comparison checks, for the comparison's docstring


ATTRIBUTES: dict[str, AttributeSpec] = {
    "employer": AttributeSpec("organisation", "the employers (or patent assignees) named share an organisation"),
    "occupation": AttributeSpec("words", "the occupations given share their words"),
    "birth_place": AttributeSpec("place", "the places of birth are the same place"),
    "gender": AttributeSpec("category", "the genders given are the same"),
    "nationality": AttributeSpec("category", "the nationalities given are the same"),
    "coinventors": AttributeSpec("names", "some of the people named beside them (co-inventors) are the same"),
    "related_names": AttributeSpec("names", "some of the people or firms named beside them are the same"),
    "category": AttributeSpec("words", "the trades or categories given share their words"),
    "source": AttributeSpec("category", "both mentions come from the same source (a register lists an entity once)"),
    "filing_date": AttributeSpec("period", "the records are from about the same time"),
    "patent_id": AttributeSpec("document", "both mentions are named in the same document (two names in one are two)"),
}
_WORD_STOP = frozenset({"AND", "THE", "OF", "Y", "DE", "DEL", "LA", "EL", "LOS", "LAS", "E", "EN", "A", "FOR", "PARA"})


def _values(raw: Any) -> list[str]:
    if isinstance(raw, (list, tuple, set, frozenset)):
        return [str(v) for v in raw if v not in (None, "")]
    return [str(raw)] if raw not in (None, "") else []


def _prepare(spec: AttributeSpec, raw: Any) -> Attribute:
    values = _values(raw)
    if spec.type == "organisation":
        from engine.entity_resolution.companies import parse_company_name

        names = (parse_company_name(part).significant for v in values for part in v.split(";"))
        return frozenset(" ".join(words) for words in names if words)
    if spec.type == "words":
        return frozenset(w for v in values for w in fold(v).split() if w not in _WORD_STOP and len(w) > 1)
    if spec.type == "names":
        return frozenset(" ".join(sorted(fold(v).split())) for v in values if fold(v))
    if spec.type == "period":
        return frozenset(v.strip()[:4] for v in values if v.strip()[:4].isdigit())
    return frozenset(fold(v) for v in values if fold(v))


def parse_attributes(extra: dict[str, Any]) -> tuple[tuple[str, Attribute], ...]:
    """The known attributes among a mention's extra keys, prepared for comparison, in table order."""
    out = []
    for name, spec in ATTRIBUTES.items():
        if name in extra:
            prepared = _prepare(spec, extra[name])
            if prepared:
                out.append((name, prepared))
    return tuple(out)


def _organisation(x: Attribute, y: Attribute) -> Comparison:
    if x & y:
        return Comparison("same", 1.0, f"same {sorted(x & y)[0]}")
    best = max((fuzzy.token_set_ratio(a, b), a, b) for a in x for b in y)
    if best[0] >= 0.9:
        return Comparison("similar", best[0], f"{best[1]} / {best[2]} alike")
    return Comparison("different", best[0], f"{sorted(x)[0]} / {sorted(y)[0]}")


def _words(x: Attribute, y: Attribute) -> Comparison:
    if x == y:
        return Comparison("same", 1.0, " ".join(sorted(x)))
    shared = x & y
    if shared:
        return Comparison("overlap", len(shared) / len(x | y), f"share {' '.join(sorted(shared))}")
    return Comparison("different", 0.0, f"{' '.join(sorted(x))} / {' '.join(sorted(y))}")


def _place(x: Attribute, y: Attribute) -> Comparison:
    if x & y:
        return Comparison("same", 1.0, sorted(x & y)[0])
    best = max((fuzzy.jaro_winkler(a, b), a, b) for a in x for b in y)
    if best[0] >= 0.92:
        return Comparison("similar", best[0], f"{best[1]} / {best[2]}")
    return Comparison("different", best[0], f"{best[1]} / {best[2]}")


def _category(x: Attribute, y: Attribute) -> Comparison:
    if x & y:
        return Comparison("same", 1.0, sorted(x & y)[0])
    return Comparison("different", 0.0, f"{sorted(x)[0]} / {sorted(y)[0]}")


def _names(x: Attribute, y: Attribute) -> Comparison:
    shared = x & y
    if len(shared) >= 2:
        return Comparison("several", 1.0, f"{len(shared)} names in common, {sorted(shared)[0]} …")
    if shared:
        return Comparison("one", 0.5, f"{sorted(shared)[0]} in common")
    return Comparison("none", 0.0, "no name in common")


def _period(x: Attribute, y: Attribute) -> Comparison:
    gap = min(abs(int(a) - int(b)) for a in x for b in y)
    level = "same_year" if gap == 0 else "within_5_years" if gap <= 5 else "within_15_years" if gap <= 15 else "far"
    return Comparison(level, 1.0 / (1 + gap), f"{gap} year(s) apart")


def _document(x: Attribute, y: Attribute) -> Comparison:
    if x & y:
        return Comparison("same", 1.0, f"both in {sorted(x & y)[0]}")
    return Comparison("other", 0.0, "different documents")


_BY_TYPE = {"organisation": _organisation, "words": _words, "place": _place, "category": _category,
            "names": _names, "period": _period, "document": _document}


def _comparator(name: str, spec: AttributeSpec) -> Comparator:
    compare = _BY_TYPE[spec.type]

    def attribute(a: Record, b: Record) -> Comparison | None:
        x, y = _get(a.attributes, name), _get(b.attributes, name)
        if not x or not y:
            return None
        found = compare(x, y)
        return found._replace(detail=f"{name.replace('_', ' ')}: {found.detail}")

    attribute.__name__ = attribute.__qualname__ = name
    attribute.__doc__ = f"{spec.fact[0].upper()}{spec.fact[1:]}."
    return attribute


def _get(attributes: Iterable[tuple[str, Attribute]], name: str) -> Attribute | None:
    return next((v for k, v in attributes if k == name), None)


ATTRIBUTE_COMPARISONS: dict[str, Comparator] = {f"attr_{name}": _comparator(name, spec)
                                                for name, spec in ATTRIBUTES.items()}
