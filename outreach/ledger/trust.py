"""Whether an existing ledger file can be trusted, and its rolling backup.

A ledger that is silently taken as new repeats everything it remembered (a 0-byte file would
send a whole batch again), so an existing file must be a regular file, start with SQLite's
header and pass ``PRAGMA quick_check``; otherwise the run stops with one line naming the file
and how to restore it. Every command that writes keeps ``ledger.sqlite.bak``: a copy made with
SQLite's backup API (consistent even while another run writes) before the run changes anything.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import tempfile
from pathlib import Path

from outreach.errors import OutreachError

SQLITE_HEADER = b"SQLite format 3\x00"
BACKUP_SUFFIX = ".bak"


def backup_path(path: Path) -> Path:
    """``ledger.sqlite`` → ``ledger.sqlite.bak`` beside it."""
    return path.with_name(path.name + BACKUP_SUFFIX)


def restore_hint(path: Path) -> str:
    """How to get a usable ledger back: the backup when there is one, else a new ledger."""
    backup = backup_path(path)
    if backup.is_file() and _looks_like_sqlite(backup):
        return (f"restore the last good copy with `cp {backup} {path}` (it holds what was "
                "recorded before the last run that wrote)")
    return ("restore it from your own backup, or move it away to start a new ledger "
            "(a new ledger has forgotten what was sent: it would send everything again)")


def refuse(path: Path, why: str) -> OutreachError:
    return OutreachError(f"ledger {path}: {why}; nothing was read or sent; {restore_hint(path)}")


def _looks_like_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def check_trustworthy_file(path: Path) -> bool:
    """True if ``path`` exists and may be opened as a ledger, False if it does not exist.

    Refused (``OutreachError``): anything but a regular file, an empty file, a file that is
    not SQLite. (``PRAGMA quick_check`` runs once it is open: ``LedgerBase._quick_check``.)"""
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise OutreachError(f"ledger {path}: cannot read it: {exc.strerror or exc}") from None
    if not stat.S_ISREG(status.st_mode):
        raise OutreachError(f"ledger {path}: not a regular file; give the path of a ledger file")
    if status.st_size == 0:
        raise refuse(path, "not an outreach ledger (the file is empty: 0 bytes)")
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise OutreachError(f"ledger {path}: cannot read it: {exc.strerror or exc}") from None
    if header != SQLITE_HEADER:
        raise refuse(path, "not an outreach ledger (not an SQLite file: damaged, or another "
                           "kind of file)")
    return True


def quick_check(connection: sqlite3.Connection, path: Path) -> None:
    """``PRAGMA quick_check`` must answer ``ok``; its first complaint is named otherwise."""
    try:
        rows = connection.execute("PRAGMA quick_check(1)").fetchall()
    except sqlite3.OperationalError as exc:
        text = str(exc).lower()
        if "locked" in text or "busy" in text:
            raise
        raise refuse(path, f"damaged ({exc})") from None
    except sqlite3.DatabaseError as exc:
        raise refuse(path, f"damaged ({exc})") from None
    answer = str(rows[0][0]) if rows else "no answer"
    if answer.lower() != "ok":
        raise refuse(path, f"damaged (integrity check: {' '.join(answer.split())[:200]})")


def write_backup(connection: sqlite3.Connection, path: Path) -> None:
    """Replace ``path.bak`` with a copy of the open ledger (SQLite's online backup API),
    written beside it under a temporary name first, so a crash never leaves half a backup."""
    target = backup_path(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=path.parent)
    os.close(handle)
    try:
        copy = sqlite3.connect(temporary)
        try:
            copy.execute("PRAGMA synchronous = OFF")  # one fsync below, not one per page
            connection.backup(copy)
        finally:
            copy.close()
        with open(temporary, "rb+") as written:
            os.fsync(written.fileno())
        os.replace(temporary, target)
    except (OSError, sqlite3.Error) as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise OutreachError(
            f"ledger {path}: cannot write its backup {target}: {exc}; nothing was changed "
            "(free some disk space, or check the folder's permissions)") from None
