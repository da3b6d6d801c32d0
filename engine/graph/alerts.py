"""The statements of alerts (``engine.alerts``), in the subset both Neo4j 5 and FalkorDB run:
subscriptions, the delivery outbox (one ``Delivery`` per event × subscription, or per digest),
the worker's read positions in the graph, and what an alert says about the entities it names.

Values travel as parameters. A claim that more than one worker may race for takes the node's
write lock first (a property set), then checks: Neo4j reads committed data, and only a lock held
before the check makes "check, then set" atomic there; FalkorDB runs one query at a time.
"""

from __future__ import annotations

from functools import cache

from engine.graph.cypher import Statement
from engine.graph.schema import schema

# properties the alerts read by, indexed by both adapters (with each label's unique ``id``)
INDEXES = (("Delivery", "due"), ("Delivery", "subscription"), ("Delivery", "digest"), ("Delivery", "updated_at"))
# entities an alert can watch, or name in its evidence
WATCHABLE = ("Person", "Company", "PublicBody")

# -- subscriptions -------------------------------------------------------------------------------
SAVE_SUBSCRIPTION = Statement(
    "alerts.save_subscription",
    """MERGE (s:Subscription {id: $id})
ON CREATE SET s.created_at = $at, s.entity_ids = $entity_ids, s.body_ids = $body_ids, s.names = $names,
              s.bound = []
SET s.spec = $spec, s.owner = $owner, s.channel = $channel, s.active = true, s.paused = false, s.updated_at = $at
RETURN s.id AS id, s.created_at = $at AS created""",
    ("id", "at", "entity_ids", "body_ids", "names", "spec", "owner", "channel"),
)
_SUBSCRIPTION_ROW = """s.id AS id, s.spec AS spec, s.entity_ids AS entity_ids, s.body_ids AS body_ids, s.names AS names,
       s.bound AS bound, s.paused AS paused, s.active AS active, s.owner AS owner, s.channel AS channel,
       s.created_at AS created_at, s.updated_at AS updated_at"""
LIST_SUBSCRIPTIONS = Statement(
    "alerts.list_subscriptions",
    f"""MATCH (s:Subscription)
WHERE s.active = true AND s.spec IS NOT NULL
RETURN {_SUBSCRIPTION_ROW}
ORDER BY id""",
)
# what changes when any subscription is made, paused, deleted or finds an entity: read before each batch
SUBSCRIPTIONS_VERSION = Statement(
    "alerts.subscriptions_version",
    """MATCH (s:Subscription)
RETURN count(s) AS n, max(s.updated_at) AS at""",
)
SUBSCRIPTION = Statement(
    "alerts.subscription",
    f"""MATCH (s:Subscription {{id: $id}})
WHERE s.spec IS NOT NULL
RETURN {_SUBSCRIPTION_ROW}""",
    ("id",),
)
PAUSE_SUBSCRIPTION = Statement(
    "alerts.pause_subscription",
    """MATCH (s:Subscription {id: $id})
WHERE s.active = true
SET s.paused = $paused, s.updated_at = $at
RETURN s.id AS id""",
    ("id", "paused", "at"),
)
DEACTIVATE_SUBSCRIPTION = Statement(
    "alerts.deactivate_subscription",
    """MATCH (s:Subscription {id: $id})
WHERE s.active = true
SET s.active = false, s.updated_at = $at
RETURN s.id AS id""",
    ("id", "at"),
)
# an entity watched (by id, or found for a name, RFC or CURP): added once, with its name at the time
WATCH_ENTITY = Statement(
    "alerts.watch_entity",
    """MATCH (s:Subscription {id: $id})
SET s.updated_at = $at
WITH s, $entity IN s.entity_ids AS known, $binding IN s.bound AS bound
SET s.entity_ids = CASE WHEN known THEN s.entity_ids ELSE s.entity_ids + $entity END,
    s.names = CASE WHEN known THEN s.names ELSE s.names + $name END,
    s.bound = CASE WHEN $binding IS NULL OR bound THEN s.bound ELSE s.bound + $binding END
RETURN s.id AS id, NOT known AS added""",
    ("id", "entity", "name", "binding", "at"),
)
# two entities turned out to be one: every subscription watching the absorbed one watches the survivor
FOLLOW_MERGE = Statement(
    "alerts.follow_merge",
    """MATCH (s:Subscription)
WHERE $absorbed IN s.entity_ids OR $absorbed IN s.body_ids
SET s.updated_at = $at
WITH s
SET s.entity_ids = [x IN s.entity_ids WHERE x <> $absorbed AND x <> $survivor]
                   + CASE WHEN $absorbed IN s.entity_ids OR $survivor IN s.entity_ids THEN [$survivor] ELSE [] END,
    s.body_ids = [x IN s.body_ids WHERE x <> $absorbed AND x <> $survivor]
                 + CASE WHEN $absorbed IN s.body_ids OR $survivor IN s.body_ids THEN [$survivor] ELSE [] END
RETURN s.id AS id""",
    ("absorbed", "survivor", "at"),
)

# -- the delivery outbox ---------------------------------------------------------------------------
# Claimed by creation: the worker whose MERGE made the node owns its first try; an alert already
# there (delivered, being sent, waiting for a retry, queued for a digest) is left as it is.
CLAIM_DELIVERIES = Statement(
    "alerts.claim_deliveries",
    """UNWIND $rows AS row
MERGE (d:Delivery {id: row.id})
ON CREATE SET d.kind = row.kind, d.event = row.event, d.event_kind = row.event_kind, d.flag = row.flag,
              d.subscription = row.subscription, d.channel = row.channel, d.destination = row.destination,
              d.payload = row.payload, d.status = row.status, d.due = row.due, d.digest_key = row.digest_key,
              d.claim = row.claim, d.claimed_by = $worker, d.tries = 0, d.attempts = [], d.created_at = $at,
              d.updated_at = $at
RETURN row.id AS id, d.claim = row.claim AS mine, d.status AS status""",
    ("rows", "worker", "at"),
)
# ``due`` is in epoch milliseconds: FalkorDB 4.16's range index answers ``<=`` wrongly on strings such as
# ISO dates (it returns every row); numbers it compares right.
# the outcome of one try, written only by the claim that made it
RECORD_ATTEMPT = Statement(
    "alerts.record_attempt",
    """MATCH (d:Delivery {id: $id})
WHERE d.claim = $claim
SET d.status = $status, d.tries = d.tries + 1, d.attempts = d.attempts + [$attempt], d.due = $due,
    d.reason = $reason, d.delivered_at = $delivered_at, d.updated_at = $at, d.claim = null
RETURN d.id AS id""",
    ("id", "claim", "status", "attempt", "due", "reason", "delivered_at", "at"),
)
# alerts whose retry is due, and tries whose worker went away before saying how it went (lease over)
DUE_DELIVERIES = Statement(
    "alerts.due_deliveries",
    """MATCH (d:Delivery)
WHERE d.due <= $now_ms AND d.status IN ['sending', 'retrying']
RETURN d.id AS id
ORDER BY d.due
LIMIT $limit""",
    ("now_ms", "limit"),
)
TAKE_DELIVERIES = Statement(
    "alerts.take_deliveries",
    """UNWIND $ids AS delivery_id
MATCH (d:Delivery {id: delivery_id})
SET d.taken_at = $now
WITH d
WHERE d.due <= $now_ms AND d.status IN ['sending', 'retrying']
SET d.status = 'sending', d.claim = $claim, d.claimed_by = $worker, d.due = $lease_until
RETURN d.id AS id, d.kind AS kind, d.event AS event, d.event_kind AS event_kind, d.flag AS flag,
       d.subscription AS subscription, d.channel AS channel, d.destination AS destination, d.payload AS payload,
       d.tries AS tries, d.digest_key AS digest_key""",
    ("ids", "now", "now_ms", "claim", "worker", "lease_until"),
)
DELIVERIES_BY_ID = Statement(
    "alerts.deliveries_by_id",
    """UNWIND $ids AS delivery_id
MATCH (d:Delivery {id: delivery_id})
RETURN d.id AS id, d.status AS status, d.flag AS flag, d.subscription AS subscription""",
    ("ids",),
)
# queued for a digest, the period over
DUE_DIGEST_ITEMS = Statement(
    "alerts.due_digest_items",
    """MATCH (d:Delivery)
WHERE d.due <= $now_ms AND d.status = 'queued'
RETURN d.id AS id, d.digest_key AS digest_key, d.subscription AS subscription, d.channel AS channel,
       d.destination AS destination
ORDER BY d.digest_key, d.id
LIMIT $limit""",
    ("now_ms", "limit"),
)
# one digest: created by whoever comes first, taking the items no other digest has
CLAIM_DIGEST = Statement(
    "alerts.claim_digest",
    """MERGE (g:Delivery {id: $id})
ON CREATE SET g.kind = 'digest', g.event = $id, g.event_kind = 'digest', g.subscription = $subscription,
              g.channel = $channel, g.destination = $destination, g.digest_key = $digest_key,
              g.payload = $payload, g.status = 'sending', g.due = $lease_until, g.claim = $claim,
              g.claimed_by = $worker, g.tries = 0, g.attempts = [], g.created_at = $now, g.updated_at = $now
WITH g, g.claim = $claim AS mine
UNWIND $items AS item_id
MATCH (d:Delivery {id: item_id})
SET d.taken_at = $now
WITH g, mine, d
WHERE mine AND d.status = 'queued'
SET d.status = 'digested', d.digest = g.id, d.due = null, d.updated_at = $now
RETURN g.id AS id, mine, count(d) AS items""",
    ("id", "subscription", "channel", "destination", "digest_key", "payload", "lease_until", "claim", "worker",
     "now", "items"),
)
DIGEST_ITEMS = Statement(
    "alerts.digest_items",
    """MATCH (d:Delivery)
WHERE d.digest = $id
RETURN d.id AS id, d.subscription AS subscription, d.payload AS payload, d.created_at AS created_at
ORDER BY d.subscription, d.created_at, d.id""",
    ("id",),
)
# `vinculo alerts log`: every delivery and digest, newest first, with its attempts
DELIVERY_LOG = Statement(
    "alerts.delivery_log",
    """MATCH (d:Delivery)
WHERE ($subscription IS NULL OR d.subscription = $subscription) AND ($status IS NULL OR d.status = $status)
RETURN d.id AS id, d.kind AS kind, d.event AS event, d.event_kind AS event_kind, d.flag AS flag,
       d.subscription AS subscription, d.channel AS channel, d.destination AS destination, d.status AS status,
       d.tries AS tries, d.attempts AS attempts, d.reason AS reason, d.digest AS digest,
       d.created_at AS created_at, d.delivered_at AS delivered_at, d.updated_at AS updated_at
ORDER BY updated_at DESC, id
LIMIT $limit""",
    ("subscription", "status", "limit"),
)

# -- where the worker has read the graph up to -----------------------------------------------------
CURSOR = Statement(
    "alerts.cursor",
    """MERGE (c:AlertCursor {id: $id})
ON CREATE SET c.at = $at
RETURN c.at AS at""",
    ("id", "at"),
)
MOVE_CURSOR = Statement(
    "alerts.move_cursor",
    """MATCH (c:AlertCursor {id: $id})
SET c.at = CASE WHEN c.at < $at THEN $at ELSE c.at END
RETURN c.at AS at""",
    ("id", "at"),
)
# flags touched since ``since`` (found again, status changed) and what the alerts last saw of them
TOUCHED_FLAGS = Statement(
    "alerts.touched_flags",
    """MATCH (f:Flag)
WHERE f.published_at IS NOT NULL AND (f.last_seen >= $since OR f.status_at >= $since)
WITH f
OPTIONAL MATCH (f)-[c:CONCERNS]->(e)
RETURN f.id AS id, f.pattern AS pattern, f.title AS title, f.severity AS severity, f.score AS score,
       f.sentence AS sentence, f.evidence AS evidence, f.status AS status, f.status_note AS status_note,
       f.status_at AS status_at, f.first_seen AS first_seen, f.last_seen AS last_seen, f.alert_state AS alert_state,
       collect({id: e.id, label: labels(e)[0], role: c.role, name: e.name}) AS entities
ORDER BY id""",
    ("since",),
)
SET_ALERT_STATE = Statement(
    "alerts.set_alert_state",
    """UNWIND $rows AS row
MATCH (f:Flag {id: row.id})
SET f.alert_state = row.state""",
    ("rows",),
)
# source records written since ``since``: one row per mention, with the entity it went to
NEW_MENTIONS = Statement(
    "alerts.new_mentions",
    """MATCH (m:Mention)
WHERE m.written_at >= $since
MATCH (m)-[:RESOLVED_TO]->(e)
RETURN m.id AS mention, m.source AS source, m.record_id AS record_id, m.name AS name, m.written_at AS at,
       e.id AS entity, labels(e)[0] AS label, e.name AS entity_name, e.rfc AS rfc, e.curp AS curp
ORDER BY at, mention
SKIP $skip
LIMIT $limit""",
    ("since", "skip", "limit"),
)


# -- what an alert says about the entities it names ------------------------------------------------
def _watchable(label: str) -> str:
    schema().label(label)
    if label not in WATCHABLE:
        raise ValueError(label)
    return label


@cache
def entity_facts(label: str) -> Statement:
    """Names and identifiers of entities of ``label``, and the public bodies they are part of."""
    _watchable(label)
    return Statement(
        f"alerts.entity_facts[{label}]",
        f"""UNWIND $ids AS entity_id
MATCH (e:{label} {{id: entity_id}})
RETURN e.id AS id, '{label}' AS label, e.name AS name, e.rfc AS rfc, e.curp AS curp""",
        ("ids",),
    )


# the public bodies a flag's entities lead to: a body and the institutions it is a unit of; the buyers of
# a process, of a contract or award
BODIES_ABOVE = Statement(
    "alerts.bodies_above",
    """UNWIND $ids AS body_id
MATCH (b:PublicBody {id: body_id})
OPTIONAL MATCH (b)-[:PART_OF*1..3]->(up:PublicBody)
RETURN b.id AS id, collect(DISTINCT up.id) AS above""",
    ("ids",),
)
BUYERS_OF_PROCESSES = Statement(
    "alerts.buyers_of_processes",
    """UNWIND $ids AS process_id
MATCH (b:PublicBody)-[:BUYER_OF]->(p:ContractingProcess {id: process_id})
RETURN p.id AS id, collect(DISTINCT b.id) AS bodies""",
    ("ids",),
)


@cache
def buyers_of(label: str) -> Statement:
    """The buyers of the processes that awarded these contracts (or awards)."""
    if label not in ("Contract", "Award"):
        raise ValueError(label)
    return Statement(
        f"alerts.buyers_of[{label}]",
        f"""UNWIND $ids AS item_id
MATCH (b:PublicBody)-[:BUYER_OF]->(:ContractingProcess)-[:AWARDED]->(k:{label} {{id: item_id}})
RETURN k.id AS id, collect(DISTINCT b.id) AS bodies""",
        ("ids",),
    )


@cache
def bodies_supplied(label: str) -> Statement:
    """The public bodies that bought from these suppliers."""
    if label not in ("Person", "Company"):
        raise ValueError(label)
    return Statement(
        f"alerts.bodies_supplied[{label}]",
        f"""UNWIND $ids AS supplier_id
MATCH (e:{label} {{id: supplier_id}})-[:SUPPLIES]->(k)<-[:AWARDED]-(:ContractingProcess)<-[:BUYER_OF]-(b:PublicBody)
RETURN e.id AS id, collect(DISTINCT b.id) AS bodies""",
        ("ids",),
    )


@cache
def record_facts(label: str) -> Statement:
    """What one source record says about an entity: its relationships from that record."""
    _watchable(label)
    return Statement(
        f"alerts.record_facts[{label}]",
        f"""MATCH (e:{label} {{id: $id}})-[r]-(x)
WHERE r.record_id = $record AND r.source = $source AND type(r) <> 'RESOLVED_TO'
RETURN type(r) AS type, startNode(r).id = e.id AS outgoing, x.id AS other, labels(x)[0] AS other_label,
       coalesce(x.name, x.title, x.program, x.id) AS other_name, properties(r) AS props, properties(x) AS other_props
LIMIT 25""",
        ("id", "record", "source"),
    )


@cache
def flags_of(label: str) -> Statement:
    """The flags that concern an entity (a merge's survivor, re-evaluated)."""
    _watchable(label)
    return Statement(
        f"alerts.flags_of[{label}]",
        f"""MATCH (f:Flag)-[:CONCERNS]->(e:{label} {{id: $id}})
WHERE f.status <> 'withdrawn'
RETURN f.id AS id, f.pattern AS pattern, f.severity AS severity, f.score AS score, f.status AS status,
       f.sentence AS sentence
ORDER BY f.score DESC, id
LIMIT 50""",
        ("id",),
    )


@cache
def mention_names(label: str) -> Statement:
    """How the sources spell an entity (a merge's survivor carries both entities' spellings)."""
    _watchable(label)
    return Statement(
        f"alerts.mention_names[{label}]",
        f"""MATCH (m:Mention)-[:RESOLVED_TO]->(e:{label} {{id: $id}})
RETURN DISTINCT m.name AS name, m.source AS source
LIMIT 25""",
        ("id",),
    )


def alerts_statements() -> list[Statement]:
    """Every statement of this module, for the linters."""
    out = [value for value in globals().values() if isinstance(value, Statement)]
    out += [entity_facts(label) for label in WATCHABLE]
    out += [record_facts(label) for label in WATCHABLE]
    out += [flags_of(label) for label in WATCHABLE]
    out += [mention_names(label) for label in WATCHABLE]
    out += [buyers_of(label) for label in ("Contract", "Award")]
    out += [bodies_supplied(label) for label in ("Person", "Company")]
    return out
