"""Namesakes, through the real stream into the real graph: two companies of one name with different valid RFCs
stay two, the resolver links them as namesakes, and a holding declared by name alone (no RFC, as PDN S1 often
gives it) reaches the one that supplied the official's institution, whichever of the two the stream met first.

The shape is that of the independent scenarios' hardest case: the spouse declares "TIENDAS COMERCIAL MEXICANA"
without an RFC; the OCDS supplier of that name has one RFC; another official declares a company of the same name
with another RFC (the decoy, who must not be flagged)."""

from __future__ import annotations

import json

import pytest

from engine.canonical import CanonicalRecord, RecordBuilder
from engine.detection.runner import scan
from engine.entity_resolution.identifiers import with_check_digit
from engine.eventlog.kafka import FLAGS, MENTIONS, TOPICS, ensure_topics, make_producer, read_topic
from tests.helpers import dead_letters, process

pytestmark = pytest.mark.services

SUPPLIER_RFC = with_check_digit("TCM951030A1")
NAMESAKE_RFC = with_check_digit("TCM131019PH")
BODY = "Secretaría de Finanzas de la Ciudad de México"


def _declaration(record_id: str, official: str, official_rfc: str, company: str, rfc: str | None,
                 spouse: str | None = None) -> CanonicalRecord:
    """An S1 declaration: the official's post, and a participation held by the official or the spouse."""
    rec = RecordBuilder("pdn-s1", record_id, "2016-05-12")
    person = rec.entity("official", "Person", name=official, identifiers={"rfc": official_rfc})
    body = rec.entity("body", "PublicBody", name=BODY)
    rec.relate("HOLDS_POSITION", person, body, role="Director de Área", start="2013-12-30")
    holder = person
    if spouse:
        holder = rec.entity("spouse", "Person", name=spouse)
        rec.relate("FAMILY_OF", person, holder, relation="spouse", declared_on="2016-05-12", operation="AGREGAR")
    firm = rec.entity("company", "Company", name=company, identifiers={"rfc": rfc})
    rec.relate("OWNS", holder, firm, key="s1:2016-05-12", share=25, declared_on="2016-05-12", operation="AGREGAR")
    return rec.build()


def _award() -> CanonicalRecord:
    """An OCDS contract of the official's institution, awarded to the supplier that bears the name and its RFC."""
    rec = RecordBuilder("ocds", "OCDS-87SD3T-SEFIN-DRM-A-001-2016", "2016-01-15")
    buyer = rec.entity("buyer", "PublicBody", name=BODY)
    process_ = rec.entity("process", "ContractingProcess", key="ocds:OCDS-87SD3T-SEFIN-DRM-A-001-2016",
                          name="Adquisición de despensas", ocid="OCDS-87SD3T-SEFIN-DRM-A-001-2016")
    contract = rec.entity("contract", "Contract", key="ocds:OCDS-87SD3T-SEFIN-DRM-A-001-2016/contract/1",
                          name="Contrato 1", date_signed="2015-12-31", amount=984398.88, currency="MXN")
    supplier = rec.entity("supplier", "Company", name="TIENDAS COMERCIAL MEXICANA S.A D",
                          identifiers={"rfc": SUPPLIER_RFC})
    rec.relate("BUYER_OF", buyer, process_, role="buyer")
    rec.relate("AWARDED", process_, contract)
    rec.relate("SUPPLIES", supplier, contract)
    return rec.build()


def _publish(stack, records: list[CanonicalRecord]) -> None:  # type: ignore[no-untyped-def]
    ensure_topics(stack.kafka_bootstrap, list(TOPICS), 1)  # one partition: read in the order sent
    producer = make_producer(stack.kafka_bootstrap)
    for record in records:
        producer.send(MENTIONS, key=f"{record.source}:{record.record_id}".encode(),
                      value=record.model_dump_json(by_alias=True).encode())
    producer.flush()
    producer.close()


@pytest.mark.parametrize("order", ["namesake_first", "supplier_first"])
def test_a_holding_declared_by_name_alone_reaches_the_supplier_among_namesakes(stack, store, order):
    decoy = _declaration("decoy", "Homero Mendoza Serrato", with_check_digit("MESH801017UL"),
                         "TIENDAS COMERCIAL MEXICANA SA DE CV", NAMESAKE_RFC)
    spouse = _declaration("spouse", "Elena Bustos Piña", with_check_digit("BUPE850918MH"),
                          "TIENDAS COMERCIAL MEXICANA", None, spouse="Mario Castro Pérez")
    records = [decoy, spouse, _award()] if order == "namesake_first" else [_award(), decoy, spouse]
    _publish(stack, records)
    process(stack)
    assert dead_letters(stack) == []
    raised_on_arrival = {m.key for m in read_topic(stack.kafka_bootstrap, FLAGS, idle=2)}

    companies = {r["rfc"]: r["id"] for r in store.read(
        "MATCH (c:Company) WHERE c.rfc IS NOT NULL RETURN c.rfc AS rfc, c.id AS id")}
    assert set(companies) == {SUPPLIER_RFC, NAMESAKE_RFC}  # two companies: their RFCs keep them apart
    namesakes = store.read("MATCH (a:Company)-[r:NAMESAKE_OF]->(b:Company) RETURN a.id AS a, b.id AS b")
    assert [{row["a"], row["b"]} for row in namesakes] == [set(companies.values())]
    holdings = store.read("MATCH (p:Person)-[r:OWNS]->(c:Company) RETURN p.name AS holder, c.rfc AS rfc, "
                          "r.identified_by AS by")
    by_holder = {row["holder"]: row for row in holdings}
    assert by_holder["Mario Castro Pérez"]["by"] == "name"  # declared without an RFC
    assert by_holder["Homero Mendoza Serrato"]["by"] is None and by_holder["Homero Mendoza Serrato"]["rfc"] == \
        NAMESAKE_RFC

    scan(store)
    flags = store.read("MATCH (f:Flag) WHERE f.pattern = 'P002' RETURN f.id AS id, f.sentence AS sentence, "
                       "f.evidence AS evidence, f.severity AS severity")
    assert len(flags) == 1, flags  # the spouse's: never the decoy's, who declared the other RFC
    [flag] = flags
    assert flag["id"] in raised_on_arrival  # the worker's check of what the last record touched found it first
    evidence = json.loads(flag["evidence"])
    assert evidence["path"][-1] == companies[SUPPLIER_RFC]
    assert "Elena Bustos Piña" in flag["sentence"] and "Homero" not in flag["sentence"]
    if evidence["namesake_of"] is not None:  # the spouse's mention joined the namesake the stream met first
        assert order == "namesake_first"
        assert evidence["namesake_of"] == companies[NAMESAKE_RFC] and flag["severity"] == "medium"
        assert "declared by name alone" in flag["sentence"]
    else:  # it joined the supplier, which was there first
        assert order == "supplier_first" and flag["severity"] == "high"
