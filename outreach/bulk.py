"""Building many small objects at once (100,000 rows of an export, their people).

CPython's cyclic garbage collector runs a full collection every so many allocations, and each
one re-scans everything still alive: while an export's rows are built that is every row built
so far, over and over, about a third of the work. Rows, cells and people hold no cycles, so
pausing it while they are built frees nothing later than it would have been freed anyway.

``outreach campaign`` runs whole under it (``campaign.run_campaign``): every stage builds
thousands of objects over the 100,000 rows still alive, so each collection re-scanned them
(a tenth of the run's CPU), while the cycles the run makes (templates, messages) are few and
freed when it ends: peak memory at 100,000 rows is the same with and without the pause.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection inside (reference counting frees objects as usual)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


_FROZE = [False]  # whether a ``whole_run`` of this process froze what it left


@contextlib.contextmanager
def whole_run() -> Iterator[None]:
    """For a command that ends its process soon after (the CLI, not a library call): no
    cyclic garbage collection inside, and what is still alive at its end is frozen
    (``gc.freeze``) rather than collected. The first collections after a long pause would
    re-scan every object the run built (a campaign's 100,000 rows, thousands of people),
    moments before the process exits anyway.

    Only a process's first run freezes: a later one (tests run many commands in one
    process) is collected as usual, so at most one run's cycles are never freed. Nothing is
    frozen where someone else froze objects before."""
    first = not _FROZE[0] and gc.get_freeze_count() == 0
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if first:
            gc.freeze()
            _FROZE[0] = True
        if was_enabled:
            gc.enable()
