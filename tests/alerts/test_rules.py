"""The rules of alerts, without servers: what a subscription may say, which events reach it and
why, how an alert is signed, when it is tried again, what an e-mail shows, which entity a watch
names (the resolver's verdict)."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from engine.alerts import delivery, events, watches
from engine.alerts.channels import backoff, sign, verify
from engine.alerts.matching import reason
from engine.alerts.model import Subscription, Watch
from engine.alerts.render import alert_html, alert_payload, alert_text, digest_payload, digest_text
from engine.alerts.subscriptions import Active

HOOK = {"webhook_url": "https://hooks.example.org/x", "secret_env": "HOOK_SECRET"}


@pytest.mark.parametrize(("spec", "problem"), [
    ({}, "exactly one"),
    ({"kafka_topic": "a", "email": "a@example.org"}, "exactly one"),
    ({"webhook_url": "https://hooks.example.org/x"}, "needs a secret"),
    ({"webhook_url": "ftp://hooks.example.org/x", "secret_env": "S"}, "http"),
    ({"webhook_url": "https://user:pw@hooks.example.org/x", "secret_env": "S"}, "no credentials"),
    ({"kafka_topic": "a", "secret_file": "/tmp/s"}, "signs webhooks only"),
    ({"kafka_topic": "a", "digest": "daily"}, "not a Kafka topic"),
    ({"kafka_topic": "a b"}, "Kafka topic"),
    ({"email": "a@b"}, "e-mail"),
    ({"kafka_topic": "a", "patterns": ["P999"]}, "unknown pattern"),
    ({"kafka_topic": "a", "min_severity": "urgent"}, "severity"),
    ({"kafka_topic": "a", "sources": ["gossip"]}, "unknown source"),
    ({"kafka_topic": "a", "entity_ids": ["two words"]}, "not an entity id"),
    ({"kafka_topic": "a", "watches": [{"name": "Ana"}]}, "person, a company or a public body"),
    ({"kafka_topic": "a", "watches": [{"rfc": "GFM010122DZ9", "curp": "PEGJ800101HDFRRN09"}]}, "one name, one RFC"),
    ({"kafka_topic": "a", "watches": [{"curp": "X"}]}, "not an RFC or CURP"),
    ({**HOOK, "secret_env": "lower"}, "upper-case"),
])
def test_what_a_subscription_may_not_say(spec, problem):
    with pytest.raises(ValidationError, match=problem):
        Subscription(**spec)


def test_a_subscription_is_the_same_however_often_it_is_made():
    a = Subscription(patterns=["P002", "P001", "P001"], kafka_topic="t")
    b = Subscription(patterns=["P001", "P002"], kafka_topic="t", label="another name")
    assert a.id == b.id and a.patterns == ["P001", "P002"]
    assert Subscription(patterns=["P001"], kafka_topic="u").id != a.id
    assert Subscription(sources=["sat69b"], email="a@example.org").wants_flags is False
    assert Subscription(sources=["sat69b"], patterns=["P001"], email="a@example.org").wants_flags is True


def _active(sub: Subscription, **state: object) -> Active:
    return Active(id=sub.id, spec=sub, entity_ids=set(sub.entity_ids), body_ids=set(sub.body_ids), **state)  # type: ignore[arg-type]


def _flag(pattern: str = "P001", severity: str = "high", entities: dict[str, str] | None = None) -> dict:  # type: ignore[type-arg]
    return {"id": f"flag:{pattern}:x", "pattern": pattern, "severity": severity, "sentence": "S.",
            "status": "new", "evidence": {"path": []},
            "entities": [{"id": i, "label": label, "role": "r", "name": i} for i, label in (entities or {}).items()]}


def test_which_flags_reach_which_subscriptions_and_why():
    flag = events.flag_new(_flag(entities={"mx-rfc:A": "Company", "body:1": "PublicBody"}))
    every = _active(Subscription(kafka_topic="t"))
    p002 = _active(Subscription(patterns=["P002"], kafka_topic="t"))
    critical = _active(Subscription(min_severity="critical", kafka_topic="t"))
    watcher = _active(Subscription(entity_ids=["mx-rfc:A"], kafka_topic="t"), names={"mx-rfc:A": "Alfa"})
    other = _active(Subscription(entity_ids=["mx-rfc:B"], kafka_topic="t"))
    paused = _active(Subscription(kafka_topic="p"), paused=True)
    records_only = _active(Subscription(sources=["sat69b"], kafka_topic="t"))
    assert "pattern P001" in (reason(every, flag) or "")
    assert reason(p002, flag) is None and reason(critical, flag) is None and reason(other, flag) is None
    assert reason(paused, flag) is None and reason(records_only, flag) is None
    assert "Alfa (mx-rfc:A), which you watch" in (reason(watcher, flag) or "")
    # a body watched: its own flags, its units' (the event lists the institutions above), what it bought
    unit_flag = events.flag_new(_flag(entities={"body:unit": "PublicBody"}))
    unit_flag.bodies = {"body:unit", "body:1"}
    body = _active(Subscription(body_ids=["body:1"], kafka_topic="t"), names={"body:1": "Secretaría"})
    assert "public body Secretaría, which you watch (through its units" in (reason(body, unit_flag) or "")
    # changes only for those who asked
    changed = events.flag_changed(_flag(), {"status": "new"}, {"status": "confirmed"})
    assert reason(every, changed) is None
    assert "you asked for changes" in (reason(_active(Subscription(changes=True, kafka_topic="t")), changed) or "")


def test_merges_records_and_found_watches_reach_their_own():
    merge = events.graph_change({"type": "entities_merged", "entity_id": "S", "merged_entity_id": "A",
                                 "label": "Company"})
    assert merge is not None and events.graph_change({"type": "possible_match"}) is None
    both = _active(Subscription(entity_ids=["A", "S"], kafka_topic="t"), names={"A": "Alfa", "S": "Sigma"})
    one = _active(Subscription(entity_ids=["A"], kafka_topic="t"))
    assert reason(both, merge) == "you watch both Alfa and Sigma"
    assert reason(one, merge) == "you watch A"
    assert reason(_active(Subscription(kafka_topic="t")), merge) is None
    split = events.graph_change({"type": "entity_split", "entity_id": "A", "new_entity_id": "N",
                                 "mention_ids": ["m1"], "label": "Company", "reason": "a reviewer: not the same"})
    assert split is not None and split.details["mentions"] == ["m1"] and "N now" in split.summary
    assert reason(one, split) == "you watch A" and reason(_active(Subscription(kafka_topic="t")), split) is None
    record = events.source_record({"mention": "m1", "source": "pdn-s3", "record_id": "r1", "entity": "A",
                                   "label": "Company", "entity_name": "Alfa"})
    assert "you follow new pdn-s3 records" in (reason(_active(Subscription(
        entity_ids=["A"], sources=["pdn-s3"], kafka_topic="t")), record) or "")
    assert reason(_active(Subscription(entity_ids=["B"], sources=["pdn-s3"], kafka_topic="t")), record) is None
    assert reason(_active(Subscription(entity_ids=["A"], sources=["sat69b"], kafka_topic="t")), record) is None
    assert reason(_active(Subscription(sources=["pdn-s3"], kafka_topic="t")), record) == \
        "you follow every new pdn-s3 record"
    supplier = _active(Subscription(body_ids=["body:1"], sources=["pdn-s3"], kafka_topic="t"))
    record.bodies = {"body:1"}
    assert "about a supplier of public body" in (reason(supplier, record) or "")
    found = events.entity_found("sub:x", "RFC X", {"id": "A", "name": "Alfa"}, "its RFC is X")
    assert reason(_active(Subscription(kafka_topic="t")), found) is None
    mine = _active(Subscription(kafka_topic="t"))
    mine.id = "sub:x"
    assert reason(mine, found)


def test_event_ids_are_the_same_wherever_they_are_made():
    merge = {"type": "entities_merged", "entity_id": "S", "merged_entity_id": "A", "label": "Company"}
    assert events.graph_change(merge).id == events.graph_change(dict(merge)).id  # type: ignore[union-attr]
    a = events.flag_changed(_flag(), {"status": "new"}, {"status": "confirmed"})
    b = events.flag_changed(_flag(), {"status": "new"}, {"status": "confirmed"})
    c = events.flag_changed(_flag(), {"status": "confirmed"}, {"status": "dismissed"})
    assert a.id == b.id != c.id
    assert delivery.delivery_key("e", "s") == delivery.delivery_key("e", "s") != delivery.delivery_key("e", "t")


def test_signatures_and_backoff():
    body = json.dumps({"a": 1}).encode()
    signature = sign(b"k", body)
    assert signature.startswith("sha256=") and len(signature) == 7 + 64
    assert verify(b"k", body, signature) and not verify(b"k", body + b" ", signature) and not verify(b"x", body,
                                                                                                    signature)
    rng = random.Random(7)
    waits = [backoff(n, 2.0, 600.0, rng) for n in range(1, 12)]
    assert all(1.0 <= w <= 3.0 for w in waits[:1]) and all(w <= 900 for w in waits)
    assert waits[3] > waits[0] and max(waits) <= 600 * 1.5
    assert len({round(backoff(3, 2.0, 600.0), 6) for _ in range(20)}) > 1  # jitter


def test_digest_periods():
    friday = datetime(2025, 3, 14, 18, 30, tzinfo=UTC)
    assert delivery.period("daily", friday) == ("2025-03-14", datetime(2025, 3, 15, tzinfo=UTC))
    assert delivery.period("weekly", friday) == ("2025-W11", datetime(2025, 3, 17, tzinfo=UTC))


def test_an_alert_says_why_and_shows_its_evidence_and_escapes_what_sources_wrote():
    sub = _active(Subscription(label="Desk <b>", patterns=["P001"], email="a@example.org"))
    flag = events.flag_new(_flag(entities={"mx-rfc:A": "Company"}))
    flag.flag["sentence"] = "<script>alert(1)</script> won a contract."  # type: ignore[index]
    evidence = {"steps": [{"from": "Empresa <i>", "to": "Contrato 1", "via": [], "relations": [
        {"type": "SUPPLIES", "from": "Empresa <i>", "to": "Contrato 1", "date_signed": "2021-03-05",
         "source": "ocds", "record_id": "ocds-1"}]}]}
    alert = alert_payload("delivery:1", sub, flag, "pattern P001", evidence, "https://ui.example.org", "now")
    text, html = alert_text(alert), alert_html(alert)
    for part in (text,):
        assert "Why you get this: pattern P001." in part and "Desk <b>" in part and "delivery:1" in part
        assert "SUPPLIES (on 2021-03-05); ocds record ocds-1" in part
        assert "https://ui.example.org/#/flag/flag%3AP001%3Ax" in part
    assert "<script>" not in html and "&lt;script&gt;" in html and "Empresa &lt;i&gt;" in html
    digest = digest_payload("digest:1", "daily 2025-03-14", "a@example.org", [alert, {**alert, "alert_id": "d2"}])
    assert digest["count"] == 2 and len(digest["subscriptions"]) == 1
    assert digest_text(digest).count("Why: pattern P001.") == 2


@pytest.mark.parametrize(("watch", "entity", "found"), [
    (Watch(rfc="gfm010122dz9"), {"id": "mx-rfc:GFM010122DZ9", "label": "Company"}, True),
    (Watch(rfc="GFM010122DZ9"), {"id": "er-c-1", "label": "Company", "rfc": "GFM010122DZ9"}, True),
    (Watch(rfc="GFM010122DZ9"), {"id": "er-c-1", "label": "Company", "rfc": "AAA010101AAA"}, False),
    (Watch(kind="company", name="Grúas Fletes y Maniobras"),
     {"id": "x", "label": "Company", "name": "GRUAS, FLETES Y MANIOBRAS, S.A. DE C.V."}, True),
    (Watch(kind="company", name="Grúas Fletes y Maniobras"),
     {"id": "x", "label": "Person", "name": "Grúas Fletes y Maniobras"}, False),
    (Watch(kind="person", name="Juan Pérez García"), {"id": "p", "label": "Person", "name": "PEREZ GARCIA JUAN"}, True),
    (Watch(kind="person", name="Juan Pérez García"), {"id": "p", "label": "Person", "name": "Juan García Pérez"},
     False),  # the surnames in the other order are another person
    (Watch(kind="public_body", name="Secretaría de Finanzas"),
     {"id": "b", "label": "PublicBody", "name": "SECRETARIA DE FINANZAS"}, True),
])
def test_a_watch_names_an_entity_as_the_resolver_reads_it(watch, entity, found):
    assert bool(watches.matches(watch, entity)) is found


def test_the_lookup_finds_what_asking_every_subscription_finds():
    """The candidates' lookup against the reference: ``reason`` asked of every subscription."""
    from engine.alerts.matching import Candidates, match

    rng = random.Random(11)
    entities, bodies, patterns, sources = ["A", "B", "C", "D"], ["b1", "b2"], ["P001", "P002", "P005"], ["sat69b",
                                                                                                        "pdn-s3"]
    subs = []
    for n in range(300):
        spec = Subscription(
            patterns=rng.sample(patterns, rng.randint(0, 2)), min_severity=rng.choice(["low", "high", "critical"]),
            changes=rng.random() < 0.5, entity_ids=rng.sample(entities, rng.choice([0, 0, 1, 2])),
            body_ids=rng.sample(bodies, rng.choice([0, 0, 1])), sources=rng.sample(sources, rng.choice([0, 0, 1])),
            kafka_topic=f"t{n}")
        subs.append(_active(spec, paused=rng.random() < 0.1))
    lookup = Candidates([s for s in subs if not s.paused])
    for _ in range(300):
        chosen = {e: "Company" for e in rng.sample(entities, rng.randint(0, 2))}
        kind = rng.choice(["new", "changed", "record", "merge"])
        if kind == "record":
            ev = events.source_record({"mention": "m", "source": rng.choice(sources), "record_id": "r",
                                       "entity": rng.choice(entities), "label": "Company"})
        elif kind == "merge":
            a, b = rng.sample(entities, 2)
            ev = events.graph_change({"type": "entities_merged", "entity_id": a, "merged_entity_id": b,
                                      "label": "Company"})  # type: ignore[assignment]
        else:
            flag = _flag(rng.choice(patterns), rng.choice(["low", "medium", "high", "critical"]), chosen)
            ev = events.flag_new(flag) if kind == "new" else events.flag_changed(flag, {"status": "new"},
                                                                                 {"status": "confirmed"})
        ev.bodies = set(rng.sample(bodies, rng.randint(0, 1)))
        expected = sorted((s.id, why) for s, why in match(subs, ev))
        assert sorted((s.id, why) for s, why in match(lookup.of(ev), ev)) == expected
