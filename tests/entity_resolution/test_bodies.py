"""Public bodies: one institution however each publisher names it, and never two places' namesakes as one.

The names are the shapes real publishers use (PDN S1's full legal names, Mexico City's short buyer
names, Jalisco's acronym-prefixed units, INAI's directorates as buyers)."""

from __future__ import annotations

import pytest

from engine.entity_resolution.bodies import BodyMention, BodyResolver, Equivalences, parse_body_name
from engine.entity_resolution.jurisdictions import Jurisdiction, state_code

STATE = "state"
FED = "federal"


def body(resolver: BodyResolver, mid: str, *names: str, level: str | None = None, state: str | None = None,
         acronym: str | None = None, parent: str | None = None, rfc: str | None = None):
    return resolver.resolve(BodyMention(mid, names, acronym, Jurisdiction(level, state_code(state)), rfc, parent))


@pytest.mark.parametrize(("raw", "core", "acronyms", "parent", "state", "kind"), [
    ("Secretaría de Finanzas de la Ciudad de México", "SECRETARIA DE FINANZAS", (), "", "09", "institution"),
    ("SECRETARÍA DE FINANZAS", "SECRETARIA DE FINANZAS", (), "", None, "institution"),
    ("SEPAF | SECRETARíA DE PLANEACIóN, ADMINISTRACIóN Y FINANZAS (SUB-FINANZAS)",
     "SECRETARIA DE PLANEACION ADMINISTRACION Y FINANZAS", ("SEPAF",), "", None, "institution"),
    ("SEPAF/DGA | DIR.GRAL. DE ABASTECEMIENTOS (SUB-ADMINISTRACIÓN)",
     "DIRECCION GENERAL DE ABASTECEMIENTOS", ("SEPAF/DGA",), "SEPAF", None, "unit"),
    ("Fiscalía General del Estado de Jalisco", "FISCALIA GENERAL", (), "", "14", "institution"),
    ("Secretaría de Salud del Gobierno del Estado de Puebla", "SECRETARIA DE SALUD", (), "", "21", "institution"),
    ("H. Ayuntamiento de Guadalajara", "AYUNTAMIENTO DE GUADALAJARA", (), "", None, "institution"),
    ("Universidad Nacional Autónoma de México", "UNIVERSIDAD NACIONAL AUTONOMA DE MEXICO", (), "", None,
     "institution"),
    ("DGEALSUPFM", "", ("DGEALSUPFM",), "", None, ""),
])
def test_names_as_publishers_write_them(raw, core, acronyms, parent, state, kind):
    parsed = parse_body_name(raw)
    assert (parsed.core, parsed.acronyms, parsed.parent, parsed.jurisdiction.state, parsed.kind) == (
        core, acronyms, parent, state, kind)


def test_employer_buyer_procuring_entity_and_unit_are_resolved():
    r = BodyResolver(Equivalences())
    # S1: the official's employer, a full legal name with its order of government
    inai = body(r, "s1", "Instituto Nacional de Transparencia, Acceso a la Información y Protección de Datos "
                "Personales", level=FED, state="09").entity_id
    # OCDS: the procuring entity named by its acronym, with the full name as legal name
    procuring = body(r, "ocds-pe", "INAI", "Instituto Nacional de Transparencia, Acceso a la Información y "
                     "Protección de Datos Personales", state="Ciudad de México")
    assert procuring.entity_id == inai and procuring.decision == "match"
    # the buyer: a directorate of it, its own entity, part of the institution
    unit = body(r, "ocds-b", "DGTI", "Dirección General de Tecnologías de la Información", parent=inai)
    assert unit.entity_id != inai and unit.parents == (inai,)
    # a later mention of the same acronym-only buyer joins it
    assert body(r, "ocds-b2", "DGTI", parent=inai).entity_id == unit.entity_id


def test_short_buyer_name_and_the_officials_full_name_in_the_same_place_are_one():
    r = BodyResolver(Equivalences())
    sefin = body(r, "s1", "Secretaría de Finanzas de la Ciudad de México", level=STATE, state="09").entity_id
    buyer = body(r, "ocds", "SECRETARÍA DE FINANZAS", state="DF")
    assert buyer.entity_id == sefin and "same place" in buyer.explanation
    assert r.display_name(r.bodies[sefin]) == "Secretaría de Finanzas de la Ciudad de México"


def test_namesake_institutions_of_two_states_never_merge_and_an_unplaced_name_is_held():
    r = BodyResolver(Equivalences())
    jal = body(r, "a", "Secretaría General de Gobierno", level=STATE, state="14").entity_id
    pue = body(r, "b", "Secretaría General de Gobierno", level=STATE, state="21").entity_id
    assert jal != pue
    unplaced = body(r, "c", "SECRETARÍA GENERAL DE GOBIERNO")
    assert unplaced.decision == "possible" and unplaced.entity_id not in (jal, pue)
    placed = body(r, "d", "SGG | SECRETARíA GENERAL DE GOBIERNO", state="Jalisco")
    assert placed.entity_id == jal
    # federal and state bodies of one name are not one either
    assert body(r, "e", "Secretaría General de Gobierno", level=FED).entity_id not in (jal, pue)


def test_units_of_two_institutions_stay_apart_and_an_acronym_path_finds_its_institution():
    r = BodyResolver(Equivalences())
    sat = body(r, "sat", "Servicio de Administración Tributaria", level=FED).entity_id
    inai = body(r, "inai", "Instituto Nacional de Transparencia", level=FED).entity_id
    a = body(r, "u1", "Dirección General de Tecnologías de la Información", parent=sat).entity_id
    b = body(r, "u2", "Dirección General de Tecnologías de la Información", parent=inai).entity_id
    assert a != b
    # Jalisco: the acronym-only parent of "SEPAF/DGA | …" arrives before the institution's full name
    sepaf = body(r, "p", "SEPAF", acronym="SEPAF", state="Jalisco").entity_id
    dga = body(r, "q", "SEPAF/DGA | DIR.GRAL. DE ABASTECEMIENTOS (SUB-ADMINISTRACIÓN)", state="Jalisco",
               parent=sepaf).entity_id
    full = body(r, "s", "SEPAF | SECRETARíA DE PLANEACIóN, ADMINISTRACIóN Y FINANZAS (SUB-FINANZAS)", state="Jalisco")
    assert full.entity_id == sepaf
    official = body(r, "t", "Secretaría de Planeación, Administración y Finanzas", level=STATE, state="14")
    assert official.entity_id == sepaf
    typo = body(r, "v", "SEPAF/DGA | DIR.GRAL. DE ABASTECIMIENTOS", state="Jalisco", parent=sepaf)
    assert typo.entity_id == dga


def test_bridging_mention_merges_two_bodies_and_judgments_split_and_join():
    r = BodyResolver(Equivalences())
    only_acronym = body(r, "a", "SEMOV", acronym="SEMOV", state="Jalisco").entity_id
    only_name = body(r, "b", "Secretaría de Movilidad", level=STATE, state="14").entity_id
    assert only_acronym != only_name
    bridge = body(r, "c", "SEMOV | SECRETARíA DE MOVILIDAD", state="Jalisco")
    assert bridge.entity_id == only_acronym and any(e["type"] == "entities_merged" for e in bridge.events)
    # a reviewer takes the bridging naming out: it becomes its own body, and never joins again
    bridging = BodyMention("c", ("SEMOV | SECRETARíA DE MOVILIDAD",), None, Jurisdiction(None, "14"))
    events = r.judge(bridge.entity_id, bridge.entity_id, same=False, author="ana", mention=bridging)
    assert [e["type"] for e in events] == ["entity_split"]
    split = events[0]["new_entity_id"]
    assert body(r, "c2", "SEMOV | SECRETARíA DE MOVILIDAD", state="Jalisco").entity_id == split
    assert r.judge(split, bridge.entity_id, same=True)[0]["type"] == "entities_merged"
    assert r.redirect(split) == r.redirect(bridge.entity_id)
    # "not same" on two bodies keeps them apart for good
    other = body(r, "d", "SEMOV", acronym="SEMOV", state="Jalisco").entity_id
    assert other == r.redirect(bridge.entity_id)
    jal = body(r, "e", "Secretaría de Transporte", level=STATE, state="14").entity_id
    assert r.judge(jal, other, same=False) == [] and not r._compatible(r.bodies[jal], r.bodies[other])


def test_snapshot_round_trip_keeps_entities_and_scoping():
    r = BodyResolver(Equivalences())
    inai = body(r, "i", "Instituto Nacional de Transparencia", level=FED).entity_id
    unit = body(r, "u", "Dirección General de Administración", parent=inai).entity_id
    again = BodyResolver.from_dict(r.to_dict(), Equivalences())
    assert set(again.bodies) == set(r.bodies) and again.bodies[unit].parents == {inai}
    assert body(again, "u2", "Dirección General de Administración", parent=inai).entity_id == unit


def test_equivalence_file_settles_what_rules_cannot(tmp_path):
    path = tmp_path / "bodies.toml"
    path.write_text('[[same]]\nnames = ["Secretaría de Hacienda Pública", "SEPAF"]\nstate = "14"\n'
                    '[[part_of]]\nunit = "Dirección de Compras"\ninstitution = "Secretaría de Hacienda Pública"\n'
                    'state = "Jalisco"\n')
    r = BodyResolver(Equivalences.load(path))
    a = body(r, "a", "Secretaría de Hacienda Pública", level=STATE, state="14").entity_id
    assert body(r, "b", "SEPAF", acronym="SEPAF", state="Jalisco").entity_id == a
    unit = body(r, "c", "Dirección de Compras", state="Jalisco")
    assert unit.parents == (a,)
    path.write_text("[[typo]]\n")
    with pytest.raises(ValueError, match="unknown sections"):
        Equivalences.load(path)
