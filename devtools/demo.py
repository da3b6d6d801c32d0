"""`make demo`: start the embedded servers, publish the real reference data, process it
until idle, run detection, and show what the graph holds and how to look at it."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

console = Console()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.demo")
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    args = parser.parse_args(argv)
    data = args.data.resolve()
    ocds_dir, sat_csv = data / "ocds", data / "sat69b" / "Listado_Completo_69-B.csv"
    if not ocds_dir.is_dir() or not sat_csv.is_file():
        console.print(
            f"[red]The reference data is missing:[/red] expected {ocds_dir} and {sat_csv}.\n"
            "Vínculo's demo reads real public data from the shared folder beside the project "
            "(../shared/data). Put it there, or run `make demo SHARED=/path/to/shared`."
        )
        return 2

    from devtools.evaluation import evaluate
    from devtools.scenario import generate_scenario
    from engine.detection.runner import publish_new_flags, run_detection
    from engine.eventlog.kafka import FLAGS, make_producer
    from engine.graph import cypher
    from engine.graph.store import open_store
    from engine.intake import publish
    from engine.runtime.endpoints import resolve_endpoints
    from engine.settings import get_settings
    from streams.worker import run_worker

    settings = get_settings()
    started = time.monotonic()
    console.rule("[bold]Vínculo demo")
    with console.status("starting the embedded broker (Tansu) and graph server (FalkorDB)…"):
        ep = resolve_endpoints(settings)
    console.print(f"services: kafka {ep.describe()['kafka']}, graph {ep.describe()['graph']}")

    inputs = Table(title="What went in")
    for col in ("data", "kind", "source", "files", "records"):
        inputs.add_column(col)
    with console.status("publishing OCDS records (CompraNet / Grupo Aeroportuario)…"):
        r = publish("ocds", [ocds_dir], ep.kafka_bootstrap, settings.topic_partitions)
    inputs.add_row("[green]real[/green]", "ocds", str(ocds_dir), str(r.files), str(r.records))
    with console.status("publishing SAT's 69-B list…"):
        r = publish("sat69b", [sat_csv], ep.kafka_bootstrap, settings.topic_partitions)
    inputs.add_row("[green]real[/green]", "sat69b", str(sat_csv), str(r.files), str(r.records))
    scenario = settings.home_dir / "scenario"
    with console.status("generating a scenario (seed 1): declarations, S2, sanctions, an ownership chain…"):
        summary = generate_scenario(1, scenario, ocds_dir).summary()
    for kind, folder in (("pdn-s1", "s1"), ("pdn-s2", "s2"), ("pdn-s3", "s3"), ("bods", "bods")):
        r = publish(kind, [scenario / folder], ep.kafka_bootstrap, settings.topic_partitions)
        inputs.add_row("[yellow]generated[/yellow]", kind, str(scenario / folder), str(r.files), str(r.records))
    console.print(inputs)
    console.print(
        f"[dim]The generated scenario (seed 1) names officials of the real buyers above; "
        f"{summary['officials'] - summary['innocents']} of {summary['officials']} have planted conflicts with real "
        f"suppliers, the rest are innocent (truth: {scenario / 'truth.jsonl'}).[/dim]"
    )

    with console.status("processing the raw topics into the graph until idle…"):
        activity = run_worker(ep, until_idle=True, idle_seconds=3.0, partitions=settings.topic_partitions,
                              app_id=settings.app_id, batch_size=settings.write_batch)
    console.print(
        f"stream worker: {activity.records} record(s) read, {activity.written} written, "
        f"{activity.dead} dead-lettered, {activity.skipped} skipped (identities suppressed by court order)"
    )

    store = open_store(ep.graph_uri, ep.graph_user, ep.graph_password, ep.graph_name)
    try:
        with console.status("running detection…"):
            report = run_detection(store)
            producer = make_producer(ep.kafka_bootstrap)
            try:
                sent = publish_new_flags(
                    store, lambda k, v: producer.send(FLAGS, key=k.encode(), value=v).get(30))
            finally:
                producer.close()
        tied: dict[str, set[str]] = {}
        for tie in ("OWNS", "DIRECTS", "REPRESENTS"):
            for family in (False, True):
                for row in store.run(cypher.officials_tied_to_own_suppliers(tie, family)):
                    tied.setdefault(row["official"], set()).add(row["company"])
        evaluation = evaluate(store, scenario / "truth.jsonl")
        graph = Table(title="What the graph holds")
        graph.add_column("nodes by label")
        graph.add_column("count", justify="right")
        for row in store.run(cypher.COUNT_BY_LABEL):
            graph.add_row(row["label"], f"{row['count']:,}")
        rels = Table(title="Relationships")
        rels.add_column("type")
        rels.add_column("count", justify="right")
        for row in store.run(cypher.COUNT_BY_REL_TYPE):
            rels.add_row(row["type"], f"{row['count']:,}")
        console.print(graph, rels)
        flags = store.run(cypher.LIST_FLAGS, {"pattern": None, "status": None, "limit": 100})
    finally:
        store.close()

    console.print(
        f"[bold]{len(tied)} official(s)[/bold] declare a tie (own, or a spouse's or dependant's: ownership, "
        "direction, representation) to a company that supplies their own institution."
    )
    console.print(f"detection: {report.findings} — {sent} new flag(s) on topic '{FLAGS}'")
    for f in flags:
        evidence = json.loads(f["evidence"]) if isinstance(f["evidence"], str) else (f["evidence"] or {})
        path = " → ".join(str(p) for p in evidence.get("path", []))
        console.print(Panel(f"{f['sentence']}\n[dim]path: {path}[/dim]",
                            title=f"{f['pattern']} · {f['severity']} · {f['score']:.2f}"))
    if not any(f["pattern"] == "P001" for f in flags):
        console.print("[dim]P001: none of the real OCDS suppliers is on SAT's 69-B list (joined on RFC).[/dim]")
    recall = evaluation.recall_direct_and_chain
    console.print(
        f"against the planted truth: recall {recall:.0%} for direct and chain conflicts, precision "
        f"{evaluation.precision:.0%} over P002–P006; planted {sum(evaluation.planted.values())}, found "
        f"{sum(evaluation.found.values())}; missed: {[m['kind'] for m in evaluation.missed] or 'none'}"
    )
    console.print(Panel.fit(
        "source .venv/bin/activate           # puts `vinculo` on your PATH\n"
        "vinculo status                      # services and URLs\n"
        "vinculo stats                       # counts by label and relationship type\n"
        "vinculo flags                       # flags, strongest first (--format jsonl)\n"
        "vinculo dlq                         # records that could not be used, and why\n"
        "vinculo query 'MATCH (b:PublicBody)-[:BUYER_OF]->(p)-[:AWARDED]->(k)<-[:SUPPLIES]-(s) "
        "RETURN b.name, k.title, k.amount, s.name LIMIT 10'\n"
        "vinculo query 'MATCH (s:Sanction)-[:SANCTIONED]->(c) WHERE c.rfc = $rfc RETURN s, c' "
        "--param rfc=AAA080808HL8\n"
        "vinculo down                        # stop the embedded servers",
        title="Look at the graph",
    ))
    console.print(f"[dim]done in {time.monotonic() - started:.0f} s; the servers keep running "
                  f"(data folder {settings.home_dir}).[/dim]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
