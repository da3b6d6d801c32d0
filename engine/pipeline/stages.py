"""The two stages between the raw topics and the graph, pure of Kafka: each takes a batch of
records as read from a topic and returns an outcome — what to send on, what to dead-letter —
for the stream agent to send, check and only then commit.

:class:`NormalizeStage`: raw records → canonical records (for the ``mentions`` topic).
A record is normalised whole in memory, so a bad one never leaves a half-written entity.

:class:`LinkStage`: canonical records → the graph, durably. It resolves the batch's mentions
(staged in the :class:`~engine.pipeline.linker.EntityLinker`), writes the facts, finishes the
merges the batch decided (redirect first), waits until the store has it all on disk, and only
then keeps the resolver's decisions. A store that cannot be reached raises
:data:`TRANSIENT` errors: nothing is kept and the caller retries the batch, however long the
store is away. Any other failure is a record's: the batch is cut in halves until the record
that fails is alone, and that record alone is dead-lettered with the reason.
"""

from __future__ import annotations

import base64
import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from engine.canonical import CanonicalRecord
from engine.eventlog.kafka import Message
from engine.graph.merge import merge_into, record_redirect, redirects
from engine.graph.model import GraphBatch
from engine.graph.store import GraphStore
from engine.pipeline.facts import record_to_graph, store_aliases
from engine.pipeline.linker import EntityLinker, now
from engine.sources import get_source
from engine.sources.base import H_ERROR, RecordContext, RecordError, RecordSkipped

log = logging.getLogger(__name__)

# A message on a topic must fit the broker's limit (Kafka's default message.max.bytes is about 1 MB).
MAX_MESSAGE_BYTES = 1_000_000
DEAD_LETTER_SAMPLE = 65_536  # how much of a dead record travels with its reason


Incoming = Message  # a record as read from its topic: the event log's message, whoever read it


@dataclass
class DeadLetter:
    incoming: Incoming
    stage: str
    reason: str

    def to_json(self) -> bytes:
        value = self.incoming.value[:DEAD_LETTER_SAMPLE]
        try:
            shown: dict[str, Any] = {"value": value.decode("utf-8")}
        except UnicodeDecodeError:
            shown = {"value_base64": base64.b64encode(value).decode()}
        return json.dumps(
            {
                "topic": self.incoming.topic,
                "partition": self.incoming.partition,
                "offset": self.incoming.offset,
                "key": self.incoming.key,
                "source": self.incoming.headers.get("vinculo-source"),
                "locator": self.incoming.headers.get("vinculo-locator"),
                "stage": self.stage,
                "reason": self.reason,
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
                "truncated": len(self.incoming.value) > len(value),
                **shown,
            },
            ensure_ascii=False,
        ).encode()


TRANSIENT: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError, OSError)
try:  # the store clients' own "cannot reach the server" errors
    from redis.exceptions import BusyLoadingError as RedisBusyLoading
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    TRANSIENT += (RedisConnectionError, RedisTimeoutError, RedisBusyLoading)
except ImportError:  # pragma: no cover
    pass
try:
    from neo4j.exceptions import ServiceUnavailable, SessionExpired, TransientError

    TRANSIENT += (ServiceUnavailable, SessionExpired, TransientError)
except ImportError:  # pragma: no cover
    pass


def _validation_reason(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ())) or "record"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where}: {first.get('msg')}{more}"


# -- normalise ------------------------------------------------------------------------------------------

@dataclass
class NormalizeOutcome:
    records: list[tuple[Incoming, bytes, bytes]] = field(default_factory=list)  # (from, key, canonical JSON)
    dead: list[DeadLetter] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)


class NormalizeStage:
    """Raw records of one source kind → canonical records, each within the broker's message limit."""

    def __init__(self, kind: str, max_bytes: int = MAX_MESSAGE_BYTES):
        self.kind = kind
        self.source = get_source(kind)
        self.max_bytes = max_bytes

    def process(self, items: list[Incoming]) -> NormalizeOutcome:
        out = NormalizeOutcome()
        for item in items:
            error = item.headers.get(H_ERROR)
            if error:
                out.dead.append(DeadLetter(item, "publish", error))
                continue
            try:
                record = self.source.normalize(item.value, RecordContext.from_headers(item.headers, item.topic))
                value = self._bounded(record)
            except RecordSkipped as skip:
                out.skipped[str(skip).split(": ", 1)[-1].split(" (")[0]] += 1
                continue
            except RecordError as exc:
                out.dead.append(DeadLetter(item, "normalize", str(exc)))
                continue
            except ValidationError as exc:
                out.dead.append(DeadLetter(item, "normalize", _validation_reason(exc)))
                continue
            except RecursionError:
                out.dead.append(DeadLetter(item, "normalize", "nested too deeply to read (JSON depth)"))
                continue
            except Exception as exc:  # a parser bug must not stop the stream either
                log.exception("unexpected error normalising %s@%s", item.topic, item.offset)
                out.dead.append(DeadLetter(item, "normalize", f"unexpected {type(exc).__name__}: {exc}"))
                continue
            out.records.append((item, f"{record.source}:{record.record_id}".encode(), value))
        return out

    def _bounded(self, record: CanonicalRecord) -> bytes:
        """The record as JSON, within the message limit: the heaviest optional properties (a process's
        copy of its release, kept for Cardinal's indicators) go first, with a warning; a record still too
        big after that is refused with the reason."""
        value = record.model_dump_json(by_alias=True).encode()
        if len(value) <= self.max_bytes:
            return value
        for mention in record.entities:
            for prop in ("release",):
                if prop in mention.props:
                    del mention.props[prop]
                    record.warnings.append(f"{mention.ref}.{prop} dropped: the record exceeded {self.max_bytes} bytes")
        value = record.model_dump_json(by_alias=True).encode()
        if len(value) > self.max_bytes:
            raise RecordError(f"canonical record is {len(value):,} bytes, over the {self.max_bytes:,}-byte message "
                              "limit of the broker")
        return value


# -- link -----------------------------------------------------------------------------------------------

@dataclass
class LinkOutcome:
    written: list[Incoming] = field(default_factory=list)
    dead: list[DeadLetter] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)  # for ``graph.changes``
    batch: GraphBatch = field(default_factory=GraphBatch)

    def touched(self) -> dict[str, set[str]]:
        """What the batch wrote, by label: the seeds of on-arrival detection."""
        out: dict[str, set[str]] = {}
        for node in self.batch.nodes:
            out.setdefault(node.label, set()).add(node.id)
        return out


class LinkStage:
    """Canonical records → resolved entities, mentions and relations in the graph, durably."""

    def __init__(self, store: GraphStore, linker: EntityLinker,
                 on_durable: Callable[[], None] | None = None):
        self.store = store
        self.linker = linker
        self.on_durable = on_durable

    def process(self, items: list[Incoming]) -> LinkOutcome:
        out = LinkOutcome()
        decoded: list[tuple[Incoming, CanonicalRecord]] = []
        for item in items:
            try:
                decoded.append((item, CanonicalRecord.model_validate_json(item.value)))
            except ValidationError as exc:
                out.dead.append(DeadLetter(item, "link", _validation_reason(exc)))
            except (ValueError, RecursionError) as exc:
                out.dead.append(DeadLetter(item, "link", f"not a canonical record: {exc}"))
        self._write(decoded, out)
        return out

    def _write(self, records: list[tuple[Incoming, CanonicalRecord]], out: LinkOutcome) -> None:
        """Write ``records`` as one batch; on a record's failure, each half on its own, down to the record."""
        if not records:
            return
        try:
            batch, changes = self._attempt(records)
        except TRANSIENT:
            raise
        except Exception as exc:
            if len(records) == 1:
                item = records[0][0]
                log.warning("record %s@%s:%s refused: %s", item.topic, item.partition, item.offset, exc)
                out.dead.append(DeadLetter(item, "link", f"{type(exc).__name__}: {exc}"))
                return
            half = len(records) // 2
            self._write(records[:half], out)
            self._write(records[half:], out)
            return
        out.written += [item for item, _ in records]
        out.batch.extend(batch)
        out.changes += changes

    def _attempt(self, records: list[tuple[Incoming, CanonicalRecord]]) -> tuple[GraphBatch, list[dict[str, Any]]]:
        with self.linker.mutex:
            return self._attempt_locked(records)

    def _attempt_locked(self, records: list[tuple[Incoming, CanonicalRecord]]
                        ) -> tuple[GraphBatch, list[dict[str, Any]]]:
        linker, store = self.linker, self.store
        linker.begin()
        try:
            aliases = store_aliases(store)
            stamp = now()
            batch = GraphBatch()
            for _, record in records:
                batch.extend(record_to_graph(record, linker, aliases, written_at=stamp, written_by=linker.worker))
            merges = linker.take_merges()
            for absorbed, survivor, label in merges:  # the intent first: a merge cut short is finished later
                record_redirect(store, label, absorbed, survivor)
            # entities another worker's mentions (or the reconcile job) merged away live elsewhere now
            entities = {n.id for n in batch.nodes if n.label in ("Person", "Company", "PublicBody")}
            entities |= {end for r in batch.rels if r.type == "NAMESAKE_OF" for end in (r.source_id, r.target_id)}
            moved = redirects(store, sorted(entities))
            batch.rename(moved)
            store.write(batch)
            for absorbed, survivor, label in merges:
                merge_into(store, label, absorbed, survivor)
            store.sync()  # on disk before anything is acknowledged
        except BaseException:
            linker.rollback()
            raise
        linker.commit()
        if self.on_durable is not None:
            self.on_durable()
        changes = [{"type": "entities_merged", "entity_id": survivor, "merged_entity_id": absorbed, "label": label}
                   for absorbed, survivor, label in merges]
        return batch, changes
