"""The intake's trust boundary, against local HTTP servers and a real broker: `poll` follows only
http(s) on its own origin unless allowed, never sends credentials to another origin (through
``links.next`` or a redirect), refuses ``file://`` and oversized pages; `watch` never follows a
symbolic link; state files are 0600 in a 0700 folder; secrets never on the command line."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.eventlog.kafka import read_topic
from engine.intake import APIPoller, FolderWatcher, PageSpec, PollRefused, Publisher

pytestmark = pytest.mark.services


def _release(ocid: str) -> dict[str, Any]:
    return {"ocid": ocid, "date": "2020-01-01T00:00:00Z", "tender": {"id": "1", "title": "t"}}


class _Site:
    """A tiny JSON site: routes to (status, headers, body), and every request's headers kept."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.seen: list[tuple[str, dict[str, str]]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                path = self.path.split("?", 1)[0]
                site.seen.append((path, {k.lower(): v for k, v in self.headers.items()}))
                status, headers, body = site.routes.get(path, (404, {}, b"{}"))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def page(self, path: str, releases: list[dict[str, Any]], next_url: str | None = None) -> None:
        doc: dict[str, Any] = {"releases": releases}
        if next_url:
            doc["links"] = {"next": next_url}
        self.routes[path] = (200, {"Content-Type": "application/json"}, json.dumps(doc).encode())

    def auth_seen(self, path: str) -> list[str | None]:
        return [h.get("authorization") for p, h in self.seen if p == path]


@pytest.fixture
def sites() -> Iterator[tuple[_Site, _Site]]:
    home, elsewhere = _Site(), _Site()  # two origins: another port is another origin
    yield home, elsewhere
    home.server.shutdown()
    elsewhere.server.shutdown()


SECRET = {"Authorization": "Bearer s3cr3t-token"}


def test_links_next_to_file_or_another_origin_is_not_followed(stack, tmp_path, sites):
    home, elsewhere = sites
    home.page("/p1", [_release("ocds-b1")], "file:///etc/passwd")
    publisher = Publisher("ocds", stack.kafka_bootstrap)
    try:
        with pytest.raises(PollRefused, match="not followed"):
            APIPoller(f"{home.base}/p1", "ocds", publisher, tmp_path, PageSpec(headers=SECRET)).poll()
        home.page("/q1", [_release("ocds-b2")], f"{elsewhere.base}/q2")
        elsewhere.page("/q2", [_release("ocds-b3")])
        with pytest.raises(PollRefused, match="leaves"):
            APIPoller(f"{home.base}/q1", "ocds", publisher, tmp_path, PageSpec(headers=SECRET)).poll()
        assert elsewhere.seen == []
        # allowed explicitly: followed, but the credentials stay at home
        report = APIPoller(f"{home.base}/q1", "ocds", publisher, tmp_path / "allowed",
                           PageSpec(headers=SECRET, allowed_origins=(elsewhere.base,))).poll()
        assert report.pages == 2
        assert home.auth_seen("/q1")[-1] == SECRET["Authorization"] and elsewhere.auth_seen("/q2") == [None]
    finally:
        publisher.close()


def test_redirects_drop_credentials_across_origins_and_never_lead_to_files(stack, tmp_path, sites):
    home, elsewhere = sites
    home.routes["/r1"] = (302, {"Location": f"{elsewhere.base}/landing"}, b"")
    elsewhere.page("/landing", [_release("ocds-r1")])
    home.routes["/r2"] = (302, {"Location": "file:///etc/passwd"}, b"")
    publisher = Publisher("ocds", stack.kafka_bootstrap)
    try:
        report = APIPoller(f"{home.base}/r1", "ocds", publisher, tmp_path, PageSpec(headers=SECRET)).poll()
        assert report.published == 1
        assert home.auth_seen("/r1") == [SECRET["Authorization"]] and elsewhere.auth_seen("/landing") == [None]
        with pytest.raises(Exception, match="(?i)refused|redirect"):
            APIPoller(f"{home.base}/r2", "ocds", publisher, tmp_path / "b", PageSpec(headers=SECRET)).poll()
        with pytest.raises(PollRefused, match="only http"):
            APIPoller("file:///etc/passwd", "ocds", publisher, tmp_path / "c")
    finally:
        publisher.close()


def test_a_page_over_the_cap_is_refused(stack, tmp_path, sites):
    home, _ = sites
    home.page("/big", [_release(f"ocds-big-{i}") for i in range(2000)])
    publisher = Publisher("ocds", stack.kafka_bootstrap)
    try:
        with pytest.raises(PollRefused, match="over"):
            APIPoller(f"{home.base}/big", "ocds", publisher, tmp_path, PageSpec(max_bytes=10_000)).poll()
    finally:
        publisher.close()
    assert read_topic(stack.kafka_bootstrap, "raw.ocds", idle=1.0) == []


def test_watch_never_follows_a_symbolic_link_and_keeps_its_state_private(stack, tmp_path):
    secret = tmp_path / "outside" / "password.json"
    secret.parent.mkdir()
    secret.write_text(json.dumps({"password": "hunter2", **_release("ocds-secret")}))
    inbox = tmp_path / "inbox"
    (inbox / "sub").mkdir(parents=True)
    (inbox / "good.json").write_text(json.dumps(_release("ocds-good")))
    os.symlink(secret, inbox / "looks-fine.json")
    os.symlink(secret.parent, inbox / "sub" / "linked-folder")
    publisher = Publisher("ocds", stack.kafka_bootstrap)
    try:
        watcher = FolderWatcher(inbox, "ocds", publisher, tmp_path / "home")
        watcher.scan()
        report = watcher.scan()
    finally:
        publisher.close()
    assert report.published_files == ["good.json"] and "looks-fine.json" in report.skipped_links
    everything = read_topic(stack.kafka_bootstrap, "raw.ocds", idle=1.0) + read_topic(
        stack.kafka_bootstrap, "dlq", idle=0.5)
    assert [m.key for m in everything] == ["ocds-good"]
    assert all(b"hunter2" not in m.value for m in everything)
    state = next((tmp_path / "home" / "intake").glob("watch-*.json"))
    assert state.stat().st_mode & 0o777 == 0o600 and state.parent.stat().st_mode & 0o777 == 0o700


def test_oversized_records_go_to_dlq_with_the_reason(stack, tmp_path):
    big = {**_release("ocds-huge"), "tender": {"id": "1", "title": "x" * 1_200_000}}
    (tmp_path / "big.json").write_text(json.dumps(big))
    from engine.intake import publish

    report = publish("ocds", [tmp_path / "big.json"], stack.kafka_bootstrap)
    assert (report.records, report.dead_lettered, report.undelivered) == (0, 1, [])
    [dead] = read_topic(stack.kafka_bootstrap, "dlq", idle=1.0)
    assert "over the broker" in dead.json()["reason"]


def test_secrets_are_refused_on_the_command_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["poll", "http://127.0.0.1:9/x", "--kind", "ocds",
                                      "--header", "Authorization: Bearer abc"])
    assert result.exit_code == 2 and "not on the command line" in result.output
