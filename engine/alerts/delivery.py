"""The delivery outbox in the graph store: one ``Delivery`` per (event × subscription), keyed by
that pair, holding the alert as it will be sent, its state and every try.

- **Claimed by creation.** The worker whose ``MERGE`` creates the node owns the first try; a
  worker that finds it there (another worker saw the same event, or the event came again after a
  restart) leaves it. Two workers never send the same alert at once.
- **Recorded right after the channel accepts** — the only window in which a crash sends an alert
  twice; the duplicate carries the same idempotency id (``X-Vinculo-Delivery``, the Kafka header
  ``vinculo-idempotency-key``), which is what lets a receiver drop it. Delivery is therefore
  *effectively once*: at least once, with an idempotency key.
- **Retries and leases.** A failed try is due again after an exponential backoff with jitter; a
  try whose worker died is due again when its lease ends. Any worker takes due alerts, one at a
  time each (the take locks the node before it checks). After the last try: ``dlq``, with the
  reason, and a message on the ``dlq`` topic.
- **Digests.** An alert for a digest subscription waits as ``queued`` until its period ends; one
  digest then takes every queued alert of that destination and period.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from engine.graph import alerts as q
from engine.graph.store import GraphStore

H_IDEMPOTENCY = "vinculo-idempotency-key"  # the Kafka header; webhooks and e-mails say X-Vinculo-Delivery


def delivery_key(event_id: str, subscription_id: str) -> str:
    """The idempotency key of one alert: (event × subscription). For a new flag the event id is the
    flag id, so the key is the one alerts always had."""
    return "delivery:" + hashlib.sha256(f"{event_id}|{subscription_id}".encode()).hexdigest()[:24]


def stamp(at: datetime | None = None) -> str:
    return (at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="milliseconds")


def ms(at: datetime | None = None) -> int:
    """Epoch milliseconds: what ``due`` is kept in."""
    return int((at or datetime.now(UTC)).timestamp() * 1000)


def period(digest: str, at: datetime) -> tuple[str, datetime]:
    """The period ``at`` falls in (``2025-03-14``, ``2025-W11``, in UTC) and when it ends."""
    day = datetime(at.year, at.month, at.day, tzinfo=UTC)
    if digest == "daily":
        return day.date().isoformat(), day + timedelta(days=1)
    monday = day - timedelta(days=day.weekday())
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}", monday + timedelta(days=7)


def digest_key(channel: str, destination: str, digest: str, period_label: str) -> str:
    return hashlib.sha256(f"{channel}|{destination}|{digest}|{period_label}".encode()).hexdigest()[:24]


def known(store: GraphStore, ids: list[str]) -> dict[str, str]:
    """The deliveries among ``ids`` that exist already, with their status."""
    if not ids:
        return {}
    return {r["id"]: r["status"] or "delivered" for r in store.run(q.DELIVERIES_BY_ID, {"ids": ids})}


def claim(store: GraphStore, rows: list[dict[str, Any]], worker: str) -> set[str]:
    """Create the deliveries of ``rows``; the ids this call created are this worker's to send."""
    if not rows:
        return set()
    done = store.run(q.CLAIM_DELIVERIES, {"rows": rows, "worker": worker, "at": stamp()})
    return {r["id"] for r in done if r["mine"]}


def attempt_entry(at: str, channel: str, destination: str, ok: bool, detail: str, seconds: float, tries: int) -> str:
    return json.dumps({"at": at, "try": tries, "channel": channel, "destination": destination,
                       "result": "accepted" if ok else "failed", "detail": detail,
                       "latency_ms": round(seconds * 1000, 1)}, ensure_ascii=False)


def record(store: GraphStore, delivery_id: str, claim_token: str, *, status: str, attempt: str,
           due: int | None = None, reason: str | None = None) -> bool:
    """Write one try's outcome (only the claim that made the try may)."""
    at = stamp()
    rows = store.run(q.RECORD_ATTEMPT, {
        "id": delivery_id, "claim": claim_token, "status": status, "attempt": attempt, "due": due,
        "reason": reason, "delivered_at": at if status == "delivered" else None, "at": at})
    return bool(rows)


def due(store: GraphStore, now_ms: int, limit: int = 200) -> list[str]:
    return [r["id"] for r in store.run(q.DUE_DELIVERIES, {"now_ms": now_ms, "limit": limit})]


def take(store: GraphStore, ids: list[str], claim_token: str, worker: str, now: datetime,
         lease_until: int) -> list[dict[str, Any]]:
    """Take due deliveries for one more try; each goes to one worker only."""
    if not ids:
        return []
    return store.run(q.TAKE_DELIVERIES, {"ids": ids, "now": stamp(now), "now_ms": ms(now), "claim": claim_token,
                                         "worker": worker, "lease_until": lease_until})


def log(store: GraphStore, subscription: str | None = None, status: str | None = None,
        limit: int = 100) -> list[dict[str, Any]]:
    """Deliveries and digests, newest first, each with its tries (when, channel, result, latency)."""
    rows = store.run(q.DELIVERY_LOG, {"subscription": subscription, "status": status, "limit": limit})
    for row in rows:
        row["attempts"] = [json.loads(a) for a in row.get("attempts") or []]
        row["status"] = row.get("status") or "delivered"  # deliveries recorded before the outbox existed
    return rows
