"""Entity resolution: normalise names and identifiers, block, score, cluster.

One module per stage: ``text``/``companies``/``persons``/``addresses``/``identifiers``
(normalise), ``phonetic``/``blocking`` (block), ``fuzzy``/``compare``/``model`` (score;
rapidfuzz is called only from ``fuzzy``), ``resolver``/``store``/``reconcile`` (decide and
cluster, incrementally), ``batch`` (JSON lines), ``training``/``lexicon`` (rebuild the
shipped ``weights.json`` and ``names.json``).

    >>> from engine.entity_resolution import Resolver
    >>> r = Resolver()
    >>> a = r.resolve({"id": "1", "kind": "company", "name": "GRUAS FLETES Y MANIOBRAS SA DE CV"})
    >>> b = r.resolve({"id": "2", "kind": "company", "name": "GRUAS FLETES Y MANIOBR"})
    >>> a.entity_id == b.entity_id
    True
"""

from engine.entity_resolution.batch import resolve_jsonl
from engine.entity_resolution.model import Model
from engine.entity_resolution.reconcile import reconcile
from engine.entity_resolution.records import Mention
from engine.entity_resolution.resolver import Resolution, Resolver
from engine.entity_resolution.store import MemoryStore, ResolverStore

__all__ = ["Mention", "MemoryStore", "Model", "Resolution", "Resolver", "ResolverStore", "reconcile", "resolve_jsonl"]
