"""Person names: given names, paternal and maternal surname, in whatever order they came.

Mexican sources write "Nombre Paterno Materno" (declarations, the press),
"PATERNO MATERNO NOMBRE(S)" (CompraNet, SAT) or "Paterno Materno, Nombre". The order is
read from a comma when there is one, else from which end of the name holds common given
names. Particles ("DE LA", "DEL") stay attached to the word they introduce.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from engine.entity_resolution.lexicon import load_lexicon
from engine.entity_resolution.text import fold

__all__ = ["PersonName", "parse_person_name", "readings", "reads_as_person", "GIVEN_NAMES", "SURNAMES"]

_PARTICLES = frozenset({"DE", "DEL", "LA", "LAS", "LOS", "Y", "SAN", "SANTA", "VAN", "VON", "MC", "MAC", "DA", "DI"})
_TITLES = frozenset({"SR", "SRA", "SRTA", "DR", "DRA", "LIC", "ING", "ARQ", "C", "MTRO", "MTRA", "PROF", "PROFA",
                     "MR", "MRS", "MS", "MISS", "MX", "SIR", "DAME", "LORD", "LADY", "REV", "REVD", "RT", "HON",
                     "RIGHT", "HONOURABLE", "HONORABLE", "CAPT", "COL", "MAJ", "LT", "SGT", "CMDR", "ADM", "FR"})
# generational and academic suffixes written after the name, often after a comma ("John R. Cockrell, Jr.")
_SUFFIX = re.compile(r"(?i)[\s,]+(?:jr|sr|jnr|snr|ii|iii|iv|esq|phd|ph\.d|md)\.?\s*$")

_BUILTIN_GIVEN = frozenset(
    """
    AARON ABEL ABIGAIL ABRAHAM ADAN ADOLFO ADRIAN ADRIANA AGUSTIN ALAN ALBERTO ALEJANDRA ALEJANDRO ALFONSO
    ALFREDO ALICIA ALMA ALONSO ALVARO AMALIA AMPARO ANA ANABEL ANDREA ANDRES ANGEL ANGELA ANGELICA ANTONIA
    ANTONIO ARACELI ARMANDO ARTURO AURORA BEATRIZ BENITO BERENICE BERNARDO BERTHA BLANCA BRENDA CARLA CARLOS
    CARMEN CAROLINA CATALINA CECILIA CESAR CLARA CLAUDIA CONCEPCION CONSUELO CRISTINA CRISTIAN DAMIAN DANIEL
    DANIELA DARIO DAVID DELIA DIANA DIEGO DOLORES DORA EDGAR EDUARDO ELENA ELIAS ELISA ELIZABETH ELSA EMILIA
    EMILIO EMMANUEL ENRIQUE ERIKA ERNESTO ESPERANZA ESTEBAN ESTELA ESTHER EUGENIA EVA FABIOLA FATIMA FEDERICO
    FELIPE FERNANDA FERNANDO FIDEL FLOR FRANCISCA FRANCISCO GABRIEL GABRIELA GERARDO GILBERTO GLORIA GRACIELA
    GREGORIO GUADALUPE GUILLERMO GUSTAVO HECTOR HERIBERTO HILDA HORACIO HUGO IGNACIO IRMA ISAAC ISABEL ISMAEL
    ISRAEL IVAN JACOBO JAIME JAVIER JESSICA JESUS JOAQUIN JORGE JOSE JOSEFINA JUAN JUANA JULIA JULIAN JULIO
    KARINA KARLA LAURA LETICIA LILIA LILIANA LORENA LOURDES LUCIA LUIS LUISA LUZ MA MAGDALENA MANUEL MANUELA
    MARCO MARCOS MARGARITA MARIA MARIANA MARIANO MARIO MARISOL MARTHA MARTIN MAURICIO MAXIMILIANO MELISSA MIGUEL
    MIRIAM MOISES MONICA NANCY NATALIA NICOLAS NORA NORMA OCTAVIO OFELIA OLGA OMAR OSCAR PABLO PAOLA PATRICIA
    PAULA PEDRO PILAR RAFAEL RAMON RAQUEL RAUL REBECA REFUGIO RENE RICARDO RIGOBERTO ROBERTO RODOLFO ROGELIO
    ROSA ROSARIO RUBEN RUTH SALVADOR SAMUEL SANDRA SANTIAGO SARA SAUL SERGIO SILVIA SOCORRO SOFIA SONIA SUSANA
    TERESA TOMAS ULISES VALENTIN VALERIA VERONICA VICENTE VICTOR VICTORIA VIRGINIA XIMENA YOLANDA YESENIA
    ZULEMA J JOHN JAMES ROBERT MICHAEL WILLIAM MARY JENNIFER LINDA
    """.split()
)
_BUILTIN_SURNAMES = frozenset(
    """
    HERNANDEZ GARCIA MARTINEZ LOPEZ GONZALEZ PEREZ RODRIGUEZ SANCHEZ RAMIREZ CRUZ FLORES GOMEZ MORALES VAZQUEZ
    REYES JIMENEZ TORRES DIAZ GUTIERREZ RUIZ MENDOZA AGUILAR ORTIZ MORENO CASTILLO ROMERO ALVAREZ MENDEZ CHAVEZ
    RIVERA JUAREZ RAMOS DOMINGUEZ HERRERA MEDINA CASTRO VARGAS GUZMAN VELAZQUEZ MUNOZ ROJAS CONTRERAS SALAZAR
    LUNA ORTEGA SANTIAGO GUERRERO BAUTISTA CORTES SOTO ALVARADO ESPINOZA LARA AVILA RIOS CERVANTES SILVA DELGADO
    VEGA MARQUEZ SANDOVAL FERNANDEZ LEON CARRILLO MEJIA SOLIS NUNEZ ROSAS VALDEZ IBARRA CAMACHO NAVARRO PENA
    MALDONADO ROSALES ACOSTA MIRANDA TREJO CABRERA VALENCIA NAVA ROBLES MOLINA CAMPOS ESTRADA FUENTES CARDENAS
    ZUNIGA PACHECO VILLA GALLEGOS SALINAS FIGUEROA SERRANO PADILLA ESCOBAR OROZCO LOZANO VELASCO MEZA AYALA
    OSORIO ZAMORA BECERRA ESPINOSA OCHOA DURAN CABALLERO BELTRAN MONTES PALACIOS ROSARIO MENDOZA PONCE TAPIA
    """.split()
)
_LEARNT_GIVEN, _LEARNT_SURNAMES = load_lexicon()
GIVEN_NAMES = _BUILTIN_GIVEN | (_LEARNT_GIVEN - _BUILTIN_SURNAMES)
SURNAMES = _BUILTIN_SURNAMES | (_LEARNT_SURNAMES - _BUILTIN_GIVEN)
_JOSE_MARIA = frozenset({"JOSE", "MARIA", "MA", "J"})


@dataclass(frozen=True, slots=True)
class PersonName:
    """Given names and the two surnames, folded; ``order`` says how the name was written."""

    given: str
    paternal: str
    maternal: str
    order: str  # "given_first" | "surname_first" | "comma" | "identifier" (the order its RFC or CURP spells)
    ambiguous: bool = False  # neither reading was clearly better: see ``readings``

    @property
    def full(self) -> str:
        return " ".join(p for p in (self.given, self.paternal, self.maternal) if p)

    @property
    def first_given(self) -> str:
        """The given name that identifies: after "JOSE" or "MARIA" in a compound name, as the SAT does."""
        names = self.given.split()
        if len(names) > 1 and names[0] in _JOSE_MARIA:
            return names[1]
        return names[0] if names else ""


def _units(text: str) -> list[str]:
    """Words with their particles attached: "MARIA DE LA LUZ" -> ["MARIA", "DE LA LUZ"]."""
    out: list[str] = []
    pending: list[str] = []
    for word in fold(text).replace("Ñ", "N").split():
        if word in _PARTICLES:
            pending.append(word)
        else:
            out.append(" ".join([*pending, word]))
            pending = []
    if pending and out:
        out[-1] = " ".join([out[-1], *pending])
    elif pending:
        out.append(" ".join(pending))
    while out and out[0] in _TITLES:
        out.pop(0)
    return out


def _last_word(unit: str) -> str:
    return unit.rsplit(" ", 1)[-1]


def _is_given(unit: str) -> bool:
    word = _last_word(unit)
    return word in GIVEN_NAMES or len(word) == 1  # an initial stands for a given name ("JOHN R. COCKRELL")


def _is_surname(unit: str) -> bool:
    word = _last_word(unit)
    return word in SURNAMES or (len(word) > 4 and word.endswith("EZ") and word not in GIVEN_NAMES)


def _fit(units: list[str], roles: list[str]) -> int:
    """How well the words fit a reading: +1 for a word known in its role, -1 for one known in the other."""
    score = 0
    for unit, role in zip(units, roles, strict=True):
        given, surname = _is_given(unit), _is_surname(unit)
        if given != surname:
            score += 1 if given == (role == "G") else -1
    return score


@lru_cache(maxsize=200_000)
def parse_person_name(raw: str) -> PersonName:
    """Split a person's name into given names, paternal and maternal surname.

    >>> parse_person_name("José Luis Pérez García")
    PersonName(given='JOSE LUIS', paternal='PEREZ', maternal='GARCIA', order='given_first', ambiguous=False)
    >>> parse_person_name("PEREZ GARCIA JOSE LUIS").paternal
    'PEREZ'
    >>> parse_person_name("Pérez García, José Luis").given
    'JOSE LUIS'
    >>> parse_person_name("MONTENEGRO IRENE ESTEBAN").given
    'IRENE ESTEBAN'
    """
    raw = _SUFFIX.sub("", raw)
    if "," in raw:
        surnames, _, given = raw.partition(",")
        s = _units(surnames)
        return PersonName(" ".join(_units(given)), s[0] if s else "", " ".join(s[1:]), "comma")
    units = _units(raw)
    n = len(units)
    if n <= 1:
        return PersonName(units[0] if units else "", "", "", "given_first")
    given_first = _fit(units, ["G"] * (n - 2) + ["S", "S"] if n > 2 else ["G", "S"])
    surname_first = _fit(units, ["S", "S"] + ["G"] * (n - 2) if n > 2 else ["S", "G"])
    ambiguous = abs(surname_first - given_first) < 2
    if n > 2 and surname_first > given_first:
        # "PATERNO NOMBRE NOMBRE": the maternal surname left out, which the words show when they are known
        paternal_only = _fit(units, ["S"] + ["G"] * (n - 1))
        if paternal_only > surname_first:
            return PersonName(" ".join(units[1:]), units[0], "", "surname_first")
    if surname_first > given_first:
        return _surname_first(units, ambiguous)
    run = 0
    while run < n and _is_given(units[run]):
        run += 1
    given_count = max(1, min(run, n - 1)) if run else max(1, n - 2)
    if given_count == n - 1 or n == 2:
        return PersonName(" ".join(units[:given_count]), units[given_count], "", "given_first", ambiguous)
    rest = units[given_count:]
    return PersonName(" ".join(units[:given_count]), rest[0], " ".join(rest[1:]), "given_first", ambiguous)


def _surname_first(units: list[str], ambiguous: bool) -> PersonName:
    lead = 2 if len(units) >= 3 else 1
    return PersonName(" ".join(units[lead:]), units[0], units[1] if lead == 2 else "", "surname_first", ambiguous)


def readings(raw: str) -> tuple[PersonName, ...]:
    """The likely reading of a name, and the other order too when the words do not tell.

    >>> [r.order for r in readings("VALDES CEPEDA BERNABE")]
    ['given_first', 'surname_first']
    """
    first = parse_person_name(raw)
    if not first.ambiguous or first.order == "comma":
        return (first,)
    units = _units(_SUFFIX.sub("", raw))
    if first.order == "surname_first":
        given_count = max(1, len(units) - 2)
        other = PersonName(" ".join(units[:given_count]), units[given_count], " ".join(units[given_count + 1 :]),
                           "given_first", True)
    else:
        other = _surname_first(units, True)
    return (first, other)


@lru_cache(maxsize=200_000)
def all_readings(raw: str) -> tuple[PersonName, ...]:
    """Every plausible reading of a name without a comma: the likely ones first, then both orders with two
    surnames, so that a misread order can still be recognised when another mention spells it out.

    Comparison uses these only to find agreement (``compare.person_name``); blocking keeps to ``readings``.

    >>> [r.given for r in all_readings("Héctor Gerónimo Lozada Valadez")][-2:]
    ['HECTOR GERONIMO', 'LOZADA VALADEZ']
    """
    likely = readings(raw)
    if likely[0].order == "comma":
        return likely
    units = _units(_SUFFIX.sub("", raw))
    n = len(units)
    if n < 2:
        return likely
    if n == 2:
        others = [PersonName(units[0], units[1], "", "given_first", True),
                  PersonName(units[1], units[0], "", "surname_first", True)]
    else:
        others = [PersonName(" ".join(units[: n - 2]), units[n - 2], units[n - 1], "given_first", True),
                  PersonName(" ".join(units[2:]), units[0], units[1], "surname_first", True),
                  PersonName(" ".join(units[: n - 1]), units[n - 1], "", "given_first", True),
                  PersonName(" ".join(units[1:]), units[0], "", "surname_first", True)]
    seen = {(r.given, r.paternal, r.maternal) for r in likely}
    extra = tuple(r for r in others if (r.given, r.paternal, r.maternal) not in seen)
    return likely + extra


@lru_cache(maxsize=200_000)
def reads_as_person(raw: str) -> bool:
    """The words of a name without legal form read as a person's: two to six words, each a known given name or
    surname (one unknown word allowed in three or more: surnames are too many for any list), at least one of
    each ("GUERRERO ESCAMILLA JOSUE DAVID", "BERNI SILVA JULIO").

    Suppliers that are natural people often reach procurement records as "companies" without an RFC. Reading
    a name as a person's only lets it be compared with people: joining one still takes a person's name that
    agrees, well above the match threshold (``resolver.CROSS_MARGIN``).

    >>> reads_as_person("GUERRERO ESCAMILLA JOSUE DAVID"), reads_as_person("CONSTRUCTORA GARCIA")
    (True, False)
    >>> reads_as_person("BERNI SILVA JULIO"), reads_as_person("PAPELERA DEL OCCIDENTE")
    (True, False)
    """
    units = _units(_SUFFIX.sub("", raw))
    if not 2 <= len(units) <= 6 or any(not _last_word(u).isalpha() for u in units):
        return False
    given = sum(_is_given(u) and len(_last_word(u)) > 1 for u in units)
    surnames = sum(_is_surname(u) for u in units)
    unknown = sum(not _is_given(u) and not _is_surname(u) for u in units)
    return given >= 1 and surnames >= 1 and unknown <= (1 if len(units) >= 3 else 0)
