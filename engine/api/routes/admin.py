"""Admins: the audit trail and the tokens."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from engine.api import audit
from engine.api.app import ApiError, client, require, workspace
from engine.api.auth import Principal, Role, create_token, list_tokens, revoke_token
from engine.api.models import TokenIn, TokenOut

router = APIRouter(prefix="/api", tags=["admin"])


@router.get("/audit", summary="The audit trail, newest first: who did what, when, from where (admins)")
def read_audit(
    request: Request,
    actor: Annotated[str | None, Query(max_length=100, description="A token's name")] = None,
    action: Annotated[str | None, Query(description="search, view_entity, change_flag, …")] = None,
    target: Annotated[str | None, Query(max_length=300)] = None,
    since: Annotated[date | None, Query()] = None,
    limit: Annotated[int, Query(ge=1)] = 100,
    who: Principal = require(Role.admin),
) -> dict[str, Any]:
    ws = workspace(request)
    if limit > ws.settings.api_max_results:
        raise ApiError(400, f"limit {limit} is over the cap of {ws.settings.api_max_results}")
    if action is not None and action not in audit.ACTIONS:
        raise ApiError(400, f"action must be one of {', '.join(audit.ACTIONS)}")
    events = audit.read(ws.store, actor, action, target, since.isoformat() if since else None, limit, ws.timeout_ms)
    audit.record(ws.store, who, "view_audit", None, {"actor": actor, "action": action, "target": target},
                 client(request))
    return {"events": events}


@router.get("/tokens", summary="Every token: name, role, created, revoked (never the token) (admins)")
def tokens(request: Request, who: Principal = require(Role.admin)) -> dict[str, Any]:
    ws = workspace(request)
    audit.record(ws.store, who, "list_tokens", None, None, client(request))
    return {"tokens": list_tokens(ws.store)}


@router.post("/tokens", response_model=TokenOut, status_code=201, summary="A new token, shown once (admins)")
def new_token(request: Request, body: TokenIn, who: Principal = require(Role.admin)) -> TokenOut:
    ws = workspace(request)
    made = create_token(ws.store, body.name, Role(body.role), created_by=who.name)
    audit.record(ws.store, who, "create_token", made.id, {"name": made.name, "role": made.role.value}, client(request))
    return TokenOut(id=made.id, name=made.name, role=made.role.value, token=made.token)


@router.delete("/tokens/{token_id}", summary="Revoke a token (admins)")
def delete_token(request: Request, token_id: str, who: Principal = require(Role.admin)) -> dict[str, Any]:
    ws = workspace(request)
    if not revoke_token(ws.store, token_id):
        raise ApiError(404, f"no token with id {token_id!r}")
    audit.record(ws.store, who, "revoke_token", token_id, None, client(request))
    return {"id": token_id, "revoked": True}


@router.get("/me", summary="Who this token is: its name and role")
def me(request: Request, who: Principal = require(Role.journalist)) -> dict[str, Any]:
    return {"id": who.token_id, "name": who.name, "role": who.role.value}
