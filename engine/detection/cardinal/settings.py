"""Cardinal's settings file (INI), parsed into typed settings.

The format is the one ``ocdscardinal init`` writes: global keys before the first section, an
``[exclusions]`` section, one section per indicator code (its presence enables the indicator, even
when empty), ``[R003.procurement_method_details]`` for per-method thresholds, and the sections of
Cardinal's ``prepare`` command, which are checked and kept but do not affect indicators. Comments
start a line with ``;`` or ``#``. An unknown section or key, a repeated one, or a value of the
wrong type raises :class:`SettingsError`: a typo must never silently fall back to a default.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any

__all__ = [
    "INDICATOR_SECTIONS",
    "R003Settings",
    "R018Settings",
    "R024Settings",
    "R025Settings",
    "R028Settings",
    "R030Settings",
    "R035Settings",
    "R036Settings",
    "R038Settings",
    "R048Settings",
    "R058Settings",
    "ExclusionSettings",
    "Settings",
    "SettingsError",
    "pipe_separated",
]


class SettingsError(ValueError):
    """The settings file does not describe a valid Cardinal configuration."""


def _text(value: str) -> str:
    return value


def _integer(value: str) -> int:
    if not re.fullmatch(r"[+-]?\d+", value):
        raise ValueError(f"{value!r} is not an integer")
    return int(value)


def _natural(value: str) -> int:
    if not re.fullmatch(r"\+?\d+", value):
        raise ValueError(f"{value!r} is not a non-negative integer")
    return int(value)


def _decimal(value: str) -> float:
    if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", value):
        raise ValueError(f"{value!r} is not a decimal number")
    return float(value)


def _boolean(value: str) -> bool:
    # The spellings the Rust `config` crate accepts for booleans.
    lowered = value.lower()
    if lowered in ("true", "1", "yes", "on"):
        return True
    if lowered in ("false", "0", "no", "off"):
        return False
    raise ValueError(f"{value!r} is not a boolean")


def _setting(parse: Callable[[str], Any]) -> Any:
    return field(default=None, metadata={"parse": parse})


def pipe_separated(value: str | None) -> frozenset[str]:
    """Split ``a|b|c`` as Rust's ``split_terminator('|')`` does: a trailing ``|`` adds no empty entry."""
    if not value:
        return frozenset()
    parts = value.split("|")
    if parts[-1] == "":
        parts.pop()
    return frozenset(parts)


@dataclass(frozen=True)
class R003Settings:
    threshold: int | None = _setting(_integer)
    procurement_methods: str | None = _setting(_text)
    procurement_method_details: Mapping[str, int] | None = _setting(_integer)  # from [R003.procurement_method_details]


@dataclass(frozen=True)
class R018Settings:
    procurement_methods: str | None = _setting(_text)


@dataclass(frozen=True)
class R024Settings:
    threshold: float | None = _setting(_decimal)


@dataclass(frozen=True)
class R025Settings:
    percentile: int | None = _setting(_natural)
    threshold: float | None = _setting(_decimal)


@dataclass(frozen=True)
class R028Settings:
    pass


@dataclass(frozen=True)
class R030Settings:
    pass


@dataclass(frozen=True)
class R035Settings:
    threshold: int | None = _setting(_natural)


@dataclass(frozen=True)
class R036Settings:
    pass


@dataclass(frozen=True)
class R038Settings:
    threshold: float | None = _setting(_decimal)
    minimum_submitted_bids: int | None = _setting(_natural)
    minimum_contracting_processes: int | None = _setting(_natural)


@dataclass(frozen=True)
class R048Settings:
    digits: int | None = _setting(_natural)
    threshold: int | None = _setting(_natural)
    minimum_contracting_processes: int | None = _setting(_natural)


@dataclass(frozen=True)
class R058Settings:
    threshold: float | None = _setting(_decimal)


@dataclass(frozen=True)
class ExclusionSettings:
    procurement_method_details: str | None = _setting(_text)


INDICATOR_SECTIONS: Mapping[str, type] = MappingProxyType(
    {
        "R003": R003Settings,
        "R018": R018Settings,
        "R024": R024Settings,
        "R025": R025Settings,
        "R028": R028Settings,
        "R030": R030Settings,
        "R035": R035Settings,
        "R036": R036Settings,
        "R038": R038Settings,
        "R048": R048Settings,
        "R058": R058Settings,
    }
)

_GLOBAL_KEYS = {
    "currency": _text,
    "no_price_comparison_procurement_methods": _text,
    "price_comparison_procurement_methods": _text,
}

# Sections of Cardinal's `prepare` command: valid in a Cardinal settings file, irrelevant to indicators.
_PREPARE_SECTIONS: dict[str, dict[str, Callable[[str], Any]] | None] = {
    "defaults": {
        "currency": _text,
        "item_classification_scheme": _text,
        "bid_status": _text,
        "award_status": _text,
        "party_roles": _boolean,
    },
    "redactions": {"amount": _text, "organization_id": _text},
    "corrections": {"award_status_by_contract_status": _boolean},
    "modifications": {
        "move_auctions": _boolean,
        "prefix_buyer_or_procuring_entity_id": _text,
        "prefix_tenderer_or_supplier_id": _text,
        "split_procurement_method_details": _text,
    },
    "codelists.bid_status": None,  # any original code, mapped to a standard code
    "codelists.award_status": None,
}

_NOT_IMPLEMENTED = {"R055": "Cardinal's R055 is not implemented here"}


@dataclass(frozen=True)
class Settings:
    """What Cardinal's ``indicators`` command reads: a section in ``indicators`` enables that indicator."""

    currency: str | None = None
    no_price_comparison_procurement_methods: str | None = None
    price_comparison_procurement_methods: str | None = None
    exclusions: ExclusionSettings = ExclusionSettings()
    indicators: Mapping[str, Any] = field(default_factory=dict)
    prepare: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def section(self, code: str) -> Any:
        """The typed section of an enabled indicator."""
        return self.indicators[code]

    @classmethod
    def all_indicators(cls) -> Settings:
        """Every indicator enabled with its defaults, like the documentation's ``settings.ini``."""
        return cls(indicators={code: section() for code, section in INDICATOR_SECTIONS.items()})

    @classmethod
    def from_path(cls, path: str | Path) -> Settings:
        return cls.from_ini(Path(path).read_text(encoding="utf-8"), source=str(path))

    @classmethod
    def from_ini(cls, text: str, source: str = "<settings>") -> Settings:
        sections = _read_sections(text, source)
        top_level = sections.pop("", {})
        globals_ = {key: _convert(_GLOBAL_KEYS, key, value, source, "global") for key, value in top_level.items()}
        exclusions = _build(ExclusionSettings, sections.pop("exclusions", {}), source, "exclusions")
        prepare = {
            name: _convert_prepare(name, sections.pop(name), source)
            for name in list(sections)
            if name in _PREPARE_SECTIONS
        }
        indicators: dict[str, Any] = {}
        for name in list(sections):
            code, _, sub = name.partition(".")
            if code in _NOT_IMPLEMENTED:
                raise SettingsError(f"{source}: [{name}]: {_NOT_IMPLEMENTED[code]}")
            if code not in INDICATOR_SECTIONS:
                raise SettingsError(f"{source}: unknown section [{name}]")
            if sub == "":
                indicators.setdefault(code, {}).update(sections.pop(name))
            elif code == "R003" and sub == "procurement_method_details":
                # A nested section is a map of procurement method details to thresholds in days.
                table = sections.pop(name)
                indicators.setdefault(code, {})[sub] = {
                    key: _convert({key: _integer}, key, value, source, name) for key, value in table.items()
                }
            else:
                raise SettingsError(f"{source}: unknown section [{name}]")
        built = {
            code: _build(INDICATOR_SECTIONS[code], indicators[code], source, code)
            for code in INDICATOR_SECTIONS
            if code in indicators
        }
        return cls(exclusions=exclusions, indicators=built, prepare=prepare, **globals_)


def _read_sections(text: str, source: str) -> dict[str, dict[str, str]]:
    sections: dict[str, dict[str, str]] = {"": {}}
    current = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] in ";#":
            continue
        if line.startswith("["):
            if not line.endswith("]") or not line[1:-1].strip():
                raise SettingsError(f"{source}:{number}: malformed section header {raw!r}")
            current = line[1:-1].strip()
            if current in sections:
                raise SettingsError(f"{source}:{number}: section [{current}] is repeated")
            sections[current] = {}
            continue
        key, separator, value = line.partition("=")
        if not separator or not key.strip():
            raise SettingsError(f"{source}:{number}: expected 'key = value', got {raw!r}")
        key = key.strip()
        if key in sections[current]:
            raise SettingsError(f"{source}:{number}: key {key!r} is repeated")
        sections[current][key] = value.strip()
    return sections


def _convert(parsers: Mapping[str, Callable[[str], Any]], key: str, value: str, source: str, where: str) -> Any:
    if key not in parsers:
        raise SettingsError(f"{source}: unknown key {key!r} in [{where}] (known: {', '.join(parsers) or 'none'})")
    try:
        return parsers[key](value)
    except ValueError as error:
        raise SettingsError(f"{source}: [{where}] {key}: {error}") from None


def _convert_prepare(name: str, values: dict[str, str], source: str) -> Mapping[str, Any]:
    parsers = _PREPARE_SECTIONS[name]
    if parsers is None:
        return MappingProxyType(dict(values))
    return MappingProxyType({key: _convert(parsers, key, value, source, name) for key, value in values.items()})


def _build(section_type: type, values: Mapping[str, Any], source: str, where: str) -> Any:
    parsers = {f.name: f.metadata["parse"] for f in fields(section_type)}
    converted = {
        key: MappingProxyType(value) if isinstance(value, dict) else _convert(parsers, key, value, source, where)
        for key, value in values.items()
    }
    return section_type(**converted)
