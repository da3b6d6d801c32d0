"""The one canonical shape every source is turned into.

A :class:`CanonicalRecord` is one source record's view of the world: the entities it
mentions (people, companies, public bodies, contracts, addresses, sanctions…) and the
relations it states between them (a position held, an ownership share, a directorship, a
family tie, a tender, an award, a sanction with its period…), with provenance. Names
follow FollowTheMoney. Records travel on the ``mentions`` topic to the resolver, which
decides which graph entity each mention of a person, company or public body is.
"""

from __future__ import annotations

import hashlib
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from engine.graph.schema import schema

EntitySchema = Literal[
    "Person", "Company", "PublicBody", "ContractingProcess", "Contract", "Award", "Address", "Sanction", "Declaration"
]
# Mentions of these go through entity resolution; the others carry their own key.
RESOLVABLE: frozenset[str] = frozenset({"Person", "Company", "PublicBody"})

PropValue = str | int | float | bool | list[str] | list[int] | list[float] | None


class EntityMention(BaseModel):
    """One record's mention of one entity."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    ref: str = Field(description="Unique within the record; relations point at it")
    schema_: EntitySchema = Field(alias="schema")
    key: str | None = Field(
        default=None,
        description="A strong, deterministic id when the source gives one (mx-rfc:…, ocds:…)",
    )
    name: str | None = None
    identifiers: dict[str, str] = Field(default_factory=dict, description="rfc, curp, other scheme → value")
    props: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _key_when_not_resolved(self) -> EntityMention:
        if self.schema_ not in RESOLVABLE and not self.key:
            raise ValueError(f"a {self.schema_} mention needs a key (it is not resolved by name)")
        if self.schema_ in RESOLVABLE and not (self.key or self.name or self.identifiers):
            raise ValueError(f"{self.schema_} mention {self.ref!r} has neither a name nor an identifier")
        return self


class RelationFact(BaseModel):
    """A relation the record states between two of its mentions."""

    model_config = ConfigDict(extra="forbid")

    type: str
    source: str
    target: str
    key: str | None = Field(default=None, description="Distinguishes several relations of one type and pair")
    props: dict[str, Any] = Field(default_factory=dict)


class CanonicalRecord(BaseModel):
    """Everything one source record says, with its provenance."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(description="Source kind: ocds, bods, ftm, pdn-s1, pdn-s2, pdn-s3, sat69b, csv")
    dataset: str | None = Field(default=None, description="File, API or collection it came from")
    record_id: str
    published_at: str
    locator: str | None = None
    warnings: list[str] = Field(default_factory=list, description="What was repaired or assumed, for a person to check")
    entities: list[EntityMention] = Field(default_factory=list)
    relations: list[RelationFact] = Field(default_factory=list)

    @model_validator(mode="after")
    def _relations_are_consistent(self) -> CanonicalRecord:
        refs: dict[str, str] = {}
        for e in self.entities:
            if e.ref in refs and refs[e.ref] != e.schema_:
                raise ValueError(f"ref {e.ref!r} names both a {refs[e.ref]} and a {e.schema_}")
            refs[e.ref] = e.schema_
        for r in self.relations:
            for end in (r.source, r.target):
                if end not in refs:
                    raise ValueError(f"relation {r.type} points at unknown ref {end!r}")
            schema().relationship(r.type, refs[r.source], refs[r.target])
        return self

    def mention_id(self, ref: str) -> str:
        """Deterministic id of a mention: replaying the record gives the same id."""
        digest = hashlib.sha256(f"{self.source}|{self.record_id}|{ref}".encode()).hexdigest()[:24]
        return f"mention:{digest}"


class RecordBuilder:
    """Collects a record's mentions and relations; merges repeated mentions of one ref."""

    def __init__(self, source: str, record_id: str, published_at: str, dataset: str | None = None,
                 locator: str | None = None):
        self.source, self.record_id, self.published_at = source, record_id, published_at
        self.dataset, self.locator = dataset, locator
        self._entities: dict[str, EntityMention] = {}
        self._relations: dict[tuple[str, str, str, str | None], RelationFact] = {}
        self.warnings: list[str] = []

    def entity(self, ref: str, schema_: str, *, key: str | None = None, name: str | None = None,
               identifiers: dict[str, str | None] | None = None, **props: Any) -> str:
        clean = {k: v for k, v in props.items() if v not in (None, "", [], {})}
        ids = {k: v for k, v in (identifiers or {}).items() if v}
        existing = self._entities.get(ref)
        if existing is None:
            self._entities[ref] = EntityMention(ref=ref, schema=schema_, key=key, name=name,  # type: ignore[arg-type]
                                                identifiers=ids, props=clean)
        else:
            existing.key = existing.key or key
            existing.name = existing.name or name
            existing.identifiers = {**ids, **existing.identifiers}
            existing.props = {**clean, **existing.props}
        return ref

    def relate(self, type_: str, source: str, target: str, key: str | None = None, **props: Any) -> None:
        clean = {k: v for k, v in props.items() if v not in (None, "", [], {})}
        slot = (type_, source, target, key)
        if slot in self._relations:
            self._relations[slot].props.update(clean)
        else:
            self._relations[slot] = RelationFact(type=type_, source=source, target=target, key=key, props=clean)

    def has(self, ref: str) -> bool:
        return ref in self._entities

    def mention(self, ref: str) -> EntityMention:
        return self._entities[ref]

    def warn(self, message: str) -> None:
        """Note something repaired or assumed (a derived id, a guessed role): it travels with the record."""
        if message not in self.warnings:
            self.warnings.append(message)

    def build(self) -> CanonicalRecord:
        return CanonicalRecord(
            source=self.source, dataset=self.dataset, record_id=self.record_id,
            published_at=self.published_at, locator=self.locator, warnings=self.warnings,
            entities=list(self._entities.values()), relations=list(self._relations.values()),
        )
