"""One typed settings module. Every value comes from a ``VINCULO_`` environment
variable; unset service URLs mean "use the embedded servers".
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

GRAPH_SCHEMES = ("falkordb", "neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc")


class Settings(BaseSettings):
    """Vínculo's configuration, read from ``VINCULO_*`` environment variables."""

    # hide_input_in_errors: an invalid setting is never echoed (a URI may carry a password)
    model_config = SettingsConfigDict(env_prefix="VINCULO_", extra="forbid", hide_input_in_errors=True)

    home: Path = Field(
        default=Path(".vinculo"),
        description="Data folder of the embedded servers (state, password, graph files, logs).",
    )
    kafka_bootstrap: str | None = Field(
        default=None,
        description="Kafka bootstrap servers, host:port[,host:port]. Unset: embedded Tansu.",
    )
    graph_uri: str | None = Field(
        default=None,
        description="Graph store URI: falkordb://host:port[/graph], neo4j://host:7687, bolt://…"
        " Unset: embedded FalkorDB.",
    )
    graph_user: str | None = Field(default=None, description="Graph user (Neo4j).")
    graph_password: SecretStr | None = Field(default=None, description="Graph password.")
    graph_name: str = Field(default="vinculo", description="FalkorDB graph key / Neo4j database.")
    topic_partitions: int = Field(default=3, ge=1, description="Partitions of created topics.")
    app_id: str = Field(default="vinculo", description="Consumer group and faust app id.")
    write_batch: int = Field(default=2000, ge=1, description=(
        "Most records per graph write batch: a busy stream fills it (one durable write and one on-arrival check "
        "per batch), a quiet one sends what `batch_within_ms` gathered."))
    fetch_max_wait_ms: int = Field(default=100, ge=1, le=5000, description=(
        "How long the worker's fetch may wait on the broker for records (a quiet stream's latency per hop)."))
    batch_within_ms: float = Field(default=50, gt=0, le=5000, description=(
        "How long the worker gathers a batch before handling it (latency per hop)."))
    scan_schedule: str = Field(
        default="*/15 * * * *", description="Cron expression of the full detection scan (`vinculo scheduler`)."
    )
    reconcile_schedule: str = Field(
        default="5 * * * *", description="Cron expression of the resolver reconcile job (`vinculo scheduler`)."
    )

    # the investigators' workspace (`vinculo serve`)
    api_host: str = Field(default="127.0.0.1", description="Address `vinculo serve` binds to (loopback unless set).")
    api_port: int = Field(default=8600, ge=1, le=65535, description="Port of `vinculo serve`.")
    api_rate_per_minute: int = Field(default=600, ge=1, description="Requests per minute allowed to one token.")
    api_query_timeout_ms: int = Field(
        default=5000, ge=100, description="Server-side time limit of each read-only query the API sends.")
    api_max_depth: int = Field(default=3, ge=1, le=6, description="Deepest neighbourhood the API draws.")
    api_max_nodes: int = Field(default=400, ge=10, description="Most nodes in one neighbourhood or evidence graph.")
    api_max_results: int = Field(default=100, ge=1, description="Most rows one list request returns.")
    api_max_path_hops: int = Field(default=6, ge=1, le=8, description="Longest path `/api/paths` looks for.")
    api_max_export_nodes: int = Field(
        default=2000, ge=10, le=50000, description="Most nodes in one subgraph exported through `/api/exports`.")
    api_max_export_rows: int = Field(
        default=10000, ge=1, description="Most flags in one flags export through `/api/exports`.")
    api_reconcile_open: bool = Field(
        default=False,
        description="Let `/reconcile` answer queries, suggest and preview without a token (OpenRefine cannot send "
                    "one); the manifest and the Browser kit are always open.")
    api_token_cache_seconds: float = Field(
        default=10.0, ge=0,
        description="How long a checked token is trusted before it is read again (revocation delay).")

    # alerts: where links in alerts point, the SMTP server, how webhooks and e-mails are retried
    ui_url: str = Field(default="http://127.0.0.1:8600", description="Base URL of the workspace UI, for links "
                                                                    "in alerts.")
    smtp_host: str | None = Field(default=None, description="SMTP server of e-mail alerts (unset: no e-mail).")
    smtp_port: int = Field(default=587, ge=1, le=65535, description="SMTP port.")
    smtp_user: str | None = Field(default=None, description="SMTP user (with a password: AUTH).")
    smtp_password: SecretStr | None = Field(default=None, description="SMTP password (or _PASSWORD_FILE).")
    smtp_password_file: Path | None = Field(default=None, description="File holding the SMTP password.")
    smtp_starttls: bool = Field(default=True, description="Upgrade the SMTP connection with STARTTLS.")
    smtp_cafile: Path | None = Field(default=None, description="CA bundle that signs the SMTP server's "
                                                               "certificate (unset: the system's).")
    smtp_from: str = Field(default="vinculo@localhost", description="From address of e-mail alerts.")
    smtp_timeout_seconds: float = Field(default=20.0, gt=0, description="SMTP connection and command timeout.")
    alerts_tries: int = Field(default=6, ge=1, le=50, description="Tries of a webhook or e-mail alert before it "
                                                                  "is dead-lettered.")
    alerts_backoff_seconds: float = Field(default=2.0, gt=0, description="Wait before the first retry; "
                                                                         "doubles each try, with jitter.")
    alerts_backoff_max_seconds: float = Field(default=600.0, gt=0, description="Longest wait between tries.")
    alerts_webhook_timeout_seconds: float = Field(default=10.0, gt=0, description="Time limit of one webhook "
                                                                                  "request.")
    alerts_lease_seconds: float = Field(default=60.0, gt=0, description="How long a worker owns an alert it is "
                                                                        "sending before another may take it over.")
    alerts_poll_seconds: float = Field(default=2.0, gt=0, description="How often the alerts worker reads flag "
                                                                      "changes and new records from the graph.")
    alerts_concurrency: int = Field(default=32, ge=1, le=1000, description="Alerts sent at once by one worker.")

    @field_validator("graph_uri")
    @classmethod
    def _known_scheme(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        scheme = urlsplit(value).scheme
        if scheme not in GRAPH_SCHEMES:
            raise ValueError(
                f"unknown graph URI scheme {scheme!r}; expected one of {', '.join(GRAPH_SCHEMES)}"
            )
        return value

    @field_validator("kafka_bootstrap")
    @classmethod
    def _empty_is_none(cls, value: str | None) -> str | None:
        return value or None

    @property
    def embedded_kafka(self) -> bool:
        return self.kafka_bootstrap is None

    @property
    def embedded_graph(self) -> bool:
        return self.graph_uri is None

    @property
    def home_dir(self) -> Path:
        return self.home.expanduser().resolve()


def redact(url: str) -> str:
    """Return ``url`` with any password replaced by ``***``, for logs and status output."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reload_settings() -> Settings:
    get_settings.cache_clear()
    return get_settings()
