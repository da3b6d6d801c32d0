"""Learn the default weights from generated labelled pairs: ``python -m engine.entity_resolution.training``.

Two generators: ``synthetic`` (real SAT 69-B company names, Faker es_MX people) and this
module's own. The own generator uses its own small vocabulary (not the benchmark's sources: the SAT 69-B
names and Faker), and the noise seen in Mexican records: dropped accents, legal forms
spelled many ways, CompraNet truncation, "PATERNO MATERNO NOMBRE" order, typos, missing
fields, RFCs with a wrong check digit. Hard negatives are generated on purpose: swapped
surnames, namesakes with other identifiers, siblings, companies whose names share a start.
"""

from __future__ import annotations

import random
import sys
from collections import defaultdict
from datetime import date, timedelta
from itertools import combinations
from pathlib import Path

from engine.entity_resolution.identifiers import (
    curp_with_check_digit,
    rfc_company_letters,
    rfc_person_letters,
    with_check_digit,
)
from engine.entity_resolution.model import DEFAULT_WEIGHTS, Model
from engine.entity_resolution.persons import _BUILTIN_GIVEN, _BUILTIN_SURNAMES
from engine.entity_resolution.records import Mention, Record, prepare

__all__ = ["generate_training_mentions", "labelled_pairs", "realistic_training_mentions", "train_default"]

_WORDS = ("CONSTRUCTORA COMERCIALIZADORA SERVICIOS GRUPO INDUSTRIAL DESARROLLOS TRANSPORTES CONSULTORES "
          "ASESORES INMOBILIARIA DISTRIBUIDORA PROYECTOS SOLUCIONES INTEGRALES TECNOLOGIA ALIMENTOS NORTE SUR "
          "PACIFICO GOLFO BAJIO AZTECA MAYA GLOBAL NACIONAL MEXICANA EMPRESARIAL LOGISTICA MAQUINARIA AGRICOLA "
          "MEDICA FARMACEUTICA LIMPIEZA SEGURIDAD PUBLICIDAD EDIFICACIONES PAVIMENTOS ACEROS PLASTICOS TEXTILES "
          "MINERA ENERGIA AGUA VERDE AZUL DORADO REAL SANTA ROSA PUERTO MONTE LAGO SIERRA VALLE").split()
_FORMS = ("SA DE CV", "S.A. de C.V.", "S.A. DE C.V.", "Sociedad Anónima de Capital Variable", "S. de R.L. de C.V.",
          "S DE RL DE CV", "S.C.", "SC", "A.C.", "S.A.P.I. de C.V.", "SAPI DE CV", "S.A.", "SPR de RL", "")
_FORM_GROUPS = ((0, 1, 2, 3), (4, 5), (6, 7), (8,), (9, 10), (11,), (12,), (13,))
_ACCENTED = {"A": "Á", "E": "É", "I": "Í", "O": "Ó", "U": "Ú"}
_STATES = "AS BC CH DF GT JC MC MN NL OC PL QT SL SR TS VZ YN ZS".split()


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    op = rng.randrange(4)
    letter = rng.choice("ABCDEFGHIJLMNOPRSTUV")
    if op == 0:
        return text[:i] + text[i + 1 :]
    if op == 1:
        return text[:i] + letter + text[i + 1 :]
    if op == 2:
        return text[:i] + letter + text[i:]
    return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]


def _accent(rng: random.Random, text: str) -> str:
    return "".join(_ACCENTED.get(ch, ch) if rng.random() < 0.08 else ch for ch in text)


def _homoclave(rng: random.Random) -> str:
    # the SAT's homoclave: first character 1-9 or A-V, second 1-9 or A-Z (stdnum checks this)
    return rng.choice("123456789ABCDEFGHJKLMNPRSTUV") + rng.choice("123456789ABCDEFGHJKLMNPRSTUVWXYZ")


def _rfc(rng: random.Random, letters: str, day: date) -> str:
    value = with_check_digit(letters + day.strftime("%y%m%d") + _homoclave(rng))
    return value if rng.random() > 0.03 else value[:-1] + ("0" if value[-1] != "0" else "1")


def _person(rng: random.Random, given: str, pat: str, mat: str, day: date) -> dict:
    letters = rfc_person_letters(given, pat, mat)
    curp = curp_with_check_digit(letters + day.strftime("%y%m%d") + rng.choice("HM") + rng.choice(_STATES)
                                 + pat[1:2] + mat[1:2] + given[1:2] + rng.choice("0A"))
    return {"given": given, "pat": pat, "mat": mat, "day": day, "rfc": _rfc(rng, letters, day), "curp": curp,
            "address": f"CALLE {rng.choice(_WORDS)} {rng.randint(1, 999)} COL {rng.choice(_WORDS)} "
                       f"{rng.randint(10000, 99999)}"}


def _person_mention(rng: random.Random, p: dict, mid: str) -> Mention:
    given = p["given"] if rng.random() > 0.15 else _typo(rng, p["given"])
    pat = p["pat"] if rng.random() > 0.15 else _typo(rng, p["pat"])
    mat = p["mat"] if rng.random() > 0.15 else _typo(rng, p["mat"])
    if rng.random() < 0.1:
        mat = ""
    style = rng.randrange(3)
    name = (f"{given} {pat} {mat}" if style == 0 else f"{pat} {mat} {given}" if style == 1 else f"{pat} {mat}, {given}")
    if rng.random() < 0.02:  # a register that kept one word of the name
        name = rng.choice((given, pat))
    name = _accent(rng, name).title() if rng.random() < 0.5 else name
    day = p["day"] if rng.random() > 0.08 else p["day"].replace(day=min(28, p["day"].day % 28 + 1))
    address = p["address"] if rng.random() > 0.3 else _typo(rng, p["address"])
    if rng.random() < 0.1:
        address = f"AVENIDA {rng.choice(_WORDS)} {rng.randint(1, 999)} {rng.randint(10000, 99999)}"  # moved
    return Mention(mid, "person", " ".join(name.split()),
                   rfc=p["rfc"] if rng.random() < 0.4 else None, curp=p["curp"] if rng.random() < 0.3 else None,
                   birth_date=day.isoformat() if rng.random() < 0.5 else None,
                   address=address if rng.random() < 0.4 else None)


def _company_mention(rng: random.Random, c: dict, mid: str) -> Mention:
    name = c["name"] if rng.random() > 0.2 else _typo(rng, c["name"])
    form = _FORMS[rng.choice(_FORM_GROUPS[c["form"]])]
    full = f"{name}, {form}" if form and rng.random() < 0.5 else f"{name} {form}"
    if rng.random() < 0.5:
        full = _accent(rng, full).title()
    if rng.random() < 0.25 and len(name) > 14:
        full = full[: rng.randint(12, len(name) + 4)]  # CompraNet cuts long names
    return Mention(mid, "company", full.strip(), rfc=c["rfc"] if rng.random() < 0.4 else None,
                   birth_date=c["day"].isoformat() if rng.random() < 0.1 else None)


def generate_training_mentions(seed: int = 7, entities: int = 1500) -> list[tuple[Mention, str]]:
    """Mentions with their true entity, persons and companies, hard negatives included."""
    rng = random.Random(seed)
    given, surnames = sorted(_BUILTIN_GIVEN - {"J", "MA"}), sorted(_BUILTIN_SURNAMES)
    out: list[tuple[Mention, str]] = []
    for i in range(entities):
        day = date(1950, 1, 1) + timedelta(days=rng.randrange(20000))
        g = " ".join(rng.sample(given, rng.choice((1, 1, 2))))
        pat, mat = rng.sample(surnames, 2)
        twins = [_person(rng, g, pat, mat, day)]
        if i % 8 == 0:
            shift = timedelta(days=rng.choice((0, rng.randrange(-900, 900))))
            twins.append(_person(rng, g, mat, pat, day + shift))  # swapped surnames
        if i % 12 == 0:
            twins.append(_person(rng, g, pat, mat, day + timedelta(days=rng.randrange(1, 9000))))  # namesake
        if i % 10 == 0:
            twins.append(_person(rng, rng.choice(given), pat, mat, day + timedelta(days=rng.randrange(300, 3000))))
        for k, p in enumerate(twins):
            for j in range(rng.choice((1, 2, 2, 3, 4))):
                out.append((_person_mention(rng, p, f"p{i}.{k}.{j}"), f"p{i}.{k}"))
        words = rng.sample(_WORDS, rng.choice((1, 1, 2, 2, 3)))
        name = " ".join([*words[:1], *rng.sample(surnames, rng.choice((1, 1, 2))), *words[1:]])
        form = rng.randrange(len(_FORM_GROUPS))
        cday = date(1980, 1, 1) + timedelta(days=rng.randrange(15000))
        firms = [{"name": name, "form": form, "day": cday,
                  "rfc": _rfc(rng, rfc_company_letters(name), cday)}]
        if i % 12 == 0:
            longer = f"{name} {rng.choice(_WORDS)}"
            firms.append({"name": longer, "form": form, "day": cday + timedelta(days=400),
                          "rfc": _rfc(rng, rfc_company_letters(longer), cday + timedelta(days=400))})
        if i % 25 == 0:
            firms.append({"name": name, "form": (form + 1) % len(_FORM_GROUPS), "day": cday + timedelta(days=99),
                          "rfc": _rfc(rng, rfc_company_letters(name), cday + timedelta(days=99))})
        for k, c in enumerate(firms):
            for j in range(rng.choice((1, 2, 2, 3))):
                out.append((_company_mention(rng, c, f"c{i}.{k}.{j}"), f"c{i}.{k}"))
    return out


def labelled_pairs(mentions: list[tuple[Mention, str]], max_block: int = 200) -> list[tuple[Record, Record, bool]]:
    """Every pair of mentions that share a blocking key, labelled with the truth."""
    records = [(prepare(m), truth) for m, truth in mentions]
    blocks: dict[str, list[int]] = defaultdict(list)
    for i, (r, _) in enumerate(records):
        for key in r.keys:
            blocks[key].append(i)
    pairs: set[tuple[int, int]] = set()
    for members in blocks.values():
        if len(members) <= max_block:
            pairs.update(combinations(members, 2))
    return [(records[i][0], records[j][0], records[i][1] == records[j][1]) for i, j in sorted(pairs)]


def realistic_training_mentions(data_dir: Path, seed: int = 7, entities: int = 3000) -> list[tuple[Mention, str]]:
    """Mentions made like the benchmark's (``synthetic``), from the SAT list's training split and another seed."""
    from engine.entity_resolution.synthetic import faker_people, sat_companies

    made = sat_companies(data_dir, entities, seed, split="train") + faker_people(entities, seed)
    return [(Mention.from_dict(m), truth) for m, truth in made]


def train_default(seed: int = 7, path: Path = DEFAULT_WEIGHTS, data_dir: Path = Path("../shared/data")) -> Model:
    """Regenerate the shipped weights file from a seed.

    Companies learn from real SAT 69-B names (the training split; the benchmark scores the
    other one); people from Faker es_MX names and from this module's own vocabulary, so that
    the person weights are not tied to one name list.
    """
    own = [(m, truth) for m, truth in generate_training_mentions(seed) if m.kind == "person"]
    pairs = labelled_pairs(own + realistic_training_mentions(data_dir, seed))
    model = Model.train(pairs)
    model.meta = {"trained_by": "engine.entity_resolution.training.train_default", "seed": seed,
                  "sources": "own vocabulary (people), SAT 69-B training split (companies), Faker es_MX (people)",
                  "pairs": len(pairs), "matching_pairs": sum(1 for *_, same in pairs if same)}
    model.save(path)
    return model


if __name__ == "__main__":
    trained = train_default(int(sys.argv[1]) if len(sys.argv) > 1 else 7,
                            data_dir=Path(sys.argv[2]) if len(sys.argv) > 2 else Path("../shared/data"))
    print(f"wrote {DEFAULT_WEIGHTS}: {trained.meta}")
