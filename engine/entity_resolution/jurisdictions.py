"""Where a public body belongs: the order of government and, below the federation, the state.

Two bodies with the same name in different states are different institutions (every state has
its "Secretaría General de Gobierno"), so a body's jurisdiction is evidence that must agree.
Sources say it in different ways: PDN S1/S2 give ``nivelOrdenGobierno`` (FEDERAL, ESTATAL,
MUNICIPAL) and ``entidadFederativa`` (an INEGI code or a state's name); an OCDS party gives
its address's region ("DF", "Jalisco", "Ciudad de México"); a name may end with its place
("… de la Ciudad de México", "… del Estado de Jalisco"). A federal body's address says where
its offices are, not whose it is, so the state counts only below the federation.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from engine.entity_resolution.text import fold

__all__ = ["Jurisdiction", "STATES", "state_code", "level_of", "UNKNOWN"]

# INEGI codes of the 32 federal entities, with the spellings sources use.
STATES: dict[str, tuple[str, ...]] = {
    "01": ("AGUASCALIENTES", "AGS"),
    "02": ("BAJA CALIFORNIA", "BC"),
    "03": ("BAJA CALIFORNIA SUR", "BCS"),
    "04": ("CAMPECHE", "CAMP"),
    "05": ("COAHUILA", "COAHUILA DE ZARAGOZA", "COAH"),
    "06": ("COLIMA", "COL"),
    "07": ("CHIAPAS", "CHIS"),
    "08": ("CHIHUAHUA", "CHIH"),
    "09": ("CIUDAD DE MEXICO", "DISTRITO FEDERAL", "CDMX", "DF", "MEXICO DF", "MEXICO D F", "D F"),
    "10": ("DURANGO", "DGO"),
    "11": ("GUANAJUATO", "GTO"),
    "12": ("GUERRERO", "GRO"),
    "13": ("HIDALGO", "HGO"),
    "14": ("JALISCO", "JAL"),
    "15": ("ESTADO DE MEXICO", "MEXICO", "EDOMEX", "EDO MEX", "EDO DE MEXICO"),
    "16": ("MICHOACAN", "MICHOACAN DE OCAMPO", "MICH"),
    "17": ("MORELOS", "MOR"),
    "18": ("NAYARIT", "NAY"),
    "19": ("NUEVO LEON", "NL"),
    "20": ("OAXACA", "OAX"),
    "21": ("PUEBLA", "PUE"),
    "22": ("QUERETARO", "QUERETARO DE ARTEAGA", "QRO"),
    "23": ("QUINTANA ROO", "Q ROO", "QROO"),
    "24": ("SAN LUIS POTOSI", "SLP"),
    "25": ("SINALOA", "SIN"),
    "26": ("SONORA", "SON"),
    "27": ("TABASCO", "TAB"),
    "28": ("TAMAULIPAS", "TAMPS"),
    "29": ("TLAXCALA", "TLAX"),
    "30": ("VERACRUZ", "VERACRUZ DE IGNACIO DE LA LLAVE", "VER"),
    "31": ("YUCATAN", "YUC"),
    "32": ("ZACATECAS", "ZAC"),
}
_BY_NAME = {name: code for code, names in STATES.items() for name in names}
# Names a body may end with to say whose it is (longest first when matching).
STATE_NAMES = sorted((n for names in STATES.values() for n in names if len(n) > 3), key=len, reverse=True)

_LEVELS = {
    "FEDERAL": "federal", "FEDERACION": "federal", "NACIONAL": "federal",
    "ESTATAL": "state", "ESTADO": "state", "ENTIDAD FEDERATIVA": "state",
    "MUNICIPAL": "municipal", "MUNICIPIO": "municipal", "ALCALDIA": "municipal", "MUNICIPAL ALCALDIA": "municipal",
}


@lru_cache(maxsize=4096)
def state_code(value: str | None) -> str | None:
    """The INEGI code of a state given by code ("14", "9") or by name ("Jalisco", "DF")."""
    if not value:
        return None
    folded = fold(value)
    if folded.isdigit() and 1 <= int(folded) <= 32:
        return f"{int(folded):02d}"
    return _BY_NAME.get(folded) or _BY_NAME.get(folded.removeprefix("ESTADO DE ").removeprefix("EDO DE "))


def level_of(value: str | None) -> str | None:
    """'federal', 'state' or 'municipal' from ``nivelOrdenGobierno`` and the like."""
    return _LEVELS.get(fold(value)) if value else None


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    """An order of government and a state (INEGI code); either may be unknown."""

    level: str | None = None
    state: str | None = None

    @property
    def known(self) -> bool:
        return self.level is not None or self.state is not None

    def conflicts(self, other: Jurisdiction) -> bool:
        """Two bodies that cannot be one: different orders of government, or different states below the
        federation (a federal body's state is where its offices are, not whose it is)."""
        if self.level and other.level and self.level != other.level:
            return True
        if "federal" in (self.level, other.level):
            return False
        return bool(self.state and other.state and self.state != other.state)

    def agrees(self, other: Jurisdiction) -> bool:
        """Both say the same thing about something they both know."""
        if self.conflicts(other):
            return False
        same_level = bool(self.level and self.level == other.level)
        same_state = bool(self.state and self.state == other.state)
        return same_level or same_state

    def merged(self, other: Jurisdiction) -> Jurisdiction:
        return Jurisdiction(self.level or other.level, self.state or other.state)

    def describe(self) -> str:
        parts = [self.level or "", f"state {self.state}" if self.state else ""]
        return " ".join(p for p in parts if p) or "unknown"


UNKNOWN = Jurisdiction()
