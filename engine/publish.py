"""Publish source files to their raw topics: one message per record, keyed by its
natural id (``ocid``, RFC), with the file and position in headers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from engine.eventlog.kafka import DLQ, TOPICS, ensure_topics, make_producer
from engine.sources import get_source
from engine.sources.base import H_ERROR, H_LOCATOR, H_SOURCE, files_under

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


@dataclass
class PublishReport:
    kind: str
    files: int = 0
    records: int = 0
    broken: int = 0
    per_file: dict[str, int] = field(default_factory=dict)


def publish(
    kind: str,
    paths: Iterable[Path],
    bootstrap: str,
    partitions: int = 3,
    progress: Callable[[Path, int], None] | None = None,
) -> PublishReport:
    """Read every file and produce its records; broken input is sent on too (flagged
    with a header) so that the stream dead-letters it with the reason."""
    source = get_source(kind)
    files = list(files_under(list(paths), SUFFIXES.get(kind, ())))
    ensure_topics(bootstrap, list(TOPICS), partitions)
    producer = make_producer(bootstrap)
    report = PublishReport(kind)
    try:
        read_many = getattr(source, "read_many", None)
        pairs = read_many(files) if read_many else ((path, r) for path in files for r in source.read(path))
        for path, record in pairs:
            headers = {H_SOURCE: path.name, H_LOCATOR: record.locator, **record.headers}
            producer.send(
                source.topic,
                key=record.key.encode() if record.key else None,
                value=record.value,
                headers=[(k, v.encode()) for k, v in headers.items()],
            )
            report.records += 1
            report.broken += H_ERROR in record.headers
            report.per_file[str(path)] = report.per_file.get(str(path), 0) + 1
            if progress and report.records % 500 == 0:
                progress(path, 500)
        if progress:
            progress(files[-1] if files else Path("."), report.records % 500)
        report.files = len(files)
        producer.flush()
    finally:
        producer.close()
    return report


__all__ = ["DLQ", "PublishReport", "publish"]
