"""Batch resolution of a JSON-lines file, with the very resolver the stream uses."""

from __future__ import annotations

import json
from pathlib import Path

from engine.entity_resolution.model import Model
from engine.entity_resolution.resolver import Resolver

__all__ = ["resolve_jsonl"]


def resolve_jsonl(in_path: Path | str, out_path: Path | str, model: Model | None = None) -> Resolver:
    """Read one mention per line, write ``{"id", "entity_id"}`` per line (final ids, after merges)."""
    resolver = Resolver(model=model)
    ids: list[str] = []
    with open(in_path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                ids.append(resolver.resolve(json.loads(line)).mention_id)
    with open(out_path, "w", encoding="utf-8") as out:
        for mention_id in ids:
            out.write(json.dumps({"id": mention_id, "entity_id": resolver.entity_of(mention_id)}) + "\n")
    return resolver
