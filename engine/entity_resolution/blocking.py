"""Blocking keys: which known entities a new mention is compared with.

A mention gets several keys; two mentions are candidates when they share any. Recall
comes from the variety: identifiers catch renamed companies, name-token keys catch
identical spellings, Spanish phonetic keys catch typos, the RFC's name-and-date stem
catches a mention without RFC whose name and birth date spell one, and the postcode with
the house number or the street's first word catches a misspelt name at the same address.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.entity_resolution.addresses import GENERIC_WORDS
from engine.entity_resolution.companies import UNIT_WORDS, initials
from engine.entity_resolution.compare import known_date
from engine.entity_resolution.given_names import stands_for
from engine.entity_resolution.identifiers import rfc_company_letters, rfc_person_letters
from engine.entity_resolution.phonetic import spanish_key

if TYPE_CHECKING:
    from engine.entity_resolution.records import Record

__all__ = ["keys_for", "probes_for", "lookup_keys", "candidate_pairs", "posting_limit", "IDENTIFIER_PREFIXES",
           "WORD_PAIR_PREFIX", "WEAK_PREFIXES", "RARE_PREFIXES", "RARE_POSTING", "NOISY_PREFIXES", "NOISY_POSTING",
           "MAX_POSTING", "COMPANY_NAME_PREFIX"]

IDENTIFIER_PREFIXES = ("rfc:", "curp:", "stem:", "id:", "tel:", "mail:", "web:")
WORD_PAIR_PREFIX = "ww:"  # two words of a person's name, whatever their roles
WEAK_PREFIXES = (WORD_PAIR_PREFIX, "il:")  # alone, not worth a comparison
COMPANY_NAME_PREFIX = "cn:"  # the whole name: how many entities carry it
MAX_POSTING = 3000  # a name key shared by more entities than this says too little to follow
# keys worth following only while few entities share them: a surname, a first name, a date or an address alone
# calls for a comparison when it is rare (term frequency, applied to blocking)
RARE_PREFIXES = ("lw:", "wf:", "dt:", "ad:")
RARE_POSTING = 100
# a name's start, with one letter dropped or not, and two words of a person's name (as they sound or by their
# letters): many keys per name, each shared by every name that starts alike or holds the same two common words;
# past this many entities they flood the count
NOISY_PREFIXES = ("cd:", "ww:", "wl:", "cx:")
NOISY_POSTING = 500


def _last(unit: str) -> str:
    return unit.rsplit(" ", 1)[-1] if unit else ""


def _pairs(keys: set[str], prefix: str, values: set[str]) -> None:
    ordered = sorted(values)
    for i, x in enumerate(ordered):
        for y in ordered[i + 1 :]:
            keys.add(f"{prefix}{x}|{y}")


def _person_keys(r: Record, keys: set[str]) -> None:
    known = known_date(r)
    day = known.strftime("%y%m%d") if known else ""
    if known:
        keys.add(f"dt:{known.isoformat()}")
    words = {_last(u) for p in r.persons for u in (p.paternal, p.maternal, *p.given.split())} - {""}
    # any two words of the name, whatever their roles: a misread order still meets
    _pairs(keys, WORD_PAIR_PREFIX, {spanish_key(w) for w in words} - {""})
    # two words by their letters in any order: "EPDRO" is "PEDRO" typed fast
    _pairs(keys, "wl:", {"".join(sorted(w)) for w in words if len(w) > 3})
    # given name first, one surname last (English, most of Europe): the first word and the last, the first as
    # any name it may be a nickname of, and its initial
    ordered = r.persons[0].full.split() if r.persons else []
    if len(ordered) >= 2:
        first, last = ordered[0], spanish_key(ordered[-1])
        for name in stands_for(first):
            keys.add(f"fl:{spanish_key(name)}|{last}")
            keys.add(f"fs:{spanish_key(name)}|{ordered[-1][:3]}")  # a typo late in the surname
        keys.add(f"il:{first[0]}|{last}")
    for p in r.persons:
        g = spanish_key(p.first_given)
        pat, mat = spanish_key(_last(p.paternal)), spanish_key(_last(p.maternal))
        if pat and mat:
            keys.add(f"pm:{pat}|{mat}")
        if g and pat:
            keys.add(f"gp:{g}|{pat}")
        if g and mat:
            keys.add(f"gm:{g}|{mat}")
        if day and p.first_given:
            keys.add(f"dg:{day}|{p.first_given[0]}")
        if day and p.paternal:
            keys.add(f"dp:{day}|{p.paternal[0]}")
        letters = rfc_person_letters(p.given, p.paternal, p.maternal)
        if letters and day:
            keys.add(f"stem:{letters}{day}")


def _company_keys(r: Record, keys: set[str]) -> None:
    assert r.company is not None
    words = r.company.significant
    if not words:
        return
    if len(words) == 1:
        keys.add(f"c1:{words[0]}")
        keys.add(f"c1k:{spanish_key(words[0])}")
    else:
        keys.add(f"c2:{words[0]}|{words[1][:3]}")
        keys.add(f"c2k:{spanish_key(words[0])}|{spanish_key(words[1])[:2]}")
    if len(words) >= 3:
        keys.add(f"c23:{words[1][:4]}|{words[2][:3]}")
    compact = r.name.replace(" ", "")
    if len(compact) >= 6:
        keys.add(f"cx:{compact[:8]}")
        head = compact[:10]
        keys.add(f"cd:{head}")
        for i in range(len(head)):  # one typo in the first ten letters: both sides lose that letter and meet
            keys.add(f"cd:{head[:i]}{head[i + 1 :]}")
    if r.birth_date:
        keys.add(f"stem:{rfc_company_letters(r.company.name)}{r.birth_date.strftime('%y%m%d')}")
    keys.add(f"{COMPANY_NAME_PREFIX}{''.join(words)}")
    # any two words of the name: a short form meets the long form it is the core of, in any word order
    _pairs(keys, "cp:", {w for w in words[:_PAIR_WORDS] if len(w) > 2 and w not in UNIT_WORDS})
    # the acronym and what it stands for
    if len(words) >= 2:
        keys.add(f"ca:{initials(words)}")
    elif 2 <= len(words[0]) <= 6:
        keys.add(f"ca:{words[0]}")


def _address_keys(r: Record, keys: set[str]) -> None:
    """Postcode with the house number, and postcode with the street's first word: the same place however the
    name is misspelt (a person's surname mistyped, a company renamed); and the whole address, followed while few
    entities give it."""
    if r.address is not None and r.address.text:
        keys.add(f"ad:{r.address.text}")
    if r.address is None or not r.address.postcode:
        return
    words = r.address.text.split()
    code = r.address.postcode
    number = next((w for w in words if w.isdigit() and w != code), "")
    street = next((w for w in words if w.isalpha() and len(w) > 2 and w not in GENERIC_WORDS), "")
    if number:
        keys.add(f"an:{code}|{number}")
    if street:
        keys.add(f"aw:{code}|{street[:4]}")


_PAIR_WORDS = 8  # the words of a long name paired for blocking: the first eight carry it


def _contact_keys(r: Record, keys: set[str]) -> None:
    """A phone (its last seven digits), an e-mail, a website's domain, another scheme's identifier."""
    if r.phone:
        keys.add(f"tel:{r.phone[-7:]}")
    if r.email:
        keys.add(f"mail:{r.email}")
    if r.domain:
        keys.add(f"web:{r.domain}")
    for scheme, value in r.identifiers:
        keys.add(f"id:{scheme}:{value}")


def keys_for(r: Record) -> tuple[str, ...]:
    """All blocking keys of a record, sorted (the order does not matter, determinism does)."""
    keys: set[str] = set()
    _contact_keys(r, keys)
    if r.rfc is not None:
        keys.add(f"rfc:{r.rfc.value}")
        keys.add(f"stem:{r.rfc.value[:10] if r.rfc.kind == 'person' else r.rfc.value[:9]}")
    if r.curp is not None:
        keys.add(f"curp:{r.curp.value}")
        keys.add(f"stem:{r.curp.value[:10]}")
    person: set[str] = set()
    if r.company is not None:
        _company_keys(r, keys)
    if r.persons:  # a person, or a company without legal form whose name reads as a person's: a person's keys
        _person_keys(r, person)
        person |= one_word_keys(r)
        if r.company is None:
            _address_keys(r, person)
    if r.company is not None:
        _address_keys(r, keys)
    return tuple(sorted({f"{r.kind[0]}/{k}" for k in keys} | {f"p/{k}" for k in person}))


def probes_for(r: Record) -> tuple[str, ...]:
    """Keys a record looks up without being indexed under them: a one-word person's name ("HAYNES") looks for
    the people whose first or last word it is, and a longer name looks for the one-word names among its words.
    Indexing every surname alone would make every namesake a candidate of every other."""
    if not r.persons:
        return ()
    words = r.persons[0].full.split()
    if not words:
        return ()
    if len(words) == 1:
        word = words[0]
        return tuple(sorted({f"p/w1:{spanish_key(word)}", f"p/lw:{spanish_key(word)}",
                             *(f"p/wf:{spanish_key(n)}" for n in stands_for(word))}))
    return tuple(sorted({f"p/w1:{spanish_key(words[-1])}", *(f"p/w1:{spanish_key(n)}" for n in stands_for(words[0]))}))


def one_word_keys(r: Record) -> set[str]:
    """The keys a person's name is indexed under for the probes of ``probes_for``."""
    if not r.persons:
        return set()
    words = r.persons[0].full.split()
    if not words:
        return set()
    if len(words) == 1:
        return {f"w1:{spanish_key(words[0])}"}
    return {f"lw:{spanish_key(words[-1])}", *(f"wf:{spanish_key(n)}" for n in stands_for(words[0]))}


def lookup_keys(r: Record) -> tuple[str, ...]:
    """The keys a record looks up to find its candidates: its own keys and its probes."""
    return r.keys + r.probes


def posting_limit(key: str) -> int | None:
    """How many entities may share a key for it still to be followed: None for an identifier (always followed),
    ``RARE_POSTING`` for a rare-only key, ``NOISY_POSTING`` for one of many near-copies, else ``MAX_POSTING``."""
    family = key[2:]
    if family.startswith(IDENTIFIER_PREFIXES):
        return None
    if family.startswith(RARE_PREFIXES):
        return RARE_POSTING
    return NOISY_POSTING if family.startswith(NOISY_PREFIXES) else MAX_POSTING


def candidate_pairs(records: list[Record], max_block: int, partners: int = 0, seed: int = 0) -> set[tuple[int, int]]:
    """Pairs of records (by position) that blocking makes candidates: one looks up a key the other is indexed
    under. A key shared by more than ``max_block`` records gives ``partners`` random partners per record (none
    when 0), as a resolver following it would meet only a few of them."""
    import random

    rng = random.Random(seed)
    index: dict[str, list[int]] = {}
    for i, r in enumerate(records):
        for key in r.keys:
            index.setdefault(key, []).append(i)
    pairs: set[tuple[int, int]] = set()
    for i, r in enumerate(records):
        for key in lookup_keys(r):
            found = index.get(key, ())
            limit = posting_limit(key)
            if limit is not None and len(found) > limit:
                continue
            if len(found) > max_block:
                found = rng.sample(found, partners) if partners else ()
            pairs.update((min(i, j), max(i, j)) for j in found if j != i)
    return pairs
