"""A W3C Reconciliation Service (API 0.2, the version OpenRefine speaks) over the graph.

Mounted at ``/reconcile``: a plain GET returns the service manifest (public metadata); GET
or POST with ``queries`` (a JSON batch, form-encoded as OpenRefine sends it) returns ranked
candidates per query, scored by the entity resolver with its explanation
(:mod:`engine.journalists.candidates`); ``/preview?id=`` is an HTML card of an entity;
``/suggest/entity|type|property?prefix=`` feed OpenRefine's search boxes. Types are the
graph's Person, Company and PublicBody; properties are ``rfc``, ``curp``, ``birth_date`` and
``address``. Requests and responses are checked against the specification's own JSON
schemas, vendored in ``w3c/`` and resolved offline. Everything is read-only.

Mount it in an app with ``app.include_router(router, prefix="/reconcile")`` and provide the
store as :mod:`engine.journalists.deps` says.
"""

from __future__ import annotations

import html
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from starlette.routing import NoMatchFound

from engine.exports.manifest import DISCLAIMER, vinculo_version
from engine.exports.subgraph import Selection, read_subgraph
from engine.graph.lookup import RECONCILED_LABELS, flags_of
from engine.graph.store import GraphStore
from engine.journalists.candidates import Candidate, Reconciler
from engine.journalists.deps import CORS, get_reconciler, get_store, guard

__all__ = ["router", "validator", "TYPES", "PROPERTIES", "MAX_QUERIES"]

router = APIRouter(tags=["reconciliation"])

TYPES = {"Person": "Person (persona)", "Company": "Company (empresa u organización)",
         "PublicBody": "Public body (institución pública)"}
PROPERTIES = {"rfc": "RFC", "curp": "CURP", "birth_date": "Birth or incorporation date (fecha)",
              "address": "Address (domicilio)"}
MAX_QUERIES = 500  # per batch; OpenRefine sends 10 at a time by default
MAX_LIMIT = 25
_CALLBACK = re.compile(r"^[A-Za-z_$][\w$.]{0,63}$")
_W3C = Path(__file__).with_name("w3c")


@cache
def _registry() -> Registry:
    def offline(uri: str) -> Resource:  # never fetch: only the vendored schemas resolve
        raise NoSuchResource(ref=uri)  # type: ignore[call-arg]

    resources = []
    for path in sorted(_W3C.glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((contents["$id"], Resource.from_contents(contents, default_specification=_draft())))
    return Registry(retrieve=offline).with_resources(resources)  # type: ignore[call-arg]


def _draft() -> Any:
    from referencing.jsonschema import DRAFT7

    return DRAFT7


def validator(name: str) -> jsonschema.protocols.Validator:
    """A validator for one of the API's schemas (``manifest``, ``reconciliation-query-batch``…)."""
    contents = json.loads((_W3C / f"{name}.json").read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(contents, registry=_registry())


def _json(data: Any, callback: str | None = None) -> Response:
    if callback:  # JSONP, which older OpenRefine suggest widgets use
        if not _CALLBACK.match(callback):
            raise HTTPException(400, "invalid callback name")
        body = f"{callback}({json.dumps(data, ensure_ascii=False)});"
        return Response(body, media_type="application/javascript", headers=CORS)
    return JSONResponse(data, headers=CORS)


def _base(request: Request) -> str:
    return str(request.url_for("reconcile_service")).rstrip("/")


def manifest(request: Request) -> dict[str, Any]:
    base = _base(request)
    found = {

        "versions": ["0.2"],
        "name": "Vínculo",
        "identifierSpace": "urn:vinculo:entity",
        "schemaSpace": "urn:vinculo:schema",
        "serviceVersion": vinculo_version(),
        "defaultTypes": [{"id": k, "name": v} for k, v in TYPES.items()],
        "view": {"url": f"{base}/preview?id={{{{id}}}}"},
        "preview": {"url": f"{base}/preview?id={{{{id}}}}", "width": 430, "height": 300},
        "suggest": {
            "entity": {"service_url": base, "service_path": "/suggest/entity"},
            "type": {"service_url": base, "service_path": "/suggest/type"},
            "property": {"service_url": base, "service_path": "/suggest/property"},
        },
    }
    try:
        found["documentation"] = str(request.url_for("browser_guide", lang="en"))
    except NoMatchFound:  # the kit is not mounted beside the service
        pass
    return found


def _values(properties: list[dict[str, Any]], pid: str) -> str | None:
    for prop in properties:
        if prop.get("pid") == pid:
            value = prop.get("v")
            value = value[0] if isinstance(value, list) and value else value
            if isinstance(value, dict):
                value = value.get("name") or value.get("id")
            return str(value) if value not in (None, "") else None
    return None


def _candidate(c: Candidate) -> dict[str, Any]:
    entity = c.entity
    detail = " · ".join(p for p in (
        f"RFC {entity.rfc}" if entity.rfc else None, f"CURP {entity.curp}" if entity.curp else None,
        ", ".join(entity.sources) or None, c.explanation) if p)
    return {
        "id": entity.id, "name": entity.name, "type": [{"id": entity.label, "name": TYPES[entity.label]}],
        "score": c.score, "match": c.match, "description": detail,
        "features": [{"id": "probability", "value": round(c.probability, 6)},
                     {"id": "weight", "value": round(c.weight, 3)}]
                    + [{"id": f"{name}:{level}", "value": round(weight, 3)} for name, level, weight in c.parts],
    }


def reconcile_batch(reconciler: Reconciler, queries: dict[str, Any]) -> dict[str, Any]:
    """Answer a validated query batch: ``{key: {"result": [candidates]}}``."""
    index = reconciler.index()
    out: dict[str, Any] = {}
    for key, query in queries.items():
        types = query.get("type") or []
        types = [types] if isinstance(types, str) else types
        labels = tuple(t for t in types if t in RECONCILED_LABELS) or (RECONCILED_LABELS if not types else ())
        props = query.get("properties") or []
        limit = max(1, min(int(query.get("limit") or 5), MAX_LIMIT))
        found = index.search(query.get("query") or "", labels, rfc=_values(props, "rfc"), curp=_values(props, "curp"),
                             birth_date=_values(props, "birth_date"), address=_values(props, "address"),
                             limit=limit) if labels else []
        out[key] = {"result": [_candidate(c) for c in found]}
    return out


def _parse_queries(raw: str) -> dict[str, Any]:
    try:
        queries = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise HTTPException(400, f"queries is not JSON: {exc.msg}") from exc
    errors = sorted(validator("reconciliation-query-batch").iter_errors(queries), key=lambda e: e.path)
    if errors:
        raise HTTPException(400, f"queries do not follow the reconciliation API: {errors[0].message}")
    if len(queries) > MAX_QUERIES:
        raise HTTPException(413, f"at most {MAX_QUERIES} queries per batch")
    return queries


@router.get("", name="reconcile_service")
def service(request: Request, queries: str | None = Query(None), callback: str | None = Query(None),
            reconciler: Reconciler = Depends(get_reconciler)) -> Response:
    """The service manifest (public), or (with ``queries``) the answers to a batch."""
    if queries is None:
        return _json(manifest(request), callback)
    guard(request)
    return _json(reconcile_batch(reconciler, _parse_queries(queries)), callback)


@router.post("", name="reconcile_batch", dependencies=[Depends(guard)])
def service_post(queries: str = Form(...), reconciler: Reconciler = Depends(get_reconciler)) -> Response:
    """A batch of queries, as OpenRefine posts it (``application/x-www-form-urlencoded``)."""
    return _json(reconcile_batch(reconciler, _parse_queries(queries)))


def _labels(type_: str | None) -> tuple[str, ...]:
    if type_ and type_ not in RECONCILED_LABELS:
        raise HTTPException(400, f"unknown type {type_!r}")
    return (type_,) if type_ else RECONCILED_LABELS


@router.get("/suggest/entity", name="reconcile_suggest_entity", dependencies=[Depends(guard)])
def suggest_entity(prefix: str = Query("", max_length=200), cursor: int = Query(0, ge=0, le=1000),
                   type: str | None = Query(None), callback: str | None = Query(None),
                   reconciler: Reconciler = Depends(get_reconciler)) -> Response:
    found = reconciler.index().suggest(prefix, _labels(type), limit=10, cursor=cursor)
    return _json({"result": [{"id": e.id, "name": e.name, "description": f"{e.label} · RFC {e.rfc}" if e.rfc
                              else e.label, "notable": [{"id": e.label, "name": TYPES[e.label]}]}
                             for e in found]}, callback)


@router.get("/suggest/type", name="reconcile_suggest_type")
def suggest_type(prefix: str = Query("", max_length=200), callback: str | None = Query(None)) -> Response:
    wanted = prefix.lower()
    return _json({"result": [{"id": k, "name": v} for k, v in TYPES.items()
                             if wanted in k.lower() or wanted in v.lower()]}, callback)


@router.get("/suggest/property", name="reconcile_suggest_property")
def suggest_property(prefix: str = Query("", max_length=200), callback: str | None = Query(None)) -> Response:
    wanted = prefix.lower()
    return _json({"result": [{"id": k, "name": v} for k, v in PROPERTIES.items()
                             if wanted in k.lower() or wanted in v.lower()]}, callback)


@router.get("/preview", name="reconcile_preview", response_class=HTMLResponse, dependencies=[Depends(guard)])
def preview(id: str = Query(..., min_length=1, max_length=500), store: GraphStore = Depends(get_store),
            reconciler: Reconciler = Depends(get_reconciler)) -> HTMLResponse:
    """An HTML card of one entity: identifiers, sources, its relationships by type, and its flags."""
    entity = reconciler.index().entities.get(id)
    if entity is None:
        raise HTTPException(404, "no such entity")
    sub = read_subgraph(store, Selection(kind="entity", id=id, depth=1, max_nodes=200))
    links: dict[str, list[str]] = {}
    for edge in sub.edges.values():
        if id in (edge.src, edge.dst):
            other = sub.nodes[edge.dst if edge.src == id else edge.src]
            links.setdefault(edge.type, []).append(other.name)
    flags = store.read(flags_of(entity.label).text, {"id": id, "limit": 5})
    e = html.escape
    rows = "".join(f"<li><b>{e(t)}</b>: {e(', '.join(sorted(set(names))[:6]))}"
                   f"{' …' if len(set(names)) > 6 else ''}</li>" for t, names in sorted(links.items()))
    flag_rows = "".join(f'<li class="flag">{e(f["pattern"])} · {e(str(f["severity"]))}: {e(f["sentence"] or "")}</li>'
                        for f in flags)
    body = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{e(entity.name)}</title>
<style>body{{font-family:sans-serif;font-size:13px;margin:8px}}h1{{font-size:15px;margin:0 0 4px}}
.muted{{color:#666}}li.flag{{color:#a50f15}}ul{{padding-left:18px;margin:4px 0}}</style></head><body>
<h1>{e(entity.name)}</h1><div class="muted">{e(TYPES[entity.label])} · <code>{e(entity.id)}</code></div>
<div>{f"RFC {e(entity.rfc)} " if entity.rfc else ""}{f"CURP {e(entity.curp)}" if entity.curp else ""}</div>
<div class="muted">sources: {e(", ".join(entity.sources) or "?")}; also known as:
{e("; ".join(n for n in entity.names if n != entity.name)[:300] or "—")}</div>
<ul>{rows}</ul>{f"<ul>{flag_rows}</ul>" if flag_rows else ""}
<p class="muted"><em>{e(DISCLAIMER["es"])} {e(DISCLAIMER["en"])}</em></p></body></html>"""
    return HTMLResponse(body, headers=CORS)
