"""Subscriptions to alerts, as `vinculo alerts` makes them: list, subscribe, pause, resume, delete,
and the delivery log. A webhook's secret is sent in the body once (``secret``), kept in the
data folder at 0600 and never shown again, audited or logged."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import ValidationError

from engine.alerts import delivery
from engine.alerts.model import Subscription
from engine.alerts.secret import SecretError, keep_secret
from engine.alerts.subscriptions import delete, get_subscription, list_subscriptions, pause, subscribe
from engine.api import audit
from engine.api.app import ApiError, client, require, workspace
from engine.api.auth import Principal, Role

router = APIRouter(prefix="/api/subscriptions", tags=["alerts"])


def _invalid(exc: ValidationError | TypeError | ValueError) -> ApiError:
    if isinstance(exc, ValidationError):
        problem = exc.errors()[0]
        where = ".".join(str(p) for p in problem["loc"]) or "body"
        return ApiError(422, f"{where}: {problem['msg']}")
    return ApiError(422, f"body: {exc}")


@router.get("", summary="Subscriptions (not deleted), paused ones included")
def subscriptions(request: Request, who: Principal = require(Role.journalist)) -> dict[str, Any]:
    ws = workspace(request)
    return {"subscriptions": [s.as_dict() for s in list_subscriptions(ws.store)]}


@router.post("", status_code=201, summary="Subscribe (analysts): what to watch — pattern codes, a minimum "
                                          "severity, changes, entity ids, names/RFCs/CURPs (watches), public "
                                          "bodies, sources — and where to deliver: kafka_topic, webhook_url with "
                                          "secret, or email; digest daily|weekly")
def create_subscription(request: Request, body: dict[str, Any],
                        who: Principal = require(Role.analyst)) -> dict[str, Any]:
    ws = workspace(request)
    body = dict(body)
    secret = body.pop("secret", None)
    if body.get("secret_file") or body.get("secret_env"):
        raise ApiError(422, "secret_file, secret_env: not through the API; send the secret itself as `secret`")
    if body.get("webhook_url") and secret is not None:
        if not isinstance(secret, str):
            raise ApiError(422, "secret: a string")
        try:
            body["secret_file"] = str(keep_secret(ws.settings.home_dir, secret))
        except SecretError as exc:
            raise ApiError(422, f"secret: {exc}") from exc
    elif secret is not None:
        raise ApiError(422, "secret: only a webhook has a secret")
    try:
        sub = Subscription(**body)
    except (ValidationError, TypeError, ValueError) as exc:
        raise _invalid(exc) from exc
    made = subscribe(ws.store, sub, owner=who.name)
    shown = {k: v for k, v in sub.model_dump(exclude_none=True).items() if k != "secret_file"}
    audit.record(ws.store, who, "subscribe", made.id, shown, client(request))
    return {"id": made.id, **shown, "channel": sub.channel, "destination": sub.destination,
            "found": [{"watch": w.describe(), "entity": f.entity_id, "name": f.name, "why": f.why}
                      for w, f in made.found],
            "waiting_for": [w.describe() for w in made.pending]}


@router.get("/{sub_id}", summary="One subscription")
def one_subscription(request: Request, sub_id: str, who: Principal = require(Role.journalist)) -> dict[str, Any]:
    ws = workspace(request)
    sub = get_subscription(ws.store, sub_id)
    if sub is None:
        raise ApiError(404, f"no subscription with id {sub_id!r}")
    return sub.as_dict()


def _pause(request: Request, sub_id: str, who: Principal, paused: bool) -> dict[str, Any]:
    ws = workspace(request)
    if not pause(ws.store, sub_id, paused):
        raise ApiError(404, f"no subscription with id {sub_id!r}")
    audit.record(ws.store, who, "subscribe", sub_id, {"paused": paused}, client(request))  # a change of it
    return {"id": sub_id, "paused": paused}


@router.post("/{sub_id}/pause", summary="Stop delivering for now (analysts)")
def pause_subscription(request: Request, sub_id: str, who: Principal = require(Role.analyst)) -> dict[str, Any]:
    return _pause(request, sub_id, who, True)


@router.post("/{sub_id}/resume", summary="Deliver again (analysts)")
def resume_subscription(request: Request, sub_id: str, who: Principal = require(Role.analyst)) -> dict[str, Any]:
    return _pause(request, sub_id, who, False)


@router.delete("/{sub_id}", summary="Delete a subscription (analysts); its delivery log stays")
def delete_subscription(request: Request, sub_id: str, who: Principal = require(Role.analyst)) -> dict[str, Any]:
    ws = workspace(request)
    if not delete(ws.store, sub_id):
        raise ApiError(404, f"no subscription with id {sub_id!r}")
    audit.record(ws.store, who, "unsubscribe", sub_id, None, client(request))
    return {"id": sub_id, "active": False}


@router.get("/{sub_id}/log", summary="A subscription's deliveries, newest first, each with its tries")
def subscription_log(request: Request, sub_id: str,
                     limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                     who: Principal = require(Role.journalist)) -> dict[str, Any]:
    ws = workspace(request)
    rows = delivery.log(ws.store, subscription=sub_id, limit=limit)
    return {"deliveries": rows}
