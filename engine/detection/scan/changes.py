"""The ``graph.changes`` side of the dirty log: the entities a change names, and a reader of the topic.

The link stage and the judgments publish merges (``entities_merged``: the survivor and the entity
merged into it) and splits (``entity_split``) there; a message may also carry ``touched``, the entities
a batch wrote by label. Merges move relationships and delete a node, which no record's provenance
shows: the scanner reads those entities again whole. (Records are found from their mentions,
:mod:`~engine.detection.scan.refresh`.)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from kafka import KafkaConsumer

from engine.eventlog.kafka import GRAPH_CHANGES

ID_FIELDS = ("entity_id", "merged_entity_id", "new_entity_id")


def changed_entities(message: dict[str, Any], label_of: Callable[[str], str | None]) -> list[tuple[str, str]]:
    """(label, id) of every entity ``message`` names; ``label_of`` gives the label of an id the message
    does not label (None: unknown, skipped)."""
    out: list[tuple[str, str]] = []
    for field in ID_FIELDS:
        entity = message.get(field)
        if isinstance(entity, str) and entity:
            label = message.get("label") if isinstance(message.get("label"), str) else label_of(entity)
            if label:
                out.append((label, entity))
    touched = message.get("touched")
    if isinstance(touched, dict):
        for label, ids in touched.items():
            if isinstance(label, str) and isinstance(ids, list):
                out += [(label, i) for i in ids if isinstance(i, str)]
    return out


class ChangesReader:
    """Reads ``graph.changes`` in its own consumer group, from where the group left off."""

    def __init__(self, bootstrap: str, group: str = "vinculo-scanner-changes"):
        self.consumer = KafkaConsumer(
            GRAPH_CHANGES, bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
            auto_offset_reset="earliest", client_id="vinculo-scanner",
            max_poll_interval_ms=30_000, session_timeout_ms=10_000, heartbeat_interval_ms=2_000,
        )

    def take(self, timeout_ms: int = 500) -> list[dict[str, Any]]:
        """The messages that arrived since the last call (offsets committed once the caller has them)."""
        messages: list[dict[str, Any]] = []
        for records in self.consumer.poll(timeout_ms=timeout_ms, max_records=10_000).values():
            for record in records:
                try:
                    value = json.loads(record.value)
                except (ValueError, TypeError):
                    continue
                if isinstance(value, dict):
                    messages.append(value)
        return messages

    def commit(self) -> None:
        self.consumer.commit()

    def close(self) -> None:
        self.consumer.close()
