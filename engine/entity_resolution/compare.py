"""Comparison functions: one per field family, one signature, a level, a score and a reason.

Each function states one fact about a pair of records. It returns ``None`` when the fact
cannot be checked (a field is missing on one side), else a :class:`Comparison` whose
``level`` picks a Fellegi-Sunter weight (see ``model.py``), whose ``score`` in [0, 1] is
the similarity, and whose ``detail`` a reviewer can read. ``COMPARISONS`` is the table
of algorithms, per kind of entity.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from engine.entity_resolution import contact, fuzzy
from engine.entity_resolution.attributes import ATTRIBUTE_COMPARISONS
from engine.entity_resolution.companies import UNIT_WORDS, align_words, initials, names_a_part
from engine.entity_resolution.comparison import Comparator, Comparison
from engine.entity_resolution.given_names import variants
from engine.entity_resolution.identifiers import rfc_company_letters, rfc_person_letters
from engine.entity_resolution.persons import PersonName, all_readings
from engine.entity_resolution.records import Record

__all__ = ["Comparison", "COMPARISONS", "Comparator", "close_dates", "known_date"]


def _given_level(x: str, y: str, first_x: str, first_y: str) -> tuple[str, float]:
    if x == y:
        return "exact", 1.0
    score = fuzzy.jaro_winkler(x, y)
    if _same_words(x, y, 0.92):
        return "fuzzy", score
    wx, wy = x.split(), y.split()
    if len(wx) == len(wy) and all(a == b or variants(a, b) or _one_typo(a, b, fuzzy.jaro_winkler(a, b), 0.92)
                                  for a, b in zip(wx, wy, strict=True)):
        return "variant", score  # a nickname ("BILL" for "WILLIAM", "PEPE" for "JOSE")
    if set(wx) <= set(wy) or set(wy) <= set(wx) or first_x == first_y or variants(first_x, first_y):
        return "compatible", score
    if min(len(x), len(y)) == 1 and x[0] == y[0]:
        return "initial", score
    return ("weak" if _alike(x, y, score) else "different"), score


def _surname_level(x: str, y: str) -> tuple[str, float]:
    if not x or not y:
        return "missing", 0.5
    if x == y:
        return "exact", 1.0
    score = fuzzy.jaro_winkler(x, y)
    return ("fuzzy" if _same_words(x, y, 0.9) else "weak" if _alike(x, y, score) else "different"), score


def _alike(x: str, y: str, jaro_winkler: float) -> bool:
    """Two spellings that could still be one word with two typos (as in hand-typed registers)."""
    return jaro_winkler >= 0.85 or (min(len(x), len(y)) >= 5 and fuzzy.typo_distance(x, y, cutoff=2) <= 2)


def _words_within(wx: list[str], wy: list[str]) -> bool:
    """Every word of the shorter name is a word of the other, but for a typo: what any agreement of two
    readings needs (a cheap test before trying them all)."""
    short, long_ = (wx, wy) if len(wx) <= len(wy) else (wy, wx)
    found = set(long_)
    return all(w in found or any(_one_typo(w, v, fuzzy.jaro_winkler(w, v), 0.9) for v in long_) for w in short)


def _part_agrees(x: str, y: str) -> bool:
    return bool(x) and bool(y) and (x == y or _same_words(x, y, 0.9))


def _same_words(x: str, y: str, floor: float) -> bool:
    """As many words, each the same but for a typo: "ELENA OCNCHITA" is "ELENA CONCHITA", "LUIS PEREZ" is not
    "LUIS GARCIA"."""
    wx, wy = x.split(), y.split()
    return len(wx) == len(wy) and all(a == b or _one_typo(a, b, fuzzy.jaro_winkler(a, b), floor)
                                      for a, b in zip(wx, wy, strict=True))


def _one_typo(x: str, y: str, jaro_winkler: float, floor: float) -> bool:
    """Two spellings of one word: alike by Jaro-Winkler, or one keystroke apart (two in a long word)."""
    if jaro_winkler >= floor:
        return True
    shorter = min(len(x), len(y))
    return shorter >= 3 and fuzzy.typo_distance(x, y, cutoff=2) <= (2 if shorter >= 8 else 1)


_AGREE = frozenset({"exact", "fuzzy"})
# name levels, best first
NAME_LEVELS = ("exact", "fuzzy", "nickname", "maternal_missing", "given_partial", "middle_names", "similar",
               "one_word", "given_differs", "maternal_differs", "paternal_differs", "swapped", "different")
_ALIKE = frozenset({"exact", "fuzzy", "weak"})
# agreement, found in any plausible reading of the two names
_NAME_AGREEMENT = frozenset({"exact", "fuzzy", "nickname", "maternal_missing", "given_partial"})
# what another reading may find: the whole name, bar a maternal surname
_READING_AGREEMENT = frozenset({"exact", "fuzzy", "nickname", "maternal_missing"})


def _name_level(x: PersonName, y: PersonName) -> tuple[str, float]:
    """The joint level of two readings (given names, paternal and maternal surname) and their mean similarity."""
    g, sg = _given_level(x.given, y.given, x.first_given, y.first_given) if x.given and y.given else ("missing", 0.5)
    p, sp = _surname_level(x.paternal, y.paternal)
    m, sm = _surname_level(x.maternal, y.maternal)
    score = (sg + sp + sm) / 3
    if p == "missing":  # one name is a single word: it should be one of the other's words
        short, long_ = (x, y) if not x.paternal else (y, x)
        word = short.given
        found = any(w == word or _one_typo(w, word, fuzzy.jaro_winkler(w, word), 0.92) for w in long_.full.split())
        return ("one_word" if word and found else "different"), score
    if (p == "different" and m != "missing" and _surname_level(x.paternal, y.maternal)[0] in _AGREE
            and _surname_level(x.maternal, y.paternal)[0] in _AGREE):
        return "swapped", score
    if g in _AGREE and p in _AGREE and m in _AGREE:
        return ("exact" if g == p == m == "exact" else "fuzzy"), score
    if g == "variant" and p in _AGREE and m in (*_AGREE, "missing"):
        return "nickname", score
    if g in _AGREE and p in _AGREE and m == "missing":
        return "maternal_missing", score
    if g in ("compatible", "initial", "missing") and p in _AGREE and m != "different":
        return "given_partial", score
    if g in _ALIKE and p in _ALIKE and m in (*_ALIKE, "missing"):
        return "similar", score
    if g == "different" and p in _AGREE and m != "different":
        return "given_differs", score
    if g != "different" and p in _AGREE:
        return "maternal_differs", score
    if g != "different" and m in _AGREE:
        return "paternal_differs", score
    return "different", score


def _plausible(likely: tuple[PersonName, ...], raw: str) -> tuple[PersonName, ...]:
    """Every reading worth trying: only the settled one when a comma or the mention's own identifier fixed it."""
    return likely if likely[0].order in ("comma", "identifier") else all_readings(raw)


def _readings_compared(a: Record, b: Record) -> tuple[str, float, PersonName, PersonName]:
    return _compare_names(a.persons, a.mention.name, b.persons, b.mention.name)


@lru_cache(maxsize=100_000)
def _compare_names(px: tuple[PersonName, ...], raw_x: str, py: tuple[PersonName, ...], raw_y: str
                   ) -> tuple[str, float, PersonName, PersonName]:
    """The level of the likely readings; or, when they disagree, the best agreement any plausible reading finds,
    or failing that the agreement of the names read given names first and one surname last."""
    found = _two_surnames(px, raw_x, py, raw_y)
    if found[0] in _NAME_AGREEMENT or found[0] == "swapped" or not (_western(px[0]) and _western(py[0])):
        return found
    western = _given_then_surname(px[0].full.split(), py[0].full.split())
    if western is not None and NAME_LEVELS.index(western) < NAME_LEVELS.index(found[0]):
        return western, found[1], found[2], found[3]
    return found


def _western(name: PersonName) -> bool:
    """A name that may be read given names first and one surname last: not one whose writing shows two surnames
    (surnames first, or two of them before a comma, as Mexican registers write), nor one its identifier settled."""
    return name.order == "given_first" or (name.order == "comma" and not name.maternal)


def _two_surnames(px: tuple[PersonName, ...], raw_x: str, py: tuple[PersonName, ...], raw_y: str
                  ) -> tuple[str, float, PersonName, PersonName]:
    x, y = px[0], py[0]
    level, score = _name_level(x, y)
    if level in _NAME_AGREEMENT and level != "given_partial" or level == "swapped":
        return level, score, x, y
    if not _words_within(x.full.split(), y.full.split()):
        return level, score, x, y  # no other order can make these names agree
    best = (NAME_LEVELS.index(level), -score, 0, level, score, x, y)
    likely = {*px, *py}
    pairs = ((rx, ry) for rx in _plausible(px, raw_x) for ry in _plausible(py, raw_y))
    for i, (rx, ry) in enumerate(pairs):
        if rx not in likely and ry not in likely:
            continue  # one name at least is read as its words suggest
        if not (_part_agrees(rx.paternal, ry.paternal) and _part_agrees(rx.given, ry.given)):
            continue  # cheap: no agreement without these two
        lv, sc = _name_level(rx, ry)
        if lv in _READING_AGREEMENT:
            best = min(best, (NAME_LEVELS.index(lv), -sc, i + 1, lv, sc, rx, ry))
    return best[3], best[4], best[5], best[6]


def _given_word(x: str, y: str) -> str | None:
    """How two words of given names agree: "exact", "variant" (a typo or a nickname), "initial", or None."""
    if x == y:
        return "exact"
    if min(len(x), len(y)) == 1:
        return "initial" if x[0] == y[0] else None
    if variants(x, y) or _one_typo(x, y, fuzzy.jaro_winkler(x, y), 0.92):
        return "variant"
    return None


def _given_then_surname(wx: list[str], wy: list[str]) -> str | None:
    """Names written given name first and one surname last, as English and most European sources write them:
    the same surname, the same first given name (or its nickname or initial), and every middle name of the one
    found, in order, among the other's ("WILLIAM AITKEN" / "WILLIAM COSTEN AITKEN", "J CURRIE ELLES" / "JAMES
    ELLES"). The reading of two surnames misses these; None when they do not agree so."""
    if len(wx) < 2 or len(wy) < 2:
        return None
    last_x, last_y = wx[-1], wy[-1]
    if not (last_x == last_y or _one_typo(last_x, last_y, fuzzy.jaro_winkler(last_x, last_y), 0.92)):
        return None
    first = _given_word(wx[0], wy[0])
    if first is None:
        return None
    short, long_ = sorted((wx[1:-1], wy[1:-1]), key=len)
    j = 0
    for word in short:
        while j < len(long_) and _given_word(word, long_[j]) is None:
            j += 1
        if j == len(long_):
            return None
        j += 1
    if first == "initial":
        return "given_partial"
    if not short and not long_:
        return "nickname" if first == "variant" else "fuzzy"
    return "middle_names"


def person_name(a: Record, b: Record) -> Comparison | None:
    """The whole name: given names, paternal and maternal surname, each in its place, judged together.

    One comparison rather than one per part, because the parts are not independent: a true match
    rarely differs in two of them, and surnames in the other order are another person.
    """
    if not a.persons or not b.persons:
        return None
    level, score, x, y = _readings_compared(a, b)
    if level == "exact":
        detail = f"same name {x.full}"
    elif level == "given_differs":
        detail = f"given names differ: {x.given} / {y.given}"
    elif level == "swapped":
        detail = f"surnames swapped: {x.paternal} {x.maternal} / {y.paternal} {y.maternal}"
    else:
        detail = f"{_NAME_DETAILS[level]}: {x.full} / {y.full}"
    return Comparison(level, round(score, 4), detail)


_NAME_DETAILS = {
    "fuzzy": "names nearly equal", "nickname": "same name but for a nickname or variant of a given name",
    "middle_names": "same given name and surname, middle names differ or missing",
    "maternal_missing": "same name, one without maternal surname",
    "given_partial": "surnames agree, given names partly", "similar": "names alike, with typos",
    "one_word": "one name is a word of the other", "maternal_differs": "maternal surnames differ",
    "paternal_differs": "paternal surnames differ", "different": "names differ",
}


def company_name(a: Record, b: Record) -> Comparison | None:
    """The company names agree, allowing for CompraNet's truncation and for typos."""
    if a.company is None or b.company is None or not a.name or not b.name:
        return None
    x, y = sorted((a.name, b.name), key=len)
    if x == y or x.replace(" ", "") == y.replace(" ", ""):
        return Comparison("exact", 1.0, f"same name {y}")
    sx, sy = a.company.significant, b.company.significant
    if sx == sy:
        return Comparison("exact", 1.0, f"same words {' '.join(sx)}")
    if y.startswith(x) and y[len(x)] == " " and names_a_part(y[len(x):].split()):
        return Comparison("subset_unit", len(x) / len(y), f"{y[len(x):].strip()} names a part of {x}")
    if len(x) >= 10 and y.startswith(x):
        if y[len(x)] == " ":
            short = a.company if len(a.name) <= len(b.name) else b.company
            if not short.legal_form:  # CompraNet cuts the legal form first
                return Comparison("prefix_words_formless", len(x) / len(y), f"{x!r} is the start of {y!r}, no form")
            return Comparison("prefix_words", len(x) / len(y), f"{x!r} is the start of {y!r}")
        level = "truncated" if len(x) >= 20 else "truncated_short"
        return Comparison(level, len(x) / len(y), f"{x!r} looks like {y!r} cut short")
    score = fuzzy.ratio(x, y)
    edits = fuzzy.typo_distance(x.replace(" ", ""), y.replace(" ", ""))
    if edits == 1 and len(x) >= 4:
        return Comparison("one_typo", score, f"names {x!r} / {y!r} one typo apart")
    if len(x) >= 12 and len(y) > len(x) + 2 and (head := fuzzy.ratio(x, y[: len(x)])) >= 0.9 and head > score:
        return Comparison("truncated_typo", head, f"{x!r} looks like {y!r} cut short, with typos")
    found = _company_words(sx, sy, score)
    if found is not None:
        return found
    for level, floor in (("fuzzy_high", 0.93), ("fuzzy", 0.85), ("weak", 0.7)):
        if score >= floor:
            return Comparison(level, score, f"names {x!r} / {y!r} {round(score * 100)}% alike")
    return Comparison("different", score, f"names differ: {x!r} / {y!r}")


def _company_words(sx: list[str], sy: list[str], score: float) -> Comparison | None:
    """The names' words paired (``companies.align_words``): the same words in another order or spelling, a short
    name that is the core of a long one ("STANFORD UNIVERSITY" in "BOARD OF TRUSTEES OF THE LELAND STANFORD JUNIOR
    UNIVERSITY"), an acronym, a part of an organisation (a division, a laboratory), or one distinctive word each
    ("... SECRETARY OF THE NAVY" / "... OF THE ARMY")."""
    short, long_ = (sx, sy) if len(" ".join(sx)) <= len(" ".join(sy)) else (sy, sx)
    if len(short) == 1 and len(long_) >= 2 and 2 <= len(short[0]) <= 6 and short[0] in (
            initials(long_), initials([w for w in long_ if w not in UNIT_WORDS])):
        return Comparison("acronym", 0.8, f"{short[0]} is the acronym of {' '.join(long_)}")
    paired, left_x, left_y = align_words(sx, sy)
    if not paired:
        return None
    words = f"{' '.join(sx)!r} / {' '.join(sy)!r}"
    if not left_x and not left_y:
        return Comparison("same_words", score, f"names {words} have the same words, spelt or ordered otherwise")
    if left_x and left_y:
        return Comparison("word_differs", score, f"names {words} differ in {' '.join(left_x)} / {' '.join(left_y)}")
    extra = left_x or left_y
    if names_a_part(extra):
        return Comparison("subset_unit", score, f"{' '.join(extra)} names a part of the organisation: {words}")
    if min(len(sx), len(sy)) >= 2:
        return Comparison("subset", score, f"one name is the core of the other: {words}")
    return Comparison("subset_one_word", score, f"one name is one word of the other: {words}")


_FORM_FAMILY = {"SA_DE_CV": "SA", "SAPI_DE_CV": "SAPI", "SAB_DE_CV": "SAB", "S_DE_RL_DE_CV": "S_DE_RL",
                "SPR_DE_RL_DE_CV": "SPR_DE_RL", "SC_DE_RL_DE_CV": "SC_DE_RL", "SAS_DE_CV": "SAS",
                # one kind of entity, several designators: a US corporation may end its name in "Incorporated",
                # "Corporation" or "Company" (or their abbreviations), and clerks write them interchangeably;
                # "Limited" and "Co., Ltd." both render a private limited company in English
                "INC": "CORPORATION", "CORP": "CORPORATION", "CO": "CORPORATION", "CO_LTD": "LTD"}


def legal_form(a: Record, b: Record) -> Comparison | None:
    """Both names carry the same legal form (S.A. de C.V., S.C., ...)."""
    if a.company is None or b.company is None or not a.company.legal_form or not b.company.legal_form:
        return None
    x, y = a.company.legal_form, b.company.legal_form
    if x == y:
        return Comparison("same", 1.0, f"same legal form {x}")
    fx, fy = _FORM_FAMILY.get(x.removesuffix("_SOFOM"), x), _FORM_FAMILY.get(y.removesuffix("_SOFOM"), y)
    if fx == fy or a.company.truncated_form or b.company.truncated_form:
        return Comparison("compatible", 0.5, f"legal forms {x} / {y} compatible")
    return Comparison("different", 0.0, f"legal forms differ: {x} / {y}")


def _identifier(x, y, label: str) -> Comparison | None:
    if x is None or y is None:
        return None
    if x.value == y.value:
        if x.checksum_ok and y.checksum_ok:
            return Comparison("same_valid", 1.0, f"same valid {label} {x.value}")
        return Comparison("same", 1.0, f"same {label} {x.value} (check digit wrong)")
    if x.checksum_ok and y.checksum_ok:
        return Comparison("different_valid", 0.0, f"two valid {label}s: {x.value} / {y.value}")
    if fuzzy.levenshtein_distance(x.value, y.value) <= 1:
        return Comparison("near", 0.9, f"{label}s {x.value} / {y.value} one character apart")
    return Comparison("different", 0.0, f"{label}s differ: {x.value} / {y.value}")


def rfc(a: Record, b: Record) -> Comparison | None:
    """The RFCs are the same; a wrong check digit makes agreement weaker, not void."""
    return _identifier(a.rfc, b.rfc, "RFC")


def curp(a: Record, b: Record) -> Comparison | None:
    """The CURPs are the same; a wrong check digit makes agreement weaker, not void."""
    return _identifier(a.curp, b.curp, "CURP")


def _stem(r: Record) -> str:
    """Letters and date that an RFC or CURP spells, or '' (persons: 10 characters, companies: 9)."""
    if r.rfc is not None:
        return r.rfc.value[:10] if r.rfc.kind == "person" else r.rfc.value[:9]
    return r.curp.value[:10] if r.curp is not None else ""


def _spelled(r: Record) -> set[str]:
    """The identifier stems this record's name (and date, when known) would give."""
    if r.company is None:
        return set()  # people's identifiers are compared on their letters only (_identifier_letters)
    letters = {rfc_company_letters(r.company.name)}
    letters.discard("")
    day = r.birth_date.strftime("%y%m%d") if r.birth_date else ""
    return {x + day for x in letters}


def identifier_name(a: Record, b: Record) -> Comparison | None:
    """One side's RFC or CURP spells the other side's name and date (or agrees with its RFC/CURP).

    For people only the letters count here: the date an identifier spells is compared by ``birth_date``. A
    person and a company mention read as a person's name (the crossing of kinds) are compared as people: a
    person's RFC spells a person's name, never a company's.
    """
    if a.kind == "person" or b.kind == "person":
        return _identifier_letters(a, b)
    sa, sb = _stem(a), _stem(b)
    if sa and sb:
        if (a.rfc is not None and b.rfc is not None) or (a.curp is not None and b.curp is not None):
            return None  # the identifiers themselves are compared
        return Comparison("agrees", 1.0, f"RFC and CURP agree on {sa}") if sa == sb else Comparison(
            "conflicts", 0.0, f"RFC and CURP disagree: {sa} / {sb}")
    stem, other = (sa, b) if sa else (sb, a)
    if not stem:
        return None
    spelled = _spelled(other)
    if not spelled:
        return None
    letters = len(stem) - 6
    if stem in spelled:
        return Comparison("letters_and_date", 1.0, f"identifier {stem} spells the other's name and date")
    if any(s[:letters] == stem[:letters] for s in spelled):
        level = "letters_date_differs" if other.birth_date else "letters"
        return Comparison(level, 0.7, f"identifier {stem} spells the other's name")
    if other.birth_date and any(s[letters:] == stem[letters:] for s in spelled):
        return Comparison("date", 0.4, f"identifier {stem} has the other's date, not its name")
    return Comparison("conflicts", 0.0, f"identifier {stem} does not spell {other.name!r}")


def _identifier_letters(a: Record, b: Record) -> Comparison | None:
    sa, sb = _stem(a)[:4], _stem(b)[:4]
    if sa and sb:
        if (a.rfc is not None and b.rfc is not None) or (a.curp is not None and b.curp is not None):
            return None  # the identifiers themselves are compared
        if sa != sb:
            return Comparison("conflicts", 0.0, f"RFC and CURP disagree: {sa} / {sb}")
        return None if _names_agree(a, b) else Comparison("agrees", 1.0, f"RFC and CURP agree on {sa}")
    stem, other = (sa, b) if sa else (sb, a)
    if not stem or not other.persons:
        return None
    if any(rfc_person_letters(p.given, p.paternal, p.maternal) == stem for p in all_readings(other.mention.name)):
        return None if _names_agree(a, b) else Comparison("letters", 1.0, f"identifier {stem} spells the other's name")
    return Comparison("conflicts", 0.0, f"identifier {stem} does not spell {other.name!r}")


def _names_agree(a: Record, b: Record) -> bool:
    """Agreeing names already say what agreeing identifier letters would: counting both would count it twice."""
    return bool(a.persons) and bool(b.persons) and _readings_compared(a, b)[0] in _NAME_AGREEMENT


def known_date(r: Record) -> date | None:
    """The birth (or incorporation) date given, else the one the RFC or CURP spells."""
    if r.birth_date is not None:
        return r.birth_date
    if r.curp is not None and (day := r.curp.date) is not None:
        return day
    return r.rfc.date if r.rfc is not None else None


def close_dates(x: date, y: date) -> bool:
    """Two dates differ in one part only, or by day and month swapped: a likely typo."""
    same = (x.year == y.year) + (x.month == y.month) + (x.day == y.day)
    return same == 2 or (x.year == y.year and x.month == y.day and x.day == y.month)


def birth_date(a: Record, b: Record) -> Comparison | None:
    """The birth (or incorporation) dates, given or spelled by an identifier, agree, allowing for one mistyped part."""
    x, y = known_date(a), known_date(b)
    if x is None or y is None:
        return None
    if x == y:
        return Comparison("exact", 1.0, f"same date {x.isoformat()}")
    if close_dates(x, y):
        return Comparison("close", 0.66, f"dates {x.isoformat()} / {y.isoformat()} differ in one part")
    return Comparison("different", 0.0, f"dates differ: {x.isoformat()} / {y.isoformat()}")


def address(a: Record, b: Record) -> Comparison | None:
    """The addresses agree (postcode, and the words that tell a place apart: not "street" or "colonia")."""
    if a.address is None or b.address is None or not a.address.text or not b.address.text:
        return None
    score = fuzzy.token_set_ratio(a.address.core, b.address.core)
    if score >= 0.97:
        return Comparison("exact", score, "same address")
    if score >= 0.85:
        return Comparison("high", score, f"addresses {round(score * 100)}% alike")
    if score >= 0.6 or (a.address.postcode and a.address.postcode == b.address.postcode):
        return Comparison("medium", score, f"addresses partly alike ({round(score * 100)}%)")
    return Comparison("different", score, "addresses differ")


def site(a: Record, b: Record) -> Comparison | None:
    """Two places of business: both give an address and a phone, and both differ (another branch of one name)."""
    if a.address is None or b.address is None or not a.phone or not b.phone:
        return None
    dialled = contact.phone(a, b)
    if dialled is None or dialled.level != "different":
        return None
    score = fuzzy.token_set_ratio(a.address.text, b.address.text)
    if a.address.number and b.address.number:
        elsewhere = a.address.number != b.address.number  # "747 9TH AVE" is "747 NINTH AVE"; 145 is not 221
    else:
        elsewhere = score < 0.85
    if elsewhere:
        return Comparison("other_site", score, f"another site: {a.address.text!r} / {b.address.text!r}, "
                                               f"{dialled.detail}")
    return None


def country(a: Record, b: Record) -> Comparison | None:
    """Both mentions name the same country."""
    if not a.country or not b.country:
        return None
    if a.country == b.country:
        return Comparison("same", 1.0, f"same country {a.country}")
    return Comparison("different", 0.0, f"countries differ: {a.country} / {b.country}")


_CONTACT: dict[str, Comparator] = {
    "phone": contact.phone, "email": contact.email, "website": contact.website, "identifiers": contact.identifiers,
}
COMPARISONS: dict[str, dict[str, Comparator]] = {
    "person": {
        "name": person_name, "rfc": rfc, "curp": curp,
        "identifier_name": identifier_name, "birth_date": birth_date, "address": address, "country": country,
        **_CONTACT, **ATTRIBUTE_COMPARISONS,
    },
    "company": {
        "company_name": company_name, "legal_form": legal_form, "rfc": rfc, "identifier_name": identifier_name,
        "birth_date": birth_date, "address": address, "site": site, "country": country,
        **_CONTACT, **ATTRIBUTE_COMPARISONS,
    },
}
