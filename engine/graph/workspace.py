"""The statements of the investigators' workspace (``engine.api``), in the subset both Neo4j 5
and FalkorDB run: entity profiles, neighbourhoods, flags as cases, the audit trail, tokens.

Written generically over the schema: labels and relationship types come from
``schema.toml`` (a label or type added there is shown without a change here), and are
interpolated only after the allow-list has checked them. Values travel as parameters.
Dialect-specific statements (full-text search, shortest paths) live in the adapters.
"""

from __future__ import annotations

from functools import cache

from engine.graph.cypher import Statement
from engine.graph.model import SEARCH_TEXT
from engine.graph.schema import schema

# Nodes that annotate the graph rather than stand in it: a Mention is one source's view of an
# entity (shown in the entity's profile), a Flag a finding about entities (shown as a case).
# Neither is a step of a path between two entities.
ANNOTATIONS = ("Mention", "Flag")
# Properties shown with a node wherever the workspace lists one: names, identifiers, dates,
# amounts and provenance; never a whole source record (a process's OCDS release weighs).
DISPLAY_PROPS = ("name", "title", "full", "rfc", "curp", "amount", "currency", "date_signed", "date", "status",
                 "program", "type", "start", "end", "listed_on", "definitive_on", "pattern", "severity", "score",
                 "role", "source", "sources", "record_id", "first_seen", "last_seen")
IDENTIFIER_PROPS = ("rfc", "curp")
# Hints, not ties: two companies that share a name and are told apart by their RFCs are no path between them.
HINTS = ("NAMESAKE_OF",)


def entity_labels() -> tuple[str, ...]:
    """What the workspace searches and profiles: every label a source mention resolves to."""
    return schema().relationships["RESOLVED_TO"].targets


def graph_labels() -> tuple[str, ...]:
    """Every label of the data (not the store's operational bookkeeping)."""
    return tuple(name for name, label in schema().labels.items() if not label.operational)


def hidden_labels() -> list[str]:
    """Labels never drawn in a neighbourhood: operational state and mentions."""
    return [name for name, label in schema().labels.items() if label.operational] + ["Mention"]


def path_rel_types() -> tuple[str, ...]:
    """Relationship types a path between two entities may follow (not annotations)."""
    return tuple(rel.name for rel in schema().relationships.values()
                 if not all(src in ANNOTATIONS for src in rel.sources) and rel.name not in HINTS)


def _name(v: str) -> str:
    fields: list[str] = []
    for label in schema().labels.values():
        fields += [f for f in label.search if f not in fields]
    return "coalesce(" + ", ".join(f"{v}.{f}" for f in fields) + f", {v}.id)"


def node_map(v: str) -> str:
    props = ", ".join(f".{p}" for p in DISPLAY_PROPS)
    return f"{{id: {v}.id, label: labels({v})[0], name: {_name(v)}, props: {v} {{{props}}}}}"


def node_brief(v: str) -> str:
    """What drawing a node needs: id, label, name (a profile has the rest)."""
    return f"{{id: {v}.id, label: labels({v})[0], name: {_name(v)}}}"


def _check(label: str) -> str:
    schema().label(label)
    return label


# -- nodes and their relationships -----------------------------------------------------------
@cache
def nodes_by_ids() -> Statement:
    """The nodes with these ids, whatever their label: one index seek per label."""
    parts = [f"""UNWIND $ids AS node_id
MATCH (n:{label} {{id: node_id}})
RETURN n.id AS id, '{label}' AS label, {node_map('n')} AS node""" for label in graph_labels()]
    return Statement("workspace.nodes_by_ids", "\nUNION ALL\n".join(parts), ("ids",))


@cache
def entity_relations(label: str) -> Statement:
    """An entity's relationships grouped by type and direction: how many, and the first ``limit``
    (latest first). Only those are projected: a hub's thousands of neighbours are counted, not read."""
    text = f"""MATCH (e:{_check(label)} {{id: $id}})-[r]-(o)
WHERE NOT labels(o)[0] IN $hidden
WITH type(r) AS type, startNode(r) = e AS outgoing, r, o
ORDER BY coalesce(r.start, r.date, r.first_seen) DESC
WITH type, outgoing, count(*) AS total, collect([r, o])[0..$limit] AS pairs
UNWIND pairs AS pair
WITH type, outgoing, total, pair[0] AS r, pair[1] AS o
RETURN type, outgoing, total, collect({{id: r.id, props: properties(r), node: {node_map('o')}}}) AS items
ORDER BY type, outgoing"""
    return Statement(f"workspace.entity_relations[{label}]", text, ("id", "hidden", "limit"))


@cache
def entity_mentions(label: str) -> Statement:
    """Every source's view of an entity: the mention, its record, and the resolver's reasons."""
    text = f"""MATCH (m:Mention)-[r:RESOLVED_TO]->(e:{_check(label)} {{id: $id}})
WITH m, r
ORDER BY m.first_seen, m.id
WITH count(*) AS total, collect({{id: m.id, name: m.name, schema: m.schema, identifiers: m.identifiers,
     props: m.props, source: m.source, sources: m.sources, record_id: m.record_id, first_seen: m.first_seen,
     last_seen: m.last_seen, score: r.score, decision: r.decision, explanation: r.explanation,
     candidate: r.candidate, reviewed: r.reviewed}})[0..$limit] AS items
RETURN total, items"""
    return Statement(f"workspace.entity_mentions[{label}]", text, ("id", "limit"))


@cache
def expand(label: str) -> Statement:
    """One step of a neighbourhood from nodes of one label: per node, type and direction, the
    number of neighbours and the first ``per_node`` of them (hubs are summarised, not drawn;
    only the neighbours drawn are projected)."""
    text = f"""UNWIND $ids AS node_id
MATCH (a:{_check(label)} {{id: node_id}})-[r]-(b)
WHERE NOT labels(b)[0] IN $hidden
WITH a, type(r) AS type, startNode(r) = a AS outgoing, r, b
WITH a.id AS id, type, outgoing, count(*) AS total, collect([r, b])[0..$per_node] AS pairs
UNWIND pairs AS pair
WITH id, type, outgoing, total, pair[0] AS r, pair[1] AS b
RETURN id, type, outgoing, total, collect({{id: r.id, props: properties(r), node: {node_brief('b')}}}) AS items"""
    return Statement(f"workspace.expand[{label}]", text, ("ids", "hidden", "per_node"))


@cache
def edges_among(label: str) -> Statement:
    """The relationships from nodes of ``label`` in ``ids`` to other nodes in ``ids``."""
    text = f"""UNWIND $ids AS node_id
MATCH (a:{_check(label)} {{id: node_id}})-[r]->(b)
WHERE b.id IN $ids
RETURN r.id AS id, type(r) AS type, a.id AS source, b.id AS target, properties(r) AS props"""
    return Statement(f"workspace.edges_among[{label}]", text, ("ids",))


@cache
def by_identifier(label: str, prop: str) -> Statement:
    """Entities of ``label`` whose ``prop`` (an identifier: RFC, CURP) is exactly ``value``."""
    if prop not in IDENTIFIER_PROPS:
        raise ValueError(prop)
    text = f"""MATCH (n:{_check(label)})
WHERE n.{prop} = $value
RETURN n.id AS id, '{label}' AS label, {node_map('n')} AS node
LIMIT $limit"""
    return Statement(f"workspace.by_identifier[{label}.{prop}]", text, ("value", "limit"))


@cache
def missing_search_text(label: str) -> Statement:
    """Nodes written without their folded search text (before it existed, or by a merge or split)."""
    fields = schema().label(label).search
    if not fields:
        raise ValueError(f"{label} has no searchable properties")
    text = f"""MATCH (n:{label})
WHERE n.{SEARCH_TEXT} IS NULL AND ({" OR ".join(f"n.{f} IS NOT NULL" for f in fields)})
RETURN n.id AS id, [{", ".join(f"n.{f}" for f in fields)}] AS values
LIMIT $limit"""
    return Statement(f"workspace.missing_search_text[{label}]", text, ("limit",))


@cache
def set_search_text(label: str) -> Statement:
    text = f"""UNWIND $rows AS row
MATCH (n:{_check(label)} {{id: row.id}})
SET n.{SEARCH_TEXT} = row.text"""
    return Statement(f"workspace.set_search_text[{label}]", text, ("rows",))


MENTION_ENTITIES = Statement(
    "workspace.mention_entities",
    """UNWIND $ids AS mention_id
MATCH (m:Mention {id: mention_id})-[:RESOLVED_TO]->(e)
RETURN m.id AS mention, m.name AS mention_name, m.source AS source, e.id AS id, labels(e)[0] AS label""",
    ("ids",),
)
PING = Statement("workspace.ping", "RETURN 1 AS ok")

# -- flags as cases ----------------------------------------------------------------------------
_FLAG_FILTER = """($pattern IS NULL OR f.pattern = $pattern)
  AND ($severity IS NULL OR f.severity = $severity)
  AND (($status IS NULL AND f.status <> 'withdrawn') OR f.status = $status)
  AND ($assignee IS NULL OR f.assignee = $assignee)
  AND ($since IS NULL OR f.first_seen >= $since)"""
_FLAG_ROW = """f.id AS id, f.pattern AS pattern, f.title AS title, f.severity AS severity, f.score AS score,
       f.status AS status, f.assignee AS assignee, f.sentence AS sentence, f.first_seen AS first_seen,
       f.last_seen AS last_seen, f.status_at AS status_at"""
_FLAG_PARAMS = ("pattern", "severity", "status", "assignee", "since", "skip", "limit")
LIST_FLAGS = Statement(
    "workspace.list_flags",
    f"""MATCH (f:Flag)
WHERE {_FLAG_FILTER}
RETURN {_FLAG_ROW}
ORDER BY score DESC, id
SKIP $skip
LIMIT $limit""",
    _FLAG_PARAMS,
)
LIST_FLAGS_OF_BODY = Statement(
    "workspace.list_flags_of_body",
    f"""MATCH (b:PublicBody {{id: $body}})<-[:CONCERNS]-(f:Flag)
WHERE {_FLAG_FILTER}
RETURN DISTINCT {_FLAG_ROW}
ORDER BY score DESC, id
SKIP $skip
LIMIT $limit""",
    (*_FLAG_PARAMS, "body"),
)
FLAG = Statement(
    "workspace.flag",
    f"""MATCH (f:Flag {{id: $id}})
OPTIONAL MATCH (f)-[c:CONCERNS]->(e)
RETURN {_FLAG_ROW}, f.evidence AS evidence, f.history AS history,
       collect({{role: c.role, node: {node_map('e')}}}) AS entities""",
    ("id",),
)
UPDATE_FLAG = Statement(
    "workspace.update_flag",
    """MATCH (f:Flag {id: $id})
SET f.status = coalesce($status, f.status),
    f.assignee = CASE WHEN $set_assignee THEN $assignee ELSE f.assignee END,
    f.status_at = $at,
    f.status_note = coalesce($comment, f.status_note),
    f.history = coalesce(f.history, []) + [$entry]
RETURN f.id AS id, f.status AS status, f.assignee AS assignee, f.history AS history""",
    ("id", "status", "set_assignee", "assignee", "at", "comment", "entry"),
)

# -- the audit trail ---------------------------------------------------------------------------
RECORD_AUDIT = Statement(
    "workspace.record_audit",
    """CREATE (a:AuditEvent {id: $id})
SET a += $props""",
    ("id", "props"),
)
LIST_AUDIT = Statement(
    "workspace.list_audit",
    """MATCH (a:AuditEvent)
WHERE ($actor IS NULL OR a.actor = $actor)
  AND ($action IS NULL OR a.action = $action)
  AND ($target IS NULL OR a.target = $target)
  AND ($since IS NULL OR a.at >= $since)
RETURN a.id AS id, a.at AS at, a.actor AS actor, a.token_id AS token_id, a.role AS role, a.action AS action,
       a.target AS target, a.detail AS detail, a.client AS client, a.status AS status
ORDER BY at DESC, id DESC
LIMIT $limit""",
    ("actor", "action", "target", "since", "limit"),
)

# -- tokens ------------------------------------------------------------------------------------
CREATE_TOKEN = Statement(
    "workspace.create_token",
    """CREATE (t:ApiToken {id: $id})
SET t += $props
RETURN t.id AS id""",
    ("id", "props"),
)
TOKEN = Statement(
    "workspace.token",
    """MATCH (t:ApiToken {id: $id})
RETURN t.id AS id, t.name AS name, t.role AS role, t.salt AS salt, t.hash AS hash, t.revoked_at AS revoked_at""",
    ("id",),
)
LIST_TOKENS = Statement(
    "workspace.list_tokens",
    """MATCH (t:ApiToken)
RETURN t.id AS id, t.name AS name, t.role AS role, t.created_at AS created_at, t.created_by AS created_by,
       t.revoked_at AS revoked_at
ORDER BY created_at, id""",
)
REVOKE_TOKEN = Statement(
    "workspace.revoke_token",
    """MATCH (t:ApiToken {id: $id})
SET t.revoked_at = coalesce(t.revoked_at, $at)
RETURN t.id AS id""",
    ("id", "at"),
)


def workspace_statements() -> list[Statement]:
    """Every statement of this module, for the linters."""
    out = [nodes_by_ids()]
    for label in graph_labels():
        out += [entity_relations(label), expand(label), edges_among(label)]
    for label in (*entity_labels(), "Mention"):
        out += [missing_search_text(label), set_search_text(label)]
    for label in entity_labels():
        out.append(entity_mentions(label))
        out += [by_identifier(label, prop) for prop in IDENTIFIER_PROPS]
    out += [value for value in globals().values() if isinstance(value, Statement)]
    return out
