"""The web UI in real headless Chromium (Debian's), served by `vinculo serve` over the demo data:
an analyst searches a name, opens the entity and sees its neighbourhood drawn, opens the
strongest flag and sees its evidence path drawn, and confirms it. Screenshots go to
``test-output/browser/``."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import ROOT, bearer

pytestmark = pytest.mark.services
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "test-output" / "browser"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
# pixels of a Cytoscape canvas that are drawn on (not transparent): nodes, edges and labels
PAINTED = """(id) => {
  let painted = 0;
  for (const canvas of document.querySelectorAll('#' + id + ' canvas')) {
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
  }
  return painted;
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(demo):  # type: ignore[no-untyped-def]
    port = _free_port()
    log = open(demo.home / "serve.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([sys.executable, "-m", "engine.cli", "serve", "--port", str(port)], cwd=ROOT,
                            env=demo.env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, (demo.home / "serve.log").read_text()
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()


def test_an_analyst_finds_draws_and_confirms_in_chromium(server, tokens):
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get install -y chromium)")
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    flag = httpx.get(server + "/api/flags", headers=bearer(tokens["analyst"])).json()["flags"][0]
    official = next(e for e in httpx.get(f"{server}/api/flags/{flag['id']}", headers=bearer(tokens["analyst"]))
                    .json()["entities"] if e["role"] == "official")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="es-MX")
            page.goto(server + "/")
            expect(page.locator(".login-needed")).to_be_visible()
            page.fill("#token", tokens["analyst"])
            page.click("#login button")
            expect(page.locator("#whoami")).to_have_text("test analyst (analyst)")

            # search a name from the demo data, as typed: lower case, no accents
            typed = official["name"].lower().translate(str.maketrans("áéíóúñ", "aeioun"))
            page.fill("[data-testid=search-input]", typed)
            expect(page.locator("[data-testid=search-input-suggestions] li").first).to_contain_text(official["name"])
            page.click("[data-testid=search-go]")
            results = page.locator("[data-testid=search-results] > li")
            expect(results.first).to_contain_text(official["name"])
            page.screenshot(path=str(SHOTS / "1-search.png"), full_page=True)

            # open the entity: its profile and its neighbourhood drawn
            results.first.locator("a.entity").click()
            expect(page.locator("[data-testid=entity-name]")).to_have_text(official["name"])
            graph = page.locator("[data-testid=entity-graph]")
            expect(graph).to_have_attribute("data-nodes", lambda_nonzero())
            page.wait_for_function(f"({PAINTED})('entity-graph') > 500")
            assert int(graph.get_attribute("data-nodes") or 0) > 2
            assert page.evaluate("window.vinculoGraph.nodes().length") == int(graph.get_attribute("data-nodes") or 0)
            graph.screenshot(path=str(SHOTS / "2-entity-graph.png"))
            page.screenshot(path=str(SHOTS / "2-entity.png"), full_page=True)

            # the triage queue, then the strongest flag: its sentence and its evidence path drawn
            page.click("header nav a[href='#/flags']")
            page.locator(f"tr[data-flag='{flag['id']}']").click()
            expect(page.locator("[data-testid=flag-sentence]")).to_have_text(flag["sentence"])
            page.wait_for_function(f"({PAINTED})('flag-graph') > 500")
            flag_graph = page.locator("[data-testid=flag-graph]")
            assert int(flag_graph.get_attribute("data-nodes") or 0) >= 2
            expect(page.locator("[data-testid=flag-steps] > li").first).to_contain_text(official["name"])
            flag_graph.screenshot(path=str(SHOTS / "3-flag-path.png"))
            page.screenshot(path=str(SHOTS / "3-flag.png"), full_page=True)

            # confirm it, as an analyst, with a comment
            page.select_option("[data-testid=flag-status]", "confirmed")
            page.fill("[data-testid=flag-comment]", "confirmado en el navegador")
            page.click("[data-testid=flag-save]")
            expect(page.locator("[data-testid=flag-current-status]")).to_have_text("confirmada")
            expect(page.locator("[data-testid=flag-history] > li").last).to_contain_text("confirmado en el navegador")
            page.screenshot(path=str(SHOTS / "4-confirmed.png"), full_page=True)
        finally:
            browser.close()
    stored = httpx.get(f"{server}/api/flags/{flag['id']}", headers=bearer(tokens["journalist"])).json()
    assert stored["status"] == "confirmed"
    assert stored["history"][-1]["by"] == "test analyst"
    assert stored["history"][-1]["comment"] == "confirmado en el navegador"
    for name in ("1-search.png", "2-entity-graph.png", "3-flag-path.png", "4-confirmed.png"):
        assert (SHOTS / name).stat().st_size > 5000, name


def lambda_nonzero():  # type: ignore[no-untyped-def]
    import re

    return re.compile(r"^[1-9][0-9]*$")
