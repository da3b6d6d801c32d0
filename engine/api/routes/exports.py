"""Exports to the tools journalists use, over HTTP: what ``vinculo export`` writes, as one ZIP of the
file(s) and ``manifest.json`` (:mod:`engine.exports`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from engine.api import audit
from engine.api.app import ApiError, client, require, workspace
from engine.api.auth import Principal, Role
from engine.exports import FLAG_FORMATS, SUBGRAPH_FORMATS, Selection, export_flags, export_subgraph

router = APIRouter(prefix="/api", tags=["exports"])


@router.get(
    "/exports/{fmt}", response_class=Response,
    responses={200: {"content": {"application/zip": {}}, "description": "the export and manifest.json, zipped"}},
    summary="A subgraph (entity, flag or body) as graphml, gexf, ftm, csv or xlsx, or the flags (flags=true) as csv "
            "or xlsx, with its manifest")
def export(
    request: Request,
    fmt: str,
    entity: Annotated[str | None, Query(max_length=500, description="An entity's neighbourhood (its id)")] = None,
    depth: Annotated[int, Query(ge=0, description="Hops from the entity")] = 1,
    flag: Annotated[str | None, Query(max_length=500, description="A flag's evidence (its id)")] = None,
    body: Annotated[str | None, Query(max_length=500, description="A public body's suppliers (its id)")] = None,
    flags: Annotated[bool, Query(description="Every flag as a row (csv or xlsx)")] = False,
    pattern: Annotated[str | None, Query(max_length=10, description="With flags: only this pattern code")] = None,
    status: Annotated[str | None, Query(max_length=20, description="With flags: only this status")] = None,
    max_nodes: Annotated[int | None, Query(ge=1, description="Stop growing the subgraph at this many nodes")] = None,
    who: Principal = require(Role.journalist),
) -> Response:
    ws = workspace(request)
    chosen = [name for name, value in (("entity", entity), ("flag", flag), ("body", body), ("flags", flags)) if value]
    if len(chosen) != 1:
        raise ApiError(400, "give exactly one of entity, flag, body or flags=true")
    formats = FLAG_FORMATS if flags else SUBGRAPH_FORMATS
    if fmt not in formats:
        raise ApiError(400, f"{'flags' if flags else 'a subgraph'} exports as {', '.join(formats)}, not {fmt!r}")
    if depth > ws.settings.api_max_depth:
        raise ApiError(400, f"depth {depth} is over the cap of {ws.settings.api_max_depth}")
    cap = ws.settings.api_max_export_nodes
    if max_nodes is not None and max_nodes > cap:
        raise ApiError(400, f"max_nodes {max_nodes} is over the cap of {cap}")
    if flags:
        result = export_flags(ws.store, fmt, pattern, status, ws.settings.api_max_export_rows, ws.timeout_ms)
        target = None
    else:
        try:
            selection = Selection(kind="entity" if entity else "flag" if flag else "body",
                                  id=entity or flag or body or "", depth=depth, max_nodes=max_nodes or cap)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise ApiError(400, f"{first['loc'][0]}: {first['msg']}") from exc
        try:
            result = export_subgraph(ws.store, selection, fmt, ws.timeout_ms)
        except LookupError as exc:
            raise ApiError(404, str(exc.args[0])) from exc
        target = selection.id
    manifest = result.manifest
    audit.record(ws.store, who, "export", target,
                 {"format": fmt, "selection": chosen[0], "depth": depth if entity else None, "pattern": pattern,
                  "status": status, "counts": manifest.counts, "truncated": manifest.limits.truncated},
                 client(request))
    name = f"vinculo-{chosen[0]}-{fmt}.zip"
    return Response(result.bundle(), media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
