"""`vinculo watch` and `vinculo poll` publish each record exactly once, across restarts."""

from __future__ import annotations

import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from engine.eventlog.kafka import read_topic
from engine.intake import APIPoller, FolderWatcher, PageSpec, Publisher

pytestmark = pytest.mark.services


def _release(ocid: str, title: str = "t") -> dict:  # type: ignore[type-arg]
    return {"ocid": ocid, "date": "2020-01-01T00:00:00Z", "tender": {"id": "1", "title": title}}


def _keys(stack) -> Counter[str]:  # type: ignore[no-untyped-def]
    return Counter(m.key or "" for m in read_topic(stack.kafka_bootstrap, "raw.ocds", idle=1.0))


def test_watch_publishes_each_file_once_across_restarts(stack, tmp_path):
    folder, home = tmp_path / "inbox", tmp_path / "state"
    folder.mkdir()
    (folder / "a.json").write_text(json.dumps({"releases": [_release("ocds-w1"), _release("ocds-w2")]}))

    publisher = Publisher("ocds", stack.kafka_bootstrap)
    watcher = FolderWatcher(folder, "ocds", publisher, home)
    assert watcher.scan().files == 0  # first sight: wait until the file is stable
    assert watcher.scan().records == 2
    assert watcher.scan().records == 0
    publisher.close()

    # a restart: a new watcher with the same data folder; one new file, one unchanged
    (folder / "sub").mkdir()
    (folder / "sub" / "b.json").write_text(json.dumps(_release("ocds-w3")))
    (folder / "notes.txt").write_text("not a source file")
    publisher = Publisher("ocds", stack.kafka_bootstrap)
    watcher = FolderWatcher(folder, "ocds", publisher, home)
    watcher.scan()
    report = watcher.scan()
    assert report.published_files == ["sub/b.json"]
    # a changed file is published again (a correction is news)
    (folder / "a.json").write_text(json.dumps({"releases": [_release("ocds-w1", "corrected")]}))
    watcher.scan()
    assert watcher.scan().published_files == ["a.json"]
    publisher.close()
    assert _keys(stack) == Counter({"ocds-w1": 2, "ocds-w2": 1, "ocds-w3": 1})


class _API(BaseHTTPRequestHandler):
    records: list[dict] = []  # type: ignore[type-arg]

    def do_GET(self) -> None:  # noqa: N802
        query = parse_qs(urlsplit(self.path).query)
        page, size = int(query["page"][0]), int(query["pageSize"][0])
        chunk = self.records[(page - 1) * size: page * size]
        body = json.dumps({
            "pagination": {"page": page, "pageSize": size, "totalRows": len(self.records),
                           "hasNextPage": page * size < len(self.records)},
            "releases": chunk,
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_poll_publishes_only_what_is_new_across_restarts(stack, tmp_path):
    _API.records = [_release(f"ocds-p{i}") for i in range(5)]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _API)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/releases"
    try:
        spec = PageSpec(page_size=2)
        publisher = Publisher("ocds", stack.kafka_bootstrap)
        first = APIPoller(url, "ocds", publisher, tmp_path / "state", spec).poll()
        assert (first.pages, first.published) == (3, 5)
        publisher.close()

        _API.records.append(_release("ocds-p5"))
        _API.records[0] = _release("ocds-p0", "amended")
        publisher = Publisher("ocds", stack.kafka_bootstrap)  # a restart
        second = APIPoller(url, "ocds", publisher, tmp_path / "state", spec).poll()
        assert (second.pages, second.published) == (3, 2)
        third = APIPoller(url, "ocds", publisher, tmp_path / "state", spec).poll()
        assert third.published == 0
        publisher.close()
    finally:
        server.shutdown()
    keys = _keys(stack)
    assert keys == Counter({"ocds-p0": 2, **{f"ocds-p{i}": 1 for i in range(1, 6)}})
