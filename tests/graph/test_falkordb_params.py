"""Parameters reach FalkorDB in the ``CYPHER`` header our store writes itself (the client's writer was a seventh
of the link stage's time): the same text as the client's for every value a batch carries, and values come
back from the real server exactly as written, quotes, backslashes and would-be Cypher included."""

from __future__ import annotations

import pytest
from falkordb.helpers import stringify_param_value

from engine.graph.falkordb_store import literal, params_header
from engine.graph.model import GraphBatch, Provenance

ODD = ['', 'plain', 'say "hi"', 'back\\slash', 'end\\', '\\"', "it's", 'new\nline\ttab', 'Peña Ñúñez ü 漢字 😀',
       '"}) DETACH DELETE n //', '`tick`', '$rows', 'CYPHER x=1']


@pytest.mark.parametrize("value", [
    *ODD, None, 0, -7, 2**62, 1.5, -0.0, 1e-300, True, False, [], (), {}, [1, "a", None, [2.5, ["x"]]],
    {"id": "x", "props": {"name": 'A "B"', "n": 3, "list": ["a", "b"]}, "create": {}, "seen": None},
    [{"id": str(i), "props": {"k": ODD[i % len(ODD)]}} for i in range(30)], b"bytes \\ \"q\"",
])
def test_the_header_is_the_clients_own(value):
    assert literal(value) == stringify_param_value(value)
    assert params_header({"rows": value}) == f"CYPHER `rows`={stringify_param_value(value)} "


@pytest.mark.parametrize("key", ["", "a`b", b"", "x`"])
def test_keys_the_header_cannot_carry_are_refused(key):
    with pytest.raises(ValueError):
        literal({key: 1})
    with pytest.raises(ValueError):
        params_header({key: 1})


def test_values_come_back_from_the_server_as_written(store):
    batch = GraphBatch()
    prov = Provenance("test", "r1", "2024-01-01")
    for i, text in enumerate(ODD[1:]):
        batch.node("Company", f"odd-{i}", prov, name=text)
    store.write(batch)
    rows = store.read("MATCH (c:Company) WHERE c.id STARTS WITH 'odd-' RETURN c.id AS id, c.name AS name")
    assert {r["id"]: r["name"] for r in rows} == {f"odd-{i}": text for i, text in enumerate(ODD[1:])}
    for text in ODD:  # and as parameters of a read
        assert store.read("RETURN $t AS t", {"t": text}) == [{"t": text}]
