"""Fellegi-Sunter weights: how much each comparison level says for or against a match.

For every comparison and level, ``m`` is the share of true matches and ``u`` the share
of non-matches (among blocked candidate pairs) that show it; the level adds
``log2(m / u)`` to the pair's weight, which starts at the log-odds of a match among
candidates. The weights live in a JSON file a reviewer can read (``weights.json``).
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.entity_resolution.attributes import ATTRIBUTE_COMPARISONS
from engine.entity_resolution.compare import COMPARISONS, Comparison
from engine.entity_resolution.records import Record

__all__ = ["Model", "Scored", "compare_records", "pair_kind", "DEFAULT_WEIGHTS", "RULES", "SITE_VETO"]

DEFAULT_WEIGHTS = Path(__file__).with_name("weights.json")
# Comparisons that are rules, not evidence to weigh: never learnt or estimated. Another site of a name (another
# address and another phone) is another organisation, unless an identifier says they are one.
SITE_VETO = -20.0
RULES = frozenset({"site"})
_IDENTIFYING = frozenset({("rfc", "same_valid"), ("rfc", "same"), ("rfc", "near"), ("curp", "same_valid"),
                          ("curp", "same"), ("identifiers", "same")})
# Likewise two organisations whose names disagree are two, whatever address, phone or website they share (the
# restaurants of one hotel, the firms at one address that detection flags): only an identifier makes them one.
NAME_VETO = SITE_VETO  # the weight of a pair a rule keeps apart
_NAMES_DISAGREE = frozenset({("company_name", "different"), ("company_name", "word_differs"),
                             ("company_name", "subset_unit")})


@dataclass(frozen=True, slots=True)
class Scored:
    """A compared pair: its match probability, total weight, and each comparison's part."""

    probability: float
    weight: float
    parts: tuple[tuple[str, Comparison, float], ...]

    @property
    def evidence(self) -> float:
        """The weight the comparisons add to the prior: what this pair shows, whatever the share of matches."""
        return sum(w for *_, w in self.parts)

    def explain(self, top: int = 4) -> str:
        parts = sorted(self.parts, key=lambda p: -abs(p[2]))[:top]
        return "; ".join(f"{c.detail} ({w:+.1f})" for _, c, w in parts)


def pair_kind(a: Record, b: Record) -> str:
    """Whose comparisons apply: the records' kind, or a person's when a person meets a company whose name reads
    as a person's (``records.formless_person``)."""
    return a.kind if a.kind == b.kind else "person"


def compare_records(a: Record, b: Record) -> dict[str, Comparison]:
    """Every applicable comparison of two records (of one kind, or a person and a company read as a person).

    The extra attributes' comparisons are skipped when either record carries none: they could not apply."""
    out: dict[str, Comparison] = {}
    table = COMPARISONS[pair_kind(a, b)] if a.attributes and b.attributes else _WITHOUT_ATTRIBUTES[pair_kind(a, b)]
    for name, fn in table.items():
        result = fn(a, b)
        if result is not None:
            out[name] = result
    return out


_WITHOUT_ATTRIBUTES = {kind: {n: fn for n, fn in table.items() if n not in ATTRIBUTE_COMPARISONS}
                       for kind, table in COMPARISONS.items()}


@dataclass
class Model:
    """Log-odds weights per (kind, comparison, level) and the two decision thresholds."""

    prior: dict[str, float]  # kind -> log2 odds of a match among candidate pairs
    # kind -> comparison -> level -> {m, u, weight}, and when learnt from labelled pairs how many matching
    # (pairs_m) and non-matching (pairs_u) pairs showed the level
    levels: dict[str, dict[str, dict[str, dict[str, float]]]]
    thresholds: dict[str, dict[str, float]] = field(default_factory=dict)  # kind -> {match, possible} log2 odds
    meta: dict[str, Any] = field(default_factory=dict)

    def match_weight(self, kind: str) -> float:
        return self.thresholds.get(kind, {}).get("match", 4.0)

    def possible_weight(self, kind: str) -> float:
        return self.thresholds.get(kind, {}).get("possible", 0.0)

    def level_weight(self, kind: str, comparison: str, level: str) -> float:
        return self.levels.get(kind, {}).get(comparison, {}).get(level, {}).get("weight", 0.0)

    def rescored(self, scored: Scored, parts: tuple[tuple[str, Comparison, float], ...]) -> Scored:
        """A score rebuilt from its parts, when evidence was added or taken away."""
        total = scored.weight + sum(w for *_, w in parts) - sum(w for *_, w in scored.parts)
        probability = 1.0 / (1.0 + 2.0 ** (-max(min(total, 60.0), -60.0)))
        return Scored(probability, total, parts)

    def score(self, a: Record, b: Record) -> Scored:
        kind = pair_kind(a, b)
        kind_levels = self.levels.get(kind, {})
        total = self.prior.get(kind, 0.0)
        parts: list[tuple[str, Comparison, float]] = []
        compared = compare_records(a, b)
        identified = any((n, c.level) in _IDENTIFYING for n, c in compared.items())
        veto = None
        for name, result in compared.items():
            if name in RULES:
                w = 0.0 if identified else SITE_VETO
            else:
                w = kind_levels.get(name, {}).get(result.level, {}).get("weight", 0.0)
            if not identified and (name in RULES or (name, result.level) in _NAMES_DISAGREE):
                veto = len(parts)
            total += w
            parts.append((name, result, w))
        if veto is not None and total > NAME_VETO:  # a rule, not evidence: nothing else outweighs it
            name, result, w = parts[veto]
            parts[veto] = (name, result, round(w - (total - NAME_VETO), 4))
            total = NAME_VETO
        probability = 1.0 / (1.0 + 2.0 ** (-max(min(total, 60.0), -60.0)))
        return Scored(probability, total, tuple(parts))

    @classmethod
    def train(cls, pairs: Iterable[tuple[Record, Record, bool]], smoothing: float = 1.0, **kw: Any) -> Model:
        """Estimate m and u from labelled candidate pairs, with additive smoothing."""
        counts: dict[tuple[str, bool], Counter[tuple[str, str]]] = defaultdict(Counter)
        totals: Counter[tuple[str, bool]] = Counter()
        pairs_seen = list(pairs)
        for a, b, same in pairs_seen:
            totals[(a.kind, same)] += 1
            for name, result in compare_records(a, b).items():
                if name not in RULES:
                    counts[(a.kind, same)][(name, result.level)] += 1
        prior: dict[str, float] = {}
        levels: dict[str, dict[str, dict[str, dict[str, float]]]] = {}
        for kind in sorted({k for k, _ in totals}):
            n_m, n_u = totals[(kind, True)], totals[(kind, False)]
            prior[kind] = round(math.log2((n_m + smoothing) / (n_u + smoothing)), 4)
            seen = sorted(set(counts[(kind, True)]) | set(counts[(kind, False)]))
            per_name: dict[str, list[str]] = defaultdict(list)
            for name, level in seen:
                per_name[name].append(level)
            levels[kind] = {}
            for name, names_levels in sorted(per_name.items()):
                k = len(names_levels) + 1  # one more for "not comparable"
                levels[kind][name] = {}
                for level in names_levels:
                    m = (counts[(kind, True)][(name, level)] + smoothing) / (n_m + k * smoothing)
                    u = (counts[(kind, False)][(name, level)] + smoothing) / (n_u + k * smoothing)
                    levels[kind][name][level] = {"m": round(m, 6), "u": round(u, 6),
                                                 "weight": round(math.log2(m / u), 4),
                                                 "pairs_m": counts[(kind, True)][(name, level)],
                                                 "pairs_u": counts[(kind, False)][(name, level)]}
        model = cls(prior, levels, **kw)
        model.thresholds = model.fit_thresholds(pairs_seen) if not model.thresholds else model.thresholds
        return model

    def fit_thresholds(self, pairs: list[tuple[Record, Record, bool]]) -> dict[str, dict[str, float]]:
        """Per kind, the match weight that maximises pairwise F1 on labelled pairs; "possible" 4 bits lower."""
        out: dict[str, dict[str, float]] = {}
        for kind in sorted(self.prior):
            scored = sorted(((self.score(a, b).weight, same) for a, b, same in pairs if a.kind == kind), reverse=True)
            positives = sum(same for _, same in scored)
            best, best_f1, tp = 0.0, -1.0, 0
            for i, (weight, same) in enumerate(scored):
                tp += same
                f1 = 2 * tp / (i + 1 + positives)
                if f1 > best_f1 and (i + 1 == len(scored) or scored[i + 1][0] < weight):
                    best, best_f1 = weight, f1
            out[kind] = {"match": round(best - 0.01, 3), "possible": round(best - 4.0, 3),
                         "train_f1": round(best_f1, 4)}
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"format": "vinculo-er-weights/1", "meta": self.meta,
                "thresholds_log2_odds": self.thresholds,
                "prior_log2_odds": self.prior, "levels": self.levels}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Model:
        if data.get("format") != "vinculo-er-weights/1":
            raise ValueError(f"not a weights file: format {data.get('format')!r}")
        return cls(data["prior_log2_odds"], data["levels"], data["thresholds_log2_odds"], data.get("meta", {}))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict(), indent=1, sort_keys=True) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path | None = None) -> Model:
        return cls.from_dict(json.loads((path or DEFAULT_WEIGHTS).read_text(encoding="utf-8")))
