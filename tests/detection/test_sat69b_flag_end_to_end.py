"""A supplier on the real SAT 69-B list, awarded a contract: exactly one flag and one
alert, however often detection runs."""

from __future__ import annotations

import csv
import io
import json

import pytest

from engine.detection.runner import publish_new_flags, run_detection
from engine.eventlog.kafka import FLAGS, make_producer, read_topic
from engine.intake import publish
from tests.conftest import shared
from tests.helpers import process

pytestmark = pytest.mark.services


def _definitive_company(path):  # type: ignore[no-untyped-def]
    rows = csv.reader(io.StringIO(path.read_bytes().decode("cp1252")))
    for row in rows:
        if len(row) > 3 and row[3] == "Definitivo" and len(row[1]) == 12:
            return row[1], row[2]
    raise AssertionError("no definitive company in the SAT list")


def _detect_and_publish(stack, store) -> None:  # type: ignore[no-untyped-def]
    run_detection(store)
    producer = make_producer(stack.kafka_bootstrap)
    publish_new_flags(store, lambda k, v: producer.send(FLAGS, key=k.encode(), value=v).get(30))
    producer.close()


def test_listed_supplier_gives_one_flag_and_one_alert(stack, store, tmp_path):
    from engine.alerts.subscriptions import Subscription, subscribe

    sat_csv = shared("sat69b", "Listado_Completo_69-B.csv")
    rfc, sat_name = _definitive_company(sat_csv)
    release = {
        "ocid": "ocds-e2e-0001",
        "date": "2021-03-01T00:00:00Z",
        "parties": [
            {"id": "B", "name": "Instituto de Prueba", "roles": ["buyer"],
             "identifier": {"scheme": "MX-CPA", "id": "99X00"}},
            {"id": "S", "name": sat_name, "roles": ["supplier"], "identifier": {"scheme": "MX-RFC", "id": rfc}},
            {"id": "OK", "name": "Honesta SA", "roles": ["supplier"],
             "identifier": {"scheme": "MX-RFC", "id": "HON010101AB1"}},
        ],
        "contracts": [
            {"id": "C1", "title": "Servicios", "suppliers": [{"id": "S"}],
             "dateSigned": "2021-03-05T00:00:00Z", "value": {"amount": 100000, "currency": "MXN"}},
            {"id": "C2", "title": "Otros", "suppliers": [{"id": "OK"}]},
        ],
    }
    path = tmp_path / "award.json"
    path.write_text(json.dumps(release))
    subscribe(store, Subscription(patterns=["P001"], kafka_topic="alerts.p001"))
    subscribe(store, Subscription(patterns=["P001"], min_severity="critical", kafka_topic="alerts.none"))

    publish("sat69b", [sat_csv], stack.kafka_bootstrap)
    publish("ocds", [path], stack.kafka_bootstrap)
    process(stack)
    _detect_and_publish(stack, store)
    _detect_and_publish(stack, store)  # the same finding again: no new flag, no new message
    process(stack)
    process(stack)  # a second worker run redelivers nothing

    flags = store.read("MATCH (f:Flag) RETURN f.id AS id, f.pattern AS pattern, f.status AS status, "
                       "f.sentence AS sentence")
    assert len(flags) == 1
    assert flags[0]["pattern"] == "P001" and flags[0]["status"] == "new"
    assert rfc in flags[0]["sentence"] and "Instituto de Prueba" in flags[0]["sentence"]
    concerned = store.read("MATCH (:Flag)-[c:CONCERNS]->(e) RETURN c.role AS role, e.id AS id")
    assert {"role": "supplier", "id": f"mx-rfc:{rfc}"} in concerned
    assert {"role": "contract", "id": "ocds:ocds-e2e-0001/contract/C1"} in concerned

    on_flags = read_topic(stack.kafka_bootstrap, FLAGS, idle=1.5)
    assert len(on_flags) == 1
    alerts = read_topic(stack.kafka_bootstrap, "alerts.p001", idle=1.5)
    assert len(alerts) == 1
    alert = alerts[0].json()
    assert alert["flag"]["id"] == flags[0]["id"]
    assert alerts[0].headers["vinculo-idempotency-key"] == alert["alert_id"]
    assert read_topic(stack.kafka_bootstrap, "alerts.none", idle=0.5) == []
