"""Any CSV, given a small mapping file that says which columns make which entities and
relations: municipal open-data portals (Ciudades Abiertas contracts, registers of
companies and their legal representatives) without a parser each.

Where the mapping is: ``<name>.mapping.toml`` beside ``<name>.csv``, else ``mapping.toml``
in the CSV's folder. Publisher: one message per row on ``raw.csv``, keyed by the row key;
the value is ``{"mapping": …, "file": …, "line": …, "row": {column: cell}}``: the (small,
validated) mapping travels with every row, so :func:`normalize` needs nothing else and a
replayed topic reads the same. A missing or invalid mapping, or one naming a column the
CSV lacks, makes the whole file one dead-lettered record with the reason.

Mapping format (TOML; every table is closed: an unknown key is an error, not ignored)::

    [source]
    key = "{numero_contrato}"          # required: the row key, a template of {column}s
    dataset = "xalapa-contratos"       # default: the CSV's name
    delimiter = ","                    # default ","
    skip_lines = 0                     # lines before the header (preambles)
    date_format = "%d/%m/%Y"           # how dates are written (ISO is always understood)
    published_at = "fecha_firma"       # a date column for provenance (default: now)

    [entities.supplier]                # a name, used by relations
    schema = "Company"                 # Person Company PublicBody ContractingProcess Contract
                                       # Address Sanction Declaration
    name = "proveedor"                 # column
    rfc = "rfc_proveedor"              # column (Person, Company); curp = "…" for persons
    person_if_rfc = true               # a person's (13-character) RFC makes it a Person
    key = "xalapa:{clave}"             # template; required for the schemata that are not
                                       # resolved (an Address defaults to its shared key)
    required = false                   # default true: an empty entity is an error
    [entities.supplier.props]          # property = column, or a table:
    tipo = "tipo_persona"
    amount = { column = "monto", type = "number" }  # type: text number integer date bool
    currency = { value = "MXN" }                    # a constant
    folio = { template = "{serie}-{numero}" }       # a template

    [[relations]]
    type = "SUPPLIES"                  # a relationship of the graph schema
    from = "supplier"
    to = "contract"
    key = "{numero_contrato}"          # optional: tells apart relations of one pair
    [relations.props]                  # as for entities
    role = { value = "proveedor adjudicado" }

A relation is written when both its ends are present in the row and the graph schema
allows it between their labels (a supplier that ``person_if_rfc`` made a Person has no
REPRESENTS pointing at it: that relation is left out for that row). See
``tests/sources/data/contratos_municipio.mapping.toml`` for a complete example.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engine.canonical import RESOLVABLE, CanonicalRecord, RecordBuilder
from engine.entity_resolution.identifiers import parse_curp, parse_rfc
from engine.graph.schema import SchemaError, schema
from engine.sources.base import (
    RawRecord,
    RecordContext,
    RecordError,
    csv_rows,
    load_json_object,
    number,
    text,
    unpacked,
)
from engine.sources.decoding import UndecodableError, decode
from engine.sources.ocds import address_key

__all__ = ["KIND", "TOPIC", "SUFFIXES", "SOURCE", "MappingError", "find_mapping", "load_mapping",
           "validate_mapping", "normalize"]

KIND = "csv"
TOPIC = "raw.csv"
SUFFIXES = (".csv", ".tsv")
SCHEMATA = ("Person", "Company", "PublicBody", "ContractingProcess", "Contract", "Address", "Sanction", "Declaration")
TYPES = ("text", "number", "integer", "date", "bool")

_SOURCE_KEYS = {"key", "dataset", "delimiter", "skip_lines", "date_format", "published_at"}
_ENTITY_KEYS = {"schema", "name", "rfc", "curp", "person_if_rfc", "key", "required", "props"}
_RELATION_KEYS = {"type", "from", "to", "key", "props"}
_PROP_KEYS = {"column", "value", "template", "type", "format"}
_PROP_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
# Keyword names the builder and the graph batch take themselves.
_RESERVED = {"name", "id", "label", "provenance", "on_create", "type", "source", "target", "key", "ref",
             "identifiers", "schema", "schema_"}
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_TRUE = {"true", "1", "si", "sí", "s", "yes", "y", "x", "verdadero"}
_FALSE = {"false", "0", "no", "n", "falso", ""}


class MappingError(ValueError):
    """A mapping file that cannot be used; the message says which key and why."""


# -- the mapping ------------------------------------------------------------------------------
def find_mapping(csv_path: Path) -> Path | None:
    """``<name>.mapping.toml`` beside the CSV, else ``mapping.toml`` in its folder."""
    stem = Path(csv_path.name[:-3] if csv_path.name.lower().endswith(".gz") else csv_path.name).stem
    for candidate in (csv_path.with_name(f"{stem}.mapping.toml"), csv_path.parent / "mapping.toml"):
        if candidate.is_file():
            return candidate
    return None


def load_mapping(path: Path) -> dict[str, Any]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise MappingError(f"{path.name} is not valid TOML: {exc}") from exc
    return validate_mapping(raw)


def validate_mapping(raw: Any) -> dict[str, Any]:
    """Check a mapping strictly and return it with defaults filled in."""
    _closed(raw, {"source", "entities", "relations"}, "the mapping")
    source = raw.get("source")
    _closed(source, _SOURCE_KEYS, "[source]")
    if not isinstance(source.get("key"), str) or not _PLACEHOLDER.search(source["key"]):
        raise MappingError("[source] key must be a template naming at least one column, e.g. \"{id_contrato}\"")
    for name in ("dataset", "date_format", "published_at"):
        if name in source and not isinstance(source[name], str):
            raise MappingError(f"[source] {name} must be a string")
    delimiter = source.get("delimiter", ",")
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise MappingError("[source] delimiter must be one character")
    skip = source.get("skip_lines", 0)
    if not isinstance(skip, int) or isinstance(skip, bool) or skip < 0:
        raise MappingError("[source] skip_lines must be a whole number ≥ 0")
    entities = raw.get("entities")
    if not isinstance(entities, dict) or not entities:
        raise MappingError("[entities] must name at least one entity, e.g. [entities.supplier]")
    out_entities = {name: _entity(name, spec) for name, spec in entities.items()}
    relations = raw.get("relations", [])
    if not isinstance(relations, list):
        raise MappingError("relations must be an array of tables: [[relations]]")
    out_relations = [_relation(i, spec, out_entities) for i, spec in enumerate(relations)]
    return {
        "source": {**{k: source[k] for k in ("dataset", "date_format", "published_at") if k in source},
                   "key": source["key"], "delimiter": delimiter, "skip_lines": skip},
        "entities": out_entities,
        "relations": out_relations,
    }


def _closed(table: Any, allowed: set[str], where: str) -> None:
    if not isinstance(table, dict):
        raise MappingError(f"{where} must be a table")
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise MappingError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))} "
                           f"(allowed: {', '.join(sorted(allowed))})")


def _entity(name: str, spec: Any) -> dict[str, Any]:
    where = f"[entities.{name}]"
    _closed(spec, _ENTITY_KEYS, where)
    schema_ = spec.get("schema")
    if schema_ not in SCHEMATA:
        raise MappingError(f"{where} schema must be one of {', '.join(SCHEMATA)}, not {schema_!r}")
    for field_ in ("name", "rfc", "curp", "key"):
        if field_ in spec and (not isinstance(spec[field_], str) or not spec[field_].strip()):
            raise MappingError(f"{where} {field_} must be a non-empty string")
    for field_ in ("required", "person_if_rfc"):
        if field_ in spec and not isinstance(spec[field_], bool):
            raise MappingError(f"{where} {field_} must be true or false")
    if schema_ not in RESOLVABLE and schema_ != "Address" and "key" not in spec:
        raise MappingError(f"{where}: a {schema_} needs a key template (it is not resolved by name)")
    if schema_ in RESOLVABLE and not any(f in spec for f in ("name", "rfc", "curp", "key")):
        raise MappingError(f"{where}: a {schema_} needs a name, rfc, curp or key column")
    if schema_ == "Address" and not ("key" in spec or "name" in spec):
        raise MappingError(f"{where}: an Address needs a name column (its full text) or a key template")
    if spec.get("person_if_rfc") and (schema_ != "Company" or "rfc" not in spec):
        raise MappingError(f"{where}: person_if_rfc needs schema = \"Company\" and an rfc column")
    return {**{f: spec[f] for f in ("name", "rfc", "curp", "key") if f in spec}, "schema": schema_,
            "required": spec.get("required", True), "person_if_rfc": spec.get("person_if_rfc", False),
            "props": _props(spec.get("props", {}), where)}


def _relation(index: int, spec: Any, entities: dict[str, dict[str, Any]]) -> dict[str, Any]:
    where = f"relations[{index}]"
    _closed(spec, _RELATION_KEYS, where)
    for end in ("from", "to"):
        if spec.get(end) not in entities:
            raise MappingError(f"{where} {end} = {spec.get(end)!r} is not an entity of the mapping "
                               f"({', '.join(entities)})")
    if "key" in spec and not isinstance(spec["key"], str):
        raise MappingError(f"{where} key must be a template string")
    try:
        schema().relationship(str(spec.get("type")), entities[spec["from"]]["schema"], entities[spec["to"]]["schema"])
    except SchemaError as exc:
        raise MappingError(f"{where}: {exc}") from None
    return {**({"key": spec["key"]} if "key" in spec else {}), "type": spec["type"], "from": spec["from"],
            "to": spec["to"], "props": _props(spec.get("props", {}), where)}


def _props(raw: Any, where: str) -> dict[str, dict[str, Any]]:
    if not isinstance(raw, dict):
        raise MappingError(f"{where}.props must be a table")
    out = {}
    for prop, spec in raw.items():
        if not _PROP_NAME.match(prop) or prop in _RESERVED:
            raise MappingError(f"{where}.props: {prop!r} is not a usable property name "
                               "(lower-case letters, digits and _; not a reserved word)")
        if isinstance(spec, str):
            spec = {"column": spec}
        _closed(spec, _PROP_KEYS, f"{where}.props.{prop}")
        sources = [k for k in ("column", "value", "template") if k in spec]
        if len(sources) != 1:
            raise MappingError(f"{where}.props.{prop}: give exactly one of column, value, template")
        kind = spec.get("type", "text")
        if kind not in TYPES:
            raise MappingError(f"{where}.props.{prop}: type must be one of {', '.join(TYPES)}, not {kind!r}")
        if "format" in spec and (kind != "date" or not isinstance(spec["format"], str)):
            raise MappingError(f"{where}.props.{prop}: format is a date format string, for type = \"date\"")
        out[prop] = {"type": kind, **{k: spec[k] for k in ("column", "value", "template", "format") if k in spec}}
    return out


def columns_of(mapping: dict[str, Any]) -> set[str]:
    """Every column a mapping reads."""
    cols = set(_PLACEHOLDER.findall(mapping["source"]["key"]))
    if mapping["source"].get("published_at"):
        cols.add(mapping["source"]["published_at"])
    specs = [*mapping["entities"].values(), *mapping["relations"]]
    for spec in specs:
        for field_ in ("name", "rfc", "curp"):
            if spec.get(field_):
                cols.add(spec[field_])
        cols |= set(_PLACEHOLDER.findall(spec.get("key") or ""))
        for prop in spec["props"].values():
            if "column" in prop:
                cols.add(prop["column"])
            cols |= set(_PLACEHOLDER.findall(prop.get("template", "")))
    return cols


# -- publisher side ---------------------------------------------------------------------------
class CSVMappedSource:
    kind = KIND
    topic = TOPIC

    @staticmethod
    def normalize(value: bytes, ctx: RecordContext) -> CanonicalRecord:
        return normalize(value, ctx)

    def read(self, path: Path) -> Iterator[RawRecord]:
        data = path.read_bytes()
        mapping_path = find_mapping(path)
        if mapping_path is None:
            reason = (f"{path.name} has no mapping: put {path.stem}.mapping.toml or mapping.toml beside it "
                      "(see engine/sources/csv_mapped.py for the format)")
            yield RawRecord.broken(path.name, data, "file", reason)
            return
        try:
            mapping = load_mapping(mapping_path)
        except MappingError as exc:
            yield RawRecord.broken(path.name, data, "file", f"mapping {mapping_path.name}: {exc}")
            return
        try:
            body, encoding = decode(unpacked(data))
        except (UndecodableError, ValueError) as exc:
            yield RawRecord.broken(path.name, data, "file", f"cannot read {path.name}: {exc}")
            return
        try:
            lines = csv_rows(body, delimiter=mapping["source"]["delimiter"])
        except RecordError as exc:
            yield RawRecord.broken(path.name, data, "file", f"{path.name}: {exc}")
            return
        skip = mapping["source"]["skip_lines"]
        if len(lines) <= skip:
            yield RawRecord.broken(path.name, data, "file", f"{path.name} has no header row after {skip} line(s)")
            return
        header = [c.strip() for c in lines[skip]]
        missing = sorted(columns_of(mapping) - set(header))
        if missing:
            reason = (f"mapping {mapping_path.name} names column(s) {', '.join(map(repr, missing))} that "
                      f"{path.name} lacks (decoded as {encoding}; its columns: {', '.join(header)})")
            yield RawRecord.broken(path.name, data, "file", reason)
            return
        mapping["source"].setdefault("dataset", path.stem)
        for line, cells in enumerate(lines[skip + 1:], start=skip + 2):
            if not any(cell.strip() for cell in cells):
                continue
            row = dict(zip(header, cells, strict=False))
            value: dict[str, Any] = {"mapping": mapping, "file": path.name, "line": line, "row": row}
            if len(cells) != len(header):
                value["cells"], value["columns"] = len(cells), len(header)
            key = _render(mapping["source"]["key"], row) or f"{path.name}#line {line}"
            yield RawRecord(key, json.dumps(value, ensure_ascii=False).encode(), f"line {line}")


# -- stream side ------------------------------------------------------------------------------
def normalize(value: bytes, ctx: RecordContext) -> CanonicalRecord:
    msg = load_json_object(value, "CSV row")
    where = f"{msg.get('file', ctx.source)} line {msg.get('line', '?')}"
    try:
        mapping = validate_mapping(msg.get("mapping"))
    except MappingError as exc:
        raise RecordError(f"{where}: the mapping that came with the row is invalid: {exc}") from exc
    row = msg.get("row")
    if not isinstance(row, dict) or not all(isinstance(v, str) for v in row.values()):
        raise RecordError(f"{where}: 'row' must map column names to cell text")
    if "cells" in msg:
        raise RecordError(f"{where}: {msg['cells']} cells where the header has {msg.get('columns', '?')} "
                          "(a broken CSV line?)")
    missing = sorted(columns_of(mapping) - set(row))
    if missing:
        raise RecordError(f"{where}: the row has no column(s) {', '.join(map(repr, missing))} the mapping reads")
    source = mapping["source"]
    row_key = _render(source["key"], row)
    if not row_key:
        raise RecordError(f"{where}: the row key {source['key']} is empty")
    date_format = source.get("date_format")
    published_column = source.get("published_at", "")
    seen = (_date(row.get(published_column, ""), date_format, where, published_column)
            or ctx.published_at or datetime.now(UTC).isoformat(timespec="seconds"))
    dataset = source.get("dataset") or "csv"
    rec = RecordBuilder(KIND, f"{dataset}:{row_key}", seen, dataset=ctx.source, locator=ctx.locator)

    labels: dict[str, str] = {}
    for name, spec in mapping["entities"].items():
        label = _entity_of(rec, name, spec, row, date_format, where)
        if label:
            labels[name] = label
    for rel in mapping["relations"]:
        if rel["from"] not in labels or rel["to"] not in labels:
            continue
        try:  # a supplier that person_if_rfc made a Person has, e.g., no REPRESENTS pointing at it
            schema().relationship(rel["type"], labels[rel["from"]], labels[rel["to"]])
        except SchemaError:
            continue
        props = _values(rel["props"], row, date_format, f"{where}: relation {rel['type']}")
        rec.relate(rel["type"], f"e:{rel['from']}", f"e:{rel['to']}",
                   key=_render(rel["key"], row) if rel.get("key") else None, **props)
    return rec.build()


def _entity_of(rec: RecordBuilder, name: str, spec: dict[str, Any], row: dict[str, str],
               date_format: str | None, where: str) -> str | None:
    """Add one entity of the row; return its graph label, or None when the row has none."""
    label = spec["schema"]
    display = text(row.get(spec["name"])) if spec.get("name") else None
    raw_rfc = text(row.get(spec["rfc"])) if spec.get("rfc") else None
    raw_curp = text(row.get(spec["curp"])) if spec.get("curp") else None
    rfc, curp = parse_rfc(raw_rfc), parse_curp(raw_curp)
    key = _render(spec["key"], row) if spec.get("key") else None
    if label == "Address" and not key and display:
        key = address_key(display)
    if not (display or rfc or curp or key):
        if spec["required"]:
            columns = [c for c in (spec.get("name"), spec.get("rfc"), spec.get("curp")) if c]
            raise RecordError(f"{where}: entity {name!r} ({label}) is empty: no value in "
                              f"{', '.join(map(repr, columns)) or 'its key columns'}")
        return None
    if spec["person_if_rfc"] and rfc is not None and rfc.kind == "person":
        label = "Person"
    props = _values(spec["props"], row, date_format, f"{where}: entity {name!r}")
    if label == "Address":
        props.setdefault("full", display)
    if raw_rfc and rfc is None:
        props["rfc_raw"] = raw_rfc  # kept, but not an identity: it is not a valid RFC
    if raw_curp and curp is None:
        props["curp_raw"] = raw_curp
    identifiers = {"rfc": rfc.value if rfc else None, "curp": curp.value if curp else None}
    rec.entity(f"e:{name}", label, key=key, name=display, identifiers=identifiers, **props)
    return label


def _values(specs: dict[str, dict[str, Any]], row: dict[str, str], date_format: str | None,
            where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for prop, spec in specs.items():
        if "value" in spec:
            raw: Any = spec["value"]
        elif "template" in spec:
            raw = _render(spec["template"], row)
        else:
            raw = row.get(spec["column"], "")
        column = spec.get("column", prop)
        kind = spec["type"]
        if kind == "text":
            out[prop] = text(raw)
        elif kind in ("number", "integer"):
            out[prop] = _number(raw, kind, where, column)
        elif kind == "date":
            out[prop] = _date(raw, spec.get("format") or date_format, where, column)
        else:
            folded = str(raw).strip().lower()
            if folded not in _TRUE | _FALSE:
                raise RecordError(f"{where}: column {column!r} = {raw!r} is not a yes/no value")
            out[prop] = folded in _TRUE
    return out


def _number(raw: Any, kind: str, where: str, column: str) -> float | int | None:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return int(raw) if kind == "integer" else float(raw)
    cleaned = str(raw).strip().replace("$", "").replace(" ", "")
    if not cleaned:
        return None
    value = number(cleaned)
    if value is None or (kind == "integer" and not value.is_integer()):
        expected = "a whole number" if kind == "integer" else "a number"
        raise RecordError(f"{where}: column {column!r} = {raw!r} is not {expected}")
    return int(value) if kind == "integer" else value


def _date(raw: Any, fmt: str | None, where: str, column: str) -> str | None:
    value = str(raw).strip() if raw is not None else ""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        pass
    if fmt:
        try:
            return datetime.strptime(value, fmt).date().isoformat()
        except ValueError:
            pass
    raise RecordError(f"{where}: column {column!r} = {value!r} is not a date"
                      + (f" ({fmt} or ISO)" if fmt else " (ISO YYYY-MM-DD; set date_format for others)"))


def _render(template: str, row: dict[str, str]) -> str:
    """A template with its {column}s filled in; "" when any of them is empty."""
    values = {col: (row.get(col) or "").strip() for col in _PLACEHOLDER.findall(template)}
    if not all(values.values()):
        return ""
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


SOURCE = CSVMappedSource()
