"""`vinculo serve`, `vinculo tokens …` and `vinculo audit`: the workspace from the terminal."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

console = Console()
err = Console(stderr=True)
tokens_app = typer.Typer(help="Workspace tokens: create (shown once), list, revoke.", no_args_is_help=True)


def _store() -> Any:
    from engine.cli import _store as open_configured_store

    return open_configured_store()


def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (default VINCULO_API_HOST, 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default VINCULO_API_PORT, 8600).")] = None,
) -> None:
    """Serve the investigators' workspace: the HTTP API (/docs) and the web UI (/)."""
    import uvicorn

    from engine.api.app import create_app
    from engine.api.search import backfill_search_text
    from engine.cli import _settings

    settings = _settings()
    store = _store()
    try:
        store.ensure_schema()
        filled = backfill_search_text(store)
        if filled:
            console.print(f"[dim]{filled} node(s) given their folded search text[/dim]")
        app = create_app(store, settings)
        bind, listen = host or settings.api_host, port or settings.api_port
        console.print(f"Vínculo workspace on http://{bind}:{listen}/ (API docs at /docs); Ctrl-C to stop")
        uvicorn.run(app, host=bind, port=listen, log_level="warning", access_log=False)
    finally:
        store.close()


@tokens_app.command("create")
def tokens_create(
    name: Annotated[str, typer.Option("--name", help="Who holds it (kept in the audit trail).")],
    role: Annotated[str, typer.Option("--role", help="journalist, analyst or admin.")],
) -> None:
    """Create a token and print it once; only its salted hash is stored."""
    from engine.api.auth import Role, create_token

    if role not in Role.__members__:
        err.print(f"[red]--role must be one of {', '.join(Role.__members__)}[/red]")
        raise typer.Exit(2)
    store = _store()
    try:
        store.ensure_schema()
        made = create_token(store, name, Role(role))
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    finally:
        store.close()
    err.print(f"token {made.id} for {made.name} ({made.role.value}); shown once, keep it safe:")
    sys.stdout.write(made.token + "\n")


@tokens_app.command("list")
def tokens_list() -> None:
    """Every token's id, name, role, creation and revocation (never the token)."""
    from engine.api.auth import list_tokens

    store = _store()
    try:
        rows = list_tokens(store)
    finally:
        store.close()
    table = Table(title="Workspace tokens")
    for col in ("id", "name", "role", "created_at", "revoked_at"):
        table.add_column(col)
    for row in rows:
        table.add_row(*[str(row.get(c) or "") for c in ("id", "name", "role", "created_at", "revoked_at")])
    console.print(table)


@tokens_app.command("revoke")
def tokens_revoke(token_id: Annotated[str, typer.Argument(help="The token's id (see `vinculo tokens list`).")]) -> None:
    """Revoke a token (within VINCULO_API_TOKEN_CACHE_SECONDS on a running server)."""
    from engine.api.auth import revoke_token

    store = _store()
    try:
        found = revoke_token(store, token_id)
    finally:
        store.close()
    if not found:
        err.print(f"[red]no token {token_id}[/red]")
        raise typer.Exit(1)
    console.print(f"revoked {token_id}")


def audit(
    actor: Annotated[str | None, typer.Option(help="Only this token name.")] = None,
    action: Annotated[str | None, typer.Option(help="Only this action (search, view_entity, change_flag, …).")] = None,
    target: Annotated[str | None, typer.Option(help="Only this entity, flag or token id.")] = None,
    since: Annotated[str | None, typer.Option(help="From this date or time on (ISO-8601).")] = None,
    limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 100,
    jsonl: Annotated[bool, typer.Option("--jsonl", help="One JSON object a line.")] = False,
) -> None:
    """The workspace's audit trail: who viewed, searched, changed or exported what, when, from where."""
    from engine.api import audit as trail

    store = _store()
    try:
        rows = trail.read(store, actor, action, target, since, limit)
    finally:
        store.close()
    if jsonl:
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        return
    table = Table(title="Audit trail")
    for col in ("at", "actor", "role", "action", "target", "client", "status", "detail"):
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*[json.dumps(row[c], ensure_ascii=False) if isinstance(row.get(c), dict)
                        else str(row.get(c) or "")
                        for c in ("at", "actor", "role", "action", "target", "client", "status", "detail")])
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(audit)
    app.add_typer(tokens_app, name="tokens")
