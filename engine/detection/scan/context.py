"""A :class:`~engine.detection.context.DetectionContext` served from the arrays of a
:class:`~engine.detection.scan.compact.CompactGraph`: the same walks (positions, relatives, chains of
control, awards, institutions, periods), the same answers as over the NetworkX export of the same
graph, so the patterns run unchanged. ``roots`` narrows the nodes a pattern starts from (its outer
loop, ``nodes(label)``) to those the joins of :mod:`~engine.detection.scan.roots` found."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from engine.detection.context import DetectionContext
from engine.detection.scan.compact import CompactGraph


class CompactContext(DetectionContext):
    def __init__(self, graph: CompactGraph, now: str, roots: Mapping[str, Iterable[str]] | None = None):
        self.graph = graph
        self.now = now
        self.roots = {label: list(ids) for label, ids in (roots or {}).items()}
        self._institutions: dict[str, str] = {}

    def restricted(self, roots: Mapping[str, Iterable[str]]) -> CompactContext:
        """The same graph, a pattern's outer loop over ``roots`` only."""
        view = CompactContext(self.graph, self.now, roots)
        view._institutions = self._institutions
        return view

    def label(self, node: str) -> str:
        number = self.graph.index.get(node)
        return "" if number is None else self.graph.label(number)

    def props(self, node: str) -> dict[str, Any]:
        number = self.graph.index.get(node)
        return {} if number is None else self.graph.props(number)

    def nodes(self, label: str) -> Iterator[str]:
        ids = self.graph.ids
        if label in self.roots:
            numbers = self.graph.numbers(self.roots[label])
            ranked = sorted((n for n in set(numbers) if self.graph.label(n) == label),
                            key=lambda n: self.graph.rank[n])
            return (ids[n] for n in ranked)
        return (ids[n] for n in self.graph.nodes(label).tolist())

    def out(self, node: str, rel_type: str) -> Iterator[tuple[str, dict[str, Any]]]:
        number = self.graph.index.get(node)
        rel = self.graph.rels.get(rel_type)
        if number is None or rel is None:
            return iter(())
        ids = self.graph.ids
        return ((ids[far], rel.data(edge)) for far, edge in self.graph.out(number, rel_type))

    def into(self, node: str, rel_type: str) -> Iterator[tuple[str, dict[str, Any]]]:
        number = self.graph.index.get(node)
        rel = self.graph.rels.get(rel_type)
        if number is None or rel is None:
            return iter(())
        ids = self.graph.ids
        return ((ids[far], rel.data(edge)) for far, edge in self.graph.into(number, rel_type))

    def institution(self, body: str) -> str:
        """As the walk up ``PART_OF`` gives it, remembered: the arrays do not change during a scan."""
        found = self._institutions.get(body)
        if found is None:
            found = self._institutions[body] = super().institution(body)
        return found
