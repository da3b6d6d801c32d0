"""PDN S3: sanctioned public officials and sanctioned private persons and companies, in the
two API versions in use. A record's kind and version are told by its shape:

| shape | version, collection | sanctioned |
|---|---|---|
| ``servidorPublicoSancionado`` | v1.1 ``ssancionados`` | official (``Person``) + ``HOLDS_POSITION`` |
| ``particularSancionado`` | v1.1 ``psancionados`` | ``Company`` (``tipoPersona`` M) or ``Person`` (F) |
| ``datosGenerales.nombreRazonSocial`` or ``datosDirGeneralReprLegal`` | v2 ``…_personas_morales`` | ``Company`` |
| ``empleoCargoComision`` | v2 ``faltas_administrativas_graves`` / ``_no_graves`` | official + ``HOLDS_POSITION`` |
| ``dondeCometioLaFalta`` with ``datosGenerales.nombres`` | v2 ``faltas_graves_personas_fisicas`` | ``Person`` |

Each record becomes a ``Sanction`` (key ``pdn-s3:<collection>:<id>``; ``program``,
``authority``, ``type`` (the sanctions as declared, joined), ``types`` (their codes), ``start``
/ ``end`` of the disqualification (``inhabilitacion``; else of a suspension), ``reason`` (the
facts), ``fault``, ``status`` ("firme" when a final resolution date is given, else "resuelta"),
resolution and notification dates, fine, ``institution`` where the fault happened, ``severity``
for v2 officials) with ``SANCTIONED`` → the sanctioned party. A company's director general and
legal representative (v1 ``directorGeneral`` / ``apoderadoLegal``, v2 ``datosDirGeneralReprLegal``)
become ``Person`` with ``DIRECTS`` / ``REPRESENTS``; its address (``domicilioMexico``, when it
names a street) an ``Address`` shared with every entity at the same address.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError

from engine.canonical import CanonicalRecord, RecordBuilder
from engine.sources.base import RawRecord, RecordContext, RecordError, load_json_object, number, text
from engine.sources.ocds import address_key
from engine.sources.pdn_s1 import (
    NonEmpty,
    PDNModel,
    Text,
    identifiers,
    iso_date,
    organisation,
    person,
    person_name,
    public_body,
    split_pdn,
    validation_error,
)

__all__ = ["KIND", "SOURCE", "TOPIC", "normalize", "record_kind"]

KIND = "pdn-s3"
TOPIC = "raw.pdn-s3"
_NO_GRAVES = {"AMONESTACION", "CUMPLIR_FUNCIONES", "DENUNCIAR_FALTAS", "ATENDER_INSTRUCCIONES", "DECLARACIONES",
              "CUSTODIAR_DOCUMENTACION", "SUPERVISAR_ART_49_LGRA", "RENDIR_CUENTAS", "COLABORAR_PROCEDIMIENTOS",
              "CAUSAR_DANOS"}


class Clave(PDNModel):
    clave: Text = None
    valor: Text = None
    descripcion: Text = None


class Institucion(PDNModel):
    nombre: NonEmpty
    siglas: Text = None


class Sancionado(PDNModel):
    nombres: NonEmpty
    primerApellido: NonEmpty  # noqa: N815
    segundoApellido: Text = None  # noqa: N815
    rfc: Text = None
    curp: Text = None
    puesto: Text = None
    nivel: Text = None


class Periodo(PDNModel):
    plazo: Text = None
    fechaInicial: Text = None  # noqa: N815
    fechaFinal: Text = None  # noqa: N815


class ServidorV1(PDNModel):
    id: NonEmpty
    fechaCaptura: Text = None  # noqa: N815
    expediente: Text = None
    institucionDependencia: Institucion  # noqa: N815
    servidorPublicoSancionado: Sancionado  # noqa: N815
    autoridadSancionadora: Text = None  # noqa: N815
    tipoFalta: Clave | None = None  # noqa: N815
    tipoSancion: list[Clave] = Field(min_length=1)  # noqa: N815
    causaMotivoHechos: Text = None  # noqa: N815
    inhabilitacion: Periodo | None = None


class Persona(PDNModel):
    nombres: Text = None
    nombre: Text = None
    primerApellido: Text = None  # noqa: N815
    segundoApellido: Text = None  # noqa: N815
    curp: Text = None
    rfc: Text = None


class Particular(PDNModel):
    nombreRazonSocial: NonEmpty  # noqa: N815
    tipoPersona: Literal["F", "M"]  # noqa: N815
    rfc: Text = None
    objetoSocial: Text = None  # noqa: N815
    directorGeneral: Persona | None = None  # noqa: N815
    apoderadoLegal: Persona | None = None  # noqa: N815


class ParticularV1(PDNModel):
    id: NonEmpty
    fechaCaptura: Text = None  # noqa: N815
    expediente: Text = None
    institucionDependencia: Institucion | None = None  # noqa: N815
    particularSancionado: Particular  # noqa: N815
    autoridadSancionadora: NonEmpty  # noqa: N815
    tipoFalta: Text = None  # noqa: N815
    tipoSancion: list[Clave] = Field(min_length=1)  # noqa: N815
    causaMotivoHechos: Text = None  # noqa: N815
    inhabilitacion: Periodo | None = None


class SancionV2(PDNModel):
    clave: Text = None
    inhabilitacion: Periodo | None = None
    suspensionEmpleo: Periodo | None = None  # noqa: N815
    suspensionActividades: Periodo | None = None  # noqa: N815
    sancionEconomica: dict[str, Any] | None = None  # noqa: N815
    otro: dict[str, Any] | None = None


class FaltaV2(PDNModel):
    clave: Text = None
    valor: Text = None
    descripcionHechos: Text = None  # noqa: N815


class DatosGeneralesV2(PDNModel):
    nombres: Text = None
    primerApellido: Text = None  # noqa: N815
    segundoApellido: Text = None  # noqa: N815
    curp: Text = None
    rfc: Text = None
    nombreRazonSocial: Text = None  # noqa: N815
    objetoSocial: Text = None  # noqa: N815


class ItemV2(PDNModel):
    id: NonEmpty
    fecha: Text = None
    expediente: Text = None
    datosGenerales: DatosGeneralesV2  # noqa: N815
    entePublico: Clave | dict[str, Any] | None = None  # noqa: N815
    tipoSancion: list[SancionV2] = Field(default_factory=list)  # noqa: N815
    faltaCometida: list[FaltaV2 | None] = Field(default_factory=list)  # noqa: N815


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def record_kind(record: dict[str, Any], source: str = "") -> tuple[str, str]:
    """(collection, what is sanctioned: "official" | "private") told by the record's shape, with
    the file name as a hint for v2 officials' severity only."""
    general = _obj(record.get("datosGenerales"))
    if "servidorPublicoSancionado" in record:
        return "ssancionados", "official"
    if "particularSancionado" in record:
        return "psancionados", "private"
    if "datosDirGeneralReprLegal" in record or "nombreRazonSocial" in general:
        return "faltas_graves_personas_morales", "private"
    if "empleoCargoComision" in record:
        return ("faltas_administrativas_no_graves" if _no_grave(record, source)
                else "faltas_administrativas_graves"), "official"
    if "dondeCometioLaFalta" in record or "nombres" in general:
        return "faltas_graves_personas_fisicas", "private"
    raise RecordError("S3 record of unknown shape: none of servidorPublicoSancionado, particularSancionado (v1.1), "
                      "datosGenerales with empleoCargoComision / nombreRazonSocial / dondeCometioLaFalta (v2)")


def _no_grave(record: dict[str, Any], source: str) -> bool:
    codes = {s.get("clave") for s in record.get("tipoSancion") or [] if isinstance(s, dict)}
    codes |= {f.get("clave") for f in record.get("faltaCometida") or [] if isinstance(f, dict)}
    return bool(codes & _NO_GRAVES) or "no_graves" in source or "no-graves" in source


def normalize(value: bytes, ctx: RecordContext) -> CanonicalRecord:
    raw = load_json_object(value, "S3 record")
    collection, _ = record_kind(raw, ctx.source)
    label = f"S3 {collection} record {raw.get('id')!r}" if raw.get("id") is not None else f"S3 {collection} record"
    try:
        if collection == "ssancionados":
            return _official_v1(ServidorV1.model_validate(raw), raw, ctx)
        if collection == "psancionados":
            return _private_v1(ParticularV1.model_validate(raw), raw, ctx)
        return _v2(ItemV2.model_validate(raw), raw, collection, ctx, label)
    except ValidationError as exc:
        raise validation_error(exc, label) from exc


def _builder(collection: str, ident: str, seen: str | None, ctx: RecordContext) -> RecordBuilder:
    published = seen or ctx.published_at or "1970-01-01"
    return RecordBuilder(KIND, f"{collection}:{ident}", published, dataset=ctx.source, locator=ctx.locator)


def _sanction(rec: RecordBuilder, collection: str, ident: str, target: str, name: str | None, **props: Any) -> None:
    program = "PDN-S3 servidores sancionados" if collection.startswith(("ss", "faltas_adm")) \
        else "PDN-S3 particulares sancionados"
    ref = rec.entity("sanction", "Sanction", key=f"pdn-s3:{collection}:{ident}", name=name, program=program,
                     collection=collection, **props)
    rec.relate("SANCTIONED", ref, target)


def _official_v1(r: ServidorV1, raw: dict[str, Any], ctx: RecordContext) -> CanonicalRecord:
    rec = _builder("ssancionados", r.id, r.fechaCaptura, ctx)
    s = r.servidorPublicoSancionado
    official = person(rec, "sanctioned", s.nombres, s.primerApellido, s.segundoApellido, s.rfc, s.curp)
    body = public_body(rec, r.institucionDependencia.nombre, acronym=r.institucionDependencia.siglas)
    assert official and body
    rec.relate("HOLDS_POSITION", official, body, role=s.puesto, level=s.nivel, api_version="v1",
               observed_on=iso_date(r.fechaCaptura))
    period = r.inhabilitacion or Periodo()
    resolution = _obj(raw.get("resolucion"))
    fine = _obj(raw.get("multa"))
    _sanction(rec, "ssancionados", r.id, official, person_name(s.nombres, s.primerApellido, s.segundoApellido),
              authority=r.autoridadSancionadora, type="; ".join(t.valor or t.clave or "" for t in r.tipoSancion),
              types=[t.clave for t in r.tipoSancion if t.clave], fault=r.tipoFalta.valor if r.tipoFalta else None,
              reason=r.causaMotivoHechos, start=iso_date(period.fechaInicial), end=iso_date(period.fechaFinal),
              term=period.plazo, status="resuelta", resolution_date=iso_date(resolution.get("fechaResolucion")),
              fine_amount=number(fine.get("monto")), fine_currency=text((fine.get("moneda") or {}).get("clave"))
              if isinstance(fine.get("moneda"), dict) else None,
              case_file=r.expediente, institution=r.institucionDependencia.nombre, api_version="v1")
    return rec.build()


def _private_v1(r: ParticularV1, raw: dict[str, Any], ctx: RecordContext) -> CanonicalRecord:
    rec = _builder("psancionados", r.id, r.fechaCaptura, ctx)
    p = r.particularSancionado
    if p.tipoPersona == "M":
        target = organisation(rec, p.nombreRazonSocial, p.rfc, purpose=p.objetoSocial)
        for role, rel, who in (("director general", "DIRECTS", p.directorGeneral),
                               ("apoderado legal", "REPRESENTS", p.apoderadoLegal)):
            if who is not None:
                ref = person(rec, f"person:{role}", who.nombres, who.primerApellido, who.segundoApellido,
                             who.rfc, who.curp)
                if ref and target:
                    rec.relate(rel, ref, target, role=role, observed_on=iso_date(r.fechaCaptura))
    else:
        ids, id_props = identifiers(p.rfc)
        target = rec.entity("sanctioned", "Person", name=" ".join(p.nombreRazonSocial.split()), identifiers=ids,
                            **id_props)
    assert target
    _address_v1(rec, target, raw.get("particularSancionado", {}).get("domicilioMexico"))
    period = r.inhabilitacion or Periodo()
    resolution = _obj(raw.get("resolucion"))
    fine = _obj(raw.get("multa"))
    _sanction(rec, "psancionados", r.id, target, p.nombreRazonSocial, authority=r.autoridadSancionadora,
              type="; ".join(t.valor or t.clave or "" for t in r.tipoSancion),
              types=[t.clave for t in r.tipoSancion if t.clave], fault=r.tipoFalta, reason=r.causaMotivoHechos,
              start=iso_date(period.fechaInicial), end=iso_date(period.fechaFinal), term=period.plazo,
              status="resuelta", notification_date=iso_date(resolution.get("fechaNotificacion")),
              fine_amount=number(fine.get("monto")), case_file=r.expediente,
              institution=r.institucionDependencia.nombre if r.institucionDependencia else None,
              contract_object=text(raw.get("objetoContrato")), api_version="v1")
    return rec.build()


def _address_v1(rec: RecordBuilder, owner: str, dom: Any) -> None:
    if not isinstance(dom, dict):
        return

    def val(field: str) -> str | None:
        v = dom.get(field)
        return text(v.get("valor")) if isinstance(v, dict) else text(v)

    street = person_name(val("vialidad"), text(dom.get("numeroExterior")), text(dom.get("numeroInterior")))
    _address(rec, owner, street, val("localidad"), val("municipio"), val("entidadFederativa"),
             text(dom.get("codigoPostal")))


def _address(rec: RecordBuilder, owner: str, street: str | None, locality: str | None, municipality: str | None,
             region: str | None, postal_code: str | None) -> None:
    if not street:
        return
    full = ", ".join(p for p in (street, locality, municipality, region, postal_code, "México") if p)
    ref = rec.entity(f"address:{full}", "Address", key=address_key(full), name=full, full=full, street=street,
                     locality=locality, municipality=municipality, region=region, postal_code=postal_code,
                     country="México")
    rec.relate("LOCATED_AT", owner, ref)


def _v2(r: ItemV2, raw: dict[str, Any], collection: str, ctx: RecordContext, label: str) -> CanonicalRecord:
    seen = raw.get("date_updated") or raw.get("date_created") or r.fecha
    rec = _builder(collection, r.id, str(seen) if seen else None, ctx)
    g = r.datosGenerales
    general = raw["datosGenerales"]
    props: dict[str, Any] = {}
    if collection == "faltas_graves_personas_morales":
        if not (g.nombreRazonSocial or "").strip():
            raise RecordError(f"{label}: datosGenerales.nombreRazonSocial: missing (the sanctioned company's name)")
        target = organisation(rec, g.nombreRazonSocial, g.rfc, purpose=g.objetoSocial)
        name = g.nombreRazonSocial
        reps = _obj(raw.get("datosDirGeneralReprLegal"))
        for field, role, rel in (("directorGeneral", "director general", "DIRECTS"),
                                 ("representanteLegal", "representante legal", "REPRESENTS")):
            who = reps.get(field)
            if isinstance(who, dict):  # an integer is a Directus relation id, not expanded
                p = Persona.model_validate(who)
                ref = person(rec, f"person:{role}", p.nombre or p.nombres, p.primerApellido, p.segundoApellido,
                             p.rfc, p.curp)
                if ref and target:
                    rec.relate(rel, ref, target, role=role, observed_on=iso_date(r.fecha))
    else:
        if not ((g.nombres or "").strip() and (g.primerApellido or "").strip()):
            raise RecordError(f"{label}: datosGenerales.nombres / primerApellido: missing (the sanctioned person's "
                              "name)")
        target = person(rec, "sanctioned", g.nombres, g.primerApellido, g.segundoApellido, g.rfc, g.curp,
                        sex=text(general.get("sexo")))
        name = person_name(g.nombres, g.primerApellido, g.segundoApellido)
    assert target
    dom = general.get("domicilioMexico")
    if isinstance(dom, dict):
        street = person_name(text(dom.get("tipoVialidad")), text(dom.get("nombreVialidad")),
                             text(dom.get("numeroExterior")), text(dom.get("numeroInterior")))
        _address(rec, target, street if text(dom.get("nombreVialidad")) else None, text(dom.get("coloniaLocalidad")),
                 text(dom.get("municipioAlcaldia")), text(dom.get("entidadFederativa")), text(dom.get("codigoPostal")))
    job = raw.get("empleoCargoComision") if isinstance(raw.get("empleoCargoComision"), dict) else None
    if job is not None:
        body = public_body(rec, text(job.get("nombreEntePublico")), acronym=text(job.get("siglasEntePublico")))
        level = job.get("nivelJerarquico")
        if body:
            rec.relate("HOLDS_POSITION", target, body, role=text(job.get("denominacion")),
                       area=text(job.get("areaAdscripcion")),
                       level=text(level.get("clave")) if isinstance(level, dict) else None,
                       api_version="v2", observed_on=iso_date(r.fecha))
        props["severity"] = "no grave" if collection.endswith("no_graves") else "grave"
    where = _obj(raw.get("dondeCometioLaFalta"))
    ente = _obj(raw.get("entePublico"))
    resolution = _obj(raw.get("resolucion"))
    periods = [p for s in r.tipoSancion for p in (s.inhabilitacion, s.suspensionEmpleo, s.suspensionActividades)
               if p is not None and (p.fechaInicial or p.fechaFinal)]
    period = periods[0] if periods else Periodo()
    faults = [f for f in r.faltaCometida if f is not None]
    firm = iso_date(resolution.get("fechaResolucionFirme"))
    _sanction(rec, collection, r.id, target, name,
              authority=text(resolution.get("autoridadResolutora")) or text(ente.get("nombre")),
              type="; ".join(s.clave for s in r.tipoSancion if s.clave), types=[s.clave for s in r.tipoSancion
                                                                                 if s.clave],
              fault="; ".join(f.valor or f.clave or "" for f in faults) or None,
              reason=" ".join(f.descripcionHechos or "" for f in faults).strip() or text(raw.get("observaciones")),
              start=iso_date(period.fechaInicial), end=iso_date(period.fechaFinal),
              status="firme" if firm else "resuelta", final_on=firm,
              resolution_date=iso_date(resolution.get("fechaResolucion")),
              notification_date=iso_date(resolution.get("fechaNotificacion")), case_file=r.expediente,
              institution=text(where.get("nombreEntePublico")), registered_by=text(ente.get("nombre")),
              api_version="v2", **props)
    return rec.build()


class PDNS3Source:
    kind = KIND
    topic = TOPIC

    def read(self, path: Path) -> Iterator[RawRecord]:
        return split_pdn(path, "S3")

    @staticmethod
    def normalize(value: bytes, ctx: RecordContext) -> CanonicalRecord:
        return normalize(value, ctx)


SOURCE = PDNS3Source()
