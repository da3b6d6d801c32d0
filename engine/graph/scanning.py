"""The statements of incremental scans: what the records written since a moment wrote, the current
relationships between given pairs of nodes and the columns of given nodes, the flags a set of roots
raised, and the withdrawal of some of them. (Full scans read through ``engine.graph.export``.)

What a record wrote is found from its mentions: every record resolves at least one mention (the
buyer of a release, the declarant, the sanctioned party), each mention carries the record's
provenance, and every relationship the record wrote carries it too, so the record's facts are the
relationships with that provenance reached from its entities (two hops: buyer → process → contract).
"""

from __future__ import annotations

from functools import cache

from engine.graph.cypher import Statement
from engine.graph.export import DETECTION_RELS, NODE_COLUMNS, REL_COLUMNS
from engine.graph.schema import schema

_ENDS = """RETURN DISTINCT type(r) AS type, startNode(r).id AS src, labels(startNode(r))[0] AS src_label,
       endNode(r).id AS dst, labels(endNode(r))[0] AS dst_label"""

RECORDS_WRITTEN_SINCE = Statement(
    "records_written_since",
    f"""MATCH (m:Mention)
WHERE m.written_at >= $since
MATCH (m)-[:RESOLVED_TO]->(e)
MATCH (e)-[r]-()
WHERE r.record_id = m.record_id AND r.source = m.source AND type(r) IN $types
{_ENDS}, m.record_id AS record_id, m.source AS source""",
    ("since", "types"),
)
ENTITIES_WRITTEN_SINCE = Statement(
    "entities_written_since",
    """MATCH (m:Mention)
WHERE m.written_at >= $since
MATCH (m)-[:RESOLVED_TO]->(e)
RETURN DISTINCT e.id AS id, labels(e)[0] AS label""",
    ("since",),
)


@cache
def record_edges_from(label: str) -> Statement:
    """The relationships a record wrote at nodes of ``label`` ($rows: id, record_id, source)."""
    schema().label(label)
    return Statement(f"record_edges_from[{label}]", f"""UNWIND $rows AS row
MATCH (x:{label} {{id: row.id}})-[r]-()
WHERE r.record_id = row.record_id AND r.source = row.source AND type(r) IN $types
{_ENDS}, row.record_id AS record_id, row.source AS source""", ("rows", "types"))


@cache
def pair_edges(rel_type: str, source: str, target: str) -> Statement:
    """Every relationship of ``rel_type`` from each $pairs.src to its $pairs.dst, with its columns."""
    schema().relationship(rel_type, source, target)
    columns = "".join(f", r.{c} AS {c}" for c in REL_COLUMNS[rel_type])
    return Statement(f"pair_edges[{rel_type}:{source}->{target}]", f"""UNWIND $pairs AS pair
MATCH (a:{source} {{id: pair.src}})-[r:{rel_type}]->(b:{target} {{id: pair.dst}})
RETURN a.id AS src, b.id AS dst{columns}""", ("pairs",))


@cache
def nodes_by_id(label: str) -> Statement:
    """The columns detection reads of the nodes of ``label`` whose ids are $ids."""
    schema().label(label)
    columns = "".join(f", n.{c} AS {c}" for c in NODE_COLUMNS[label])
    return Statement(f"nodes_by_id[{label}]", f"""UNWIND $ids AS node_id
MATCH (n:{label} {{id: node_id}})
RETURN n.id AS id{columns}""", ("ids",))


FLAGS_OF_ROOTS = Statement(
    "flags_of_roots",
    """MATCH (f:Flag)-[c:CONCERNS]->(e)
WHERE f.pattern = $pattern AND c.role = $role AND e.id IN $ids
RETURN DISTINCT f.id AS id""",
    ("pattern", "role", "ids"),
)
WITHDRAW_FLAG_IDS = Statement(
    "withdraw_flag_ids",
    """MATCH (f:Flag)
WHERE f.id IN $ids AND f.status = 'new'
SET f.status = 'withdrawn', f.status_at = $at, f.status_note = 'evidence no longer found by an incremental scan'
RETURN f.id AS id""",
    ("ids", "at"),
)


def scanning_statements() -> list[Statement]:
    """Every statement of this module, for the Neo4j linter."""
    out = [RECORDS_WRITTEN_SINCE, ENTITIES_WRITTEN_SINCE, FLAGS_OF_ROOTS, WITHDRAW_FLAG_IDS]
    out += [record_edges_from(label) for label in NODE_COLUMNS]
    out += [nodes_by_id(label) for label in NODE_COLUMNS]
    out += [pair_edges(t, s, d) for t, s, d in schema().endpoint_pairs()
            if t in DETECTION_RELS and s in NODE_COLUMNS and d in NODE_COLUMNS]
    return out
