"""Text encodings are detected, not assumed: UTF-8 first (with or without BOM), then a
BOM-marked UTF-16/32, then charset-normalizer's best guess with Windows-1252 preferred
among near-ties (SAT and many Mexican portals publish in it)."""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class UndecodableError(ValueError):
    pass


def decode(data: bytes) -> tuple[str, str]:
    """Return (text, encoding name) for ``data``; raise :class:`UndecodableError` if no
    encoding gives plausible text."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError as exc:
                raise UndecodableError(
                    f"starts with a {name} byte-order mark, but byte {exc.object[exc.start]:#04x} at "
                    f"offset {exc.start} is not {name}: the file mixes encodings"
                ) from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" not in data[:4096]:
        try:
            text = data.decode("cp1252")
            if _plausible(text):
                return text, "cp1252"
        except UnicodeDecodeError:
            pass
    best = from_bytes(data[:262144]).best()
    if best is None:
        raise UndecodableError("the bytes are not text in any encoding charset-normalizer knows")
    try:
        text = data.decode(best.encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise UndecodableError(f"detected {best.encoding}, but the file does not decode with it") from exc
    return text, best.encoding


def _plausible(text: str) -> bool:
    """Mostly printable text, as a CSV or JSON file in a Latin script is."""
    sample = text[:65536]
    if not sample:
        return True
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in sample)
    return printable / len(sample) > 0.98
