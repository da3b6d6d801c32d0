"""The manifest every export carries: what was asked, when, what came out, from which sources
(with the dates their records were published), and the limits that shaped it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from pydantic import BaseModel, Field

from engine.graph.cypher import Statement

__all__ = ["Manifest", "SourceSummary", "Limits", "DISCLAIMER", "sources_of", "vinculo_version"]

DISCLAIMER = {
    "es": "Un vínculo no es prueba de ningún ilícito. Existen homónimos. Revisa las fuentes.",
    "en": "A link is not proof of wrongdoing. Namesakes exist. Check the sources.",
}


class SourceSummary(BaseModel):
    """One source the exported facts come from."""

    source: str
    nodes: int = 0
    relationships: int = 0
    first_published: str | None = Field(default=None, description="earliest publication date recorded for an exported "
                                                          "node or relationship this source stated")
    last_published: str | None = Field(default=None, description="latest such date")


class Limits(BaseModel):
    """What shaped the export, so nobody mistakes it for the whole graph."""

    depth: int | None = None
    max_nodes: int | None = None
    max_rows: int | None = None
    truncated: bool = False
    notes: list[str] = Field(default_factory=list)
    excluded: list[str] = Field(default_factory=list)


class Manifest(BaseModel):
    tool: str = "Vínculo"
    version: str
    format: str
    generated_at: str
    query: dict[str, Any] = Field(description="the selection and every statement run to read it")
    counts: dict[str, dict[str, int]]
    sources: list[SourceSummary]
    limits: Limits
    disclaimer: dict[str, str] = Field(default_factory=lambda: dict(DISCLAIMER))

    def to_json(self) -> bytes:
        return (self.model_dump_json(indent=2) + "\n").encode()


def vinculo_version() -> str:
    try:
        return version("vinculo")
    except PackageNotFoundError:  # running from a checkout that is not installed
        return "unknown"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def statements_used(statements: Iterable[Statement]) -> list[dict[str, str]]:
    return [{"name": s.name, "cypher": s.text} for s in sorted(statements, key=lambda s: s.name)]


def sources_of(nodes: Iterable[dict[str, Any]], relationships: Iterable[dict[str, Any]]) -> list[SourceSummary]:
    """Per source: how many exported elements it stated, and the span of their publication dates.

    Provenance is kept per element, not per element and source: an element several sources stated
    carries one first/last date, counted for each of its sources.
    """
    out: dict[str, SourceSummary] = {}
    for kind, elements in (("nodes", nodes), ("relationships", relationships)):
        for props in elements:
            names = props.get("sources") or ([props["source"]] if props.get("source") else [])
            for name in (names if isinstance(names, list) else [names]):
                summary = out.setdefault(str(name), SourceSummary(source=str(name)))
                setattr(summary, kind, getattr(summary, kind) + 1)
                first, last = props.get("first_seen"), props.get("last_seen")
                if isinstance(first, str) and (summary.first_published is None or first < summary.first_published):
                    summary.first_published = first
                if isinstance(last, str) and (summary.last_published is None or last > summary.last_published):
                    summary.last_published = last
    return sorted(out.values(), key=lambda s: s.source)


def count(values: Iterable[str]) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))
