"""The ``vinculo`` command."""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from engine.alerts.cli import register as register_alerts
from engine.api.cli import register as register_workspace
from engine.settings import Settings, get_settings, redact

app = typer.Typer(
    name="vinculo",
    help="Find hidden links in anticorruption open data: publish records, resolve them into a "
    "graph, flag conflicts of interest, deliver alerts.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err = Console(stderr=True)


class Format(StrEnum):
    table = "table"
    jsonl = "jsonl"


def _settings() -> Settings:
    try:
        return get_settings()
    except Exception as exc:  # pydantic's message names the variable and what was wrong
        err.print(f"[red]invalid settings:[/red] {exc}")
        raise typer.Exit(2) from exc


def _endpoints(start: bool = True) -> Any:
    from engine.runtime.embedded import EmbeddedError
    from engine.runtime.endpoints import resolve_endpoints

    try:
        return resolve_endpoints(_settings(), start=start)
    except (EmbeddedError, RuntimeError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc


def _store() -> Any:
    from engine.graph.store import open_store

    ep = _endpoints()
    return open_store(ep.graph_uri, ep.graph_user, ep.graph_password, ep.graph_name)


def _print_rows(rows: list[dict[str, Any]], fmt: Format, title: str | None = None) -> None:
    if fmt is Format.jsonl:
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        return
    table = Table(title=title, show_lines=False)
    columns = list(rows[0].keys()) if rows else []
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*[_cell(row.get(c)) for c in columns])
    console.print(table)
    console.print(f"[dim]{len(rows)} row(s)[/dim]")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


@app.callback()
def main(verbose: Annotated[int, typer.Option("--verbose", "-v", count=True,
                                              help="Log progress; twice (-vv) also the Kafka and stream "
                                                   "libraries' own progress.")] = 0) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    libraries = {0: logging.ERROR, 1: logging.WARNING}.get(verbose, logging.INFO)
    for noisy in ("kafka", "aiokafka", "faust", "mode"):
        logging.getLogger(noisy).setLevel(libraries)


# -- services -------------------------------------------------------------------------------
@app.command()
def up() -> None:
    """Start the embedded broker (Tansu) and graph server (FalkorDB), or reuse running ones."""
    from engine.runtime.embedded import EmbeddedError, EmbeddedServices

    settings = _settings()
    services = EmbeddedServices(settings.home_dir)
    wanted = tuple(
        n for n, emb in (("kafka", settings.embedded_kafka), ("graph", settings.embedded_graph)) if emb
    )
    if not wanted:
        console.print("Both VINCULO_KAFKA_BOOTSTRAP and VINCULO_GRAPH_URI are set: nothing to start.")
        return
    try:
        infos = services.up(wanted)
    except EmbeddedError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    for info in infos.values():
        console.print(f"[green]✓[/green] {info.name:<6} {info.url}  (pid {info.pid})")
    console.print(f"[dim]data folder: {services.home}[/dim]")


@app.command()
def down() -> None:
    """Stop the embedded servers this data folder started."""
    from engine.runtime.embedded import EmbeddedServices

    stopped = EmbeddedServices(_settings().home_dir).down()
    console.print(f"stopped: {', '.join(stopped)}" if stopped else "nothing was running")


@app.command()
def status() -> None:
    """Show each service, its URL and its health."""
    from engine.runtime.embedded import EmbeddedServices

    settings = _settings()
    rows = EmbeddedServices(settings.home_dir).status()
    table = Table(title="Vínculo services")
    for col in ("service", "mode", "url", "state", "pid"):
        table.add_column(col)
    for row in rows:
        external = settings.kafka_bootstrap if row["service"] == "kafka" else settings.graph_uri
        if external:
            table.add_row(str(row["service"]), "external", redact(external), "configured", "")
        else:
            colour = {"healthy": "green", "stopped": "dim"}.get(str(row["state"]), "red")
            table.add_row(str(row["service"]), "embedded", str(row["url"]),
                          f"[{colour}]{row['state']}[/{colour}]", str(row["pid"] or ""))
    console.print(table)


# -- data in --------------------------------------------------------------------------------
@app.command()
def publish(
    kind: Annotated[str, typer.Argument(help="Source kind: ocds, sat69b.")],
    paths: Annotated[list[Path], typer.Argument(help="Files or folders.", exists=True)],
) -> None:
    """Publish source files to their raw topic, one message per record."""
    from engine.intake import publish as do_publish
    from engine.sources import SOURCES

    if kind not in SOURCES:
        err.print(f"[red]unknown kind {kind!r}[/red]; known: {', '.join(SOURCES)}")
        raise typer.Exit(2)
    ep = _endpoints()
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=True,
    ) as progress:
        task = progress.add_task(f"publishing {kind}", total=None)
        report = do_publish(kind, paths, ep.kafka_bootstrap, _settings().topic_partitions,
                            progress=lambda _p, n: progress.advance(task, n))
    console.print(
        f"published {report.records} {kind} record(s) from {report.files} file(s) to raw.{kind}"
        + (f"; [yellow]{report.broken} unreadable input(s) sent on for the dead-letter topic[/yellow]"
           if report.broken else "")
        + (f"; [yellow]{report.dead_lettered} over the message limit sent to dlq[/yellow]"
           if report.dead_lettered else "")
    )
    if report.undelivered:
        for where, why in report.undelivered[:10]:
            err.print(f"[red]not accepted by the broker:[/red] {where}: {why}")
        err.print(f"[red]{len(report.undelivered)} record(s) not published; publish again to send them[/red]")
        raise typer.Exit(1)


@app.command()
def worker(
    until_idle: Annotated[bool, typer.Option("--until-idle", help="Exit once every input topic is drained.")] = False,
    idle_seconds: Annotated[float, typer.Option(help="Quiet time that counts as drained.")] = 3.0,
    stages: Annotated[str, typer.Option(
        help="Stages this process runs, comma-separated: normalize (raw topics → mentions), link (mentions → "
             "graph, on-arrival flags), alerts (flags and changes → deliveries). Split over processes, each has a "
             "core of its own; each set of stages is its own consumer group.")] = "normalize,link,alerts",
) -> None:
    """Run the stream worker: raw topics → graph (+ dead letters), flags → alerts."""
    from streams.app import group_id
    from streams.worker import leave_stuck_threads, run_worker

    settings = _settings()
    chosen = tuple(s.strip() for s in stages.split(",") if s.strip())
    try:
        group_id(settings.app_id, chosen)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--stages") from exc
    activity = run_worker(
        _endpoints(), until_idle=until_idle, idle_seconds=idle_seconds,
        partitions=settings.topic_partitions, app_id=settings.app_id, batch_size=settings.write_batch,
        within=settings.batch_within_ms / 1000, fetch_max_wait_ms=settings.fetch_max_wait_ms, stages=chosen,
    )
    console.print(
        f"processed {activity.records} record(s): {activity.written} written, "
        f"{activity.dead} dead-lettered, {activity.skipped} skipped; {activity.alerts} alert(s) delivered"
        + (f"; {activity.restarts} stalled stream(s) taken up by a fresh consumer" if activity.restarts else "")
    )
    leave_stuck_threads()


@app.command()
def watch(
    folder: Annotated[Path, typer.Argument(help="Folder to watch.", exists=True, file_okay=False)],
    kind: Annotated[str, typer.Option("--kind", help="Source kind of the files.")],
    interval: Annotated[float, typer.Option(help="Seconds between scans.")] = 2.0,
    once: Annotated[bool, typer.Option("--once", help="Publish what is there now, then exit.")] = False,
) -> None:
    """Publish files as they appear in FOLDER (each once, also across restarts)."""
    from engine.intake import FolderWatcher, Publisher

    settings = _settings()
    ep = _endpoints()
    publisher = Publisher(kind, ep.kafka_bootstrap, settings.topic_partitions)
    watcher = FolderWatcher(folder, kind, publisher, settings.home_dir)
    try:
        if once:
            watcher.scan()
            time.sleep(min(interval, 1.0))
            report = watcher.scan()
            console.print(f"published {report.records} record(s) from {report.files} new file(s)")
            for name in report.skipped_links:
                err.print(f"[yellow]skipped symbolic link {name}[/yellow]")
            if report.undelivered:
                err.print(f"[red]{len(report.undelivered)} record(s) not accepted by the broker; "
                          "their files will be sent again[/red]")
                raise typer.Exit(1)
            return
        console.print(f"watching {folder} for {kind} files every {interval:.0f} s (Ctrl-C to stop)")
        while True:
            report = watcher.scan()
            for name in report.published_files:
                console.print(f"published {name}")
            time.sleep(interval)
    except KeyboardInterrupt:
        pass
    finally:
        publisher.close()


@app.command()
def poll(
    url: Annotated[str, typer.Argument(help="First page of a paginated JSON API (OCDS links.next or PDN pagination).")],
    kind: Annotated[str, typer.Option("--kind", help="Source kind of the records.")],
    method: Annotated[str, typer.Option(help="GET, or POST for the PDN APIs.")] = "GET",
    page_size: Annotated[int, typer.Option(help="Records per page to ask for.")] = 100,
    header: Annotated[list[str] | None, typer.Option(
        "--header", help="'Name: value', not secret (a token goes in --header-file or VINCULO_POLL_AUTHORIZATION).")
    ] = None,
    header_file: Annotated[Path | None, typer.Option(
        "--header-file", help="File of 'Name: value' lines (e.g. 'Authorization: Bearer …'); keep it 0600.",
        exists=True, dir_okay=False)] = None,
    allow_origin: Annotated[list[str] | None, typer.Option(
        "--allow-origin", help="Another origin links.next may lead to (credentials are never sent there).")] = None,
) -> None:
    """Publish the records that are new since the last poll of URL.

    Secrets never on the command line: ``Authorization`` comes from ``VINCULO_POLL_AUTHORIZATION`` or a
    header file; they are sent only to the URL's own origin."""
    from engine.intake import APIPoller, PageSpec, PollRefused, Publisher, is_secret_header

    headers = {}
    lines = list(header or [])
    for item in lines:
        name = item.partition(":")[0]
        if is_secret_header(name):
            err.print(f"[red]{name.strip()} looks secret: put it in --header-file or VINCULO_POLL_AUTHORIZATION, "
                      "not on the command line[/red]")
            raise typer.Exit(2)
    if header_file is not None:
        lines += [line for line in header_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    for item in lines:
        name, sep, value = item.partition(":")
        if not sep:
            err.print("[red]a header must be 'Name: value'[/red]")
            raise typer.Exit(2)
        headers[name.strip()] = value.strip()
    token = os.environ.get("VINCULO_POLL_AUTHORIZATION")
    if token:
        headers["Authorization"] = token
    settings = _settings()
    ep = _endpoints()
    publisher = Publisher(kind, ep.kafka_bootstrap, settings.topic_partitions)
    try:
        poller = APIPoller(url, kind, publisher, settings.home_dir,
                           PageSpec(method=method.upper(), page_size=page_size, headers=headers,
                                    allowed_origins=tuple(allow_origin or ())))
        report = poller.poll()
    except PollRefused as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    finally:
        publisher.close()
    console.print(f"read {report.pages} page(s), {report.seen} record(s); published {report.published} new")
    if report.undelivered:
        err.print(f"[red]{len(report.undelivered)} record(s) not accepted by the broker; the page will be "
                  "fetched again next time[/red]")
        raise typer.Exit(1)


generate_app = typer.Typer(help="Generate realistic, seeded test data.", no_args_is_help=True)
app.add_typer(generate_app, name="generate")


@generate_app.command("scenario")
def generate_scenario_cmd(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the scenario to.")],
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same files.")] = 1,
    ocds: Annotated[Path, typer.Option(help="Real OCDS files whose buyers and suppliers the scenario uses.")] = Path(
        "../shared/data/ocds"),
) -> None:
    """Write PDN S1/S2/S3 files (and a BODS chain) with planted conflicts, and truth.jsonl (a developer
    tool: it runs from a checkout of the repository, not from the installed package)."""
    checkout = Path(__file__).resolve().parents[1]  # beside the engine package in a checkout, absent from a wheel
    if (checkout / "devtools" / "scenario.py").exists() and str(checkout) not in sys.path:
        sys.path.insert(0, str(checkout))
    try:
        from devtools.scenario import generate_scenario
    except ImportError as exc:
        err.print("[red]the scenario generator is developer tooling: run it from a checkout of the repository "
                  "(python -m devtools.demo, vinculo generate scenario in the checkout's .venv)[/red]")
        raise typer.Exit(2) from exc

    if not ocds.is_dir():
        err.print(f"[red]no OCDS folder at {ocds}[/red] (the scenario is built on the real buyers and suppliers)")
        raise typer.Exit(2)
    summary = generate_scenario(seed, out, ocds).summary()
    conflicts = sum(summary["conflicts"].values())
    console.print(f"scenario seed {seed}: {summary['officials']} officials ({summary['innocents']} innocent), "
                  f"{conflicts} planted conflict(s) {summary['conflicts']}")
    console.print(f"written to {out} (truth in {out / 'truth.jsonl'})")


er_app = typer.Typer(help="Entity resolution: batch use and review of possible matches.", no_args_is_help=True)
app.add_typer(er_app, name="er")


@er_app.command("resolve")
def er_resolve(
    mentions: Annotated[Path, typer.Argument(help="JSON lines: {id, kind, name, rfc?, curp?, birth_date?, ...}",
                                             exists=True, dir_okay=False)],
    out: Annotated[Path, typer.Option("--out", help="Where to write {id, entity_id} per line.")],
    estimate: Annotated[bool, typer.Option(
        "--estimate/--no-estimate",
        help="Estimate the weights on this file first (EM over its blocked pairs, the stored weights as prior); "
             "--no-estimate uses the stored weights as they are.")] = True,
    weights: Annotated[Path | None, typer.Option(
        help="Weights file to start from (default: the shipped weights.json).", exists=True, dir_okay=False)] = None,
    save_weights: Annotated[Path | None, typer.Option(
        help="Write the weights used (the estimate, with --estimate) here, for the stream to load.")] = None,
) -> None:
    """Resolve a file of mentions with exactly the logic the stream uses."""
    from engine.entity_resolution import Model, resolve_jsonl

    try:
        resolver = resolve_jsonl(mentions, out, model=Model.load(weights) if weights else None, estimate=estimate,
                                 save_weights=save_weights)
    except (ValueError, KeyError) as exc:
        err.print(f"[red]bad mention:[/red] {exc}")
        raise typer.Exit(2) from exc
    entities = len({json.loads(line)["entity_id"] for line in out.read_text().splitlines() if line.strip()})
    estimated = resolver.model.meta.get("estimated", {})
    how = "; ".join(f"{kind}: {'estimated on ' + str(e['pairs']) + ' pairs' if 'kept' not in e else e['kept']}"
                    for kind, e in estimated.items()) if estimate else "stored weights"
    console.print(f"resolved into {entities} entit{'y' if entities == 1 else 'ies'} ({how}); "
                  f"{len(resolver.review_queue)} possible match(es) for review; wrote {out}")


@er_app.command("review")
def er_review(
    same: Annotated[tuple[str, str] | None, typer.Option(help="MENTION ENTITY: they are the same.")] = None,
    not_same: Annotated[tuple[str, str] | None, typer.Option(help="MENTION ENTITY: they are not the same.")] = None,
    author: Annotated[str, typer.Option(help="Who judges (kept with the judgment).")] = "",
    limit: Annotated[int, typer.Option(help="At most this many possible matches.")] = 50,
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
) -> None:
    """List possible matches, or record a judgment that overrides the score from now on."""
    from engine.graph import cypher
    from engine.pipeline.linker import record_judgment

    store = _store()
    try:
        if same or not_same:
            a, b = same or not_same  # type: ignore[misc]
            judgment = record_judgment(store, a, b, same is not None, author)
            console.print(f"recorded {judgment}: {a} {'is' if same else 'is not'} {b}; "
                          "the worker applies it and obeys it for every later mention")
            return
        rows = []
        for label in ("Person", "Company", "PublicBody"):
            rows += store.run(cypher.review_queue(label), {"limit": limit})
    finally:
        store.close()
    _print_rows(sorted(rows, key=lambda r: -(r.get("score") or 0))[:limit], fmt, "Possible matches")


@app.command()
def flag(
    flag_id: Annotated[str, typer.Argument(help="Flag id (see `vinculo flags`).")],
    status_: Annotated[str, typer.Option("--status", help="new, in_progress, confirmed or dismissed.")],
    note: Annotated[str, typer.Option(help="Why (kept in the flag's history).")] = "",
    author: Annotated[str, typer.Option(help="Who decides (kept in the flag's history).")] = "cli",
) -> None:
    """Set a flag's review status; the change is kept in the flag's history."""
    from engine.api.cases import STATUSES, update_flag
    from engine.api.graphview import NotFound

    if status_ not in STATUSES:
        err.print(f"[red]--status must be one of {', '.join(STATUSES)}[/red]")
        raise typer.Exit(2)
    store = _store()
    try:
        update_flag(store, flag_id, by=author, status=status_, comment=note or None)
    except NotFound as exc:
        err.print(f"[red]no flag {flag_id}[/red]")
        raise typer.Exit(1) from exc
    finally:
        store.close()
    console.print(f"{flag_id}: {status_}")


@app.command()
def scheduler(
    once: Annotated[bool, typer.Option("--once", help="Run each job once now, then exit.")] = False,
) -> None:
    """Run the scheduled jobs: full detection scans and reconciliation (cron from settings)."""
    from engine.jobs import run_jobs_once, run_scheduler

    settings = _settings()
    if once:
        for line in run_jobs_once(_endpoints(), settings):
            console.print(line)
        return
    console.print(f"scan: '{settings.scan_schedule}', reconcile: '{settings.reconcile_schedule}' (Ctrl-C to stop)")
    run_scheduler(_endpoints(), settings)


@app.command()
def cardinal(
    releases: Annotated[Path, typer.Argument(help="OCDS compiled releases, one per line.", exists=True)],
    settings_file: Annotated[Path | None, typer.Option("--settings", help="Cardinal settings (.ini).")] = None,
) -> None:
    """Run Cardinal's procurement red-flag indicators (same results as Cardinal) on a file."""
    from engine.detection.cardinal import Settings, read_jsonl, run_indicators
    from engine.detection.cardinal.settings import SettingsError

    try:
        config = Settings.from_path(settings_file) if settings_file else Settings.all_indicators()
    except SettingsError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    sys.stdout.write(json.dumps(run_indicators(read_jsonl(releases), config), indent=2, ensure_ascii=False) + "\n")


# -- detection and flags ---------------------------------------------------------------------
@app.command()
def detect(
    pattern: Annotated[list[str] | None, typer.Option("--pattern", "-p", help="Pattern code(s); default all.")] = None,
    scanners: Annotated[int, typer.Option(
        "--scanners", min=0, help="Share the scan among this many `vinculo scanner` processes (0: scan here).")] = 0,
) -> None:
    """Run the detection patterns once (a full scan), store flags, publish new ones on `flags`."""
    from engine.detection.runner import publish_new_flags, run_detection
    from engine.eventlog.kafka import FLAGS, TOPICS, ensure_topics, make_producer

    settings = _settings()
    ep = _endpoints()
    store = _store()
    try:
        store.ensure_schema()
        if scanners:
            from engine.detection.scan.tasks import ScanTaskFailed, distributed_scan

            try:
                report = distributed_scan(store, ep.kafka_bootstrap, scanners, pattern)
            except (ScanTaskFailed, TimeoutError) as exc:
                err.print(f"[red]{exc}[/red]")
                raise typer.Exit(1) from exc
        else:
            report = run_detection(store, pattern)
        ensure_topics(ep.kafka_bootstrap, list(TOPICS), settings.topic_partitions)
        producer = make_producer(ep.kafka_bootstrap)
        try:
            sent = publish_new_flags(
                store, lambda key, value: producer.send(FLAGS, key=key.encode(), value=value).get(30)
            )
        finally:
            producer.close()
    finally:
        store.close()
    for code, count in report.findings.items():
        console.print(f"{code}: {count} finding(s)")
    console.print(f"{sent} new flag(s) published on '{FLAGS}'")


@app.command()
def scanner(
    watch: Annotated[float | None, typer.Option(
        "--watch", help="Instead of running tasks: keep the graph's arrays and scan what changed every this many "
        "seconds (the records written since, what `graph.changes` names).")] = None,
    sweep: Annotated[float, typer.Option(help="With --watch: a full sweep every this many seconds.")] = 3600.0,
    idle_exit: Annotated[float | None, typer.Option(
        "--idle-exit", help="Stop after this many seconds without a task.")] = None,
) -> None:
    """Run scan tasks from `scan.tasks` (shares of a full scan `vinculo detect --scanners N` publishes), or
    with --watch scan incrementally with a full sweep now and then."""
    settings = _settings()
    ep = _endpoints()
    store = _store()
    try:
        store.ensure_schema()
        if watch is not None:
            from engine.detection.scan.watch import watch as run_watch

            console.print(f"scanning what changed every {watch:g} s, a full sweep every {sweep:g} s (Ctrl-C to stop)")
            run_watch(store, ep.kafka_bootstrap, watch, sweep, settings.topic_partitions)
            return
        from engine.detection.scan.tasks import ScanWorker

        worker = ScanWorker(store, ep.kafka_bootstrap)
        try:
            done = worker.run(idle_exit=idle_exit)
        finally:
            worker.close()
        console.print(f"{done} scan task(s) run")
    except KeyboardInterrupt:
        pass
    finally:
        store.close()


@app.command()
def flags(
    pattern: Annotated[str | None, typer.Option(help="Only this pattern code.")] = None,
    status_: Annotated[str | None, typer.Option("--status", help="new, confirmed or dismissed.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many.")] = 100,
    fmt: Annotated[Format, typer.Option("--format", help="table or jsonl.")] = Format.table,
) -> None:
    """List flags, strongest first."""
    from engine.graph import cypher

    store = _store()
    try:
        rows = store.run(cypher.LIST_FLAGS, {"pattern": pattern, "status": status_, "limit": limit})
    finally:
        store.close()
    for row in rows:
        if isinstance(row.get("evidence"), str):
            row["evidence"] = json.loads(row["evidence"])
    if fmt is Format.jsonl:
        _print_rows(rows, fmt)
        return
    table = Table(title="Flags", show_lines=True)
    for col in ("pattern", "severity", "score", "status", "sentence", "id"):
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(row["pattern"], row["severity"], f"{row['score']:.2f}", row["status"],
                      row["sentence"], row["id"])
    console.print(table)
    console.print(f"[dim]{len(rows)} flag(s)[/dim]")


@app.command()
def query(
    cypher_text: Annotated[str, typer.Argument(metavar="CYPHER", help="A read-only Cypher query.")],
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="name=value (value parsed as JSON if it can be).")
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", help="table or jsonl.")] = Format.table,
) -> None:
    """Run a read-only query on the configured graph."""
    from engine.graph.store import ReadOnlyViolation

    params: dict[str, Any] = {}
    for item in param or []:
        name, sep, raw = item.partition("=")
        if not sep or not name.isidentifier():
            err.print(f"[red]--param expects name=value, got {item!r}[/red]")
            raise typer.Exit(2)
        try:
            params[name] = json.loads(raw)
        except json.JSONDecodeError:
            params[name] = raw
    store = _store()
    try:
        rows = store.read(cypher_text, params)
    except ReadOnlyViolation as exc:
        err.print("[red]refused: `vinculo query` is read-only[/red]")
        raise typer.Exit(3) from exc
    except Exception as exc:
        err.print(f"[red]query failed:[/red] {exc}")
        raise typer.Exit(1) from exc
    finally:
        store.close()
    _print_rows(rows, fmt)


@app.command("export")
def export_cmd(
    fmt: Annotated[str, typer.Argument(metavar="FORMAT", help="graphml, gexf, ftm, csv or xlsx.")],
    out: Annotated[Path, typer.Option("--out", help="File to write; its manifest goes to FILE.manifest.json.")],
    entity: Annotated[str | None, typer.Option("--entity", help="An entity's neighbourhood (its id).")] = None,
    depth: Annotated[int, typer.Option(help="Hops from --entity (0–4).")] = 1,
    flag_id: Annotated[str | None, typer.Option("--flag", help="A flag's evidence (its id).")] = None,
    body: Annotated[str | None, typer.Option("--body", help="A public body's suppliers (its id).")] = None,
    all_flags: Annotated[bool, typer.Option("--flags", help="Flags as rows (csv or xlsx).")] = False,
    pattern: Annotated[str | None, typer.Option(help="With --flags: only this pattern code.")] = None,
    status_: Annotated[str | None, typer.Option("--status", help="With --flags: only this status.")] = None,
    max_nodes: Annotated[int, typer.Option(help="Stop growing the subgraph at this many nodes.")] = 2000,
) -> None:
    """Export a subgraph (--entity, --flag, --body) or the flags (--flags) to the tools journalists use."""
    from pydantic import ValidationError

    from engine.exports import FLAG_FORMATS, SUBGRAPH_FORMATS, Selection, export_flags, export_subgraph

    chosen = [name for name, value in (("--entity", entity), ("--flag", flag_id), ("--body", body),
                                       ("--flags", all_flags)) if value]
    if len(chosen) != 1:
        err.print("[red]give exactly one of --entity, --flag, --body or --flags[/red]")
        raise typer.Exit(2)
    formats = FLAG_FORMATS if all_flags else SUBGRAPH_FORMATS
    if fmt not in formats:
        err.print(f"[red]{'flags' if all_flags else 'a subgraph'} exports as {', '.join(formats)}, not {fmt!r}[/red]")
        raise typer.Exit(2)
    if fmt == "csv" and not all_flags and out.suffix.lower() != ".zip":
        err.print("[red]a subgraph as CSV is two tables (nodes.csv, relationships.csv) in a ZIP: "
                  "give --out a .zip name[/red]")
        raise typer.Exit(2)
    try:
        selection = None if all_flags else Selection(
            kind="entity" if entity else "flag" if flag_id else "body", id=entity or flag_id or body or "",
            depth=depth, max_nodes=max_nodes)
    except ValidationError as exc:
        err.print(f"[red]invalid selection:[/red] {exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}")
        raise typer.Exit(2) from exc
    store = _store()
    try:
        result = (export_flags(store, fmt, pattern, status_) if selection is None
                  else export_subgraph(store, selection, fmt))
    except LookupError as exc:
        err.print(f"[red]{exc.args[0]}[/red]")
        raise typer.Exit(1) from exc
    finally:
        store.close()
    written = result.write(out)
    counts = "; ".join(f"{group}: " + ", ".join(f"{k} {v}" for k, v in values.items())
                       for group, values in result.manifest.counts.items() if values)
    console.print(f"wrote {written[0]} ({fmt}) and {written[1].name}\n{counts or 'nothing matched'}")
    limits = result.manifest.limits
    if limits.truncated:
        for note in limits.notes:
            err.print(f"[yellow]limit: {note}[/yellow]")


@app.command()
def stats() -> None:
    """Counts of nodes by label and relationships by type."""
    from engine.graph import cypher

    store = _store()
    try:
        _print_rows(store.run(cypher.COUNT_BY_LABEL), Format.table, "Nodes")
        _print_rows(store.run(cypher.COUNT_BY_REL_TYPE), Format.table, "Relationships")
    finally:
        store.close()


@app.command()
def dlq(
    fmt: Annotated[Format, typer.Option("--format", help="table or jsonl.")] = Format.table,
) -> None:
    """Show the dead-letter topic: every record that could not be used, and why."""
    from engine.eventlog.kafka import DLQ, read_topic

    rows = []
    for msg in read_topic(_endpoints().kafka_bootstrap, DLQ, idle=1.5):
        entry = msg.json()
        rows.append({k: entry.get(k) for k in ("topic", "offset", "source", "locator", "stage", "reason")})
    _print_rows(rows, fmt, "Dead letters")


register_workspace(app)
register_alerts(app)

if __name__ == "__main__":
    app()
