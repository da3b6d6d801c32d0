"""PDN S1: public officials' asset-and-interest declarations (Plataforma Digital Nacional,
API ``POST /v2/declaraciones``).

Publisher: page files as the API returns them (``{"pagination", "results": [...]}``), a bare
list of declarations, a single declaration, or JSON lines of any of these; one message per
declaration on ``raw.pdn-s1``, keyed by its ``id``.

Stream: one declaration becomes

- the declarant (``Person``: RFC from ``rfc.rfc`` + ``rfc.homoClave``, CURP, names kept apart)
  and a ``Declaration`` (key ``pdn-s1:<id>``, type inicial / modificación / conclusión, date),
  linked by ``DECLARED``;
- ``HOLDS_POSITION`` to the ``PublicBody`` of ``datosEmpleoCargoComision`` (role, level, area,
  ``start`` = ``fechaTomaPosesion``; in a CONCLUSIÓN declaration ``end`` = the declaration's date,
  an upper bound since it is filed within 60 days of leaving, ``end_basis`` says so), of
  ``otroEmpleoCargoComision`` (MODIFICACIÓN), and of public posts in ``experienciaLaboral``
  (``start``/``end`` = ``fechaIngreso``/``fechaEgreso``, ``previous`` = true);
- the spouse (``datosPareja``) and each dependant (``datosDependienteEconomico``) as ``Person``
  with ``FAMILY_OF`` declarant → relative, ``relation`` = what the relative is to the declarant
  (spouse, partner, civil_partner, child, parent, sibling, …; ``declared_relation`` keeps the
  code as declared);
- ``participacion``: ``tipoParticipacion`` SCIO/ACCI/BENE/OTRO (or none) → ``OWNS`` (share =
  ``porcentajeParticipacion``), COMI/COLB → ``DIRECTS`` (role comisario / colaborador),
  REPR/APOD → ``REPRESENTS``; from the declarant, the spouse or the dependant per
  ``tipoRelacion`` (``relation_type``; ``direct`` is false when the holder is a relative);
- ``participacionTomaDecisiones`` → ``DIRECTS`` (role ``puestoRol``, start
  ``fechaInicioParticipacion``);
- ``representacion`` with ``tipoRepresentacion`` REPRESENTANTE of a MORAL party →
  ``REPRESENTS`` (start ``fechaInicioRepresentacion``). Being represented (REPRESENTADO), or
  representing a natural person, has no relationship in the graph schema: skipped, counted in
  the Declaration's ``unlinked_representations``;
- ``clientesPrincipales``: the declarant's (or relative's) business ``empresa`` → ``OWNS`` (no
  share, ``basis`` = "clientesPrincipales"); the client (``clientePrincipal``) → a ``Company``
  (MORAL) or ``Person`` (FISICA) mention whose props ``client_of`` / ``client_of_rfc`` name the
  business. The schema has no client relationship (a ``CLIENT_OF`` is proposed), so the client
  is a mention without a relation.

Participations and family ties carry no dates: each declaration states them again, so each
becomes its own observation — a relationship keyed by the declaration (``s1:<id>``) carrying
``declared_on`` (the declaration's date), ``declaration_type`` and ``operation`` (AGREGAR,
SIN_CAMBIOS, MODIFICAR, BAJA; a BAJA also sets ``end`` = the declaration's date, an upper
bound). Detection reads the sequence of observations in declaration-date order, never in
arrival order, to tell when a holding was held (a spouse or dependant declared BAJA is kept as
an ended tie, not dropped).

When ``tipoRelacion`` is PAREJA and the declaration names no spouse, or DEPENDIENTE_ECONOMICO
and it names no single dependant, the holding is attributed to the declarant with
``direct`` = false (the declaration does not say which relative).

Validation: a pydantic model of the fields read here. A required field missing or of the wrong
type is a :class:`RecordError` that names the field path; an optional date that cannot be read
is dropped (its text kept in ``*_raw``).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, ValidationError

from engine.canonical import CanonicalRecord, RecordBuilder
from engine.entity_resolution.identifiers import parse_curp, parse_rfc
from engine.sources.base import (
    RawRecord,
    RecordContext,
    RecordError,
    concatenated,
    inner_suffix,
    is_concatenation,
    load_json_object,
    loads,
    read_text,
)

__all__ = [
    "KIND", "SOURCE", "TOPIC", "normalize", "split_pdn", "person_name", "iso_date", "fold",
    "validation_error", "PDNModel",
]

KIND = "pdn-s1"
TOPIC = "raw.pdn-s1"
SUFFIXES = (".json", ".jsonl", ".ndjson")


# -- shared by the PDN sources (S1, S2, S3) --------------------------------------------------
def split_pdn(path: Path, what: str) -> Iterator[RawRecord]:
    """Split a PDN API answer into one raw record per item, keyed by the item's ``id``.

    Accepts the v1/S1 envelope ``{"pagination", "results": [...]}``, the Directus envelope
    ``{"data": [...], "meta"}`` (S2 v2, S3 v2), a bare list, a single item, and JSON lines of
    any of these. Never raises on bad content.
    """
    decoded = read_text(path)
    if isinstance(decoded, RawRecord):
        yield decoded
        return
    data, body, _ = decoded
    if inner_suffix(path) in (".jsonl", ".ndjson"):
        for number, line in enumerate(body.splitlines(), start=1):
            if line.strip():
                yield from _split_text(line, path.name, f"line {number}", what)
    else:
        yield from _split_text(body, path.name, "file", what)


def _split_text(body: str, name: str, where: str, what: str) -> Iterator[RawRecord]:
    try:
        doc = loads(body)
    except json.JSONDecodeError as exc:
        if where == "file" and is_concatenation(exc):  # several pages one after another
            for part, at in concatenated(body):
                yield from _split_text(part, name, at, what)
            return
        reason = f"{name} ({where}) is not valid JSON (truncated?): {exc.msg} at line {exc.lineno} column {exc.colno}"
        yield RawRecord.broken(f"{name}#{where}", body.encode(), where, reason)
        return
    if isinstance(doc, dict) and isinstance(doc.get("results"), list):
        items, path = doc["results"], "results"
    elif isinstance(doc, dict) and isinstance(doc.get("data"), list):
        items, path = doc["data"], "data"
    elif isinstance(doc, dict) and isinstance(doc.get("data"), dict):  # Directus single item
        items, path = [doc["data"]], "data"
    elif isinstance(doc, list):
        items, path = doc, ""
    elif isinstance(doc, dict) and ("results" in doc or "data" in doc) and "id" not in doc:
        reason = f"{name} ({where}): 'results'/'data' must be a list of {what} records"
        yield RawRecord.broken(f"{name}#{where}", body.encode(), where, reason)
        return
    else:
        items, path = [doc], None
    for index, item in enumerate(items):
        loc = where if path is None else f"{where} {path}[{index}]".replace(" [", "[")
        value = json.dumps(item, ensure_ascii=False).encode()
        if not isinstance(item, dict):
            reason = f"{name} ({loc}): expected a {what} object, got {type(item).__name__}"
            yield RawRecord.broken(f"{name}#{loc}", value, loc, reason)
            continue
        ident = item.get("id")
        key = str(ident).strip() if isinstance(ident, str | int) and str(ident).strip() else f"{name}#{loc}"
        yield RawRecord(key, value, loc)


class PDNModel(BaseModel):
    """Base of the typed views of PDN records: unknown fields are ignored, not rejected."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


def _to_str(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), BeforeValidator(_to_str)]
Text = Annotated[str | None, BeforeValidator(_to_str)]


def validation_error(exc: ValidationError, what: str) -> RecordError:
    """A RecordError naming every offending field path, for a person to read."""
    problems = []
    for err in exc.errors()[:5]:
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"]).lstrip(".")
        got = "" if err["type"] == "missing" else f" (got {err.get('input')!r:.60})"
        problems.append(f"{path or '(record)'}: {err['msg']}{got}")
    more = f"; and {len(exc.errors()) - 5} more" if len(exc.errors()) > 5 else ""
    return RecordError(f"{what}: " + "; ".join(problems) + more)


def person_name(*parts: str | None) -> str | None:
    """The parts as given, in the order given, joined by single spaces."""
    words = [" ".join(p.split()) for p in parts if isinstance(p, str) and p.strip()]
    return " ".join(words) or None


def fold(value: str) -> str:
    """Upper case, no accents, single spaces: for deterministic refs and keys."""
    decomposed = unicodedata.normalize("NFKD", value)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).upper()
    return " ".join(re.sub(r"[^A-Z0-9&]+", " ", plain).split())


def iso_date(value: Any) -> str | None:
    """A date as ``YYYY-MM-DD`` from ISO dates or date-times or ``dd/mm/yyyy``; else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    raw = value.strip()
    try:
        return date.fromisoformat(raw[:10]).isoformat()
    except ValueError:
        pass
    try:
        return datetime.strptime(raw[:10], "%d/%m/%Y").date().isoformat()
    except ValueError:
        return None


def identifiers(rfc: Any, curp: Any = None) -> tuple[dict[str, str | None], dict[str, Any]]:
    """(identifiers, props) for a mention: valid-format RFC/CURP as identifiers; a wrong check
    digit is kept and flagged; an unreadable value is kept as ``rfc_raw``/``curp_raw``."""
    ids: dict[str, str | None] = {}
    props: dict[str, Any] = {}
    parsed = parse_rfc(rfc)
    if parsed is not None:
        ids["rfc"] = parsed.value
        props["rfc_checksum_ok"] = parsed.checksum_ok
    elif isinstance(rfc, str) and rfc.strip():
        props["rfc_raw"] = rfc.strip()
    parsed_curp = parse_curp(curp)
    if parsed_curp is not None:
        ids["curp"] = parsed_curp.value
        props["curp_checksum_ok"] = parsed_curp.checksum_ok
    elif isinstance(curp, str) and curp.strip():
        props["curp_raw"] = curp.strip()
    return ids, props


def person(rec: RecordBuilder, ref: str, given: str | None, first: str | None, second: str | None,
           rfc: Any = None, curp: Any = None, **props: Any) -> str | None:
    """A Person mention with names kept apart; None when neither a name nor an id is given."""
    ids, id_props = identifiers(rfc, curp)
    name = person_name(given, first, second)
    if name is None and not any(ids.values()):
        return None
    return rec.entity(ref, "Person", name=name, identifiers=ids, given_name=given, first_surname=first,
                      second_surname=second, **id_props, **props)


def organisation(rec: RecordBuilder, name: str | None, rfc: Any = None, schema_: str = "Company",
                 **props: Any) -> str | None:
    """A Company (or PublicBody) mention; one ref per RFC or folded name within a record."""
    ids, id_props = identifiers(rfc)
    name = " ".join(name.split()) if isinstance(name, str) and name.strip() else None
    if name is None and not ids:
        return None
    ref = f"{schema_.lower()}:{ids.get('rfc') or fold(name or '')}"
    return rec.entity(ref, schema_, name=name, identifiers=ids, **id_props, **props)


def public_body(rec: RecordBuilder, name: str | None, **props: Any) -> str | None:
    if not isinstance(name, str) or not name.strip():
        return None
    return rec.entity(f"body:{fold(name)}", "PublicBody", name=" ".join(name.split()), **props)


# -- typed view of a declaration --------------------------------------------------------------
class Clave(PDNModel):
    clave: Text = None
    valor: Text = None


class RFCParts(PDNModel):
    rfc: Text = None
    homoClave: Text = None  # noqa: N815 - the API's field names


class DatosGenerales(PDNModel):
    nombre: NonEmpty
    primerApellido: NonEmpty  # noqa: N815
    segundoApellido: Text = None  # noqa: N815
    curp: Text = None
    rfc: RFCParts | str | None = None


class Domicilio(PDNModel):
    entidadFederativa: Clave | None = None  # noqa: N815
    municipioAlcaldia: Clave | None = None  # noqa: N815


class Empleo(PDNModel):
    tipoOperacion: Text = None  # noqa: N815
    domicilioMexico: Domicilio | None = None  # noqa: N815
    nivelOrdenGobierno: Text = None  # noqa: N815
    ambitoPublico: Text = None  # noqa: N815
    nombreEntePublico: Text = None  # noqa: N815
    areaAdscripcion: Text = None  # noqa: N815
    empleoCargoComision: Text = None  # noqa: N815
    nivelEmpleoCargoComision: Text = None  # noqa: N815
    contratadoPorHonorarios: bool | None = None  # noqa: N815
    fechaTomaPosesion: Text = None  # noqa: N815


class EmpleoActual(Empleo):
    nombreEntePublico: NonEmpty  # noqa: N815
    empleoCargoComision: NonEmpty  # noqa: N815
    otroEmpleoCargoComision: list[Empleo] = Field(default_factory=list)  # noqa: N815


class Experiencia(PDNModel):
    ambitoSector: Clave | None = None  # noqa: N815
    nombreEntePublico: Text = None  # noqa: N815
    areaAdscripcion: Text = None  # noqa: N815
    empleoCargoComision: Text = None  # noqa: N815
    nivelOrdenGobierno: Text = None  # noqa: N815
    fechaIngreso: Text = None  # noqa: N815
    fechaEgreso: Text = None  # noqa: N815


class ExperienciaLaboral(PDNModel):
    ninguno: bool | None = None
    experiencia: list[Experiencia] = Field(default_factory=list)


class Familiar(PDNModel):
    tipoOperacion: Text = None  # noqa: N815
    nombre: Text = None
    primerApellido: Text = None  # noqa: N815
    segundoApellido: Text = None  # noqa: N815
    rfc: Text = None
    curp: Text = None
    fechaNacimiento: Text = None  # noqa: N815


class Pareja(Familiar):
    ninguno: bool | None = None
    relacionConDeclarante: Text = None  # noqa: N815


class Dependiente(Familiar):
    parentescoRelacion: Clave | None = None  # noqa: N815


class Dependientes(PDNModel):
    ninguno: bool | None = None
    dependienteEconomico: list[Dependiente] = Field(default_factory=list)  # noqa: N815


Relacion = Literal["DECLARANTE", "PAREJA", "DEPENDIENTE_ECONOMICO"]


class Participacion(PDNModel):
    tipoOperacion: Text = None  # noqa: N815
    tipoRelacion: Relacion | None = None  # noqa: N815
    nombreEmpresaSociedadAsociacion: Text = None  # noqa: N815
    rfc: Text = None
    porcentajeParticipacion: Annotated[float, Field(ge=0, le=100)] | None = None  # noqa: N815
    tipoParticipacion: Clave | None = None  # noqa: N815
    sector: Clave | None = None


class TomaDecisiones(PDNModel):
    tipoOperacion: Text = None  # noqa: N815
    tipoRelacion: Relacion | None = None  # noqa: N815
    tipoInstitucion: Clave | None = None  # noqa: N815
    nombreInstitucion: Text = None  # noqa: N815
    rfc: Text = None
    puestoRol: Text = None  # noqa: N815
    fechaInicioParticipacion: Text = None  # noqa: N815


class Representacion(PDNModel):
    tipoOperacion: Text = None  # noqa: N815
    tipoRelacion: Relacion | None = None  # noqa: N815
    tipoRepresentacion: Literal["REPRESENTANTE", "REPRESENTADO"] | None = None  # noqa: N815
    fechaInicioRepresentacion: Text = None  # noqa: N815
    tipoPersona: Literal["FISICA", "MORAL"] | None = None  # noqa: N815
    nombreRazonSocial: Text = None  # noqa: N815
    rfc: Text = None


class Empresa(PDNModel):
    nombreEmpresaServicio: Text = None  # noqa: N815
    rfc: Text = None


class Contraparte(PDNModel):
    tipoPersona: Literal["FISICA", "MORAL"] | None = None  # noqa: N815
    nombreRazonSocial: Text = None  # noqa: N815
    rfc: Text = None


class Cliente(PDNModel):
    tipoOperacion: Text = None  # noqa: N815
    tipoRelacion: Relacion | None = None  # noqa: N815
    empresa: Empresa | None = None
    clientePrincipal: Contraparte | None = None  # noqa: N815


class Lista(PDNModel):
    ninguno: bool | None = None
    participacion: list[Participacion] = Field(default_factory=list)


class ListaDecisiones(PDNModel):
    ninguno: bool | None = None
    participacion: list[TomaDecisiones] = Field(default_factory=list)


class ListaRepresentaciones(PDNModel):
    ninguno: bool | None = None
    representacion: list[Representacion] = Field(default_factory=list)


class ListaClientes(PDNModel):
    ninguno: bool | None = None
    cliente: list[Cliente] = Field(default_factory=list)


class Interes(PDNModel):
    participacion: Lista | None = None
    participacionTomaDecisiones: ListaDecisiones | None = None  # noqa: N815
    representacion: ListaRepresentaciones | None = None
    clientesPrincipales: ListaClientes | None = None  # noqa: N815


class SituacionPatrimonial(PDNModel):
    datosGenerales: DatosGenerales  # noqa: N815
    datosEmpleoCargoComision: EmpleoActual  # noqa: N815
    experienciaLaboral: ExperienciaLaboral | None = None  # noqa: N815
    datosPareja: Pareja | None = None  # noqa: N815
    datosDependienteEconomico: Dependientes | None = None  # noqa: N815


class Declaracion(PDNModel):
    situacionPatrimonial: SituacionPatrimonial  # noqa: N815
    interes: Interes | None = None


_TIPOS = {"INICIAL": "inicial", "MODIFICACION": "modificación", "CONCLUSION": "conclusión"}


def _tipo(value: Any) -> Any:
    """The API's accented enum, also as the capture system's unaccented one."""
    if not isinstance(value, str):
        return value  # the model's own check says what is wrong with it
    return {"MODIFICACION": "MODIFICACIÓN", "CONCLUSION": "CONCLUSIÓN"}.get(value, value)


class Metadata(PDNModel):
    actualizacion: datetime | date
    institucion: Text = None
    tipo: Annotated[Literal["INICIAL", "MODIFICACIÓN", "CONCLUSIÓN"], BeforeValidator(_tipo)]
    declaracionCompleta: bool | None = None  # noqa: N815


class Declaration(PDNModel):
    id: NonEmpty
    metadata: Metadata
    declaracion: Declaracion


# -- stream side ------------------------------------------------------------------------------
_SPOUSE = {"CONYUGE": "spouse", "CONCUBINA_CONCUBINARIO_UNION_LIBRE": "partner",
           "SOCIEDAD_DE_CONVIVENCIA": "civil_partner"}
_KINSHIP = {
    "HIJ": "child", "CONY": "spouse", "CONC": "partner", "CONB": "partner", "PAD": "parent", "MAD": "parent",
    "HER": "sibling", "ABU": "grandparent", "NIE": "grandchild", "BISA": "great_grandparent",
    "BISN": "great_grandchild", "TATA": "great_great_grandparent", "TATN": "great_great_grandchild",
    "CUN": "sibling_in_law", "SUE": "parent_in_law", "YER": "child_in_law", "NUE": "child_in_law",
    "AHI": "godchild", "NIN": "niece_nephew", "SOB": "niece_nephew", "TIOA": "aunt_uncle", "PRI": "cousin",
    "OTRO": "other",
}
_OWNERSHIP = {"SCIO": "socio", "ACCI": "accionista", "BENE": "beneficiario", "OTRO": "otro"}
_ROLES = {"COMI": ("DIRECTS", "comisario"), "COLB": ("DIRECTS", "colaborador"),
          "REPR": ("REPRESENTS", "representante"), "APOD": ("REPRESENTS", "apoderado")}


def normalize(value: bytes, ctx: RecordContext) -> CanonicalRecord:
    raw = load_json_object(value, "S1 declaration")
    label = f"S1 declaration {raw.get('id')!r}" if raw.get("id") is not None else "S1 declaration"
    try:
        decl = Declaration.model_validate(raw)
    except ValidationError as exc:
        raise validation_error(exc, label) from exc
    meta = decl.metadata
    declared_on = meta.actualizacion.date().isoformat() if isinstance(meta.actualizacion, datetime) \
        else meta.actualizacion.isoformat()
    published = raw["metadata"]["actualizacion"] if isinstance(raw["metadata"].get("actualizacion"), str) \
        else declared_on
    kind = _TIPOS[fold(meta.tipo)]
    rec = RecordBuilder(KIND, decl.id, published, dataset=ctx.source, locator=ctx.locator)
    seen = {"declared_on": declared_on, "declaration_type": kind}

    sp = decl.declaracion.situacionPatrimonial
    gen = sp.datosGenerales
    rfc = gen.rfc if isinstance(gen.rfc, str) else "".join(p for p in (gen.rfc.rfc, gen.rfc.homoClave) if p) \
        if gen.rfc else None
    declarant = person(rec, "declarant", gen.nombre, gen.primerApellido, gen.segundoApellido, rfc, gen.curp)
    assert declarant is not None  # names are required by the model
    declaration = rec.entity(
        "declaration", "Declaration", key=f"pdn-s1:{decl.id}",
        name=f"Declaración {kind} {declared_on} de {person_name(gen.nombre, gen.primerApellido, gen.segundoApellido)}",
        type=kind, date=declared_on, institution=meta.institucion, complete=meta.declaracionCompleta,
    )
    rec.relate("DECLARED", declarant, declaration, date=declared_on, declaration_type=kind)

    _positions(rec, declarant, sp.datosEmpleoCargoComision, sp.experienciaLaboral, kind, declared_on, seen)
    relatives = _relatives(rec, declarant, sp.datosPareja, sp.datosDependienteEconomico, seen)
    unlinked = _interests(rec, decl.declaracion.interes, declarant, relatives, seen)
    if unlinked:
        rec.entity("declaration", "Declaration", unlinked_representations=unlinked)
    return rec.build()


def _positions(rec: RecordBuilder, declarant: str, post: EmpleoActual, experience: ExperienciaLaboral | None,
               kind: str, declared_on: str, seen: dict[str, str]) -> None:
    for index, job in enumerate([post, *post.otroEmpleoCargoComision]):
        office = job.domicilioMexico.entidadFederativa if job.domicilioMexico else None
        body = public_body(rec, job.nombreEntePublico, order_of_government=job.nivelOrdenGobierno,
                           branch=job.ambitoPublico, state=(office.clave or office.valor) if office else None)
        if body is None:
            continue
        concluded = kind == "conclusión" and index == 0
        rec.relate("HOLDS_POSITION", declarant, body, key=None if index == 0 else f"other:{index}",
                   role=job.empleoCargoComision, level=job.nivelEmpleoCargoComision, area=job.areaAdscripcion,
                   start=iso_date(job.fechaTomaPosesion), start_raw=_raw_if_unread(job.fechaTomaPosesion),
                   end=declared_on if concluded else None,
                   end_basis="conclusion declaration date (upper bound)" if concluded else None,
                   status="concluded" if concluded else "held", fee_based=job.contratadoPorHonorarios,
                   operation=job.tipoOperacion, **seen)
    for exp in experience.experiencia if experience and not experience.ninguno else []:
        sector = (exp.ambitoSector.clave if exp.ambitoSector else None) or ("PUB" if exp.nombreEntePublico else None)
        if sector != "PUB":
            continue  # private employment: no employment relationship in the graph schema
        body = public_body(rec, exp.nombreEntePublico, order_of_government=exp.nivelOrdenGobierno)
        if body is None:
            continue
        start = iso_date(exp.fechaIngreso)
        rec.relate("HOLDS_POSITION", declarant, body, key=f"experience:{start or exp.empleoCargoComision}",
                   role=exp.empleoCargoComision, area=exp.areaAdscripcion, start=start, end=iso_date(exp.fechaEgreso),
                   end_raw=_raw_if_unread(exp.fechaEgreso), previous=True, status="ended", **seen)


def _raw_if_unread(value: str | None) -> str | None:
    return value if value and iso_date(value) is None else None


def _relatives(rec: RecordBuilder, declarant: str, pareja: Pareja | None, deps: Dependientes | None,
               seen: dict[str, str]) -> dict[str, list[str]]:
    """Mention the spouse and dependants; return their refs by ``tipoRelacion``."""
    found: dict[str, list[str]] = {"PAREJA": [], "DEPENDIENTE_ECONOMICO": []}
    key = f"s1:{rec.record_id}"  # one observation per declaration: periods come from their sequence
    if pareja and not pareja.ninguno:
        spouse = person(rec, "spouse", pareja.nombre, pareja.primerApellido, pareja.segundoApellido,
                        pareja.rfc, pareja.curp, birth_date=iso_date(pareja.fechaNacimiento))
        if spouse:
            if pareja.tipoOperacion != "BAJA":
                found["PAREJA"].append(spouse)
            declared = pareja.relacionConDeclarante
            rec.relate("FAMILY_OF", declarant, spouse, key=key, relation=_SPOUSE.get(declared or "", "spouse"),
                       declared_relation=declared, **_observed(pareja.tipoOperacion, seen))
    for index, dep in enumerate(deps.dependienteEconomico if deps and not deps.ninguno else []):
        ref = person(rec, f"dependant:{index}", dep.nombre, dep.primerApellido, dep.segundoApellido,
                     dep.rfc, dep.curp, birth_date=iso_date(dep.fechaNacimiento))
        if ref:
            if dep.tipoOperacion != "BAJA":
                found["DEPENDIENTE_ECONOMICO"].append(ref)
            code = dep.parentescoRelacion.clave if dep.parentescoRelacion else None
            rec.relate("FAMILY_OF", declarant, ref, key=key, relation=_KINSHIP.get(code or "", "dependant"),
                       declared_relation=code, dependant=True, **_observed(dep.tipoOperacion, seen))
    return found


def _observed(operation: str | None, seen: dict[str, str]) -> dict[str, Any]:
    """What one declaration says of a tie: when it was declared, and whether it ended (BAJA)."""
    ended = operation == "BAJA"
    return {"operation": operation, "end": seen["declared_on"] if ended else None,
            "end_basis": "BAJA in this declaration (upper bound)" if ended else None, **seen}


def _holder(declarant: str, relatives: dict[str, list[str]], tipo: str | None) -> tuple[str, bool]:
    """(who holds the interest, whether the declaration names that person exactly)."""
    if tipo in (None, "DECLARANTE"):
        return declarant, True
    named = relatives.get(tipo, [])
    return (named[0], True) if len(named) == 1 else (declarant, False)


def _interests(rec: RecordBuilder, interes: Interes | None, declarant: str, relatives: dict[str, list[str]],
               seen: dict[str, str]) -> int:
    if interes is None:
        return 0
    key = f"s1:{rec.record_id}"  # one observation per declaration: periods come from their sequence
    for item in interes.participacion.participacion if interes.participacion else []:
        company = organisation(rec, item.nombreEmpresaSociedadAsociacion, item.rfc,
                               sector=item.sector.valor if item.sector else None)
        if company is None:
            continue
        holder, named = _holder(declarant, relatives, item.tipoRelacion)
        code = item.tipoParticipacion.clave if item.tipoParticipacion else None
        common = _common(item.tipoOperacion, item.tipoRelacion, named, seen)
        if code in _ROLES:
            rel, role = _ROLES[code]
            rec.relate(rel, holder, company, key=key, role=role, **common)
        else:
            rec.relate("OWNS", holder, company, key=key, share=item.porcentajeParticipacion,
                       participation=_OWNERSHIP.get(code or "", code), **common)
    for dec in interes.participacionTomaDecisiones.participacion if interes.participacionTomaDecisiones else []:
        org = organisation(rec, dec.nombreInstitucion, dec.rfc,
                           organisation_type=dec.tipoInstitucion.valor if dec.tipoInstitucion else None)
        if org is None:
            continue
        holder, named = _holder(declarant, relatives, dec.tipoRelacion)
        rec.relate("DIRECTS", holder, org, key=key, role=dec.puestoRol, start=iso_date(dec.fechaInicioParticipacion),
                   **_common(dec.tipoOperacion, dec.tipoRelacion, named, seen))
    unlinked = 0
    for rep in interes.representacion.representacion if interes.representacion else []:
        if rep.tipoRepresentacion == "REPRESENTADO" or rep.tipoPersona == "FISICA":
            unlinked += 1  # no relationship in the schema for being represented / representing a person
            continue
        party = organisation(rec, rep.nombreRazonSocial, rep.rfc)
        if party is None:
            continue
        holder, named = _holder(declarant, relatives, rep.tipoRelacion)
        rec.relate("REPRESENTS", holder, party, key=key, role="representante",
                   start=iso_date(rep.fechaInicioRepresentacion),
                   **_common(rep.tipoOperacion, rep.tipoRelacion, named, seen))
    for client in interes.clientesPrincipales.cliente if interes.clientesPrincipales else []:
        holder, named = _holder(declarant, relatives, client.tipoRelacion)
        business = client.empresa or Empresa()
        own = organisation(rec, business.nombreEmpresaServicio, business.rfc)
        if own is not None:
            rec.relate("OWNS", holder, own, key=key, basis="clientesPrincipales",
                       **_common(client.tipoOperacion, client.tipoRelacion, named, seen))
        counter = client.clientePrincipal
        if counter is not None:
            owner = business.nombreEmpresaServicio or "the declarant"
            if counter.tipoPersona == "FISICA":
                ids, props = identifiers(counter.rfc)
                if counter.nombreRazonSocial or ids:
                    rec.entity(f"client:{fold(counter.nombreRazonSocial or '')}:{ids.get('rfc')}", "Person",
                               name=counter.nombreRazonSocial, identifiers=ids, client_of=owner,
                               client_of_rfc=business.rfc, **props)
            else:
                organisation(rec, counter.nombreRazonSocial, counter.rfc, client_of=owner, client_of_rfc=business.rfc)
    return unlinked


def _common(operation: str | None, tipo: str | None, direct: bool, seen: dict[str, str]) -> dict[str, Any]:
    return {"relation_type": tipo or "DECLARANTE", "direct": direct, **_observed(operation, seen)}


class PDNS1Source:
    kind = KIND
    topic = TOPIC

    def read(self, path: Path) -> Iterator[RawRecord]:
        return split_pdn(path, "S1 declaration")

    @staticmethod
    def normalize(value: bytes, ctx: RecordContext) -> CanonicalRecord:
        return normalize(value, ctx)


SOURCE = PDNS1Source()
