"""``bulk.whole_run``: a command's run without cyclic collection, its objects frozen at the
end (the process exits); a second run in one process is collected as usual."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from outreach import bulk
from outreach.bulk import whole_run


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cyclic collector frees it


@pytest.fixture(autouse=True)
def _nothing_frozen_after() -> Iterator[None]:
    gc.unfreeze()
    bulk._FROZE[0] = False
    yield
    gc.unfreeze()
    bulk._FROZE[0] = False
    gc.enable()


def _cycle() -> weakref.ref[Node]:
    return weakref.ref(Node())


def test_the_collector_is_paused_inside_and_back_after() -> None:
    with whole_run():
        assert not gc.isenabled()
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0  # what the run left alive is out of later collections


def test_only_a_processs_first_run_freezes() -> None:
    with whole_run():
        first = _cycle()
    gc.collect()
    assert first() is not None  # frozen: the process was to end
    with whole_run():
        second = _cycle()
    gc.collect()
    assert second() is None  # a second run in one process is collected as usual


def test_objects_someone_else_froze_stay_frozen() -> None:
    kept = _cycle()
    gc.freeze()
    count = gc.get_freeze_count()
    with whole_run():
        pass
    assert gc.get_freeze_count() == count  # nothing of ours added, nothing of theirs thawed
    gc.collect()
    assert kept() is not None
