"""The graph schema, loaded from ``schema.toml``: the allow-list of labels and
relationship types, their endpoints, and which properties are searchable.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path


@dataclass(frozen=True)
class Label:
    name: str
    ftm: str | None
    search: tuple[str, ...]
    shared_value: bool
    operational: bool


@dataclass(frozen=True)
class RelType:
    name: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]


@dataclass(frozen=True)
class GraphSchema:
    labels: dict[str, Label]
    relationships: dict[str, RelType]

    def label(self, name: str) -> Label:
        try:
            return self.labels[name]
        except KeyError:
            raise SchemaError(f"label {name!r} is not in the graph schema") from None

    def relationship(self, name: str, source: str, target: str) -> RelType:
        try:
            rel = self.relationships[name]
        except KeyError:
            raise SchemaError(f"relationship type {name!r} is not in the graph schema") from None
        if source not in rel.sources or target not in rel.targets:
            raise SchemaError(f"({source})-[:{name}]->({target}) is not allowed by the graph schema")
        return rel

    def endpoint_pairs(self) -> list[tuple[str, str, str]]:
        """Every (type, source label, target label) the schema allows."""
        return [
            (rel.name, src, dst)
            for rel in self.relationships.values()
            for src in rel.sources
            for dst in rel.targets
        ]


class SchemaError(ValueError):
    """A label or relationship outside the schema's allow-list."""


@cache
def schema() -> GraphSchema:
    raw = tomllib.loads((Path(__file__).parent / "schema.toml").read_text())
    labels = {
        name: Label(
            name=name,
            ftm=spec.get("ftm"),
            search=tuple(spec.get("search", ())),
            shared_value=bool(spec.get("shared_value", False)),
            operational=bool(spec.get("operational", False)),
        )
        for name, spec in raw["labels"].items()
    }
    rels = {
        name: RelType(name=name, sources=tuple(spec["from"]), targets=tuple(spec["to"]))
        for name, spec in raw["relationships"].items()
    }
    for rel in rels.values():
        for label in rel.sources + rel.targets:
            if label not in labels:
                raise SchemaError(f"relationship {rel.name} names unknown label {label}")
    return GraphSchema(labels, rels)
