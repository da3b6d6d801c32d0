"""What a detection pattern is and what it finds."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict

from engine.detection.context import DetectionContext

SEVERITIES = ("low", "medium", "high", "critical")


@dataclass(frozen=True)
class EntityRef:
    label: str
    id: str
    role: str


@dataclass
class Finding:
    """One red flag: what, how strong, a sentence a journalist can read, and the evidence."""

    pattern: str
    key: tuple[str, ...]  # what makes this finding the same finding next time
    title: str
    severity: str
    score: float
    sentence: str
    entities: list[EntityRef]
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def flag_id(self) -> str:
        digest = hashlib.sha256(json.dumps([self.pattern, *self.key]).encode()).hexdigest()[:20]
        return f"flag:{self.pattern}:{digest}"


class PatternConfig(BaseModel):
    """Per-pattern settings (a section of the patterns file); unknown keys are an error."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True


class Pattern(Protocol):
    """A detection pattern. Its module docstring says what it flags, the threshold, why
    it is a red flag, and the source; ``code`` never changes meaning once assigned."""

    code: ClassVar[str]
    title: ClassVar[str]
    Config: ClassVar[type[PatternConfig]]

    def find(self, ctx: DetectionContext, config: Any) -> Iterable[Finding]: ...


def severity_rank(severity: str | None) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else 0
