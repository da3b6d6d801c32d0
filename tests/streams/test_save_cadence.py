"""The resolver's state is saved every 30 s at most, and never so often that saving takes more than a twentieth
of the worker's time (a national index would take tens of seconds to write)."""

from __future__ import annotations

from streams.app import SAVE_EVERY, SAVE_SHARE, save_due


def test_a_small_index_is_saved_every_thirty_seconds():
    assert not save_due(now=129.0, saved=100.0, save_seconds=0.8)
    assert save_due(now=131.0, saved=100.0, save_seconds=0.8)


def test_a_large_index_is_saved_less_often_the_longer_it_takes():
    cost = 40.0  # seconds: a snapshot of a national index
    assert cost / SAVE_SHARE > SAVE_EVERY  # the share, not the 30 s, decides here
    assert not save_due(now=cost / SAVE_SHARE - 1, saved=0.0, save_seconds=cost)
    assert save_due(now=cost / SAVE_SHARE + 1, saved=0.0, save_seconds=cost)

