"""Deliver flags to matching subscriptions: at least once, and never twice.

The idempotency key of a delivery is (flag, subscription); it is recorded in the graph
store after the channel has accepted the alert, and checked before sending. The key also
travels in the alert's headers so a consumer can drop the duplicate that a crash between
sending and recording could cause.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from engine.alerts.subscriptions import list_subscriptions
from engine.graph import cypher
from engine.graph.store import GraphStore

H_IDEMPOTENCY = "vinculo-idempotency-key"


@dataclass
class PlannedDelivery:
    key: str
    flag_id: str
    subscription_id: str
    channel: str
    topic: str
    payload: bytes


def delivery_key(flag_id: str, subscription_id: str) -> str:
    return "delivery:" + hashlib.sha256(f"{flag_id}|{subscription_id}".encode()).hexdigest()[:24]


def plan_deliveries(store: GraphStore, flag: dict[str, Any]) -> list[PlannedDelivery]:
    """The deliveries still owed for ``flag`` (a message from the ``flags`` topic)."""
    planned = []
    for sub_id, sub in list_subscriptions(store):
        if not sub.matches(flag):
            continue
        key = delivery_key(flag["id"], sub_id)
        alert = {
            "alert_id": key,
            "subscription_id": sub_id,
            "flag": flag,
            "sent_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        planned.append(
            PlannedDelivery(key, flag["id"], sub_id, "kafka", sub.kafka_topic,
                            json.dumps(alert, ensure_ascii=False).encode())
        )
    if not planned:
        return []
    done = {r["id"] for r in store.run(cypher.DELIVERED, {"ids": [p.key for p in planned]})}
    return [p for p in planned if p.key not in done]


def record_deliveries(store: GraphStore, delivered: list[PlannedDelivery]) -> None:
    if not delivered:
        return
    at = datetime.now(UTC).isoformat(timespec="seconds")
    rows = [
        {"id": d.key, "flag": d.flag_id, "subscription": d.subscription_id, "channel": d.channel, "at": at}
        for d in delivered
    ]
    store.run(cypher.RECORD_DELIVERY, {"rows": rows})
