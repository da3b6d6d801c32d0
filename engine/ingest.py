"""From raw records to the graph, in two stages joined by the ``mentions`` topic:
normalise each raw record into a canonical record, then resolve its mentions and write the
graph facts. Every record that cannot be used goes to the dead-letter topic with the reason.

A record is normalised whole in memory before anything is written, so a bad record never
leaves a half-written entity. If the store rejects a batch, the records are written one
by one so that only the offending ones are dead-lettered; if the store is unreachable,
the error propagates and the batch is retried (offsets are committed only after).
"""

from __future__ import annotations

import base64
import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from engine.canonical import CanonicalRecord
from engine.graph.merge import redirects
from engine.graph.model import GraphBatch
from engine.graph.store import GraphStore
from engine.linking import Resolver, record_to_graph, store_aliases
from engine.sources import get_source
from engine.sources.base import H_ERROR, RecordContext, RecordError, RecordSkipped

log = logging.getLogger(__name__)


@dataclass
class Incoming:
    """A raw record as read from its topic."""

    topic: str
    partition: int
    offset: int
    key: str | None
    value: bytes
    headers: dict[str, str]


@dataclass
class DeadLetter:
    incoming: Incoming
    stage: str
    reason: str

    def to_json(self) -> bytes:
        value = self.incoming.value[:65536]
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


@dataclass
class IngestResult:
    written: list[Incoming] = field(default_factory=list)
    dead: list[DeadLetter] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    batch: GraphBatch = field(default_factory=GraphBatch)


TRANSIENT: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError, OSError)
try:  # the store clients' own "cannot reach the server" errors
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    TRANSIENT += (RedisConnectionError, RedisTimeoutError)
except ImportError:  # pragma: no cover
    pass
try:
    from neo4j.exceptions import ServiceUnavailable, SessionExpired, TransientError

    TRANSIENT += (ServiceUnavailable, SessionExpired, TransientError)
except ImportError:  # pragma: no cover
    pass


def normalize_all(kind: str, items: list[Incoming]) -> tuple[list[tuple[Incoming, CanonicalRecord]], IngestResult]:
    """Stage 1: raw records → canonical records (for the ``mentions`` topic)."""
    source = get_source(kind)
    result = IngestResult()
    good: list[tuple[Incoming, CanonicalRecord]] = []
    for item in items:
        error = item.headers.get(H_ERROR)
        if error:
            result.dead.append(DeadLetter(item, "publish", error))
            continue
        ctx = RecordContext.from_headers(item.headers, fallback_source=item.topic)
        try:
            record = source.normalize(item.value, ctx)
        except RecordSkipped as skip:
            result.skipped[str(skip).split(": ", 1)[-1].split(" (")[0]] += 1
            continue
        except RecordError as exc:
            result.dead.append(DeadLetter(item, "normalize", str(exc)))
            continue
        except ValidationError as exc:
            result.dead.append(DeadLetter(item, "normalize", _validation_reason(exc)))
            continue
        except Exception as exc:  # a parser bug must not stop the stream either
            log.exception("unexpected error normalising %s@%s", item.topic, item.offset)
            result.dead.append(DeadLetter(item, "normalize", f"unexpected {type(exc).__name__}: {exc}"))
            continue
        good.append((item, record))
    return good, result


def link(store: GraphStore, resolver: Resolver, items: list[Incoming]) -> IngestResult:
    """Stage 2: canonical records → resolved entities, mentions and relations in the graph."""
    result = IngestResult()
    good: list[tuple[Incoming, GraphBatch]] = []
    aliases = store_aliases(store)
    for item in items:
        try:
            record = CanonicalRecord.model_validate_json(item.value)
            good.append((item, record_to_graph(record, resolver, aliases)))
        except ValidationError as exc:
            result.dead.append(DeadLetter(item, "link", _validation_reason(exc)))
        except ValueError as exc:
            result.dead.append(DeadLetter(item, "link", str(exc)))
    merged = GraphBatch()
    for _, batch in good:
        merged.extend(batch)
    if not merged:
        result.written = [item for item, _ in good]
        return result
    # entities another worker's mentions (or the reconcile job) merged away live elsewhere now
    moved = redirects(store, sorted({n.id for n in merged.nodes if n.label in ("Person", "Company")}))
    if moved:
        for _, batch in good:
            batch.rename(moved)
        follow = getattr(resolver, "follow_redirects", None)
        if follow is not None:
            follow(moved)
    try:
        store.write(merged)
        result.written = [item for item, _ in good]
        result.batch = merged
        return result
    except TRANSIENT:
        raise
    except Exception:
        log.warning("graph store rejected a batch of %d records; writing them one by one", len(good))
    for item, batch in good:
        try:
            store.write(batch)
            result.written.append(item)
            result.batch.extend(batch)
        except TRANSIENT:
            raise
        except Exception as exc:
            result.dead.append(DeadLetter(item, "write", f"graph store rejected the record: {exc}"))
    return result


def _validation_reason(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ())) or "record"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where}: {first.get('msg')}{more}"
