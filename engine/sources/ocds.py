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
from engine.entity_resolution.bodies import parse_body_name
from engine.entity_resolution.identifiers import parse_rfc
from engine.entity_resolution.text import fold
from engine.sources.base import (
    RawRecord,
    RecordContext,
    RecordError,
    concatenated,
    inner_suffix,
    is_concatenation,
    load_json_object,
    loads,
    number,
    read_text,
    text,
)

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
        for _, record in self.read_many([path]):
            yield record

    def read_many(self, paths: list[Path]) -> Iterator[tuple[Path, RawRecord]]:
        """Raw records of several files at once: the releases of one ``ocid`` are compiled together
        even when a publisher puts each release in a file of its own (planning, tender, award and
        contract releases published one by one), so the process arrives whole."""
        pending: dict[str, list[tuple[Path, dict[str, Any]]]] = {}
        for path in paths:
            decoded = read_text(path)
            if isinstance(decoded, RawRecord):
                yield path, decoded
                continue
            found = False
            _, body, _ = decoded
            if inner_suffix(path) in (".jsonl", ".ndjson"):
                parts = [(line, f"line {n}") for n, line in enumerate(body.splitlines(), start=1) if line.strip()]
            else:
                parts = [(body, "file")]
            for text_, where in parts:
                for item in self._split_text(text_, path.name, where):
                    found = True
                    if isinstance(item, RawRecord):
                        yield path, item
                    else:
                        pending.setdefault(item[0], []).append((path, item[1]))
            if not found:  # a file that holds nothing is said so, not skipped in silence
                yield path, RawRecord.broken(path.name, decoded[0][:65536], "file",
                                             f"{path.name} holds no OCDS record or release")
        for ocid, located in pending.items():
            releases = [release for _, release in located]
            first = located[0][0]
            names = sorted({p.name for p, _ in located})
            where = f"ocid {ocid}" + (f" ({len(names)} files)" if len(names) > 1 else "")
            compiled = releases[0] if len(releases) == 1 else _compile(releases)
            yield first, _release(compiled, first.name, where)

    def _split_text(self, body: str, name: str, where: str) -> Iterator[RawRecord | tuple[str, dict[str, Any]]]:
        try:
            doc = loads(body)
        except json.JSONDecodeError as exc:
            if where == "file" and is_concatenation(exc):  # several packages one after another
                for part, at in concatenated(body):
                    yield from self._split_text(part, name, at)
                return
            reason = (
                f"{name} ({where}) is not valid JSON (truncated?): {exc.msg} "
                f"at line {exc.lineno} column {exc.colno}"
            )
            yield RawRecord.broken(f"{name}#{where}", body.encode(), where, reason)
            return
        yield from split_document(doc, name, where)


def split_document(doc: Any, name: str, where: str) -> Iterator[RawRecord | tuple[str, dict[str, Any]]]:
    """One raw record per record or compiled release found in any OCDS document shape, and
    ``(ocid, release)`` for each release of a release package, for the caller to compile with
    the other releases of its ``ocid``."""
    items = doc if isinstance(doc, list) else [doc]
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
                yield ocid.strip(), release
        elif "compiledRelease" in item or isinstance(item.get("releases"), list):  # record
            yield _from_record(item, name, loc, None)
        elif isinstance(item.get("ocid"), str) and item["ocid"].strip() and "tag" in item \
                and "compiled" not in item.get("tag", []):  # a single release: compiled with its siblings
            yield item["ocid"].strip(), item
        else:  # a compiled release, or something without an ocid (dead-lettered downstream)
            yield _release(item, name, loc)


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
        if releases:
            compiled = _compile(releases)
        elif isinstance(record.get("versionedRelease"), dict):  # linked releases and their history only
            compiled = unversion(record["versionedRelease"])
        else:
            return _bad(name, loc, record,
                        "record has neither 'compiledRelease', nor full releases to compile, nor 'versionedRelease'")
    if not compiled.get("ocid") and record.get("ocid"):
        compiled = {**compiled, "ocid": record["ocid"]}
    raw = _release(compiled, name, loc)
    if published:
        raw.headers["vinculo-published-at"] = str(published)
    return raw


def _history(value: Any) -> bool:
    """Whether a value of a versioned release is a field's history: ``[{releaseID, releaseDate, releaseTag,
    value}, …]``."""
    return isinstance(value, list) and bool(value) and all(
        isinstance(v, dict) and "value" in v and ("releaseID" in v or "releaseDate" in v) for v in value)


def is_versioned(release: dict[str, Any]) -> bool:
    """Whether a release is a versioned one (each field its history), judged by its fields and those of
    its objects one level down (``tender.title``, ``buyer.name``)."""
    for value in release.values():
        if _history(value):
            return True
        if isinstance(value, dict) and any(_history(v) for v in value.values()):
            return True
    return False


def unversion(value: Any) -> Any:
    """A versioned release as the compiled release it stands for: every field's latest value (a field's
    history is listed in the order of its releases, latest last)."""
    if isinstance(value, dict):
        return {k: unversion(v) for k, v in value.items()}
    if _history(value):
        return unversion(value[-1]["value"])
    if isinstance(value, list):
        return [unversion(v) for v in value]
    return value


def _release(release: dict[str, Any], name: str, loc: str) -> RawRecord:
    ocid = release.get("ocid")
    key = ocid if isinstance(ocid, str) and ocid.strip() else f"{name}#{loc}"
    return RawRecord(key, json.dumps(release, ensure_ascii=False).encode(), loc)


def _bad(name: str, loc: str, item: Any, reason: str) -> RawRecord:
    value = json.dumps(item, ensure_ascii=False, default=str).encode()
    return RawRecord.broken(f"{name}#{loc}", value, loc, f"{name} ({loc}): {reason}")


# -- stream side ------------------------------------------------------------------------------
_BUYER_ROLES = ("buyer", "procuringEntity")
# Role labels publishers use instead of the codelist's (folded words -> code), first match wins.
_ROLE_WORDS: tuple[tuple[str, str], ...] = (
    ("PROCURINGENTITY", "procuringEntity"), ("REALIZA LA CONTRATACION", "procuringEntity"),
    ("ENTIDAD CONTRATANTE", "procuringEntity"), ("CONVOCANTE", "procuringEntity"),
    ("UNIDAD COMPRADORA", "procuringEntity"), ("AREA CONTRATANTE", "procuringEntity"),
    ("COMPRADOR", "buyer"), ("BUYER", "buyer"), ("DEPENDENCIA", "buyer"),
    ("PROVEEDOR", "supplier"), ("CONTRATISTA", "supplier"), ("ADJUDICAD", "supplier"), ("SUPPLIER", "supplier"),
    ("PARTICIPANTE", "tenderer"), ("LICITANTE", "tenderer"), ("OFERENTE", "tenderer"), ("POSTOR", "tenderer"),
    ("TENDERER", "tenderer"), ("PAGADOR", "payer"), ("PAYER", "payer"), ("PAYEE", "payee"),
    ("FUNDER", "funder"), ("FINANCIADOR", "funder"), ("REVIEWBODY", "reviewBody"),
    ("INTERESTEDPARTY", "interestedParty"), ("ENQUIRER", "enquirer"),
)


def role_code(label: str) -> str:
    """A party role as OCDS's codelist names it, from the codelist's own code or a publisher's label
    ("Comprador", "Entidad que realiza la contratación", "Proveedor o contratista", "Participante")."""
    folded = fold(label)
    compact = folded.replace(" ", "")
    for words, code in _ROLE_WORDS:
        if (" " in words and words in folded) or (" " not in words and (compact == words or words in folded.split()
                                                                          or folded.startswith(words))):
            return code
    return label



def normalize(value: bytes, ctx: RecordContext) -> CanonicalRecord:
    release = load_json_object(value, "OCDS release")
    if is_versioned(release):  # a versioned release (a record's history): its latest values
        release = unversion(release)
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
    _bodies(rec, release, parties, process)

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

    # Contracts, and awards that no contract implements (FtM's ContractAward: an ``Award`` node).
    awards: dict[str, dict[str, Any]] = {}
    for index, published in enumerate(_objects(release.get("awards"))):
        award_id = text(published.get("id"))
        if award_id is None:  # kept, as contracts without one are: its suppliers are the process's
            award_id = _digest_id(published)
            rec.warn(f"awards[{index}] has no 'id': kept as {award_id!r}, an id derived from its content")
        elif award_id in awards and awards[award_id] != published:  # one id for two awards (lots numbered alike)
            award_id = f"{award_id}~{index}"
            rec.warn(f"awards[{index}] repeats the id of another award: kept as {award_id!r}")
        awards.setdefault(award_id, published)
    implemented: set[str] = set()
    for index, contract in enumerate(_objects(release.get("contracts"))):
        contract_id = text(contract.get("id"))
        award_ref = text(contract.get("awardID"))
        award = awards.get(award_ref) if award_ref else None
        if award is not None and award_ref:
            implemented.add(award_ref)
        if contract_id is None:
            contract_id = _derived_contract_id(contract)
            rec.warn(f"contracts[{index}] has no 'id': kept as {contract_id!r}, an id derived from "
                     f"{'its awardID' if contract_id.startswith('award-') else 'its content'}")
        suppliers = _objects(contract.get("suppliers")) or (_objects(award.get("suppliers")) if award else [])
        _contract(rec, "Contract", f"ocds:{ocid}/contract/{contract_id}", contract, award, suppliers, parties, ocid,
                  process)
    for award_id, award in awards.items():
        if award_id not in implemented:
            _contract(rec, "Award", f"ocds:{ocid}/award/{award_id}", None, award, _objects(award.get("suppliers")),
                      parties, ocid, process)
    if rec.warnings:
        rec.entity("process", "ContractingProcess", warnings=list(rec.warnings))

    # Suppliers named only in the parties list still belong in the graph.
    for party in parties.values():
        if "supplier" in _roles(party):
            _party(rec, party, parties, "Company")
    return rec.build()


def _derived_contract_id(contract: dict[str, Any]) -> str:
    """A stable id for a contract published without one: its award's id, else a digest of its content."""
    award_id = text(contract.get("awardID"))
    if award_id:
        return f"award-{award_id}"
    return _digest_id(contract)


def _digest_id(item: dict[str, Any]) -> str:
    """A stable id for an award or contract published without one: a digest of what it says (its
    documents, implementation and amendments aside, which later releases add to)."""
    body = json.dumps({k: v for k, v in item.items() if k not in ("documents", "implementation", "amendments")},
                      sort_keys=True, ensure_ascii=False, default=str)
    return "h-" + hashlib.sha256(body.encode()).hexdigest()[:16]


def _bodies(rec: RecordBuilder, release: dict[str, Any], parties: dict[str, dict[str, Any]], process: str) -> None:
    """The buyer and the procuring entity, each ``BUYER_OF`` the process with its role.

    Buyers: the release's ``buyer``, parties in the buyer role, contract-level ``buyers``; procuring
    entities: ``tender.procuringEntity`` and parties in that role. A buyer named as a sub-unit (a
    directorate) of an institution that is the procuring entity is ``PART_OF`` it; a unit named
    with an acronym path ("SEPAF/DGA | …") is ``PART_OF`` the institution of its first acronym.
    """
    tender = _object(release.get("tender"))
    refs: dict[str, list[dict[str, Any]]] = {"buyer": [], "procuringEntity": []}
    if isinstance(release.get("buyer"), dict):
        refs["buyer"].append(release["buyer"])
    if isinstance(tender.get("procuringEntity"), dict):
        refs["procuringEntity"].append(tender["procuringEntity"])
    for party in parties.values():
        for role in _BUYER_ROLES:
            if role in _roles(party):
                refs[role].append(party)
    for contract in _objects(release.get("contracts")):
        refs["buyer"] += _objects(contract.get("buyers"))
    found: dict[str, list[str]] = {"buyer": [], "procuringEntity": []}
    for role in _BUYER_ROLES:
        for ref in refs[role]:
            body = _party(rec, ref, parties, "PublicBody")
            if body and body not in found[role]:
                found[role].append(body)
                rec.relate("BUYER_OF", body, process, key=role, role=role)
    for body in found["buyer"] + found["procuringEntity"]:
        _acronym_parent(rec, body)
    institutions = [b for b in found["procuringEntity"] if _body_kind(rec, b) == "institution"]
    if len(institutions) == 1:
        for body in found["buyer"]:
            if body != institutions[0] and _body_kind(rec, body) == "unit":
                rec.relate("PART_OF", body, institutions[0], basis="buyer unit of the procuring entity")


def _body_names(rec: RecordBuilder, ref: str) -> list[str]:
    mention = rec.mention(ref)
    return [n for n in (mention.name, mention.props.get("legal_name")) if isinstance(n, str) and n]


def _body_kind(rec: RecordBuilder, ref: str) -> str:
    kinds = {parse_body_name(n).kind for n in _body_names(rec, ref)}
    return "unit" if "unit" in kinds else "institution" if "institution" in kinds else ""


def _acronym_parent(rec: RecordBuilder, ref: str) -> None:
    """"SEPAF/DGA | DIR. GRAL. DE …" is a unit of the institution called SEPAF: mention it and link them."""
    parent = next((p for p in (parse_body_name(n).parent for n in _body_names(rec, ref)) if p), "")
    if not parent:
        return
    region = rec.mention(ref).props.get("region")
    institution = rec.entity(f"body-acronym:{parent}", "PublicBody", name=parent, acronym=parent, region=region)
    rec.relate("PART_OF", ref, institution, basis="acronym path")


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
    rec: RecordBuilder, label: str, key: str, contract: dict[str, Any] | None, award: dict[str, Any] | None,
    suppliers: list[dict[str, Any]], parties: dict[str, dict[str, Any]], ocid: str, process: str,
) -> None:
    doc = contract or award or {}
    value = _object(doc.get("value")) or _object(doc.get("valueWithTax"))
    period = _object(doc.get("period")) or _object(doc.get("contractPeriod"))
    ref = rec.entity(
        f"contract:{key}", label, key=key, name=text(doc.get("title")) or text((award or {}).get("title")),
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
        id_derived=True if contract is not None and text(contract.get("id")) is None else None,
    )
    rec.relate("AWARDED", process, ref)
    for supplier_ref in suppliers:
        supplier = _party(rec, supplier_ref, parties, "Company")
        if supplier:
            rec.relate("SUPPLIES", supplier, ref)


_RFC_PREFIX = re.compile(r"^(?:MX[-_ ]?)?RFC[-_: ]+", re.I)


def _rfc_of(value: Any) -> str | None:
    """An RFC written bare or behind a scheme prefix ("RFC-ATR020709BP7", "MX-RFC-…"), if it is one."""
    raw = text(value)
    if raw is None:
        return None
    rfc = parse_rfc(_RFC_PREFIX.sub("", raw.strip()))
    return rfc.value if rfc is not None else None


def party_identity(
    ref: dict[str, Any], parties: dict[str, dict[str, Any]]
) -> tuple[str | None, str | None, dict[str, Any]]:
    """(strong key, RFC, the full party) for a party or a reference to one.

    An RFC — in the identifier under any scheme that says RFC ("MX-RFC", "RFC", "RFC-MX") or none,
    or as the party id, with or without a scheme prefix ("RFC-ATR020709BP7") — is the identity;
    another scheme-qualified identifier gives the key ``<scheme>:<id>``; a party with neither is
    resolved by its name.
    """
    party = parties.get(str(ref.get("id")), ref) if ref.get("id") is not None else ref
    identifier = _object(party.get("identifier"))
    scheme = text(identifier.get("scheme"))
    ident = text(identifier.get("id"))
    rfc_scheme = scheme is None or "RFC" in fold(scheme).replace(" ", "")
    for candidate in (ident if rfc_scheme else None, text(party.get("id")), text(ref.get("id"))):
        rfc = _rfc_of(candidate)
        if rfc is not None:
            return None, rfc, party
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
    address = _object(party.get("address"))
    legal_name = text(identifier.get("legalName"))
    rec.entity(
        party_ref, schema_, key=key if schema_ != "PublicBody" else None, name=name, identifiers={"rfc": rfc},
        legal_name=legal_name if legal_name != name else None,
        scheme_id=key if schema_ == "PublicBody" else None,
        email=text(contact.get("email")),
        telephone=text(contact.get("telephone")),
        contact_name=text(contact.get("name")),
        url=text(contact.get("url")),
        country=text(address.get("countryName")),
        region=text(address.get("region")) if schema_ == "PublicBody" else None,
    )
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
    return {role_code(r) for r in roles if isinstance(r, str)} if isinstance(roles, list) else set()


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
