"""Entity resolution's possible matches and a person's judgment on them — the same judgments as
`vinculo er review`, recorded with ``engine.pipeline.linker.record_judgment``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from engine.api import audit, graphview
from engine.api.app import ApiError, client, require, workspace
from engine.api.auth import Principal, Role
from engine.api.models import JudgmentIn, JudgmentOut
from engine.graph import cypher
from engine.pipeline.linker import record_judgment

router = APIRouter(prefix="/api/er", tags=["entity resolution"])


@router.get("/matches", summary="Possible matches waiting for a person, strongest first")
def possible_matches(request: Request, limit: Annotated[int, Query(ge=1)] = 50,
                     who: Principal = require(Role.journalist)) -> dict[str, Any]:
    ws = workspace(request)
    if limit > ws.settings.api_max_results:
        raise ApiError(400, f"limit {limit} is over the cap of {ws.settings.api_max_results}")
    rows: list[dict[str, Any]] = []
    for label in ("Person", "Company"):
        rows += ws.store.read(cypher.review_queue(label).text, {"limit": limit}, ws.timeout_ms)
    rows = sorted(rows, key=lambda r: -(r.get("score") or 0))[:limit]
    audit.record(ws.store, who, "list_matches", None, {"rows": len(rows)}, client(request))
    return {"matches": rows}


@router.post("/judgments", response_model=JudgmentOut, status_code=201,
             summary="'Same' or 'not same' on a possible match; overrides the resolver's score from now on (analysts)")
def judge(request: Request, body: JudgmentIn, who: Principal = require(Role.analyst)) -> JudgmentOut:
    ws = workspace(request)
    found = graphview.find_nodes(ws.store, [body.mention, body.entity], ws.timeout_ms)
    if body.mention not in found or found[body.mention]["label"] != "Mention":
        raise ApiError(404, f"no mention with id {body.mention!r}")
    if body.entity not in found:
        raise ApiError(404, f"no entity with id {body.entity!r}")
    judgment = record_judgment(ws.store, body.mention, body.entity, body.same, who.name)
    audit.record(ws.store, who, "judge_match", body.mention, {"entity": body.entity, "same": body.same,
                                                              "judgment": judgment}, client(request))
    return JudgmentOut(judgment=judgment, mention=body.mention, entity=body.entity, same=body.same)
