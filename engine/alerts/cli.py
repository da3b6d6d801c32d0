"""`vinculo alerts subscribe|list|pause|resume|delete|log|digest`: subscriptions from the terminal.

Secrets never go on the command line: a webhook's secret is read from ``--secret-file`` or the
environment variable ``--secret-env`` names, when each alert is signed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

console = Console()
err = Console(stderr=True)
alerts_app = typer.Typer(help="Subscriptions: what to watch, which events, where alerts go; the delivery log.",
                         no_args_is_help=True)


def _store() -> Any:
    from engine.cli import _store as open_configured_store

    return open_configured_store()


def _rows(rows: list[dict[str, Any]], fmt: Any, title: str) -> None:
    from engine.cli import _print_rows

    _print_rows(rows, fmt, title)


def _format() -> Any:
    from engine.cli import Format

    return Format


@alerts_app.command("subscribe")
def subscribe_command(
    pattern: Annotated[list[str] | None, typer.Option("--pattern", "-p", help="Pattern code(s); default all.")] = None,
    min_severity: Annotated[str, typer.Option(help="low, medium, high or critical.")] = "low",
    changes: Annotated[bool, typer.Option("--changes", help="Also flag changes: status, new evidence, "
                                                            "withdrawal.")] = False,
    entity: Annotated[list[str] | None, typer.Option("--entity", help="Watch this entity id.")] = None,
    person: Annotated[list[str] | None, typer.Option("--person", help="Watch a person by name.")] = None,
    company: Annotated[list[str] | None, typer.Option("--company", help="Watch a company by name.")] = None,
    rfc: Annotated[list[str] | None, typer.Option("--rfc", help="Watch whoever has this RFC.")] = None,
    curp: Annotated[list[str] | None, typer.Option("--curp", help="Watch whoever has this CURP.")] = None,
    body: Annotated[list[str] | None, typer.Option("--body", help="Watch a public body (its id or its name) and "
                                                                  "all it and its units buy.")] = None,
    source: Annotated[list[str] | None, typer.Option("--source", help="New records of this source kind "
                                                                      "(sat69b, pdn-s3, …) in scope.")] = None,
    kafka_topic: Annotated[str | None, typer.Option("--kafka-topic", help="Deliver to this Kafka topic.")] = None,
    webhook: Annotated[str | None, typer.Option("--webhook", help="Deliver to this URL (signed JSON).")] = None,
    secret_file: Annotated[Path | None, typer.Option("--secret-file", help="File holding the webhook secret.")] = None,
    secret_env: Annotated[str | None, typer.Option("--secret-env", help="Environment variable holding the "
                                                                        "webhook secret.")] = None,
    email: Annotated[str | None, typer.Option("--email", help="Deliver by e-mail (SMTP from settings).")] = None,
    digest: Annotated[str | None, typer.Option("--digest", help="daily or weekly: one message per period.")] = None,
    label: Annotated[str, typer.Option("--label", help="A name for people reading the alerts.")] = "",
) -> None:
    """Subscribe: what to watch, which events, where to deliver (one of --kafka-topic, --webhook, --email)."""
    from pydantic import ValidationError

    from engine.alerts.model import Subscription, Watch
    from engine.alerts.secret import SecretError, loose_permissions, read_secret_file
    from engine.alerts.subscriptions import subscribe
    from engine.alerts.watches import Found, find_now

    if secret_file is not None:
        try:
            read_secret_file(secret_file)
        except SecretError as exc:
            err.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from exc
        if loose_permissions(secret_file):
            err.print(f"[yellow]{secret_file} can be read by others than you: chmod 600 it[/yellow]")
    try:
        watches = [Watch(kind="person", name=n) for n in person or []]
        watches += [Watch(kind="company", name=n) for n in company or []]
        watches += [Watch(rfc=v) for v in rfc or []] + [Watch(curp=v) for v in curp or []]
    except ValidationError as exc:
        err.print(f"[red]invalid watch:[/red] {exc.errors()[0]['msg']}")
        raise typer.Exit(2) from exc
    store = _store()
    try:
        store.ensure_schema()
        bodies: list[str] = []
        for given in body or []:
            if ":" in given:  # an id
                bodies.append(given)
                continue
            hits: list[Found] = find_now(store, Watch(kind="public_body", name=given))
            if not hits:
                err.print(f"[red]no public body named {given!r} in the graph; give its id[/red]")
                raise typer.Exit(2)
            bodies.append(hits[0].entity_id)
            console.print(f"public body {given!r} → {hits[0].entity_id} ({hits[0].name}): {hits[0].why}")
        try:
            sub = Subscription(
                label=label, patterns=pattern or [], min_severity=min_severity, changes=changes,
                entity_ids=entity or [], watches=watches, body_ids=bodies, sources=source or [],
                kafka_topic=kafka_topic, webhook_url=webhook,
                secret_file=str(secret_file.resolve()) if secret_file else None, secret_env=secret_env,
                email=email, digest=digest)  # type: ignore[arg-type]  # pydantic checks the value
        except ValidationError as exc:
            problem = exc.errors()[0]
            err.print(f"[red]invalid subscription:[/red] {problem['msg']}")
            raise typer.Exit(2) from exc
        made = subscribe(store, sub, owner="cli")
    finally:
        store.close()
    console.print(f"subscribed {made.id}: {sub.describe()}")
    for watch, found in made.found:
        console.print(f"  {watch.describe()} → {found.entity_id} ({found.name}): {found.why}")
    for watch in made.pending:
        console.print(f"  {watch.describe()}: not in the graph yet; watching for it")


@alerts_app.command("list")
def list_command(
    fmt: Annotated[str, typer.Option("--format", help="table or jsonl.")] = "table",
) -> None:
    """Subscriptions (not deleted), with what each watches now."""
    from engine.alerts.subscriptions import list_subscriptions

    store = _store()
    try:
        subs = list_subscriptions(store)
    finally:
        store.close()
    if fmt == "jsonl":
        _rows([s.as_dict() for s in subs], _format()(fmt), "Subscriptions")
        return
    _rows([{"id": s.id, "state": "paused" if s.paused else "active", "label": s.spec.label,
            "watching": s.spec.describe(), "entities": ", ".join(f"{s.name_of(i)} ({i})" for i in sorted(s.entity_ids))}
           for s in subs], _format()(fmt), "Subscriptions")


def _set_paused(sub_id: str, paused: bool) -> None:
    from engine.alerts.subscriptions import pause

    store = _store()
    try:
        found = pause(store, sub_id, paused)
    finally:
        store.close()
    if not found:
        err.print(f"[red]no subscription {sub_id}[/red]")
        raise typer.Exit(1)
    console.print(f"{'paused' if paused else 'resumed'} {sub_id}")


@alerts_app.command("pause")
def pause_command(sub_id: Annotated[str, typer.Argument(help="Subscription id.")]) -> None:
    """Stop delivering for now (what happens meanwhile is not sent later)."""
    _set_paused(sub_id, True)


@alerts_app.command("resume")
def resume_command(sub_id: Annotated[str, typer.Argument(help="Subscription id.")]) -> None:
    """Deliver again."""
    _set_paused(sub_id, False)


@alerts_app.command("delete")
def delete_command(sub_id: Annotated[str, typer.Argument(help="Subscription id.")]) -> None:
    """Delete a subscription (its delivery log stays)."""
    from engine.alerts.subscriptions import delete

    store = _store()
    try:
        found = delete(store, sub_id)
    finally:
        store.close()
    if not found:
        err.print(f"[red]no subscription {sub_id}[/red]")
        raise typer.Exit(1)
    console.print(f"deleted {sub_id}")


@alerts_app.command("log")
def log_command(
    subscription: Annotated[str | None, typer.Option("--subscription", "-s", help="Only this subscription.")] = None,
    status: Annotated[str | None, typer.Option(help="delivered, sending, retrying, queued, digested, dlq, "
                                                    "cancelled.")] = None,
    limit: Annotated[int, typer.Option(help="Most deliveries shown.")] = 100,
    fmt: Annotated[str, typer.Option("--format", help="table (one row per try) or jsonl (one per alert).")] = "table",
) -> None:
    """Every alert and digest, newest first, with each try: when, channel, result, latency."""
    from engine.alerts import delivery

    store = _store()
    try:
        rows = delivery.log(store, subscription, status, limit)
    finally:
        store.close()
    if fmt == "jsonl":
        _rows(rows, _format()(fmt), "Deliveries")
        return
    table = []
    for row in rows:
        tries = row["attempts"] or [{}]
        for attempt in tries:
            table.append({"delivery": row["id"], "subscription": row["subscription"], "event": row["event_kind"],
                          "status": row["status"], "try": attempt.get("try"), "at": attempt.get("at"),
                          "channel": row["channel"], "result": attempt.get("result"),
                          "detail": attempt.get("detail"), "latency_ms": attempt.get("latency_ms"),
                          "reason": row.get("reason") if attempt is tries[-1] else None})
    _rows(table, _format()("table"), "Deliveries")


@alerts_app.command("digest")
def digest_command(
    now: Annotated[bool, typer.Option("--now", help="Send every waiting digest now, its period over or not.")] = False,
) -> None:
    """Send the digests whose period is over (the worker does it by itself every second)."""
    import asyncio
    from datetime import UTC, datetime, timedelta

    from engine.alerts.service import AlertsService

    store = _store()
    try:
        service = AlertsService(store)
        when = datetime.now(UTC) + timedelta(days=3650) if now else None

        async def run() -> int:
            try:
                sent = await service.send_digests(when)
                await service.drain()
                while service.pending:  # a failed try is retried here too, as the worker would
                    await asyncio.sleep(1.0)
                    await service.retry_due()
                return sent
            finally:
                await service.close()

        sent = asyncio.run(run())
    finally:
        store.close()
    console.print(f"{sent} digest(s) sent: {service.counts.delivered} accepted, {service.counts.dead} dead-lettered")


def register(app: typer.Typer) -> None:
    app.add_typer(alerts_app, name="alerts")
