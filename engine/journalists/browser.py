"""The Neo4j Browser kit over HTTP, for ``browser.post_connect_cmd`` and ``:guide``/``:style``.

Mounted at ``/browser``: ``/guide/{es,en}.html`` (the guide, its commands pointing at this
server), ``/vinculo.grass`` (the style), ``/queries.cypher`` (the versioned queries). Neo4j
Browser fetches them from the journalist's web browser, so they carry
``Access-Control-Allow-Origin: *`` (public content) and the host must be in the Neo4j server's
``browser.remote_content_hostname_allowlist``.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse
from starlette.routing import NoMatchFound

from engine.graph.questions import kit_dir
from engine.journalists.deps import CORS
from engine.journalists.guide import LANGUAGES, Links, render_guide

__all__ = ["router", "links_for"]

router = APIRouter(tags=["neo4j-browser-kit"])


def links_for(request: Request) -> Links:
    """The kit's links as this app serves them (the reconciliation service where it is mounted)."""
    try:
        reconcile = str(request.url_for("reconcile_service")).rstrip("/")
    except NoMatchFound:
        reconcile = str(request.base_url).rstrip("/") + "/reconcile"
    guide = str(request.url_for("browser_guide", lang="LANG")).replace("LANG", "{lang}")
    return Links(guide, str(request.url_for("browser_grass")), reconcile)


@router.get("", include_in_schema=False)
@router.get("/", name="browser_index", include_in_schema=False)
def index(request: Request) -> RedirectResponse:
    return RedirectResponse(str(request.url_for("browser_guide", lang="es")))


@router.get("/guide/{lang}.html", name="browser_guide", response_class=HTMLResponse)
def guide(lang: str, request: Request) -> HTMLResponse:
    """The Neo4j Browser guide (``:guide <this url>``), also readable in any web browser."""
    if lang not in LANGUAGES:
        raise HTTPException(404, f"guide languages: {', '.join(LANGUAGES)}")
    return HTMLResponse(render_guide(lang, links_for(request)), headers=CORS)


@router.get("/vinculo.grass", name="browser_grass", response_class=PlainTextResponse)
def grass() -> PlainTextResponse:
    """The Browser style (``:style <this url>``): colours by label, names as captions, flags red."""
    return PlainTextResponse((kit_dir() / "vinculo.grass").read_text(encoding="utf-8"), headers=CORS)


@router.get("/queries.cypher", name="browser_queries", response_class=PlainTextResponse)
def queries() -> PlainTextResponse:
    """The kit's queries, versioned with Vínculo."""
    return PlainTextResponse((kit_dir() / "queries.cypher").read_text(encoding="utf-8"), headers=CORS)
