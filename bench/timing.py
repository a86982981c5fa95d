"""Timing shared by the bench scripts: the best of a few wall-clock runs.

The machine may be busy with other work, which only ever adds time, so the minimum is the
steadiest figure.
"""

from __future__ import annotations

import time
from collections.abc import Callable


def best_of(func: Callable[[], object], runs: int = 1) -> float:
    """Seconds taken by the fastest of ``runs`` calls of ``func``."""
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        timings.append(time.perf_counter() - started)
    return min(timings)
