"""Contact points and other identifiers: phone, e-mail, website, identifier schemes.

Normalisers (used by ``records.prepare``) and one comparison function per field, each
stating one fact. Phones are compared by their trailing digits (7 to 10 of them, so a
country or area code written on one side only does not matter), e-mails case-folded,
websites by their registered domain (the Public Suffix List knows that ``sat.gob.mx``
and ``example.co.uk`` are one organisation's domains).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from engine.entity_resolution.comparison import Comparison

if TYPE_CHECKING:
    from engine.entity_resolution.records import Record

__all__ = ["normalise_phone", "normalise_email", "registered_domain", "normalise_identifiers",
           "phone", "email", "website", "identifiers", "WEBMAIL", "PHONE_DIGITS"]

PHONE_DIGITS = (7, 10)  # fewer than 7 digits is no phone number; more than 10 adds only country codes
_EXTENSION = re.compile(r"(?i)\s*(?:ext\.?|extension|x|ext\s*#)\s*\d+\s*$")
_ID_SEPARATORS = re.compile(r"[\s\-_./:]")
# mailbox providers: a shared e-mail domain there says nothing about the owners
WEBMAIL = frozenset("""gmail.com googlemail.com hotmail.com hotmail.es outlook.com outlook.es live.com live.com.mx
msn.com yahoo.com yahoo.com.mx yahoo.es aol.com icloud.com me.com mac.com protonmail.com proton.me gmx.com gmx.net
mail.com prodigy.net.mx terra.com.mx zoho.com yandex.com qq.com 163.com""".split())


def normalise_phone(raw: str | None) -> str:
    """The digits of a phone number without its extension, or '' when too few to be one.

    >>> normalise_phone("310/246-1501"), normalise_phone("+52 (55) 5128-0000 ext. 12"), normalise_phone("310/788-")
    ('3102461501', '525551280000', '')
    """
    if not raw:
        return ""
    digits = re.sub(r"\D", "", _EXTENSION.sub("", raw))
    return digits if len(digits) >= PHONE_DIGITS[0] else ""


def normalise_email(raw: str | None) -> str:
    """An e-mail address case-folded, without ``mailto:`` or spaces; '' when it has no ``@``."""
    if not raw:
        return ""
    value = raw.strip().casefold().removeprefix("mailto:").replace(" ", "")
    local, _, host = value.partition("@")
    return f"{local}@{host}" if local and "." in host else ""


@lru_cache(maxsize=1)
def _suffixes():
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


@lru_cache(maxsize=100_000)
def registered_domain(raw: str | None) -> str:
    """The registered domain of a website or host (the Public Suffix List's "private suffix").

    >>> registered_domain("https://www.SAT.gob.mx/consultas/"), registered_domain("shop.example.co.uk")
    ('sat.gob.mx', 'example.co.uk')
    """
    if not raw:
        return ""
    host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", raw.strip().casefold())
    host = host.split("/", 1)[0].split("?", 1)[0].split("@")[-1].split(":", 1)[0].strip(".")
    if "." not in host:
        return ""
    return _suffixes().privatesuffix(host) or host


def normalise_identifiers(raw: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """(scheme, value) pairs: the scheme lower-case, the value upper-case without separators."""
    out = {(scheme.strip().lower(), _ID_SEPARATORS.sub("", str(value)).upper()) for scheme, value in raw.items()}
    return tuple(sorted((s, v) for s, v in out if s and v))


def phone(a: Record, b: Record) -> Comparison | None:
    """The two phone numbers end in the same digits (the last 7 to 10, as many as both have)."""
    if not a.phone or not b.phone:
        return None
    n = min(len(a.phone), len(b.phone), PHONE_DIGITS[1])
    x, y = a.phone[-n:], b.phone[-n:]
    if x == y:
        return Comparison("same", 1.0, f"same phone …{x}")
    if sum(i != j for i, j in zip(x, y, strict=True)) == 1:
        return Comparison("near", 0.9, f"phones …{x} / …{y} one digit apart")
    return Comparison("different", 0.0, f"phones differ: …{x} / …{y}")


def email(a: Record, b: Record) -> Comparison | None:
    """The e-mail addresses are the same, or at least share an organisation's own domain (not a mailbox provider)."""
    if not a.email or not b.email:
        return None
    if a.email == b.email:
        return Comparison("same", 1.0, f"same e-mail {a.email}")
    da, db = registered_domain(a.email.rsplit("@", 1)[1]), registered_domain(b.email.rsplit("@", 1)[1])
    if da == db and da not in WEBMAIL:
        return Comparison("same_domain", 0.5, f"e-mails at the same domain {da}")
    return Comparison("different", 0.0, f"e-mails differ: {a.email} / {b.email}")


def website(a: Record, b: Record) -> Comparison | None:
    """The websites have the same registered domain."""
    if not a.domain or not b.domain:
        return None
    if a.domain == b.domain:
        return Comparison("same", 1.0, f"same website {a.domain}")
    return Comparison("different", 0.0, f"websites differ: {a.domain} / {b.domain}")


def identifiers(a: Record, b: Record) -> Comparison | None:
    """Both carry an identifier of the same scheme (DUNS, LEI, ...) and the values agree; RFC and CURP have theirs."""
    if not a.identifiers or not b.identifiers:
        return None
    xs, ys = dict(a.identifiers), dict(b.identifiers)
    shared = sorted(set(xs) & set(ys))
    if not shared:
        return None
    same = [s for s in shared if xs[s] == ys[s]]
    if same:
        return Comparison("same", 1.0, f"same {same[0]} {xs[same[0]]}")
    s = shared[0]
    return Comparison("different", 0.0, f"{s} differs: {xs[s]} / {ys[s]}")
