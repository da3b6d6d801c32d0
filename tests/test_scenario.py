"""The scenario generator: deterministic per seed, planted conflicts all in the truth file,
files valid against the official PDN OpenAPI response schemas."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from devtools.scenario import CONFLICT_KINDS, company_variant, generate_scenario, load_market, split_legal_form, summary
from engine.entity_resolution.identifiers import parse_curp, parse_rfc
from tests.conftest import shared

jsonschema = pytest.importorskip("jsonschema")
yaml = pytest.importorskip("yaml")


@pytest.fixture(scope="module")
def ocds_dir() -> Path:
    return shared("ocds")


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory, ocds_dir: Path) -> tuple[Path, Any]:
    out = tmp_path_factory.mktemp("scenario")
    return out, generate_scenario(7, out, ocds_dir)


def _openapi_to_jsonschema(node: Any) -> Any:
    """OpenAPI 3.0 schema objects → JSON Schema (draft 4): ``nullable`` becomes a null type."""
    if isinstance(node, list):
        return [_openapi_to_jsonschema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _openapi_to_jsonschema(v) for k, v in node.items() if k not in ("nullable", "example", "discriminator")}
    if node.get("nullable") is True:
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        elif any(k in out for k in ("allOf", "oneOf", "anyOf", "$ref")):
            out = {"anyOf": [{"type": "null"}, out]}
    return out


def _validator(spec_name: str, path: str, method: str) -> Any:
    spec_path = shared("pdn", spec_name)
    text = spec_path.read_text(encoding="utf-8")
    spec = yaml.safe_load(text) if spec_name.endswith(".yaml") else json.loads(text)
    response = spec["paths"][path][method]["responses"]["200"]
    while "$ref" in response:
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    root = {"components": _openapi_to_jsonschema(spec["components"]),
            **_openapi_to_jsonschema(response["content"]["application/json"]["schema"])}
    return jsonschema.Draft4Validator(root, format_checker=jsonschema.FormatChecker())


def _errors(validator: Any, doc: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validator.iter_errors(doc)][:5]


S1_SPECS = {"INICIAL": "s1-declaraciones-inicial-oas.json", "MODIFICACIÓN": "s1-declaraciones-modificacion-oas.json",
            "CONCLUSIÓN": "s1-declaraciones-conclusion-oas.json"}


def test_s1_pages_validate_against_the_spec_of_each_declaration_type(scenario):
    out, _ = scenario
    validators = {tipo: _validator(spec, "/v2/declaraciones", "post") for tipo, spec in S1_SPECS.items()}
    seen: Counter[str] = Counter()
    for page_path in sorted((out / "s1").glob("*.json")):
        page = json.loads(page_path.read_text(encoding="utf-8"))
        for item in page["results"]:
            tipo = item["metadata"]["tipo"]
            seen[tipo] += 1
            alone = {**page, "results": [item]}
            assert _errors(validators[tipo], alone) == [], (page_path.name, item["id"])
    assert set(seen) == set(S1_SPECS)


@pytest.mark.parametrize(("file", "spec", "path", "method"), [
    ("s2/spic-v1-page-1.json", "s2-v1-oas.json", "/v1/spic", "post"),
    ("s2/servidores-v2-page-1.json", "s2-openapi.yaml", "/servidores_intervengan_procedientos_contrataciones", "get"),
    ("s3/ssancionados-page-1.json", "s3-servidores-oas.json", "/v1/ssancionados", "post"),
    ("s3/psancionados-page-1.json", "s3-particulares-oas.json", "/v1/psancionados", "post"),
    ("s3/faltas_graves_personas_morales-page-1.json", "s3-v2-oas.json", "/items/faltas_graves_personas_morales",
     "get"),
    ("s3/faltas_graves_personas_fisicas-page-1.json", "s3-v2-oas.json", "/items/faltas_graves_personas_fisicas",
     "get"),
    ("s3/faltas_administrativas_graves-page-1.json", "s3-v2-oas.json", "/items/faltas_administrativas_graves", "get"),
])
def test_s2_s3_pages_validate_against_the_official_schemas(scenario, file, spec, path, method):
    out, _ = scenario
    doc = json.loads((out / file).read_text(encoding="utf-8"))
    items = doc.get("results", doc.get("data"))
    assert items, f"{file} is empty"
    assert _errors(_validator(spec, path, method), doc) == []


def test_the_validator_does_catch_a_broken_declaration(scenario):
    out, _ = scenario
    page = json.loads((out / "s1" / "declaraciones-page-1.json").read_text(encoding="utf-8"))
    item = page["results"][0]
    del item["declaracion"]["situacionPatrimonial"]["datosEmpleoCargoComision"]["nombreEntePublico"]
    item["metadata"]["tipo"] = "ANUAL"
    errors = _errors(_validator(S1_SPECS["INICIAL"], "/v2/declaraciones", "post"), {**page, "results": [item]})
    assert any("nombreEntePublico" in e for e in errors) and any("ANUAL" in e for e in errors)


def test_deterministic_for_a_seed_and_different_across_seeds(tmp_path, ocds_dir):
    def files(seed: int, where: str) -> dict[str, bytes]:
        out = tmp_path / where
        generate_scenario(seed, out, ocds_dir)
        return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}

    first, again, other = files(1, "a"), files(1, "b"), files(2, "c")
    assert first == again
    assert first["truth.jsonl"] != other["truth.jsonl"]
    assert first["s1/declaraciones-page-1.json"] != other["s1/declaraciones-page-1.json"]


def test_truth_covers_every_planted_conflict_and_lists_innocents(scenario):
    out, result = scenario
    truth = [json.loads(line) for line in (out / "truth.jsonl").read_text(encoding="utf-8").splitlines()]
    kinds = Counter(t["kind"] for t in truth)
    assert set(CONFLICT_KINDS) <= set(kinds)
    assert kinds["innocent"] == result.innocents > len(truth) - kinds["innocent"]  # most officials are innocent
    assert {k: v for k, v in kinds.items() if k != "innocent"} == result.conflicts
    assert summary(out)["conflicts"] == result.conflicts
    declarations = {item["id"]: item for p in (out / "s1").glob("*.json")
                    for item in json.loads(p.read_text(encoding="utf-8"))["results"]}
    for line in truth:
        assert line["path"] if line["kind"] != "innocent" else line["official"]
        for ident in line.get("declaration_ids", []):
            assert ident in declarations
        if line["kind"] in ("direct_ownership", "spouse_ownership", "dependant_ownership", "chain_ownership"):
            # the declaration says it, under the name variant the truth records, during the post
            assert line["contracts"] and line["ocids"]
            interests = [p for i in line["declaration_ids"]
                         for p in declarations[i]["declaracion"]["interes"]["participacion"].get("participacion", [])]
            assert line["company"]["name"] in {p["nombreEmpresaSociedadAsociacion"] for p in interests}
        if line["kind"] == "s2_intervention":
            assert line["folios"] and line["linkable_by"]
    bods = json.loads((out / "bods" / "chain-ownership.json").read_text(encoding="utf-8"))
    chains = [t for t in truth if t["kind"] == "chain_ownership"]
    relationships = [s for s in bods if s["recordType"] == "relationship"]
    assert len(relationships) == len(chains)
    assert all(s["publicationDetails"]["bodsVersion"] == "0.4" for s in bods)


def test_suppliers_and_institutions_are_the_real_ones(scenario, ocds_dir):
    out, _ = scenario
    market = load_market(ocds_dir)
    real = {(i.name, s.rfc) for i in market for s in i.suppliers.values()}
    assert ("Servicio de Administración Tributaria", "GFM010122DZ9") in real
    assert not any(rfc.startswith("SDS") for _, rfc in real)  # public bodies listed as suppliers are left out
    truth = [json.loads(line) for line in (out / "truth.jsonl").read_text(encoding="utf-8").splitlines()]
    for line in truth:
        if line.get("supplier"):
            assert (line["institution"], line["supplier"]["rfc"]) in real


def test_identifiers_are_valid_with_a_few_wrong_check_digits(scenario):
    out, result = scenario
    people = [t["official"] for t in (json.loads(x) for x in (out / "truth.jsonl").read_text().splitlines())
              if t.get("official")]
    rfcs = [parse_rfc(p["rfc"]) for p in people]
    curps = [parse_curp(p["curp"]) for p in people]
    assert all(r is not None and r.kind == "person" for r in rfcs)
    assert all(c is not None for c in curps)
    wrong = sum(not x.checksum_ok for x in [*rfcs, *curps] if x)
    assert wrong <= result.wrong_check_digits


def test_company_name_variants():
    assert split_legal_form("GRUAS FLETES Y MANIOBRAS SA DE CV") == ("GRUAS FLETES Y MANIOBRAS", "SA")
    assert split_legal_form("Coconal S. A. P. I. de C. V.") == ("Coconal", "SAPI")
    assert split_legal_form("INGTEC CONSTRUCCIONES SA. DE CV.") == ("INGTEC CONSTRUCCIONES", "SA")
    import random

    rnd = random.Random(3)
    variants = {company_variant("Especialistas Ambientales, S.A. de C.V.", rnd) for _ in range(60)}
    kinds = {how for _, how in variants}
    assert {"legal_form", "accents_upper", "truncated", "typo"} <= kinds
    assert all(len(name) <= 30 for name, how in variants if how == "truncated")
