"""Normalisation tables: real names, legal forms, name orders, addresses, phonetic keys."""

from __future__ import annotations

import pytest

from engine.entity_resolution.addresses import parse_address
from engine.entity_resolution.companies import parse_company_name
from engine.entity_resolution.identifiers import (
    curp_with_check_digit,
    parse_curp,
    parse_rfc,
    rfc_company_letters,
    rfc_person_letters,
    with_check_digit,
)
from engine.entity_resolution.persons import parse_person_name, readings
from engine.entity_resolution.phonetic import spanish_key


@pytest.mark.parametrize(
    ("raw", "name", "form"),
    [
        ("GRUAS FLETES Y MANIOBRAS SA DE CV", "GRUAS FLETES Y MANIOBRAS", "SA_DE_CV"),
        ("Grúas, Fletes y Maniobras, S.A. de C.V.", "GRUAS FLETES Y MANIOBRAS", "SA_DE_CV"),
        ("Grúas Fletes y Maniobras Sociedad Anónima de Capital Variable", "GRUAS FLETES Y MANIOBRAS", "SA_DE_CV"),
        ("GRUAS FLETES Y MANIOBR", "GRUAS FLETES Y MANIOBR", ""),
        ("GRUAS FLETES Y MANIOBRAS SA DE", "GRUAS FLETES Y MANIOBRAS", "SA_DE_CV"),
        ("Constructora Alfa, S. de R.L. de C.V.", "CONSTRUCTORA ALFA", "S_DE_RL_DE_CV"),
        ("PROMOTORA X S.A.P.I. DE C.V.", "PROMOTORA X", "SAPI_DE_CV"),
        ("Grupo Bimbo, S.A.B. de C.V.", "GRUPO BIMBO", "SAB_DE_CV"),
        ("Ruiz y Asociados, S.C.", "RUIZ Y ASOCIADOS", "SC"),
        ("Fundación Amigos, A.C.", "FUNDACION AMIGOS", "AC"),
        ("Petróleos Mexicanos S.A.", "PETROLEOS MEXICANOS", "SA"),
        ("López y Cía. S. en C.", "LOPEZ Y CIA", "S_EN_C"),
        ("Productores del Valle SPR de RL", "PRODUCTORES DEL VALLE", "SPR_DE_RL"),
        ("Acme Holdings LLC", "ACME HOLDINGS", "LLC"),
        ("Acme, Inc.", "ACME", "INC"),
        ("Siemens GmbH", "SIEMENS", "GMBH"),
        ("Rolls-Royce Ltd", "ROLLS ROYCE", "LTD"),
        ("Financiera Sur SA de CV SOFOM ENR", "FINANCIERA SUR", "SA_DE_CV_SOFOM"),
        ("COMERCIALIZADORA SAN", "COMERCIALIZADORA SAN", ""),
    ],
)
def test_company_names(raw, name, form):
    parsed = parse_company_name(raw)
    assert (parsed.name, parsed.legal_form) == (name, form)


@pytest.mark.parametrize(
    ("raw", "given", "paternal", "maternal"),
    [
        ("José Luis Pérez García", "JOSE LUIS", "PEREZ", "GARCIA"),
        ("José Luis García Pérez", "JOSE LUIS", "GARCIA", "PEREZ"),
        ("PEREZ GARCIA JOSE LUIS", "JOSE LUIS", "PEREZ", "GARCIA"),
        ("Pérez García, José Luis", "JOSE LUIS", "PEREZ", "GARCIA"),
        ("María de la Luz Hernández de la Cruz", "MARIA DE LA LUZ", "HERNANDEZ", "DE LA CRUZ"),
        ("HERNANDEZ DE LA CRUZ MARIA DE LA LUZ", "MARIA DE LA LUZ", "HERNANDEZ", "DE LA CRUZ"),
        ("ARAGÓN AYALA GRICELDA", "GRICELDA", "ARAGON", "AYALA"),  # SAT 69-B
        ("AMAYA GONZÁLEZ MÓNICA LIZETH", "MONICA LIZETH", "AMAYA", "GONZALEZ"),  # SAT 69-B
        ("Dra. Caridad Aguilera", "CARIDAD", "AGUILERA", ""),
        ("Juan Peña", "JUAN", "PENA", ""),
        ("MONTENEGRO IRENE ESTEBAN", "IRENE ESTEBAN", "MONTENEGRO", ""),  # the maternal surname left out
    ],
)
def test_person_names(raw, given, paternal, maternal):
    p = parse_person_name(raw)
    assert (p.given, p.paternal, p.maternal) == (given, paternal, maternal)


def test_an_unclear_order_keeps_both_readings():
    orders = {r.order for r in readings("VALDES CEPEDA BERNABE")}
    assert orders == {"given_first", "surname_first"}


@pytest.mark.parametrize(
    ("words", "same"),
    [
        (("González", "GONSALES", "Gonzales"), True),
        (("Hernández", "Ernandes"), True),
        (("Vázquez", "Vasquez", "Bazquez"), True),
        (("Cervantes", "Servantes"), True),
        (("Guillermo", "Guiyermo"), True),
        (("Pérez", "García"), False),
    ],
)
def test_spanish_phonetic_key(words, same):
    assert (len({spanish_key(w) for w in words}) == 1) is same


def test_address():
    a = parse_address("Av. Insurgentes Sur 1605, Col. San José Insurgentes, C.P. 03900, CDMX")
    assert a.postcode == "03900" and a.text.startswith("AVENIDA INSURGENTES SUR 1605 COLONIA")


@pytest.mark.parametrize(
    ("rfc", "name", "letters"),
    [("GFM010122DZ9", "GRUAS FLETES Y MANIOBRAS", "GFM"), ("AAA100303L51", "AAA", "AAA")],
)
def test_rfc_company_letters(rfc, name, letters):
    assert rfc_company_letters(name) == letters == parse_rfc(rfc).name_part  # type: ignore[union-attr]


def test_rfc_person_letters_from_a_sat_row():
    p = parse_person_name("ARAGÓN AYALA GRICELDA")
    assert rfc_person_letters(p.given, p.paternal, p.maternal) == parse_rfc("AAAG7012036UA").name_part  # type: ignore


def test_check_digits_are_recomputed():
    assert with_check_digit("GFM010122DZ") == "GFM010122DZ9"
    assert parse_rfc(with_check_digit("PEGL800101AB")).checksum_ok  # type: ignore[union-attr]
    assert curp_with_check_digit("BOXW310820HNERXN0") == "BOXW310820HNERXN09"
    assert parse_curp(curp_with_check_digit("PEGL800101HDFRRS0")).checksum_ok  # type: ignore[union-attr]
