"""OCDS (Open Contracting Data Standard): record packages, release packages, single
records or releases, and JSON lines of any of them.

Publisher: one message per contracting process (``ocid``) on ``raw.ocds``, its value a
compiled release (releases of one ``ocid`` are compiled with ocdsmerge).
Stream: a compiled release becomes the process, its buyers (``PublicBody``), its
contracts, and its suppliers and tenderers (``Company``, or ``Person`` for a 13-character
RFC), identified by RFC when the party carries a valid one.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ocdsmerge

from engine.canonical import CanonicalRecord, RecordBuilder
from engine.entity_resolution.identifiers import parse_rfc
from engine.sources.base import RawRecord, RecordContext, RecordError, load_json_object, number, read_text, text

KIND = "ocds"
TOPIC = "raw.ocds"
SUFFIXES = (".json", ".jsonl", ".ndjson")

# OCDS 1.1 merge rules for the fields that matter when compiling; arrays of objects
# merge by their ``id``, arrays of literals are replaced whole (ocdsmerge's defaults).
_MERGE_RULES = {("id",): "omitWhenMerged", ("date",): "omitWhenMerged", ("tag",): "omitWhenMerged"}
_MERGER = ocdsmerge.Merger(merge_rules=_MERGE_RULES)


# -- publisher side ---------------------------------------------------------------------------
class OCDSSource:
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
        if path.suffix.lower() in (".jsonl", ".ndjson"):
            for number_, line in enumerate(body.splitlines(), start=1):
                if line.strip():
                    yield from self._split_text(line, path.name, f"line {number_}")
        else:
            yield from self._split_text(body, path.name, "file")

    def _split_text(self, body: str, name: str, where: str) -> Iterator[RawRecord]:
        try:
            doc = json.loads(body)
        except json.JSONDecodeError as exc:
            reason = (
                f"{name} ({where}) is not valid JSON (truncated?): {exc.msg} "
                f"at line {exc.lineno} column {exc.colno}"
            )
            yield RawRecord.broken(f"{name}#{where}", body.encode(), where, reason)
            return
        yield from split_document(doc, name, where)


def split_document(doc: Any, name: str, where: str) -> Iterator[RawRecord]:
    """Yield one raw record per ``ocid`` found in any OCDS document shape."""
    items = doc if isinstance(doc, list) else [doc]
    releases_by_ocid: dict[str, list[dict[str, Any]]] = {}
    for index, item in enumerate(items):
        loc = f"{where}[{index}]" if isinstance(doc, list) else where
        if not isinstance(item, dict):
            yield _bad(name, loc, item, f"expected an OCDS object, got {type(item).__name__}")
        elif isinstance(item.get("records"), list):  # record package
            published = item.get("publishedDate")
            for i, record in enumerate(item["records"]):
                yield _from_record(record, name, f"{loc}.records[{i}]", published)
        elif isinstance(item.get("releases"), list) and "ocid" not in item:  # release package
            for i, release in enumerate(item["releases"]):
                ocid = release.get("ocid") if isinstance(release, dict) else None
                if not isinstance(ocid, str) or not ocid.strip():
                    yield _bad(name, f"{loc}.releases[{i}]", release, "release has no 'ocid'")
                    continue
                releases_by_ocid.setdefault(ocid, []).append(release)
        elif "compiledRelease" in item or isinstance(item.get("releases"), list):  # record
            yield _from_record(item, name, loc, None)
        else:  # a release, compiled or not
            yield _release(item, name, loc)
    for ocid, releases in releases_by_ocid.items():
        compiled = releases[0] if len(releases) == 1 else _compile(releases)
        yield _release(compiled, name, f"{where} ocid {ocid}")


def _compile(releases: list[dict[str, Any]]) -> dict[str, Any]:
    compiled = _MERGER.create_compiled_release(releases)
    compiled.setdefault("date", max(str(r.get("date", "")) for r in releases) or None)
    return compiled


def _from_record(record: Any, name: str, loc: str, published: str | None) -> RawRecord:
    if not isinstance(record, dict):
        return _bad(name, loc, record, f"expected an OCDS record object, got {type(record).__name__}")
    compiled = record.get("compiledRelease")
    if not isinstance(compiled, dict):
        releases = [r for r in record.get("releases") or [] if isinstance(r, dict) and "tag" in r]
        if not releases:
            return _bad(name, loc, record, "record has neither 'compiledRelease' nor full releases to compile")
        compiled = _compile(releases)
    if not compiled.get("ocid") and record.get("ocid"):
        compiled = {**compiled, "ocid": record["ocid"]}
    raw = _release(compiled, name, loc)
    if published:
        raw.headers["vinculo-published-at"] = str(published)
    return raw


def _release(release: dict[str, Any], name: str, loc: str) -> RawRecord:
    ocid = release.get("ocid")
    key = ocid if isinstance(ocid, str) and ocid.strip() else f"{name}#{loc}"
    return RawRecord(key, json.dumps(release, ensure_ascii=False).encode(), loc)


def _bad(name: str, loc: str, item: Any, reason: str) -> RawRecord:
    value = json.dumps(item, ensure_ascii=False, default=str).encode()
    return RawRecord.broken(f"{name}#{loc}", value, loc, f"{name} ({loc}): {reason}")


# -- stream side ------------------------------------------------------------------------------
_BUYER_ROLES = {"buyer", "procuringEntity"}


def normalize(value: bytes, ctx: RecordContext) -> CanonicalRecord:
    release = load_json_object(value, "OCDS release")
    ocid = release.get("ocid")
    if not isinstance(ocid, str) or not ocid.strip():
        raise RecordError("OCDS release has no 'ocid' (required: it identifies the contracting process)")
    ocid = ocid.strip()
    seen = _iso(release.get("date")) or ctx.published_at or datetime.now(UTC).isoformat(timespec="seconds")
    rec = RecordBuilder("ocds", ocid, seen, dataset=ctx.source, locator=ctx.locator)
    parties = {str(p["id"]): p for p in _objects(release.get("parties")) if isinstance(p.get("id"), str | int)}

    tender = _object(release.get("tender"))
    value_ = _object(tender.get("value"))
    period = _object(tender.get("tenderPeriod"))
    package = _object(release.get("packageInfo"))
    process = rec.entity(
        "process", "ContractingProcess", key=f"ocds:{ocid}", name=text(tender.get("title")),
        ocid=ocid,
        title=text(tender.get("title")),
        procurement_method=text(tender.get("procurementMethod")),
        procurement_method_details=text(tender.get("procurementMethodDetails")),
        main_category=text(tender.get("mainProcurementCategory")),
        status=text(tender.get("status")),
        amount=number(value_.get("amount")),
        currency=text(value_.get("currency")),
        tender_start=_iso(period.get("startDate")),
        tender_end=_iso(period.get("endDate")),
        number_of_tenderers=tender.get("numberOfTenderers") if isinstance(tender.get("numberOfTenderers"), int)
        else None,
        date=_iso(release.get("date")),
        publisher=text(_object(package.get("publisher")).get("name")),
        aliases=process_aliases(release),
        release=cardinal_view(release),
    )

    # Buyers: the release's buyer, parties in a buyer role, and contract-level buyers.
    buyer_refs = [release["buyer"]] if isinstance(release.get("buyer"), dict) else []
    buyer_refs += [p for p in parties.values() if _roles(p) & _BUYER_ROLES]
    for contract in _objects(release.get("contracts")):
        buyer_refs += _objects(contract.get("buyers"))
    for ref in buyer_refs:
        buyer = _party(rec, ref, parties, "PublicBody")
        if buyer:
            rec.relate("BUYER_OF", buyer, process)

    # Tenderers, with their bids where the bid extension gives them.
    for ref in [p for p in parties.values() if "tenderer" in _roles(p)] + _objects(tender.get("tenderers")):
        tenderer = _party(rec, ref, parties, "Company")
        if tenderer:
            rec.relate("TENDERED", tenderer, process)
    for bid in _objects(_object(release.get("bids")).get("details")):
        bid_value = _object(bid.get("value"))
        for ref in _objects(bid.get("tenderers")):
            tenderer = _party(rec, ref, parties, "Company")
            if tenderer:
                rec.relate("TENDERED", tenderer, process, bid_id=text(bid.get("id")),
                           bid_amount=number(bid_value.get("amount")), bid_currency=text(bid_value.get("currency")),
                           bid_status=text(bid.get("status")), bid_date=_iso(bid.get("date")))

    # Contracts, and awards that no contract implements yet.
    awards = {str(a.get("id")): a for a in _objects(release.get("awards")) if a.get("id") is not None}
    implemented: set[str] = set()
    for contract in _objects(release.get("contracts")):
        contract_id = text(contract.get("id"))
        if contract_id is None:
            raise RecordError(f"{ocid}: a contract has no 'id'")
        award = awards.get(str(contract.get("awardID")))
        if award is not None:
            implemented.add(str(contract.get("awardID")))
        suppliers = _objects(contract.get("suppliers")) or (_objects(award.get("suppliers")) if award else [])
        _contract(rec, f"ocds:{ocid}/contract/{contract_id}", contract, award, suppliers, parties, ocid, process)
    for award_id, award in awards.items():
        if award_id not in implemented:
            _contract(rec, f"ocds:{ocid}/award/{award_id}", None, award, _objects(award.get("suppliers")),
                      parties, ocid, process)

    # Suppliers named only in the parties list still belong in the graph.
    for party in parties.values():
        if "supplier" in _roles(party):
            _party(rec, party, parties, "Company")
    return rec.build()


_HEAVY = ("documents", "planning", "implementation", "milestones", "amendments")


def cardinal_view(release: dict[str, Any]) -> dict[str, Any]:
    """The release without documents, plans and implementation: what procurement red-flag
    indicators (Cardinal) read, kept on the process so they can run on the graph."""

    def trim(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: trim(v) for k, v in value.items() if k not in _HEAVY}
        if isinstance(value, list):
            return [trim(v) for v in value]
        return value

    return {k: trim(v) for k, v in release.items() if k not in ("packageInfo", *_HEAVY)}


def process_aliases(release: dict[str, Any]) -> list[str]:
    """Other numbers a process is known by (tender, award and contract ids), folded, so
    that a record naming the procedure by its folio (PDN S2) finds the OCDS process."""
    ids = [_object(release.get("tender")).get("id")]
    ids += [a.get("id") for a in _objects(release.get("awards"))]
    ids += [c.get("id") for c in _objects(release.get("contracts"))]
    return sorted({fold_alias(str(i)) for i in ids if i not in (None, "")})


def fold_alias(value: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "-", value.upper()).strip("-")


def _contract(
    rec: RecordBuilder, key: str, contract: dict[str, Any] | None, award: dict[str, Any] | None,
    suppliers: list[dict[str, Any]], parties: dict[str, dict[str, Any]], ocid: str, process: str,
) -> None:
    doc = contract or award or {}
    value = _object(doc.get("value")) or _object(doc.get("valueWithTax"))
    period = _object(doc.get("period")) or _object(doc.get("contractPeriod"))
    ref = rec.entity(
        f"contract:{key}", "Contract", key=key, name=text(doc.get("title")) or text((award or {}).get("title")),
        ocid=ocid,
        kind="contract" if contract else "award",
        title=text(doc.get("title")) or text((award or {}).get("title")),
        status=text(doc.get("status")),
        amount=number(value.get("amount")),
        currency=text(value.get("currency")),
        date_signed=_iso(doc.get("dateSigned")) or _iso((award or {}).get("date")),
        award_id=text((award or {}).get("id")) or text(doc.get("awardID")),
        start_date=_iso(period.get("startDate")),
        end_date=_iso(period.get("endDate")),
    )
    rec.relate("AWARDED", process, ref)
    for supplier_ref in suppliers:
        supplier = _party(rec, supplier_ref, parties, "Company")
        if supplier:
            rec.relate("SUPPLIES", supplier, ref)


def party_identity(
    ref: dict[str, Any], parties: dict[str, dict[str, Any]]
) -> tuple[str | None, str | None, dict[str, Any]]:
    """(strong key, RFC, the full party) for a party or a reference to one.

    A valid-format RFC (in the identifier, whatever its scheme, or as the party id) is the
    identity; another scheme-qualified identifier gives the key ``<scheme>:<id>``; a party
    with neither is resolved by its name.
    """
    party = parties.get(str(ref.get("id")), ref) if ref.get("id") is not None else ref
    identifier = _object(party.get("identifier"))
    scheme = text(identifier.get("scheme"))
    ident = text(identifier.get("id"))
    for candidate in (ident if scheme in (None, "MX-RFC") else None, text(party.get("id"))):
        rfc = parse_rfc(candidate)
        if rfc is not None:
            return None, rfc.value, party
    if scheme and ident:
        return f"{scheme.lower()}:{ident}", None, party
    return None, None, party


def _party(
    rec: RecordBuilder, ref: dict[str, Any], parties: dict[str, dict[str, Any]], default_schema: str
) -> str | None:
    key, rfc, party = party_identity(ref, parties)
    identifier = _object(party.get("identifier"))
    name = text(party.get("name")) or text(identifier.get("legalName")) or text(ref.get("name"))
    if key is None and rfc is None and name is None:
        return None
    schema_ = "Person" if (default_schema == "Company" and rfc and len(rfc) == 13) else default_schema
    party_ref = f"party:{party.get('id', name)}:{schema_}"
    contact = _object(party.get("contactPoint"))
    rec.entity(
        party_ref, schema_, key=key, name=name, identifiers={"rfc": rfc},
        legal_name=text(identifier.get("legalName")),
        email=text(contact.get("email")),
        telephone=text(contact.get("telephone")),
        contact_name=text(contact.get("name")),
        url=text(contact.get("url")),
        country=text(_object(party.get("address")).get("countryName")),
    )
    address = _object(party.get("address"))
    parts = [text(address.get(k)) for k in ("streetAddress", "locality", "region", "postalCode", "countryName")]
    full = ", ".join(p for p in parts if p)
    if full and text(address.get("streetAddress")):
        addr_ref = rec.entity(
            f"address:{full}", "Address", key=address_key(full), name=full, full=full,
            street=text(address.get("streetAddress")), locality=text(address.get("locality")),
            region=text(address.get("region")), postal_code=text(address.get("postalCode")),
            country=text(address.get("countryName")),
        )
        rec.relate("LOCATED_AT", party_ref, addr_ref)
    return party_ref


def address_key(full: str) -> str:
    """Addresses are shared value nodes: the same normalised text is the same node."""
    return "address:" + hashlib.sha256(fold_address(full).encode()).hexdigest()[:20]


def fold_address(full: str) -> str:
    decomposed = unicodedata.normalize("NFKD", full)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).upper()
    return " ".join(re.sub(r"[^A-Z0-9]+", " ", plain).split())


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _objects(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _roles(party: dict[str, Any]) -> set[str]:
    roles = party.get("roles")
    return {r for r in roles if isinstance(r, str)} if isinstance(roles, list) else set()


def _iso(value: Any) -> str | None:
    """An ISO-8601 date-time string as published, if it parses; else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return value.strip()



SOURCE = OCDSSource()
