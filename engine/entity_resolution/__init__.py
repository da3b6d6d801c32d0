"""Entity resolution: normalise names and identifiers, block, score, cluster.

One module per stage: ``text``/``companies``/``persons``/``addresses``/``identifiers``
(normalise), ``phonetic``/``blocking`` (block), ``fuzzy``/``compare``/``model`` (score;
rapidfuzz is called only from ``fuzzy``), ``resolver``/``store`` (decide and
cluster, incrementally), ``estimate`` (EM on the data at hand), ``batch`` (JSON lines),
``lexicon`` (rebuild the shipped ``names.json``); ``devtools.er_training`` rebuilds the shipped
``weights.json``. Entities that concurrent workers created apart are merged by the pipeline's
reconcile job (``engine.pipeline.reconcile``).

    >>> from engine.entity_resolution import Resolver
    >>> r = Resolver()
    >>> a = r.resolve({"id": "1", "kind": "company", "name": "GRUAS FLETES Y MANIOBRAS SA DE CV"})
    >>> b = r.resolve({"id": "2", "kind": "company", "name": "GRUAS FLETES Y MANIOBR"})
    >>> a.entity_id == b.entity_id
    True
"""

from engine.entity_resolution.batch import resolve_jsonl
from engine.entity_resolution.model import Model
from engine.entity_resolution.records import Mention
from engine.entity_resolution.resolver import Resolution, Resolver
from engine.entity_resolution.store import MemoryStore, ResolverStore

__all__ = ["Mention", "MemoryStore", "Model", "Resolution", "Resolver", "ResolverStore", "resolve_jsonl"]
