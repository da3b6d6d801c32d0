"""Exports to the tools journalists use: Gephi (GraphML, GEXF), Aleph and ``ftm`` (FollowTheMoney),
spreadsheets (CSV, XLSX). Pure functions of a store and a request, each returning an
:class:`Export`: the files' bytes and a :class:`Manifest` (query, time, counts, sources and
their publication dates, limits). The CLI writes them (``vinculo export``); the HTTP API
(``/api/exports``) sends :meth:`Export.bundle`, the files and the manifest in one ZIP.

    export_subgraph(store, Selection(kind="entity", id="mx-rfc:GFM010122DZ9", depth=2), "graphml")
    export_flags(store, "xlsx", pattern="P002")
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from engine.exports import ftm, graphs, tables
from engine.exports.flags import FLAG_COLUMNS, flag_rows
from engine.exports.manifest import Limits, Manifest, count, now, sources_of, statements_used, vinculo_version
from engine.exports.subgraph import WITHHELD_PROPERTIES, Selection, Subgraph, read_subgraph
from engine.graph.store import GraphStore
from engine.graph.subgraph import FLAGS_TABLE

__all__ = ["Export", "Manifest", "Selection", "SUBGRAPH_FORMATS", "FLAG_FORMATS", "export_subgraph", "export_flags"]

SubgraphFormat = Literal["graphml", "gexf", "ftm", "csv", "xlsx"]
FlagFormat = Literal["csv", "xlsx"]
SUBGRAPH_FORMATS: tuple[str, ...] = ("graphml", "gexf", "ftm", "csv", "xlsx")
FLAG_FORMATS: tuple[str, ...] = ("csv", "xlsx")
MEDIA_TYPES = {
    "graphml": "application/graphml+xml", "gexf": "application/gexf+xml", "ftm": "application/x-ndjson",
    "csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}
EXCLUDED = ["Mention nodes (each entity carries the facts its source records gave)",
            "Declaration nodes and DECLARED (the facts a declaration states are on the relationships)",
            "operational state (subscriptions, deliveries, judgments, redirects)",
            *(f"property {p!r} (a whole OCDS release)" for p in WITHHELD_PROPERTIES),
            "properties whose name says they may hold a secret (password, token, key, webhook…)"]


@dataclass
class Export:
    """The files of one export and its manifest."""

    format: str
    files: dict[str, bytes]  # file name -> content; one file, or the tables of a CSV archive
    manifest: Manifest

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES["zip"] if len(self.files) > 1 else MEDIA_TYPES[self.format]

    def body(self) -> bytes:
        """What to send or write: the file, or a ZIP of the files and ``manifest.json``."""
        return next(iter(self.files.values())) if len(self.files) == 1 else self.bundle()

    def bundle(self) -> bytes:
        """A ZIP of the files and ``manifest.json``: what the HTTP API sends, every export with its manifest."""
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in self.files.items():
                archive.writestr(name, content)
            archive.writestr("manifest.json", self.manifest.to_json())
        return out.getvalue()

    def write(self, out: Path) -> list[Path]:
        """Write the export to ``out`` and its manifest beside it (``<out>.manifest.json``)."""
        out.write_bytes(self.body())
        manifest = out.with_name(out.name + ".manifest.json")
        manifest.write_bytes(self.manifest.to_json())
        return [out, manifest]


def _manifest(fmt: str, sub: Subgraph, extra_notes: list[str] | None = None,
              extra: dict[str, object] | None = None) -> Manifest:
    sel = sub.selection
    return Manifest(
        version=vinculo_version(), format=fmt, generated_at=now(),
        query={"selection": sel.model_dump(), "statements": statements_used(sub.statements.values()), **(extra or {})},
        counts={"nodes": count(n.label for n in sub.nodes.values()),
                "relationships": count(e.type for e in sub.edges.values())},
        sources=sources_of((n.props for n in sub.nodes.values()), (e.props for e in sub.edges.values())),
        limits=Limits(depth=sel.depth if sel.kind == "entity" else None, max_nodes=sel.max_nodes,
                      truncated=sub.truncated, notes=sub.notes + (extra_notes or []), excluded=list(EXCLUDED)),
    )


def export_subgraph(store: GraphStore, selection: Selection, fmt: SubgraphFormat | str,
                    timeout_ms: int | None = None) -> Export:
    """An entity's neighbourhood, a flag's evidence or a public body's suppliers, in ``fmt``; every
    statement stopped by the server after ``timeout_ms`` (the API's limit)."""
    if fmt not in SUBGRAPH_FORMATS:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(SUBGRAPH_FORMATS)}")
    sub = read_subgraph(store, selection, timeout_ms)
    if fmt == "ftm":
        entities, left_out = ftm.to_ftm(sub)
        notes = [f"not expressed in FollowTheMoney: {k} ×{n}" for k, n in left_out["not_expressed"].items()]
        manifest = _manifest(fmt, sub, notes, {"ftm_ids": left_out["ftm_ids"]})
        manifest.counts["ftm_schemata"] = count(e["schema"] for e in entities)
        body = "".join(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in entities).encode()
        return Export(fmt, {"entities.ftm.json": body}, manifest)
    manifest = _manifest(fmt, sub)
    if fmt in ("graphml", "gexf"):
        writer = graphs.graphml if fmt == "graphml" else graphs.gexf
        return Export(fmt, {f"subgraph.{fmt}": writer(sub, manifest.model_dump_json())}, manifest)
    node_cols, node_rows = tables.node_rows(sub)
    rel_cols, rel_rows = tables.relationship_rows(sub)
    if fmt == "csv":
        return Export(fmt, {"nodes.csv": tables.csv_bytes(node_cols, node_rows),
                            "relationships.csv": tables.csv_bytes(rel_cols, rel_rows)}, manifest)
    return Export(fmt, {"subgraph.xlsx": tables.xlsx_bytes(
        [("Nodes", node_cols, node_rows), ("Relationships", rel_cols, rel_rows)], manifest)}, manifest)


def export_flags(store: GraphStore, fmt: FlagFormat | str, pattern: str | None = None, status: str | None = None,
                 limit: int = 10000, timeout_ms: int | None = None) -> Export:
    """Flags (strongest first) with their sentences and paths, as CSV or XLSX."""
    if fmt not in FLAG_FORMATS:
        raise ValueError(f"flags export as {', '.join(FLAG_FORMATS)}, not {fmt!r}")
    rows = flag_rows(store, pattern, status, limit, timeout_ms)
    manifest = Manifest(
        version=vinculo_version(), format=fmt, generated_at=now(),
        query={"selection": {"kind": "flags", "pattern": pattern, "status": status or "every status but withdrawn"},
               "statements": statements_used([FLAGS_TABLE])},
        counts={"flags": count(str(r["pattern"]) for r in rows), "severity": count(str(r["severity"]) for r in rows)},
        sources=sources_of(({"sources": (r["sources"] or "").split(", ") if r["sources"] else [],
                             "first_seen": r["first_seen"], "last_seen": r["last_seen"]} for r in rows), []),
        limits=Limits(max_rows=limit, truncated=len(rows) >= limit,
                      notes=["sources and dates of a flag are those of the detection run that found it; the sources "
                             "of its evidence are in each entity's export"]),
    )
    if fmt == "csv":
        return Export(fmt, {"flags.csv": tables.csv_bytes(FLAG_COLUMNS, rows)}, manifest)
    return Export(fmt, {"flags.xlsx": tables.xlsx_bytes([("Flags", FLAG_COLUMNS, rows)], manifest)}, manifest)
