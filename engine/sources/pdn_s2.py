"""PDN S2: public officials who take part in public procurement, in the two API versions in
use. The version is told by the record's shape.

- **v1.1** (``POST /v1/spic``, page ``{"pagination", "results"}``): flat records ``nombres,
  primerApellido, segundoApellido, rfc, curp``, ``institucionDependencia``, ``puesto``,
  ``tipoProcedimiento[]``, ``tipoArea[]``, ``nivelResponsabilidad[]``, ``superiorInmediato``.
  They say who *may* intervene, not in which procedure: the official (``Person``), the
  institution (``PublicBody``) and ``HOLDS_POSITION`` (role, level, ``fiscal_year``, the
  procedure types, areas and responsibilities as lists); the immediate superior too, as a
  ``Person`` holding a position in the same body. No ``INTERVENED_IN``.
- **v2** (Directus, ``{"data": [...], "meta"}``): ``datosGenerales``, ``entePublico``,
  ``empleoCargoComision``, ``tipoProcedimiento`` and the procedures under
  ``tipoContratacion[].contratacionAdquisicion`` / ``contratacionObra``,
  ``otorgamientoConcesion``, ``enajenacionBien`` and ``avaluosJustipreciacion``. Each procedure
  (``numeroExpedienteFolio``) becomes a ``ContractingProcess`` with ``INTERVENED_IN`` (role =
  the area, ``responsibilities`` = the levels of responsibility, ``procedure_type``,
  ``matter``, ``start``/``end`` of the procedure, ``still_participating``); the beneficiaries
  named (``informacionPersonasBeneficiarias``: ``razonSocial`` → ``Company``, else a ``Person``;
  the concession holder) → ``TENDERED`` the process with ``beneficiary`` = true.

Procedure keys: S2 gives no OCDS ``ocid``. A ``numeroExpedienteFolio`` that *is* an ocid
(``ocds-xxxxxx-…``, the OCDS prefix pattern) gives the key ``ocds:<ocid>`` — the same node as
the OCDS process. Any other folio (e.g. a CompraNet procedure number such as
``LO-009KDH999-N79-2015``) gives ``pdn-s2:procedure:<folded folio>`` with the folio in the
``folio`` property, for a later matcher to link to the OCDS award or tender that carries it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from engine.canonical import CanonicalRecord, RecordBuilder
from engine.sources.base import RawRecord, RecordContext, RecordError, load_json_object
from engine.sources.pdn_s1 import (
    NonEmpty,
    PDNModel,
    Text,
    fold,
    iso_date,
    organisation,
    person,
    public_body,
    split_pdn,
    validation_error,
)

__all__ = ["KIND", "SOURCE", "TOPIC", "normalize", "api_version", "procedure_key"]

KIND = "pdn-s2"
TOPIC = "raw.pdn-s2"
OCID = re.compile(r"^ocds-[0-9a-z]{6}-\S+$", re.IGNORECASE)


class Clave(PDNModel):
    clave: Text = None
    valor: Text = None


class Institucion(PDNModel):
    nombre: NonEmpty
    siglas: Text = None
    clave: Text = None


class Puesto(PDNModel):
    nombre: Text = None
    nivel: Text = None


class Superior(PDNModel):
    nombres: Text = None
    primerApellido: Text = None  # noqa: N815
    segundoApellido: Text = None  # noqa: N815
    curp: Text = None
    rfc: Text = None
    puesto: Puesto | None = None


class RecordV1(PDNModel):
    id: NonEmpty
    fechaCaptura: Text = None  # noqa: N815
    ejercicioFiscal: Text = None  # noqa: N815
    nombres: NonEmpty
    primerApellido: NonEmpty  # noqa: N815
    segundoApellido: Text = None  # noqa: N815
    rfc: Text = None
    curp: Text = None
    institucionDependencia: Institucion  # noqa: N815
    puesto: Puesto
    tipoArea: list[Clave] = Field(default_factory=list)  # noqa: N815
    nivelResponsabilidad: list[Clave] = Field(default_factory=list)  # noqa: N815
    tipoProcedimiento: list[Clave] = Field(min_length=1)  # noqa: N815
    superiorInmediato: Superior | None = None  # noqa: N815


class DatosGenerales(PDNModel):
    nombre: NonEmpty
    primerApellido: NonEmpty  # noqa: N815
    segundoApellido: Text = None  # noqa: N815
    curp: Text = None
    rfc: Text = None
    sexo: Text = None


class Ente(PDNModel):
    nombre: Text = None


class EmpleoV2(PDNModel):
    nombreEntePublico: Text = None  # noqa: N815
    siglasEntePublico: Text = None  # noqa: N815
    areaAdscripcion: Text = None  # noqa: N815
    denominacion: Text = None
    nivelJerarquico: Clave | None = None  # noqa: N815
    nivelOrdenGobierno: Text = None  # noqa: N815
    ambitoPublico: Text = None  # noqa: N815
    entidadFederativa: Text = None  # noqa: N815


class Beneficiario(PDNModel):
    razonSocial: Text = None  # noqa: N815
    nombre: Text = None
    primerApellido: Text = None  # noqa: N815
    segundoApellido: Text = None  # noqa: N815


class Procedimiento(PDNModel):
    numeroExpedienteFolio: NonEmpty  # noqa: N815
    tipoProcedimiento: Text = None  # noqa: N815
    materia: Text = None
    fechaInicioProcedimiento: Text = None  # noqa: N815
    fechaConclusionProcedimiento: Text = None  # noqa: N815
    fechaInicioVigencia: Text = None  # noqa: N815
    fechaConclusionVigencia: Text = None  # noqa: N815
    denominacion: Text = None
    descripcion: Text = None
    nombrePersonaFisica: Text = None  # noqa: N815
    denominacionPersonaMoral: Text = None  # noqa: N815


class Participacion(PDNModel):
    """One kind of act (acquisition, public works, concession, sale, appraisal)."""

    tipoArea: Text = None  # noqa: N815
    continuaParticipando: Text = None  # noqa: N815
    niveles: dict[str, Any] | None = None
    informacionPersonasBeneficiarias: Beneficiario | None = None  # noqa: N815
    procedimientos: list[Procedimiento] = Field(default_factory=list)


class RecordV2(PDNModel):
    id: NonEmpty
    fecha: Text = None
    ejercicio: Text = None
    datosGenerales: DatosGenerales  # noqa: N815
    entePublico: Ente | None = None  # noqa: N815
    empleoCargoComision: EmpleoV2 | None = None  # noqa: N815
    tipoProcedimiento: Text = None  # noqa: N815


# Where each kind of act keeps its levels of responsibility and its procedures.
_ACTS = {
    "contratacionAdquisicion": ("nivelResponsabilidadContratacion", "datosGeneralesProcedimientos"),
    "contratacionObra": ("nivelResponsabilidadObra", "datosGeneralesObra"),
    "otorgamientoConcesion": ("nivelResponsabilidadConcesiones", "datosGeneralesConcesiones"),
    "enajenacionBien": ("nivelesResponsabilidadesEnajenaciones", "datosEnajenacionesBienes"),
    "avaluosJustipreciacion": ("nivelesResponsabilidadesAvaluos", "datosDictaminacionesAvaluos"),
}


def api_version(record: dict[str, Any]) -> str:
    """``"v2"`` for the Directus shape (``datosGenerales``), ``"v1"`` for the flat one."""
    if "datosGenerales" in record or "tipoContratacion" in record or "empleoCargoComision" in record:
        return "v2"
    if "nombres" in record or "institucionDependencia" in record:
        return "v1"
    raise RecordError("S2 record is neither v1.1 (no 'nombres'/'institucionDependencia') nor v2 (no "
                      "'datosGenerales'/'tipoContratacion')")


def procedure_key(folio: str) -> str:
    folio = folio.strip()
    if OCID.match(folio):
        return f"ocds:{folio}"
    return f"pdn-s2:procedure:{fold(folio).replace(' ', '-')}"


def normalize(value: bytes, ctx: RecordContext) -> CanonicalRecord:
    raw = load_json_object(value, "S2 record")
    version = api_version(raw)
    label = f"S2 {version} record {raw.get('id')!r}" if raw.get("id") is not None else f"S2 {version} record"
    try:
        return _v1(RecordV1.model_validate(raw), ctx) if version == "v1" else _v2(raw, ctx, label)
    except ValidationError as exc:
        raise validation_error(exc, label) from exc


def _v1(r: RecordV1, ctx: RecordContext) -> CanonicalRecord:
    seen = r.fechaCaptura or ctx.published_at or f"{r.ejercicioFiscal or '1970'}-01-01"
    rec = RecordBuilder(KIND, r.id, seen, dataset=ctx.source, locator=ctx.locator)
    official = person(rec, "official", r.nombres, r.primerApellido, r.segundoApellido, r.rfc, r.curp)
    inst = r.institucionDependencia
    body = public_body(rec, inst.nombre, acronym=inst.siglas, code=inst.clave)
    assert official and body
    rec.relate("HOLDS_POSITION", official, body, role=r.puesto.nombre, level=r.puesto.nivel,
               fiscal_year=r.ejercicioFiscal, api_version="v1", observed_on=iso_date(r.fechaCaptura),
               procedure_types=[p.valor or str(p.clave) for p in r.tipoProcedimiento],
               areas=[a.valor or a.clave for a in r.tipoArea if a.valor or a.clave],
               responsibilities=[n.valor or n.clave for n in r.nivelResponsabilidad if n.valor or n.clave])
    sup = r.superiorInmediato
    if sup is not None:
        boss = person(rec, "superior", sup.nombres, sup.primerApellido, sup.segundoApellido, sup.rfc, sup.curp)
        if boss:
            rec.relate("HOLDS_POSITION", boss, body, role=sup.puesto.nombre if sup.puesto else None,
                       level=sup.puesto.nivel if sup.puesto else None, fiscal_year=r.ejercicioFiscal,
                       api_version="v1", superior_of=rec.record_id)
    return rec.build()


def _v2(raw: dict[str, Any], ctx: RecordContext, label: str) -> CanonicalRecord:
    r = RecordV2.model_validate(raw)
    seen = raw.get("date_updated") or raw.get("date_created") or r.fecha or ctx.published_at \
        or f"{r.ejercicio or '1970'}-01-01"
    rec = RecordBuilder(KIND, r.id, str(seen), dataset=ctx.source, locator=ctx.locator)
    g = r.datosGenerales
    official = person(rec, "official", g.nombre, g.primerApellido, g.segundoApellido, g.rfc, g.curp, sex=g.sexo)
    job = r.empleoCargoComision or EmpleoV2()
    body_name = job.nombreEntePublico or (r.entePublico.nombre if r.entePublico else None)
    body = public_body(rec, body_name, acronym=job.siglasEntePublico, order_of_government=job.nivelOrdenGobierno,
                       branch=job.ambitoPublico, state=job.entidadFederativa)
    if body is None:
        raise RecordError(f"{label}: empleoCargoComision.nombreEntePublico: missing (and no entePublico.nombre): "
                          "the official's institution is unknown")
    assert official
    rec.relate("HOLDS_POSITION", official, body, role=job.denominacion, area=job.areaAdscripcion,
               level=job.nivelJerarquico.clave if job.nivelJerarquico else None, fiscal_year=r.ejercicio,
               api_version="v2", observed_on=iso_date(r.fecha))
    for act, part, where in _acts(raw):
        for proc in part.procedimientos:
            _procedure(rec, official, act, part, proc, r, where)
    return rec.build()


def _acts(raw: dict[str, Any]) -> Iterator[tuple[str, Participacion, str]]:
    """Every (kind of act, typed participation, field path) in a v2 record."""
    candidates: list[tuple[str, Any, str]] = []
    types = raw.get("tipoContratacion")
    if types is not None and not isinstance(types, list):
        raise RecordError("S2 v2 record: tipoContratacion: expected a list")
    for i, item in enumerate(types or []):
        if not isinstance(item, dict):
            raise RecordError(f"S2 v2 record: tipoContratacion[{i}]: expected an object")
        for act in ("contratacionAdquisicion", "contratacionObra"):
            candidates.append((act, item.get(act), f"tipoContratacion[{i}].{act}"))
    for act in ("otorgamientoConcesion", "enajenacionBien", "avaluosJustipreciacion"):
        candidates.append((act, raw.get(act), act))
    for act, body, where in candidates:
        if body is None:
            continue
        if not isinstance(body, dict):
            raise RecordError(f"S2 v2 record: {where}: expected an object, got {type(body).__name__}")
        levels_field, procs_field = _ACTS[act]
        procs = body.get(procs_field)
        procs = procs if isinstance(procs, list) else [procs] if isinstance(procs, dict) else []
        try:
            part = Participacion.model_validate({
                **body, "niveles": body.get(levels_field) if isinstance(body.get(levels_field), dict) else None,
                "procedimientos": procs,
            })
        except ValidationError as exc:
            raise validation_error(exc, f"S2 v2 record: {where}") from exc
        yield act, part, where


def _procedure(rec: RecordBuilder, official: str, act: str, part: Participacion, proc: Procedimiento,
               r: RecordV2, where: str) -> None:
    key = procedure_key(proc.numeroExpedienteFolio)
    start = iso_date(proc.fechaInicioProcedimiento) or iso_date(proc.fechaInicioVigencia)
    end = iso_date(proc.fechaConclusionProcedimiento) or iso_date(proc.fechaConclusionVigencia)
    procedure_type = proc.tipoProcedimiento or r.tipoProcedimiento
    process = rec.entity(f"process:{key}", "ContractingProcess", key=key,
                         name=proc.denominacion or proc.descripcion or proc.numeroExpedienteFolio,
                         folio=proc.numeroExpedienteFolio, ocid=key[5:] if key.startswith("ocds:") else None,
                         procedure_type=procedure_type, matter=proc.materia, act=act)
    levels = {k: v for k, v in (part.niveles or {}).items() if isinstance(v, str) and k not in ("id",)}
    rec.relate("INTERVENED_IN", official, process, role=part.tipoArea, procedure_type=procedure_type,
               matter=proc.materia, act=act, start=start, end=end,
               responsibilities=[f"{k}: {v}" for k, v in sorted(levels.items())],
               still_participating=part.continuaParticipando, fiscal_year=r.ejercicio, api_version="v2")
    holders = [part.informacionPersonasBeneficiarias or Beneficiario(),
               Beneficiario(razonSocial=proc.denominacionPersonaMoral, nombre=proc.nombrePersonaFisica)]
    for ben in holders:
        if ben.razonSocial:
            who = organisation(rec, ben.razonSocial)
        elif ben.nombre and not ben.primerApellido:  # one full name, as concessions give it
            who = rec.entity(f"beneficiary:{fold(ben.nombre)}", "Person", name=" ".join(ben.nombre.split()))
        else:
            who = person(rec, f"beneficiary:{fold(ben.nombre or '')}:{fold(ben.primerApellido or '')}", ben.nombre,
                         ben.primerApellido, ben.segundoApellido)
        if who:
            rec.relate("TENDERED", who, process, beneficiary=True, source_field=where)


class PDNS2Source:
    kind = KIND
    topic = TOPIC

    def read(self, path: Path) -> Iterator[RawRecord]:
        return split_pdn(path, "S2")

    @staticmethod
    def normalize(value: bytes, ctx: RecordContext) -> CanonicalRecord:
        return normalize(value, ctx)


SOURCE = PDNS2Source()
