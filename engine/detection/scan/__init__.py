"""Full and incremental scans that read the graph once.

A full scan reads what detection needs of the whole graph from the store in bulk, by columns
(:mod:`~engine.detection.scan.compact`: nodes in id order, each relationship type as arrays with
out- and in-indexes), then runs every pattern over it:

* joins over sparse matrices (:mod:`~engine.detection.scan.roots`) find where a pattern's findings
  can start — the officials tied to a supplier of their own institution, the suppliers near a
  sanctioned party, the tenderers sharing a detail — and the pattern's own code
  (:mod:`engine.detection.patterns`) decides on those few, over a context served from the arrays
  (:mod:`~engine.detection.scan.context`), so the findings are the pattern's by construction;
* the co-bidding communities of P010 are computed once on the whole co-bidding graph with igraph
  (:mod:`~engine.detection.scan.cobidding`; NetworkX's Louvain is the reference in the tests);
* P011 streams the releases kept on the processes a page at a time into Cardinal's fold.

An incremental scan (:mod:`~engine.detection.scan.incremental`) keeps the arrays between scans,
re-reads only the entities written since the last one (a dirty log fed by ``graph.changes`` and by
the mentions the graph marks as written) and re-checks only the findings that can depend on them.
Several ``vinculo scanner`` processes share a full scan through tasks on a Kafka topic
(:mod:`~engine.detection.scan.tasks`).
"""
