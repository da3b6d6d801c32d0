"""Each pattern on a hand-checked small graph: what it flags, and what it must not."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import engine.detection.patterns as patterns_pkg
from engine.detection.registry import PATTERNS, PatternSettingsError, default_configs, load_configs
from tests.detection.factory import G

CFG = default_configs()


def run(code: str, g: G) -> list:  # type: ignore[type-arg]
    return list(PATTERNS[code].find(g.ctx(), CFG[code]))


def base() -> G:
    g = G()
    g.node("sat", "PublicBody", name="Servicio de Administración Tributaria")
    g.node("imss", "PublicBody", name="IMSS")
    g.node("ana", "Person", name="Ana López García")
    g.node("beto", "Person", name="Alberto Ruiz")
    g.node("gruas", "Company", name="GRUAS FLETES Y MANIOBRAS SA DE CV", rfc="GFM010122DZ9")
    g.edge("ana", "HOLDS_POSITION", "sat", role="Directora de Adquisiciones", start="2016-01-01", end="2018-12-31")
    return g


def test_p002_official_owns_supplier_of_own_institution_during_tenure():
    g = base().edge("ana", "OWNS", "gruas", share=40, start="2015-03-01").award("sat", "gruas", "k1", "2017-06-01")
    [finding] = run("P002", g)
    assert finding.severity == "critical" and finding.score == 0.95
    assert "owns 40% of GRUAS" in finding.sentence and "while the post and every tie were held" in finding.sentence
    assert finding.evidence["contracts"][0]["id"] == "k1"
    assert {e.role for e in finding.entities} >= {"official", "institution", "supplier", "contract"}


def test_p002_relative_and_the_negatives():
    g = base().edge("ana", "FAMILY_OF", "beto", relation="spouse").edge("beto", "DIRECTS", "gruas", role="director")
    g.award("sat", "gruas", "k1", "2017-06-01")
    [finding] = run("P002", g)
    assert finding.severity == "high" and "spouse Alberto Ruiz" in finding.sentence
    # contract of another institution, or outside the tenure: nothing
    g2 = base().edge("ana", "OWNS", "gruas", share=10).award("imss", "gruas", "k2", "2017-06-01")
    assert run("P002", g2) == []
    g3 = base().edge("ana", "OWNS", "gruas", share=10).award("sat", "gruas", "k3", "2019-06-01")
    assert run("P002", g3) == []


def test_p002_a_tie_whose_start_is_unknown_counts_with_a_lower_score():
    g = base().edge("ana", "OWNS", "gruas", share=40).award("sat", "gruas", "k1", "2017-06-01")
    [finding] = run("P002", g)
    assert finding.score == 0.75 and "some dates unknown" in finding.sentence


def _namesakes() -> G:
    """The spouse declares a holding in "GRUAS FLETES" by name alone; the resolver put it with the first company
    of that name it knew (``gruas2``, another valid RFC); the supplier is its namesake ``gruas``."""
    g = base().edge("ana", "FAMILY_OF", "beto", relation="spouse")
    g.node("gruas2", "Company", name="GRUAS FLETES Y MANIOBRAS SA DE CV", rfc="GFM131019PH0")
    g.edge("gruas", "NAMESAKE_OF", "gruas2", reason="same name, another valid RFC")
    return g.award("sat", "gruas", "k1", "2017-06-01")


def test_p002_a_holding_declared_by_name_alone_reaches_the_namesake_that_supplied_as_a_possible_conflict():
    g = _namesakes().edge("beto", "OWNS", "gruas2", share=40, start="2015-01-01", identified_by="name")
    [finding] = run("P002", g)
    assert finding.key[-1] == "gruas" and finding.evidence["namesake_of"] == "gruas2"
    # 0.9 for a relative, less 0.2 for the family tie's unknown start and 0.3 for the namesake
    assert finding.severity == "medium" and finding.score == 0.4
    assert "declared by name alone" in finding.sentence and "GFM131019PH0 / GFM010122DZ9" in finding.sentence
    # the namesake link is written either way round
    g2 = _namesakes().edge("beto", "OWNS", "gruas2", share=40, start="2015-01-01", identified_by="name")
    g2.g.remove_edges_from([("gruas", "gruas2")])
    g2.edge("gruas2", "NAMESAKE_OF", "gruas")
    assert [f.key for f in run("P002", g2)] == [finding.key]


def test_p002_a_holding_declared_with_its_rfc_never_reaches_a_namesake():
    g = _namesakes().edge("beto", "OWNS", "gruas2", share=40, start="2015-01-01")  # the RFC said which company
    assert run("P002", g) == []
    # one declaration of the tie with the RFC is enough to say which
    g2 = _namesakes()
    g2.g.add_edge("beto", "gruas2", key="a", type="OWNS", declared_on="2015-05-01", identified_by="name")
    g2.g.add_edge("beto", "gruas2", key="b", type="OWNS", declared_on="2016-05-01")
    assert run("P002", g2) == []


def test_p002_the_company_declared_by_name_that_supplied_itself_is_a_plain_conflict():
    g = _namesakes().edge("beto", "OWNS", "gruas", share=40, start="2015-01-01", identified_by="name")
    [finding] = run("P002", g)
    assert finding.severity == "high" and finding.evidence["namesake_of"] is None


def test_p004_prefers_the_declared_company_to_its_namesake():
    g = _namesakes().edge("beto", "OWNS", "gruas2", share=40, identified_by="name")
    g.node("p1", "ContractingProcess", title="Grúas")
    g.edge("p1", "AWARDED", "k1").edge("ana", "INTERVENED_IN", "p1", role="evaluator")
    [finding] = run("P004", g)
    assert finding.severity == "medium" and finding.evidence["namesake_of"] == "gruas2"
    assert "declared by name alone" in finding.sentence


def _declared(g: G, src: str, dst: str, rel: str, *observations: tuple[str, str], **props: object) -> G:
    """One edge per declaration, as PDN S1 gives them (no dates on the tie itself)."""
    for day, operation in observations:
        g.g.add_edge(src, dst, key=f"{rel}:{src}->{dst}#s1:{day}", type=rel, declared_on=day, operation=operation,
                     **props)
    return g


def test_p002_baja_before_the_contract_gives_no_flag_in_any_arrival_order():
    observations = [("2016-05-20", "AGREGAR"), ("2017-05-20", "SIN_CAMBIOS"), ("2018-01-20", "BAJA")]
    for order in (observations, list(reversed(observations))):
        g = _declared(base(), "ana", "gruas", "OWNS", *order, share=40)
        g.award("sat", "gruas", "k1", "2018-10-01")  # after the BAJA, still during the post
        assert run("P002", g) == []
    # held between two declarations that list it: flagged, with its dates confirmed
    g = _declared(base(), "ana", "gruas", "OWNS", *observations, share=40).award("sat", "gruas", "k2", "2016-12-01")
    [finding] = run("P002", g)
    assert finding.score == 0.95
    # between the last declaration that lists it and the BAJA: it may have been held, lower score
    g = _declared(base(), "ana", "gruas", "OWNS", *observations, share=40).award("sat", "gruas", "k3", "2017-10-10")
    [finding] = run("P002", g)
    assert finding.score == 0.75


def test_p002_a_spouse_declared_baja_before_the_contract_is_no_longer_a_tie():
    g = base().node("beto", "Person", name="Alberto Ruiz")
    _declared(g, "ana", "beto", "FAMILY_OF", ("2016-05-20", "SIN_CAMBIOS"), ("2017-02-20", "BAJA"), relation="spouse")
    g.edge("beto", "DIRECTS", "gruas", role="director", start="2010-01-01").award("sat", "gruas", "k1", "2017-06-01")
    assert run("P002", g) == []


def test_p002_institution_and_its_units_are_one_buyer_or_procuring_entity():
    g = base()
    g.node("dgti", "PublicBody", name="Dirección General de Tecnologías de la Información")
    g.edge("dgti", "PART_OF", "sat")
    g.edge("ana", "OWNS", "gruas", share=40, start="2015-01-01").award("dgti", "gruas", "k1", "2017-06-01")
    [finding] = run("P002", g)
    assert finding.evidence["institution"] == "sat" and "(as buyer)" in finding.sentence
    # the official's institution as procuring entity of another body's purchase
    g2 = base().edge("ana", "OWNS", "gruas", share=40, start="2015-01-01")
    g2.award("imss", "gruas", "k2", "2017-06-01", process="p2")
    g2.edge("sat", "BUYER_OF", "p2", role="procuringEntity")
    [finding] = run("P002", g2)
    assert "(as procuring entity)" in finding.sentence
    # a unit of another institution: nothing
    g3 = base().node("dgx", "PublicBody", name="Dirección General X").edge("dgx", "PART_OF", "imss")
    g3.edge("ana", "OWNS", "gruas", share=40, start="2015-01-01").award("dgx", "gruas", "k3", "2017-06-01")
    assert run("P002", g3) == []


def test_p003_chain_with_effective_share():
    g = base()
    g.node("holding", "Company", name="Inversiones Ana SA")
    g.node("mid", "Company", name="Intermedia SC")
    g.edge("ana", "OWNS", "holding", share=50).edge("holding", "OWNS", "mid", share=50).edge("mid", "OWNS", "gruas",
                                                                                                  share=80)
    g.award("sat", "gruas", "k1", "2017-06-01")
    [finding] = run("P003", g)
    assert finding.evidence["effective_share"] == pytest.approx(0.2)
    assert finding.evidence["path"] == ["ana", "holding", "mid", "gruas"]
    assert finding.severity == "medium"  # 20% < majority
    assert run("P002", g) == []  # not a direct tie
    # longer than max_chain (3): not flagged
    g.node("top", "Company", name="Top")
    g2 = base()
    for a, b in (("ana", "top"), ("top", "holding"), ("holding", "mid"), ("mid", "gruas")):
        g2.node(a, "Person" if a == "ana" else "Company", name=a).node(b, "Company", name=b)
        g2.edge(a, "OWNS", b, share=100)
    g2.edge("ana", "HOLDS_POSITION", "sat", start="2016-01-01")
    g2.award("sat", "gruas", "k1", "2017-06-01")
    assert run("P003", g2) == []


def test_p004_intervention_for_a_linked_winner():
    g = base().edge("ana", "OWNS", "gruas", share=5).award("sat", "gruas", "k1", "2017-06-01", process="p1")
    g.edge("ana", "INTERVENED_IN", "p1", role="evaluadora")
    [finding] = run("P004", g)
    assert finding.severity == "critical" and "as evaluadora" in finding.sentence
    g2 = base().award("sat", "gruas", "k1", "2017-06-01", process="p1").edge("ana", "INTERVENED_IN", "p1")
    assert run("P004", g2) == []


def test_p001_and_p005_sanctions():
    g = base().award("sat", "gruas", "k1", "2017-06-01")
    g.node("s69", "Sanction", program="SAT-69B", status="Definitivo", listed_on="2016-05-01")
    g.edge("s69", "SANCTIONED", "gruas")
    [p001] = run("P001", g)
    assert p001.evidence["signed_after_listing"] is True and p001.score == 0.95
    g.node("s3", "Sanction", program="PDN-S3", type="Inhabilitación", start="2017-01-01", end="2019-01-01",
           authority="SFP")
    g.edge("s3", "SANCTIONED", "gruas")
    [p005] = run("P005", g)
    assert p005.severity == "critical" and "during a sanction" in p005.sentence
    g.node("s4", "Sanction", program="PDN-S3", type="Multa", start="2010-01-01", end="2011-01-01")
    g2 = base().award("sat", "gruas", "k1", "2017-06-01").edge("s4", "SANCTIONED", "gruas")
    g2.node("s4", "Sanction", program="PDN-S3", type="Multa", start="2010-01-01", end="2011-01-01")
    assert run("P005", g2) == []


def test_p006_shared_director_with_a_sanctioned_company():
    g = base().award("sat", "gruas", "k1", "2017-06-01")
    g.node("old", "Company", name="Vieja SA").node("s3", "Sanction", program="PDN-S3", start="2016-01-01")
    g.edge("s3", "SANCTIONED", "old").edge("beto", "DIRECTS", "old").edge("beto", "DIRECTS", "gruas")
    [finding] = run("P006", g)
    assert "Vieja SA" in finding.sentence and "shared controller" in finding.sentence


def test_p007_tenderers_sharing_address_and_phone():
    g = base()
    g.node("p1", "ContractingProcess", title="Grúas 2017")
    g.node("a", "Company", name="Uno SA", telephone="55 1234 5678")
    g.node("b", "Company", name="Dos SA", telephone="(55) 1234-5678")
    g.node("c", "Company", name="Tres SA", telephone="55 0000 0000")
    g.node("addr", "Address", name="AV JUAREZ 10")
    for t in ("a", "b", "c"):
        g.edge(t, "TENDERED", "p1")
    g.edge("a", "LOCATED_AT", "addr").edge("b", "LOCATED_AT", "addr")
    [finding] = run("P007", g)
    assert {k["kind"] for k in finding.evidence["shared"]} == {"address", "phone"}


def test_p008_and_p009():
    g = base().award("sat", "gruas", "k1", "2001-06-01", amount=5_000_000)  # RFC date 2001-01-22
    [p008] = run("P008", g)
    assert p008.evidence["days"] == 130
    g2 = base()
    g2.node("addr", "Address", name="Calle 1")
    for i in range(3):
        g2.node(f"c{i}", "Company", name=f"C{i}").edge(f"c{i}", "LOCATED_AT", "addr")
        g2.award("sat", f"c{i}", f"k{i}", "2017-01-01")
    [p009] = run("P009", g2)
    assert len(p009.evidence["suppliers"]) == 3


def rotation_ring() -> G:
    """Three companies that take turns winning the processes they all bid in, and a fourth bidding once."""
    g = base()
    for c in ("a", "b", "c", "x"):
        g.node(c, "Company", name=c.upper())
    rounds = [("a", ("a", "b", "c")), ("b", ("a", "b", "c")), ("c", ("a", "b", "c")), ("a", ("a", "b", "x"))]
    for i, (winner, bidders) in enumerate(rounds):
        g.award("sat", winner, f"k{i}", "2017-01-01", process=f"p{i}")
        for bidder in bidders:
            g.edge(bidder, "TENDERED", f"p{i}")
    return g


def test_p010_bid_rotation_ring():
    g = rotation_ring()
    [ring] = run("P010", g)
    assert set(ring.evidence["path"]) >= {"a", "b", "c"} and len(ring.evidence["processes"]) >= 3
    # one company always winning is not a rotation
    g2 = base()
    for c in ("a", "b", "c"):
        g2.node(c, "Company", name=c)
    for i in range(4):
        g2.award("sat", "a", f"k{i}", "2017-01-01", process=f"p{i}")
        for bidder in ("a", "b", "c"):
            g2.edge(bidder, "TENDERED", f"p{i}")
    assert run("P010", g2) == []


SECTIONS = ("What is flagged", "Threshold", "Why it is a red flag", "Source")


def test_every_pattern_module_documents_itself():
    modules = [importlib.import_module(f"engine.detection.patterns.{m.name}")
               for m in pkgutil.iter_modules(patterns_pkg.__path__)]
    assert len(modules) == len(PATTERNS)
    for module in modules:
        doc = module.__doc__ or ""
        missing = [s for s in SECTIONS if s not in doc]
        assert not missing, f"{module.__name__} lacks {missing}"


def test_codes_are_stable_and_settings_strict(tmp_path):
    assert list(PATTERNS) == [f"P{i:03d}" for i in range(1, len(PATTERNS) + 1)]
    bad = tmp_path / "p.toml"
    bad.write_text("[P003]\nmax_chian = 4\n")
    with pytest.raises(PatternSettingsError, match="max_chian"):
        load_configs(bad)
    bad.write_text("[P999]\n")
    with pytest.raises(PatternSettingsError, match="unknown pattern section"):
        load_configs(bad)
    good = tmp_path / "ok.toml"
    good.write_text("[P003]\nmax_chain = 5\n")
    assert load_configs(good)["P003"].max_chain == 5  # type: ignore[attr-defined]
