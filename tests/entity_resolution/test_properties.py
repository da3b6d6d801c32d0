"""Invariants, checked with Hypothesis on small sets of realistic mentions."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.entity_resolution.records import Mention
from engine.entity_resolution.resolver import Resolver

from .factory import rfc

NAMES = ["GRUAS FLETES Y MANIOBRAS SA DE CV", "Grúas, Fletes y Maniobras, S.A. de C.V.", "GRUAS FLETES Y MANIOBR",
         "Constructora Maya SC", "CONSTRUCTORA MAYA S.C.", "Transportes Azteca del Norte SA de CV",
         "TRANSPORTES AZTECA DEL NORTE", "Inmobiliaria Golfo SA de CV"]
RFCS = [None, rfc("GFM010122DZ"), rfc("GFM020202AB"), rfc("CMA990101A1")]

mentions = st.lists(
    st.tuples(st.sampled_from(NAMES), st.sampled_from(RFCS)), min_size=1, max_size=12
).map(lambda rows: [Mention(f"m{i}", "company", n, rfc=r) for i, (n, r) in enumerate(rows)])

names_only = st.lists(st.sampled_from(NAMES), min_size=1, max_size=12).map(
    lambda names: [Mention(f"m{i}", "company", n) for i, n in enumerate(names)]
)


def _clusters(resolver: Resolver, ms: list[Mention]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for m in ms:
        groups.setdefault(resolver.entity_of(m.id) or "", set()).add(m.id)
    return {frozenset(g) for g in groups.values()}


def _run(ms: list[Mention]) -> Resolver:
    r = Resolver()
    for m in ms:
        r.resolve(m)
    return r


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mentions)
def test_two_valid_rfcs_never_share_an_entity(ms):
    r = _run(ms)
    by_entity: dict[str, set[str]] = {}
    for m in ms:
        if m.rfc:
            by_entity.setdefault(r.entity_of(m.id) or "", set()).add(m.rfc)
    assert all(len(v) == 1 for v in by_entity.values())


@settings(max_examples=30, deadline=None)
@given(mentions)
def test_replaying_gives_the_same_ids(ms):
    a, b = _run(ms), _run(ms)
    assert [a.entity_of(m.id) for m in ms] == [b.entity_of(m.id) for m in ms]
    again = [a.resolve(m).entity_id for m in ms]  # a replayed mention is recognised, nothing moves
    assert again == [a.entity_of(m.id) for m in ms]


@settings(max_examples=30, deadline=None)
@given(names_only, st.randoms(use_true_random=False))
def test_order_does_not_matter_without_conflicting_identifiers(ms, rnd):
    shuffled = list(ms)
    rnd.shuffle(shuffled)
    assert _clusters(_run(ms), ms) == _clusters(_run(shuffled), ms)
