"""The source formats Vínculo reads, by kind."""

from __future__ import annotations

from engine.sources import bods, csv_mapped, ftm, ocds, pdn_s1, pdn_s2, pdn_s3, sat69b
from engine.sources.base import Source

SOURCES: dict[str, Source] = {
    ocds.KIND: ocds.SOURCE,
    sat69b.KIND: sat69b.SOURCE,
    bods.KIND: bods.SOURCE,
    ftm.KIND: ftm.SOURCE,
    csv_mapped.KIND: csv_mapped.SOURCE,
    pdn_s1.KIND: pdn_s1.SOURCE,
    pdn_s2.KIND: pdn_s2.SOURCE,
    pdn_s3.KIND: pdn_s3.SOURCE,
}


def get_source(kind: str) -> Source:
    try:
        return SOURCES[kind]
    except KeyError:
        raise ValueError(f"unknown source kind {kind!r} (known: {', '.join(SOURCES)})") from None


def topic_for(kind: str) -> str:
    return get_source(kind).topic
