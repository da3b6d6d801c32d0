"""Realistic labelled mentions: real SAT 69-B company names and Faker es_MX people, with Mexican noise.

The benchmark (``bench/er.py``) and the training of the shipped weights (``devtools.er_training``)
draw from these generators with different seeds and, for companies, disjoint halves of
the SAT list (``split``), so the weights never see a firm the benchmark scores. Noise:
typos, legal forms spelled many ways, title case, dropped punctuation, CompraNet's
truncation, "PATERNO MATERNO NOMBRE" order, missing maternal surnames and fields, RFCs
with a wrong check digit; hard negatives: swapped surnames and namesakes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

__all__ = ["sat_companies", "faker_people", "sat_firms"]

_SPELLINGS = {
    "SA_DE_CV": ["SA DE CV", "S.A. DE C.V.", "S.A. de C.V.", "Sociedad Anónima de Capital Variable", "S A DE C V"],
    "S_DE_RL_DE_CV": ["S DE RL DE CV", "S. de R.L. de C.V.", "S. DE R.L. DE C.V."],
    "SAPI_DE_CV": ["SAPI DE CV", "S.A.P.I. de C.V."], "SC": ["SC", "S.C.", "Sociedad Civil"],
    "AC": ["AC", "A.C.", "Asociación Civil"], "SA": ["SA", "S.A."], "SPR_DE_RL": ["SPR DE RL", "S.P.R. de R.L."],
}


def _noise(rng: random.Random, s: str) -> str:
    i = rng.randrange(1, max(2, len(s) - 1))
    return [s[:i] + s[i + 1 :], s[:i] + rng.choice("AEIOURSNLT") + s[i + 1 :], s[: i - 1] + s[i:i + 1] + s[i - 1:i]
            + s[i + 1 :]][rng.randrange(3)]


def _split_of(rfc: str) -> str:
    """A third of the firms train the weights, the rest are for evaluation, fixed by the RFC's hash."""
    return "train" if int(hashlib.sha1(rfc.encode()).hexdigest(), 16) % 3 == 0 else "eval"


def sat_firms(data_dir: Path, split: str | None = None) -> list[tuple[str, str]]:
    """(RFC, name) of the companies in the SAT 69-B list, optionally one split of them."""
    from engine.entity_resolution.identifiers import parse_rfc

    text = (data_dir / "sat69b" / "Listado_Completo_69-B.csv").read_bytes().decode("cp1252")
    rows = [r for r in list(csv.reader(io.StringIO(text)))[3:] if len(r) > 2 and len(r[1].strip()) == 12]
    seen, firms = set(), []
    for r in rows:
        if r[1] not in seen and parse_rfc(r[1]) and (split is None or _split_of(r[1].strip()) == split):
            seen.add(r[1])
            firms.append((r[1].strip(), " ".join(r[2].split())))
    return firms


def sat_companies(data_dir: Path, n: int = 2500, seed: int = 0, split: str | None = "eval"
                  ) -> list[tuple[dict[str, Any], str]]:
    """Mentions of ``n`` SAT 69-B companies (1-4 variants each) with their true entity."""
    from engine.entity_resolution.companies import parse_company_name
    from engine.entity_resolution.identifiers import with_check_digit

    rng = random.Random(seed)
    firms = sat_firms(data_dir, split)
    out = []
    for k, (rfc, name) in enumerate(rng.sample(firms, min(n, len(firms)))):
        parsed = parse_company_name(name)
        valid = with_check_digit(rfc[:11])
        for j in range(rng.choice((1, 2, 2, 3, 4))):
            base = parsed.name
            if rng.random() < 0.15:
                base = _noise(rng, base)
            form = rng.choice(_SPELLINGS.get(parsed.legal_form, [""])) if parsed.legal_form else ""
            v = f"{base}, {form}" if form and rng.random() < 0.4 else f"{base} {form}"
            if rng.random() < 0.4:
                v = v.title()
            if rng.random() < 0.2:
                v = v.replace(".", "").replace(",", "")
            if rng.random() < 0.2 and len(v) > 25:
                v = v[: rng.randint(20, min(40, len(v) - 1))]  # CompraNet's truncation
            m = {"id": f"c{k}-{j}", "kind": "company", "name": v.strip()}
            if rng.random() < 0.4:
                m["rfc"] = valid if rng.random() > 0.02 else valid[:-1] + ("1" if valid[-1] != "1" else "2")
            out.append((m, f"c{k}"))
    return out


def faker_people(n: int = 2500, seed: int = 0) -> list[tuple[dict[str, Any], str]]:
    """Mentions of ``n`` Faker es_MX people with RFC and CURP, plus swapped-surname and namesake twins."""
    from faker import Faker

    from engine.entity_resolution.identifiers import curp_with_check_digit, rfc_person_letters, with_check_digit
    from engine.entity_resolution.text import fold

    fake = Faker("es_MX")
    fake.seed_instance(seed)
    rng = random.Random(seed)

    def person(given: str, pat: str, mat: str, day: date) -> dict[str, Any]:
        g, p, m = fold(given), fold(pat), fold(mat)
        letters = rfc_person_letters(g, p, m) or "XXXX"
        stem = letters + day.strftime("%y%m%d")
        return {"given": given, "pat": pat, "mat": mat, "day": day,
                "rfc": with_check_digit(stem + rng.choice("123456789ABCDEFGHJKLMNPRSTUV")
                                          + rng.choice("123456789ABCDEFGHJKLMNPRSTUVWXYZ")),
                "curp": curp_with_check_digit(stem + rng.choice("HM") + rng.choice(["DF", "JC", "NL", "MC", "PL"])
                                              + fake.bothify("???", letters="BCDFGHJKLMNPRSTVZ") + "0"),
                "address": fake.address().replace("\n", ", ")}

    def mention(p: dict[str, Any], mid: str) -> dict[str, Any]:
        given, pat, mat = p["given"], p["pat"], p["mat"]
        if rng.random() < 0.12:
            pat = _noise(rng, pat)
        if rng.random() < 0.08:
            given = _noise(rng, given)
        if rng.random() < 0.08:
            mat = ""
        style = rng.randrange(3)
        name = [f"{given} {pat} {mat}", f"{pat} {mat} {given}".upper(), f"{pat} {mat}, {given}"][style]
        if rng.random() < 0.3:
            name = fold(name)
        m: dict[str, Any] = {"id": mid, "kind": "person", "name": " ".join(name.replace(" ,", ",").split())}
        if rng.random() < 0.35:
            m["rfc"] = p["rfc"]
        if rng.random() < 0.35:
            m["curp"] = p["curp"]
        if rng.random() < 0.5:
            m["birth_date"] = p["day"].isoformat()
        if rng.random() < 0.3:
            m["address"] = p["address"]
        return m

    out = []
    for k in range(n):
        given = fake.first_name() if rng.random() < 0.7 else f"{fake.first_name()} {fake.first_name()}"
        pat, mat = fake.last_name(), fake.last_name()
        while mat == pat:
            mat = fake.last_name()
        day = date(1940, 1, 1) + timedelta(days=rng.randrange(25000))
        people = [person(given, pat, mat, day)]
        if k % 10 == 0:  # hard negative: the surnames swapped
            people.append(person(given, mat, pat, day if rng.random() < 0.5 else day + timedelta(days=400)))
        if k % 10 == 5:  # hard negative: a namesake, another CURP
            people.append(person(given, pat, mat, day + timedelta(days=rng.randrange(1, 9000))))
        for i, p in enumerate(people):
            for j in range(rng.choice((1, 2, 2, 3, 4))):
                out.append((mention(p, f"p{k}.{i}-{j}"), f"p{k}.{i}"))
    return out
