"""FollowTheMoney (FtM) entity streams: one JSON entity per line, ``{id, schema,
properties: {prop: [values]}}``, as OpenSanctions, Aleph and ``ftm export`` write them (a
JSON array of entities is read too).

Record unit: **one entity, one message**, keyed ``<dataset>:<id>`` (the dataset is the file
name up to its first dot: ``zala.entities.ftm.json`` → ``zala``). FtM relationships
(Ownership, Directorship, Family…) are entities of their own that name their ends by id,
so the publisher makes two passes over the file: the first maps every id to its schema,
the second sends each entity with ``refs``, the schema of every entity it references.
The value is ``{"dataset": …, "entity": {…}, "refs": {id: schema}}``. Only ids and schemata
are held in memory, not whole entities, so a large export streams.

Identity: every Person, Company or PublicBody mention carries the key
``ftm:<dataset>:<id>``, both in the entity's own record and where a relationship names it.
That key is what lets an Ownership record, which knows only ids, land on the same graph
node as the Person record that has the name; a mention carrying only a name or an RFC
would resolve on its own and the relationship could end on another node. The cost: the
key beats an RFC or CURP in resolution, so an FtM entity is not merged with another
source's by identifier here; its identifiers are kept (``rfc``/``curp`` when
``taxNumber``/``idNumber`` parse as one, and every FtM property as ``snake_case``) for the
fuzzy resolver and the reconcile job to use.

Mapping (FtM schema → graph):

=========================================  =================================================
FtM                                        graph
=========================================  =================================================
Person                                     Person
Company, Organization, LegalEntity         Company (``ftm_schema`` says which)
PublicBody                                 PublicBody
Address                                    Address keyed ``ftm:<dataset>:<id>``; an entity's
                                           ``addressEntity`` → LOCATED_AT; its ``address``
                                           texts, when none of its addressEntity ids is in
                                           the dataset, → shared Address nodes
Ownership owner → asset                    OWNS: ``share`` (``percentage``), ``shares_count``,
                                           ``start``, ``end``, ``role``, ``ownership_type``
Directorship director → organization       DIRECTS: ``role``, ``start``, ``end``
                                           (HOLDS_POSITION when the organization is a
                                           PublicBody)
Employment employee → employer,            HOLDS_POSITION when the employer is a PublicBody,
Membership member → organization           else REPRESENTS (an employee or member acts for
                                           the organization; FtM says who directs with
                                           Directorship): ``role``, ``start``, ``end``
Representation agent → client              REPRESENTS: ``role``, ``start``, ``end``
Family person → relative                   FAMILY_OF: ``relation`` (``relationship``)
Sanction → entity                          Sanction node (``program``, ``authority``,
                                           ``reason``, ``start``, ``end``, ``status`` …) and
                                           SANCTIONED
=========================================  =================================================

Relationships carry the FtM id as their key, so two Ownerships of one pair stay two.
Other FtM schemata (Payment, Passport, Associate, UnknownLink, documents…) are skipped
with the reason: the graph schema has no label or relationship for them (payments, e.g.
the political donations in ``parteispenden``, would need a payment relationship). A
relationship whose end is of a schema the graph has no label for (a Vessel, RealEstate)
is skipped likewise. A schema that is not FtM's, a missing ``id``/``schema``, a missing
end or an end that is not in the dataset (dangling reference) is a :class:`RecordError`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engine.canonical import CanonicalRecord, RecordBuilder
from engine.entity_resolution.identifiers import parse_curp, parse_rfc
from engine.graph.schema import SchemaError, schema
from engine.sources.base import (
    RawRecord,
    RecordContext,
    RecordError,
    RecordSkipped,
    load_json_object,
    loads,
    number,
    read_text,
    text,
)
from engine.sources.ocds import address_key

__all__ = ["KIND", "TOPIC", "SUFFIXES", "SOURCE", "LABELS", "RELATIONS", "normalize", "dataset_of"]

KIND = "ftm"
TOPIC = "raw.ftm"
SUFFIXES = (".json", ".jsonl", ".ndjson", ".ftm")

# FtM schema of a thing → graph label.
LABELS = {"Person": "Person", "Company": "Company", "Organization": "Company", "LegalEntity": "Company",
          "PublicBody": "PublicBody"}
# FtM relationship schema → (source property, target property, relationship, relationship when the
# target is a PublicBody or None).
RELATIONS: dict[str, tuple[str, str, str, str | None]] = {
    "Ownership": ("owner", "asset", "OWNS", None),
    "Directorship": ("director", "organization", "DIRECTS", "HOLDS_POSITION"),
    "Employment": ("employee", "employer", "REPRESENTS", "HOLDS_POSITION"),
    "Membership": ("member", "organization", "REPRESENTS", "HOLDS_POSITION"),
    "Representation": ("agent", "client", "REPRESENTS", None),
    "Family": ("person", "relative", "FAMILY_OF", None),
}
# FtM schemata Vínculo knows and leaves out of the graph, and why.
SKIPPED = {
    "Payment": "the graph schema has no payment relationship",
    "Associate": "the graph schema has no associate relationship",
    "UnknownLink": "the graph schema has no relationship for an unspecified link",
    "Passport": "identity documents are not in the graph schema",
    "Identification": "identity documents are not in the graph schema",
    **dict.fromkeys(
        ("Airplane", "Article", "Assessment", "Asset", "Audio", "BankAccount", "Call", "CallForTenders", "Contract",
         "ContractAward", "CourtCase", "CourtCaseParty", "CryptoWallet", "Debt", "Document", "Documentation",
         "EconomicActivity", "Email", "Event", "Folder", "HyperText", "Image", "License", "Mention", "Message",
         "Note", "Occupancy", "Package", "Page", "Pages", "PlainText", "Position", "Project", "ProjectParticipant",
         "RealEstate", "Security", "Similar", "Succession", "Table", "TaxRoll", "Trip", "UserAccount", "Vehicle",
         "Vessel", "Video", "Workbook", "Thing", "Value", "Interval", "Interest", "Analyzable"),
        "no graph label corresponds to this FtM schema"),
}
_PROP_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,63}$")
# Keyword names the builder and the graph batch take themselves; an FtM property never becomes one.
_RESERVED = {"name", "id", "label", "provenance", "on_create", "type", "source", "target", "key", "ref",
             "identifiers", "schema", "schema_", "ftm_schema", "sources", "record_id", "first_seen", "last_seen"}
# FollowTheMoney properties that become graph properties of their own (snake_case); data never names a
# property: any other FtM property travels in the ``ftm_other`` JSON text.
FTM_PROPERTIES = frozenset("""
abbreviation address alias amount amountEur amountUsd authority authorityId birthCountry birthDate birthPlace
citizenship city classification country createdAt currency date deathDate description dissolutionDate duration
email endDate ethnicity fatherName firstName full gender idNumber incorporationDate innCode jurisdiction
keywords kppCode lastName legalForm listingDate mainCountry middleName modifiedAt motherName nameSuffix
namesMentioned nationality notes ogrnCode passportNumber percentage permId phone position postOfficeBox
postalCode previousName program programId programUrl provisions publisher reason recordId region
registrationNumber relationship religion role secondName sector sharesCount sharesCurrency sharesValue
sourceUrl startDate status street street2 summary swiftBic taxNumber title topics uniqueEntityId
vatCode weakAlias website leiCode dunsCode npiCode okpoCode icijId opencorporatesUrl bvdId
""".split())


# -- publisher side ---------------------------------------------------------------------------
class FtMSource:
    kind = KIND
    topic = TOPIC

    @staticmethod
    def normalize(value: bytes, ctx: RecordContext) -> CanonicalRecord:
        return normalize(value, ctx)

    def read(self, path: Path) -> Iterator[RawRecord]:
        decoded = read_text(path)
        if isinstance(decoded, RawRecord):
            yield decoded
            return
        data, body, _ = decoded
        dataset = dataset_of(path.name)
        items: list[tuple[str, Any]] = []
        if body.lstrip().startswith("["):
            try:
                items = [(f"[{i}]", e) for i, e in enumerate(loads(body))]
            except json.JSONDecodeError as exc:
                reason = (f"{path.name} is not valid JSON (truncated?): {exc.msg} "
                          f"at line {exc.lineno} column {exc.colno}")
                yield RawRecord.broken(path.name, data, "file", reason)
                return
        else:
            for line_no, line in enumerate(body.splitlines(), start=1):
                if not line.strip():
                    continue
                try:
                    items.append((f"line {line_no}", loads(line)))
                except json.JSONDecodeError as exc:
                    reason = (f"{path.name} (line {line_no}) is not valid JSON (truncated?): {exc.msg} "
                              f"at column {exc.colno}")
                    yield RawRecord.broken(f"{path.name}#line {line_no}", line.encode(), f"line {line_no}", reason)
        schema_of = {e["id"]: e["schema"] for _, e in items
                     if isinstance(e, dict) and isinstance(e.get("id"), str) and isinstance(e.get("schema"), str)}
        for loc, entity in items:
            if not isinstance(entity, dict):
                reason = f"{path.name} ({loc}): expected an FtM entity object, got {type(entity).__name__}"
                yield RawRecord.broken(f"{path.name}#{loc}", json.dumps(entity).encode(), loc, reason)
                continue
            entity_id = entity.get("id")
            key = f"{dataset}:{entity_id}" if isinstance(entity_id, str) and entity_id else f"{path.name}#{loc}"
            refs = {v: schema_of[v] for v in _values(entity) if v in schema_of and v != entity_id}
            value = {"dataset": dataset, "entity": entity, "refs": refs}
            yield RawRecord(key, json.dumps(value, ensure_ascii=False).encode(), loc)


def dataset_of(file_name: str) -> str:
    """The dataset an FtM file holds: its name up to the first dot."""
    return Path(file_name).name.split(".", 1)[0] or "ftm"


def _values(entity: dict[str, Any]) -> Iterator[str]:
    props = entity.get("properties")
    if isinstance(props, dict):
        for values in props.values():
            if isinstance(values, list):
                yield from (v for v in values if isinstance(v, str))


# -- stream side ------------------------------------------------------------------------------
def normalize(value: bytes, ctx: RecordContext) -> CanonicalRecord:
    msg = load_json_object(value, "FtM record")
    if isinstance(msg.get("entity"), dict):
        entity, dataset, refs = msg["entity"], text(msg.get("dataset")) or dataset_of(ctx.source), msg.get("refs")
    else:  # a bare entity, published by something else than read()
        entity, dataset, refs = msg, dataset_of(ctx.source), {}
    if not isinstance(refs, dict):
        raise RecordError("FtM record: 'refs' must map entity ids to their schema")
    entity_id = entity.get("id")
    if not isinstance(entity_id, str) or not entity_id.strip():
        raise RecordError("FtM entity has no 'id' (required: relationships reference entities by it)")
    ftm_schema = entity.get("schema")
    if not isinstance(ftm_schema, str) or not ftm_schema.strip():
        raise RecordError(f"FtM entity {entity_id} has no 'schema' (Person, Company, Ownership…)")
    props = _properties(entity, entity_id)
    where = f"{ftm_schema} {entity_id}"
    seen = (_first(props, "modifiedAt") or _first(props, "createdAt") or text(entity.get("last_change"))
            or text(entity.get("last_seen")) or ctx.published_at or datetime.now(UTC).isoformat(timespec="seconds"))
    rec = RecordBuilder(KIND, f"{dataset}:{entity_id}", seen, dataset=ctx.source, locator=ctx.locator)
    ends = _Ends(rec, dataset, {str(k): str(v) for k, v in refs.items()}, where)

    if ftm_schema in LABELS:
        ref = ends.mention(entity_id, ftm_schema, entity, props)
        _addresses(rec, ends, ref, props)
    elif ftm_schema == "Address":
        full = _first(props, "full") or ", ".join(
            p for p in (_first(props, k) for k in ("street", "postalCode", "city", "region", "country")) if p)
        rec.entity(f"ftm:{entity_id}", "Address", key=ends.key(entity_id), name=full or None,
                   **{**_generic(props, set(ends.refs)), "full": full or None})
    elif ftm_schema in RELATIONS:
        _relation(rec, ends, ftm_schema, entity_id, props)
    elif ftm_schema == "Sanction":
        _sanction(rec, ends, entity_id, props)
    elif ftm_schema in SKIPPED:
        raise RecordSkipped(f"{where}: {SKIPPED[ftm_schema]}")
    else:
        raise RecordError(f"{where}: unknown FtM schema {ftm_schema!r}")
    return rec.build()


class _Ends:
    """Mentions of the entities a record references, by their FtM id."""

    def __init__(self, rec: RecordBuilder, dataset: str, refs: dict[str, str], where: str):
        self.rec, self.dataset, self.refs, self.where = rec, dataset, refs, where

    def key(self, entity_id: str) -> str:
        return f"ftm:{self.dataset}:{entity_id}"

    def mention(self, entity_id: str, ftm_schema: str, entity: dict[str, Any] | None = None,
                props: dict[str, list[str]] | None = None) -> str:
        ref = f"ftm:{entity_id}"
        label = LABELS.get(ftm_schema) or ("Address" if ftm_schema == "Address" else None)
        if label is None:
            raise RecordSkipped(f"{self.where}: it links a {ftm_schema}, for which the graph has no label")
        if entity is None or props is None:
            self.rec.entity(ref, label, key=self.key(entity_id))
            return ref
        names = props.get("name", [])
        name = text(entity.get("caption")) or (text(names[0]) if names else None)
        alias = [n for n in dict.fromkeys(names + props.get("alias", [])) if n != name]
        tax = [v for k in ("taxNumber", "idNumber", "registrationNumber") for v in props.get(k, [])]
        rfc = next((r.value for r in map(parse_rfc, tax) if r is not None), None)
        curp = next((c.value for c in map(parse_curp, tax) if c is not None), None) if label == "Person" else None
        self.rec.entity(ref, label, key=self.key(entity_id), name=name, identifiers={"rfc": rfc, "curp": curp},
                        ftm_schema=ftm_schema, **{**_generic(props, set(self.refs)), "alias": alias})
        return ref

    def end(self, props: dict[str, list[str]], prop: str, role: str) -> list[tuple[str, str]]:
        """(ref, label) of each entity named by ``prop``; a missing or dangling end is an error."""
        ids = props.get(prop, [])
        if not ids:
            raise RecordError(f"{self.where}: missing '{prop}' (the {role})")
        out = []
        for entity_id in ids:
            if entity_id not in self.refs:
                raise RecordError(f"{self.where}: {prop} {entity_id!r} is not an entity of dataset {self.dataset!r} "
                                  "(dangling reference)")
            ref = self.mention(entity_id, self.refs[entity_id])
            out.append((ref, LABELS.get(self.refs[entity_id], self.refs[entity_id])))
        return out


def _relation(rec: RecordBuilder, ends: _Ends, ftm_schema: str, entity_id: str, props: dict[str, list[str]]) -> None:
    src_prop, dst_prop, rel_type, public_type = RELATIONS[ftm_schema]
    sources = ends.end(props, src_prop, src_prop)
    targets = ends.end(props, dst_prop, dst_prop)
    common: dict[str, Any] = {"start": _first(props, "startDate"), "end": _first(props, "endDate"),
                              "ftm_schema": ftm_schema, "summary": _first(props, "summary")}
    if rel_type == "OWNS":
        raw = _first(props, "percentage")
        share = number(raw.replace("%", "").replace(",", ".").strip()) if raw else None
        if raw and (share is None or not 0 <= share <= 100):
            raise RecordError(f"{ftm_schema} {entity_id}: percentage {raw!r} is not a share between 0 and 100")
        shares_count = _first(props, "sharesCount")
        common.update(share=share, shares_count=number(shares_count) if shares_count else None,
                      role=_first(props, "role"), ownership_type=_first(props, "ownershipType"))
    elif rel_type == "FAMILY_OF":
        common["relation"] = _first(props, "relationship")
    else:
        common["role"] = _first(props, "role")
    linked = 0
    for src, src_label in sources:
        for dst, dst_label in targets:
            kind = public_type if (dst_label == "PublicBody" and public_type) else rel_type
            try:
                schema().relationship(kind, src_label, dst_label)
            except SchemaError:
                continue
            rec.relate(kind, src, dst, key=entity_id, **common)
            linked += 1
    if not linked:
        raise RecordSkipped(f"{ftm_schema} {entity_id}: the graph schema has no {rel_type} from "
                            f"{sources[0][1]} to {targets[0][1]}")


def _sanction(rec: RecordBuilder, ends: _Ends, entity_id: str, props: dict[str, list[str]]) -> None:
    targets = [(ref, label) for ref, label in ends.end(props, "entity", "sanctioned entity")
               if label in ("Person", "Company")]
    if not targets:
        raise RecordSkipped(f"Sanction {entity_id}: the sanctioned entity is not a person or a company")
    sanction = rec.entity(
        f"ftm:{entity_id}", "Sanction", key=ends.key(entity_id),
        name=_first(props, "program") or _first(props, "programId") or _first(props, "authority"),
        **{**_generic(props, set(ends.refs)),
           "program": _first(props, "program") or _first(props, "programId"),
           "authority": _first(props, "authority"),
           "reason": "; ".join(props.get("reason", [])) or None,
           "start": _first(props, "startDate") or _first(props, "listingDate"),
           "end": _first(props, "endDate"),
           "status": _first(props, "status")},
    )
    for ref, _ in targets:
        rec.relate("SANCTIONED", sanction, ref)


def _addresses(rec: RecordBuilder, ends: _Ends, ref: str, props: dict[str, list[str]]) -> None:
    linked = [a for a in props.get("addressEntity", []) if ends.refs.get(a) == "Address"]
    for address_id in linked:
        rec.relate("LOCATED_AT", ref, ends.mention(address_id, "Address"))
    if linked:
        return
    for full in props.get("address", []):
        if text(full):
            addr = rec.entity(f"address:{full}", "Address", key=address_key(full), name=text(full), full=text(full))
            rec.relate("LOCATED_AT", ref, addr)


def _properties(entity: dict[str, Any], entity_id: str) -> dict[str, list[str]]:
    raw = entity.get("properties", {})
    if not isinstance(raw, dict):
        raise RecordError(f"FtM entity {entity_id}: 'properties' must be an object of lists")
    out: dict[str, list[str]] = {}
    for prop, values in raw.items():
        if not isinstance(values, list):
            raise RecordError(f"FtM entity {entity_id}: property {prop!r} must be a list of values, "
                              f"got {type(values).__name__}")
        out[str(prop)] = [t for t in (text(v) for v in values) if t]
    return out


def _generic(props: dict[str, list[str]], refs: set[str]) -> dict[str, Any]:
    """Every plain FtM property: a known one as ``snake_case`` (one value as a string, several as a list;
    one whose name the graph reserves as ``ftm_<name>``), any other inside ``ftm_other``."""
    out: dict[str, Any] = {}
    other: dict[str, list[str]] = {}
    for prop, values in props.items():
        values = [v for v in values if v not in refs]
        if not values:
            continue
        if prop not in FTM_PROPERTIES or not _PROP_NAME.match(prop):
            other[str(prop)[:64]] = values
            continue
        key = re.sub(r"(?<!^)(?=[A-Z])", "_", prop).lower()
        out[f"ftm_{key}" if key in _RESERVED else key] = values[0] if len(values) == 1 else values
    if other:
        out["ftm_other"] = json.dumps(other, ensure_ascii=False, sort_keys=True)
    return out


def _first(props: dict[str, list[str]], prop: str) -> str | None:
    values = props.get(prop) or []
    return values[0] if values else None


SOURCE = FtMSource()
