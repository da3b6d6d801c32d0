"""P011 — Procurement red flags of Open Contracting Partnership's Cardinal.

What is flagged
    Every contracting process that one of Cardinal's indicators flags (R003 short
    submission period, R018 single bid, R024 price close to the winning bid, R025
    excessive unsuccessful bids, R028 identical bid prices, R030 late bid won, R035 all
    except the winning bid disqualified, R036 lowest bid disqualified, R038 excessive
    disqualified bids, R048 heterogeneous supplier, R058 heavily discounted bid), computed
    over every process in the graph at once, with Cardinal's own methodology, so the
    result is Cardinal's (the implementation reproduces Cardinal's documented results
    and test fixtures, see ``engine/detection/cardinal``).

Threshold
    Cardinal's, per indicator; ``settings`` names a Cardinal ``.ini`` file (default:
    every indicator with its defaults); ``codes`` restricts the indicators. Severity
    *medium*; score 0.5 + 0.1 per further indicator flagging the same process, at most 0.9.

Why it is a red flag
    Each indicator's documentation gives its reasons (collusion, rigged specifications,
    manipulated evaluation); together they are the Open Contracting Partnership's
    catalogue of procurement red flags.

Source
    Cardinal (open-contracting/cardinal-rs), over OCDS releases kept on each process.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, ClassVar

from engine.detection.base import EntityRef, Finding, PatternConfig
from engine.detection.cardinal import Settings
from engine.detection.cardinal.run import build_indicators, finalize, fold
from engine.detection.context import DetectionContext
from engine.graph.export import BulkReader
from engine.graph.store import GraphStore


class CardinalConfig(PatternConfig):
    settings: str | None = None
    codes: list[str] = []


def release_tenderers(release: Any) -> frozenset[str]:
    """The ids of a release's tenderers, as Cardinal names them (its bids' tenderers)."""
    details = ((release.get("bids") or {}).get("details") if isinstance(release, dict) else None) or []
    return frozenset(t["id"] for bid in details if isinstance(bid, dict) and isinstance(bid.get("tenderers"), list)
                     for t in bid["tenderers"] if isinstance(t, dict) and isinstance(t.get("id"), str))


def cardinal_findings(results: dict[str, Any], process_ids: dict[str, str], codes: list[str],
                      tenderers_of: dict[str, frozenset[str]]) -> Iterator[Finding]:
    """Cardinal's output as findings: one per flagged process, naming every indicator, and which of the
    process's own tenderers Cardinal flagged too (``tenderers_of``: ocid -> its tenderers' ids)."""
    tenderers = results.get("Tenderer", {})
    for ocid, flagged in sorted(results.get("OCID", {}).items()):
        hits = {code: value for code, value in flagged.items() if not codes or code in codes}
        if not hits or ocid not in process_ids:
            continue
        named = ", ".join(f"{code} ({value:g})" for code, value in sorted(hits.items()))
        own = sorted(t for t in tenderers_of.get(ocid, ()) if t in tenderers and set(tenderers[t]) & set(hits))
        yield Finding(
            pattern=P011.code, key=(process_ids[ocid],), title=P011.title, severity="medium",
            score=round(min(0.5 + 0.1 * (len(hits) - 1), 0.9), 3),
            sentence=f"Process {ocid} is flagged by Cardinal's procurement red-flag indicators: {named}.",
            entities=[EntityRef("ContractingProcess", process_ids[ocid], "process")],
            evidence={"path": [process_ids[ocid]], "ocid": ocid, "indicators": hits,
                      "tenderers_flagged": {t: tenderers[t] for t in own}},
        )


class P011:
    code: ClassVar[str] = "P011"
    title: ClassVar[str] = "Procurement red flags (Cardinal indicators)"
    Config: ClassVar[type[PatternConfig]] = CardinalConfig
    scope: ClassVar[str] = "dataset"  # its statistics (quartiles, fences) need every process at once

    def find(self, ctx: DetectionContext, config: CardinalConfig) -> Iterable[Finding]:
        return ()  # runs on the whole dataset, see find_dataset

    def find_dataset(self, store: GraphStore, config: CardinalConfig) -> Iterable[Finding]:
        """Cardinal over every release kept on a process, streamed from the store a page at a time into
        Cardinal's fold: no more than a page of releases is held at once."""
        settings = Settings.from_path(Path(config.settings)) if config.settings else Settings.all_indicators()
        process_ids: dict[str, str] = {}
        tenderers_of: dict[str, frozenset[str]] = {}

        def releases() -> Iterator[Any]:
            for process_id, text in BulkReader(store).releases():
                release = json.loads(text) if isinstance(text, str) else text
                if isinstance(release, dict):
                    process_ids[release.get("ocid")] = process_id  # type: ignore[index]
                    tenderers_of[release.get("ocid")] = release_tenderers(release)  # type: ignore[index]
                yield release

        indicators = build_indicators(settings)
        accumulator = fold(releases(), settings, indicators)
        if not process_ids:
            return ()
        return list(cardinal_findings(finalize(accumulator, indicators), process_ids, config.codes, tenderers_of))
