"""Every Cypher statement Vínculo sends, in the subset both Neo4j 5 and FalkorDB run.

Values travel only as parameters. Labels and relationship types are interpolated only
after the schema's allow-list has checked them. Dialect-specific statements (schema
set-up, full-text search) live in the adapter modules beside this one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from engine.graph.schema import schema


@dataclass(frozen=True)
class Statement:
    """A Cypher text and the parameters it expects."""

    name: str
    text: str
    params: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.text


_PROVENANCE = """
    {v}.last_seen = CASE WHEN {v}.last_seen IS NULL OR row.seen > {v}.last_seen
                         THEN row.seen ELSE {v}.last_seen END,
    {v}.first_seen = CASE WHEN {v}.first_seen IS NULL OR row.seen < {v}.first_seen
                          THEN row.seen ELSE {v}.first_seen END,
    {v}.sources = CASE WHEN row.source IN coalesce({v}.sources, [])
                       THEN {v}.sources ELSE coalesce({v}.sources, []) + row.source END,
    {v}.source = row.source,
    {v}.record_id = row.record_id"""


@cache
def upsert_nodes(label: str) -> Statement:
    """MERGE a batch of nodes of one label by id; provenance widens, never narrows."""
    schema().label(label)
    text = f"""UNWIND $rows AS row
MERGE (n:{label} {{id: row.id}})
ON CREATE SET n += row.create
SET n += row.props,{_PROVENANCE.format(v="n")}"""
    return Statement(f"upsert_nodes[{label}]", text, ("rows",))


@cache
def upsert_rels(rel_type: str, source: str, target: str) -> Statement:
    """MERGE a batch of relationships by id between nodes matched by id."""
    schema().relationship(rel_type, source, target)
    text = f"""UNWIND $rows AS row
MATCH (a:{source} {{id: row.src}})
MATCH (b:{target} {{id: row.dst}})
MERGE (a)-[r:{rel_type} {{id: row.id}}]->(b)
SET r += row.props,{_PROVENANCE.format(v="r")}"""
    return Statement(f"upsert_rels[{rel_type}:{source}->{target}]", text, ("rows",))


COUNT_BY_LABEL = Statement(
    "count_by_label",
    "MATCH (n) RETURN labels(n)[0] AS label, count(n) AS count ORDER BY label",
)
COUNT_BY_REL_TYPE = Statement(
    "count_by_rel_type",
    "MATCH ()-[r]->() RETURN type(r) AS type, count(r) AS count ORDER BY type",
)
NODE_IDS_BY_LABEL = Statement(
    "node_ids_by_label",
    "MATCH (n) WHERE $label IN labels(n) RETURN n.id AS id ORDER BY id",
    ("label",),
)

PROCESS_BY_ALIAS = Statement(
    "process_by_alias",
    """MATCH (p:ContractingProcess)
WHERE $alias IN p.aliases
RETURN p.id AS id
ORDER BY id
LIMIT 1""",
    ("alias",),
)

PROCESS_RELEASES = Statement(
    "process_releases",
    """MATCH (p:ContractingProcess)
WHERE p.release IS NOT NULL
RETURN p.id AS id, p.release AS release
ORDER BY id
SKIP $skip
LIMIT $limit""",
    ("skip", "limit"),
)

# -- flags ---------------------------------------------------------------------------------
UNPUBLISHED_FLAGS = Statement(
    "unpublished_flags",
    """MATCH (f:Flag)
WHERE f.published_at IS NULL
OPTIONAL MATCH (f)-[c:CONCERNS]->(e)
RETURN f.id AS id, f.pattern AS pattern, f.title AS title, f.severity AS severity,
       f.score AS score, f.sentence AS sentence, f.evidence AS evidence, f.status AS status,
       f.first_seen AS first_seen, f.last_seen AS last_seen,
       collect({id: e.id, label: labels(e)[0], role: c.role, name: e.name}) AS entities
ORDER BY id""",
)
MARK_FLAGS_PUBLISHED = Statement(
    "mark_flags_published",
    """UNWIND $ids AS flag_id
MATCH (f:Flag {id: flag_id})
SET f.published_at = $at""",
    ("ids", "at"),
)
WITHDRAW_FLAGS = Statement(
    "withdraw_flags",
    """MATCH (f:Flag)
WHERE f.pattern IN $patterns AND f.status = 'new' AND NOT f.id IN $found
SET f.status = 'withdrawn', f.status_at = $at, f.status_note = 'evidence no longer found by a full scan'
RETURN f.id AS id""",
    ("patterns", "found", "at"),
)
REVIVE_FLAGS = Statement(
    "revive_flags",
    """MATCH (f:Flag)
WHERE f.id IN $found AND f.status = 'withdrawn'
SET f.status = 'new', f.status_at = $at, f.status_note = 'found again'
RETURN f.id AS id""",
    ("found", "at"),
)
LIST_FLAGS = Statement(
    "list_flags",
    """MATCH (f:Flag)
WHERE ($pattern IS NULL OR f.pattern = $pattern)
  AND (($status IS NULL AND f.status <> 'withdrawn') OR f.status = $status)
RETURN f.id AS id, f.pattern AS pattern, f.severity AS severity, f.score AS score,
       f.status AS status, f.sentence AS sentence, f.evidence AS evidence,
       f.first_seen AS first_seen, f.last_seen AS last_seen
ORDER BY f.score DESC, f.id
LIMIT $limit""",
    ("pattern", "status", "limit"),
)
SET_FLAG_STATUS = Statement(
    "set_flag_status",
    """MATCH (f:Flag {id: $id})
SET f.status = $status, f.status_note = $note, f.status_at = $at
RETURN f.id AS id""",
    ("id", "status", "note", "at"),
)

FLAG_ENTITIES = Statement(
    "flag_entities",
    """MATCH (f:Flag)-[c:CONCERNS]->(e)
WHERE f.status <> 'withdrawn'
RETURN f.id AS flag, f.pattern AS pattern, f.sentence AS sentence, c.role AS role, e.id AS entity,
       e.rfc AS rfc, e.curp AS curp
ORDER BY flag""",
)

# -- entity resolution review ----------------------------------------------------------------
def _resolved_label(label: str) -> None:
    """Only people, companies and public bodies are resolved; the label goes into the text, so it is checked."""
    if label not in ("Person", "Company", "PublicBody"):
        raise ValueError(label)


@cache
def review_queue(label: str) -> Statement:
    """Possible matches not yet judged: the mention, the entity it went to, the candidate."""
    _resolved_label(label)
    return Statement(
        f"review_queue[{label}]",
        f"""MATCH (m:Mention)-[r:RESOLVED_TO]->(e:{label})
WHERE r.decision = 'possible' AND r.candidate IS NOT NULL AND r.reviewed IS NULL
MATCH (c:{label} {{id: r.candidate}})
RETURN m.id AS mention, m.name AS mention_name, m.source AS source, e.id AS entity, c.id AS candidate,
       c.name AS candidate_name, r.score AS score, r.explanation AS explanation
ORDER BY score DESC, mention
LIMIT $limit""",
        ("limit",),
    )


@cache
def mentions_of(label: str) -> Statement:
    """Every mention resolved to an entity of ``label``, in a stable order, a page at a time."""
    _resolved_label(label)
    return Statement(
        f"mentions_of[{label}]",
        f"""MATCH (m:Mention)-[:RESOLVED_TO]->(e:{label})
RETURN m.id AS mention, m.name AS name, m.identifiers AS identifiers, m.props AS props, e.id AS entity
ORDER BY mention
SKIP $skip
LIMIT $limit""",
        ("skip", "limit"),
    )


RECORD_JUDGMENT = Statement(
    "record_judgment",
    """MERGE (j:Judgment {id: $id})
ON CREATE SET j.a = $a, j.b = $b, j.same = $same, j.author = $author, j.at = $at
WITH j
OPTIONAL MATCH (m:Mention {id: $a})-[r:RESOLVED_TO]->()
SET r.reviewed = $at
RETURN j.id AS id""",
    ("id", "a", "b", "same", "author", "at"),
)
JUDGMENTS_SINCE = Statement(
    "judgments_since",
    """MATCH (j:Judgment)
WHERE j.at > $at OR (j.at = $at AND j.id > $id)
RETURN j.id AS id, j.a AS a, j.b AS b, j.same AS same, j.author AS author, j.at AS at
ORDER BY at, id""",
    ("at", "id"),
)
CLAIM_JUDGMENT = Statement(
    "claim_judgment",
    """MATCH (j:Judgment {id: $id})
WHERE j.applied_at IS NULL
SET j.applied_at = $at, j.applied_by = $worker
RETURN j.id AS id""",
    ("id", "at", "worker"),
)
MENTIONS_WRITTEN_SINCE = Statement(
    "mentions_written_since",
    """MATCH (m:Mention)
WHERE ($since = '' OR m.written_at >= $since) AND ($me = '' OR m.written_by IS NULL OR m.written_by <> $me)
MATCH (m)-[:RESOLVED_TO]->(e)
RETURN m.id AS mention, m.schema AS schema, m.name AS name, m.identifiers AS identifiers, m.props AS props,
       m.key AS key, m.written_at AS at, m.written_by AS by, e.id AS entity, labels(e)[0] AS label
ORDER BY at, mention
SKIP $skip
LIMIT $limit""",
    ("since", "me", "skip", "limit"),
)
MENTION_BY_ID = Statement(
    "mention_by_id",
    """MATCH (m:Mention {id: $id})-[:RESOLVED_TO]->(e)
RETURN m.id AS mention, m.schema AS schema, m.name AS name, m.identifiers AS identifiers, m.props AS props,
       e.id AS entity, labels(e)[0] AS label""",
    ("id",),
)
PENDING_JUDGMENTS = Statement(
    "pending_judgments",
    """MATCH (j:Judgment)
WHERE j.applied_at IS NULL
RETURN j.id AS id, j.a AS a, j.b AS b, j.same AS same, j.author AS author
ORDER BY j.at, id""",
)
NOT_SAME_JUDGMENTS = Statement(
    "not_same_judgments",
    """MATCH (j:Judgment)
WHERE j.same = false
RETURN j.a AS a, j.b AS b""",
)
MARK_JUDGMENT_APPLIED = Statement(
    "mark_judgment_applied",
    """MATCH (j:Judgment {id: $id})
SET j.applied_at = $at, j.outcome = $outcome""",
    ("id", "at", "outcome"),
)


@cache
def split_mention(label: str) -> Statement:
    """Move one mention to a new entity of its own (a reviewer said "not same")."""
    _resolved_label(label)
    return Statement(
        f"split_mention[{label}]",
        f"""MATCH (m:Mention {{id: $mention}})-[r:RESOLVED_TO]->(e:{label})
MERGE (n:{label} {{id: $entity}})
ON CREATE SET n.name = m.name, n.first_seen = r.first_seen, n.last_seen = r.last_seen, n.split_from = e.id
MERGE (m)-[s:RESOLVED_TO {{id: $rel}}]->(n)
SET s += properties(r), s.id = $rel, s.decision = 'judged', s.explanation = [$why]
SET m.written_at = $at
DELETE r
RETURN n.id AS id""",
        ("mention", "entity", "rel", "why", "at"),
    )


# -- detection -------------------------------------------------------------------------------
SAT69B_SUPPLIERS = Statement(
    "sat69b_suppliers",
    """MATCH (s:Sanction)-[:SANCTIONED]->(c)-[sup:SUPPLIES]->(k:Contract)
WHERE s.program = $program AND s.status IN $statuses
OPTIONAL MATCH (p:ContractingProcess)-[:AWARDED]->(k)
OPTIONAL MATCH (b:PublicBody)-[:BUYER_OF]->(p)
RETURN c.id AS supplier_id, labels(c)[0] AS supplier_label, c.name AS supplier_name,
       c.rfc AS rfc, s.id AS sanction_id, s.status AS status,
       s.listed_on AS listed_on, s.definitive_on AS definitive_on,
       k.id AS contract_id, k.title AS contract_title, k.date_signed AS date_signed,
       k.amount AS amount, k.currency AS currency,
       p.id AS process_id, collect(DISTINCT b.id) AS buyer_ids,
       collect(DISTINCT b.name) AS buyer_names
ORDER BY supplier_id, contract_id""",
    ("program", "statuses"),
)


@cache
def officials_tied_to_own_suppliers(tie: str, via_family: bool) -> Statement:
    """Officials (or their relatives) with a ``tie`` to a company that supplies the public
    body where the official holds a position."""
    if tie not in ("OWNS", "DIRECTS", "REPRESENTS"):
        raise ValueError(tie)
    holder = "(o)-[:FAMILY_OF]-(t:Person)" if via_family else None
    text = f"""MATCH (o:Person)-[:HOLDS_POSITION]->(b:PublicBody)
MATCH (b)-[:BUYER_OF]->(:ContractingProcess)-[:AWARDED]->(:Contract)<-[:SUPPLIES]-(c:Company)
{"MATCH " + holder if holder else "WITH o, b, c, o AS t"}
MATCH (t)-[:{tie}]->(c)
RETURN DISTINCT o.id AS official, o.name AS name, b.name AS institution, c.name AS company"""
    return Statement(f"officials_tied[{tie}{'-family' if via_family else ''}]", text)


def portable_statements() -> list[Statement]:
    """Every statement of this module, for the linters and the dialect tests."""
    statements = [upsert_nodes(label) for label in schema().labels]
    statements += [upsert_rels(*pair) for pair in schema().endpoint_pairs()]
    statements += [value for value in globals().values() if isinstance(value, Statement)]
    statements += [officials_tied_to_own_suppliers(t, f) for t in ("OWNS", "DIRECTS", "REPRESENTS")
                   for f in (False, True)]
    statements += [review_queue(label) for label in ("Person", "Company", "PublicBody")]
    statements += [split_mention(label) for label in ("Person", "Company", "PublicBody")]
    statements += [mentions_of(label) for label in ("Person", "Company")]
    return statements


RELEASE_JUDGMENT = Statement(
    "release_judgment",
    """MATCH (j:Judgment {id: $id})
WHERE j.applied_by = $worker
SET j.applied_at = null, j.applied_by = null""",
    ("id", "worker"),
)
NOTE_JUDGMENT_OUTCOME = Statement(
    "note_judgment_outcome",
    """MATCH (j:Judgment {id: $id})
SET j.outcome = $outcome""",
    ("id", "outcome"),
)
