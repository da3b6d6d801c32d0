"""What every source format provides: reading files into raw records (publisher side)
and turning one raw record into graph facts (stream side)."""

from __future__ import annotations

import csv
import io
import json
import math
import zlib
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
    try:
        data = unpacked(data)
    except ValueError as exc:
        return RawRecord.broken(path.name, data, "file", f"cannot read {path.name}: {exc}")
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        return RawRecord.broken(path.name, data, "file", f"{path.name} is an empty file: nothing to read")
    try:
        body, encoding = decode(data)
    except UndecodableError as exc:
        return RawRecord.broken(path.name, data, "file", f"cannot read {path.name}: {exc}")
    return data, body, encoding


GZIP_MAGIC = b"\x1f\x8b"
# What one compressed file may unpack to: a bulk file is large, a file that unpacks past this is refused
# with the reason rather than allowed to fill the machine's memory (a "zip bomb").
MAX_UNPACKED_BYTES = 2 * 1024**3


def gunzip(data: bytes, limit: int | None = None) -> bytes:
    """The bytes a gzip file holds (several members one after another too); ``ValueError`` with the reason
    when it is damaged or unpacks past ``limit`` (:data:`MAX_UNPACKED_BYTES`)."""
    limit = MAX_UNPACKED_BYTES if limit is None else limit
    out = bytearray()
    try:
        while data:
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            out += inflater.decompress(data, limit + 1 - len(out))
            if len(out) > limit:
                raise ValueError(f"it unpacks to more than {limit:,} bytes")
            if not inflater.eof:
                raise ValueError("the gzip data is truncated")
            data = inflater.unused_data.lstrip(b"\x00")  # members one after another, padding between
    except zlib.error as exc:
        raise ValueError(f"the gzip data is damaged ({exc})") from None
    return bytes(out)


def unpacked(data: bytes) -> bytes:
    """A file's bytes, gunzipped when they are gzip (a publisher's bulk file as downloaded: ".json.gz")."""
    return gunzip(data) if data[:2] == GZIP_MAGIC else data


def inner_suffix(path: Path) -> str:
    """The suffix that says the format, under a compression suffix: ``.jsonl`` for ``x.jsonl.gz``."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    return suffixes[-1] if suffixes else ""


def with_compressed(suffixes: tuple[str, ...], archives: bool = False) -> tuple[str, ...]:
    """``suffixes`` and each of them gzipped; with ``archives``, ZIP archives too (intake opens them)."""
    return suffixes + tuple(s + ".gz" for s in suffixes if not s.endswith(".gz")) + ((".zip",) if archives else ())


def concatenated(body: str) -> Iterator[tuple[str, str]]:
    """The texts of JSON documents written one after another in one text (several packages in one
    file, as bulk downloads and ``ocdskit`` pipes write them), each with where it starts ("document 2,
    line 40"). A document that does not parse ends the split: the rest comes as one last text, which
    the caller's parser refuses with the reason, so the documents before it are kept."""
    decoder = json.JSONDecoder()
    at, n, end, line, counted = 0, 0, len(body), 1, 0
    while True:
        while at < end and body[at] in " \t\r\n\ufeff":
            at += 1
        if at >= end:
            return
        n += 1
        line += body.count("\n", counted, at)
        counted = at
        where = f"document {n}, line {line}"
        try:
            _, stop = decoder.raw_decode(body, at)
        except (json.JSONDecodeError, RecursionError):
            yield body[at:], where
            return
        yield body[at:stop], where
        at = stop


def is_concatenation(exc: json.JSONDecodeError) -> bool:
    """Whether a whole-text parse failed only because a second document follows the first."""
    return exc.msg == "Extra data"


# A CSV field may be long (an address, a list), not unbounded: over this it is an error, explained.
CSV_FIELD_LIMIT = 4 * 1024 * 1024
csv.field_size_limit(CSV_FIELD_LIMIT)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows (an amount or share that was not measured?)")


def _finite(value: str) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{value} is too large to be a number")
    return number


def loads(text: str | bytes) -> Any:
    """``json.loads`` for input nobody checked: NaN and Infinity refused (JSON has no such numbers), and
    nesting too deep to read reported as a JSON error like any other, never as a crash."""
    try:
        return json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        doc = text if isinstance(text, str) else text.decode("utf-8", "replace")
        raise json.JSONDecodeError("nested too deeply to read", doc[:1000], 0) from None
    except ValueError as exc:
        if isinstance(exc, UnicodeDecodeError):
            raise
        doc = text if isinstance(text, str) else text.decode("utf-8", "replace")
        raise json.JSONDecodeError(str(exc), doc[:1000], 0) from None


def csv_rows(body: str, **options: Any) -> list[list[str]]:
    """Every row of a CSV text; :class:`RecordError` naming the line when the CSV cannot be read (a field
    over :data:`CSV_FIELD_LIMIT` bytes, a NUL byte)."""
    reader = csv.reader(io.StringIO(body.replace("\0", "")), **options)
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(row)
    except csv.Error as exc:
        raise RecordError(f"CSV unreadable at line {reader.line_num}: {exc}") from exc
    return rows


def load_json_object(value: bytes, what: str) -> dict[str, Any]:
    try:
        data = loads(value)
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
    """A string property: stripped, length-capped, without NUL bytes; non-strings become None."""
    if isinstance(value, str):
        value = value.replace("\0", "").strip()
        return value[:limit] or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def number(value: Any) -> float | None:
    """A number, or None when there is none; a NaN or infinite one is an error that says so (never a silent
    null: an amount that was not a number is worth telling the publisher about)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        result = float(value)
    elif isinstance(value, str):
        try:
            result = float(value.replace(",", ""))
        except ValueError:
            return None
    else:
        return None
    if not math.isfinite(result):
        raise RecordError(f"{value!r} is not a finite number")
    return result


def files_under(paths: list[Path], suffixes: tuple[str, ...]) -> Iterator[Path]:
    """Files given directly, and files with one of ``suffixes`` under given folders, sorted."""
    for path in paths:
        if path.is_dir():
            accepted = with_compressed(suffixes, archives=True)
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.name.lower().endswith(accepted))
        elif path.exists():
            yield path
        else:
            raise FileNotFoundError(f"no such file or folder: {path}")
