"""Weights for the data at hand, without labels: expectation-maximisation over the blocked pairs.

The shipped weights (``weights.json``) were learnt from labelled Mexican records. Other data
says other things: where inventors move city, a different address says little; where the
only field is a name, a name that is the core of another says more. As Splink and fastLink
do, the m and u probability of every comparison level, and the share of matches among the
candidate pairs, are fitted by EM to the pairs that blocking produces from the batch
(Fellegi and Sunter 1969; Winkler 1988; Enamorado, Fifield and Imai 2019, "Using a
probabilistic model to assist merging of large-scale administrative records").

The stored weights are the starting point and a prior: each stored level's m and u count
as ``PRIOR_PAIRS`` pseudo-pairs, so a level the batch hardly shows keeps its stored value.
A weight labelled pairs taught (a stored level seen in ``MIN_LEARNT`` of them) moves at most
``MAX_SHIFT`` bits: EM's two classes are "alike" and "not alike", which drift from "one
entity" and "two" where hard negatives abound (namesakes, swapped surnames), so estimation
adapts the stored weights without overturning them. The stored prior is kept with the
thresholds: the two were fitted together on labelled pairs for the best F1, and EM's share
of matches moves with its drift (it is reported as ``match_share``). A comparison
or level the stored weights do not know (the extra attributes, an organisation's role
words) is estimated freely, starting from its own similarity scores: m in proportion to
how alike its levels say the values are, u in proportion to how unlike. Rule-based parts
(``model.RULES``) are not estimated.
Pairs are sampled (``MAX_PAIRS``, at most ``BLOCK_PAIRS`` per mention in a large block)
and identical comparison patterns are counted once, so a batch of 10,000 mentions is
estimated in seconds to a minute.

    >>> from engine.entity_resolution.records import Mention
    >>> ms = [Mention(str(i), "company", n) for i, n in enumerate(["ACME SA", "ACME S.A.", "ZETA SC", "Zeta, S.C."])]
    >>> estimate_model(ms).meta["estimated"]["company"]
    {'pairs': 2, 'kept': 'stored weights: too few pairs'}
"""

from __future__ import annotations

import copy
import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any, cast

from engine.entity_resolution.blocking import candidate_pairs as blocked_pairs
from engine.entity_resolution.model import RULES, Model, compare_records
from engine.entity_resolution.records import Mention, Record, prepare

__all__ = ["estimate_model", "candidate_pairs", "MAX_PAIRS"]

MAX_PAIRS = 150_000  # candidate pairs compared per kind
MIN_PAIRS = 200  # fewer candidate pairs than this are too few to estimate from: the stored weights are kept
BLOCK = 40  # a block of at most this many mentions gives all its pairs
BLOCK_PAIRS = 6  # a larger block gives this many random partners per mention
PRIOR_PAIRS = 20.0  # weight of the stored m and u, in pairs
MAX_SHIFT = 1.0  # bits an estimate may move a weight learnt from labelled pairs
MIN_LEARNT = 20  # labelled pairs a stored level needs for its weight to bind the estimate
ITERATIONS = 40
EPSILON = 1e-4  # no level is impossible: m and u stay above this


def candidate_pairs(records: list[Record], seed: int = 0, max_pairs: int = MAX_PAIRS) -> list[tuple[int, int]]:
    """Pairs of records that blocking makes candidates (``blocking.candidate_pairs``): all the pairs of a key
    shared by at most ``BLOCK`` records, ``BLOCK_PAIRS`` random partners per record in a larger one; at most
    ``max_pairs`` of them, drawn at random."""
    rng = random.Random(seed)
    ordered = sorted(blocked_pairs(records, BLOCK, BLOCK_PAIRS, seed))
    return ordered if len(ordered) <= max_pairs else sorted(rng.sample(ordered, max_pairs))


def random_pairs(n: int, count: int, blocked: set[tuple[int, int]], seed: int = 0) -> list[tuple[int, int]]:
    """``count`` pairs of distinct records drawn at random among those blocking did not pair: nearly all of
    them two different entities."""
    rng = random.Random(seed + 1)
    out: list[tuple[int, int]] = []
    if n * (n - 1) // 2 <= len(blocked) + count:
        return out
    while len(out) < count:
        i, j = rng.sample(range(n), 2)
        pair = (min(i, j), max(i, j))
        if pair not in blocked:
            out.append(pair)
    return out


Patterns = Counter[tuple[tuple[str, str], ...]]


def _patterns(records: list[Record], pairs: Iterable[tuple[int, int]],
              scores: dict[tuple[str, str], list[float]]) -> Patterns:
    """How many pairs show each combination of levels; the similarity scores seen at each level go to ``scores``."""
    counts: Patterns = Counter()
    for i, j in pairs:
        compared = compare_records(records[i], records[j])
        pattern = tuple(sorted((name, c.level) for name, c in compared.items() if name not in RULES))
        counts[pattern] += 1
        for name, c in compared.items():
            bucket = scores[(name, c.level)]
            if len(bucket) < 200:
                bucket.append(c.score)
    return counts


def _starting_point(stored: dict[str, dict[str, dict[str, float]]], scores: dict[tuple[str, str], list[float]]
                    ) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]:
    """m and u per comparison and level: the stored ones where known, else from the levels' similarity scores."""
    m: dict[str, dict[str, float]] = defaultdict(dict)
    u: dict[str, dict[str, float]] = defaultdict(dict)
    for name, level in scores:
        known = stored.get(name, {}).get(level)
        if known and "m" in known and "u" in known:
            m[name][level], u[name][level] = known["m"], known["u"]
        else:
            alike = sum(scores[(name, level)]) / len(scores[(name, level)])
            m[name][level], u[name][level] = 0.05 + alike, 0.05 + (1.0 - alike)
    return _normalised(m), _normalised(u)


def _normalised(table: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    return {name: {lv: max(v, EPSILON) / sum(max(x, EPSILON) for x in levels.values()) for lv, v in levels.items()}
            for name, levels in table.items()}


Table = dict[str, dict[str, float]]


def _expect(counts: Patterns, m: Table, u: Table, share: float
            ) -> tuple[Table, Table, float]:
    """E-step: each pattern's probability of being a match, summed per level on either side."""
    # Counters of expected counts: their values are fractional (typeshed types a Counter's values as int)
    got_m = cast(Table, defaultdict(Counter))
    got_u = cast(Table, defaultdict(Counter))
    matches = 0.0
    for pattern, n in counts.items():
        log_odds = math.log(share / (1 - share))
        for name, level in pattern:
            log_odds += math.log(m[name][level] / u[name][level])
        p = 1.0 / (1.0 + math.exp(-max(min(log_odds, 50.0), -50.0)))
        matches += n * p
        for name, level in pattern:
            got_m[name][level] += n * p
            got_u[name][level] += n * (1 - p)
    return got_m, got_u, matches


def _em(candidates: Patterns, randoms: Patterns, m: Table, u: Table, share: float) -> tuple[Table, Table, float, int]:
    """Fit m, u and the share of matches, the starting values acting as a prior.

    The fit runs on the candidate pairs and as many random pairs: the random ones are two entities, and they
    keep the non-match side of the fit from becoming "the same entity, recorded with more noise" (the fields of
    one record are not independent). The m probabilities come from that fit; the u probabilities and the
    share of matches are then read from the candidate pairs alone, which is what the resolver weighs.
    """
    prior_m, prior_u = copy.deepcopy(m), copy.deepcopy(u)
    both = candidates + randoms
    total = sum(both.values())
    iterations = 0
    while iterations < ITERATIONS:
        iterations += 1
        got_m, got_u, matches = _expect(both, m, u, share)
        new_share = min(max(matches / total, 1e-4), 1 - 1e-4)
        new_m = {name: _posterior(got_m[name], prior_m[name]) for name in m}
        new_u = {name: _posterior(got_u[name], prior_u[name]) for name in u}
        moved = max(abs(new_share - share), *(abs(new_m[n][lv] - m[n][lv]) for n in m for lv in m[n]))
        m, u, share = new_m, new_u, new_share
        if moved < 1e-4:
            break
    _, got_u, matches = _expect(candidates, m, u, share)
    u = {name: _posterior(got_u[name], u[name]) for name in u}
    share = min(max(matches / sum(candidates.values()), 1e-4), 1 - 1e-4)
    return m, u, share, iterations


def _posterior(seen: Mapping[str, float], prior: dict[str, float]) -> dict[str, float]:
    """Levels' shares from the counts seen, plus the prior as ``PRIOR_PAIRS`` pseudo-pairs."""
    denominator = sum(seen.values()) + PRIOR_PAIRS
    return {lv: max((seen.get(lv, 0.0) + PRIOR_PAIRS * p) / denominator, EPSILON) for lv, p in prior.items()}


def estimate_model(mentions: Iterable[Mention | Record], stored: Model | None = None, seed: int = 0,
                   max_pairs: int = MAX_PAIRS) -> Model:
    """The stored model with its m and u re-estimated, per kind, on these mentions (prior and thresholds kept)."""
    stored = stored or Model.load()
    records = [x if isinstance(x, Record) else prepare(x) for x in mentions]
    model = Model(dict(stored.prior), copy.deepcopy(stored.levels), copy.deepcopy(stored.thresholds),
                  {**stored.meta, "estimated": {}})
    for kind in sorted({r.kind for r in records}):
        of_kind = [r for r in records if r.kind == kind]
        pairs = candidate_pairs(of_kind, seed, max_pairs)
        if len(pairs) < MIN_PAIRS:
            model.meta["estimated"][kind] = {"pairs": len(pairs), "kept": "stored weights: too few pairs"}
            continue
        scores: dict[tuple[str, str], list[float]] = defaultdict(list)
        counts = _patterns(of_kind, pairs, scores)
        randoms = _patterns(of_kind, random_pairs(len(of_kind), len(pairs), set(pairs), seed), scores)
        m, u = _starting_point(stored.levels.get(kind, {}), scores)
        share = 1.0 / (1.0 + 2.0 ** -stored.prior.get(kind, 0.0))
        m, u, share, iterations = _em(counts, randoms, m, u, share)
        levels = copy.deepcopy(stored.levels.get(kind, {}))
        bounded = 0
        for name in m:
            for level in m[name]:
                learnt = stored.levels.get(kind, {}).get(name, {}).get(level)
                weight = _bounded(math.log2(m[name][level] / u[name][level]), learnt)
                bounded += weight != round(math.log2(m[name][level] / u[name][level]), 4)
                levels.setdefault(name, {})[level] = {"m": round(m[name][level], 6), "u": round(u[name][level], 6),
                                                      "weight": weight}
        model.levels[kind] = levels
        if kind not in stored.prior:  # the stored prior is kept: the thresholds were fitted with it
            model.prior[kind] = round(math.log2(share / (1 - share)), 4)
        model.meta["estimated"][kind] = _summary(len(of_kind), len(pairs), len(counts), iterations, share) | {
            "bounded_levels": bounded}
    return model


def _bounded(estimated: float, learnt: dict[str, float] | None) -> float:
    """An estimated weight, kept within ``MAX_SHIFT`` bits of the stored one when labelled pairs taught that one
    (``MIN_LEARNT`` at least): EM finds what the batch says, but when its two classes drift from "the same entity"
    and "two entities" (namesakes with swapped surnames fitted as one entity), labelled evidence has the last
    word."""
    support = learnt.get("pairs_m", MIN_LEARNT) + learnt.get("pairs_u", 0) if learnt else 0
    if not learnt or "weight" not in learnt or support < MIN_LEARNT:
        return round(estimated, 4)
    return round(min(max(estimated, learnt["weight"] - MAX_SHIFT), learnt["weight"] + MAX_SHIFT), 4)


def _summary(mentions: int, pairs: int, patterns: int, iterations: int, share: float) -> dict[str, Any]:
    return {"mentions": mentions, "pairs": pairs, "patterns": patterns, "iterations": iterations,
            "match_share": round(share, 4)}
