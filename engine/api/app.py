"""The workspace's HTTP app: the API under ``/api``, health and metrics, the web UI at ``/``, and the
journalists' kit: the Neo4j Browser guide and style at ``/browser``, the reconciliation service for
OpenRefine at ``/reconcile`` (:mod:`engine.journalists`).

Every ``/api`` request carries a token (``Authorization: Bearer …``), checked for its role
and its rate; every read-only query has a server-side time limit; errors are JSON with a
status, a code and a sentence.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.exceptions import HTTPException as StarletteHTTPException

from engine.api import audit
from engine.api.auth import AuthError, Principal, RateLimiter, Role, TokenChecker
from engine.api.cases import CaseError
from engine.api.graphview import NotFound
from engine.graph.store import GraphStore, QueryTimeout
from engine.settings import Settings

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
          409: "conflict", 422: "invalid", 429: "rate_limited", 500: "internal", 504: "timeout"}


class ApiError(Exception):
    def __init__(self, status: int, message: str, details: list[dict[str, Any]] | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.details, self.headers = status, message, details, headers


@dataclass
class Workspace:
    """What every request shares: the store, the settings, the token checker, the rate limiter."""

    store: GraphStore
    settings: Settings
    tokens: TokenChecker
    limiter: RateLimiter
    registry: CollectorRegistry
    requests: Counter
    latency: Histogram

    @property
    def timeout_ms(self) -> int:
        return self.settings.api_query_timeout_ms


def workspace(request: Request) -> Workspace:
    ws: Workspace = request.app.state.workspace
    return ws


def client(request: Request) -> str | None:
    return request.client.host if request.client else None


def require(role: Role) -> Any:
    """A dependency: the request's token must be valid, within its rate, and at least ``role``."""
    return Depends(checker(role))


def checker(role: Role) -> Callable[[Request], Principal]:
    """The check behind :func:`require`, as a plain function of the request."""

    def check(request: Request) -> Principal:
        ws = workspace(request)
        try:
            who = ws.tokens.check(request.headers.get("authorization"))
        except AuthError as exc:
            raise ApiError(401, str(exc), headers={"WWW-Authenticate": "Bearer"}) from exc
        wait = ws.limiter.take(who.token_id)
        if wait:
            raise ApiError(429, f"too many requests for this token: {ws.settings.api_rate_per_minute} a minute; "
                                f"try again in {wait:.1f} s", headers={"Retry-After": str(int(wait) + 1)})
        if not who.role.allows(role):
            audit.record(ws.store, who, "denied", request.url.path, {"method": request.method, "needs": role.value},
                         client(request), 403)
            raise ApiError(403, f"a {who.role.value}'s token cannot do this: it needs the {role.value} role")
        return who

    return check


_journalist = checker(Role.journalist)


def _reconcile_guard(request: Request) -> None:
    """A journalist's token for the reconciliation service's reads, each audited."""
    who = _journalist(request)
    audit.record(workspace(request).store, who, "reconcile", request.url.path,
                 {"method": request.method}, client(request))


def _error(status: int, message: str, details: list[dict[str, Any]] | None = None,
           headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"status": status, "error": _CODES.get(status, "error"), "message": message}
    if details:
        body["details"] = details
    return JSONResponse(body, status_code=status, headers=headers)


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, exc.message, exc.details, exc.headers)

    @app.exception_handler(NotFound)
    async def not_found(_: Request, exc: NotFound) -> JSONResponse:
        return _error(404, str(exc.args[0]) if exc.args else "not found")

    @app.exception_handler(CaseError)
    async def case_error(_: Request, exc: CaseError) -> JSONResponse:
        return _error(400, str(exc))

    @app.exception_handler(QueryTimeout)
    async def timeout(_: Request, exc: QueryTimeout) -> JSONResponse:
        return _error(504, "the graph took too long to answer this request and was stopped; "
                           "ask for less (a smaller depth, fewer results)")

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"where": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg")} for e in exc.errors()]
        if any(e.get("type") == "json_invalid" for e in exc.errors()):
            return _error(400, "the request body is not valid JSON", errors)
        first = errors[0] if errors else {"where": "request", "problem": "invalid"}
        return _error(422, f"{first['where']}: {first['problem']}", errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else "error"
        if exc.status_code == 404 and message == "Not Found":
            message = "no such page or endpoint"
        return _error(exc.status_code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def crash(_: Request, exc: Exception) -> JSONResponse:
        log.exception("request failed")
        return _error(500, "the server failed on this request; the error is in its log")


def create_app(store: GraphStore, settings: Settings) -> FastAPI:
    """The app over an open store; the caller owns the store and closes it."""
    from engine.api.routes import admin, alerts, entities, exports, flags, health, matches
    from engine.journalists import browser, reconcile

    registry = CollectorRegistry()
    ws = Workspace(
        store=store, settings=settings,
        tokens=TokenChecker(store, settings.api_token_cache_seconds),
        limiter=RateLimiter(settings.api_rate_per_minute),
        registry=registry,
        requests=Counter("vinculo_api_requests", "API requests by route and status", ["method", "route", "status"],
                         registry=registry),
        latency=Histogram("vinculo_api_request_seconds", "API request latency by route", ["route"], registry=registry,
                          buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2.5, 5, 10)),
    )
    app = FastAPI(title="Vínculo workspace", version="1",
                  description="Search, entity profiles, neighbourhoods, paths, flags as cases, match judgments "
                              "and the audit trail, over Vínculo's graph. Send `Authorization: Bearer <token>`.")
    app.state.workspace = ws
    _install_errors(app)

    @app.middleware("http")
    async def measure(request: Request, call_next: Any) -> Any:
        started = time.perf_counter()
        response = await call_next(request)
        route = getattr(request.scope.get("route"), "path", "unmatched")
        ws.requests.labels(request.method, route, str(response.status_code)).inc()
        ws.latency.labels(route).observe(time.perf_counter() - started)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    for module in (health, entities, flags, matches, alerts, admin, exports):
        app.include_router(module.router)
    # the journalists' kit: the Neo4j Browser guide and style (public), and the reconciliation service for
    # OpenRefine, whose manifest is public and whose queries, suggest and preview need a journalist's token
    # (``Authorization: Bearer``) unless VINCULO_API_RECONCILE_OPEN
    app.state.graph_store = store
    if not settings.api_reconcile_open:
        app.state.journalists_guard = _reconcile_guard
    app.include_router(browser.router, prefix="/browser")
    app.include_router(reconcile.router, prefix="/reconcile")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    return app
