"""The detection patterns, by stable code, and their settings.

Adding a pattern: one module in ``patterns/``, one line here, one section in
``patterns.toml``, one fixture, one paragraph of documentation.
"""

from __future__ import annotations

import os
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from engine.detection.base import Pattern, PatternConfig
from engine.detection.patterns.p001_sat69b_supplier import SAT69BSupplier
from engine.detection.patterns.p002_official_controls_supplier import OfficialControlsSupplier
from engine.detection.patterns.p003_official_controls_supplier_chain import OfficialControlsSupplierChain
from engine.detection.patterns.p004_intervened_for_linked_winner import IntervenedForLinkedWinner
from engine.detection.patterns.p005_sanctioned_supplier import SanctionedSupplier
from engine.detection.patterns.p006_supplier_tied_to_sanctioned import SupplierTiedToSanctioned
from engine.detection.patterns.p007_tenderers_share_details import TenderersShareDetails
from engine.detection.patterns.p008_new_company_large_award import NewCompanyLargeAward
from engine.detection.patterns.p009_suppliers_share_address import SuppliersShareAddress
from engine.detection.patterns.p010_bid_rotation_ring import BidRotationRing
from engine.detection.patterns.p011_cardinal_indicators import P011

PATTERNS: dict[str, Pattern] = {
    p.code: p
    for p in (
        SAT69BSupplier(),
        OfficialControlsSupplier(),
        OfficialControlsSupplierChain(),
        IntervenedForLinkedWinner(),
        SanctionedSupplier(),
        SupplierTiedToSanctioned(),
        TenderersShareDetails(),
        NewCompanyLargeAward(),
        SuppliersShareAddress(),
        BidRotationRing(),
        P011(),
    )
}

DEFAULTS = Path(__file__).with_name("patterns.toml")


class PatternSettingsError(ValueError):
    """The patterns file names an unknown pattern or key, or a value of the wrong type."""


def load_configs(path: Path | None = None) -> dict[str, PatternConfig]:
    """Validated settings for every pattern: defaults, then the override file's keys."""
    raw: dict[str, dict[str, Any]] = tomllib.loads(DEFAULTS.read_text())
    override = path or (Path(os.environ["VINCULO_PATTERNS_FILE"]) if os.environ.get("VINCULO_PATTERNS_FILE") else None)
    if override is not None:
        for code, section in tomllib.loads(override.read_text()).items():
            if not isinstance(section, dict):
                raise PatternSettingsError(f"{override}: [{code}] must be a section")
            raw.setdefault(code, {}).update(section)
    unknown = sorted(set(raw) - set(PATTERNS))
    if unknown:
        raise PatternSettingsError(f"unknown pattern section(s) {', '.join(unknown)} (known: {', '.join(PATTERNS)})")
    configs = {}
    for code, pattern in PATTERNS.items():
        try:
            configs[code] = pattern.Config(**raw.get(code, {}))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise PatternSettingsError(f"[{code}] {where}: {first['msg']}") from exc
    return configs


@cache
def default_configs() -> dict[str, PatternConfig]:
    return load_configs()


def get_patterns(codes: list[str] | None = None) -> list[Pattern]:
    if not codes:
        return list(PATTERNS.values())
    unknown = [c for c in codes if c not in PATTERNS]
    if unknown:
        raise ValueError(f"unknown pattern code(s) {', '.join(unknown)} (known: {', '.join(PATTERNS)})")
    return [PATTERNS[c] for c in codes]
