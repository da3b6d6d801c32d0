"""Tables for spreadsheets: a subgraph as nodes and relationships, and flags with their
sentences and paths; as CSV (UTF-8 with a byte-order mark, which Excel needs to read accents)
and as XLSX (one sheet per table and one for the manifest).

Text that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return) gets a leading apostrophe: a company name in open data must not become a
formula on a journalist's computer.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING

from engine.exports.manifest import Manifest
from engine.exports.subgraph import Subgraph

__all__ = ["node_rows", "relationship_rows", "csv_bytes", "xlsx_bytes", "safe_cell", "FORMULA_PREFIXES"]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_FIRST_NODE_COLUMNS = ["id", "kind", "name", "rfc", "curp", "sources", "first_seen", "last_seen"]
_FIRST_REL_COLUMNS = ["id", "type", "source_id", "source_kind", "source_name", "target_id", "target_kind",
                      "target_name", "sources", "first_seen", "last_seen"]


def safe_cell(value: Any) -> Any:
    """A value a spreadsheet shows as it is: numbers stay numbers, lists become JSON, formulas text."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return value
    if not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def _columns(first: list[str], rows: Iterable[dict[str, Any]]) -> list[str]:
    rest = sorted({k for row in rows for k in row} - set(first))
    return first + rest


def node_rows(sub: Subgraph) -> tuple[list[str], list[dict[str, Any]]]:
    rows = []
    for node in sorted(sub.nodes.values(), key=lambda n: (n.label, n.name, n.id)):
        props = {k: v for k, v in node.props.items() if k != "id"}
        rows.append({**props, "id": node.id, "kind": node.label, "name": node.name})
    return _columns(_FIRST_NODE_COLUMNS, rows), rows


def relationship_rows(sub: Subgraph) -> tuple[list[str], list[dict[str, Any]]]:
    rows = []
    for edge in sorted(sub.edges.values(), key=lambda e: (e.type, e.src, e.dst, e.id)):
        src, dst = sub.nodes[edge.src], sub.nodes[edge.dst]
        props = {k: v for k, v in edge.props.items() if k not in ("id", "type")}
        rows.append({**props, "id": edge.id, "type": edge.type,
                     "source_id": src.id, "source_kind": src.label, "source_name": src.name,
                     "target_id": dst.id, "target_kind": dst.label, "target_name": dst.name})
    return _columns(_FIRST_REL_COLUMNS, rows), rows


def csv_bytes(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(row.get(c)) for c in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _sheet(book: Workbook, title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    sheet = book.create_sheet(title)
    sheet.append(list(columns))
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    for cells in sheet.iter_rows():
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = TYPE_STRING  # openpyxl would store "=…" as a formula otherwise
    sheet.freeze_panes = "A2"


def manifest_rows(manifest: Manifest) -> list[tuple[str, Any]]:
    data = manifest.model_dump()
    rows: list[tuple[str, Any]] = [(k, data[k]) for k in ("tool", "version", "format", "generated_at")]
    rows += [("selection", data["query"].get("selection")), ("disclaimer (es)", data["disclaimer"]["es"]),
             ("disclaimer (en)", data["disclaimer"]["en"])]
    rows += [(f"count: {group} {key}", n) for group, counts in data["counts"].items() for key, n in counts.items()]
    rows += [(f"source: {s['source']}", f"{s['nodes']} node(s), {s['relationships']} relationship(s), published "
              f"{s['first_published'] or '?'} … {s['last_published'] or '?'}") for s in data["sources"]]
    rows += [(f"limit: {k}", v) for k, v in data["limits"].items()]
    rows += [(f"statement: {s['name']}", s["cypher"]) for s in data["query"].get("statements", [])]
    return rows


def xlsx_bytes(tables: list[tuple[str, Sequence[str], list[dict[str, Any]]]], manifest: Manifest) -> bytes:
    book = Workbook()
    if book.active is not None:
        book.remove(book.active)
    for title, columns, rows in tables:
        _sheet(book, title, columns, ([row.get(c) for c in columns] for row in rows))
    _sheet(book, "Manifest", ("key", "value"), manifest_rows(manifest))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
