"""What every source format provides: reading files into raw records (publisher side)
and turning one raw record into graph facts (stream side)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from engine.canonical import CanonicalRecord

# Kafka headers Vínculo sets on raw records.
H_SOURCE = "vinculo-source"  # file name or URL the record came from
H_LOCATOR = "vinculo-locator"  # where in it: "line 17", "records[3]"
H_PUBLISHED = "vinculo-published-at"  # the publisher's date for the whole file, if known
H_ERROR = "vinculo-error"  # set when the publisher could not even split the input


class RecordError(ValueError):
    """A record that cannot be used; the message says why, for a person to read."""


class RecordSkipped(Exception):  # noqa: N818 - not an error: a record with nothing to link
    """A well-formed record that carries nothing to put in the graph (e.g. data suppressed
    by court order); counted, neither written nor dead-lettered."""


@dataclass
class RawRecord:
    key: str | None
    value: bytes
    locator: str
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def broken(cls, key: str, head: bytes, locator: str, reason: str) -> RawRecord:
        """Input the publisher could not split: it travels on so the stream dead-letters it."""
        return cls(key, head[:65536], locator, {H_ERROR: reason})


@dataclass(frozen=True)
class RecordContext:
    """Headers and position of the record being normalised."""

    source: str
    locator: str
    published_at: str | None

    @classmethod
    def from_headers(cls, headers: dict[str, str], fallback_source: str) -> RecordContext:
        return cls(
            source=headers.get(H_SOURCE, fallback_source),
            locator=headers.get(H_LOCATOR, ""),
            published_at=headers.get(H_PUBLISHED),
        )


class Source(Protocol):
    kind: str
    topic: str

    def read(self, path: Path) -> Iterator[RawRecord]:
        """Split a file into raw records; never raise on bad content (yield a broken record)."""

    def normalize(self, value: bytes, ctx: RecordContext) -> CanonicalRecord:
        """Turn one raw record into a canonical record, or raise :class:`RecordError`."""


def read_text(path: Path) -> tuple[bytes, str, str] | RawRecord:
    """A file's bytes, its text and the encoding detected; a broken record (with the reason)
    when no encoding gives text, for the reader to pass on to the dead-letter topic."""
    from engine.sources.decoding import UndecodableError, decode

    data = path.read_bytes()
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        return RawRecord.broken(path.name, data, "file", f"{path.name} is an empty file: nothing to read")
    try:
        body, encoding = decode(data)
    except UndecodableError as exc:
        return RawRecord.broken(path.name, data, "file", f"cannot read {path.name}: {exc}")
    return data, body, encoding


def load_json_object(value: bytes, what: str) -> dict[str, Any]:
    try:
        data = json.loads(value)
    except UnicodeDecodeError as exc:
        raise RecordError(f"{what} is not UTF-8 JSON: {exc.reason} at byte {exc.start}") from exc
    except json.JSONDecodeError as exc:
        raise RecordError(
            f"{what} is not valid JSON (truncated?): {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc
    if not isinstance(data, dict):
        raise RecordError(f"{what} must be a JSON object, got {type(data).__name__}")
    return data


def text(value: Any, limit: int = 2000) -> str | None:
    """A string property: stripped, length-capped; non-strings become None."""
    if isinstance(value, str):
        value = value.strip()
        return value[:limit] or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.replace(",", ""))
        except ValueError:
            return None
    return None


def files_under(paths: list[Path], suffixes: tuple[str, ...]) -> Iterator[Path]:
    """Files given directly, and files with one of ``suffixes`` under given folders, sorted."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.name.lower().endswith(suffixes))
        elif path.exists():
            yield path
        else:
            raise FileNotFoundError(f"no such file or folder: {path}")
