"""The staged store's postings are the base's as the batch changed them, computed without copying the base:
every mix of ids indexed, unindexed and indexed again gives the set the plain formula gives, and its size."""

from __future__ import annotations

import random

from engine.entity_resolution.store import MemoryStore
from engine.pipeline.staging import StagedStore


def test_postings_and_their_size_follow_every_change_of_the_batch():
    rng = random.Random(5)
    for _ in range(300):
        base = MemoryStore()
        ids = [f"e{i}" for i in range(12)]
        for entity_id in rng.sample(ids, rng.randrange(0, 10)):
            base.index(["k"], entity_id)
        staged = StagedStore(base)
        expected = set(base.postings("k"))
        for _ in range(rng.randrange(0, 12)):
            entity_id = rng.choice(ids)
            if rng.random() < 0.5:
                staged.index(["k"], entity_id)
                expected.add(entity_id)
            else:
                staged.unindex(["k"], entity_id)
                expected.discard(entity_id)
        listed = list(staged.postings("k"))
        assert sorted(listed) == sorted(expected)  # each once
        assert staged.posting_size("k") == len(expected)
        staged.commit()
        assert set(base.postings("k")) == expected
