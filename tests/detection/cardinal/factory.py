"""A tiny factory for OCDS compiled releases: only the fields the Cardinal indicators read."""

from __future__ import annotations

from typing import Any


def bid(status: str, *tenderer_ids: str, amount: Any = None, currency: str | None = "USD", **extra: Any) -> dict:
    made: dict[str, Any] = {"status": status, **extra}
    if tenderer_ids:
        made["tenderers"] = [{"id": tenderer_id} for tenderer_id in tenderer_ids]
    if amount is not None:
        made["value"] = {"amount": amount, **({"currency": currency} if currency else {})}
    return made


def award(status: str, *supplier_ids: str, items: list[str] | None = None) -> dict:
    made: dict[str, Any] = {"status": status, "suppliers": [{"id": supplier_id} for supplier_id in supplier_ids]}
    if items is not None:
        made["items"] = [{"classification": {"id": code}} for code in items]
    return made


def release(ocid: Any, bids: list[dict] | None = None, awards: list[dict] | None = None, **fields: Any) -> dict:
    made: dict[str, Any] = {"ocid": ocid, **fields}
    if bids is not None:
        made["bids"] = {"details": bids}
    if awards is not None:
        made["awards"] = awards
    return made


def priced(ocid: str, winner: float, loser: float, currency: str = "USD") -> dict:
    """A process won by W with ``winner``, against L's bid of ``loser``."""
    return release(
        ocid,
        bids=[bid("valid", "W", amount=winner, currency=currency), bid("valid", "L", amount=loser, currency=currency)],
        awards=[award("active", "W")],
    )
