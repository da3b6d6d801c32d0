"""Company names: legal forms reduced to one code, kept apart from the name.

The legal form is read from the end of the name, whatever its spelling ("S.A. de C.V.",
"SA DE CV", "Sociedad Anónima de Capital Variable"), including a form cut short by
CompraNet's field length ("MANIOBRAS SA DE").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from engine.entity_resolution import fuzzy
from engine.entity_resolution.text import tokens

__all__ = ["LEGAL_FORMS", "CompanyName", "parse_company_name", "STOPWORDS", "UNIT_WORDS", "ROLE_WORDS", "align_words",
           "same_word", "initials", "names_a_part"]

# code -> spellings, compacted (folded words joined without spaces). First match wins on
# truncated forms, so the commonest full form of a prefix is listed first.
LEGAL_FORMS: dict[str, tuple[str, ...]] = {
    "SA_DE_CV": ("SADECV", "SACV", "SOCIEDADANONIMADECAPITALVARIABLE", "SOCIEDADANONIMADECV"),
    "SAPI_DE_CV": ("SAPIDECV", "SOCIEDADANONIMAPROMOTORADEINVERSIONDECAPITALVARIABLE", "SAPICV"),
    "SAPI": ("SAPI", "SOCIEDADANONIMAPROMOTORADEINVERSION"),
    "SAB_DE_CV": ("SABDECV", "SOCIEDADANONIMABURSATILDECAPITALVARIABLE", "SABCV"),
    "SAB": ("SAB", "SOCIEDADANONIMABURSATIL"),
    "S_DE_RL_DE_CV": ("SDERLDECV", "SRLDECV", "SOCIEDADDERESPONSABILIDADLIMITADADECAPITALVARIABLE", "SRLCV"),
    "S_DE_RL": ("SDERL", "SOCIEDADDERESPONSABILIDADLIMITADA", "SRL"),
    "SPR_DE_RL_DE_CV": ("SPRDERLDECV", "SOCIEDADDEPRODUCCIONRURALDERESPONSABILIDADLIMITADADECAPITALVARIABLE"),
    "SPR_DE_RL": ("SPRDERL", "SOCIEDADDEPRODUCCIONRURALDERESPONSABILIDADLIMITADA", "SPRRL"),
    "SPR_DE_RI": ("SPRDERI", "SOCIEDADDEPRODUCCIONRURALDERESPONSABILIDADILIMITADA"),
    "SC_DE_RL_DE_CV": ("SCDERLDECV", "SOCIEDADCOOPERATIVADERESPONSABILIDADLIMITADADECAPITALVARIABLE"),
    "SC_DE_RL": ("SCDERL", "SOCIEDADCOOPERATIVADERESPONSABILIDADLIMITADA"),
    "SAS_DE_CV": ("SASDECV", "SOCIEDADPORACCIONESSIMPLIFICADADECAPITALVARIABLE"),
    "SAS": ("SAS", "SOCIEDADPORACCIONESSIMPLIFICADA"),
    "S_EN_C": ("SENC", "SENCS", "SOCIEDADENCOMANDITASIMPLE", "SOCIEDADENCOMANDITA"),
    "S_EN_NC": ("SENNC", "SOCIEDADENNOMBRECOLECTIVO"),
    "SA": ("SA", "SOCIEDADANONIMA"),
    "SC": ("SC", "SOCIEDADCIVIL"),
    "AC": ("AC", "ASOCIACIONCIVIL"),
    "IAP": ("IAP", "INSTITUCIONDEASISTENCIAPRIVADA"),
    "ABP": ("ABP", "ASOCIACIONDEBENEFICENCIAPRIVADA"),
    "LLC": ("LLC", "LIMITEDLIABILITYCOMPANY", "LC"),
    "LLP": ("LLP",),
    "LP": ("LP", "LIMITEDPARTNERSHIP"),
    "INC": ("INC", "INCORPORATED"),
    "CORP": ("CORP", "CORPORATION"),
    "CO_LTD": ("COLTD", "COMPANYLIMITED", "COMPANYLTD", "COLIMITED"),
    "LTD": ("LTD", "LIMITED", "PTYLTD", "PTELTD", "PTY"),
    "CO": ("CO", "COMPANY", "YCO", "YCIE", "CIE"),
    "PLC": ("PLC",),
    "KG": ("KG", "GMBHYCOKG", "GMBHCOKG", "YCOKG", "COKG", "KGAA", "KOMMANDITGESELLSCHAFT"),
    "GMBH": ("GMBH", "MBH"),
    "AG": ("AG", "AKTIENGESELLSCHAFT"),
    "KK": ("KK", "KABUSHIKIKAISHA", "KABUSHIKIGAISHA"),
    "AB": ("AB", "AKTIEBOLAG", "AKTIEBOLAGET"),
    "OY": ("OY", "OYJ"),
    "SL": ("SL", "SOCIEDADLIMITADA"),
    "SARL": ("SARL",),
    "SPA": ("SPA",),
    "BV": ("BV",),
    "NV": ("NV",),
}
_SOFOM = ("SOFOMENR", "SOFOMER", "SOFOM")
_EXACT = {spelling: code for code, spellings in LEGAL_FORMS.items() for spelling in spellings}
_PREFIXES: dict[str, str] = {}
for _code, _spellings in LEGAL_FORMS.items():
    for _spelling in _spellings:
        for _i in range(3, len(_spelling)):
            _PREFIXES.setdefault(_spelling[:_i], _code)
_MAX_FORM_WORDS = 10
_INTERNATIONAL = frozenset({"LLC", "LLP", "LP", "INC", "CORP", "CO_LTD", "LTD", "CO", "PLC", "KG", "GMBH", "AG", "KK",
                            "AB", "OY", "SA", "SL", "SARL", "SPA", "BV", "NV"})

STOPWORDS = frozenset(
    {"DE", "DEL", "LA", "LAS", "LOS", "EL", "Y", "E", "EN", "A", "AL", "PARA", "POR", "CON", "THE", "OF",
     "AND", "FOR", "AS", "BY", "AT", "ON", "IN", "ET", "DES", "DU", "LE", "LES", "D", "L", "UND", "DER"}
)
# words that name a part of an organisation: a name that adds one to another is that part, not the whole
# ("GENERAL DYNAMICS POMONA DIVISION" is not "GENERAL DYNAMICS"); English and Spanish, abbreviations too
UNIT_WORDS = frozenset("""DIVISION DIV DEPARTMENT DEPT BRANCH LABORATORY LABORATORIES LAB LABS FACILITY PLANT OFFICE
CENTER CENTRE CTR INSTITUTE INST FOUNDATION FOUND SCHOOL HOSPITAL SUBSIDIARY UNIT SECTION AGENCY BUREAU COMMAND
STATION CAMPUS SUCURSAL PLANTA DEPARTAMENTO FILIAL AGENCIA OFICINA DELEGACION UNIDAD INSTITUTO FUNDACION
LABORATORIO CENTRO ESCUELA CLINICA""".split())
# words that name who acts for an organisation, not the organisation: its governing body ("The Regents of the
# University of California", "Board of Trustees of the Leland Stanford Junior University") or the official or
# government that represents it ("The United States of America as represented by the Secretary of the Navy");
# English, Spanish and French
ROLE_WORDS = frozenset("""BOARD BD TRUSTEES TRUSTEE REGENTS REGENT GOVERNORS SUPERVISORS CURATORS FELLOWS
SECRETARY SECY ADMINISTRATOR COMMISSIONER DIRECTOR REPRESENTED REPRESENTING ACTING BEHALF GOVERNMENT
REPRESENTADO REPRESENTADA REPRESENTE REPRESENTEE GOBIERNO GOUVERNEMENT""".split())


@dataclass(frozen=True, slots=True)
class CompanyName:
    """A company name without its legal form, and the legal form's code ('' when none)."""

    name: str
    legal_form: str
    truncated_form: bool = False

    @property
    def words(self) -> list[str]:
        return self.name.split()

    @property
    def significant(self) -> list[str]:
        """The words that carry the name, each once: no articles or prepositions, no legal-form word left inside
        the name ("GENERAL DYNAMICS CORP SPACE SYSTEMS"), no governing body or representative (``ROLE_WORDS``),
        and initials written apart read as one word ("S G N": "SGN")."""
        return _significant(self.name)


_FORM_WORDS = frozenset({"CORP", "CORPORATION", "INC", "INCORPORATED", "CO", "COMPANY", "LTD", "LIMITED", "GMBH",
                         "LLC", "PLC", "KK"})


@lru_cache(maxsize=200_000)
def _significant(name: str) -> list[str]:
    out: list[str] = []
    letters = ""
    for w in name.split():
        if len(w) == 1 and w.isalpha() and w not in ("Y", "E", "A"):
            letters += w
            continue
        if letters:
            out.append(letters)
            letters = ""
        if w not in STOPWORDS and w not in _FORM_WORDS and w not in ROLE_WORDS and w not in out:
            out.append(w)
    if letters and letters not in out:
        out.append(letters)
    return out or [w for w in name.split() if w not in STOPWORDS]


@lru_cache(maxsize=200_000)
def parse_company_name(raw: str) -> CompanyName:
    """Split a company name into its folded name and its legal-form code.

    >>> parse_company_name("Grúas, Fletes y Maniobras, S.A. de C.V.")
    CompanyName(name='GRUAS FLETES Y MANIOBRAS', legal_form='SA_DE_CV', truncated_form=False)
    >>> parse_company_name("GRUAS FLETES Y MANIOBRAS SA DE").legal_form
    'SA_DE_CV'
    """
    words = tokens(raw)
    if len(words) > 1 and words[0] == "THE":
        words = words[1:]
    if len(words) > 1 and words[-1] == "THE":  # "PALM, THE": a listing's order
        words = words[:-1]
    sofom = ""
    for k in range(min(3, len(words) - 1), 0, -1):
        if "".join(words[-k:]) in _SOFOM:
            words, sofom = words[:-k], "_SOFOM"
            break
    for k in range(min(_MAX_FORM_WORDS, len(words) - 1), 0, -1):
        code = _EXACT.get("".join(words[-k:]))
        if code:
            rest = words[:-k]
            for j in range(min(_MAX_FORM_WORDS, len(rest) - 1), 0, -1):  # "CO LTD", "CORP INC": a form on a form
                if code in _INTERNATIONAL and _EXACT.get("".join(rest[-j:])) in _INTERNATIONAL:
                    rest = rest[:-j]
                    break
            return CompanyName(" ".join(rest), code + sofom)
    for k in range(min(_MAX_FORM_WORDS, len(words) - 1), 1, -1):
        # a form cut short: at least two words of it ("SA DE", "S DE R")
        code = _PREFIXES.get("".join(words[-k:]))
        if code and len(words[-k]) <= 8:
            return CompanyName(" ".join(words[:-k]), code + sofom, truncated_form=True)
    return CompanyName(" ".join(words), sofom.lstrip("_"))


def _singular(word: str) -> str:
    """An English or Spanish plural reduced to its singular, roughly: "TECHNOLOGIES", "SERVICIOS", "LABS"."""
    if word.endswith("IES"):
        return word[:-3] + "Y"
    if word.endswith("ES") and word[-3:-2] in ("R", "L", "N", "D", "J", "Z"):
        return word[:-2]  # "PROVEEDORES", "MATERIALES"
    return word[:-1] if word.endswith("S") and not word.endswith("SS") else word


# Endings that make another word of one stem ("INDUSTRY", "INDUSTRIAL", "INDUSTRIES"; "TECNOLOGIA",
# "TECNOLOGICA"): longest first.
_ENDINGS = ("IALES", "ICAS", "ICOS", "ICAL", "IES", "IAL", "ICA", "ICO", "ICS", "ALES", "AL", "IC", "Y", "OS", "AS",
            "ES", "S", "O", "A")
MIN_STEM = 6  # letters two words must share before their endings for one stem to make them one word


def _stem(word: str) -> str:
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
            return word[: -len(ending)]
    return word


def _in_order(short: str, long_: str) -> bool:
    found = 0
    for ch in long_:
        if found < len(short) and ch == short[found]:
            found += 1
    return found == len(short)


@lru_cache(maxsize=200_000)
def same_word(a: str, b: str) -> bool:
    """Two spellings of one word of a company name: equal, one typo apart (two in a long word), or one an
    abbreviation of the other, cut short ("UNIV", "TECH") or contracted ("MFG", "DEPT", "NATL"; "JR", "BD": the
    first and last letters)."""
    if a == b or (len(a) > 3 and len(b) > 3 and _singular(a) == _singular(b)):
        return True
    if len(a) > MIN_STEM and len(b) > MIN_STEM and (stem := _stem(a)) == _stem(b) and stem not in (a, b):
        return True  # one stem with another ending: "INDUSTRIAL" / "INDUSTRY"
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) == 2 and len(long_) >= 4:
        return short[0] == long_[0] and short[1] == long_[-1]
    if len(short) >= 3 and short[0] == long_[0] and len(long_) >= len(short) + 2:
        if long_.startswith(short) or (len(short) <= 5 and _in_order(short, long_)):
            return True
    return len(short) >= 4 and fuzzy.typo_distance(a, b, cutoff=2) <= (2 if len(short) >= 8 else 1)


def align_words(xs: list[str], ys: list[str]) -> tuple[int, list[str], list[str]]:
    """Pair the words of two names, equal words first, then spellings of one word (``same_word``), in any order.

    Returns how many words were paired and the words of each name left without a partner: what tells a
    division, an agency or a branch apart from its parent, and a short name from the long form it is the core of.
    """
    rest_y = list(ys)
    unpaired_x: list[str] = []
    for x in xs:
        if x in rest_y:
            rest_y.remove(x)
        else:
            unpaired_x.append(x)
    left_x: list[str] = []
    for x in unpaired_x:
        partner = next((y for y in rest_y if same_word(x, y)), None)
        if partner is None:
            left_x.append(x)
        else:
            rest_y.remove(partner)
    left_x, rest_y = _acronyms_paired(left_x, rest_y, xs, ys)
    return len(xs) - len(left_x), left_x, rest_y


def _acronyms_paired(left_x: list[str], left_y: list[str], xs: list[str], ys: list[str]) -> tuple[list[str], list[str]]:
    """Words left over that are the acronym of words the names spell out ("NASA", "MTU", "US"): paired with the
    run of the other's leftover words they abbreviate, or dropped when they abbreviate words both names share."""
    for left, other_left, own, other in ((left_x, left_y, xs, ys), (left_y, left_x, ys, xs)):
        for word in [w for w in left if 2 <= len(w) <= 6]:
            run = _run_spelt(word, other_left)
            if run:
                left.remove(word)
                for w in run:
                    other_left.remove(w)
            elif _run_spelt(word, [w for w in own if w != word]) or _run_spelt(word, other):
                left.remove(word)
    return left_x, left_y


def _run_spelt(acronym: str, words: list[str]) -> list[str]:
    """The run of consecutive words whose initials spell the acronym, or []."""
    n = len(acronym)
    for i in range(len(words) - n + 1):
        if initials(words[i : i + n]) == acronym:
            return words[i : i + n]
    return []


def names_a_part(extra: list[str]) -> bool:
    """Words added to an organisation's name that name a part of it: a unit word with what tells the unit apart
    ("POMONA DIVISION", "SPACE SYSTEMS DIV"); a unit word alone ("X DEPARTMENT") is the organisation itself."""
    return any(w in UNIT_WORDS for w in extra) and any(w not in UNIT_WORDS and w not in STOPWORDS for w in extra)


def initials(words: list[str]) -> str:
    """The first letters of the words: what an acronym spells."""
    return "".join(w[0] for w in words if w)
