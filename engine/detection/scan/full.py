"""A full scan over a :class:`~engine.detection.scan.compact.CompactGraph`: every pattern once,
each from the roots its joins found, P010 on the whole co-bidding graph, P011 over the releases
streamed from the store; flags written in batches, and ``new`` flags no longer found withdrawn."""

from __future__ import annotations

import logging
import resource
import time
import zlib
from collections.abc import Callable, Iterable
from typing import Any

from engine.detection.base import Finding, Pattern
from engine.detection.registry import default_configs, get_patterns
from engine.detection.scan.cobidding import rings
from engine.detection.scan.compact import CompactGraph, no_cycles
from engine.detection.scan.context import CompactContext
from engine.detection.scan.roots import ROOTS, Roots
from engine.graph.store import GraphStore

log = logging.getLogger(__name__)
WHOLE_GRAPH = ("P010",)  # patterns computed partition by partition over the arrays, not from roots
# Shards of a distributed scan split a pattern's roots; these are done whole by shard 0: P010 (a ring met in
# two partitions is one flag, and the last partition's evidence is the one kept), P001 (two listings of one
# supplier give one flag per contract, the last listing's), and patterns without a join.
UNSHARDED = ("P001", "P010")
FLAG_BATCH = 2000


def shard_of(node_id: str, shards: int) -> int:
    """The shard a root belongs to: the same in every process (a stable hash, not Python's)."""
    return zlib.crc32(node_id.encode()) % shards


def pattern_roots(graph: CompactGraph, pattern: Pattern, config: Any,
                  shard: tuple[int, int] | None = None) -> Roots | None:
    """The roots of ``pattern`` (None: the pattern has no join, every node is a root), in one shard."""
    join = ROOTS.get(pattern.code)
    if join is None:
        return None
    roots = join(graph, config)
    if shard is not None:
        index, shards = shard
        roots = {label: [i for i in ids if shard_of(i, shards) == index] for label, ids in roots.items()}
    return roots


def findings(graph: CompactGraph, store: GraphStore, pattern: Pattern, config: Any, stamp: str,
             shard: tuple[int, int] | None = None, roots: Roots | None = None) -> list[Finding]:
    """What ``pattern`` finds over the whole graph (or one shard of its roots, or the given roots)."""
    ctx = CompactContext(graph, stamp)
    if shard is not None and (pattern.code in UNSHARDED or pattern.code not in ROOTS):
        if shard[0] != 0:
            return []
        shard = None  # the whole pattern, in shard 0
    if pattern.code in WHOLE_GRAPH:
        return list(rings(graph, ctx, config))
    if getattr(pattern, "scope", "partition") == "dataset":
        return list(pattern.find_dataset(store, config))  # type: ignore[attr-defined]
    if roots is None:
        roots = pattern_roots(graph, pattern, config, shard)
    view = ctx if roots is None else ctx.restricted(roots)
    return list(pattern.find(view, config))


def run_patterns(graph: CompactGraph, store: GraphStore, codes: list[str] | None, stamp: str,
                 shard: tuple[int, int] | None = None,
                 progress: Callable[[int, int], None] | None = None) -> tuple[dict[str, Finding], dict[str, Any]]:
    """Every enabled pattern over ``graph``: the findings by flag id, and per pattern its count and seconds."""
    with no_cycles():
        return _run_patterns(graph, store, codes, stamp, shard, progress)


def _run_patterns(graph: CompactGraph, store: GraphStore, codes: list[str] | None, stamp: str,
                  shard: tuple[int, int] | None,
                  progress: Callable[[int, int], None] | None) -> tuple[dict[str, Finding], dict[str, Any]]:
    found: dict[str, Finding] = {}
    stats: dict[str, Any] = {}
    configs = default_configs()
    patterns = get_patterns(codes)
    for done, pattern in enumerate(patterns, start=1):
        config = configs[pattern.code]
        started = time.perf_counter()
        fresh = findings(graph, store, pattern, config, stamp, shard) if config.enabled else []
        before = len(found)
        found.update((f.flag_id, f) for f in fresh)
        stats[pattern.code] = {"findings": len(found) - before, "seconds": round(time.perf_counter() - started, 3)}
        log.info("%s: %d finding(s) in %.1f s", pattern.code, len(found) - before, time.perf_counter() - started)
        if progress:
            progress(done, len(patterns))
    return found, stats


def write_flags(store: GraphStore, found: Iterable[Finding], stamp: str) -> int:
    from engine.detection.runner import flag_batch

    batch: list[Finding] = []
    written = 0
    for finding in found:
        batch.append(finding)
        if len(batch) >= FLAG_BATCH:
            store.write(flag_batch(batch, stamp))
            written += len(batch)
            batch = []
    if batch:
        store.write(flag_batch(batch, stamp))
        written += len(batch)
    return written


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
