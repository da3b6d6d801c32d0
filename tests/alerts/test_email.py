"""E-mail alerts through a real SMTP server (aiosmtpd) that requires STARTTLS and AUTH: a plain-text
and an HTML part with the sentence, the evidence path with dates and sources, and a link to the flag
in the workspace; a daily digest is one message with everything of the period, grouped by
subscription."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from engine.alerts import delivery
from engine.alerts.model import Subscription
from engine.alerts.subscriptions import subscribe
from engine.intake import publish
from tests.alerts.conftest import vinculo, worker
from tests.alerts.receivers import Mailbox, self_signed, wait_for
from tests.alerts.test_entities import _award, _sat_excerpt

pytestmark = pytest.mark.services
UI = "https://vinculo.example.org/ui"


@pytest.fixture
def mailbox(tmp_path: Path) -> Iterator[tuple[Mailbox, dict[str, str]]]:
    cert, key = self_signed(tmp_path)
    password = tmp_path / "smtp.password"
    password.write_text("smtp-pass-for-the-test\n")
    password.chmod(0o600)
    box = Mailbox(cert, key, "alerts@vinculo", "smtp-pass-for-the-test").start()
    settings = {"VINCULO_SMTP_HOST": "127.0.0.1", "VINCULO_SMTP_PORT": str(box.port),
                "VINCULO_SMTP_USER": "alerts@vinculo", "VINCULO_SMTP_PASSWORD_FILE": str(password),
                "VINCULO_SMTP_STARTTLS": "true", "VINCULO_SMTP_CAFILE": str(cert),
                "VINCULO_SMTP_FROM": "Vínculo <alerts@vinculo.example.org>", "VINCULO_UI_URL": UI}
    try:
        yield box, settings
    finally:
        box.stop()


def _parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def test_an_email_alert_and_a_daily_digest(stack, store, tmp_path, mailbox):
    box, smtp = mailbox
    sat, [(rfc, name)] = _sat_excerpt(tmp_path)
    now = subscribe(store, Subscription(label="Listed suppliers", patterns=["P001"], email="ana@example.org")).id
    daily_flags = subscribe(store, Subscription(label="Flags of the day", patterns=["P001"],
                                                email="desk@example.org", digest="daily")).id
    daily_records = subscribe(store, Subscription(label="69-B of the day", sources=["sat69b"],
                                                  email="desk@example.org", digest="daily")).id

    with worker(stack, tmp_path / "worker.log", **smtp):
        publish("sat69b", [sat], stack.kafka_bootstrap)
        publish("ocds", [_award(tmp_path, "ocds-mail-1", name, rfc)], stack.kafka_bootstrap)
        wait_for(lambda: box.messages, what="the e-mail")
        wait_for(lambda: {daily_flags, daily_records} <= {r["subscription"] for r in
                                                          delivery.log(store, status="queued")}, what="queued alerts")
    assert box.logins and set(box.logins) == {"alerts@vinculo"}  # AUTH, after STARTTLS (the server requires it)
    worker_log = (tmp_path / "worker.log").read_text()
    assert "vinculo.worker" in worker_log or "alerts" in worker_log  # the worker did log (verbose)
    assert "smtp-pass-for-the-test" not in worker_log  # the SMTP password never in a log

    (message,) = box.messages
    assert message["To"] == "ana@example.org" and "P001" in message["Subject"]
    assert message["X-Vinculo-Subscription"] == now
    text, html = _parts(message)
    flag = store.read("MATCH (f:Flag) RETURN f.id AS id, f.sentence AS sentence")[0]
    assert message["X-Vinculo-Delivery"] == delivery.delivery_key(flag["id"], now)
    for part in (text, html.replace("&#x27;", "'").replace("&amp;", "&")):
        assert flag["sentence"] in part
        assert "Why you get this" in part and "Listed suppliers" in part and now in part
        assert f"{UI}/#/flag/" in part
        assert "SUPPLIES" in part and "ocds record" in part and "2021-03-05" in part  # the path, dated, sourced
    assert "Evidence:" in text and "<h3>Evidence</h3>" in html

    # the digest: nothing until the period is over (or asked for now), then one message for both subscriptions
    assert len(box.messages) == 1
    vinculo(stack, "alerts", "digest", "--now", **smtp)
    assert len(box.messages) == 2
    digest = box.messages[1]
    assert digest["To"] == "desk@example.org" and "digest" in digest["Subject"]
    text, html = _parts(digest)
    assert "Flags of the day" in text and "69-B of the day" in text
    assert text.index("Flags of the day") < text.index(flag["sentence"]) or \
        text.index("69-B of the day") < text.index(flag["sentence"])
    assert "A new sat69b record" in text and "Why:" in text
    assert "Flags of the day" in html and "69-B of the day" in html
    items = {r["subscription"]: r for r in delivery.log(store) if r["kind"] == "alert" and r["channel"] == "email"
             and r["subscription"] != now}
    assert {s: r["status"] for s, r in items.items()} == {daily_flags: "digested", daily_records: "digested"}
    digests = [r for r in delivery.log(store) if r["kind"] == "digest"]
    assert len(digests) == 1 and digests[0]["status"] == "delivered"
    vinculo(stack, "alerts", "digest", "--now", **smtp)  # again: nothing left to send
    assert len(box.messages) == 2
