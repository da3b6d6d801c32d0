"""What an alert says, in JSON (Kafka, webhooks) and as an e-mail (plain text and HTML): the
subscription that matched, the event, why it matched, the sentence, the evidence path with its
dates and sources, and a link to the flag or entity in the workspace."""

from __future__ import annotations

import html
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import quote

from engine.alerts.events import AlertEvent
from engine.alerts.subscriptions import Active


def link(ui_url: str, event: AlertEvent) -> str:
    base = ui_url.rstrip("/")
    if event.flag:
        return f"{base}/#/flag/{quote(event.flag['id'], safe='')}"
    target = event.details.get("survivor") or (event.entities[0]["id"] if event.entities else "")
    return f"{base}/#/entity/{quote(str(target), safe='')}" if target else f"{base}/"


def alert_payload(delivery_id: str, sub: Active, event: AlertEvent, why: str, evidence: dict[str, Any],
                  ui_url: str, created_at: str) -> dict[str, Any]:
    """One alert: the same bytes on every try, so that a signature and an idempotency id hold."""
    payload: dict[str, Any] = {
        "alert_id": delivery_id,
        "subscription_id": sub.id,
        "subscription": {"id": sub.id, "label": sub.spec.label, "watching": sub.spec.describe(), "owner": sub.owner},
        "event": event.described(),
        "why": why,
        "entities": event.entities,
        "evidence": evidence,
        "link": link(ui_url, event),
        "created_at": created_at,
    }
    if event.flag:
        payload["flag"] = {k: v for k, v in event.flag.items() if k != "evidence"} | {"evidence": event.flag.get(
            "evidence")}
    return payload


# -- text ----------------------------------------------------------------------------------------
def _relation(rel: dict[str, Any]) -> str:
    facts = []
    if rel.get("role"):
        facts.append(str(rel["role"]))
    if rel.get("relation"):
        facts.append(str(rel["relation"]))
    if rel.get("share") is not None:
        facts.append(f"share {rel['share']}")
    if rel.get("start") or rel.get("end"):
        facts.append(f"from {rel.get('start') or '?'} to {rel.get('end') or 'now'}")
    elif rel.get("date_signed") or rel.get("date") or rel.get("declared_on"):
        facts.append(f"on {rel.get('date_signed') or rel.get('date') or rel.get('declared_on')}")
    where = f"{rel.get('source')} record {rel.get('record_id')}" if rel.get("source") else "source unknown"
    return f"{rel['type']}{' (' + ', '.join(facts) + ')' if facts else ''}; {where}"


def evidence_lines(evidence: dict[str, Any]) -> list[str]:
    lines = []
    for i, step in enumerate(evidence.get("steps") or [], 1):
        via = f" via {', '.join(step['via'])}" if step.get("via") else ""
        lines.append(f"{i}. {step['from']} → {step['to']}{via}")
        for rel in step.get("relations") or []:
            lines.append(f"   {rel['from']} —{_relation(rel)}→ {rel['to']}")
    for r in evidence.get("says") or []:
        other = r["other"]
        facts = {k: v for k, v in other.items() if k not in ("id", "label", "name")}
        lines.append(f"- {r['type']} {'→' if r['direction'] == 'out' else '←'} {other['label']} {other['name']}"
                     + (f" ({', '.join(f'{k} {v}' for k, v in facts.items())})" if facts else ""))
    if evidence.get("record"):
        lines.append(f"Source record: {evidence['record']['source']} {evidence['record']['record_id']}")
    if evidence.get("spellings"):
        lines.append("Spelled by the sources: " + "; ".join(evidence["spellings"]))
    for f in evidence.get("flags_now") or []:
        lines.append(f"- flag {f['pattern']} ({f['severity']}, {f['status']}): {f['sentence']}")
    return lines


def alert_text(alert: dict[str, Any]) -> str:
    event = alert["event"]
    lines = [event["summary"], "", f"Why you get this: {alert['why']}.",
             f"Subscription: {alert['subscription']['label'] or alert['subscription']['id']} "
             f"({alert['subscription']['id']}): {alert['subscription']['watching']}",
             f"Event: {event['what']} ({event['id']}), {event['at']}"]
    flag = alert.get("flag")
    if flag:
        lines += ["", f"{flag.get('title') or flag.get('pattern')} — {flag.get('pattern')}, severity "
                      f"{flag.get('severity')}, score {flag.get('score')}, status {flag.get('status')}",
                  str(flag.get("sentence") or "")]
    changes = (event.get("details") or {}).get("changes")
    if changes:
        lines.append("What changed: " + "; ".join(
            f"{k} {v['from']} → {v['to']}" if isinstance(v, dict) else str(v) for k, v in changes.items()))
    evidence = evidence_lines(alert.get("evidence") or {})
    if evidence:
        lines += ["", "Evidence:", *evidence]
    lines += ["", f"Open in Vínculo: {alert['link']}", f"Alert id: {alert['alert_id']}"]
    return "\n".join(lines) + "\n"


def alert_html(alert: dict[str, Any]) -> str:
    e = html.escape
    event = alert["event"]
    parts = [f"<h2>{e(event['summary'])}</h2>",
             f"<p><strong>Why you get this:</strong> {e(alert['why'])}.</p>",
             f"<p><strong>Subscription:</strong> {e(alert['subscription']['label'] or alert['subscription']['id'])} "
             f"<code>{e(alert['subscription']['id'])}</code>: {e(alert['subscription']['watching'])}<br>"
             f"<strong>Event:</strong> {e(event['what'])} <code>{e(event['id'])}</code>, {e(event['at'])}</p>"]
    flag = alert.get("flag")
    if flag:
        parts.append(f"<p><strong>{e(str(flag.get('pattern')))}</strong> (severity {e(str(flag.get('severity')))}, "
                     f"score {e(str(flag.get('score')))}, status {e(str(flag.get('status')))}): "
                     f"{e(str(flag.get('sentence') or ''))}</p>")
    evidence = alert.get("evidence") or {}
    steps = evidence.get("steps") or []
    if steps:
        items = []
        for step in steps:
            rels = "".join(f"<li>{e(r['from'])} — {e(_relation(r))} → {e(r['to'])}</li>"
                           for r in step.get("relations") or [])
            via = f" via {e(', '.join(step['via']))}" if step.get("via") else ""
            items.append(f"<li>{e(step['from'])} → {e(step['to'])}{via}<ul>{rels}</ul></li>")
        parts.append(f"<h3>Evidence</h3><ol>{''.join(items)}</ol>")
    else:
        other = evidence_lines(evidence)
        if other:
            parts.append("<h3>Evidence</h3><ul>" + "".join(f"<li>{e(x)}</li>" for x in other) + "</ul>")
    parts.append(f'<p><a href="{e(alert["link"])}">Open in Vínculo</a> · alert <code>{e(alert["alert_id"])}</code></p>')
    return "<!doctype html><html><body>" + "".join(parts) + "</body></html>"


def subject(alert: dict[str, Any]) -> str:
    summary = alert["event"]["summary"]
    return f"[Vínculo] {summary[:150]}{'…' if len(summary) > 150 else ''}"


def email_message(alert: dict[str, Any], sender: str, to: str, delivery_id: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject(alert)
    msg["From"], msg["To"] = sender, to
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = make_msgid(idstring=delivery_id.replace(":", "-"), domain="vinculo.alerts")
    msg["X-Vinculo-Delivery"] = delivery_id
    msg["X-Vinculo-Subscription"] = alert["subscription_id"]
    msg["X-Vinculo-Event"] = alert["event"]["kind"]
    msg.set_content(alert_text(alert))
    msg.add_alternative(alert_html(alert), subtype="html")
    return msg


# -- digests ---------------------------------------------------------------------------------------
def digest_payload(digest_id: str, period: str, destination: str, alerts: list[dict[str, Any]]) -> dict[str, Any]:
    """One message with everything of the period, grouped by subscription."""
    groups: dict[str, dict[str, Any]] = {}
    for alert in alerts:
        group = groups.setdefault(alert["subscription_id"], {"subscription": alert["subscription"], "alerts": []})
        group["alerts"].append(alert)
    return {"digest_id": digest_id, "period": period, "to": destination, "count": len(alerts),
            "subscriptions": list(groups.values())}


def digest_text(digest: dict[str, Any]) -> str:
    lines = [f"Vínculo digest for {digest['period']}: {digest['count']} alert(s)", ""]
    for group in digest["subscriptions"]:
        sub = group["subscription"]
        lines += [f"== {sub['label'] or sub['id']} ({sub['id']}): {sub['watching']}", ""]
        for alert in group["alerts"]:
            lines += [f"* {alert['event']['summary']}", f"  Why: {alert['why']}.",
                      f"  Event: {alert['event']['what']} ({alert['event']['id']}), {alert['event']['at']}",
                      *[f"  {x}" for x in evidence_lines(alert.get("evidence") or {})],
                      f"  {alert['link']}", ""]
    return "\n".join(lines) + f"Digest id: {digest['digest_id']}\n"


def digest_html(digest: dict[str, Any]) -> str:
    e = html.escape
    parts = [f"<h2>Vínculo digest for {e(digest['period'])}: {digest['count']} alert(s)</h2>"]
    for group in digest["subscriptions"]:
        sub = group["subscription"]
        items = "".join(
            f"<li><p>{e(a['event']['summary'])}<br><em>Why:</em> {e(a['why'])}.<br>"
            f"{e(a['event']['what'])} <code>{e(a['event']['id'])}</code>, {e(a['event']['at'])}</p>"
            + "".join(f"<div>{e(x)}</div>" for x in evidence_lines(a.get("evidence") or {}))
            + f'<p><a href="{e(a["link"])}">Open in Vínculo</a></p></li>' for a in group["alerts"])
        parts.append(f"<h3>{e(sub['label'] or sub['id'])} <code>{e(sub['id'])}</code></h3>"
                     f"<p>{e(sub['watching'])}</p><ul>{items}</ul>")
    return "<!doctype html><html><body>" + "".join(parts) + "</body></html>"


def digest_email(digest: dict[str, Any], sender: str, delivery_id: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = f"[Vínculo] digest {digest['period']}: {digest['count']} alert(s)"
    msg["From"], msg["To"] = sender, digest["to"]
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = make_msgid(idstring=delivery_id.replace(":", "-"), domain="vinculo.alerts")
    msg["X-Vinculo-Delivery"] = delivery_id
    msg["X-Vinculo-Event"] = "digest"
    msg.set_content(digest_text(digest))
    msg.add_alternative(digest_html(digest), subtype="html")
    return msg
