"""Getting records in: publish files, watch a folder, poll a paginated API — one module, one
:class:`Publisher` that waits for the broker to accept every record and says which it did not.

A record counts as published once the broker has acknowledged it; what the broker refused is
reported and kept (a watched file or polled record is not marked done, and is sent again next
time). A record over the broker's message limit is sent to ``dlq`` with the reason instead.

State (watch and poll positions) lives in the data folder (``VINCULO_HOME/intake/``), not in the
broker, whose embedded build keeps topics in memory only: a small JSON document per watch or
poll, replaced atomically, readable only by its owner (0600 in a 0700 folder).

Trust boundary of :class:`APIPoller`: it follows ``links.next`` only over http(s) and, unless
allowed, only on the origin it started from; credentials (``Authorization``, cookies, API keys)
never go to another origin, nor through a redirect to one, nor from https down to http; a page
over ``max_bytes`` is refused. :class:`FolderWatcher` never follows a symbolic link.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from engine.eventlog.kafka import DLQ, TOPICS, ensure_topics, make_producer
from engine.sources import get_source
from engine.sources.base import (
    H_ERROR,
    H_LOCATOR,
    H_SOURCE,
    MAX_UNPACKED_BYTES,
    RawRecord,
    files_under,
    with_compressed,
)

log = logging.getLogger(__name__)

SUFFIXES = {
    "ocds": (".json", ".jsonl", ".ndjson"),
    "sat69b": (".csv", ".txt"),
    "bods": (".json", ".jsonl", ".ndjson"),
    "ftm": (".json", ".jsonl", ".ndjson", ".ftm"),
    "csv": (".csv", ".tsv"),
    "pdn-s1": (".json", ".jsonl", ".ndjson"),
    "pdn-s2": (".json", ".jsonl", ".ndjson"),
    "pdn-s3": (".json", ".jsonl", ".ndjson"),
}
MAX_MESSAGE_BYTES = 1_000_000  # what a Kafka broker accepts by default (message.max.bytes ~1 MB)
SECRET_HEADERS = ("authorization", "proxy-authorization", "cookie", "x-api-key", "api-key", "x-auth-token")


def is_secret_header(name: str) -> bool:
    lowered = name.strip().lower()
    return lowered in SECRET_HEADERS or any(word in lowered for word in ("token", "secret", "password", "apikey"))


# -- state --------------------------------------------------------------------------------------------

class IntakeState:
    """A small JSON document on disk, replaced atomically on every save, readable only by its owner."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self.data: dict[str, Any] = json.loads(path.read_text())
        except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
            self.data = {}

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.path.parent, 0o700)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".state-")  # created 0600
        with os.fdopen(fd, "w") as handle:
            json.dump(self.data, handle)
        os.replace(tmp, self.path)


def state_path(home: Path, kind: str, what: str, target: str) -> Path:
    digest = hashlib.sha256(f"{kind}|{target}".encode()).hexdigest()[:16]
    return home / "intake" / f"{what}-{kind}-{digest}.json"


# -- publishing ---------------------------------------------------------------------------------------

@dataclass
class SendReport:
    delivered: int = 0
    dead_lettered: int = 0
    undelivered: list[tuple[RawRecord, str]] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.undelivered


class Publisher:
    """Sends raw records of one kind and waits for the broker to accept each of them."""

    def __init__(self, kind: str, bootstrap: str, partitions: int = 3, max_bytes: int = MAX_MESSAGE_BYTES,
                 timeout: float = 60.0):
        self.kind = kind
        self.source = get_source(kind)
        ensure_topics(bootstrap, list(TOPICS), partitions)
        self.producer = make_producer(bootstrap, max_request_size=max_bytes + 64 * 1024)
        self.max_bytes, self.timeout = max_bytes, timeout

    def send(self, records: Iterable[RawRecord], origin: str) -> SendReport:
        report = SendReport()
        pending = []
        for record in records:
            headers = {H_SOURCE: origin, H_LOCATOR: record.locator, **record.headers}
            topic, value = self.source.topic, record.value
            if len(value) > self.max_bytes:
                topic = DLQ
                value = _oversized(record, origin, len(value), self.max_bytes)
            try:
                future = self.producer.send(topic, key=record.key.encode() if record.key else None, value=value,
                                            headers=[(k, v.encode()) for k, v in headers.items()])
            except Exception as exc:  # refused before sending (a closed producer, a record it cannot take)
                report.undelivered.append((record, f"{type(exc).__name__}: {exc}"))
                continue
            pending.append((record, topic, future))
        self.producer.flush(timeout=self.timeout)
        for record, topic, future in pending:
            try:
                future.get(timeout=self.timeout)
            except Exception as exc:
                report.undelivered.append((record, f"{type(exc).__name__}: {exc}"))
                continue
            if topic == DLQ:
                report.dead_lettered += 1
            else:
                report.delivered += 1
        return report

    def close(self) -> None:
        self.producer.close()


def _oversized(record: RawRecord, origin: str, size: int, limit: int) -> bytes:
    return json.dumps({
        "topic": None, "key": record.key, "source": origin, "locator": record.locator, "stage": "publish",
        "reason": f"record is {size:,} bytes, over the broker's {limit:,}-byte message limit",
        "at": datetime.now(UTC).isoformat(timespec="seconds"), "truncated": True,
        "value": record.value[:65536].decode("utf-8", "replace"),
    }, ensure_ascii=False).encode()


@dataclass
class PublishReport:
    kind: str
    files: int = 0
    records: int = 0
    broken: int = 0
    dead_lettered: int = 0
    undelivered: list[tuple[str, str]] = field(default_factory=list)  # (where, why)
    per_file: dict[str, int] = field(default_factory=dict)


def read_files(kind: str, paths: list[Path]) -> Iterator[tuple[Path, RawRecord]]:
    """Raw records of files, with the file each came from (releases of one OCDS process across files
    compiled together). A ZIP archive (bulk downloads often are) is read as the files in it
    that this source reads, each named ``archive.zip!member.json``."""
    if not any(is_zip(p) for p in paths):
        yield from _read_files(kind, paths)
        return
    with tempfile.TemporaryDirectory(prefix="vinculo-unzip-") as folder:  # 0700, removed after
        expanded: list[Path] = []
        for n, path in enumerate(paths):
            if not is_zip(path):
                expanded.append(path)
                continue
            try:
                members = unzip(path, Path(folder) / str(n), with_compressed(SUFFIXES.get(kind, ())))
            except ValueError as exc:
                yield path, RawRecord.broken(path.name, path.read_bytes()[:65536], "file",
                                             f"cannot read {path.name}: {exc}")
                continue
            if not members:
                yield path, RawRecord.broken(path.name, path.read_bytes()[:65536], "file",
                                             f"{path.name} holds no file of kind {kind}")
            expanded += members
        yield from _read_files(kind, expanded)


def is_zip(path: Path) -> bool:
    return path.name.lower().endswith(".zip")


def unzip(archive: Path, into: Path, suffixes: tuple[str, ...], limit: int = MAX_UNPACKED_BYTES) -> list[Path]:
    """The members of ``archive`` with one of ``suffixes``, written under ``into`` in archive order, each in
    a folder of its own and named ``archive.zip!member`` (no member path is ever used as a path here);
    ``ValueError`` with the reason for a damaged or encrypted archive, or one that unpacks past ``limit``."""
    out: list[Path] = []
    written = 0
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir()
                     and not PurePosixPath(i.filename).name.startswith(".") and "__MACOSX" not in i.filename
                     and i.filename.lower().endswith(suffixes)]
            for n, info in enumerate(infos):
                target = into / str(n) / f"{archive.name}!{PurePosixPath(info.filename).name}"
                target.parent.mkdir(parents=True)
                with zf.open(info) as src, open(target, "wb") as dst:
                    while chunk := src.read(1 << 20):  # the sizes a member declares are not trusted
                        written += len(chunk)
                        if written > limit:
                            raise ValueError(f"it unpacks to more than {limit:,} bytes")
                        dst.write(chunk)
                out.append(target)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error) as exc:
        raise ValueError(f"not a ZIP archive, or a damaged one ({exc})") from None
    except (RuntimeError, NotImplementedError) as exc:  # encrypted, or a compression zipfile cannot read
        raise ValueError(str(exc)) from None
    return out


def _read_files(kind: str, paths: list[Path]) -> Iterator[tuple[Path, RawRecord]]:
    source = get_source(kind)
    read_many = getattr(source, "read_many", None)
    if read_many is not None:  # it says itself which files held nothing
        yield from read_many(paths)
        return
    for path in paths:
        found = False
        for record in _read(source, path):
            found = True
            yield path, record
        if not found:  # a file that holds nothing is said so, not skipped in silence
            yield path, RawRecord.broken(path.name, path.read_bytes()[:65536], "file",
                                         f"{path.name} holds no record of kind {kind}")


def _read(source: Any, path: Path) -> Iterator[RawRecord]:
    """A reader's records; a reader that raises (none should) gives one explained broken record."""
    try:
        yield from source.read(path)
    except Exception as exc:
        yield RawRecord.broken(path.name, path.read_bytes()[:65536], "file",
                               f"{path.name} could not be read: {type(exc).__name__}: {exc}")


def publish(kind: str, paths: Iterable[Path], bootstrap: str, partitions: int = 3,
            progress: Callable[[Path, int], None] | None = None) -> PublishReport:
    """Read every file and produce its records; broken input is sent on too (flagged with a header) so
    that the stream dead-letters it with the reason. Records the broker did not accept are reported."""
    files = list(files_under(list(paths), SUFFIXES.get(kind, ())))
    publisher = Publisher(kind, bootstrap, partitions)
    report = PublishReport(kind, files=len(files))
    try:
        batch: list[tuple[Path, RawRecord]] = []

        def flush() -> None:
            by_file: dict[Path, list[RawRecord]] = {}
            for path, record in batch:
                by_file.setdefault(path, []).append(record)
            for path, records in by_file.items():
                sent = publisher.send(records, path.name)
                report.records += sent.delivered
                report.dead_lettered += sent.dead_lettered
                report.undelivered += [(f"{path.name} {r.locator}", why) for r, why in sent.undelivered]
                report.per_file[str(path)] = report.per_file.get(str(path), 0) + len(records)
                report.broken += sum(H_ERROR in r.headers for r in records)
                if progress:
                    progress(path, len(records))
            batch.clear()

        for path, record in read_files(kind, files):
            batch.append((path, record))
            if len(batch) >= 500:
                flush()
        flush()
    finally:
        publisher.close()
    return report


# -- watch a folder -----------------------------------------------------------------------------------

@dataclass
class WatchReport:
    files: int = 0
    records: int = 0
    published_files: list[str] = field(default_factory=list)
    undelivered: list[tuple[str, str]] = field(default_factory=list)
    skipped_links: list[str] = field(default_factory=list)


class FolderWatcher:
    """Publish every file that appears (or changes) under a folder, once.

    A file is taken only when its size and modification time have not changed between two
    scans, so a file still being written is not read half-way. Symbolic links are never
    followed (a link to a secret outside the folder is not published). A file is marked done
    only when the broker accepted all its records.
    """

    def __init__(self, folder: Path, kind: str, publisher: Publisher, home: Path):
        self.folder = folder.resolve()
        self.kind = kind
        self.publisher = publisher
        self.state = IntakeState(state_path(home, kind, "watch", str(self.folder)))
        self.state.data.setdefault("files", {})
        self._pending: dict[str, tuple[int, int]] = {}

    def _candidates(self, report: WatchReport) -> Iterator[Path]:
        suffixes = with_compressed(SUFFIXES.get(self.kind, ()), archives=True)
        for root, dirs, names in os.walk(self.folder, followlinks=False):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(names):
                path = Path(root) / name
                if name.startswith(".") or not name.lower().endswith(suffixes):
                    continue
                if path.is_symlink():
                    report.skipped_links.append(str(path.relative_to(self.folder)))
                    continue
                yield path

    def scan(self) -> WatchReport:
        report = WatchReport()
        done: dict[str, str] = self.state.data["files"]
        for path in self._candidates(report):
            try:
                stat = os.stat(path, follow_symlinks=False)
            except FileNotFoundError:
                continue
            signature = (stat.st_size, stat.st_mtime_ns)
            name = str(path.relative_to(self.folder))
            if self._pending.get(name) != signature:
                self._pending[name] = signature  # first sight or still changing: wait a scan
                continue
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if done.get(name) == digest:
                continue
            records = [record for _, record in read_files(self.kind, [path])]
            sent = self.publisher.send(records, path.name)
            report.records += sent.delivered + sent.dead_lettered
            report.files += 1
            report.published_files.append(name)
            if sent.complete:
                done[name] = digest
                self.state.save()
            else:
                report.undelivered += [(f"{name} {r.locator}", why) for r, why in sent.undelivered]
                log.warning("%s: %d record(s) not accepted by the broker; the file will be sent again",
                            name, len(sent.undelivered))
        return report

    def run(self, interval: float = 2.0, until: Callable[[], bool] = lambda: False) -> WatchReport:
        total = WatchReport()
        while not until():
            report = self.scan()
            total.files += report.files
            total.records += report.records
            total.published_files += report.published_files
            total.undelivered += report.undelivered
            total.skipped_links = report.skipped_links
            time.sleep(interval)
        return total


# -- poll a paginated API -----------------------------------------------------------------------------

@dataclass
class PollReport:
    pages: int = 0
    seen: int = 0
    published: int = 0
    undelivered: list[tuple[str, str]] = field(default_factory=list)


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
    max_bytes: int = 50 * 1024 * 1024
    allowed_origins: tuple[str, ...] = ()  # other origins links.next may lead to (credentials never go there)


class PollRefused(RuntimeError):
    """A page the poller will not fetch or read: another scheme or origin, too big, not JSON."""


def origin(url: str) -> tuple[str, str, int]:
    parts = urllib.parse.urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only over http(s); drop credentials when it leaves the origin or https."""

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> urllib.request.Request | None:
        if urllib.parse.urlsplit(newurl).scheme.lower() not in ("http", "https"):
            raise PollRefused(f"redirect to {urllib.parse.urlsplit(newurl).scheme!r} refused: only http(s)")
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and origin(newurl) != origin(req.full_url):
            for name in list(new.headers):
                if is_secret_header(name):
                    del new.headers[name]
            for name in list(new.unredirected_hdrs):
                if is_secret_header(name):
                    del new.unredirected_hdrs[name]
        return new


class APIPoller:
    """Walk every page of an API and publish the records that are new or changed since
    the last poll. Where it stopped (the next page) is saved after every page, so an
    interrupted poll resumes there; a page the broker did not fully accept is fetched again."""

    def __init__(self, url: str, kind: str, publisher: Publisher, home: Path, spec: PageSpec | None = None):
        if urllib.parse.urlsplit(url).scheme.lower() not in ("http", "https"):
            raise PollRefused(f"only http(s) APIs can be polled, not {urllib.parse.urlsplit(url).scheme!r}")
        self.url, self.kind, self.publisher = url, kind, publisher
        self.spec = spec or PageSpec()
        self.home_origin = origin(url)
        self.state = IntakeState(state_path(home, kind, "poll", url))
        self.state.data.setdefault("seen", {})
        self._opener = urllib.request.build_opener(_Redirects)

    def _allowed(self, url: str) -> bool:
        scheme = urllib.parse.urlsplit(url).scheme.lower()
        if scheme not in ("http", "https"):
            return False
        there = origin(url)
        return there == self.home_origin or any(origin(o) == there for o in self.spec.allowed_origins)

    def _fetch(self, url: str, page: int | None) -> dict[str, Any]:
        body = None
        if page is not None and self.spec.method == "POST":
            body = json.dumps({self.spec.page_param: page, self.spec.size_param: self.spec.page_size}).encode()
        elif page is not None:
            parts = urllib.parse.urlsplit(url)
            query = dict(urllib.parse.parse_qsl(parts.query))
            query.update({self.spec.page_param: str(page), self.spec.size_param: str(self.spec.page_size)})
            url = urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))
        if not self._allowed(url):
            raise PollRefused(f"{_safe(url)} is not on {self.home_origin[1]} over http(s): not followed")
        same_origin = origin(url) == self.home_origin
        downgrade = self.home_origin[0] == "https" and origin(url)[0] == "http"
        headers = {k: v for k, v in self.spec.headers.items()
                   if not is_secret_header(k) or (same_origin and not downgrade)}
        request = urllib.request.Request(url, data=body, method=self.spec.method,
                                         headers={"Accept": "application/json", **headers,
                                                  **({"Content-Type": "application/json"} if body else {})})
        with self._opener.open(request, timeout=self.spec.timeout) as response:  # noqa: S310 - checked above
            data = response.read(self.spec.max_bytes + 1)
        if len(data) > self.spec.max_bytes:
            raise PollRefused(f"page {_safe(url)} is over {self.spec.max_bytes:,} bytes: refused")
        try:
            payload = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
            raise PollRefused(f"page {_safe(url)} is not JSON the poller can read: {exc}") from exc
        if not isinstance(payload, dict):
            raise PollRefused(f"page {_safe(url)} is not a JSON object")
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
            sent = self.publisher.send([r for _, _, r in fresh], _safe(self.url))
            report.published += sent.delivered + sent.dead_lettered
            refused = {id(r) for r, _ in sent.undelivered}
            for key, digest, record in fresh:
                if id(record) not in refused:
                    seen[key] = digest
            if sent.undelivered:  # stay on this page: it is fetched again next time
                report.undelivered += [(r.locator, why) for r, why in sent.undelivered]
                self.state.data["cursor"] = cursor
                self.state.save()
                break
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
        following = links.get("next")
        if isinstance(following, str) and following:
            following = urllib.parse.urljoin(cursor["url"], following)
            if not self._allowed(following):
                raise PollRefused(f"links.next {_safe(following)} leaves {self.home_origin[1]} or http(s): "
                                  "not followed (allow its origin explicitly to follow it)")
            return {"url": following, "page": None}
        pagination = page_doc.get("pagination") if isinstance(page_doc.get("pagination"), dict) else None
        if pagination is not None and cursor.get("page") is not None:
            more = pagination.get("hasNextPage")
            if more is None and isinstance(pagination.get("totalRows"), int):
                more = cursor["page"] * self.spec.page_size < pagination["totalRows"]
            if more:
                return {"url": cursor["url"], "page": cursor["page"] + 1}
        return None


def _safe(url: str) -> str:
    """A URL fit for messages: no user, password or query (tokens often travel there)."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))


__all__ = ["APIPoller", "FolderWatcher", "IntakeState", "PageSpec", "PollRefused", "Publisher", "PublishReport",
           "SUFFIXES", "is_secret_header", "publish", "read_files", "state_path"]
