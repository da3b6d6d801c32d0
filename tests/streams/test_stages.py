"""The worker's stages split over processes: one runs normalise, one link, one alerts (with the on-arrival
check of what the link process wrote, handed over on ``graph.touched``), each in a consumer group of its own.
Together they give the graph and the flags that one worker running all three gives.

The reference run is one worker on servers of its own, from the same records (part of SAT's list, the real
OCDS samples, a generated scenario with planted conflicts) published the same way. What is compared is what
does not depend on the order in which records of different topics arrive, which no consumer group fixes: two
runs of one worker on the same records differ too, in the id of a company first met without an identifier
(named after the mention that made it) and so in the ids of flags about it, and in which flags the
on-arrival check finds first (the scheduled scan finds the rest). So: the nodes and relationships counted,
ids keyed by identifiers, companies and public bodies as sets of mentions, the relationships other than
a public body's ties (which unit is part of which body, positions held in it, resolved by the order bodies
are met in) and flags, the patterns the scan flags. Seen here between runs of either kind: a public body's
id, one PART_OF and one HOLDS_POSITION more or less, and with them one P002 flag more or less after the scan.
"""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import pytest

from devtools.scenario import generate_scenario
from engine.detection.runner import run_detection
from engine.eventlog.kafka import GRAPH_TOUCHED, MENTIONS, LagProbe
from engine.graph.cypher import Statement
from engine.graph.store import GraphStore, open_store
from engine.intake import publish
from engine.runtime.embedded import EmbeddedServices
from engine.runtime.endpoints import Endpoints
from streams.app import STAGES, Activity, group_id, stage_topics
from streams.worker import run_worker
from tests.conftest import shared
from tests.helpers import counts, ids, rel_counts

pytestmark = pytest.mark.services
LABELS = ("Person", "Mention", "ContractingProcess", "Contract", "Address")  # ids from identifiers


def test_each_set_of_stages_is_its_own_group():
    assert group_id("vinculo", STAGES) == "vinculo"
    assert group_id("vinculo", ("alerts", "link", "normalize")) == "vinculo"
    assert group_id("vinculo", ("normalize",)) == "vinculo-normalize"
    assert group_id("vinculo", ("alerts", "link")) == "vinculo-link-alerts"
    assert stage_topics(("link",)) == [MENTIONS]
    assert set(stage_topics(STAGES)) >= {MENTIONS, "flags", "graph.changes", "graph.touched", "raw.ocds"}
    for wrong in ((), ("link", "nomalize")):
        with pytest.raises(ValueError, match="stage"):
            group_id("vinculo", wrong)


def _publish(stack: Endpoints, tmp_path: Path) -> None:
    ocds = shared("ocds")
    sat = tmp_path / "Listado_Completo_69-B.csv"
    if not sat.exists():
        listed = shared("sat69b", "Listado_Completo_69-B.csv").read_bytes().splitlines(keepends=True)
        sat.write_bytes(b"".join(listed[:1500]))
        generate_scenario(1, tmp_path / "scenario", ocds)
    publish("ocds", [ocds], stack.kafka_bootstrap, partitions=3)
    publish("sat69b", [sat], stack.kafka_bootstrap, partitions=3)
    for kind, folder in (("pdn-s1", "s1"), ("pdn-s2", "s2"), ("pdn-s3", "s3"), ("bods", "bods")):
        publish(kind, [tmp_path / "scenario" / folder], stack.kafka_bootstrap, partitions=3)


def _flags(store: GraphStore) -> set[str]:
    return {r["id"] for r in store.read("MATCH (f:Flag) RETURN f.id AS id")}


def _by_pattern(store: GraphStore) -> dict[str, int]:
    return {r["p"]: r["n"] for r in store.read("MATCH (f:Flag) RETURN f.pattern AS p, count(f) AS n")}


def _members(store: GraphStore) -> dict[str, set[frozenset[str]]]:
    """Each company and public body as the set of its mentions: what resolution decided, whatever the node
    is called."""
    out: dict[str, set[frozenset[str]]] = {}
    for label in ("Company", "PublicBody"):
        rows = store.run(Statement("members", f"MATCH (m:Mention)-[:RESOLVED_TO]->(e:{label}) "
                                              "RETURN e.id AS e, collect(m.id) AS ms", ()))
        out[label] = {frozenset(r["ms"]) for r in rows}
    return out


def test_split_stages_give_the_graph_and_flags_of_one_worker(stack, tmp_path):
    services = EmbeddedServices(tmp_path / "reference")
    infos = services.up()
    try:
        whole = Endpoints(infos["kafka"].url, infos["graph"].url, None, services.password(), "vinculo",
                          services.home)
        _publish(whole, tmp_path)
        run_worker(whole, until_idle=True, idle_seconds=2.0, max_seconds=300)
        want = open_store(whole.graph_uri, None, whole.graph_password)
        assert _flags(want), "the reference found no conflict on arrival"
        run_detection(want)  # the scheduled scan
        reference = (counts(want), rel_counts(want), {label: ids(want, label) for label in LABELS},
                     _members(want), _by_pattern(want))
        want.close()
    finally:
        services.down()

    _publish(stack, tmp_path)

    split = dataclasses.replace(stack, home=tmp_path / "split")
    runs: dict[str, list[Activity]] = {"normalize": [], "link": [], "alerts": []}

    def run(stages: tuple[str, ...]) -> None:
        runs[stages[0]].append(run_worker(split, until_idle=True, idle_seconds=4.0, max_seconds=300, stages=stages))

    threads = [threading.Thread(target=run, args=(stages,)) for stages in (("normalize",), ("link",), ("alerts",))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # a process fed by another may call itself drained before anything has reached it: it is run again until
    # its group has read everything (what `--until-idle` promises is "drained when it looked")
    for stages, topic in ((("link",), MENTIONS), (("alerts",), GRAPH_TOUCHED)):
        probe = LagProbe(stack.kafka_bootstrap, group_id("vinculo", stages), [topic])
        try:
            for _ in range(3):
                if probe.lagging() == 0:
                    break
                run(stages)
            assert probe.lagging() == 0
        finally:
            probe.close()
    (normalized,), linked, alerted = runs["normalize"], runs["link"], runs["alerts"]
    assert normalized.records > 1500 and normalized.written == 0  # each process did its own stage only
    assert sum(a.records for a in linked) == 0
    assert sum(a.written for a in linked) == normalized.records - normalized.skipped
    # the on-arrival check ran in the alerts process, from what the link process said it touched
    assert sum(a.flags for a in linked) == 0 and sum(a.flags for a in alerted) > 0
    assert sum(a.written for a in alerted) == 0

    got = open_store(split.graph_uri, split.graph_user, split.graph_password, split.graph_name)
    try:
        node_counts, rels, node_ids, members, patterns = reference
        on_arrival = _flags(got)
        assert on_arrival, "the split run found no conflict on arrival"
        run_detection(got)
        assert on_arrival <= _flags(got)  # what was flagged on arrival, the scan finds again
        varying = ("Flag", "CONCERNS", "PART_OF", "HOLDS_POSITION")
        assert {k: v for k, v in counts(got).items() if k not in varying} == \
            {k: v for k, v in node_counts.items() if k not in varying}
        assert {k: v for k, v in rel_counts(got).items() if k not in varying} == \
            {k: v for k, v in rels.items() if k not in varying}
        for label in LABELS:
            assert ids(got, label) == node_ids[label], label
        assert _members(got) == members
        assert set(_by_pattern(got)) == set(patterns) and {"P002", "P003"} <= set(patterns)
    finally:
        got.close()


def test_what_a_link_process_touched_travels_in_messages_of_bounded_size(monkeypatch):
    import streams.app as streams_app

    monkeypatch.setattr(streams_app, "TOUCHED_IDS_PER_MESSAGE", 3)
    touched = {"Company": {"c1", "c2"}, "Person": {"p1", "p2", "p3"}, "Mention": {"m1"}}
    messages = streams_app.touched_messages(touched)
    assert len(messages) == 2  # five ids of the labels the check starts from, three a message; no Mention
    back: dict[str, set[str]] = {}
    for message in messages:
        for label, found in streams_app.read_touched(message).items():
            back.setdefault(label, set()).update(found)
    assert back == {"Company": {"c1", "c2"}, "Person": {"p1", "p2", "p3"}}
    for bad in (b"", b"not json", b"[]", b'{"touched": {"Company": "c1"}}', b'{"touched": {"Company": [1]}}'):
        with pytest.raises(ValueError, match="graph.touched"):
            streams_app.read_touched(bad)
