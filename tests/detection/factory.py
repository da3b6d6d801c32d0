"""A tiny factory for detection tests: build the partition graph a pattern sees."""

from __future__ import annotations

from typing import Any

import networkx as nx

from engine.detection.context import DetectionContext


class G:
    def __init__(self) -> None:
        self.g = nx.MultiDiGraph()

    def node(self, id: str, label: str, **props: Any) -> G:
        self.g.add_node(id, label=label, id=id, **props)
        return self

    def edge(self, src: str, rel: str, dst: str, **props: Any) -> G:
        self.g.add_edge(src, dst, key=f"{rel}:{src}->{dst}", type=rel, **props)
        return self

    def award(self, buyer: str, supplier: str, contract: str, date: str, amount: float = 100000.0,
              process: str | None = None) -> G:
        process = process or f"proc-{contract}"
        self.node(process, "ContractingProcess", title=f"Process {contract}")
        self.node(contract, "Contract", date_signed=date, amount=amount, currency="MXN", title=f"Contract {contract}")
        self.edge(buyer, "BUYER_OF", process).edge(process, "AWARDED", contract).edge(supplier, "SUPPLIES", contract)
        return self

    def ctx(self) -> DetectionContext:
        return DetectionContext(self.g, "2026-01-01T00:00:00+00:00")
