"""The event log (Kafka protocol): topic names, producers, admin, and reading topics back."""

from engine.eventlog.kafka import (
    TOPICS,
    Message,
    ensure_topics,
    make_producer,
    read_topic,
)

__all__ = ["TOPICS", "Message", "ensure_topics", "make_producer", "read_topic"]
