"""Weights estimated on the data at hand (EM over blocked pairs): sensible m and u on a small labelled sample,
and ``--no-estimate`` gives the stored behaviour."""

from __future__ import annotations

import json
import random
import subprocess
import sys

from engine.entity_resolution.batch import resolve_jsonl
from engine.entity_resolution.estimate import candidate_pairs, estimate_model
from engine.entity_resolution.model import Model
from engine.entity_resolution.records import Mention, prepare

GIVEN = ["JOHN", "MARY", "PETER", "ANNE", "GEORGE", "LUCY", "HENRY", "EMMA", "ARTHUR", "JANE", "WALTER", "ALICE"]
SURNAMES = ["ASHDOWN", "BRAMLEY", "CRESWELL", "DUNMORE", "ELLERBY", "FAIRLIE", "GOSLING", "HARTOPP", "IRELAND",
            "JESSOP", "KENDRICK", "LANGRIDGE", "MOBERLY", "NETTLESHIP", "OSBALDESTON", "PICKERSGILL"]
PLACES = ["LEEDS", "BATH", "YORK", "DERBY", "LINCOLN", "ELY", "RIPON", "WELLS"]


def _people(n: int = 150, seed: int = 3) -> tuple[list[Mention], dict[str, int]]:
    """People copied 3-5 times each with typos, dropped fields and moves; who is who is known."""
    rng = random.Random(seed)
    mentions, truth = [], {}
    for k in range(n):
        given, surname = rng.choice(GIVEN), rng.choice(SURNAMES)
        day = f"18{rng.randrange(10, 99)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
        place = rng.choice(PLACES)
        for j in range(rng.randrange(3, 6)):
            name = f"{given} {surname}"
            if rng.random() < 0.2:
                i = rng.randrange(1, len(name) - 1)
                name = name[:i] + name[i + 1:]
            row = {"id": f"{k}.{j}", "kind": "person", "name": name.lower()}
            if rng.random() < 0.7:
                row["birth_date"] = day
            if rng.random() < 0.7:
                row["birth_place"] = place if rng.random() < 0.85 else rng.choice(PLACES)
            mentions.append(Mention.from_dict(row))
            truth[row["id"]] = k
    return mentions, truth


def _labelled_shares(mentions: list[Mention], truth: dict[str, int], comparison: str, level: str):
    from engine.entity_resolution.model import compare_records

    records = [prepare(m) for m in mentions]
    seen = {True: [0, 0], False: [0, 0]}
    for i, j in candidate_pairs(records):
        same = truth[records[i].id] == truth[records[j].id]
        compared = compare_records(records[i], records[j]).get(comparison)
        if compared is not None:
            seen[same][0] += compared.level == level
            seen[same][1] += 1
    return seen[True][0] / seen[True][1], seen[False][0] / seen[False][1]


def test_em_recovers_sensible_m_and_u_without_labels():
    mentions, truth = _people()
    model = estimate_model(mentions)
    place = model.levels["person"]["attr_birth_place"]["same"]
    true_m, true_u = _labelled_shares(mentions, truth, "attr_birth_place", "same")
    # the estimate, made without labels, is near what the labels say
    assert abs(place["m"] - true_m) < 0.15 and abs(place["u"] - true_u) < 0.15, (place, true_m, true_u)
    assert place["weight"] > 2  # the same place of birth is evidence for a match
    assert model.levels["person"]["birth_date"]["exact"]["weight"] > model.levels["person"]["birth_date"][
        "different"]["weight"]
    assert model.meta["estimated"]["person"]["pairs"] > 200
    assert model.thresholds == Model.load().thresholds  # the stored thresholds are kept


def test_estimation_keeps_stored_weights_for_what_the_batch_does_not_show():
    mentions, _ = _people(60)
    stored = Model.load()
    model = estimate_model(mentions, stored)
    assert model.levels["person"]["curp"] == stored.levels["person"]["curp"]  # no CURP in these mentions
    assert stored.meta.get("estimated") is None  # the stored model is not changed


def test_no_estimate_gives_the_stored_behaviour(tmp_path):
    mentions, _ = _people(80)
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(m.to_dict()) + "\n" for m in mentions))
    stored, estimated, saved = tmp_path / "stored.jsonl", tmp_path / "estimated.jsonl", tmp_path / "w.json"
    plain = resolve_jsonl(src, stored, estimate=False)
    assert plain.model.to_dict() == Model.load().to_dict()
    fitted = resolve_jsonl(src, estimated, save_weights=saved)
    assert fitted.model.meta["estimated"]["person"]["pairs"] > 200
    assert Model.load(saved).to_dict() == fitted.model.to_dict()  # an estimate can be saved and reloaded
    cli = [sys.executable, "-m", "engine.cli", "er", "resolve", str(src), "--out", str(tmp_path / "cli.jsonl")]
    done = subprocess.run([*cli, "--no-estimate"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "cli.jsonl").read_text() == stored.read_text()
