"""Request and response bodies of the workspace API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ErrorBody(BaseModel):
    status: int
    error: str = Field(description="A short code: bad_request, unauthorized, forbidden, not_found, …")
    message: str = Field(description="What was wrong, in a sentence")
    details: list[dict[str, Any]] | None = None


class Node(BaseModel):
    id: str
    label: str
    name: str | None = None
    props: dict[str, Any] = Field(default_factory=dict)


class SearchHit(Node):
    kind: str
    score: float = Field(description="0–1: the resolver's name comparison and the share of words matched")
    why: list[str] = Field(description="Why this entity matched")
    matched: str = Field(description="The spelling that matched (the entity's name or a source's)")


class SearchResult(BaseModel):
    query: str
    kind: str | None
    hits: list[SearchHit]


class Profile(BaseModel):
    entity: Node
    redirected_from: str | None = Field(None, description="The id asked for, when that entity was merged into this")
    names: list[str] = Field(description="Every spelling sources gave")
    identifiers: dict[str, list[str]]
    mentions: dict[str, Any] = Field(description="Each source record's view: name, record, score, explanation")
    sections: dict[str, list[dict[str, Any]]] = Field(
        description="positions, holdings, contracts, sanctions, flags, family, relations: by type and direction")


class Subgraph(BaseModel):
    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    more: list[dict[str, Any]] = Field(description="Hubs summarised: 'and N more' per node, type and direction")
    truncated: bool = Field(description="True when the node cap stopped the expansion")


class Neighbourhood(Subgraph):
    root: str
    depth: int


class Paths(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    source: Node = Field(alias="from")
    target: Node = Field(alias="to")
    max: int
    paths: list[dict[str, Any]] = Field(description="Shortest first: nodes, and edges with dates and source")


class FlagRow(BaseModel):
    id: str
    pattern: str | None = None
    title: str | None = None
    severity: str | None = None
    score: float | None = None
    status: str | None = None
    assignee: str | None = None
    sentence: str | None = None
    first_seen: str | None = None
    last_seen: str | None = None
    status_at: str | None = None


class FlagList(BaseModel):
    flags: list[FlagRow]
    skip: int
    limit: int


class FlagDetail(FlagRow):
    evidence: dict[str, Any]
    entities: list[dict[str, Any]]
    history: list[dict[str, Any]]
    comments: list[dict[str, Any]]
    evidence_graph: dict[str, Any] = Field(description="The path drawn, with the source records of each step")


class FlagChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["new", "in_progress", "confirmed", "dismissed"] | None = None
    assignee: str | None = Field(None, max_length=100, description="Who works the case; null unassigns")
    comment: str | None = Field(None, max_length=5000)


class FlagChanged(BaseModel):
    id: str
    status: str
    assignee: str | None = None
    history: list[dict[str, Any]]


class JudgmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mention: str = Field(min_length=1, max_length=200, description="The mention (as in the review queue)")
    entity: str = Field(min_length=1, max_length=200, description="The entity it may be")
    same: bool = Field(description="true: the same; false: not the same")


class JudgmentOut(BaseModel):
    judgment: str
    mention: str
    entity: str
    same: bool


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    role: Literal["journalist", "analyst", "admin"]


class TokenOut(BaseModel):
    id: str
    name: str
    role: str
    token: str = Field(description="Shown once; only its salted hash is kept")
