"""Learn the default weights from generated labelled pairs: ``python -m devtools.er_training``.

Two generators: ``devtools.er_synthetic`` (real SAT 69-B company names, Faker es_MX people) and this
module's own. The own generator uses its own small vocabulary (not the benchmark's sources: the SAT 69-B
names and Faker), and the noise seen in Mexican records: dropped accents, legal forms
spelled many ways, CompraNet truncation, "PATERNO MATERNO NOMBRE" order, typos, missing
fields, RFCs with a wrong check digit. Hard negatives are generated on purpose: swapped
surnames, namesakes with other identifiers, siblings, companies whose names share a start.

What the resolver reads beyond names and Mexican identifiers gets examples too, still from Mexican
entities (so the stored priors stay those of Mexican records): people with phones written many ways,
e-mails, the country, and a nickname for their given name (the Spanish table); siblings who share the
household's phone and address. Organisations (``organisation_mentions``, named from the own vocabulary)
with phone, e-mail, website, address and another scheme's identifier, named by long and short forms, acronyms,
abbreviated words and words in another order; and as hard negatives, their units (a plant, a branch office),
their other sites, and other firms at the same address and phone.
"""

from __future__ import annotations

import random
import sys
from datetime import date, timedelta
from pathlib import Path

from engine.entity_resolution.blocking import candidate_pairs
from engine.entity_resolution.identifiers import (
    curp_with_check_digit,
    rfc_company_letters,
    rfc_person_letters,
    with_check_digit,
)
from engine.entity_resolution.model import DEFAULT_WEIGHTS, Model
from engine.entity_resolution.persons import _BUILTIN_GIVEN, _BUILTIN_SURNAMES
from engine.entity_resolution.records import Mention, Record, prepare

__all__ = ["generate_training_mentions", "labelled_pairs", "organisation_mentions", "realistic_training_mentions",
           "train_default"]

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


def _phone(rng: random.Random) -> str:
    """A ten-digit Mexican number in one of the three largest cities."""
    return rng.choice(("55", "33", "81")) + "".join(rng.choice("0123456789") for _ in range(8))


def _written_phone(rng: random.Random, digits: str) -> str:
    """A ten-digit Mexican number as people write it; now and then one digit mistyped."""
    if rng.random() < 0.03:
        i = rng.randrange(2, 10)
        digits = digits[:i] + str((int(digits[i]) + 1) % 10) + digits[i + 1 :]
    area, rest = digits[:2], digits[2:]
    return rng.choice((digits, f"{area} {rest[:4]} {rest[4:]}", f"({area}) {rest[:4]}-{rest[4:]}",
                       f"+52 {area} {rest[:4]} {rest[4:]}", f"{rest[:4]}-{rest[4:]}", f"52{digits}"))


_MAILBOXES = ("gmail.com", "hotmail.com", "outlook.com", "yahoo.com.mx", "prodigy.net.mx")
_COUNTRY = ("MX", "México", "MEXICO", "Mexico")


def _nicknames() -> dict[str, list[str]]:
    """Spanish given names and their nicknames, from the resolver's own table."""
    import csv

    from engine.entity_resolution.given_names import SPANISH_PATH

    out: dict[str, list[str]] = {}
    with SPANISH_PATH.open(encoding="utf-8") as f:
        rows = csv.reader(line for line in f if not line.startswith("#"))
        next(rows, None)
        for row in rows:
            if len(row) == 2:
                out.setdefault(row[0], []).append(row[1])
    return out


_NICKNAMES = _nicknames()


def _person(rng: random.Random, given: str, pat: str, mat: str, day: date) -> dict:
    letters = rfc_person_letters(given, pat, mat)
    curp = curp_with_check_digit(letters + day.strftime("%y%m%d") + rng.choice("HM") + rng.choice(_STATES)
                                 + pat[1:2] + mat[1:2] + given[1:2] + rng.choice("0A"))
    user = f"{given.split()[0]}.{pat}{rng.randint(1, 99) if rng.random() < 0.5 else ''}".lower()
    return {"given": given, "pat": pat, "mat": mat, "day": day, "rfc": _rfc(rng, letters, day), "curp": curp,
            "address": f"CALLE {rng.choice(_WORDS)} {rng.randint(1, 999)} COL {rng.choice(_WORDS)} "
                       f"{rng.randint(10000, 99999)}",
            "phone": _phone(rng), "email": f"{user}@{rng.choice(_MAILBOXES)}"}


def _person_mention(rng: random.Random, p: dict, mid: str) -> Mention:
    given = p["given"] if rng.random() > 0.15 else _typo(rng, p["given"])
    first, *rest = given.split()
    if first in _NICKNAMES and rng.random() < 0.15:  # "PEPE" for "JOSE"
        given = " ".join([rng.choice(_NICKNAMES[first]), *rest])
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
    email = p["email"] if rng.random() > 0.1 else f"{p['pat'].lower()}{rng.randint(1, 999)}@{rng.choice(_MAILBOXES)}"
    return Mention(mid, "person", " ".join(name.split()),
                   rfc=p["rfc"] if rng.random() < 0.4 else None, curp=p["curp"] if rng.random() < 0.3 else None,
                   birth_date=day.isoformat() if rng.random() < 0.5 else None,
                   address=address if rng.random() < 0.4 else None,
                   phone=_written_phone(rng, p["phone"]) if rng.random() < 0.25 else None,
                   email=email if rng.random() < 0.15 else None,
                   country=rng.choice(_COUNTRY) if rng.random() < 0.15 else None)


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
        if i % 10 == 0:  # a sibling, often at the same home with the same phone
            sibling = _person(rng, rng.choice(given), pat, mat, day + timedelta(days=rng.randrange(300, 3000)))
            if rng.random() < 0.6:
                sibling.update(address=twins[0]["address"], phone=twins[0]["phone"])
            twins.append(sibling)
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


_UNITS = ("PLANTA", "SUCURSAL", "DIVISION", "LABORATORIO", "OFICINA", "FUNDACION")
_PLACES = ("NORTE", "SUR", "GUADALAJARA", "MONTERREY", "PUEBLA", "QUERETARO", "TOLUCA", "LEON", "MERIDA")
_LONG_FORMS = ("GRUPO {}", "{} DE MEXICO", "{} MEXICO", "CORPORATIVO {}", "{} INTERNACIONAL")
_ABBREVIATED = {"INTERNACIONAL": "INTL", "SERVICIOS": "SERV", "CONSTRUCCIONES": "CONST", "NACIONAL": "NAL",
                "COMERCIALIZADORA": "COMERC", "DISTRIBUIDORA": "DIST", "INDUSTRIAL": "IND", "MEXICANA": "MEX",
                "ASOCIADOS": "ASOC", "INGENIERIA": "ING", "DESARROLLO": "DES", "TECNOLOGIA": "TEC"}


def _premises(rng: random.Random) -> str:
    return (f"{rng.choice(('CALLE', 'AVENIDA', 'BOULEVARD', 'Av.', 'Calz.'))} {rng.choice(_WORDS).title()} "
            f"{rng.randint(1, 2999)}, Col. {rng.choice(_WORDS).title()}, C.P. {rng.randint(10000, 99999)}")


def _organisation(rng: random.Random, name: str, form: str, rfc: str | None) -> dict:
    from engine.entity_resolution.companies import STOPWORDS

    domain = "".join(w for w in name.split() if w not in STOPWORDS)[:16].lower() or "empresa"
    return {"name": name, "form": form, "rfc": rfc, "phone": _phone(rng), "address": _premises(rng),
            "domain": domain + rng.choice((".com.mx", ".mx", ".com")),
            "duns": "".join(rng.choice("0123456789") for _ in range(9)) if rng.random() < 0.3 else None}


def _organisation_name(rng: random.Random, org: dict) -> str:
    """One way of writing an organisation's name: typos, abbreviated words, a long or short form, its acronym,
    words in another order, its legal form spelt any way or left out."""
    from devtools.er_synthetic import _SPELLINGS, _noise

    words = org["name"].split()
    if rng.random() < 0.12:
        words = [w if rng.random() > 0.3 else _ABBREVIATED.get(w, w) for w in words]
    if rng.random() < 0.03 and len(words) >= 2:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    name = " ".join(words)
    if rng.random() < 0.1:
        name = rng.choice(_LONG_FORMS).format(name)
    elif rng.random() < 0.05 and len([w for w in words if len(w) > 3]) >= 3:
        name = "".join(w[0] for w in words if len(w) > 3)
    if rng.random() < 0.12:
        name = _noise(rng, name)
    spellings = _SPELLINGS.get(org["form"], [])
    if spellings and rng.random() < 0.7:
        name = f"{name}, {rng.choice(spellings)}" if rng.random() < 0.4 else f"{name} {rng.choice(spellings)}"
    return name.title() if rng.random() < 0.4 else name


def _organisation_mention(rng: random.Random, org: dict, mid: str) -> Mention:
    local = rng.choice(("contacto", "ventas", "info", "compras", "facturacion"))
    address = org["address"] if rng.random() > 0.2 else _typo(rng, org["address"].upper())
    return Mention(mid, "company", _organisation_name(rng, org),
                   rfc=org["rfc"] if org["rfc"] and rng.random() < 0.3 else None,
                   address=address if rng.random() < 0.5 else None,
                   phone=_written_phone(rng, org["phone"]) if rng.random() < 0.5 else None,
                   email=f"{local}@{org['domain']}" if rng.random() < 0.3 else None,
                   website=rng.choice(("www.{}", "https://www.{}/", "http://{}")).format(org["domain"])
                   if rng.random() < 0.3 else None,
                   identifiers={"duns": org["duns"]} if org["duns"] and rng.random() < 0.5 else {},
                   country=rng.choice(_COUNTRY) if rng.random() < 0.1 else None)


def organisation_mentions(seed: int = 7, entities: int = 1500) -> list[tuple[Mention, str]]:
    """Organisations named from this module's vocabulary, with their contact points, written in many ways; as hard
    negatives, a unit of one (a plant, a branch office), another site of one (same name, other address and phone)
    and another firm at one's address and phone."""
    rng = random.Random(seed + 1)
    surnames = sorted(_BUILTIN_SURNAMES)
    forms = ("SA_DE_CV", "SA_DE_CV", "S_DE_RL_DE_CV", "SC", "AC", "SAPI_DE_CV", "")

    def named() -> tuple[str, str]:
        words = rng.sample(_WORDS, rng.choice((1, 2, 2, 3)))
        name = " ".join([*words[:1], *rng.sample(surnames, rng.choice((0, 1, 1, 2))), *words[1:]])
        return name, rng.choice(forms)

    out: list[tuple[Mention, str]] = []
    for k in range(entities):
        name, form = named()
        day = date(1980, 1, 1) + timedelta(days=rng.randrange(15000))
        org = _organisation(rng, name, form, _rfc(rng, rfc_company_letters(name), day))
        group = [org]
        if k % 8 == 0:
            unit = f"{name} {rng.choice(_UNITS)} {rng.choice(_PLACES)}"
            group.append(_organisation(rng, unit, "", None) | {"domain": org["domain"]})
        if k % 10 == 1:
            group.append(_organisation(rng, name, form, None) | {"domain": org["domain"]})
        if k % 12 == 2:
            other, other_form = named()
            group.append(_organisation(rng, other, other_form, None) | {"address": org["address"],
                                                                         "phone": org["phone"]})
        for i, member in enumerate(group):
            for j in range(rng.choice((1, 2, 2, 3, 4))):
                out.append((_organisation_mention(rng, member, f"o{k}.{i}.{j}"), f"o{k}.{i}"))
    return out


def labelled_pairs(mentions: list[tuple[Mention, str]], max_block: int = 200) -> list[tuple[Record, Record, bool]]:
    """Every pair of mentions blocking makes candidates (keys of at most ``max_block`` mentions), with the truth."""
    records = [(prepare(m), truth) for m, truth in mentions]
    pairs = candidate_pairs([r for r, _ in records], max_block)
    return [(records[i][0], records[j][0], records[i][1] == records[j][1]) for i, j in sorted(pairs)]


def realistic_training_mentions(data_dir: Path, seed: int = 7, entities: int = 3000) -> list[tuple[Mention, str]]:
    """Mentions made like the benchmark's (``synthetic``), from the SAT list's training split and another seed."""
    from devtools.er_synthetic import faker_people, sat_companies

    made = sat_companies(data_dir, entities, seed, split="train") + faker_people(entities, seed)
    return [(Mention.from_dict(m), truth) for m, truth in made]


def train_default(seed: int = 7, path: Path = DEFAULT_WEIGHTS, data_dir: Path = Path("../shared/data")) -> Model:
    """Regenerate the shipped weights file from a seed.

    Companies learn from real SAT 69-B names (the training split; the benchmark scores the
    other one) and from organisations with contact points named from this module's vocabulary; people
    from Faker es_MX names and from this module's own vocabulary, so that the person weights
    are not tied to one name list.
    """
    own = [(m, truth) for m, truth in generate_training_mentions(seed) if m.kind == "person"]
    pairs = labelled_pairs(own + realistic_training_mentions(data_dir, seed) + organisation_mentions(seed))
    model = Model.train(pairs)
    model.meta = {"trained_by": "devtools.er_training.train_default", "seed": seed,
                  "sources": "own vocabulary (people; organisations with contact points, long and short forms, "
                             "units and sites), SAT 69-B training split (companies), Faker es_MX (people)",
                  "pairs": len(pairs), "matching_pairs": sum(1 for *_, same in pairs if same)}
    model.save(path)
    return model


if __name__ == "__main__":
    trained = train_default(int(sys.argv[1]) if len(sys.argv) > 1 else 7,
                            data_dir=Path(sys.argv[2]) if len(sys.argv) > 2 else Path("../shared/data"))
    print(f"wrote {DEFAULT_WEIGHTS}: {trained.meta}")
