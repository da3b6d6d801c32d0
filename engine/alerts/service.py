"""The alerts worker's work, pure of Kafka: events in, alerts out.

``handle(events)`` matches events against the subscriptions (watches found first, merges
followed), writes one outbox ``Delivery`` per alert (claimed by creation) and makes the first
try of each at once, up to ``alerts_concurrency`` at a time. ``tick()`` — every second in the
worker — retries what is due, sends the digests whose period is over, and reads the graph for
what no topic carries: flags whose status or evidence changed, and new source records (for
subscriptions that follow sources or wait for a name to appear). The stream worker gives it a
way to send to Kafka (alert topics, ``dlq``) and acknowledges events only once ``handle`` is done
and the store is durable.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from engine.alerts import delivery, watches
from engine.alerts.channels import Mailer, Outcome, Webhooks, backoff
from engine.alerts.context import add_bodies, add_evidence, add_identifiers
from engine.alerts.delivery import H_IDEMPOTENCY, delivery_key, ms, stamp
from engine.alerts.events import FLAG_KINDS, AlertEvent, entity_found, flag_changed, flag_state, source_record
from engine.alerts.matching import Candidates, match
from engine.alerts.render import alert_payload, digest_email, digest_payload, email_message
from engine.alerts.secret import SecretError, webhook_secret
from engine.alerts.subscriptions import Active, SubscriptionIndex, follow_merge, get_subscription, watch_entity
from engine.graph import alerts as q
from engine.graph.store import GraphStore
from engine.settings import Settings, get_settings

log = logging.getLogger("vinculo.alerts")
T = TypeVar("T")
KafkaSend = Callable[[str, bytes, bytes, dict[str, bytes]], Awaitable[None]]
DeadLetterSend = Callable[[bytes, bytes], Awaitable[None]]
MARGIN = timedelta(seconds=15)  # writes other workers had in flight when the graph was last read
PAGE = 2000


@dataclass
class Planned:
    """One try to make: which alert, under which claim, to whom."""

    id: str
    claim: str
    sub: Active
    payload: dict[str, Any]
    body: bytes
    kind: str = "alert"  # or "digest"
    event_kind: str = ""
    tries: int = 0


@dataclass
class Counts:
    delivered: int = 0
    queued: int = 0
    retrying: int = 0
    dead: int = 0
    cancelled: int = 0
    events: int = 0


@dataclass
class _Retries:
    due: dict[str, float] = field(default_factory=dict)  # delivery id → when it is due (monotonic)

    def pending(self, lease: float) -> int:
        now = time.monotonic()
        for key in [k for k, at in self.due.items() if at + lease < now]:
            del self.due[key]
        return len(self.due)


def _parse(at: str) -> datetime:
    return datetime.fromisoformat(at).astimezone(UTC)


class AlertsService:
    def __init__(self, store: GraphStore, settings: Settings | None = None, send_kafka: KafkaSend | None = None,
                 dead_letter: DeadLetterSend | None = None, worker: str | None = None,
                 on_busy: Callable[[int], None] | None = None):
        from engine.pipeline.stages import TRANSIENT

        self.store = store
        self.settings = settings or get_settings()
        self.send_kafka, self.dead_letter = send_kafka, dead_letter
        self.worker = worker or secrets.token_hex(4)
        self.subs = SubscriptionIndex(store)
        self.webhooks: Webhooks | None = None
        self.mailer = Mailer(self.settings)
        self.counts = Counts()
        self._retries = _Retries()
        self._slots: asyncio.Semaphore | None = None
        self._seen: dict[str, str] = {}  # mention id → written_at already read
        self._lookup: tuple[list[Active], Candidates] | None = None
        self._tasks: set[asyncio.Future[None]] = set()
        self.on_busy = on_busy  # told +1 / -1 as tries start and end (a worker stopping waits for them)
        self._transient = TRANSIENT
        # its own threads: a record right after a send never queues behind the worker's other store calls
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="alerts")

    # -- plumbing ----------------------------------------------------------------------------------
    async def _db(self, what: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """A store call off the event loop, waited out while the store is away."""
        delay = 0.5
        while True:
            try:
                return await asyncio.get_running_loop().run_in_executor(self._pool, partial(fn, *args, **kwargs))
            except self._transient as exc:
                log.warning("alerts: %s: graph store unreachable (%s); retrying in %.1f s", what, exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    @property
    def pending(self) -> int:
        """Tries under way, and alerts this worker will try again soon (a worker waiting to be idle
        keeps going for them)."""
        return len(self._tasks) + self._retries.pending(self.settings.alerts_lease_seconds)

    def _lease_until(self) -> int:
        return ms(datetime.now(UTC) + timedelta(seconds=self.settings.alerts_lease_seconds))

    async def close(self) -> None:
        if self.webhooks is not None:
            await self.webhooks.close()
        self._pool.shutdown(wait=False)

    # -- events in -----------------------------------------------------------------------------------
    async def handle(self, events: list[AlertEvent]) -> int:
        """Put the alerts ``events`` owe in the outbox and start their first tries; returns how many.

        Once this returns, every alert is in the outbox (durable when the store is synced): the
        events can be acknowledged. The tries go on in the background, so that a slow or silent
        receiver holds up nobody else's alerts; one cut short by a stop or a crash is taken over
        when its lease ends."""
        if not events:
            return 0
        self.counts.events += len(events)
        planned = await self._db("match alerts", self._plan, list(events))
        self._start(planned)
        return len(planned)

    def _start(self, planned: list[Planned]) -> None:
        for p in planned:
            task = asyncio.ensure_future(self._try(p))
            self._tasks.add(task)
            if self.on_busy is not None:
                self.on_busy(1)
            task.add_done_callback(self._done)

    def _done(self, task: asyncio.Future[None]) -> None:
        self._tasks.discard(task)
        if self.on_busy is not None:
            self.on_busy(-1)
        if not task.cancelled() and task.exception() is not None:
            log.error("alerts: a try failed", exc_info=task.exception())

    async def drain(self) -> None:
        """Wait for every try under way."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _plan(self, events: list[AlertEvent]) -> list[Planned]:
        subs = self.subs.current()
        live = [s for s in subs if s.active and not s.paused]
        candidates = self._candidates(subs)
        merged: dict[str, list[tuple[Active, str]]] = {}
        for ev in events:
            if ev.kind == "entities_merged":  # matched as the subscriptions were, then they follow the survivor
                merged[ev.id] = match(candidates.of(ev), ev)
                absorbed, survivor = ev.details["absorbed"], ev.details["survivor"]
                if follow_merge(self.store, absorbed, survivor):
                    self.subs.invalidate()
                for sub in live:
                    for ids in (sub.entity_ids, sub.body_ids):
                        if absorbed in ids:
                            ids.discard(absorbed)
                            ids.add(survivor)
                            candidates.watch(sub, survivor)
        watchers = [s for s in live if s.spec.watches]
        if watchers:
            events += self._find_watched(events, watchers, candidates)
        if any(s.body_ids for s in live):
            add_bodies(self.store, [ev for ev in events if ev.entities])
        wanted: dict[str, tuple[AlertEvent, Active, str]] = {}
        for ev in events:
            for sub, why in merged[ev.id] if ev.id in merged else match(candidates.of(ev), ev):
                wanted.setdefault(delivery_key(ev.id, sub.id), (ev, sub, why))
        if self.subs.any("changes"):
            self._baseline([ev for ev in events if ev.kind == "flag_new"])
        if not wanted:
            return []
        done = delivery.known(self.store, list(wanted))
        evidence: dict[str, dict[str, Any]] = {}
        rows, planned = [], []
        for key, (ev, sub, why) in wanted.items():
            if key in done:
                continue
            if ev.id not in evidence:
                evidence[ev.id] = add_evidence(self.store, ev)
            created = stamp()
            payload = alert_payload(key, sub, ev, why, evidence[ev.id], self.settings.ui_url, created)
            body = json.dumps(payload, ensure_ascii=False, default=str).encode()
            row: dict[str, Any] = {"id": key, "kind": "alert", "event": ev.id, "event_kind": ev.kind,
                   "flag": ev.flag["id"] if ev.flag else None, "subscription": sub.id, "channel": sub.spec.channel,
                   "destination": sub.spec.destination, "payload": body.decode(), "status": "sending",
                   "due": self._lease_until(), "digest_key": None, "claim": secrets.token_hex(8)}
            if sub.spec.digest:
                label, ends = delivery.period(sub.spec.digest, datetime.now(UTC))
                signer = sub.spec.secret_file or sub.spec.secret_env or ""  # one digest, one signature
                row.update(status="queued", due=ms(ends), digest_key=delivery.digest_key(
                    sub.spec.channel, f"{sub.spec.destination}|{signer}", sub.spec.digest, label))
            rows.append(row)
            planned.append(Planned(key, str(row["claim"]), sub, payload, body, event_kind=ev.kind))
        mine = delivery.claim(self.store, rows, self.worker)
        queued = {r["id"] for r in rows if r["status"] == "queued"}
        self.counts.queued += len(mine & queued)
        return [p for p in planned if p.id in mine and p.id not in queued]

    def _candidates(self, subs: list[Active]) -> Candidates:
        """The lookup of subscriptions, built again when they were read again."""
        if self._lookup is None or self._lookup[0] is not subs:
            self._lookup = (subs, Candidates([s for s in subs if s.active and not s.paused]))
        return self._lookup[1]

    def _find_watched(self, events: list[AlertEvent], watchers: list[Active],
                      candidates: Candidates) -> list[AlertEvent]:
        """Watched names and identifiers found in the entities these events name: each entity found
        is watched from now on, and is an alert of its own."""
        named = [ev for ev in events if ev.kind in (*FLAG_KINDS, "source_record")]
        add_identifiers(self.store, named)
        found = []
        for ev in named:
            for entity in ev.entities:
                if entity.get("label") not in q.WATCHABLE:
                    continue
                for sub in watchers:
                    if entity["id"] in sub.entity_ids:
                        continue
                    for watch in sub.spec.watches:
                        why = watches.matches(watch, entity)
                        if not why:
                            continue
                        watch_entity(self.store, sub.id, entity["id"], entity.get("name"), watch)
                        sub.entity_ids.add(entity["id"])
                        candidates.watch(sub, entity["id"])
                        sub.names.setdefault(entity["id"], entity.get("name") or entity["id"])
                        found.append(entity_found(sub.id, watch.describe(), entity, why, via=ev))
                        break
        return found

    def _baseline(self, flags: list[AlertEvent]) -> None:
        """What a new flag looked like when it was announced: its later changes are measured from here."""
        rows = [{"id": ev.flag["id"], "state": json.dumps(flag_state(ev.flag), sort_keys=True)}
                for ev in flags if ev.flag]
        if rows:
            self.store.run(q.SET_ALERT_STATE, {"rows": rows})

    # -- one try -----------------------------------------------------------------------------------
    async def _try(self, p: Planned) -> None:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.settings.alerts_concurrency)
        async with self._slots:
            outcome = await self._send(p)
        s = self.settings
        tries = p.tries + 1
        attempt = delivery.attempt_entry(stamp(), p.sub.spec.channel, p.sub.spec.destination, outcome.ok,
                                         outcome.detail, outcome.seconds, tries)
        due, why, wait = None, None, 0.0
        if outcome.ok:
            status = "delivered"
        elif tries >= s.alerts_tries:
            status, why = "dlq", f"{outcome.detail} (after {tries} tries)"
        else:
            status = "retrying"
            wait = backoff(tries, s.alerts_backoff_seconds, s.alerts_backoff_max_seconds)
            due = ms(datetime.now(UTC) + timedelta(seconds=wait))
        await self._db("record alert", delivery.record, self.store, p.id, p.claim, status=status, attempt=attempt,
                       due=due, reason=why)
        if status == "retrying":
            self._retries.due[p.id] = time.monotonic() + wait
            self.counts.retrying += 1
            log.info("alert %s to %s failed (%s); try %d of %d in %.1f s", p.id, p.sub.spec.destination,
                     outcome.detail, tries + 1, s.alerts_tries, wait)
        else:
            self._retries.due.pop(p.id, None)
        if status == "delivered":
            self.counts.delivered += 1
        elif status == "dlq":
            self.counts.dead += 1
            log.warning("alert %s to %s dead-lettered: %s", p.id, p.sub.spec.destination, why)
            await self._dead(p, why or "")

    async def _send(self, p: Planned) -> Outcome:
        spec = p.sub.spec
        started = time.perf_counter()
        if spec.channel == "kafka":
            if self.send_kafka is None:
                return Outcome(False, "no Kafka producer in this process", 0.0)
            assert spec.kafka_topic is not None
            await self.send_kafka(spec.kafka_topic, p.id.encode(), p.body, {
                H_IDEMPOTENCY: p.id.encode(), "vinculo-subscription": p.sub.id.encode(),
                "vinculo-event": p.event_kind.encode()})
            return Outcome(True, "accepted by the broker", time.perf_counter() - started)
        if spec.channel == "webhook":
            assert spec.webhook_url is not None
            try:
                secret = webhook_secret(spec)
            except SecretError as exc:
                return Outcome(False, str(exc), 0.0)
            if self.webhooks is None:
                self.webhooks = Webhooks(self.settings.alerts_webhook_timeout_seconds)
            return await self.webhooks.send(spec.webhook_url, secret, p.body, p.id, p.event_kind, p.sub.id)
        assert spec.email is not None
        if p.kind == "digest":
            message = digest_email(p.payload, self.settings.smtp_from, p.id)
        else:
            message = email_message(p.payload, self.settings.smtp_from, spec.email, p.id)
        return await asyncio.to_thread(self.mailer.send, message)

    async def _dead(self, p: Planned, why: str) -> None:
        if self.dead_letter is None:
            return
        letter = {"topic": None, "stage": "alerts", "reason": why, "source": p.sub.id, "locator": p.id,
                  "key": p.id, "channel": p.sub.spec.channel, "destination": p.sub.spec.destination,
                  "event": p.payload.get("event", {}).get("id") if p.kind == "alert" else p.id,
                  "at": stamp(), "value": p.body.decode("utf-8", "replace")[:4096]}
        await self.dead_letter(p.id.encode(), json.dumps(letter, ensure_ascii=False).encode())

    # -- on a timer ----------------------------------------------------------------------------------
    async def tick(self) -> int:
        """Retries, digests, and what the graph says changed; returns how much was done."""
        try:
            await self._db("subscriptions", self.subs.current)
            done = await self.retry_due()
            done += await self.send_digests()
            done += await self.read_graph()
            return done
        except Exception:  # a bug must not stop the worker's timer; the next tick tries again
            log.exception("alerts: tick failed")
            return 0

    def _subscription(self, sub_id: str) -> Active | None:
        return self.subs.find(sub_id) or get_subscription(self.store, sub_id)

    async def retry_due(self) -> int:
        now = datetime.now(UTC)
        ids = await self._db("due alerts", delivery.due, self.store, ms(now))
        if not ids:
            return 0
        token = secrets.token_hex(8)
        rows = await self._db("take alerts", delivery.take, self.store, ids, token, self.worker, now,
                              self._lease_until())
        planned = []
        for row in rows:
            sub = await self._db("subscription", self._subscription, row["subscription"])
            if sub is None or not sub.active or sub.paused:
                what = "deleted" if sub is None or not sub.active else "paused"
                attempt = delivery.attempt_entry(stamp(), row["channel"], row["destination"], False,
                                                 f"subscription {what}", 0.0, int(row["tries"] or 0))
                await self._db("cancel alert", delivery.record, self.store, row["id"], token, status="cancelled",
                               attempt=attempt, reason=f"subscription {what}")
                self._retries.due.pop(row["id"], None)
                self.counts.cancelled += 1
                continue
            if row["kind"] == "digest":
                payload = await self._db("digest", self._digest, row["id"], row["destination"], sub)
            else:
                payload = json.loads(row["payload"])
            body = json.dumps(payload, ensure_ascii=False, default=str).encode() if row["kind"] == "digest" \
                else row["payload"].encode()
            planned.append(Planned(row["id"], token, sub, payload, body, kind=row["kind"] or "alert",
                                   event_kind=row["event_kind"] or "", tries=int(row["tries"] or 0)))
        self._start(planned)
        return len(planned)

    # -- digests -------------------------------------------------------------------------------------
    def _digest(self, digest_id: str, destination: str, sub: Active) -> dict[str, Any]:
        items = [json.loads(r["payload"]) for r in self.store.run(q.DIGEST_ITEMS, {"id": digest_id})]
        first = min((i["created_at"] for i in items), default=stamp())
        label, _ = delivery.period(sub.spec.digest or "daily", _parse(first))
        return digest_payload(digest_id, f"{sub.spec.digest or 'daily'} {label}", destination, items)

    async def send_digests(self, now: datetime | None = None) -> int:
        """Every digest whose period is over (``now`` in the future: every digest waiting)."""
        at = ms(now)
        rows = await self._db("digests", self.store.run, q.DUE_DIGEST_ITEMS, {"now_ms": at, "limit": 5000})
        groups: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            groups.setdefault(row["digest_key"], []).append(row)
        planned = []
        for key, items in groups.items():
            ids = sorted(r["id"] for r in items)
            digest_id = "digest:" + hashlib.sha256(f"{key}|{ids[0]}".encode()).hexdigest()[:24]
            first = items[0]
            sub = await self._db("subscription", self._subscription, first["subscription"])
            if sub is None:
                continue
            token = secrets.token_hex(8)
            params = {"id": digest_id, "subscription": first["subscription"], "channel": first["channel"],
                      "destination": first["destination"], "digest_key": key, "payload": None,
                      "lease_until": self._lease_until(), "claim": token, "worker": self.worker, "now": stamp(),
                      "items": ids}
            claimed = await self._db("claim digest", self.store.run, q.CLAIM_DIGEST, params)
            if not claimed or not claimed[0]["mine"]:
                continue
            payload = await self._db("digest", self._digest, digest_id, first["destination"], sub)
            body = json.dumps(payload, ensure_ascii=False, default=str).encode()
            planned.append(Planned(digest_id, token, sub, payload, body, kind="digest", event_kind="digest"))
        self._start(planned)
        return len(planned)

    # -- what the graph says changed -----------------------------------------------------------------
    def _since(self, cursor: str, subs: list[Active]) -> str:
        """Read from where this cursor was left, but not from before the subscriptions that need it."""
        earliest = min(s.created_at for s in subs)
        at = self.store.run(q.CURSOR, {"id": cursor, "at": earliest})[0]["at"]
        return stamp(max(_parse(at), _parse(earliest)) - MARGIN)

    async def read_graph(self) -> int:
        live = [s for s in self.subs.current() if s.active and not s.paused]
        done = 0
        changes = [s for s in live if s.spec.changes]
        if changes:
            done += await self._flag_changes(changes)
        records = [s for s in live if s.spec.sources or s.spec.watches]
        if records:
            done += await self._new_records(records)
        return done

    async def _flag_changes(self, subs: list[Active]) -> int:
        from engine.detection.runner import flag_message

        started = stamp()
        since = await self._db("flag cursor", self._since, "flags", subs)
        rows = await self._db("touched flags", self.store.run, q.TOUCHED_FLAGS, {"since": since})
        events, states = [], []
        for row in rows:
            before_text = row.pop("alert_state", None)
            flag = flag_message(row)
            after = flag_state(flag)
            before = json.loads(before_text) if before_text else None
            if before == after:
                continue
            if before is not None:
                events.append(flag_changed(flag, before, after))
            states.append({"id": flag["id"], "state": json.dumps(after, sort_keys=True)})
        delivered = await self.handle(events)
        if states:
            await self._db("flag states", self.store.run, q.SET_ALERT_STATE, {"rows": states})
        await self._db("flag cursor", self.store.run, q.MOVE_CURSOR, {"id": "flags", "at": started})
        return delivered + len(events)

    async def _new_records(self, subs: list[Active]) -> int:
        started = stamp()
        since = await self._db("record cursor", self._since, "mentions", subs)
        skip, count = 0, 0
        while True:
            rows = await self._db("new records", self.store.run, q.NEW_MENTIONS,
                                  {"since": since, "skip": skip, "limit": PAGE})
            fresh = [r for r in rows if self._seen.get(r["mention"]) != r["at"]]
            count += await self.handle([source_record(r) for r in fresh])
            for r in fresh:
                self._seen[r["mention"]] = r["at"]
            if len(rows) < PAGE:
                break
            skip += PAGE
        self._seen = {k: v for k, v in self._seen.items() if v >= since}
        await self._db("record cursor", self.store.run, q.MOVE_CURSOR, {"id": "mentions", "at": started})
        return count
