"""Newly published records: watch a folder, poll a paginated API, and publish each record
once — across restarts too.

State lives in the data folder (``VINCULO_HOME/intake/``), not in the broker: the embedded
broker keeps topics in memory only. A record counts as published once the broker has
acknowledged it; the state is written after that, atomically, so a crash in between
republishes (at least once) and the graph, being idempotent, does not change.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.eventlog.kafka import TOPICS, ensure_topics, make_producer
from engine.publish import SUFFIXES
from engine.sources import get_source
from engine.sources.base import H_ERROR, H_LOCATOR, H_SOURCE, RawRecord


class IntakeState:
    """A small JSON document on disk, replaced atomically on every save."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self.data: dict[str, Any] = json.loads(path.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            self.data = {}

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".state-")
        with os.fdopen(fd, "w") as handle:
            json.dump(self.data, handle)
        os.replace(tmp, self.path)


def state_path(home: Path, kind: str, what: str, target: str) -> Path:
    digest = hashlib.sha256(f"{kind}|{target}".encode()).hexdigest()[:16]
    return home / "intake" / f"{what}-{kind}-{digest}.json"


class Publisher:
    """Sends raw records of one kind and waits for the broker's acknowledgement."""

    def __init__(self, kind: str, bootstrap: str, partitions: int = 3):
        self.source = get_source(kind)
        ensure_topics(bootstrap, list(TOPICS), partitions)
        self.producer = make_producer(bootstrap)

    def send(self, records: list[RawRecord], origin: str) -> int:
        for record in records:
            headers = {H_SOURCE: origin, H_LOCATOR: record.locator, **record.headers}
            self.producer.send(
                self.source.topic,
                key=record.key.encode() if record.key else None,
                value=record.value,
                headers=[(k, v.encode()) for k, v in headers.items()],
            )
        self.producer.flush()
        return len(records)

    def close(self) -> None:
        self.producer.close()


# -- watch a folder ----------------------------------------------------------------------------
@dataclass
class WatchReport:
    files: int = 0
    records: int = 0
    published_files: list[str] = field(default_factory=list)


class FolderWatcher:
    """Publish every file that appears (or changes) under a folder, once.

    A file is taken only when its size and modification time have not changed between two
    scans, so a file still being written is not read half-way.
    """

    def __init__(self, folder: Path, kind: str, publisher: Publisher, home: Path):
        self.folder = folder.resolve()
        self.kind = kind
        self.publisher = publisher
        self.state = IntakeState(state_path(home, kind, "watch", str(self.folder)))
        self.state.data.setdefault("files", {})
        self._pending: dict[str, tuple[int, int]] = {}

    def _candidates(self) -> Iterator[Path]:
        suffixes = SUFFIXES.get(self.kind, ())
        for path in sorted(self.folder.rglob("*")):
            if path.is_file() and not path.name.startswith(".") and path.name.lower().endswith(suffixes):
                yield path

    def scan(self) -> WatchReport:
        report = WatchReport()
        done: dict[str, str] = self.state.data["files"]
        for path in self._candidates():
            stat = path.stat()
            signature = (stat.st_size, stat.st_mtime_ns)
            name = str(path.relative_to(self.folder))
            if self._pending.get(name) != signature:
                self._pending[name] = signature  # first sight or still changing: wait a scan
                continue
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if done.get(name) == digest:
                continue
            records = list(self.publisher.source.read(path))
            report.records += self.publisher.send(records, path.name)
            report.files += 1
            report.published_files.append(name)
            done[name] = digest
            self.state.save()
        return report

    def run(self, interval: float = 2.0, until: Callable[[], bool] = lambda: False) -> WatchReport:
        total = WatchReport()
        while not until():
            report = self.scan()
            total.files += report.files
            total.records += report.records
            total.published_files += report.published_files
            time.sleep(interval)
        return total


# -- poll a paginated API ------------------------------------------------------------------------
@dataclass
class PollReport:
    pages: int = 0
    seen: int = 0
    published: int = 0


@dataclass
class PageSpec:
    """How the API pages: OCDS-style ``links.next``, or PDN-style ``pagination`` with a
    page number (``page``/``pageSize`` query parameters, or a JSON body for POST)."""

    method: str = "GET"
    page_param: str = "page"
    size_param: str = "pageSize"
    page_size: int = 100
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float = 30.0


class APIPoller:
    """Walk every page of an API and publish the records that are new or changed since
    the last poll. Where it stopped (the next page) is saved after every page, so an
    interrupted poll resumes there."""

    def __init__(self, url: str, kind: str, publisher: Publisher, home: Path, spec: PageSpec | None = None):
        self.url, self.kind, self.publisher = url, kind, publisher
        self.spec = spec or PageSpec()
        self.state = IntakeState(state_path(home, kind, "poll", url))
        self.state.data.setdefault("seen", {})

    def _fetch(self, url: str, page: int | None) -> dict[str, Any]:
        body = None
        if page is not None and self.spec.method == "POST":
            body = json.dumps({self.spec.page_param: page, self.spec.size_param: self.spec.page_size}).encode()
        elif page is not None:
            parts = urllib.parse.urlsplit(url)
            query = dict(urllib.parse.parse_qsl(parts.query))
            query.update({self.spec.page_param: str(page), self.spec.size_param: str(self.spec.page_size)})
            url = urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))
        request = urllib.request.Request(url, data=body, method=self.spec.method,
                                         headers={"Accept": "application/json", **self.spec.headers,
                                                  **({"Content-Type": "application/json"} if body else {})})
        with urllib.request.urlopen(request, timeout=self.spec.timeout) as response:  # noqa: S310 - user's URL
            payload: dict[str, Any] = json.loads(response.read())
        return payload

    def poll(self) -> PollReport:
        report = PollReport()
        cursor = self.state.data.get("cursor") or {"url": self.url, "page": 1}
        seen: dict[str, str] = self.state.data["seen"]
        while cursor:
            page_doc = self._fetch(cursor["url"], cursor.get("page"))
            report.pages += 1
            records = self._records(page_doc, cursor)
            fresh = []
            for record in records:
                digest = hashlib.sha256(record.value).hexdigest()
                key = record.key or digest
                report.seen += 1
                if H_ERROR in record.headers or seen.get(key) != digest:
                    fresh.append((key, digest, record))
            report.published += self.publisher.send([r for _, _, r in fresh], self.url)
            for key, digest, _ in fresh:
                seen[key] = digest
            cursor = self._next(page_doc, cursor)
            self.state.data["cursor"] = cursor  # None once the walk is complete
            self.state.save()
        return report

    def _records(self, page_doc: dict[str, Any], cursor: dict[str, Any]) -> list[RawRecord]:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"page-{cursor.get('page') or 'next'}.json"
            path.write_text(json.dumps(page_doc, ensure_ascii=False))
            return list(self.publisher.source.read(path))

    def _next(self, page_doc: dict[str, Any], cursor: dict[str, Any]) -> dict[str, Any] | None:
        raw_links = page_doc.get("links")
        links: dict[str, Any] = raw_links if isinstance(raw_links, dict) else {}
        if links.get("next"):
            return {"url": links["next"], "page": None}
        pagination = page_doc.get("pagination") if isinstance(page_doc.get("pagination"), dict) else None
        if pagination is not None and cursor.get("page") is not None:
            more = pagination.get("hasNextPage")
            if more is None and isinstance(pagination.get("totalRows"), int):
                more = cursor["page"] * self.spec.page_size < pagination["totalRows"]
            if more:
                return {"url": cursor["url"], "page": cursor["page"] + 1}
        return None
