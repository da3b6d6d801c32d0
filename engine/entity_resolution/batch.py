"""Batch resolution of a JSON-lines file, with the very resolver the stream uses.

By default the weights are first estimated on the file itself (``estimate.py``), starting
from the stored ones; ``estimate=False`` uses the stored (or given) weights as they are.
"""

from __future__ import annotations

import json
from pathlib import Path

from engine.entity_resolution.estimate import estimate_model
from engine.entity_resolution.model import Model
from engine.entity_resolution.records import Mention
from engine.entity_resolution.resolver import Resolver

__all__ = ["resolve_jsonl", "read_mentions"]


def read_mentions(in_path: Path | str) -> list[Mention]:
    """One mention per non-empty line."""
    with open(in_path, encoding="utf-8") as f:
        return [Mention.from_dict(json.loads(line)) for line in f if line.strip()]


def resolve_jsonl(in_path: Path | str, out_path: Path | str, model: Model | None = None, estimate: bool = True,
                  save_weights: Path | str | None = None) -> Resolver:
    """Read one mention per line, write ``{"id", "entity_id"}`` per line (final ids, after merges).

    ``model`` is the starting point (the stored weights when None); with ``estimate`` its weights are
    re-estimated on these mentions first, and ``save_weights`` keeps that estimate for the stream to load.
    """
    mentions = read_mentions(in_path)
    model = model or Model.load()
    if estimate:
        model = estimate_model(mentions, model)
    if save_weights is not None:
        model.save(Path(save_weights))
    resolver = Resolver(model=model)
    for mention in mentions:
        resolver.resolve(mention)
    with open(out_path, "w", encoding="utf-8") as out:
        for mention in mentions:
            out.write(json.dumps({"id": mention.id, "entity_id": resolver.entity_of(mention.id)}) + "\n")
    return resolver
