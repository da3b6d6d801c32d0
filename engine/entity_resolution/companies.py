"""Company names: legal forms reduced to one code, kept apart from the name.

The legal form is read from the end of the name, whatever its spelling ("S.A. de C.V.",
"SA DE CV", "Sociedad Anónima de Capital Variable"), including a form cut short by
CompraNet's field length ("MANIOBRAS SA DE").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from engine.entity_resolution.text import tokens

__all__ = ["LEGAL_FORMS", "CompanyName", "parse_company_name", "STOPWORDS"]

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
    "LLC": ("LLC", "LIMITEDLIABILITYCOMPANY"),
    "LLP": ("LLP",),
    "INC": ("INC", "INCORPORATED"),
    "CORP": ("CORP", "CORPORATION"),
    "LTD": ("LTD", "LIMITED", "PTYLTD"),
    "PLC": ("PLC",),
    "GMBH": ("GMBH",),
    "AG": ("AG",),
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

STOPWORDS = frozenset(
    {"DE", "DEL", "LA", "LAS", "LOS", "EL", "Y", "E", "EN", "A", "AL", "PARA", "POR", "CON", "THE", "OF"}
)


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
        """The words that carry the name: no articles or prepositions."""
        return [w for w in self.name.split() if w not in STOPWORDS]


@lru_cache(maxsize=200_000)
def parse_company_name(raw: str) -> CompanyName:
    """Split a company name into its folded name and its legal-form code.

    >>> parse_company_name("Grúas, Fletes y Maniobras, S.A. de C.V.")
    CompanyName(name='GRUAS FLETES Y MANIOBRAS', legal_form='SA_DE_CV', truncated_form=False)
    >>> parse_company_name("GRUAS FLETES Y MANIOBRAS SA DE").legal_form
    'SA_DE_CV'
    """
    words = tokens(raw)
    sofom = ""
    for k in range(min(3, len(words) - 1), 0, -1):
        if "".join(words[-k:]) in _SOFOM:
            words, sofom = words[:-k], "_SOFOM"
            break
    for k in range(min(_MAX_FORM_WORDS, len(words) - 1), 0, -1):
        code = _EXACT.get("".join(words[-k:]))
        if code:
            return CompanyName(" ".join(words[:-k]), code + sofom)
    for k in range(min(_MAX_FORM_WORDS, len(words) - 1), 1, -1):
        # a form cut short: at least two words of it ("SA DE", "S DE R")
        code = _PREFIXES.get("".join(words[-k:]))
        if code and len(words[-k]) <= 8:
            return CompanyName(" ".join(words[:-k]), code + sofom, truncated_form=True)
    return CompanyName(" ".join(words), sofom.lstrip("_"))
