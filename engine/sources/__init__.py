"""Source formats: how files are split into records, and how a record becomes graph facts."""

from engine.sources.base import RawRecord, RecordError, Source
from engine.sources.registry import SOURCES, get_source

__all__ = ["SOURCES", "RawRecord", "RecordError", "Source", "get_source"]
