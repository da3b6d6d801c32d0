"""`vinculo er resolve`: the batch interface evaluation depends on (no servers needed)."""

from __future__ import annotations

import json
import subprocess
import sys


def test_er_resolve_batch(tmp_path):
    mentions = [
        {"id": "1", "kind": "company", "name": "GRUAS FLETES Y MANIOBRAS SA DE CV", "rfc": "GFM010122DZ9"},
        {"id": "2", "kind": "company", "name": "Grúas, Fletes y Maniobras, S.A. de C.V."},
        {"id": "3", "kind": "company", "name": "GRUAS FLETES Y MANIOBR"},
        {"id": "4", "kind": "person", "name": "José Luis Pérez García", "curp": "PEGL800101HDFRRS05"},
        {"id": "5", "kind": "person", "name": "José Luis García Pérez", "curp": "GAPL800101HDFRRS01"},
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(m) for m in mentions) + "\n")
    out = tmp_path / "out.jsonl"
    done = subprocess.run([sys.executable, "-m", "engine.cli", "er", "resolve", str(src), "--out", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    got = {r["id"]: r["entity_id"] for r in map(json.loads, out.read_text().splitlines())}
    assert list(got) == ["1", "2", "3", "4", "5"]
    assert got["1"] == got["2"] == got["3"] == "mx-rfc:GFM010122DZ9"
    assert got["4"] != got["5"]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "kind": "ship", "name": "Titanic"}\n')
    refused = subprocess.run([sys.executable, "-m", "engine.cli", "er", "resolve", str(bad), "--out", str(out)],
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and "kind must be one of" in refused.stderr
