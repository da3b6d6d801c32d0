"""Alerts: what investigators watch, matched against what happens, delivered where they work.

- ``model``: a subscription — what it watches (entities, names/RFCs/CURPs, public bodies), which
  events (patterns, severity, changes, sources), where alerts go (Kafka, webhook, e-mail, digest);
- ``subscriptions``: subscriptions in the graph store, and the worker's copy of them;
- ``watches``: the entity a name or identifier names, as the resolver reads it;
- ``events``: new flag, flag changed, entities merged or split, source record, entity found;
- ``context``: what the graph adds to an event (bodies, identifiers, the evidence path);
- ``matching``: which subscriptions an event reaches, and the sentence that says why;
- ``render``: the alert as JSON, plain text and HTML, and digests;
- ``channels``: signed webhooks, SMTP, retry timing;
- ``delivery``: the outbox (one ``Delivery`` per event × subscription), its tries and its log;
- ``service``: the worker's alerts work, pure of Kafka; ``cli``: ``vinculo alerts``.
"""
