"""Flags as cases: the triage queue, a flag's evidence, and changes by analysts."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request

from engine.api import audit, cases
from engine.api.app import ApiError, client, require, workspace
from engine.api.auth import Principal, Role
from engine.api.models import FlagChange, FlagChanged, FlagDetail, FlagList, FlagRow
from engine.detection.base import SEVERITIES

router = APIRouter(prefix="/api/flags", tags=["flags"])
FILTER_STATUSES = (*cases.STATUSES, "withdrawn")


@router.get("", response_model=FlagList, summary="The triage queue: flags, strongest first, filtered")
def list_flags(
    request: Request,
    pattern: Annotated[str | None, Query(max_length=10, description="A pattern code, e.g. P002")] = None,
    severity: Annotated[str | None, Query(description="low, medium, high or critical")] = None,
    status: Annotated[str | None, Query(description="new, in_progress, confirmed, dismissed or withdrawn; "
                                                    "unset: all but withdrawn")] = None,
    body: Annotated[str | None, Query(max_length=300, description="Flags concerning this public body (its id)")] = None,
    since: Annotated[date | None, Query(description="First seen on or after this date (YYYY-MM-DD)")] = None,
    assignee: Annotated[str | None, Query(max_length=100)] = None,
    skip: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1)] = 50,
    who: Principal = require(Role.journalist),
) -> FlagList:
    ws = workspace(request)
    if limit > ws.settings.api_max_results:
        raise ApiError(400, f"limit {limit} is over the cap of {ws.settings.api_max_results}")
    if severity is not None and severity not in SEVERITIES:
        raise ApiError(400, f"severity must be one of {', '.join(SEVERITIES)}")
    if status is not None and status not in FILTER_STATUSES:
        raise ApiError(400, f"status must be one of {', '.join(FILTER_STATUSES)}")
    rows = cases.list_flags(ws.store, pattern=pattern, severity=severity, status=status, body=body,
                            since=since.isoformat() if since else None, assignee=assignee, skip=skip, limit=limit,
                            timeout_ms=ws.timeout_ms)
    filters = {k: v for k, v in {"pattern": pattern, "severity": severity, "status": status, "body": body,
                                 "since": since, "assignee": assignee}.items() if v is not None}
    audit.record(ws.store, who, "list_flags", None, {**filters, "rows": len(rows)}, client(request))
    return FlagList(flags=[FlagRow(**r) for r in rows], skip=skip, limit=limit)


@router.get("/{flag_id}", response_model=FlagDetail,
            summary="A flag: its sentence, its evidence path resolved to named nodes, the source records of each "
                    "step, its history")
def get_flag(request: Request, flag_id: str, who: Principal = require(Role.journalist)) -> FlagDetail:
    ws = workspace(request)
    result = cases.get_flag(ws.store, flag_id, ws.settings.api_max_nodes, ws.timeout_ms)
    audit.record(ws.store, who, "view_flag", flag_id, None, client(request))
    return FlagDetail(**result)


@router.patch("/{flag_id}", response_model=FlagChanged,
              summary="Work the case: status (new, in_progress, confirmed, dismissed), assignee, a comment; "
                      "kept in the flag's history (analysts)")
def change_flag(request: Request, flag_id: str, change: FlagChange,
                who: Principal = require(Role.analyst)) -> FlagChanged:
    ws = workspace(request)
    sent = change.model_fields_set
    result = cases.update_flag(ws.store, flag_id, by=who.name, status=change.status,
                               assignee=change.assignee, set_assignee="assignee" in sent, comment=change.comment)
    audit.record(ws.store, who, "change_flag", flag_id, change.model_dump(exclude_unset=True), client(request))
    return FlagChanged(**result)
