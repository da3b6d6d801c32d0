"""What a subscription says: what an investigator watches, which events, and where alerts go.

A subscription watches a *scope* — entities (by id, or by a name, RFC or CURP the resolver finds
now or when the entity appears), public bodies with everything they buy — and receives within it:
new flags (of some pattern codes, from a minimum severity), optionally their changes (status, new
evidence, withdrawal), new records of whole sources ("a new S3 sanction"), and what the resolver
does to the entities it watches (merges, splits). With no scope, it receives every flag of its
patterns. Each alert goes to one channel: a Kafka topic, a signed webhook, an e-mail address; a
webhook or an e-mail can be a daily or weekly digest instead.

Secrets never live here: a webhook names the file or the environment variable its secret is in.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from engine.detection.base import SEVERITIES
from engine.detection.registry import PATTERNS
from engine.sources import SOURCES

_TOPIC = re.compile(r"^[A-Za-z0-9._-]{1,249}$")
_EMAIL = re.compile(r"^[^@\s<>,;\"]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$|^[^@\s<>,;\"]{1,64}@localhost$")
_ENV = re.compile(r"^[A-Z_][A-Z0-9_]{0,127}$")
CHANNELS = ("kafka", "webhook", "email")
DIGESTS = ("daily", "weekly")
WATCH_KINDS = ("person", "company", "public_body")


class Watch(BaseModel):
    """An entity named rather than pointed at: by RFC, by CURP, or by name (a person, a company,
    a public body). It is resolved through the resolver now, and again whenever a new entity
    appears, so a subscription made before the entity exists fires when it does."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["person", "company", "public_body"] | None = None
    name: str | None = Field(default=None, max_length=300)
    rfc: str | None = Field(default=None, max_length=20)
    curp: str | None = Field(default=None, max_length=25)

    @model_validator(mode="after")
    def _one_thing(self) -> Watch:
        given = [v for v in (self.name, self.rfc, self.curp) if v]
        if len(given) != 1:
            raise ValueError("a watch is one name, one RFC or one CURP")
        if self.name and self.kind is None:
            raise ValueError("a name watch says whether it is a person, a company or a public body")
        return self

    @field_validator("rfc", "curp")
    @classmethod
    def _identifier(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = re.sub(r"[\s-]", "", value).upper()
        if not re.fullmatch(r"[A-ZÑ&0-9]{10,18}", value):
            raise ValueError(f"not an RFC or CURP: {value!r}")
        return value

    @property
    def key(self) -> str:
        """A short stable name for the watch (it says which watch found an entity)."""
        if self.rfc:
            return f"rfc:{self.rfc}"
        if self.curp:
            return f"curp:{self.curp}"
        return f"{self.kind}:{self.name}"

    def describe(self) -> str:
        if self.rfc:
            return f"RFC {self.rfc}"
        if self.curp:
            return f"CURP {self.curp}"
        return f"{(self.kind or '').replace('_', ' ')} named {self.name!r}"


class Subscription(BaseModel):
    """What to watch, which events, where to deliver. Its id is derived from all of that, so
    subscribing twice is one subscription."""

    model_config = ConfigDict(extra="forbid")

    label: str = Field(default="", max_length=200, description="A name for people reading the alerts")
    # what
    patterns: list[str] = Field(default_factory=list, description="Pattern codes; empty: all")
    min_severity: str = "low"
    changes: bool = Field(default=False, description="Also flag changes: status, new evidence, withdrawal")
    entity_ids: list[str] = Field(default_factory=list, description="Entities watched by id")
    watches: list[Watch] = Field(default_factory=list, description="Entities watched by name, RFC or CURP")
    body_ids: list[str] = Field(default_factory=list, description="Public bodies: all they and their units buy")
    sources: list[str] = Field(default_factory=list, description="New records of these sources in scope")
    # where
    kafka_topic: str | None = None
    webhook_url: str | None = Field(default=None, max_length=2000)
    secret_file: str | None = Field(default=None, max_length=1000, description="File holding the webhook secret")
    secret_env: str | None = Field(default=None, description="Environment variable holding the webhook secret")
    email: str | None = Field(default=None, max_length=320)
    digest: Literal["daily", "weekly"] | None = None

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

    @field_validator("sources")
    @classmethod
    def _known_sources(cls, kinds: list[str]) -> list[str]:
        unknown = [k for k in kinds if k not in SOURCES]
        if unknown:
            raise ValueError(f"unknown source kind(s): {', '.join(unknown)} (known: {', '.join(SOURCES)})")
        return sorted(set(kinds))

    @field_validator("entity_ids", "body_ids")
    @classmethod
    def _ids(cls, ids: list[str]) -> list[str]:
        ids = [i.strip() for i in ids]
        for i in ids:
            if not i or len(i) > 300 or any(c.isspace() or ord(c) < 32 for c in i):
                raise ValueError(f"not an entity id: {i!r}")
        return list(dict.fromkeys(ids))

    @field_validator("kafka_topic")
    @classmethod
    def _valid_topic(cls, value: str | None) -> str | None:
        if value is not None and (not _TOPIC.match(value) or value in (".", "..")):
            raise ValueError("a Kafka topic name is 1-249 characters of letters, digits, '.', '_' or '-'")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _valid_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("a webhook is an http:// or https:// URL with a host")
        if parts.username or parts.password:
            raise ValueError("a webhook URL carries no credentials: the secret signs the body instead")
        return value

    @field_validator("secret_env")
    @classmethod
    def _valid_env(cls, value: str | None) -> str | None:
        if value is not None and not _ENV.match(value):
            raise ValueError("an environment variable name is upper-case letters, digits and '_'")
        return value

    @field_validator("email")
    @classmethod
    def _valid_email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise ValueError(f"not an e-mail address: {value!r}")
        return value

    @model_validator(mode="after")
    def _one_channel(self) -> Subscription:
        chosen = [c for c, v in (("kafka", self.kafka_topic), ("webhook", self.webhook_url), ("email", self.email))
                  if v]
        if len(chosen) != 1:
            raise ValueError("a subscription delivers to exactly one of a Kafka topic, a webhook or an e-mail address")
        if self.webhook_url and not (self.secret_file or self.secret_env):
            raise ValueError("a webhook needs a secret to sign with: a secret file or an environment variable")
        if not self.webhook_url and (self.secret_file or self.secret_env):
            raise ValueError("a secret signs webhooks only")
        if self.digest and self.kafka_topic:
            raise ValueError("a digest goes to an e-mail address or a webhook, not a Kafka topic")
        return self

    # -- derived ---------------------------------------------------------------------------------
    @property
    def id(self) -> str:
        spec = json.dumps(self.model_dump(exclude={"label"}), sort_keys=True)
        return "sub:" + hashlib.sha256(spec.encode()).hexdigest()[:16]

    @property
    def channel(self) -> str:
        return "kafka" if self.kafka_topic else "webhook" if self.webhook_url else "email"

    @property
    def destination(self) -> str:
        """Where alerts go, as shown to people and in logs (a URL without its query string)."""
        if self.kafka_topic:
            return self.kafka_topic
        if self.webhook_url:
            parts = urlsplit(self.webhook_url)
            return urlunsplit(parts._replace(query="", fragment=""))
        return self.email or ""

    @property
    def scoped(self) -> bool:
        return bool(self.entity_ids or self.watches or self.body_ids)

    @property
    def wants_flags(self) -> bool:
        """Flags, unless the subscription is about the records of some sources only."""
        return not (self.sources and not self.patterns)

    def describe(self) -> str:
        """One line: what it watches and where alerts go."""
        what = []
        if self.wants_flags:
            what.append(f"flags {'/'.join(self.patterns) or 'of every pattern'} ≥ {self.min_severity}"
                        + (" and their changes" if self.changes else ""))
        if self.sources:
            what.append(f"new records of {', '.join(self.sources)}")
        scope = [f"entity {e}" for e in self.entity_ids] + [w.describe() for w in self.watches]
        scope += [f"public body {b} and its units" for b in self.body_ids]
        where = f"{self.channel} {self.destination}" + (f" ({self.digest} digest)" if self.digest else "")
        return f"{'; '.join(what)}{' about ' + ', '.join(scope) if scope else ''} → {where}"
