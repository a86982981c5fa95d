"""What differs between Linux, macOS and Windows, asked in one place.

Every command runs on all three: a call only Linux has (``os.sched_getaffinity``,
``os.sync``) is asked for here, with what the other systems offer instead.
"""

from __future__ import annotations

import os


def usable_cpus() -> int:
    """The cores this process may run on: its affinity mask where the system has one
    (Linux), else every core (macOS, Windows); at least 1."""
    affinity = getattr(os, "sched_getaffinity", None)
    if affinity is not None:
        try:
            return max(1, len(affinity(0)))
        except OSError:
            pass
    return os.cpu_count() or 1


def can_sync_all() -> bool:
    """Whether one ``os.sync()`` flushes every file written (Unix); Windows has no such
    call, so each file is fsync'ed as it is written instead."""
    return hasattr(os, "sync")


def can_replace_folder() -> bool:
    """Whether a folder can be renamed over an empty one in one step (``rename(2)`` on
    Linux and macOS); Windows refuses to replace an existing folder."""
    return os.name == "posix"
