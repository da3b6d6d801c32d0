"""Measure detection against a scenario's planted truth (``truth.jsonl``).

A planted conflict counts as found when a flag of the pattern that should catch it
concerns entities carrying the same identifiers (official's RFC or CURP, supplier's RFC).
Precision is measured over the conflict-of-interest and sanction patterns the truth
speaks about (P002–P006): a flag of those patterns that matches no planted conflict is a
false positive. Flags of the other patterns (SAT 69-B, procurement red flags on the real
data) are reported separately: the scenario plants nothing for them.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.graph import cypher
from engine.graph.store import GraphStore

# Which pattern should catch which planted kind, and which roles of the flag carry the ids.
EXPECTED: dict[str, tuple[str, ...]] = {
    "direct_ownership": ("P002",),
    "spouse_ownership": ("P002",),
    "dependant_ownership": ("P002",),
    "directorship": ("P002",),
    "representation": ("P002",),
    "chain_ownership": ("P003",),
    "s2_intervention": ("P004",),
    "sanctioned_supplier": ("P005",),
    "sanctioned_director": ("P006",),
}
SCORED_PATTERNS = ("P002", "P003", "P004", "P005", "P006")
DIRECT_AND_CHAIN = ("direct_ownership", "spouse_ownership", "dependant_ownership", "directorship",
                    "representation", "chain_ownership")


@dataclass
class Evaluation:
    planted: dict[str, int] = field(default_factory=dict)
    found: dict[str, int] = field(default_factory=dict)
    missed: list[dict[str, Any]] = field(default_factory=list)
    flags: dict[str, int] = field(default_factory=dict)
    true_flags: int = 0
    false_flags: list[dict[str, Any]] = field(default_factory=list)
    not_scored: dict[str, int] = field(default_factory=dict)

    @property
    def recall(self) -> dict[str, float]:
        return {k: self.found.get(k, 0) / n for k, n in self.planted.items() if n}

    @property
    def recall_direct_and_chain(self) -> float:
        n = sum(self.planted.get(k, 0) for k in DIRECT_AND_CHAIN)
        return sum(self.found.get(k, 0) for k in DIRECT_AND_CHAIN) / n if n else 1.0

    @property
    def precision(self) -> float:
        total = self.true_flags + len(self.false_flags)
        return self.true_flags / total if total else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "planted": self.planted, "found": self.found, "recall": self.recall,
            "recall_direct_and_chain": self.recall_direct_and_chain, "precision": self.precision,
            "flags_by_pattern": self.flags, "true_flags": self.true_flags,
            "false_flags": len(self.false_flags), "flags_not_scored": self.not_scored,
            "missed": self.missed, "false_flag_examples": self.false_flags[:10],
        }


def flag_entities(store: GraphStore) -> dict[str, dict[str, Any]]:
    flags: dict[str, dict[str, Any]] = {}
    for row in store.run(cypher.FLAG_ENTITIES):
        flag = flags.setdefault(row["flag"], {"pattern": row["pattern"], "sentence": row["sentence"],
                                              "ids": defaultdict(set)})
        for ident in (row.get("rfc"), row.get("curp")):
            if ident:
                flag["ids"][row["role"]].add(str(ident).upper())
    return flags


def _ids(party: dict[str, Any] | None) -> set[str]:
    return {str(party[k]).upper() for k in ("rfc", "curp") if party and party.get(k)}


def _matches(kind: str, truth: dict[str, Any], flag: dict[str, Any]) -> bool:
    ids = flag["ids"]
    supplier = _ids(truth.get("supplier"))
    supplier_roles = ids.get("supplier", set()) | ids.get("winner", set())
    if kind in ("sanctioned_supplier",):
        return bool(supplier & supplier_roles)
    if kind == "sanctioned_director":
        return bool(supplier & ids.get("supplier", set()))
    official = _ids(truth.get("official"))
    return bool(official & ids.get("official", set())) and bool(supplier & supplier_roles)


def evaluate(store: GraphStore, truth_path: Path) -> Evaluation:
    truth = [json.loads(line) for line in truth_path.read_text().splitlines() if line.strip()]
    flags = flag_entities(store)
    result = Evaluation()
    for f in flags.values():
        result.flags[f["pattern"]] = result.flags.get(f["pattern"], 0) + 1
    matched: set[str] = set()
    for item in truth:
        kind = item["kind"]
        if kind not in EXPECTED:
            continue
        result.planted[kind] = result.planted.get(kind, 0) + 1
        hits = [fid for fid, f in flags.items() if f["pattern"] in EXPECTED[kind] and _matches(kind, item, f)]
        if hits:
            result.found[kind] = result.found.get(kind, 0) + 1
            matched.update(hits)
        else:
            result.missed.append({"kind": kind, "official": (item.get("official") or {}).get("name"),
                                  "supplier": (item.get("supplier") or {}).get("name")})
    for fid, f in flags.items():
        if f["pattern"] not in SCORED_PATTERNS:
            result.not_scored[f["pattern"]] = result.not_scored.get(f["pattern"], 0) + 1
        elif fid in matched:
            result.true_flags += 1
        else:
            result.false_flags.append({"id": fid, "pattern": f["pattern"], "sentence": f["sentence"]})
    return result
