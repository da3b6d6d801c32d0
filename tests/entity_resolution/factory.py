"""A tiny factory for mentions (no mocks)."""

from __future__ import annotations

from engine.entity_resolution.identifiers import curp_with_check_digit, with_check_digit
from engine.entity_resolution.records import Mention

_counter = iter(range(10**9))


def company(name: str, **kw) -> Mention:
    return Mention(kw.pop("id", f"c{next(_counter)}"), "company", name, **kw)


def person(name: str, **kw) -> Mention:
    return Mention(kw.pop("id", f"p{next(_counter)}"), "person", name, **kw)


def rfc(stem: str) -> str:
    return with_check_digit(stem)


def curp(stem: str) -> str:
    return curp_with_check_digit(stem)
