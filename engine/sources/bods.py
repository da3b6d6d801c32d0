"""BODS (Beneficial Ownership Data Standard) 0.4 statements: JSON arrays of statements
(what the standard publishes), JSON lines of statements or arrays, and objects with a
``statements`` array ("packages").

Record unit. BODS statements reference each other: a relationship statement names its
``subject`` (an entity) and ``interestedParty`` (a person or an entity) by ``recordId``, and
a later statement with the same ``recordId`` updates the earlier one. A relationship is
only linkable together with the statements of its two ends, so the publisher sends:

- one message per **relationship statement**, keyed by the relationship's ``recordId``,
  whose value is a small BODS document: ``[relationship, subject, interested party]``, the
  ends being the *latest* statement of their record in the file (so every message that
  carries an entity carries the same version of it, whatever order the partitions are
  applied in);
- one message per **entity or person statement that no relationship references**, keyed
  by its ``recordId`` (value ``[statement]``).

Every version of a record is sent, in file order; versions share a key, so they share a
partition and the last version is applied last. A reference to a record that is not in
the file travels on as it is and is dead-lettered by :func:`normalize` ("dangling
reference"), so the reason is visible. Files are read whole (BODS references can point
anywhere in a file).

Stream: entities become ``Company`` (``registeredEntity``, ``legalEntity``,
``arrangement``, ``anonymousEntity``, ``unknownEntity``) or ``PublicBody`` (``state``,
``stateBody``); persons become ``Person``. Identity: an ``MX-RFC`` / ``MX-CURP`` identifier
goes to ``identifiers`` (resolved by RFC/CURP); otherwise the first scheme-qualified
identifier is the key ``<scheme>:<id>`` (``gb-coh:06292597``); otherwise the name; an
anonymous party with neither gets ``bods:<recordId>``. Addresses become shared ``Address``
nodes with ``LOCATED_AT`` (``address_type`` = BODS address type).

Interests, one relationship per interest (key ``<recordId>/<interest type>/<direct|indirect|
unknown>``, so a later version of the statement updates it):

======================================  ============  ==========================================
BODS ``interests[].type``               relationship  why
======================================  ============  ==========================================
shareholding, votingRights,             OWNS          an economic or voting stake; ``share`` /
rightsToSurplusAssetsOnDissolution,                   ``share_min`` / ``share_max`` (percent)
rightsToProfitOrIncome,
rightToProfitOrIncomeFromAssets,
enjoymentAndUseOfAssets,
beneficiaryOfLegalArrangement, settlor
boardMember, boardChair,                DIRECTS       control of management; ``role`` = the type
seniorManagingOfficial,
appointmentOfBoard,
otherInfluenceOrControl,
controlViaCompanyRulesOrArticles,
controlByLegalFramework,
rightsGrantedByContract,
conditionalRightsGrantedByContract,
trustee, protector, nominator
nominee                                 REPRESENTS    acts in the name of another
unknownInterest, unpublishedInterest,   OWNS          BODS relationships are ownership-or-control;
no type, no ``interests``                             kept as a link, ``interest_types`` says so
======================================  ============  ==========================================

Every relationship carries ``direct`` (bool, absent when unknown), ``start``, ``end``,
``interest_types``, ``beneficial`` (``beneficialOwnershipOrControl``) and ``details``. An
interest whose ends the graph schema does not allow (today: a state or state body as
owner or controller) is kept on the subject as ``unlinked_interests`` text rather than
dropped. An interested party that is not disclosed (``{"reason": …}``) is kept on the
subject as ``owner_unspecified_reason``.
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
    concatenated,
    inner_suffix,
    is_concatenation,
    loads,
    number,
    read_text,
    text,
)
from engine.sources.ocds import address_key

__all__ = ["KIND", "TOPIC", "SUFFIXES", "SOURCE", "INTERESTS", "normalize"]

KIND = "bods"
TOPIC = "raw.bods"
SUFFIXES = (".json", ".jsonl", ".ndjson")
RECORD_TYPES = ("entity", "person", "relationship")

_OWNS = ("shareholding", "votingRights", "rightsToSurplusAssetsOnDissolution", "rightsToProfitOrIncome",
         "rightToProfitOrIncomeFromAssets", "enjoymentAndUseOfAssets", "beneficiaryOfLegalArrangement", "settlor")
_DIRECTS = ("boardMember", "boardChair", "seniorManagingOfficial", "appointmentOfBoard", "otherInfluenceOrControl",
            "controlViaCompanyRulesOrArticles", "controlByLegalFramework", "rightsGrantedByContract",
            "conditionalRightsGrantedByContract", "trustee", "protector", "nominator")
UNKNOWN_INTEREST = "unknownInterest"
# BODS 0.4 interest type → graph relationship (the table in the module docstring).
INTERESTS: dict[str, str] = {
    **dict.fromkeys(_OWNS, "OWNS"),
    **dict.fromkeys(_DIRECTS, "DIRECTS"),
    "nominee": "REPRESENTS",
    UNKNOWN_INTEREST: "OWNS",
    "unpublishedInterest": "OWNS",
}
ENTITY_TYPES = {
    "registeredEntity": "Company", "legalEntity": "Company", "arrangement": "Company",
    "anonymousEntity": "Company", "unknownEntity": "Company", "state": "PublicBody", "stateBody": "PublicBody",
}
_SHARE_FIELDS = ("exact", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?([T ].*)?$")


# -- publisher side ---------------------------------------------------------------------------
class BODSSource:
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
        statements: list[tuple[str, dict[str, Any]]] = []
        broken: list[RawRecord] = []
        if inner_suffix(path) in (".jsonl", ".ndjson"):
            for line_no, line in enumerate(body.splitlines(), start=1):
                if line.strip():
                    _collect(line, path.name, f"line {line_no}", statements, broken)
        else:
            _collect(body, path.name, "file", statements, broken)
        yield from broken
        yield from bundle(statements, path.name)


def _collect(body: str, name: str, where: str, out: list[tuple[str, dict[str, Any]]],
             broken: list[RawRecord]) -> None:
    try:
        doc = loads(body)
    except json.JSONDecodeError as exc:
        if where == "file" and is_concatenation(exc):  # several documents one after another
            for part, at in concatenated(body):
                _collect(part, name, at, out, broken)
            return
        reason = (f"{name} ({where}) is not valid JSON (truncated?): {exc.msg} "
                  f"at line {exc.lineno} column {exc.colno}")
        broken.append(RawRecord.broken(f"{name}#{where}", body.encode(), where, reason))
        return
    if isinstance(doc, dict) and isinstance(doc.get("statements"), list):
        items, prefix = doc["statements"], f"{where}.statements"
    elif isinstance(doc, list):
        items, prefix = doc, where
    else:
        items, prefix = [doc], None
    for index, item in enumerate(items):
        loc = f"{prefix}[{index}]" if prefix else where
        if isinstance(item, dict):
            out.append((loc, item))
        else:
            reason = f"{name} ({loc}): expected a BODS statement object, got {type(item).__name__}"
            value = json.dumps(item, ensure_ascii=False, default=str).encode()
            broken.append(RawRecord.broken(f"{name}#{loc}", value, loc, reason))


def bundle(statements: list[tuple[str, dict[str, Any]]], name: str) -> Iterator[RawRecord]:
    """One raw record per relationship statement (with its two ends) and per entity or
    person statement no relationship references; see the module docstring."""
    latest: dict[str, dict[str, Any]] = {}
    referenced: set[str] = set()
    for _, st in statements:
        record_id = st.get("recordId")
        if st.get("recordType") in ("entity", "person") and isinstance(record_id, str):
            latest[record_id] = st
        elif st.get("recordType") == "relationship":
            details = _object(st.get("recordDetails"))
            referenced |= {r for r in (details.get("subject"), details.get("interestedParty")) if isinstance(r, str)}
    for loc, st in statements:
        record_id = st.get("recordId")
        key = record_id if isinstance(record_id, str) and record_id else (
            st.get("statementId") if isinstance(st.get("statementId"), str) else f"{name}#{loc}")
        if st.get("recordType") == "relationship":
            details = _object(st.get("recordDetails"))
            ends = []
            for ref in (details.get("subject"), details.get("interestedParty")):
                if isinstance(ref, str) and ref in latest and latest[ref] not in ends:
                    ends.append(latest[ref])
            doc = [st, *ends]
        elif st.get("recordType") in ("entity", "person") and record_id in referenced:
            continue  # travels with the relationships that reference it
        else:
            doc = [st]
        yield RawRecord(str(key), json.dumps(doc, ensure_ascii=False).encode(), loc)


# -- stream side ------------------------------------------------------------------------------
def normalize(value: bytes, ctx: RecordContext) -> CanonicalRecord:
    doc = _load(value)
    main = doc[0]
    record_id, record_type, details = _statement(main, "statement")
    seen = (_date(main.get("statementDate"))
            or _date(_object(main.get("publicationDetails")).get("publicationDate"))
            or ctx.published_at or datetime.now(UTC).isoformat(timespec="seconds"))
    rec = RecordBuilder(KIND, record_id, seen, dataset=ctx.source, locator=ctx.locator)
    if record_type != "relationship":
        _party(rec, record_id, record_type, details)
        return rec.build()

    where = f"relationship {record_id}"
    others: dict[str, tuple[str, dict[str, Any]]] = {}
    for i, st in enumerate(doc[1:], start=1):
        other_id, other_type, other_details = _statement(st, f"statement [{i}]")
        others[other_id] = (other_type, other_details)

    subject_id = details.get("subject")
    if subject_id is None:
        raise RecordError(f"{where} has no 'subject' (the recordId of the entity that is owned or controlled)")
    if not isinstance(subject_id, str):
        raise RecordError(f"{where}: 'subject' must be the recordId of an entity statement, "
                          f"got {type(subject_id).__name__}")
    if subject_id not in others:
        raise RecordError(f"{where}: subject {subject_id!r} is not among the statements "
                          "(dangling reference: its entity statement is missing from the file)")
    if others[subject_id][0] != "entity":
        raise RecordError(f"{where}: subject {subject_id!r} is a {others[subject_id][0]} statement; "
                          "BODS subjects are entities")
    subject, subject_schema, _ = _party(rec, subject_id, "entity", others[subject_id][1])

    party_id = details.get("interestedParty")
    if party_id is None:
        raise RecordError(f"{where} has no 'interestedParty' (the recordId of the owner or controller)")
    if isinstance(party_id, dict):  # an undisclosed interested party: BODS says why
        rec.entity(subject, subject_schema, owner_unspecified_reason=text(party_id.get("reason")),
                   owner_unspecified_description=text(party_id.get("description")))
        return rec.build()
    if not isinstance(party_id, str):
        raise RecordError(f"{where}: 'interestedParty' must be a recordId or an unspecified-party object, "
                          f"got {type(party_id).__name__}")
    if party_id not in others:
        raise RecordError(f"{where}: interestedParty {party_id!r} is not among the statements "
                          "(dangling reference: its person or entity statement is missing from the file)")
    party, party_schema, party_label = _party(rec, party_id, others[party_id][0], others[party_id][1])

    unlinked: list[str] = []
    used: dict[str, int] = {}
    for interest_type, interest in _interests(details, where):
        rel_type = INTERESTS[interest_type]
        props = _interest_props(interest, interest_type, where)
        try:
            schema().relationship(rel_type, party_schema, subject_schema)
        except SchemaError:
            unlinked.append(_describe(interest_type, props, f"{party_schema} {party_label}"))
            continue
        slot = f"{record_id}/{interest_type}/{interest.get('directOrIndirect') or 'unknown'}"
        used[slot] = used.get(slot, 0) + 1
        key = slot if used[slot] == 1 else f"{slot}/{used[slot]}"
        rec.relate(rel_type, party, subject, key=key, **props)
    if unlinked:
        rec.entity(subject, subject_schema, unlinked_interests=unlinked)
    return rec.build()


def _load(value: bytes) -> list[dict[str, Any]]:
    try:
        doc = loads(value)
    except UnicodeDecodeError as exc:
        raise RecordError(f"BODS record is not UTF-8 JSON: {exc.reason} at byte {exc.start}") from exc
    except json.JSONDecodeError as exc:
        raise RecordError(f"BODS record is not valid JSON (truncated?): {exc.msg} at line {exc.lineno} "
                          f"column {exc.colno}") from exc
    if isinstance(doc, dict):
        doc = [doc]
    if not isinstance(doc, list) or not doc:
        raise RecordError("BODS record must be a statement or a non-empty array of statements")
    for i, st in enumerate(doc):
        if not isinstance(st, dict):
            raise RecordError(f"BODS record: statement [{i}] must be a JSON object, got {type(st).__name__}")
    return doc


def _statement(st: dict[str, Any], what: str) -> tuple[str, str, dict[str, Any]]:
    record_id = st.get("recordId")
    sid = st.get("statementId")
    label = f"{what} {sid}" if isinstance(sid, str) else what
    if not isinstance(record_id, str) or not record_id.strip():
        hint = " (a BODS 0.2/0.3 statement? only 0.4 is read)" if "statementType" in st else ""
        raise RecordError(f"{label} has no 'recordId' (required in BODS 0.4){hint}")
    record_type = st.get("recordType")
    if not isinstance(record_type, str) or record_type not in RECORD_TYPES:
        raise RecordError(f"{label}: unknown statement type recordType={record_type!r} "
                          f"(expected one of {', '.join(RECORD_TYPES)})")
    details = st.get("recordDetails")
    if not isinstance(details, dict):
        raise RecordError(f"{label} ({record_type} {record_id}): 'recordDetails' must be an object")
    return record_id.strip(), record_type, details


def _party(rec: RecordBuilder, record_id: str, record_type: str, details: dict[str, Any]) -> tuple[str, str, str]:
    """Add the mention of an entity or a person statement; return (ref, graph label, name or key)."""
    ref = f"{record_type}:{record_id}"
    ids = _identifiers(details, f"{record_type} {record_id}")
    rfc, curp = parse_rfc(ids.get("MX-RFC")), parse_curp(ids.get("MX-CURP"))
    key = next((f"{s.lower()}:{v}" for s, v in ids.items() if s not in ("MX-RFC", "MX-CURP")), None)
    extra = {s.lower().replace("-", "_"): v for s, v in ids.items() if s not in ("MX-RFC", "MX-CURP")}
    if rfc or curp:
        key = None  # an RFC or CURP identifies across sources; a registry number does not beat it
    if record_type == "entity":
        entity_type = _object(details.get("entityType"))
        kind = entity_type.get("type", "registeredEntity")
        if not isinstance(kind, str) or kind not in ENTITY_TYPES:
            raise RecordError(f"entity {record_id}: unknown entityType.type {kind!r} "
                              f"(expected one of {', '.join(ENTITY_TYPES)})")
        name = text(details.get("name"))
        if not (key or name or rfc):
            key = f"bods:{record_id}"
        listing = _object(details.get("publicListing"))
        schema_ = ENTITY_TYPES[kind]
        rec.entity(
            ref, schema_, key=key, name=name, identifiers={"rfc": rfc.value if rfc else None, **extra},
            entity_type=kind, entity_subtype=text(entity_type.get("subtype")),
            entity_details=text(entity_type.get("details")),
            alias=_texts(details.get("alternateNames")),
            jurisdiction=text(_object(details.get("jurisdiction")).get("code"))
            or text(_object(details.get("jurisdiction")).get("name")),
            incorporation_date=_date(details.get("foundingDate")),
            dissolution_date=_date(details.get("dissolutionDate")),
            listed=listing.get("hasPublicListing") if isinstance(listing.get("hasPublicListing"), bool) else None,
            bods_record_id=record_id,
        )
    else:
        names = _objects(details.get("names"))
        names.sort(key=lambda n: n.get("type") != "legal")  # the legal name first, the rest keep their order
        full = [_full_name(n) for n in names]
        full = [n for n in full if n]
        name = full[0] if full else None
        if not (key or name or rfc or curp):
            key = f"bods:{record_id}"
        schema_ = "Person"
        pep = _object(details.get("politicalExposure"))
        pep_details = _objects(pep.get("details"))
        unspecified = _object(details.get("unspecifiedPersonDetails"))
        rec.entity(
            ref, "Person", key=key, name=name,
            identifiers={"rfc": rfc.value if rfc else None, "curp": curp.value if curp else None, **extra},
            alias=[n for n in full[1:] if n != name],
            person_type=text(details.get("personType")),
            birth_date=_date(details.get("birthDate")),
            death_date=_date(details.get("deathDate")),
            nationality=[c for c in (_country(n) for n in _objects(details.get("nationalities"))) if c],
            tax_residency=[c for c in (_country(n) for n in _objects(details.get("taxResidencies"))) if c],
            pep=True if pep.get("status") == "isPep" else (False if pep.get("status") == "isNotPep" else None),
            pep_status=text(pep.get("status")),
            pep_reason=[r for r in (text(d.get("reason")) for d in pep_details) if r],
            pep_jurisdiction=[j for j in (_country(_object(d.get("jurisdiction"))) for d in pep_details) if j],
            pep_start=next((d for d in (_date(p.get("startDate")) for p in pep_details) if d), None),
            unspecified_reason=text(unspecified.get("reason")),
            bods_record_id=record_id,
        )
    for address in _objects(details.get("addresses")):
        parts = [text(address.get("address")), text(address.get("postCode")),
                 _country(_object(address.get("country")))]
        full_address = ", ".join(p for p in parts if p)
        if not text(address.get("address")):
            continue
        addr = rec.entity(f"address:{full_address}", "Address", key=address_key(full_address), name=full_address,
                          full=full_address, postal_code=text(address.get("postCode")),
                          country=_country(_object(address.get("country"))))
        rec.relate("LOCATED_AT", ref, addr, address_type=text(address.get("type")))
    return ref, schema_, name or key or record_id


def _identifiers(details: dict[str, Any], what: str) -> dict[str, str]:
    """Scheme → id for identifiers that carry both, in their order (the first wins)."""
    raw = details.get("identifiers")
    if raw is not None and not isinstance(raw, list):
        raise RecordError(f"{what}: 'identifiers' must be an array, got {type(raw).__name__}")
    out: dict[str, str] = {}
    for ident in _objects(raw):
        scheme, value = text(ident.get("scheme")), text(ident.get("id"))
        if scheme and value:
            out.setdefault(scheme.upper(), value)
    return out


def _interests(details: dict[str, Any], where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    raw = details.get("interests")
    if raw is None or raw == []:
        yield UNKNOWN_INTEREST, {}
        return
    if not isinstance(raw, list):
        raise RecordError(f"{where}: 'interests' must be an array, got {type(raw).__name__}")
    for i, interest in enumerate(raw):
        if not isinstance(interest, dict):
            raise RecordError(f"{where}: interests[{i}] must be an object, got {type(interest).__name__}")
        kind = interest.get("type", UNKNOWN_INTEREST)
        if not isinstance(kind, str) or kind not in INTERESTS:
            raise RecordError(f"{where}: interests[{i}].type {kind!r} is not a BODS 0.4 interest type")
        yield kind, {**interest, "_index": i}


def _interest_props(interest: dict[str, Any], kind: str, where: str) -> dict[str, Any]:
    at = f"{where}: interests[{interest.get('_index', 0)}]"
    share = interest.get("share")
    if share is not None and not isinstance(share, dict):
        raise RecordError(f"{at}.share must be an object with exact/minimum/maximum, got {type(share).__name__}")
    values: dict[str, float] = {}
    for field_ in _SHARE_FIELDS:
        raw = (share or {}).get(field_)
        if raw is None:
            continue
        value = number(raw) if not isinstance(raw, str) else None
        if value is None or not 0 <= value <= 100:
            raise RecordError(f"{at}.share.{field_} is {raw!r}; a percentage between 0 and 100 was expected")
        values[field_] = value
    low = values.get("minimum", values.get("exclusiveMinimum"))
    high = values.get("maximum", values.get("exclusiveMaximum"))
    if low is not None and high is not None and low > high:
        raise RecordError(f"{at}.share: minimum {low} is above maximum {high}")
    dates = {}
    for field_ in ("startDate", "endDate"):
        raw = interest.get(field_)
        if raw is not None and _date(raw) is None:
            raise RecordError(f"{at}.{field_} is {raw!r}; a date (YYYY-MM-DD) was expected")
        dates[field_] = _date(raw)
    direct = {"direct": True, "indirect": False}.get(str(interest.get("directOrIndirect")))
    props: dict[str, Any] = {
        "start": dates["startDate"], "end": dates["endDate"], "direct": direct, "interest_types": [kind],
        "beneficial": interest.get("beneficialOwnershipOrControl")
        if isinstance(interest.get("beneficialOwnershipOrControl"), bool) else None,
        "details": text(interest.get("details")),
    }
    if INTERESTS[kind] == "OWNS":
        props.update(share=values.get("exact"), share_min=None if "exact" in values else low,
                     share_max=None if "exact" in values else high)
    else:
        props["role"] = kind
    return props


def _describe(kind: str, props: dict[str, Any], holder: str) -> str:
    """A sentence for an interest the graph schema cannot link (e.g. a state as owner)."""
    share = props.get("share")
    amount = f" {share:g}%" if share is not None else (
        f" {props['share_min']:g}-{props['share_max']:g}%" if props.get("share_min") is not None
        and props.get("share_max") is not None else "")
    return f"{kind}{amount} held by {holder}"


def _full_name(name: dict[str, Any]) -> str | None:
    return text(name.get("fullName")) or " ".join(
        p for p in (text(name.get(k)) for k in ("givenName", "patronymicName", "familyName")) if p) or None


def _country(value: dict[str, Any]) -> str | None:
    code = text(value.get("code"))
    return code.upper() if code else text(value.get("name"))


def _texts(value: Any) -> list[str]:
    return [t for t in (text(v) for v in value) if t] if isinstance(value, list) else []


def _date(value: Any) -> str | None:
    """A BODS date (YYYY, YYYY-MM, YYYY-MM-DD or a date-time) as published; else None."""
    if isinstance(value, str) and _DATE.match(value.strip()):
        return value.strip()
    return None


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _objects(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


SOURCE = BODSSource()
