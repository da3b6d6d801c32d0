"""Resolve where the event log and the graph store are: settings first, embedded otherwise."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.runtime.embedded import EmbeddedServices
from engine.settings import Settings, redact


@dataclass(frozen=True)
class Endpoints:
    kafka_bootstrap: str
    graph_uri: str
    graph_user: str | None
    graph_password: str | None
    graph_name: str
    home: Path | None = None  # where workers keep their state (resolver index)

    def describe(self) -> dict[str, str]:
        return {"kafka": self.kafka_bootstrap, "graph": redact(self.graph_uri)}


def resolve_endpoints(settings: Settings, start: bool = True) -> Endpoints:
    """Return the service addresses, starting the embedded servers that no URL replaces."""
    needed = tuple(
        name
        for name, embedded in (("kafka", settings.embedded_kafka), ("graph", settings.embedded_graph))
        if embedded
    )
    services = EmbeddedServices(settings.home_dir)
    infos = services.up(needed) if (needed and start) else services.running()
    missing = [n for n in needed if n not in infos]
    if missing:
        raise RuntimeError(
            f"embedded {', '.join(missing)} not running: run `vinculo up` or set "
            "VINCULO_KAFKA_BOOTSTRAP / VINCULO_GRAPH_URI"
        )
    kafka = settings.kafka_bootstrap or infos["kafka"].url
    if settings.graph_uri:
        password = settings.graph_password.get_secret_value() if settings.graph_password else None
        return Endpoints(kafka, settings.graph_uri, settings.graph_user, password, settings.graph_name,
                         settings.home_dir)
    return Endpoints(kafka, infos["graph"].url, None, services.password(), settings.graph_name, settings.home_dir)
