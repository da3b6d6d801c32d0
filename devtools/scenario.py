"""A synthetic but realistic conflict-of-interest scenario around the *real* OCDS data.

:func:`generate_scenario` reads the real OCDS files (``engine.sources.ocds``) to find the real
buyers (``PublicBody`` names) and their real suppliers (names, RFCs, contracts, ocids), then
writes what the PDN APIs would answer about officials of those buyers:

- ``s1/declaraciones-page-N.json`` — S1 v2 pages (INICIAL, MODIFICACIÓN, CONCLUSIÓN declarations,
  mixed as the API returns them; each item valid against the spec of its ``metadata.tipo``);
- ``s2/spic-v1-page-1.json`` (S2 v1.1) and ``s2/servidores-v2-page-1.json`` (S2 v2, Directus);
- ``s3/ssancionados-page-1.json``, ``s3/psancionados-page-1.json`` (S3 v1.1) and
  ``s3/faltas_graves_personas_morales-page-1.json``, ``s3/faltas_graves_personas_fisicas-page-1.json``,
  ``s3/faltas_administrativas_graves-page-1.json`` (S3 v2, Directus);
- ``bods/chain-ownership.json`` — BODS 0.4 statements for the company-to-company links of
  ownership chains (an S1 participation is always a person's: a company's holding in another
  company cannot be declared there, so the intermediate → supplier link is a BODS
  relationship statement, with both companies identified by ``MX-RFC``);
- ``truth.jsonl`` — one line per planted conflict and one per innocent official;
- ``summary.json`` — the counts (:class:`ScenarioSummary`).

Most officials are innocent (some with hard negatives: a company named like a supplier but with
another RFC; a stake in a supplier of *another* institution; a stake in a supplier of their
institution held only before the post began… see ``notes``). The planted kinds:
``direct_ownership``, ``spouse_ownership``, ``dependant_ownership``, ``directorship``,
``representation``, ``chain_ownership`` (official → intermediate company → supplier),
``s2_intervention`` (an official linked to the winner took part in the procedure, S2 v2),
``sanctioned_supplier`` (S3 disqualification of a supplier covering one of its contract dates),
``sanctioned_director`` (S3 sanction of a supplier's director general) and
``sanctioned_official`` (S3 sanction of an official of a buyer).

Names vary as in real data: legal forms spelt "S.A. de C.V." / "SA DE CV" / "Sociedad Anónima de
Capital Variable", accents dropped, upper case, names cut at 30 characters as CompraNet does,
typos, "PATERNO MATERNO NOMBRE" order for full names in one field. RFC and CURP check digits are
computed with python-stdnum; about 1.5% are deliberately wrong. Names come from the lists
below, not from Faker, so a seed gives the same files whatever library versions are installed.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from stdnum.mx import curp as _curp
from stdnum.mx import rfc as _rfc

from engine.entity_resolution.identifiers import parse_rfc, rfc_company_letters, rfc_person_letters
from engine.sources.base import RecordContext, RecordError
from engine.sources.ocds import SOURCE as OCDS

__all__ = ["ScenarioSummary", "generate_scenario", "summary", "load_market", "CONFLICT_KINDS"]

CONFLICT_KINDS = ("direct_ownership", "spouse_ownership", "dependant_ownership", "directorship", "representation",
                  "chain_ownership", "s2_intervention", "sanctioned_supplier", "sanctioned_director",
                  "sanctioned_official")
CAPTURE_SYSTEM = "Secretaría de la Función Pública"
PAGE_SIZE = 50

GIVEN_M = ("José", "Juan", "Luis", "Carlos", "Jorge", "Miguel Ángel", "Francisco", "Alejandro", "Roberto", "Héctor",
           "Raúl", "Sergio", "Fernando", "Ricardo", "Arturo", "Eduardo", "Óscar", "Javier", "Martín", "Rubén",
           "Andrés", "Gerardo", "Ramón", "Víctor Hugo", "Iván", "Ernesto", "Julián", "Tomás", "Efraín", "Joaquín")
GIVEN_F = ("María", "Guadalupe", "Juana", "Verónica", "Leticia", "Rosa María", "Patricia", "Elizabeth", "Alejandra",
           "Gabriela", "Adriana", "Claudia", "Mónica", "Araceli", "Norma", "Silvia", "Yolanda", "Lucía", "Beatriz",
           "Sofía", "Ximena", "Itzel", "Fernanda", "Mariana", "Daniela", "Inés", "Begoña", "Citlali", "Noemí", "Raquel")
SURNAMES = ("Hernández", "García", "Martínez", "López", "González", "Pérez", "Rodríguez", "Sánchez", "Ramírez", "Cruz",
            "Flores", "Gómez", "Morales", "Vázquez", "Reyes", "Jiménez", "Torres", "Díaz", "Gutiérrez", "Ruiz",
            "Mendoza", "Aguilar", "Ortiz", "Moreno", "Castillo", "Romero", "Álvarez", "Méndez", "Chávez", "Rivera",
            "Juárez", "Ramos", "Domínguez", "Herrera", "Medina", "Castro", "Vargas", "Guzmán", "Velázquez", "Muñoz",
            "Rojas", "Salazar", "Ibarra", "Núñez", "Peña", "Zúñiga", "Cervantes", "Téllez", "Ávila", "Olvera")
STATES = (("09", "Ciudad de México", "DF"), ("15", "México", "MC"), ("27", "Tabasco", "TC"), ("14", "Jalisco", "JC"),
          ("19", "Nuevo León", "NL"), ("21", "Puebla", "PL"), ("30", "Veracruz", "VZ"), ("31", "Yucatán", "YN"))
COMPANY_KINDS = ("Comercializadora", "Constructora", "Servicios", "Grupo", "Consultores", "Distribuidora",
                 "Ingeniería", "Soluciones", "Proveedora", "Desarrollos")
COMPANY_WORDS = ("Integral", "del Sureste", "del Bajío", "Azteca", "Omega", "Quetzal", "Textil", "Industrial",
                 "Ambiental", "Logística", "Médica", "Tecnológica", "Hidráulica", "Nacional", "Peninsular",
                 "Metropolitana", "Avanzada", "Global", "Corporativa", "Agroindustrial")
POSTS = (("Director General", "K11", "DG_HOMOLOGO"), ("Director de Área", "M33", "DIRECCION_HOMOLOGO"),
         ("Subdirector de Adquisiciones", "N11", "SUBDIRECCION_HOMOLOGO"),
         ("Jefe de Departamento de Recursos Materiales", "O11", "JEFATURA_DEPTO_HOMOLOGO"),
         ("Enlace de Contrataciones", "P11", "ENLACE_HOMOLOGO"), ("Coordinador Administrativo", "N22",
                                                                   "SUBDIRECCION_HOMOLOGO"),
         ("Analista de Licitaciones", "P13", "OPERATIVO_HOMOLOGO"))
DEPENDANT_CODES = (("HIJ", "HIJO (A)"), ("HIJ", "HIJO (A)"), ("MAD", "MADRE"), ("PAD", "PADRE"), ("HER", "HERMANO (A)"))
_LEGAL_FORM = re.compile(
    r"[\s,]*(?P<form>S\.?\s*A\.?\s*P\.?\s*I\.?\s*DE\s*C\.?\s*V\.?|S\.?\s*A\.?\s*DE\s*C\.?\s*V\.?|"
    r"S\.?\s*DE\s*R\.?\s*L\.?\s*DE\s*C\.?\s*V\.?|S\.?\s*C\.?|A\.?\s*C\.?)\s*$", re.IGNORECASE)
_FORMS = {
    "SA": ("S.A. de C.V.", "SA DE CV", "S.A. DE C.V.", "Sociedad Anónima de Capital Variable", "S.A. DE C.V"),
    "SAPI": ("S.A.P.I. de C.V.", "SAPI DE CV", "Sociedad Anónima Promotora de Inversión de Capital Variable"),
    "SRL": ("S. de R.L. de C.V.", "S DE RL DE CV", "Sociedad de Responsabilidad Limitada de Capital Variable"),
}


# -- the real market --------------------------------------------------------------------------
@dataclass
class Contract:
    key: str
    ocid: str
    signed: date
    folio: str  # what an S2 provider would write: the ocid when it has the OCDS prefix, else the award id


@dataclass
class Supplier:
    name: str
    rfc: str
    contracts: list[Contract] = field(default_factory=list)

    @property
    def first_award(self) -> date:
        return min(c.signed for c in self.contracts)


@dataclass
class Institution:
    name: str  # as the OCDS publisher names the buyer
    key: str
    suppliers: dict[str, Supplier] = field(default_factory=dict)
    contracts: list[Contract] = field(default_factory=list)

    @property
    def declared(self) -> str:
        """The employer as an official's declaration names it: the institution's own full name, never the
        buyer's string copied (see :func:`declared_institution`)."""
        return declared_institution(self.name)[0]

    @property
    def acronym(self) -> str:
        return declared_institution(self.name)[1]


# Federal institutions by the acronym publishers put in their units' names ("delegación SEDESOL en
# Tabasco"): what the generator knows of the world, to name an official's employer as PDN does.
FEDERAL_INSTITUTIONS = {
    "SEDESOL": "Secretaría de Desarrollo Social", "SAT": "Servicio de Administración Tributaria",
    "CONAGUA": "Comisión Nacional del Agua", "IMSS": "Instituto Mexicano del Seguro Social",
    "ISSSTE": "Instituto de Seguridad y Servicios Sociales de los Trabajadores del Estado",
    "SHCP": "Secretaría de Hacienda y Crédito Público", "SFP": "Secretaría de la Función Pública",
    "SEP": "Secretaría de Educación Pública", "SCT": "Secretaría de Comunicaciones y Transportes",
    "CFE": "Comisión Federal de Electricidad", "PEMEX": "Petróleos Mexicanos",
}


def declared_institution(buyer: str) -> tuple[str, str]:
    """(employer's name as a declaration gives it, its acronym or '') for an OCDS buyer's name.

    Real publishers name one institution differently: a buyer that is a unit named by its
    institution's acronym ("delegación SEDESOL en Tabasco") is, in the declaration, the institution
    itself ("Secretaría de Desarrollo Social"); a state-owned company loses its legal form and
    regains its accents; other names are written as capture systems do, in capitals without accents
    and with a note in parentheses.
    """
    from engine.entity_resolution.bodies import embedded_acronym
    from engine.entity_resolution.companies import parse_company_name

    acronym = embedded_acronym(buyer)
    if acronym in FEDERAL_INSTITUTIONS:
        return FEDERAL_INSTITUTIONS[acronym], acronym
    known = {v: k for k, v in FEDERAL_INSTITUTIONS.items()}
    if parse_company_name(buyer).legal_form:
        head = re.split(r",?\s+S\.?\s?A\.?\b", buyer)[0].strip()
        return head.replace("Mexico", "México"), known.get(buyer, "")
    return f"{_fold(buyer)} (DEPENDENCIA FEDERAL)", known.get(buyer, "")


_PUBLIC = re.compile(r"^(SECRETARIA|DELEGACION|INSTITUTO|GOBIERNO|MUNICIPIO|COMISION)\b")


def load_market(ocds_dir: Path) -> list[Institution]:
    """Buyers and their company suppliers from the real OCDS files, in a stable order.

    Only single-buyer processes count (a contract of a two-buyer process cannot be given to one
    of them), and only suppliers with a valid company RFC that are not public bodies themselves.
    """
    bodies: dict[str, Institution] = {}
    for path in sorted(p for p in Path(ocds_dir).rglob("*.json") if p.is_file()):
        for raw in OCDS.read(path):
            try:
                rec = OCDS.normalize(raw.value, RecordContext(path.name, raw.locator, None))
            except RecordError:
                continue
            refs = {e.ref: e for e in rec.entities}
            buyers = [refs[r.source] for r in rec.relations if r.type == "BUYER_OF"]
            if not buyers:
                continue
            for buyer in buyers:
                bodies.setdefault(buyer.key or buyer.name or "", Institution(buyer.name or "", buyer.key or ""))
            if len(buyers) != 1:
                continue
            inst = bodies[buyers[0].key or buyers[0].name or ""]
            for rel in (r for r in rec.relations if r.type == "SUPPLIES"):
                company, contract = refs[rel.source], refs[rel.target]
                signed = str(contract.props.get("date_signed") or "")[:10]
                rfc = parse_rfc(company.identifiers.get("rfc"))
                if not signed or company.schema_ != "Company" or rfc is None or rfc.kind != "company":
                    continue
                if _PUBLIC.match(_fold(company.name or "")):
                    continue
                award = str(contract.props.get("award_id") or contract.key or "")
                folio = rec.record_id if rec.record_id.startswith("ocds-") else award
                item = Contract(contract.key or "", rec.record_id, date.fromisoformat(signed), folio)
                supplier = inst.suppliers.setdefault(rfc.value, Supplier(" ".join((company.name or "").split()),
                                                                           rfc.value))
                supplier.contracts.append(item)
                inst.contracts.append(item)
    return sorted(bodies.values(), key=lambda b: b.name)


# -- people, companies, identifiers -----------------------------------------------------------
def _fold(value: str) -> str:
    plain = "".join(c for c in unicodedata.normalize("NFKD", value) if not unicodedata.combining(c)).upper()
    return " ".join(re.sub(r"[^A-Z0-9&]+", " ", plain).split())


@dataclass
class Human:
    given: str
    paternal: str
    maternal: str
    sex: str  # "H" | "M"
    born: date
    rfc: str
    curp: str

    @property
    def name(self) -> str:
        return f"{self.given} {self.paternal} {self.maternal}"

    def ident(self) -> dict[str, str]:
        return {"name": self.name, "rfc": self.rfc, "curp": self.curp}


@dataclass
class Firm:
    name: str
    rfc: str


class _Factory:
    """Deterministic people, companies and identifiers from one random stream."""

    def __init__(self, rnd: random.Random):
        self.rnd = rnd
        self.wrong_check_digits = 0
        self.used_rfcs: set[str] = set()

    def human(self, sex: str | None = None, born_from: int = 1955, born_to: int = 1990,
              paternal: str | None = None) -> Human:
        r = self.rnd
        sex = sex or r.choice("HM")
        given = r.choice(GIVEN_M if sex == "H" else GIVEN_F)
        pat = paternal or r.choice(SURNAMES)
        mat = r.choice([s for s in SURNAMES if s != pat])
        born = date(r.randint(born_from, born_to), r.randint(1, 12), r.randint(1, 28))
        letters = rfc_person_letters(_fold(given), _fold(pat), _fold(mat)) or "XXXX"
        if letters in _rfc._name_blacklist or letters in _curp._name_blacklist:
            letters = letters[:3] + "X"
        ymd = born.strftime("%y%m%d")
        rfc = self._unique(lambda: self._check(letters + ymd + self._homoclave(), _rfc.calc_check_digit))
        state = r.choice(STATES)[2]
        inner = "".join(self._inner_consonant(_fold(x).split()[0]) for x in (pat, mat, given.split()[-1]))
        stem = letters + ymd + sex + state + inner + (r.choice("0123456789") if born.year < 2000 else "A")
        curp = self._check(stem, _curp.calc_check_digit, digits=True)
        return Human(given, pat, mat, sex, born, rfc, curp)

    def company(self, base: str | None = None, founded: date | None = None) -> Firm:
        r = self.rnd
        base = base or f"{r.choice(COMPANY_KINDS)} {r.choice(COMPANY_WORDS)}"
        name = f"{base}, {r.choice(('S.A. de C.V.', 'S.A. de C.V.', 'S. de R.L. de C.V.', 'S.A.P.I. de C.V.'))}"
        letters = re.sub(r"[^A-Z]", "", rfc_company_letters(_fold(base)))[:3].ljust(3, "X")
        founded = founded or date(r.randint(1995, 2012), r.randint(1, 12), r.randint(1, 28))
        rfc = self._unique(lambda: self._check(letters + founded.strftime("%y%m%d") + self._homoclave(),
                                               _rfc.calc_check_digit))
        return Firm(name, rfc)

    def _unique(self, make: Any) -> str:
        for _ in range(50):
            value = make()
            if value not in self.used_rfcs:
                self.used_rfcs.add(value)
                return str(value)
        raise RuntimeError("could not draw a unique RFC")

    def _homoclave(self) -> str:
        return self.rnd.choice("123456789ABCDEFGHIJKLMNPRSTUV") + self.rnd.choice("123456789ABCDEFGHIJKLMNPQRSTUVWXYZ")

    def _check(self, stem: str, calc: Any, digits: bool = False) -> str:
        good = calc(stem)
        if self.rnd.random() < 0.015:  # about 1.5% of identifiers in use carry a wrong check digit
            self.wrong_check_digits += 1
            alphabet = "0123456789" if digits else "0123456789A"
            return stem + self.rnd.choice([c for c in alphabet if c != good])
        return stem + good

    @staticmethod
    def _inner_consonant(word: str) -> str:
        return next((c for c in word[1:] if c.isalpha() and c not in "AEIOU"), "X")


# -- the name variants real data has ----------------------------------------------------------
def split_legal_form(name: str) -> tuple[str, str]:
    """(base name, legal-form family: "SA" | "SAPI" | "SRL" | "") of a company name."""
    match = _LEGAL_FORM.search(name)
    if not match:
        return name.strip(" ,"), ""
    compact = re.sub(r"[^A-Z]", "", match.group("form").upper())
    family = "SAPI" if compact.startswith("SAPI") else "SRL" if "RL" in compact else "SA" if "CV" in compact else ""
    return name[:match.start()].strip(" ,"), family


def company_variant(name: str, rnd: random.Random) -> tuple[str, str]:
    """A spelling of a company name as another source would write it, and what was changed."""
    base, family = split_legal_form(name)
    base = " ".join(base.split())
    how = rnd.choice(("legal_form", "legal_form", "accents_upper", "truncated", "typo", "as_published"))
    form = rnd.choice(_FORMS.get(family or "SA", _FORMS["SA"]))
    if how == "legal_form":
        return f"{base.title() if base.isupper() else base}, {form}", how
    if how == "accents_upper":
        return _fold(f"{base} {form}"), how
    if how == "truncated":  # CompraNet cuts long names
        full = f"{base} {form}".upper()
        return (full[:30].rstrip(), how) if len(full) > 30 else (full, "as_published")
    if how == "typo":
        return f"{_typo(base, rnd)} {form}", how
    return name, how


def _typo(text: str, rnd: random.Random) -> str:
    words = text.split()
    candidates = [i for i, w in enumerate(words) if len(w) > 4]
    if not candidates:
        return text
    i = rnd.choice(candidates)
    w = words[i]
    j = rnd.randrange(1, len(w) - 2)
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:] if rnd.random() < 0.5 else w[:j] + w[j + 1:]
    return " ".join(words)


def person_variant(h: Human, rnd: random.Random) -> tuple[dict[str, str], str]:
    """Split name fields of ``h`` as another source writes them, and what was changed."""
    how = rnd.choice(("as_given", "accents_upper", "typo", "no_second_surname"))
    given, pat, mat = h.given, h.paternal, h.maternal
    if how == "accents_upper":
        given, pat, mat = _fold(given), _fold(pat), _fold(mat)
    elif how == "typo":
        pat = _typo(pat, rnd) if len(pat) > 4 else pat
    elif how == "no_second_surname":
        mat = ""
    return {"nombre": given, "primerApellido": pat, "segundoApellido": mat}, how


def full_name_paternal_first(h: Human) -> str:
    """"PATERNO MATERNO NOMBRE", as many registers write one person in one field."""
    return _fold(f"{h.paternal} {h.maternal} {h.given}")


# -- officials and their declarations ---------------------------------------------------------
@dataclass
class Official:
    person: Human
    institution: Institution
    post: tuple[str, str, str]
    start: date
    end: date | None
    spouse: Human | None = None
    dependants: list[Human] = field(default_factory=list)
    participations: list[dict[str, Any]] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    representations: list[dict[str, Any]] = field(default_factory=list)
    clients: list[dict[str, Any]] = field(default_factory=list)
    declaration_ids: list[str] = field(default_factory=list)


def _money(value: float) -> dict[str, Any]:
    return {"valor": round(value, 2), "moneda": "MXN"}


def _declaration(o: Official, tipo: str, when: date, ident: str, rnd: random.Random) -> dict[str, Any]:
    h = o.person
    state = rnd.choice(STATES)
    ops = "AGREGAR" if tipo == "INICIAL" else "SIN_CAMBIOS"
    salary = rnd.randint(18, 160) * 1000
    word = {"INICIAL": "Mensual", "MODIFICACIÓN": "Anual", "CONCLUSIÓN": "Conclusion"}[tipo]
    factor = 12 if tipo == "MODIFICACIÓN" else 1
    totals = {"INICIAL": ("ingresoMensualNetoDeclarante", "totalIngresosMensualesNetos"),
              "MODIFICACIÓN": ("ingresoAnualNetoDeclarante", "totalIngresosAnualesNetos"),
              "CONCLUSIÓN": ("ingresoConclusionNetoDeclarante", "totalIngresosConclusionNetos")}[tipo]
    ingresos = {f"remuneracion{word}CargoPublico": _money(salary * factor),
                totals[0]: _money(salary * factor), totals[1]: _money(salary * factor)}
    situacion: dict[str, Any] = {
        "datosGenerales": {
            "nombre": h.given, "primerApellido": h.paternal, "segundoApellido": h.maternal, "curp": h.curp,
            "rfc": {"rfc": h.rfc[:10], "homoClave": h.rfc[10:]},
            "correoElectronico": {"institucional": f"{_fold(h.given).split()[0].lower()}.{_fold(h.paternal).lower()}"
                                                   f"@gob.mx"},
            "situacionPersonalEstadoCivil": {"clave": "CAS", "valor": "CASADO (A)"} if o.spouse
            else {"clave": "SOL", "valor": "SOLTERO (A)"},
            "paisNacimiento": "MX", "nacionalidad": "MX",
        },
        "domicilioDeclarante": {"domicilioMexico": {
            "calle": rnd.choice(("Av. Juárez", "Calle 5 de Mayo", "Av. Insurgentes Sur", "Calle Morelos")),
            "numeroExterior": str(rnd.randint(1, 2500)), "coloniaLocalidad": "Centro",
            "municipioAlcaldia": {"clave": f"{rnd.randint(1, 120):03d}", "valor": "Municipio"},
            "entidadFederativa": {"clave": state[0], "valor": state[1]},
            "codigoPostal": f"{rnd.randint(1000, 97999):05d}"}},
        "datosCurricularesDeclarante": {"escolaridad": [{
            "tipoOperacion": ops, "nivel": {"clave": "LIC", "valor": "LICENCIATURA"},
            "institucionEducativa": {"nombre": "Universidad Nacional Autónoma de México", "ubicacion": "MX"},
            "carreraAreaConocimiento": rnd.choice(("Derecho", "Contaduría", "Administración", "Ingeniería Civil")),
            "estatus": "FINALIZADO", "documentoObtenido": "TITULO",
            "fechaObtencion": date(h.born.year + 23, 7, 1).isoformat()}]},
        "datosEmpleoCargoComision": {
            "tipoOperacion": ops, "nivelOrdenGobierno": "FEDERAL", "ambitoPublico": "EJECUTIVO",
            "nombreEntePublico": o.institution.declared, "areaAdscripcion": "Dirección de Administración",
            "empleoCargoComision": o.post[0], "contratadoPorHonorarios": False, "nivelEmpleoCargoComision": o.post[1],
            "funcionPrincipal": "Contrataciones públicas", "fechaTomaPosesion": o.start.isoformat()},
        "experienciaLaboral": {"ninguno": True},
        "ingresos": ingresos,
    }
    if tipo != "MODIFICACIÓN":
        situacion["actividadAnualAnterior"] = {"servidorPublicoAnioAnterior": False}
    if o.spouse:
        s = o.spouse
        situacion["datosPareja"] = {
            "ninguno": False, "tipoOperacion": ops, "nombre": s.given, "primerApellido": s.paternal,
            "segundoApellido": s.maternal, "fechaNacimiento": s.born.isoformat(), "rfc": s.rfc,
            "relacionConDeclarante": "CONYUGE", "ciudadanoExtranjero": False, "curp": s.curp,
            "esDependienteEconomico": False, "habitaDomicilioDeclarante": True, "lugarDondeReside": "MEXICO",
            "actividadLaboral": {"clave": "PRI", "valor": "PRIVADO"}}
    else:
        situacion["datosPareja"] = {"ninguno": True}
    deps = []
    for d, (code, value) in zip(o.dependants, _dependant_codes(o), strict=True):
        deps.append({"tipoOperacion": ops, "nombre": d.given, "primerApellido": d.paternal,
                     "segundoApellido": d.maternal, "fechaNacimiento": d.born.isoformat(), "rfc": d.rfc,
                     "parentescoRelacion": {"clave": code, "valor": value}, "extranjero": False, "curp": d.curp,
                     "habitaDomicilioDeclarante": True, "lugarDondeReside": "MEXICO"})
    situacion["datosDependienteEconomico"] = {"ninguno": not deps, **({"dependienteEconomico": deps} if deps else {})}

    def section(items: list[dict[str, Any]], name: str) -> dict[str, Any]:
        return {"ninguno": not items, **({name: [{"tipoOperacion": ops, **i} for i in items]} if items else {})}

    return {
        "id": ident,
        "metadata": {"actualizacion": f"{when.isoformat()}T{rnd.randint(8, 19):02d}:{rnd.randint(0, 59):02d}:00Z",
                     "institucion": CAPTURE_SYSTEM, "tipo": tipo, "declaracionCompleta": True,
                     "actualizacionConflictoInteres": False},
        "declaracion": {"situacionPatrimonial": situacion, "interes": {
            "participacion": section(o.participations, "participacion"),
            "participacionTomaDecisiones": section(o.decisions, "participacion"),
            "representacion": section(o.representations, "representacion"),
            "clientesPrincipales": section(o.clients, "cliente"),
        }},
    }


def _dependant_codes(o: Official) -> list[tuple[str, str]]:
    return [DEPENDANT_CODES[(i * 7 + len(o.person.rfc)) % 2] if d.born.year > 1990 else DEPENDANT_CODES[2 + i % 3]
            for i, d in enumerate(o.dependants)]


def _participation(firm_name: str, rfc: str | None, share: int, tipo: str = "DECLARANTE",
                   code: tuple[str, str] = ("ACCI", "ACCIONISTA")) -> dict[str, Any]:
    return {"tipoRelacion": tipo, "nombreEmpresaSociedadAsociacion": firm_name, "rfc": rfc or "",
            "porcentajeParticipacion": share, "tipoParticipacion": {"clave": code[0], "valor": code[1]},
            "recibeRemuneracion": False, "ubicacion": {"pais": "MX", "entidadFederativa": {"clave": "09",
                                                                                          "valor": "Ciudad de México"}},
            "sector": {"clave": "SERVPROF", "valor": "Servicios profesionales, científicos y técnicos"}}


# -- the scenario -----------------------------------------------------------------------------
@dataclass
class ScenarioSummary:
    seed: int
    officials: int = 0
    innocents: int = 0
    conflicts: dict[str, int] = field(default_factory=dict)
    declarations: int = 0
    s2_records: dict[str, int] = field(default_factory=dict)
    s3_records: dict[str, int] = field(default_factory=dict)
    bods_statements: int = 0
    wrong_check_digits: int = 0
    files: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return asdict(self)


class _Scenario:
    def __init__(self, seed: int, market: list[Institution], officials: int):
        self.seed, self.rnd = seed, random.Random(seed)
        self.make = _Factory(self.rnd)
        self.market = market
        self.pairs = [(i, s) for i in market for s in i.suppliers.values()]
        if not self.pairs:
            raise ValueError("the OCDS data names no buyer with a company supplier: nothing to plant conflicts on")
        self.n_officials = officials
        self.officials: list[Official] = []
        self.truth: list[dict[str, Any]] = []
        self.s2v1: list[dict[str, Any]] = []
        self.s2v2: list[dict[str, Any]] = []
        self.s3: dict[str, list[dict[str, Any]]] = {k: [] for k in (
            "ssancionados", "psancionados", "faltas_graves_personas_morales", "faltas_graves_personas_fisicas",
            "faltas_administrativas_graves")}
        self.bods: list[dict[str, Any]] = []
        self.ids: set[str] = set()
        self.turns: Counter[str] = Counter()

    def v1_turn(self, what: str) -> bool:
        """Alternate the S3 API version per kind of record, so that every seed writes both."""
        self.turns[what] += 1
        return self.turns[what] % 2 == 1

    # ids and dates
    def uid(self) -> str:
        return str(uuid.UUID(int=self.rnd.getrandbits(128), version=4))

    def hexid(self) -> str:
        while True:
            value = f"{self.rnd.getrandbits(48):012x}"
            if value not in self.ids:
                self.ids.add(value)
                return value

    def days(self, lo: int, hi: int) -> timedelta:
        return timedelta(days=self.rnd.randint(lo, hi))

    def official(self, inst: Institution, before: date | None = None, left_before: date | None = None) -> Official:
        anchor = before or date(2016, 6, 1)
        end: date | None
        if left_before is not None:
            left = left_before - self.days(60, 400)
            end, start = left, left - self.days(500, 1500)
        else:
            start = anchor - self.days(150, 1800)
            end = anchor + self.days(60, 700) if self.rnd.random() < 0.35 else None
        o = Official(self.make.human(), inst, self.rnd.choice(POSTS), start, end)
        if self.rnd.random() < 0.7:
            o.spouse = self.make.human("M" if o.person.sex == "H" else "H", paternal=None)
        for _ in range(self.rnd.choice((0, 0, 1, 1, 2))):
            o.dependants.append(self.make.human(born_from=1992, born_to=2005, paternal=o.person.paternal))
        self.officials.append(o)
        return o

    def contracts_in_post(self, o: Official, supplier: Supplier) -> list[Contract]:
        return [c for c in supplier.contracts if c in o.institution.contracts and o.start <= c.signed
                and (o.end is None or c.signed <= o.end)]

    def conflict(self, kind: str, o: Official | None, supplier: Supplier, inst: Institution, path: list[Any],
                 contracts: list[Contract], **extra: Any) -> None:
        self.truth.append({
            "kind": kind, "official": o.person.ident() if o else None, "supplier": {"name": supplier.name,
                                                                                    "rfc": supplier.rfc},
            "institution": inst.name, "ocids": sorted({c.ocid for c in contracts}),
            "contracts": sorted({c.key for c in contracts}), "path": path,
            "declaration_ids": o.declaration_ids if o else [], **extra})

    # planting
    def plant(self) -> None:
        r = self.rnd
        for kind in CONFLICT_KINDS:
            for _ in range(2 if kind.startswith("sanctioned") else 1 + (r.random() < 0.5)):
                inst, supplier = r.choice(self.pairs)
                getattr(self, f"_plant_{kind}")(inst, supplier)
        self._hard_negatives()
        while len(self.officials) < self.n_officials:
            self._innocent(r.choice(self.market))

    def _link(self, kind: str, inst: Institution, supplier: Supplier) -> tuple[Official, dict[str, Any]]:
        """An official of ``inst`` in post at the supplier's first award there, linked as ``kind`` says."""
        first = min(c.signed for c in supplier.contracts if c in inst.contracts)
        o = self.official(inst, before=first)
        if kind == "spouse_ownership" and o.spouse is None:
            o.spouse = self.make.human("M" if o.person.sex == "H" else "H")
        if kind == "dependant_ownership":
            o.dependants = [self.make.human(born_from=1980, born_to=1995, paternal=o.person.paternal)]
        variant, how = company_variant(supplier.name, self.rnd)
        rfc = supplier.rfc if self.rnd.random() < 0.75 else ""
        share = self.rnd.randint(5, 60)
        official_node = {"label": "Person", "name": o.person.name, "rfc": o.person.rfc}
        company_node = {"label": "Company", "name": supplier.name, "rfc": supplier.rfc}
        info: dict[str, Any] = {"company": {"name": variant, "rfc": rfc or None}, "name_variant": how}
        if kind == "direct_ownership":
            o.participations.append(_participation(variant, rfc, share))
            info.update(share=share, path=[official_node, {"rel": "OWNS", "share": share}, company_node])
        elif kind in ("spouse_ownership", "dependant_ownership"):
            relative = o.spouse if kind == "spouse_ownership" else o.dependants[0]
            assert relative is not None
            tipo = "PAREJA" if kind == "spouse_ownership" else "DEPENDIENTE_ECONOMICO"
            o.participations.append(_participation(variant, rfc, share, tipo, ("SCIO", "SOCIO")))
            relation = "spouse" if kind == "spouse_ownership" else dict(
                HIJ="child", MAD="parent", PAD="parent", HER="sibling")[_dependant_codes(o)[0][0]]
            info.update(share=share, relative={**relative.ident(), "relation": relation}, path=[
                official_node, {"rel": "FAMILY_OF", "relation": relation},
                {"label": "Person", "name": relative.name, "rfc": relative.rfc},
                {"rel": "OWNS", "share": share}, company_node])
        elif kind == "directorship":
            role = self.rnd.choice(("Consejero", "Director General", "Presidente del Consejo"))
            o.decisions.append({"tipoRelacion": "DECLARANTE", "tipoInstitucion": {"clave": "OTRO", "valor": "OTRO"},
                                "nombreInstitucion": variant, "rfc": supplier.rfc, "puestoRol": role,
                                "fechaInicioParticipacion": (o.start - self.days(100, 900)).isoformat(),
                                "recibeRemuneracion": True, "montoMensual": _money(25000),
                                "ubicacion": {"pais": "MX"}})
            info.update(role=role, company={"name": variant, "rfc": supplier.rfc},
                        path=[official_node, {"rel": "DIRECTS", "role": role}, company_node])
        elif kind == "representation":
            o.representations.append({"tipoRelacion": "DECLARANTE", "tipoRepresentacion": "REPRESENTANTE",
                                      "fechaInicioRepresentacion": (o.start - self.days(30, 700)).isoformat(),
                                      "tipoPersona": "MORAL", "nombreRazonSocial": variant, "rfc": rfc,
                                      "recibeRemuneracion": False, "ubicacion": {"pais": "MX"}})
            info.update(path=[official_node, {"rel": "REPRESENTS"}, company_node])
        return o, info

    def _plant_direct_ownership(self, inst: Institution, supplier: Supplier) -> None:
        self._plain("direct_ownership", inst, supplier)

    def _plant_spouse_ownership(self, inst: Institution, supplier: Supplier) -> None:
        self._plain("spouse_ownership", inst, supplier)

    def _plant_dependant_ownership(self, inst: Institution, supplier: Supplier) -> None:
        self._plain("dependant_ownership", inst, supplier)

    def _plant_directorship(self, inst: Institution, supplier: Supplier) -> None:
        self._plain("directorship", inst, supplier)

    def _plant_representation(self, inst: Institution, supplier: Supplier) -> None:
        self._plain("representation", inst, supplier)

    def _plain(self, kind: str, inst: Institution, supplier: Supplier) -> Official:
        o, info = self._link(kind, inst, supplier)
        path = info.pop("path")
        contracts = self.contracts_in_post(o, supplier)
        path = [*path, *({"rel": "SUPPLIES", "contract": c.key} for c in contracts[:1])]
        self.conflict(kind, o, supplier, inst, path, contracts, **info)
        return o

    def _plant_chain_ownership(self, inst: Institution, supplier: Supplier) -> None:
        first = min(c.signed for c in supplier.contracts if c in inst.contracts)
        o = self.official(inst, before=first)
        holding = self.make.company(f"Inversiones {self.rnd.choice(COMPANY_WORDS)}")
        share_top, share_down = self.rnd.randint(30, 90), self.rnd.randint(20, 80)
        o.participations.append(_participation(holding.name, holding.rfc, share_top))
        self._bods_link(holding, supplier, share_down, first - self.days(200, 1500))
        contracts = self.contracts_in_post(o, supplier)
        self.conflict("chain_ownership", o, supplier, inst, [
            {"label": "Person", "name": o.person.name, "rfc": o.person.rfc}, {"rel": "OWNS", "share": share_top},
            {"label": "Company", "name": holding.name, "rfc": holding.rfc}, {"rel": "OWNS", "share": share_down,
                                                                             "source": "bods"},
            {"label": "Company", "name": supplier.name, "rfc": supplier.rfc}], contracts,
            company={"name": holding.name, "rfc": holding.rfc}, intermediate={"name": holding.name, "rfc": holding.rfc},
            share=share_top, indirect_share=round(share_top * share_down / 100, 2))

    def _plant_s2_intervention(self, inst: Institution, supplier: Supplier) -> None:
        o = self._plain("direct_ownership", inst, supplier)
        contracts = self.contracts_in_post(o, supplier)
        self.s2v2.append(self._s2v2(o, contracts, supplier))
        folios = sorted({c.folio for c in contracts})
        self.conflict("s2_intervention", o, supplier, inst, [
            {"label": "Person", "name": o.person.name, "rfc": o.person.rfc},
            *({"rel": "INTERVENED_IN", "folio": f} for f in folios[:1]),
            {"label": "ContractingProcess", "ocid": contracts[0].ocid if contracts else None},
            {"rel": "AWARDED"}, {"label": "Company", "name": supplier.name, "rfc": supplier.rfc}], contracts,
            folios=folios, linkable_by=sorted({"ocid" if f.startswith("ocds-") else "folio" for f in folios}),
            company={"name": supplier.name, "rfc": supplier.rfc})

    def _plant_sanctioned_supplier(self, inst: Institution, supplier: Supplier) -> None:
        contract = self.rnd.choice([c for c in supplier.contracts if c in inst.contracts])
        start = contract.signed - self.days(20, 300)
        end = start + timedelta(days=365 * self.rnd.randint(1, 3))
        director = self.make.human()
        record = self._s3_company(supplier, director, start, end)
        during = [c for c in supplier.contracts if start <= c.signed <= end]
        self.conflict("sanctioned_supplier", None, supplier, inst, [
            {"label": "Sanction", "key": record}, {"rel": "SANCTIONED"},
            {"label": "Company", "name": supplier.name, "rfc": supplier.rfc},
            {"rel": "SUPPLIES", "contract": contract.key}], during, sanction={"start": start.isoformat(),
                                                                              "end": end.isoformat(), "key": record},
            director=director.ident())

    def _plant_sanctioned_director(self, inst: Institution, supplier: Supplier) -> None:
        contract = self.rnd.choice([c for c in supplier.contracts if c in inst.contracts])
        director = self.make.human()
        company_sanction_start = contract.signed + self.days(400, 900)  # the company's own listing comes later
        self._s3_company(supplier, director, company_sanction_start,
                         company_sanction_start + timedelta(days=365))
        start = contract.signed - self.days(30, 500)
        end = start + timedelta(days=365 * self.rnd.randint(2, 5))
        record = self._s3_person(director, start, end)
        self.conflict("sanctioned_director", None, supplier, inst, [
            {"label": "Sanction", "key": record}, {"rel": "SANCTIONED"},
            {"label": "Person", "name": director.name, "rfc": director.rfc}, {"rel": "DIRECTS"},
            {"label": "Company", "name": supplier.name, "rfc": supplier.rfc}],
            [c for c in supplier.contracts if start <= c.signed <= end],
            director=director.ident(), sanction={"start": start.isoformat(), "end": end.isoformat(), "key": record})

    def _plant_sanctioned_official(self, inst: Institution, supplier: Supplier) -> None:
        o = self.official(inst)
        start = o.start + self.days(100, 700)
        record = self._s3_official(o, start, start + timedelta(days=365 * self.rnd.randint(1, 10)))
        self.truth.append({"kind": "sanctioned_official", "official": o.person.ident(), "institution": inst.name,
                           "path": [{"label": "Sanction", "key": record}, {"rel": "SANCTIONED"},
                                    {"label": "Person", "name": o.person.name, "rfc": o.person.rfc}],
                           "declaration_ids": o.declaration_ids, "ocids": [], "contracts": []})

    def _hard_negatives(self) -> None:
        r = self.rnd
        # a company named like a supplier, with another RFC
        inst, supplier = r.choice(self.pairs)
        o = self._innocent(inst)
        base, _ = split_legal_form(supplier.name)
        decoy = self.make.company(f"{base.split()[0].title()} {r.choice(COMPANY_WORDS)}")
        o.participations.append(_participation(decoy.name, decoy.rfc, r.randint(5, 50)))
        self._note(o, f"owns {decoy.name} ({decoy.rfc}), named like supplier {supplier.name} ({supplier.rfc})")
        # a stake in a supplier of another institution only
        inst, supplier = r.choice(self.pairs)
        # another institution: not one whose declared name is this one's (two delegations of one ministry)
        supplied = {i.declared for i in self.market if supplier.rfc in i.suppliers}
        elsewhere = [i for i in self.market if i.declared not in supplied]
        if elsewhere:
            o = self._innocent(r.choice(elsewhere))
            o.participations.append(_participation(supplier.name, supplier.rfc, r.randint(5, 50)))
            self._note(o, f"owns supplier {supplier.name} of {inst.name}, not of its own institution")
        # a stake in a supplier of its institution, but the post ended before every award there
        inst, supplier = r.choice(self.pairs)
        first = min(c.signed for c in supplier.contracts if c in inst.contracts)
        o = self.official(inst, left_before=first)
        o.participations.append(_participation(supplier.name, supplier.rfc, r.randint(5, 50)))
        self.truth.append({"kind": "innocent", "official": o.person.ident(), "institution": inst.name,
                           "declaration_ids": o.declaration_ids,
                           "notes": [f"owned supplier {supplier.name}; left the post on {o.end} before its first "
                                     f"award there on {first}"]})
        # innocent officials in S2 procedures of their institution won by unrelated suppliers
        for inst in self.market:
            if inst.contracts:
                o = self._innocent(inst)
                won = [c for c in inst.contracts if c.signed >= o.start][:2] or inst.contracts[:1]
                winner = next(s for s in inst.suppliers.values() if won[0] in s.contracts)
                self.s2v2.append(self._s2v2(o, won, winner))
                self._note(o, "took part in procedures won by an unrelated supplier (S2)")

    def _innocent(self, inst: Institution) -> Official:
        o = self.official(inst)
        r = self.rnd
        for _ in range(r.choice((0, 0, 1, 2))):
            firm = self.make.company()
            holder = r.choice(["DECLARANTE"] + (["PAREJA"] if o.spouse else []))
            o.participations.append(_participation(firm.name, firm.rfc, r.randint(1, 100), holder))
        if r.random() < 0.2:
            firm = self.make.company()
            o.decisions.append({"tipoRelacion": "DECLARANTE", "tipoInstitucion": {"clave": "OSC", "valor": "OSC"},
                                "nombreInstitucion": firm.name, "rfc": firm.rfc, "puestoRol": "Consejero",
                                "fechaInicioParticipacion": "2012-03-01", "recibeRemuneracion": False})
        if r.random() < 0.15:
            o.clients.append({"realizaActividadLucrativa": True, "tipoRelacion": "DECLARANTE",
                              "empresa": {"nombreEmpresaServicio": f"Despacho {o.person.paternal}", "rfc": ""},
                              "clientePrincipal": {"tipoPersona": "MORAL",
                                                   "nombreRazonSocial": self.make.company().name},
                              "montoAproximadoGanancia": _money(15000), "ubicacion": {"pais": "MX"}})
        if r.random() < 0.3:
            self.s2v1.append(self._s2v1(o))
        self.truth.append({"kind": "innocent", "official": o.person.ident(), "institution": inst.name,
                           "declaration_ids": o.declaration_ids, "notes": []})
        return o

    def _note(self, o: Official, note: str) -> None:
        line = next(t for t in self.truth if t["kind"] == "innocent" and t["official"]["rfc"] == o.person.rfc)
        line["notes"].append(note)

    # BODS, S2, S3 records
    def _bods_link(self, owner: Firm, supplier: Supplier, share: int, since: date) -> None:
        pub = {"publicationDate": "2018-01-15", "bodsVersion": "0.4", "publisher": {"name": "Vínculo scenario"}}
        ids = {}
        for firm in (owner, Firm(supplier.name, supplier.rfc)):
            ids[firm.rfc] = self.hexid()
            self.bods.append({"statementId": self.uid(), "declarationSubject": ids[firm.rfc],
                              "statementDate": "2018-01-15", "publicationDetails": pub, "recordId": ids[firm.rfc],
                              "recordStatus": "new", "recordType": "entity", "recordDetails": {
                                  "isComponent": False, "entityType": {"type": "registeredEntity"}, "name": firm.name,
                                  "jurisdiction": {"name": "Mexico", "code": "MX"},
                                  "identifiers": [{"scheme": "MX-RFC", "id": firm.rfc}]}})
        self.bods.append({"statementId": self.uid(), "declarationSubject": ids[supplier.rfc],
                          "statementDate": "2018-01-15", "publicationDetails": pub, "recordId": self.hexid(),
                          "recordStatus": "new", "recordType": "relationship", "recordDetails": {
                              "isComponent": False, "subject": ids[supplier.rfc], "interestedParty": ids[owner.rfc],
                              "interests": [{"type": "shareholding", "directOrIndirect": "direct",
                                             "beneficialOwnershipOrControl": False, "share": {"exact": share},
                                             "startDate": since.isoformat()}]}})

    def _s2v1(self, o: Official) -> dict[str, Any]:
        names, _ = person_variant(o.person, self.rnd)
        return {"id": self.hexid(), "fechaCaptura": f"{o.start.year + 1}-02-15T10:00:00Z",
                "ejercicioFiscal": str(o.start.year + 1), "ramo": {"clave": 6, "valor": "Hacienda y Crédito Público"},
                "rfc": o.person.rfc, "curp": o.person.curp, "nombres": names["nombre"],
                "primerApellido": names["primerApellido"], "segundoApellido": names["segundoApellido"],
                "genero": {"clave": "M" if o.person.sex == "H" else "F",
                           "valor": "MASCULINO" if o.person.sex == "H" else "FEMENINO"},
                "institucionDependencia": {"nombre": o.institution.declared, "siglas": o.institution.acronym,
                                           "clave": o.institution.key},
                "puesto": {"nombre": o.post[0], "nivel": o.post[1]},
                "tipoArea": [{"clave": "RC", "valor": "RESPONSABLE DE LA CONTRATACIÓN"}],
                "nivelResponsabilidad": [{"clave": "R", "valor": "RESOLUCIÓN"}],
                "tipoProcedimiento": [{"clave": 1, "valor": "CONTRATACIONES PÚBLICAS"}]}

    def _s2v2(self, o: Official, contracts: list[Contract], winner: Supplier) -> dict[str, Any]:
        names, _ = person_variant(o.person, self.rnd)
        year = str((contracts[0].signed if contracts else o.start).year)
        procs = [{"id": self.rnd.randint(1, 10**6),
                  "fechaInicioProcedimiento": (c.signed - self.days(20, 90)).isoformat(),
                  "numeroExpedienteFolio": c.folio, "materia": "SERVICIOS",
                  "fechaConclusionProcedimiento": c.signed.isoformat(),
                  "tipoProcedimiento": self.rnd.choice(("ADJUDICACION", "INVITACION", "LICITACION_NACIONAL"))}
                 for c in {c.folio: c for c in contracts}.values()]
        return {
            "id": self.uid(), "date_created": f"{year}-12-01T09:00:00Z",
            "entePublico": {"id": 1, "nombre": o.institution.declared},
            "fecha": f"{year}-12-01", "ejercicio": year,
            "datosGenerales": {"id": self.rnd.randint(1, 10**6), **names, "curp": o.person.curp,
                               "rfc": o.person.rfc if self.rnd.random() < 0.7 else "", "sexo": "HOMBRE"
                               if o.person.sex == "H" else "MUJER"},
            "empleoCargoComision": {"id": self.rnd.randint(1, 10**6), "entidadFederativa": "Ciudad de México",
                                    "nivelOrdenGobierno": "FEDERAL", "ambitoPublico": "EJECUTIVO",
                                    "nombreEntePublico": o.institution.declared,
                                    "siglasEntePublico": o.institution.acronym,
                                    "nivelJerarquico": {"id": 1, "clave": o.post[2], "valor": o.post[0]},
                                    "denominacion": o.post[0], "areaAdscripcion": "Dirección de Administración"},
            "tipoProcedimiento": "CONTRATACION_PUBLICA",
            "otorgamientoConcesion": {"continuaParticipando": "NO"},
            "enajenacionBien": {"continuaParticipando": "NO"},
            "avaluosJustipreciacion": {"continuaParticipando": "NO"},
            "tipoContratacion": [{"id": self.rnd.randint(1, 10**6), "contratacionAdquisicion": {
                "id": self.rnd.randint(1, 10**6), "tipoArea": "AREA_RESPONSABLE_CONTRATACION",
                "nivelResponsabilidadContratacion": {"id": self.hexid(), "evaluacionProposiciones": "REVISAR (B)",
                                                     "formalizacionContrato": "EMITIR (E)"},
                "informacionPersonasBeneficiarias": {"id": self.rnd.randint(1, 10**6), "razonSocial": winner.name},
                "continuaParticipando": "SI", "datosGeneralesProcedimientos": procs}, "contratacionObra": None}],
        }

    def _domicilio_v2(self) -> dict[str, Any]:
        state = self.rnd.choice(STATES)
        return {"tipoVialidad": "CALLE", "nombreVialidad": self.rnd.choice(("Reforma", "Hidalgo", "Allende")),
                "numeroExterior": str(self.rnd.randint(1, 900)), "numeroInterior": "", "coloniaLocalidad": "Centro",
                "municipioAlcaldia": "Cuauhtémoc", "codigoPostal": f"{self.rnd.randint(1000, 97999):05d}",
                "entidadFederativa": state[1]}

    def _s3_company(self, supplier: Supplier, director: Human, start: date, end: date) -> str:
        name, _ = company_variant(supplier.name, self.rnd)
        if self.v1_turn("company"):
            ident = self.hexid()
            self.s3["psancionados"].append({
                "id": ident, "fechaCaptura": f"{end.year}-01-10T12:00:00Z", "expediente": f"EXP-{ident[:6].upper()}",
                "institucionDependencia": {"nombre": CAPTURE_SYSTEM, "siglas": "SFP"},
                "particularSancionado": {"nombreRazonSocial": name, "rfc": supplier.rfc, "tipoPersona": "M",
                                         "objetoSocial": "Prestación de servicios",
                                         "domicilioMexico": {"pais": {"valor": "MÉXICO", "clave": "MX"},
                                                             "entidadFederativa": {"valor": "Ciudad de México",
                                                                                   "clave": "09"},
                                                             "codigoPostal": "06000",
                                                             "vialidad": {"clave": "CALLE", "valor": "Calle Reforma"},
                                                             "numeroExterior": str(self.rnd.randint(1, 900))},
                                         "directorGeneral": {"nombres": director.given,
                                                             "primerApellido": director.paternal,
                                                             "segundoApellido": director.maternal,
                                                             "curp": director.curp}},
                "autoridadSancionadora": "Órgano Interno de Control", "tipoFalta": "Actuar con dolo",
                "tipoSancion": [{"clave": "I", "valor": "INHABILITACIÓN"}],
                "causaMotivoHechos": "Proporcionó información falsa en un procedimiento de contratación",
                "resolucion": {"sentido": "SANCIONATORIA", "fechaNotificacion": start.isoformat()},
                "inhabilitacion": {"plazo": f"{(end - start).days // 365} años", "fechaInicial": start.isoformat(),
                                   "fechaFinal": end.isoformat()}})
            return f"pdn-s3:psancionados:{ident}"
        ident = self.uid()
        self.s3["faltas_graves_personas_morales"].append({
            "id": ident, "date_created": f"{end.year}-01-10T12:00:00", "fecha": start.isoformat(),
            "expediente": f"EXP-{ident[:6].upper()}",
            "datosGenerales": {"nombreRazonSocial": name, "rfc": supplier.rfc, "objetoSocial": "Servicios",
                               "tipoDomicilio": "MEXICO", "domicilioMexico": self._domicilio_v2()},
            "datosDirGeneralReprLegal": {"directorGeneral": {"nombre": director.given,
                                                             "primerApellido": director.paternal,
                                                             "segundoApellido": director.maternal,
                                                             "rfc": director.rfc, "curp": director.curp}},
            "dondeCometioLaFalta": {"nivelOrdenGobierno": "FEDERAL", "ambitoPublico": "EJECUTIVO",
                                    "nombreEntePublico": CAPTURE_SYSTEM},
            "entePublico": {"nombre": CAPTURE_SYSTEM},
            "resolucion": {"fechaResolucion": start.isoformat(), "fechaNotificacion": start.isoformat(),
                           "autoridadResolutora": "Tribunal Federal de Justicia Administrativa"},
            "tipoSancion": [{"clave": "INHABILITACION", "inhabilitacion": {
                "plazoAnios": (end - start).days // 365, "fechaInicial": start.isoformat(),
                "fechaFinal": end.isoformat()}}],
            "faltaCometida": [{"clave": "SOBORNO", "valor": "Soborno", "descripcionHechos": "Ofreció un beneficio"}]})
        return f"pdn-s3:faltas_graves_personas_morales:{ident}"

    def _s3_person(self, h: Human, start: date, end: date) -> str:
        if self.v1_turn("person"):
            ident = self.hexid()
            self.s3["psancionados"].append({
                "id": ident, "fechaCaptura": f"{end.year}-01-10T12:00:00Z",
                "institucionDependencia": {"nombre": CAPTURE_SYSTEM},
                "particularSancionado": {"nombreRazonSocial": full_name_paternal_first(h), "rfc": h.rfc,
                                         "tipoPersona": "F"},
                "autoridadSancionadora": "Tribunal Federal de Justicia Administrativa",
                "tipoSancion": [{"clave": "I", "valor": "INHABILITACIÓN"}],
                "causaMotivoHechos": "Uso de documentación falsa",
                "inhabilitacion": {"fechaInicial": start.isoformat(), "fechaFinal": end.isoformat()}})
            return f"pdn-s3:psancionados:{ident}"
        ident = self.uid()
        names, _ = person_variant(h, self.rnd)
        self.s3["faltas_graves_personas_fisicas"].append({
            "id": ident, "fecha": start.isoformat(), "expediente": f"EXP-{ident[:6].upper()}",
            "datosGenerales": {"nombres": names["nombre"], "primerApellido": names["primerApellido"],
                               "segundoApellido": names["segundoApellido"], "curp": h.curp, "rfc": h.rfc,
                               "tipoDomicilio": "MEXICO", "domicilioMexico": self._domicilio_v2()},
            "dondeCometioLaFalta": {"nivelOrdenGobierno": "FEDERAL", "nombreEntePublico": CAPTURE_SYSTEM},
            "entePublico": {"nombre": CAPTURE_SYSTEM},
            "resolucion": {"fechaResolucion": start.isoformat(), "autoridadResolutora": "Tribunal Federal de "
                                                                                        "Justicia Administrativa"},
            "tipoSancion": [{"clave": "INHABILITACION", "inhabilitacion": {
                "fechaInicial": start.isoformat(), "fechaFinal": end.isoformat()}}]})
        return f"pdn-s3:faltas_graves_personas_fisicas:{ident}"

    def _s3_official(self, o: Official, start: date, end: date) -> str:
        h = o.person
        if self.v1_turn("official"):
            ident = self.hexid()
            self.s3["ssancionados"].append({
                "id": ident, "fechaCaptura": f"{start.year}-06-01T12:00:00Z", "expediente": f"EXP-{ident[:6]}",
                "institucionDependencia": {"nombre": o.institution.declared, "clave": o.institution.key},
                "servidorPublicoSancionado": {"rfc": h.rfc, "curp": h.curp, "nombres": _fold(h.given),
                                              "primerApellido": _fold(h.paternal), "segundoApellido": _fold(h.maternal),
                                              "genero": {"clave": "M" if h.sex == "H" else "F",
                                                         "valor": "MASCULINO" if h.sex == "H" else "FEMENINO"},
                                              "puesto": o.post[0], "nivel": o.post[1]},
                "autoridadSancionadora": "Órgano Interno de Control",
                "tipoFalta": {"clave": "NAD", "valor": "NEGLIGENCIA ADMINISTRATIVA"},
                "tipoSancion": [{"clave": "I", "valor": "INHABILITACIÓN"}],
                "causaMotivoHechos": "Omitió supervisar la ejecución de un contrato",
                "resolucion": {"fechaResolucion": start.isoformat()},
                "inhabilitacion": {"plazo": f"{(end - start).days // 365} años", "fechaInicial": start.isoformat(),
                                   "fechaFinal": end.isoformat()}})
            return f"pdn-s3:ssancionados:{ident}"
        ident = self.uid()
        self.s3["faltas_administrativas_graves"].append({
            "id": ident, "fecha": start.isoformat(), "expediente": f"EXP-{ident[:6]}",
            "resolucion": {"fechaResolucion": start.isoformat(), "autoridadResolutora": "Tribunal Federal de "
                                                                                        "Justicia Administrativa"},
            "entePublico": {"nombre": o.institution.declared},
            "datosGenerales": {"nombres": h.given, "primerApellido": h.paternal, "segundoApellido": h.maternal,
                               "curp": h.curp, "rfc": h.rfc, "sexo": "HOMBRE" if h.sex == "H" else "MUJER"},
            "empleoCargoComision": {"nivelOrdenGobierno": "FEDERAL", "ambitoPublico": "EJECUTIVO",
                                    "nombreEntePublico": o.institution.declared,
                                    "nivelJerarquico": {"clave": o.post[2], "valor": o.post[0]},
                                    "denominacion": o.post[0], "areaAdscripcion": "Dirección de Administración"},
            "faltaCometida": [{"clave": "CONFLICTO_INTERES", "valor": "Actuación bajo conflicto de interés",
                               "descripcionHechos": "Intervino en una contratación con interés personal"}],
            "tipoSancion": [{"clave": "INHABILITACION", "inhabilitacion": {
                "plazoAnios": (end - start).days // 365, "fechaInicial": start.isoformat(),
                "fechaFinal": end.isoformat()}}]})
        return f"pdn-s3:faltas_administrativas_graves:{ident}"

    # output
    def declarations(self) -> list[dict[str, Any]]:
        out = []
        for o in self.officials:
            plan = [("INICIAL", o.start + self.days(10, 55))]
            year = o.start.year + 1
            while date(year, 5, 15) < (o.end or date(2018, 1, 1)) and len(plan) < 4:
                if self.rnd.random() < 0.5:
                    plan.append(("MODIFICACIÓN", date(year, 5, self.rnd.randint(1, 28))))
                year += 1
            if o.end is not None:
                plan.append(("CONCLUSIÓN", o.end + self.days(10, 55)))
            for tipo, when in plan:
                ident = self.hexid()
                o.declaration_ids.append(ident)
                out.append(_declaration(o, tipo, when, ident, self.rnd))
        order = list(range(len(out)))
        self.rnd.shuffle(order)
        return [out[i] for i in order]


def _pages(items: list[dict[str, Any]], numeric_page: bool = False) -> list[dict[str, Any]]:
    pages = [items[i:i + PAGE_SIZE] for i in range(0, len(items), PAGE_SIZE)] or [[]]
    return [{"pagination": {"pageSize": PAGE_SIZE, "page": n, "totalRows": len(items), "hasNextPage": n < len(pages)},
             "results": chunk} for n, chunk in enumerate(pages, start=1)]


def _directus(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"data": items, "meta": {"total_count": len(items), "filter_count": len(items)}}


def generate_scenario(seed: int, out_dir: Path, ocds_dir: Path, officials: int = 48) -> ScenarioSummary:
    """Write the scenario for ``seed`` under ``out_dir``; same seed and OCDS files, same bytes."""
    market = load_market(ocds_dir)
    sc = _Scenario(seed, market, officials)
    sc.plant()
    declarations = sc.declarations()
    out_dir = Path(out_dir)
    files: dict[str, Any] = {}
    for n, page in enumerate(_pages(declarations), start=1):
        files[f"s1/declaraciones-page-{n}.json"] = page
    files["s2/spic-v1-page-1.json"] = _pages(sc.s2v1)[0]
    files["s2/servidores-v2-page-1.json"] = {**_directus(sc.s2v2), "status": "success",
                                             "message": "Servidores públicos obtenidos correctamente"}
    files["s3/ssancionados-page-1.json"] = _pages(sc.s3["ssancionados"])[0]
    files["s3/psancionados-page-1.json"] = _pages(sc.s3["psancionados"])[0]
    for name in ("faltas_graves_personas_morales", "faltas_graves_personas_fisicas", "faltas_administrativas_graves"):
        files[f"s3/{name}-page-1.json"] = _directus(sc.s3[name])
    files["bods/chain-ownership.json"] = sc.bods
    for rel, doc in files.items():
        path = out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    truth = out_dir / "truth.jsonl"
    truth.write_text("".join(json.dumps(t, ensure_ascii=False, default=str) + "\n" for t in sc.truth),
                     encoding="utf-8")
    kinds = Counter(t["kind"] for t in sc.truth)
    result = ScenarioSummary(
        seed=seed, officials=len(sc.officials), innocents=kinds.pop("innocent", 0),
        conflicts=dict(sorted(kinds.items())),
        declarations=len(declarations), s2_records={"v1": len(sc.s2v1), "v2": len(sc.s2v2)},
        s3_records={k: len(v) for k, v in sc.s3.items()}, bods_statements=len(sc.bods),
        wrong_check_digits=sc.make.wrong_check_digits,
        files=sorted([*files, "truth.jsonl", "summary.json"]))
    (out_dir / "summary.json").write_text(json.dumps(result.summary(), ensure_ascii=False, indent=1) + "\n",
                                          encoding="utf-8")
    return result


def summary(out_dir: Path) -> dict[str, Any]:
    """The counts of a scenario already written under ``out_dir``."""
    return dict(json.loads((Path(out_dir) / "summary.json").read_text(encoding="utf-8")))
