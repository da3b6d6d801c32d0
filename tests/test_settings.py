from __future__ import annotations

import pytest
from pydantic import ValidationError

from engine.settings import Settings, redact


def test_unset_means_embedded(monkeypatch):
    for var in ("VINCULO_KAFKA_BOOTSTRAP", "VINCULO_GRAPH_URI"):
        monkeypatch.delenv(var, raising=False)
    s = Settings()
    assert s.embedded_kafka and s.embedded_graph


def test_environment_configures_external_services(monkeypatch):
    monkeypatch.setenv("VINCULO_KAFKA_BOOTSTRAP", "kafka:9092")
    monkeypatch.setenv("VINCULO_GRAPH_URI", "neo4j://neo4j:7687")
    s = Settings()
    assert (s.kafka_bootstrap, s.graph_uri, s.embedded_kafka, s.embedded_graph) == (
        "kafka:9092", "neo4j://neo4j:7687", False, False)


def test_unknown_graph_scheme_is_an_error(monkeypatch):
    monkeypatch.setenv("VINCULO_GRAPH_URI", "mysql://x")
    with pytest.raises(ValidationError, match="unknown graph URI scheme"):
        Settings()


def test_passwords_are_redacted():
    assert redact("neo4j://neo4j:s3cret@host:7687") == "neo4j://neo4j:***@host:7687"
    assert redact("falkordb://127.0.0.1:6379") == "falkordb://127.0.0.1:6379"
