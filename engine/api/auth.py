"""Tokens and roles: who may read, who may change, who may manage.

A token is ``vnc_<id>_<secret>``: the id names it (in the audit trail, in `vinculo tokens
list`), the secret proves it. Only a salted SHA-256 of the secret is stored, in the graph
store (``ApiToken``); a presented secret is compared in constant time. The token itself is
printed once, when it is created, and is never stored, logged or audited.

Roles are ordered: a journalist reads; an analyst also changes flags, judges matches and
subscribes; an admin also manages tokens and reads the audit trail.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from engine.graph import workspace
from engine.graph.store import GraphStore

PREFIX = "vnc"
_TOKEN = re.compile(r"^vnc_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")


class Role(StrEnum):
    journalist = "journalist"
    analyst = "analyst"
    admin = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank


@dataclass(frozen=True)
class Principal:
    """Who is asking: a token's id, name and role."""

    token_id: str
    name: str
    role: Role


@dataclass(frozen=True)
class NewToken:
    id: str
    name: str
    role: Role
    token: str  # shown once


def _digest(salt: str, secret: str) -> str:
    return hashlib.sha256(f"{salt}:{secret}".encode()).hexdigest()


def create_token(store: GraphStore, name: str, role: Role, created_by: str = "cli") -> NewToken:
    """A new token for ``name`` with ``role``; only its salted hash is stored."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ValueError("a token needs a name of 1 to 100 characters (who holds it)")
    token_id, secret, salt = secrets.token_hex(8), secrets.token_urlsafe(32), secrets.token_hex(16)
    store.run(workspace.CREATE_TOKEN, {"id": token_id, "props": {
        "name": name, "role": role.value, "salt": salt, "hash": _digest(salt, secret),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"), "created_by": created_by}})
    return NewToken(token_id, name, role, f"{PREFIX}_{token_id}_{secret}")


def revoke_token(store: GraphStore, token_id: str) -> bool:
    at = datetime.now(UTC).isoformat(timespec="seconds")
    return bool(store.run(workspace.REVOKE_TOKEN, {"id": token_id, "at": at}))


def list_tokens(store: GraphStore) -> list[dict[str, object]]:
    return store.run(workspace.LIST_TOKENS)


class AuthError(Exception):
    """A request without a valid token (401)."""


class TokenChecker:
    """Checks presented tokens against the store, trusting a checked token for ``cache_seconds``
    (so a revocation takes effect within that time) to spare the store a read per request."""

    def __init__(self, store: GraphStore, cache_seconds: float = 10.0):
        self.store = store
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, dict[str, object]]] = {}
        self._lock = threading.Lock()

    def _record(self, token_id: str) -> dict[str, object] | None:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(token_id)
        if hit is not None and now - hit[0] < self.cache_seconds:
            return hit[1]
        rows = self.store.run(workspace.TOKEN, {"id": token_id})
        if not rows:
            return None
        with self._lock:
            self._cache[token_id] = (now, rows[0])
        return rows[0]

    def check(self, authorization: str | None) -> Principal:
        if not authorization:
            raise AuthError("this request needs a token: send the header 'Authorization: Bearer <token>' "
                            "(an admin creates one with `vinculo tokens create`)")
        scheme, _, presented = authorization.partition(" ")
        if scheme.lower() != "bearer" or not presented.strip():
            raise AuthError("the Authorization header must be 'Bearer <token>'")
        match = _TOKEN.match(presented.strip())
        record = self._record(match.group(1)) if match else None
        if match is None or record is None:
            # the same answer and about the same work for an unknown id as for a wrong secret
            hmac.compare_digest(_digest("x" * 32, presented), "0" * 64)
            raise AuthError("the token is not valid")
        if not hmac.compare_digest(_digest(str(record["salt"]), match.group(2)), str(record["hash"])):
            raise AuthError("the token is not valid")
        if record.get("revoked_at"):
            raise AuthError("the token was revoked")
        return Principal(str(record["id"]), str(record["name"]), Role(str(record["role"])))


class RateLimiter:
    """A token bucket per token: ``per_minute`` requests a minute, in bursts of up to as many."""

    def __init__(self, per_minute: int):
        self.capacity = float(per_minute)
        self.refill = per_minute / 60.0
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """0 when the request may go on, else the seconds to wait."""
        now = time.monotonic()
        with self._lock:
            level, then = self._buckets.get(key, (self.capacity, now))
            level = min(self.capacity, level + (now - then) * self.refill)
            if level < 1.0:
                self._buckets[key] = (level, now)
                return (1.0 - level) / self.refill
            self._buckets[key] = (level - 1.0, now)
            return 0.0
