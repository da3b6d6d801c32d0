"""What gets written to the graph: node and relationship upserts with provenance.

A :class:`GraphBatch` is built in memory from a whole source record and validated
before anything is written, so a bad record never leaves a half-written entity.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from engine.entity_resolution.text import fold
from engine.graph.schema import schema

SEARCH_TEXT = "search_text"  # the folded text of a node's searchable properties (schema.toml `search`)


def search_fold(text: str) -> str:
    """Text as the full-text indexes hold it: the resolver's folding, and "Ñ" read as "N" too
    (people type "Pena" for "Peña"; the resolver's comparison still tells them apart when ranking)."""
    return fold(text).replace("Ñ", "N")

Scalar = str | int | float | bool
PropValue = Scalar | list[str] | list[int] | list[float] | None
PropInput = PropValue | dict[str, Any] | list[Any]  # what callers may pass: nested values are stored as JSON text


@dataclass(frozen=True)
class Provenance:
    """Where a fact came from: the source (dataset), the record id, and when it was seen."""

    source: str
    record_id: str
    seen: str  # ISO-8601; the record's own publication date when it has one


@dataclass
class NodeUpsert:
    label: str
    id: str
    props: dict[str, PropValue]
    provenance: Provenance
    on_create: dict[str, PropValue] = field(default_factory=dict)


@dataclass
class RelUpsert:
    type: str
    source_label: str
    source_id: str
    target_label: str
    target_id: str
    id: str
    props: dict[str, PropValue]
    provenance: Provenance


@dataclass
class GraphBatch:
    nodes: list[NodeUpsert] = field(default_factory=list)
    rels: list[RelUpsert] = field(default_factory=list)

    def node(
        self,
        label: str,
        id: str,
        provenance: Provenance,
        /,
        on_create: dict[str, PropInput] | None = None,
        **props: PropInput,
    ) -> str:
        spec = schema().label(label)
        clean = _clean(props)
        text = [v for f in spec.search if isinstance(v := clean.get(f), str)]
        if text:  # what the full-text indexes read: folded as the resolver folds (accents, case, punctuation)
            clean[SEARCH_TEXT] = search_fold(" ".join(text))
        self.nodes.append(NodeUpsert(label, id, clean, provenance, _clean(on_create or {})))
        return id

    def rel(
        self,
        type: str,
        source: tuple[str, str],
        target: tuple[str, str],
        provenance: Provenance,
        /,
        rel_id: str | None = None,
        **props: PropInput,
    ) -> None:
        """Add a relationship; ``props`` may use any name but ``rel_id`` (even ``type``)."""
        schema().relationship(type, source[0], target[0])
        rel_id = rel_id or f"{type}:{source[1]}->{target[1]}"
        self.rels.append(
            RelUpsert(type, source[0], source[1], target[0], target[1], rel_id, _clean(props), provenance)
        )

    def extend(self, other: GraphBatch) -> None:
        self.nodes.extend(other.nodes)
        self.rels.extend(other.rels)

    def rename(self, mapping: dict[str, str]) -> None:
        """Point nodes and relationship ends at new ids (entities merged elsewhere)."""
        if not mapping:
            return
        for n in self.nodes:
            n.id = mapping.get(n.id, n.id)
        for r in self.rels:
            r.source_id = mapping.get(r.source_id, r.source_id)
            r.target_id = mapping.get(r.target_id, r.target_id)

    def __len__(self) -> int:
        return len(self.nodes) + len(self.rels)

    def node_rows(self) -> dict[str, list[dict[str, Any]]]:
        """Rows per label for the node upsert statements; later duplicates merge into earlier."""
        grouped: dict[str, dict[str, dict[str, Any]]] = {}
        for n in self.nodes:
            rows = grouped.setdefault(n.label, {})
            row = rows.get(n.id)
            if row is None:
                rows[n.id] = _row(n.id, n.props, n.provenance, n.on_create)
            else:
                row["props"].update(n.props)
                row["create"].update(n.on_create)
        return {label: list(rows.values()) for label, rows in grouped.items()}

    def rel_rows(self) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
        grouped: dict[tuple[str, str, str], dict[str, dict[str, Any]]] = {}
        for r in self.rels:
            rows = grouped.setdefault((r.type, r.source_label, r.target_label), {})
            row = _row(r.id, r.props, r.provenance, {})
            row["src"], row["dst"] = r.source_id, r.target_id
            if r.id in rows:
                rows[r.id]["props"].update(r.props)
            else:
                rows[r.id] = row
        return {key: list(rows.values()) for key, rows in grouped.items()}


def _row(id: str, props: dict[str, Any], prov: Provenance, create: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": id,
        "props": dict(props),
        "create": dict(create),
        "source": prov.source,
        "record_id": prov.record_id,
        "seen": prov.seen,
    }


RESERVED = frozenset({"id", "source", "sources", "record_id", "first_seen", "last_seen"})
_PROPERTY_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class PropertyNameError(ValueError):
    """A property name that is not a plain identifier, or that would overwrite an id or provenance."""


def _clean(props: dict[str, Any]) -> dict[str, PropValue]:
    """Drop empty values and turn nested structures into JSON text (graph properties are flat).

    Names are checked: lower-case identifiers only, and never one the writer owns (``id``, the
    provenance fields), so no value a source carries can rename a node or rewrite where it came from.
    """
    out: dict[str, PropValue] = {}
    allowed = _ALLOWED
    for key, value in props.items():
        if key not in allowed:
            if key in RESERVED or not isinstance(key, str) or not _PROPERTY_NAME.match(key):
                raise PropertyNameError(f"property name {key!r} is not allowed (reserved, or not [a-z][a-z0-9_]*)")
            if len(allowed) < 100_000:  # names come from a small vocabulary; a flood of odd ones is not kept
                allowed.add(key)
        kind = type(value)
        if kind is str:
            if value:
                out[key] = value
        elif value is None:
            continue
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise ValueError(f"property {key!r} is {value!r}: not a number a graph can store")
            out[key] = value
        elif isinstance(value, dict) or (
            isinstance(value, list) and any(isinstance(v, dict | list) for v in value)
        ):
            out[key] = json.dumps(value, ensure_ascii=False, sort_keys=True)
        elif isinstance(value, list):
            if value:
                out[key] = [v for v in value if v is not None]
        elif value == "":
            continue
        else:
            out[key] = value
    return out


_ALLOWED: set[str] = set()  # property names already checked
