"""What investigators watch, on real records through a real worker: a company watched by name
before it exists fires when it appears (and its flag reaches the watcher); a supplier of a watched
public body appearing on SAT's 69-B list is an alert; a merge of two watched entities is one alert
that says so, the subscription follows the survivor and the merged entity's flags are re-read."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from engine.alerts.model import Subscription, Watch
from engine.alerts.subscriptions import get_subscription, subscribe
from engine.intake import publish
from engine.pipeline.linker import record_judgment
from tests.alerts.conftest import publish_flags, worker, write_flags
from tests.alerts.receivers import wait_for
from tests.conftest import shared

pytestmark = pytest.mark.services


def _sat_excerpt(tmp: Path, n: int = 1) -> tuple[Path, list[tuple[str, str]]]:
    """SAT's 69-B list as published (Windows-1252, its preamble), cut to ``n`` definitive companies."""
    raw = shared("sat69b", "Listado_Completo_69-B.csv").read_bytes().decode("cp1252")
    lines = raw.splitlines(keepends=True)
    picked, rows = [], []
    for line in lines[3:]:
        row = next(csv.reader(io.StringIO(line)))
        if len(row) > 3 and row[3] == "Definitivo" and len(row[1]) == 12 and "," not in row[2][:-12]:
            picked.append(line)
            rows.append((row[1], row[2]))
            if len(rows) == n:
                break
    path = tmp / "69b.csv"
    path.write_bytes("".join(lines[:3] + picked).encode("cp1252"))
    return path, rows


def _award(tmp: Path, ocid: str, supplier: str, rfc: str | None = None, buyer: str = "Instituto de Prueba") -> Path:
    party: dict[str, object] = {"id": "S", "name": supplier, "roles": ["supplier"]}
    if rfc:
        party["identifier"] = {"scheme": "MX-RFC", "id": rfc}
    release = {"ocid": ocid, "date": "2021-03-01T00:00:00Z",
               "parties": [{"id": "B", "name": buyer, "roles": ["buyer"]}, party],
               "contracts": [{"id": "C1", "title": "Servicios", "suppliers": [{"id": "S"}],
                              "dateSigned": "2021-03-05T00:00:00Z", "value": {"amount": 100000, "currency": "MXN"}}]}
    path = tmp / f"{ocid}.json"
    path.write_text(json.dumps(release))
    return path


def _by_kind(hits: list, kind: str) -> list[dict]:  # type: ignore[type-arg]
    return [h.json() for h in hits if h.json()["event"]["kind"] == kind]


def test_watched_by_name_before_it_exists_fires_when_it_appears(stack, store, tmp_path, receiver, secret_file):
    sat, [(rfc, name)] = _sat_excerpt(tmp_path)
    short = name.rsplit(",", 1)[0]  # "ASESORES EN AVALÚOS Y ACTIVOS" without its legal form
    by_name = subscribe(store, Subscription(watches=[Watch(kind="company", name=short.title())],
                                            webhook_url=receiver.url("/name"), secret_file=str(secret_file)))
    by_rfc = subscribe(store, Subscription(watches=[Watch(rfc=rfc)], patterns=["P001"],
                                           webhook_url=receiver.url("/rfc"), secret_file=str(secret_file)))
    assert by_name.pending and by_rfc.pending and not by_name.found  # nothing in the graph yet

    with worker(stack, tmp_path / "worker.log"):
        publish("sat69b", [sat], stack.kafka_bootstrap)
        publish("ocds", [_award(tmp_path, "ocds-watch-1", name, rfc)], stack.kafka_bootstrap)
        for path in ("/name", "/rfc"):
            wait_for(lambda path=path: {"entity_found", "flag_new"} <= {
                h.json()["event"]["kind"] for h in receiver.accepted(path)}, what=f"alerts on {path}")

    entity = f"mx-rfc:{rfc}"
    (found,) = _by_kind(receiver.accepted("/name"), "entity_found")
    assert found["subscription"]["id"] == by_name.id and found["entities"][0]["id"] == entity
    assert "the resolver reads" in found["event"]["details"]["why"] and short.title() in found["event"]["summary"] \
        or short.title() in found["event"]["details"]["watch"]
    (flag,) = _by_kind(receiver.accepted("/name"), "flag_new")
    assert flag["flag"]["pattern"] == "P001" and "which you watch" in flag["why"] and entity in flag["why"]
    (by_id,) = _by_kind(receiver.accepted("/rfc"), "entity_found")
    assert f"its RFC is {rfc}" in by_id["event"]["details"]["why"]
    assert entity in get_subscription(store, by_name.id).entity_ids  # watched from now on
    assert len(receiver.distinct()) == len(receiver.accepted())  # nothing twice


def test_a_supplier_of_a_watched_body_appears_on_the_69b_list(stack, store, tmp_path, receiver, secret_file):
    sat, [(rfc, name)] = _sat_excerpt(tmp_path)
    with worker(stack, tmp_path / "worker.log"):
        publish("ocds", [_award(tmp_path, "ocds-body-1", name, rfc, buyer="Secretaría de Pruebas")],
                stack.kafka_bootstrap)
        body = wait_for(lambda: store.read("MATCH (b:PublicBody)-[:BUYER_OF]->(:ContractingProcess)-[:AWARDED]->"
                                           "(:Contract)<-[:SUPPLIES]-(:Company {id: $id}) RETURN b.id AS id",
                                           {"id": f"mx-rfc:{rfc}"}), what="the award in the graph")[0]["id"]
        sub = subscribe(store, Subscription(body_ids=[body], sources=["sat69b"], webhook_url=receiver.url("/body"),
                                            secret_file=str(secret_file)))
        publish("sat69b", [sat], stack.kafka_bootstrap)
        wait_for(lambda: receiver.accepted("/body"), what="the 69-B alert")
        wait_for(lambda: store.read("MATCH (f:Flag) WHERE f.published_at IS NOT NULL RETURN f.id AS id"),
                 what="the P001 flag")  # a flag, which this records-only subscription does not get

    (hit,) = receiver.accepted("/body")
    alert = hit.json()
    assert alert["subscription"]["id"] == sub.id and alert["event"]["kind"] == "source_record"
    assert alert["event"]["source"] == "sat69b" and "69-B" not in alert["why"]
    assert "supplier of public body" in alert["why"] and "you follow new sat69b records" in alert["why"]
    said = alert["evidence"]["says"]
    assert any(s["type"] == "SANCTIONED" and s["other"]["program"] == "SAT-69B" for s in said), said


def _supplier(store, ocid: str) -> str:  # type: ignore[no-untyped-def]
    rows = store.read("MATCH (s:Company)-[:SUPPLIES]->(k:Contract) WHERE k.ocid = $ocid RETURN s.id AS id",
                      {"ocid": ocid})
    return str(rows[0]["id"]) if rows else ""


def test_a_merge_of_two_watched_entities_is_one_alert_that_says_so(stack, store, tmp_path, receiver, secret_file):
    with worker(stack, tmp_path / "worker.log"):
        publish("ocds", [_award(tmp_path, "ocds-m-1", "Constructora Alfa SA de CV"),
                         _award(tmp_path, "ocds-m-2", "Edificaciones Beta SA de CV")], stack.kafka_bootstrap)
        wait_for(lambda: _supplier(store, "ocds-m-1") and _supplier(store, "ocds-m-2"), what="both suppliers")
        alfa, beta = _supplier(store, "ocds-m-1"), _supplier(store, "ocds-m-2")
        assert alfa != beta
        both = subscribe(store, Subscription(entity_ids=[alfa, beta], webhook_url=receiver.url("/both"),
                                             secret_file=str(secret_file)))
        one = subscribe(store, Subscription(entity_ids=[alfa], webhook_url=receiver.url("/alfa"),
                                            secret_file=str(secret_file)))
        (beta_flag,) = write_flags(store, [{"pattern": "P006", "key": ["beta"], "entities": {beta: "supplier"}}])
        publish_flags(stack, store)
        wait_for(lambda: receiver.accepted("/both"), what="the flag about Beta")
        mention = store.read("MATCH (m:Mention)-[:RESOLVED_TO]->(c:Company {id: $id}) RETURN m.id AS id",
                             {"id": beta})[0]["id"]
        record_judgment(store, mention, alfa, same=True, author="test")  # a reviewer: they are one
        wait_for(lambda: _by_kind(receiver.accepted("/both"), "entities_merged")
                 and _by_kind(receiver.accepted("/alfa"), "entities_merged"), what="the merge alerts")

    merges = _by_kind(receiver.accepted("/both"), "entities_merged")
    assert len(merges) == 1  # one alert, not one per watched entity
    merge = merges[0]
    survivor = merge["event"]["details"]["survivor"]
    absorbed = merge["event"]["details"]["absorbed"]
    assert {survivor, absorbed} == {alfa, beta}
    assert merge["why"].startswith("you watch both") and "Alfa" in merge["why"] and "Beta" in merge["why"]
    assert "are one entity" in merge["event"]["summary"]
    assert any("ALFA" in s.upper() for s in merge["evidence"]["spellings"])
    assert any("BETA" in s.upper() for s in merge["evidence"]["spellings"])
    # the subscriptions follow the survivor; Beta's flag now reaches the one that watched only Alfa, in the
    # merge alert (re-evaluated), not as a new flag again
    assert get_subscription(store, both.id).entity_ids == {survivor}
    assert get_subscription(store, one.id).entity_ids == {survivor}
    (to_one,) = _by_kind(receiver.accepted("/alfa"), "entities_merged")
    assert [f["id"] for f in to_one["evidence"]["flags_now"]] == [beta_flag]
    assert len(_by_kind(receiver.accepted("/both"), "flag_new")) == 1
    assert not _by_kind(receiver.accepted("/alfa"), "flag_new")
