"""The Neo4j Browser kit: the committed guides are what the kit renders, in the format Browser 5 reads,
with every query of the kit; the style covers every label; compose offers a read-only journalists'
instance; the embedded read path refuses writes; the kit is served over HTTP; and headless Chromium
shows the guide page as a journalist first sees it (the README's screenshot)."""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
import yaml

from engine.graph.export import Exporter
from engine.graph.questions import kit_dir, questions
from engine.graph.schema import schema
from engine.graph.store import ReadOnlyViolation
from engine.graph.subgraph import nodes
from engine.journalists.guide import LANGUAGES, Links, render_guide, texts
from tests.helpers import counts

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


class Slides(HTMLParser):
    """What Neo4j Browser takes from a guide: the <title>, the <slide>s and their runnable <pre>s."""

    def __init__(self) -> None:
        super().__init__()
        self.title, self.slides, self.runnable = "", 0, []  # type: ignore[var-annotated]
        self._in: list[str] = []
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self._in.append(tag)
        if tag == "slide":
            self.slides += 1
        if tag == "pre" and "runnable" in (dict(attrs).get("class") or "").split() and "slide" in self._in:
            self._text = []

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag == "pre" and self._text is not None and "slide" in self._in:
            self.runnable.append("".join(self._text).strip())
            self._text = None  # type: ignore[assignment]
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self._in and self._in[-1] == "title":
            self.title += data
        if self._text is not None:
            self._text.append(data)


def parsed(html: str) -> Slides:
    parser = Slides()
    parser._text = None  # type: ignore[assignment]
    parser.feed(html)
    return parser


def test_committed_guides_are_what_the_kit_renders():
    for lang in LANGUAGES:
        committed = (kit_dir() / "guide" / f"{lang}.html").read_text(encoding="utf-8")
        assert committed == render_guide(lang), f"run `python -m engine.journalists.guide` ({lang})"


def test_guides_are_browser_guides_with_every_query_and_the_disclaimer():
    kit = questions()
    for lang in LANGUAGES:
        html = render_guide(lang, Links.under("http://kit.example:8000"))
        guide = parsed(html)
        assert guide.title == texts()[lang]["title"]
        assert guide.slides == 3 + len([q for q in kit.values() if not q.browser_only]) + 1
        runnable = set(guide.runnable)
        for q in kit.values():
            assert q.text in runnable, (lang, q.name)
            assert set(q.param_lines()) <= runnable, (lang, q.name)
        assert ":guide http://kit.example:8000/browser/guide/" + lang + ".html" in runnable
        assert ":style http://kit.example:8000/browser/vinculo.grass" in runnable
        assert "http://kit.example:8000/reconcile" in html
        assert html.count(texts()[lang]["disclaimer"]) >= 3
        assert "<script" not in html.lower()  # Browser strips scripts; the guide needs none
    assert "Un vínculo no es prueba de ningún ilícito. Existen homónimos. Revisa las fuentes." in render_guide("es")
    assert "A link is not proof of wrongdoing. Namesakes exist. Check the sources." in render_guide("en")


def test_the_guide_describes_every_label_and_relationship_of_the_schema():
    docs = texts()
    assert set(docs["labels"]) == set(schema().labels)
    assert set(docs["relationships"]) == set(schema().relationships)
    for lang in LANGUAGES:
        html = render_guide(lang)
        for rel in schema().relationships:
            assert f"<code>{rel}</code>" in html


def grass_rules() -> dict[str, dict[str, str]]:
    text = (kit_dir() / "vinculo.grass").read_text(encoding="utf-8")
    rules = {}
    for selector, body in re.findall(r'([\w.]+)\s*\{((?:[^{}"]|"[^"]*")*)\}', text):
        rules[selector] = dict(re.findall(r"([\w-]+):\s*([^;]+);", body))
    return rules


def test_style_colours_every_label_captions_names_and_paints_flags_red(demo_graph):
    rules = grass_rules()
    assert {"node", "relationship"} <= set(rules)
    colours = {}
    for label in schema().labels.values():
        if label.operational:
            continue
        rule = rules[f"node.{label.name}"]
        colours[label.name] = rule["color"]
        caption = re.fullmatch(r'"\{(\w+)\}"', rule["caption"])
        assert caption, label.name
        ids = Exporter(demo_graph.store).ids(label.name)[:500]
        if ids:  # the caption is a property the label's nodes have
            props = [r["props"] for r in demo_graph.store.read(nodes(label.name).text, {"ids": ids})]
            assert sum(1 for p in props if p.get(caption.group(1))) >= 0.8 * len(props), label.name
    assert len(set(colours.values())) == len(colours)  # one colour per label
    red, green, blue = (int(rules["node.Flag"]["color"][i:i + 2], 16) for i in (1, 3, 5))
    assert red > 180 and green < 80 and blue < 80
    assert rules["relationship.CONCERNS"]["color"] == rules["node.Flag"]["color"]


def test_compose_offers_a_read_only_journalists_instance():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services, volumes = compose["services"], compose["volumes"]
    journalists = services["neo4j-journalists"]
    env = journalists["environment"]
    assert env["NEO4J_server_databases_default__to__read__only"] == "true"
    assert "journalists" in journalists["profiles"]
    assert all(port.startswith("127.0.0.1:") for port in journalists["ports"])
    commands = [c.strip() for c in env["NEO4J_browser_post__connect__cmd"].split(";")]
    assert commands[0].startswith("style ") and commands[0].endswith("/browser/vinculo.grass")
    assert commands[1].startswith("guide ") and commands[1].endswith("/browser/guide/es.html")
    assert env["NEO4J_browser_remote__content__hostname__allowlist"]
    data_of = {name: next(v.split(":")[0] for v in s.get("volumes", []) if v.split(":")[1] == "/data")
               for name, s in services.items() if any(v.split(":")[1] == "/data" for v in s.get("volumes", []))}
    assert data_of["neo4j-dump"] == data_of["neo4j"]  # the dump reads the production graph
    assert data_of["neo4j-journalists-load"] == data_of["neo4j-journalists"] != data_of["neo4j"]
    assert services["neo4j-dump"]["command"][:3] == ["neo4j-admin", "database", "dump"]
    assert services["neo4j-journalists-load"]["command"][:3] == ["neo4j-admin", "database", "load"]
    assert {"neo4j-journalists-data", "neo4j-dumps"} <= set(volumes)
    kit = services["journalists-kit"]
    assert kit["environment"]["VINCULO_GRAPH_URI"] == "neo4j://neo4j-journalists:7687"
    assert kit["entrypoint"][:3] == ["python", "-m", "engine.journalists.app"]
    script = (kit_dir() / "refresh-journalists-copy.sh").read_text()
    assert "run --rm neo4j-dump" in script and "run --rm neo4j-journalists-load" in script
    assert script.index("stop worker scheduler neo4j") < script.index("neo4j-dump") < script.index("start neo4j")
    assert os.access(kit_dir() / "refresh-journalists-copy.sh", os.X_OK)


def test_the_read_path_refuses_writes(demo_graph):
    store = demo_graph.store
    before = counts(store)
    for write in ("CREATE (:Flag {id: 'x'})", "MATCH (c:Company {id: 'mx-rfc:GFM010122DZ9'}) SET c.name = 'x'",
                  "MATCH (f:Flag) DETACH DELETE f", "MERGE (:Person {id: 'x'})",
                  "MATCH (c:Company {id: 'mx-rfc:GFM010122DZ9'}) REMOVE c.rfc"):
        with pytest.raises(ReadOnlyViolation):
            store.read(write)
    assert counts(store) == before


def test_the_kit_is_served_over_http(served):
    guide = httpx.get(f"{served}/browser/guide/es.html", timeout=30)
    assert guide.status_code == 200 and guide.headers["access-control-allow-origin"] == "*"
    runnable = set(parsed(guide.text).runnable)
    assert f":style {served}/browser/vinculo.grass" in runnable and f":guide {served}/browser/guide/es.html" in runnable
    assert f"{served}/reconcile" in guide.text
    grass = httpx.get(f"{served}/browser/vinculo.grass", timeout=30)
    assert grass.status_code == 200 and grass.text == (kit_dir() / "vinculo.grass").read_text(encoding="utf-8")
    assert grass.headers["access-control-allow-origin"] == "*"
    assert httpx.get(f"{served}/browser/queries.cypher", timeout=30).text.startswith("// Vínculo")
    assert httpx.get(f"{served}/browser/guide/fr.html", timeout=30).status_code == 404
    index = httpx.get(f"{served}/browser/", timeout=30, follow_redirects=False)
    assert index.status_code in (302, 307) and index.headers["location"].endswith("/browser/guide/es.html")


def test_screenshot_of_the_guide_in_headless_chromium(workspace_served, tmp_path):
    """How a journalist starts: the guide page served over HTTP by `vinculo serve`'s app, as Debian's
    chromium renders it. With VINCULO_UPDATE_SCREENSHOTS=1 the picture replaces docs/journalists-guide.png
    (the README's)."""
    served = workspace_served
    from playwright.sync_api import sync_playwright

    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get install chromium)")
    target = ROOT / "docs" / "journalists-guide.png" if os.environ.get("VINCULO_UPDATE_SCREENSHOTS") else \
        tmp_path / "journalists-guide.png"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{served}/browser/guide/es.html", wait_until="load")
            assert page.title() == texts()["es"]["title"]
            slides = page.locator("slide")
            assert slides.count() == 3 + len([q for q in questions().values() if not q.browser_only]) + 1
            assert slides.first.evaluate("e => getComputedStyle(e).display") == "block"
            assert page.get_by_text(f":guide {served}/browser/guide/es.html").is_visible()
            assert page.get_by_text(texts()["es"]["disclaimer"]).first.is_visible()
            runnable = page.locator("pre.runnable").all_text_contents()
            assert questions()["owners"].text in [t.strip() for t in runnable]
            target.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(target))
        finally:
            browser.close()
    png = target.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (1280, 900) and len(png) > 50_000  # a rendered page, not a blank one
