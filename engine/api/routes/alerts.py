"""Subscriptions to flags (alerts delivered to a Kafka topic), as `vinculo alerts` makes them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError

from engine.alerts.subscriptions import Subscription, list_subscriptions, subscribe, unsubscribe
from engine.api import audit
from engine.api.app import ApiError, client, require, workspace
from engine.api.auth import Principal, Role

router = APIRouter(prefix="/api/subscriptions", tags=["alerts"])


@router.get("", summary="Active subscriptions")
def subscriptions(request: Request, who: Principal = require(Role.journalist)) -> dict[str, Any]:
    ws = workspace(request)
    return {"subscriptions": [{"id": i, **s.model_dump()} for i, s in list_subscriptions(ws.store)]}


@router.post("", status_code=201, summary="Subscribe to flags: pattern codes, a minimum severity, entities, a Kafka "
                                          "topic to deliver to (analysts)")
def create_subscription(request: Request, body: dict[str, Any],
                        who: Principal = require(Role.analyst)) -> dict[str, Any]:
    ws = workspace(request)
    try:
        sub = Subscription(**body)
    except (ValidationError, TypeError) as exc:
        problem = exc.errors()[0] if isinstance(exc, ValidationError) else {"loc": ("body",), "msg": str(exc)}
        raise ApiError(422, f"{'.'.join(str(p) for p in problem['loc'])}: {problem['msg']}") from exc
    sub_id = subscribe(ws.store, sub)
    audit.record(ws.store, who, "subscribe", sub_id, sub.model_dump(), client(request))
    return {"id": sub_id, **sub.model_dump()}


@router.delete("/{sub_id}", summary="Stop a subscription (analysts)")
def delete_subscription(request: Request, sub_id: str, who: Principal = require(Role.analyst)) -> dict[str, Any]:
    ws = workspace(request)
    if not unsubscribe(ws.store, sub_id):
        raise ApiError(404, f"no subscription with id {sub_id!r}")
    audit.record(ws.store, who, "unsubscribe", sub_id, None, client(request))
    return {"id": sub_id, "active": False}
