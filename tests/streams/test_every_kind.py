"""Every source kind, published and processed by the real worker: nothing dead-lettered,
and the graph holds what the records say (checked against the records' own facts,
which the per-kind unit tests check against counts computed straight from the files)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from devtools.scenario import generate_scenario
from engine.intake import SUFFIXES
from engine.pipeline.facts import KeyLinker, record_to_graph
from engine.sources import get_source
from engine.sources.base import RecordContext, RecordSkipped, files_under
from tests.conftest import shared
from tests.helpers import dead_letters, process, publish_and_process, rel_counts

pytestmark = pytest.mark.services


def _expected(kind: str, paths: list[Path]) -> tuple[int, Counter[str], set[str]]:
    """Records, relationships by type, and ids of the non-resolved nodes the files describe."""
    source = get_source(kind)
    records, rels, keyed = 0, Counter(), set()
    for path in files_under(paths, SUFFIXES[kind]):
        for raw in source.read(path):
            records += 1
            try:
                record = source.normalize(raw.value, RecordContext.from_headers(raw.headers, path.name))
            except RecordSkipped:
                continue
            graph = record_to_graph(record, KeyLinker())
            rels.update(r.type for r in graph.rels if r.type != "RESOLVED_TO")
            keyed |= {n.id for n in graph.nodes if n.label in ("Sanction", "Declaration", "Contract")}
    return records, rels, keyed


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("scenario")
    generate_scenario(3, out, shared("ocds"))
    return out


CASES = {
    "bods": lambda s: [shared("bods")],
    "ftm": lambda s: [shared("ftm")],
    "csv": lambda s: [Path(__file__).parents[1] / "sources" / "data" / "contratos_municipio.csv"],
    "pdn-s1": lambda s: [s / "s1"],
    "pdn-s2": lambda s: [s / "s2"],
    "pdn-s3": lambda s: [s / "s3"],
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_kind_through_the_stream(kind, scenario, stack, store):
    paths = CASES[kind](scenario)
    records, rels, keyed = _expected(kind, paths)
    publish_and_process(stack, kind, *paths)
    assert dead_letters(stack) == []
    got = rel_counts(store)
    # resolution may find that two mentions are one entity, which can only fold relationships together
    for rel_type, n in rels.items():
        assert 0 < got.get(rel_type, 0) <= n, (rel_type, got.get(rel_type), n)
    ids = {r["id"] for r in store.read("MATCH (n) WHERE n:Sanction OR n:Declaration OR n:Contract RETURN n.id AS id")}
    assert keyed <= ids
    mentions = store.read("MATCH (m:Mention) RETURN count(m) AS n")[0]["n"]
    assert mentions > 0 and records > 0
    process(stack)  # a second run finds nothing new to read: it writes nothing
    assert rel_counts(store) == got
