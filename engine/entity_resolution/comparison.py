"""What every comparison function returns, and its signature."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from engine.entity_resolution.records import Record

__all__ = ["Comparison", "Comparator"]


class Comparison(NamedTuple):
    """A comparison's outcome: the level that picks a weight, a similarity in [0, 1], a reason a reviewer reads."""

    level: str
    score: float
    detail: str


Comparator = Callable[["Record", "Record"], "Comparison | None"]
