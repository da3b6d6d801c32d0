"""A small graph whose answers are checked by hand, for the journalists' questions and exports.

    Secretaría de Pruebas  <-PART_OF-  Dirección de Compras  -BUYER_OF->  ocds-t-1  -AWARDED->  Contrato de prueba
                                          ^ HOLDS_POSITION                                         ^ SUPPLIES
    Ana Pérez López (official) -FAMILY_OF-> Luis Pérez Gómez -OWNS 50%-> Holding Dos -OWNS 60%-> Constructora Uno
                                                                                       Sanction (PDN S3) -SANCTIONED->
    Constructora Uno and "=cmd|..." (a formula for a name, and an api_token) share an address; Pedro Sin Vínculo
    holds a post at the Secretaría and has no tie; flag P002 concerns Ana, Constructora Uno and the Dirección.
"""

from __future__ import annotations

from engine.graph.model import GraphBatch, Provenance

BODY, UNIT, PROCESS, CONTRACT = "body-test", "body-test-unit", "ocds:ocds-t-1", "ocds:ocds-t-1/contract/1"
OFFICIAL, SPOUSE, BYSTANDER = "mx-rfc:PELA800101AB1", "mx-rfc:PEGL790202CD2", "person-pedro"
SUPPLIER, HOLDING, FORMULA = "mx-rfc:CUN100101AA1", "mx-rfc:HDO090909BB2", "company-formula"
SANCTION, ADDRESS, FLAG = "pdn-s3:test-1", "address:calle-1", "flag:P002:test"
FORMULA_NAME = "=cmd|' /C calc'!A0"
SECRET = "s3cr3t-token-value"


def small_graph() -> GraphBatch:
    b = GraphBatch()
    ocds = Provenance("ocds", "ocds-t-1", "2020-05-01")
    s1 = Provenance("pdn-s1", "decl-1", "2020-06-01")
    s3 = Provenance("pdn-s3", "s3-1", "2021-01-15")
    b.node("PublicBody", BODY, ocds, name="Secretaría de Pruebas", acronym="SEPRU")
    b.node("PublicBody", UNIT, ocds, name="Dirección de Compras de Pruebas")
    b.node("ContractingProcess", PROCESS, ocds, name="ocds-t-1", ocid="ocds-t-1", title="Compra de prueba",
           release={"ocid": "ocds-t-1", "big": "x" * 50})
    b.node("Contract", CONTRACT, ocds, title="Contrato de prueba", amount=1000.5, currency="MXN",
           date_signed="2020-05-01")
    b.node("Company", SUPPLIER, ocds, name="Constructora Uno SA de CV", rfc="CUN100101AA1")
    b.node("Company", HOLDING, s1, name="Holding Dos SA de CV", rfc="HDO090909BB2")
    b.node("Company", FORMULA, s1, name=FORMULA_NAME, api_token=SECRET)
    b.node("Person", OFFICIAL, s1, name="Ana Pérez López", rfc="PELA800101AB1", given_name="Ana",
           first_surname="Pérez", second_surname="López", birth_date="1980-01-01")
    b.node("Person", SPOUSE, s1, name="Luis Pérez Gómez", rfc="PEGL790202CD2")
    b.node("Person", BYSTANDER, s1, name="Pedro Sin Vínculo")
    b.node("Sanction", SANCTION, s3, name="PDN S3", program="PDN S3", status="firme", start="2021-01-01",
           end="2023-01-01")
    b.node("Address", ADDRESS, ocds, name="Calle Uno 1, Ciudad de México", full="Calle Uno 1, Ciudad de México")
    b.rel("PART_OF", ("PublicBody", UNIT), ("PublicBody", BODY), ocds)
    b.rel("BUYER_OF", ("PublicBody", UNIT), ("ContractingProcess", PROCESS), ocds, role="buyer")
    b.rel("AWARDED", ("ContractingProcess", PROCESS), ("Contract", CONTRACT), ocds)
    b.rel("SUPPLIES", ("Company", SUPPLIER), ("Contract", CONTRACT), ocds)
    b.rel("HOLDS_POSITION", ("Person", OFFICIAL), ("PublicBody", UNIT), s1, role="Directora", start="2019-01-01")
    b.rel("HOLDS_POSITION", ("Person", BYSTANDER), ("PublicBody", BODY), s1, role="Analista", start="2018-01-01")
    b.rel("FAMILY_OF", ("Person", OFFICIAL), ("Person", SPOUSE), s1, relation="spouse", declared_on="2020-06-01")
    b.rel("OWNS", ("Person", SPOUSE), ("Company", HOLDING), s1, share=50.0, declared_on="2020-06-01")
    b.rel("OWNS", ("Company", HOLDING), ("Company", SUPPLIER), s1, share=60.0, start="2015-01-01")
    b.rel("SANCTIONED", ("Sanction", SANCTION), ("Company", SUPPLIER), s3)
    b.rel("LOCATED_AT", ("Company", SUPPLIER), ("Address", ADDRESS), ocds)
    b.rel("LOCATED_AT", ("Company", FORMULA), ("Address", ADDRESS), s1)
    detection = Provenance("detection", "scan-1", "2021-02-01")
    b.node("Flag", FLAG, detection, pattern="P002", status="new", severity="high", score=0.9,
           title="Official or relative controls a supplier", sentence="Ana Pérez López's spouse controls a supplier.",
           evidence={"path": [OFFICIAL, SPOUSE, HOLDING, SUPPLIER], "contracts": [{"id": CONTRACT}]})
    for target, label, role in ((OFFICIAL, "Person", "official"), (SUPPLIER, "Company", "supplier"),
                                (UNIT, "PublicBody", "institution")):
        b.rel("CONCERNS", ("Flag", FLAG), (label, target), detection, role=role)
    return b
