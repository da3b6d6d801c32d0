"""Search, entity profiles, neighbourhoods and paths: what a journalist may read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from engine.api import audit, graphview
from engine.api.app import ApiError, client, require, workspace
from engine.api.auth import Principal, Role
from engine.api.models import Neighbourhood, Paths, Profile, SearchHit, SearchResult
from engine.api.search import kind_of, kinds, search

router = APIRouter(prefix="/api", tags=["entities"])
MAX_PER_NODE = 100  # neighbours drawn per node, type and direction; the rest are counted ("and 340 more")


def _cap(name: str, value: int, cap: int) -> int:
    if value > cap:
        raise ApiError(400, f"{name} {value} is over the cap of {cap}")
    return value


@router.get("/search", response_model=SearchResult, summary="People, companies and public bodies by name, RFC or CURP")
def search_entities(
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=200, description="A name (any order, accents, legal form, "
                                                                      "cut short), an RFC or a CURP")],
    kind: Annotated[str | None, Query(description="person, company or public_body")] = None,
    limit: Annotated[int, Query(ge=1)] = 20,
    who: Principal = require(Role.journalist),
) -> SearchResult:
    ws = workspace(request)
    _cap("limit", limit, ws.settings.api_max_results)
    known = kinds()
    if kind is not None and kind not in known:
        raise ApiError(400, f"kind must be one of {', '.join(known)}")
    labels = [known[kind]] if kind else list(known.values())
    if not q.strip():
        raise ApiError(400, "q is empty")
    hits = search(ws.store, q.strip(), labels, limit, ws.timeout_ms)
    audit.record(ws.store, who, "search", None, {"q": q, "kind": kind, "hits": len(hits)}, client(request))
    return SearchResult(query=q, kind=kind, hits=[
        SearchHit(id=h.id, label=h.label, kind=kind_of(h.label), name=h.name, props=graphview.clean(h.node["props"]),
                  score=h.score, why=h.why, matched=h.matched) for h in hits])


@router.get("/entities/{entity_id:path}/neighbourhood", response_model=Neighbourhood,
            summary="A subgraph around an entity, for drawing (depth and size capped, hubs summarised)")
def entity_neighbourhood(
    request: Request, entity_id: str,
    depth: Annotated[int, Query(ge=1)] = 1,
    max_nodes: Annotated[int | None, Query(ge=1, description="At most this many nodes")] = None,
    per_node: Annotated[int, Query(ge=1, description="Neighbours drawn per node, type and direction; "
                                                     "the rest summarised")] = 10,
    who: Principal = require(Role.journalist),
) -> Neighbourhood:
    ws = workspace(request)
    _cap("depth", depth, ws.settings.api_max_depth)
    _cap("per_node", per_node, MAX_PER_NODE)
    nodes = _cap("max_nodes", max_nodes or ws.settings.api_max_nodes, ws.settings.api_max_nodes)
    result = graphview.neighbourhood(ws.store, entity_id, depth, nodes, per_node, ws.timeout_ms)
    audit.record(ws.store, who, "view_neighbourhood", entity_id, {"depth": depth, "nodes": len(result["nodes"])},
                 client(request))
    return Neighbourhood(**result)


@router.get("/entities/{entity_id:path}", response_model=Profile,
            summary="An entity's profile: names and identifiers per source, mentions, positions, holdings, "
                    "contracts, sanctions, flags")
def entity_profile(
    request: Request, entity_id: str,
    per_type: Annotated[int, Query(ge=1, description="Relationships listed per type and direction")] = 50,
    who: Principal = require(Role.journalist),
) -> Profile:
    ws = workspace(request)
    _cap("per_type", per_type, ws.settings.api_max_results)
    result = graphview.profile(ws.store, entity_id, per_type, ws.timeout_ms)
    audit.record(ws.store, who, "view_entity", entity_id, None, client(request))
    return Profile(**result)


@router.get("/paths", response_model=Paths, summary="The shortest paths between two entities, edges with dates "
                                                    "and sources")
def find_paths(
    request: Request,
    source: Annotated[str, Query(alias="from", min_length=1, description="An entity id")],
    target: Annotated[str, Query(alias="to", min_length=1, description="An entity id")],
    max: Annotated[int, Query(ge=1, description="Longest path, in relationships")] = 4,  # noqa: A002 - the API's name
    limit: Annotated[int, Query(ge=1, description="At most this many paths")] = 5,
    who: Principal = require(Role.journalist),
) -> Paths:
    ws = workspace(request)
    _cap("max", max, ws.settings.api_max_path_hops)
    _cap("limit", limit, ws.settings.api_max_results)
    if source == target:
        raise ApiError(400, "from and to are the same entity")
    result = graphview.paths(ws.store, source, target, max, limit, ws.timeout_ms)
    audit.record(ws.store, who, "find_paths", f"{source} -> {target}", {"max": max, "found": len(result["paths"])},
                 client(request))
    return Paths(**result)
