"""Subscriptions: what an investigator watches and where alerts go.

Kept in the graph store (``Subscription`` nodes), not only in a stream table: the
embedded broker's topics are not durable. A subscription's id is derived from what it
watches and where it delivers, so subscribing twice is one subscription.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator

from engine.detection.base import SEVERITIES, severity_rank
from engine.detection.registry import PATTERNS
from engine.graph import cypher
from engine.graph.store import GraphStore

_TOPIC = re.compile(r"^[A-Za-z0-9._-]{1,249}$")


class Subscription(BaseModel):
    patterns: list[str] = Field(default_factory=list, description="Pattern codes; empty: all")
    min_severity: str = "low"
    entity_ids: list[str] = Field(default_factory=list, description="Entity ids; empty: any")
    kafka_topic: str

    @field_validator("patterns")
    @classmethod
    def _known_patterns(cls, codes: list[str]) -> list[str]:
        unknown = [c for c in codes if c not in PATTERNS]
        if unknown:
            raise ValueError(f"unknown pattern code(s): {', '.join(unknown)}")
        return sorted(set(codes))

    @field_validator("min_severity")
    @classmethod
    def _known_severity(cls, value: str) -> str:
        if value not in SEVERITIES:
            raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}")
        return value

    @field_validator("kafka_topic")
    @classmethod
    def _valid_topic(cls, value: str) -> str:
        if not _TOPIC.match(value) or value in (".", ".."):
            raise ValueError("a Kafka topic name is 1-249 characters of letters, digits, '.', '_' or '-'")
        return value

    @property
    def id(self) -> str:
        spec = json.dumps(self.model_dump(), sort_keys=True)
        return "sub:" + hashlib.sha256(spec.encode()).hexdigest()[:16]

    def matches(self, flag: dict[str, Any]) -> bool:
        if self.patterns and flag.get("pattern") not in self.patterns:
            return False
        if severity_rank(flag.get("severity")) < severity_rank(self.min_severity):
            return False
        if self.entity_ids:
            ids = {e.get("id") for e in flag.get("entities") or []}
            if not ids & set(self.entity_ids):
                return False
        return True


def subscribe(store: GraphStore, sub: Subscription) -> str:
    props = sub.model_dump()
    store.run(
        cypher.UPSERT_SUBSCRIPTION,
        {"id": sub.id, "props": props, "at": datetime.now(UTC).isoformat(timespec="seconds")},
    )
    return sub.id


def unsubscribe(store: GraphStore, sub_id: str) -> bool:
    return bool(store.run(cypher.DEACTIVATE_SUBSCRIPTION, {"id": sub_id}))


def list_subscriptions(store: GraphStore) -> list[tuple[str, Subscription]]:
    out = []
    for row in store.run(cypher.LIST_SUBSCRIPTIONS):
        sub = Subscription(
            patterns=list(row.get("patterns") or []),
            min_severity=row.get("min_severity") or "low",
            entity_ids=list(row.get("entity_ids") or []),
            kafka_topic=row["kafka_topic"],
        )
        out.append((row["id"], sub))
    return out
