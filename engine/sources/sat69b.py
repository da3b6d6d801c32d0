"""SAT's list of taxpayers under article 69-B of the Federal Tax Code (presumed or
definitive issuers of simulated invoices, "EFOS").

SAT publishes it as a CSV in Windows-1252 with preamble lines before the header (the
first says when the list was updated). Publisher: one message per row on
``raw.sat69b``, keyed by RFC. Stream: the taxpayer (``Company`` for a 12-character RFC,
``Person`` for 13) and a ``Sanction`` node (program ``SAT-69B``) with the status and the
dates of each stage, linked by ``SANCTIONED``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from engine.canonical import CanonicalRecord, RecordBuilder
from engine.entity_resolution.identifiers import parse_rfc
from engine.sources.base import (
    H_PUBLISHED,
    RawRecord,
    RecordContext,
    RecordError,
    RecordSkipped,
    csv_rows,
    load_json_object,
    read_text,
    text,
)

KIND = "sat69b"
TOPIC = "raw.sat69b"
PROGRAM = "SAT-69B"
STATUSES = ("Presunto", "Definitivo", "Desvirtuado", "Sentencia Favorable")

# Header cells (accents and case folded) → field names.
_COLUMNS = {
    "no": "row_number",
    "rfc": "rfc",
    "nombre del contribuyente": "name",
    "situacion del contribuyente": "status",
    "numero y fecha de oficio global de presuncion sat": "presumed_notice",
    "publicacion pagina sat presuntos": "presumed_sat_on",
    "numero y fecha de oficio global de presuncion dof": "presumed_dof_notice",
    "publicacion dof presuntos": "presumed_dof_on",
    "numero y fecha de oficio global de contribuyentes que desvirtuaron sat": "disproved_notice",
    "publicacion pagina sat desvirtuados": "disproved_sat_on",
    "numero y fecha de oficio global de contribuyentes que desvirtuaron dof": "disproved_dof_notice",
    "publicacion dof desvirtuados": "disproved_dof_on",
    "numero y fecha de oficio global de definitivos sat": "definitive_notice",
    "publicacion pagina sat definitivos": "definitive_sat_on",
    "numero y fecha de oficio global de definitivos dof": "definitive_dof_notice",
    "publicacion dof definitivos": "definitive_dof_on",
    "numero y fecha de oficio global de sentencia favorable sat": "favorable_notice",
    "publicacion pagina sat sentencia favorable": "favorable_sat_on",
    "numero y fecha de oficio global de sentencia favorable dof": "favorable_dof_notice",
    "publicacion dof sentencia favorable": "favorable_dof_on",
}
_MONTHS = {m: i for i, m in enumerate(
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre".split(), 1)}
_UPDATED = re.compile(r"actualizada al (\d{1,2}) de (\w+) de (\d{4})", re.IGNORECASE)


def fold(value: str) -> str:
    """Lower case without accents or surrounding space: how header cells are compared."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip().lower()


class SAT69BSource:
    kind = KIND
    topic = TOPIC

    def read(self, path: Path) -> Iterator[RawRecord]:
        decoded = read_text(path)
        if isinstance(decoded, RawRecord):
            yield decoded
            return
        data, body, encoding = decoded
        try:
            rows = csv_rows(body)
        except RecordError as exc:
            yield RawRecord.broken(path.name, data, "file", f"{path.name}: {exc}")
            return
        header_at = next(
            (i for i, row in enumerate(rows[:20]) if any(fold(c) == "rfc" for c in row)), None
        )
        if header_at is None:
            reason = (
                f"{path.name} is not SAT's 69-B list as published: no header row with an 'RFC' "
                f"column in its first 20 lines (decoded as {encoding}; is it in another encoding "
                "or another format?)"
            )
            yield RawRecord.broken(path.name, data, "file", reason)
            return
        published = _updated_on(" ".join(",".join(r) for r in rows[:header_at]))
        fields = [_COLUMNS.get(fold(c), fold(c)) for c in rows[header_at]]
        for line, row in enumerate(rows[header_at + 1:], start=header_at + 2):
            if not any(cell.strip() for cell in row):
                continue
            record: dict[str, Any] = dict(zip(fields, row, strict=False))
            record["_line"] = line
            if len(row) != len(fields):
                record["_cells"] = len(row)
            raw = RawRecord(
                (record.get("rfc") or f"{path.name}#line {line}").strip(),
                json.dumps(record, ensure_ascii=False).encode(),
                f"line {line}",
            )
            if published:
                raw.headers[H_PUBLISHED] = published
            yield raw

    @staticmethod
    def normalize(value: bytes, ctx: RecordContext) -> CanonicalRecord:
        return normalize(value, ctx)


def normalize(value: bytes, ctx: RecordContext) -> CanonicalRecord:
    row = load_json_object(value, "SAT 69-B row")
    where = f"line {row.get('_line', '?')}"
    if "_cells" in row:
        raise RecordError(f"{where}: {row['_cells']} cells where the header has {len(_COLUMNS)} (a broken CSV line?)")
    raw_rfc = row.get("rfc")
    if not isinstance(raw_rfc, str) or not raw_rfc.strip():
        raise RecordError(f"{where}: missing RFC")
    if set(raw_rfc.strip().upper()) == {"X"}:
        raise RecordSkipped(f"{where}: identity suppressed by court order ({text(row.get('name'))})")
    rfc = parse_rfc(raw_rfc)
    if rfc is None:
        raise RecordError(f"{where}: {raw_rfc!r} is not a valid RFC (12 characters for a company, 13 for a person)")
    name = text(row.get("name"))
    if name is None:
        raise RecordError(f"{where}: missing 'Nombre del Contribuyente' for RFC {rfc.value}")
    status = text(row.get("status"))
    canonical = {fold(s): s for s in STATUSES}.get(fold(status or ""))
    if canonical is None:
        raise RecordError(f"{where}: status {status!r} is not one of {', '.join(STATUSES)}")

    dates = {k: _date(row.get(k)) for k in _COLUMNS.values() if k.endswith("_on")}
    latest = max((d for d in dates.values() if d), default=None)
    seen = ctx.published_at or latest or datetime.now(UTC).date().isoformat()
    rec = RecordBuilder("sat69b", rfc.value, seen, dataset=ctx.source, locator=ctx.locator)
    schema_ = "Company" if rfc.kind == "company" else "Person"
    taxpayer = rec.entity("taxpayer", schema_, name=name, identifiers={"rfc": rfc.value},
                          rfc_checksum_ok=rfc.checksum_ok)
    listing = rec.entity(
        "listing", "Sanction", key=f"sat69b:{rfc.value}", name=name,
        program=PROGRAM,
        authority="Servicio de Administración Tributaria (SAT)",
        reason="Artículo 69-B CFF: operaciones inexistentes (facturas simuladas)",
        status=canonical,
        listed_on=dates["presumed_dof_on"] or dates["presumed_sat_on"],
        definitive_on=dates["definitive_dof_on"] or dates["definitive_sat_on"],
        disproved_on=dates["disproved_dof_on"] or dates["disproved_sat_on"],
        favorable_on=dates["favorable_dof_on"] or dates["favorable_sat_on"],
        notices=[n for n in (text(row.get(k)) for k in _COLUMNS.values() if k.endswith("_notice")) if n],
    )
    rec.relate("SANCTIONED", listing, taxpayer)
    return rec.build()


def _date(value: Any) -> str | None:
    """dd/mm/yyyy (SAT's format) → ISO date; anything else → None."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value.strip(), "%d/%m/%Y").date().isoformat()
    except ValueError:
        return None


def _updated_on(preamble: str) -> str | None:
    match = _UPDATED.search(fold(preamble))
    if not match:
        return None
    day, month, year = match.groups()
    try:
        return date(int(year), _MONTHS[month], int(day)).isoformat()
    except (KeyError, ValueError):
        return None


SOURCE = SAT69BSource()
