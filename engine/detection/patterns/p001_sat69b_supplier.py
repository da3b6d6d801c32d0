"""P001 — Supplier on SAT's 69-B list awarded a public contract.

What is flagged
    A company or person that supplies a contract (OCDS ``SUPPLIES``) and appears on the
    list of article 69-B of Mexico's Federal Tax Code with status *Presunto* (presumed)
    or *Definitivo* (definitive). Taxpayers that disproved the presumption
    (*Desvirtuado*) or won in court (*Sentencia Favorable*) are not flagged.

Threshold
    Any such contract. Severity is *high* for a definitive listing and *medium* for a
    presumed one; the score rises from 0.6 (presumed) to 0.8 (definitive), plus 0.15
    when the contract was signed after SAT published the presumption, i.e. when the
    buyer could have known.

Why it is a red flag
    SAT lists taxpayers that issue invoices for operations that did not exist
    ("empresas fantasma", EFOS). Public money paid to such a supplier is a classic
    channel for diverting funds; the Open Up Guide's detection use case names
    checking suppliers against tax blacklists.

Source
    SAT, "Listado completo de contribuyentes (Artículo 69-B del CFF)", joined with
    contracting data (OCDS) on the supplier's RFC.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from engine.detection.base import EntityRef, Finding
from engine.graph import cypher
from engine.graph.store import GraphStore

FLAGGED_STATUSES = ("Presunto", "Definitivo")


class SAT69BSupplier:
    code: ClassVar[str] = "P001"
    title: ClassVar[str] = "Supplier on SAT's 69-B list (simulated invoicing) awarded a contract"

    def find(self, store: GraphStore) -> Iterable[Finding]:
        rows = store.run(
            cypher.SAT69B_SUPPLIERS, {"program": "SAT-69B", "statuses": list(FLAGGED_STATUSES)}
        )
        for row in rows:
            definitive = row["status"] == "Definitivo"
            signed = (row.get("date_signed") or "")[:10]
            listed = (row.get("listed_on") or "")[:10]
            after_listing = bool(signed and listed and signed >= listed)
            score = (0.8 if definitive else 0.6) + (0.15 if after_listing else 0.0)
            buyers = [b for b in row.get("buyer_names") or [] if b]
            buyer_text = " and ".join(buyers) if buyers else "a public body"
            amount = row.get("amount")
            money = f" for {amount:,.2f} {row.get('currency') or ''}".rstrip() if amount else ""
            when = f" on {signed}" if signed else ""
            listing = f"listed as {'definitive' if definitive else 'presumed'} on SAT's 69-B list"
            listing += f" (presumption published {listed})" if listed else ""
            if row.get("definitive_on"):
                listing += f", definitive since {row['definitive_on'][:10]}"
            sentence = (
                f"{row['supplier_name'] or row['supplier_id']} (RFC {row.get('rfc') or 'unknown'}), "
                f"{listing}, was awarded contract {row['contract_title'] or row['contract_id']}"
                f"{money} by {buyer_text}{when}"
                f"{' — after SAT had published the presumption' if after_listing else ''}."
            )
            entities = [
                EntityRef(row["supplier_label"], row["supplier_id"], "supplier"),
                EntityRef("Contract", row["contract_id"], "contract"),
                EntityRef("Sanction", row["sanction_id"], "listing"),
            ]
            if row.get("process_id"):
                entities.append(EntityRef("ContractingProcess", row["process_id"], "process"))
            entities += [EntityRef("PublicBody", b, "buyer") for b in row.get("buyer_ids") or [] if b]
            yield Finding(
                pattern=self.code,
                key=(row["supplier_id"], row["contract_id"]),
                title=self.title,
                severity="high" if definitive else "medium",
                score=round(min(score, 1.0), 3),
                sentence=sentence,
                entities=entities,
                evidence={
                    "path": [row["sanction_id"], row["supplier_id"], row["contract_id"]],
                    "rfc": row.get("rfc"),
                    "sat69b_status": row["status"],
                    "listed_on": row.get("listed_on"),
                    "definitive_on": row.get("definitive_on"),
                    "date_signed": row.get("date_signed"),
                    "signed_after_listing": after_listing,
                    "amount": amount,
                    "currency": row.get("currency"),
                    "buyers": buyers,
                },
            )
