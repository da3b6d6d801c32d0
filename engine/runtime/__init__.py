"""Where the servers are: external ones named in settings, or the embedded ones."""

from engine.runtime.embedded import EmbeddedServices, ServiceInfo
from engine.runtime.endpoints import Endpoints, resolve_endpoints

__all__ = ["EmbeddedServices", "Endpoints", "ServiceInfo", "resolve_endpoints"]
