"""Every searchable node carries its name folded for the full-text indexes, as the resolver folds
it (and "Ñ" as "N"); terms reach a full-text query only as folded letters and digits."""

from __future__ import annotations

import pytest

from engine.graph.model import SEARCH_TEXT, GraphBatch, Provenance
from engine.graph.store import SearchTerm, check_terms

PROV = Provenance("test", "r1", "2024-01-01")


@pytest.mark.parametrize("label, props, expected", [
    ("Person", {"name": "José Luis Peña Núñez"}, "JOSE LUIS PENA NUNEZ"),
    ("Company", {"name": "Grúas, Fletes & Maniobras, S.A. de C.V."}, "GRUAS FLETES Y MANIOBRAS S A DE C V"),
    ("Contract", {"title": "Adquisición de vehículos"}, "ADQUISICION DE VEHICULOS"),
    ("Address", {"full": "Av. Insurgentes Sur 1234, CDMX"}, "AV INSURGENTES SUR 1234 CDMX"),
])
def test_searchable_properties_are_folded(label, props, expected):
    batch = GraphBatch()
    batch.node(label, "x", PROV, **props)
    assert batch.nodes[0].props[SEARCH_TEXT] == expected


def test_nodes_without_searchable_text_get_none():
    batch = GraphBatch()
    batch.node("Sanction", "s", PROV, program="PDN-S3")
    batch.node("Person", "p", PROV, rfc="PEGL800101AB1")
    assert all(SEARCH_TEXT not in n.props for n in batch.nodes)


@pytest.mark.parametrize("word", ["perez", "A*", "x y", "a|b", "%x%", "", "Ä", "-1"])
def test_only_folded_words_become_terms(word):
    with pytest.raises(ValueError):
        check_terms([SearchTerm(word, "exact")])
    assert check_terms([SearchTerm("PEÑA", "prefix")]) == [SearchTerm("PEÑA", "prefix")]
