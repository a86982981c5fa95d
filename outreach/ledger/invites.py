"""Invite versions: the SEQUENCE and DTSTAMP last written for each calendar UID."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import NamedTuple

from outreach.ledger.db import LedgerBase, as_utc, chunks, iso, utc_now


class StoredInvite(NamedTuple):
    """An invite's row in the ledger: what was last written for its uid."""

    sequence: int
    stamp: str  # ISO 8601, UTC
    fingerprint: str
    cancelled: int


def next_invite_version(
    stored: StoredInvite | None, fingerprint: str, cancel: bool, stamp: datetime
) -> tuple[int, datetime, bool]:
    """``(sequence, dtstamp, changed)`` for an invite given its stored row (see
    ``Ledger.invite_version``); ``stamp`` is now, in UTC to the second."""
    if stored is None:
        return 0, stamp, True
    if stored.fingerprint == fingerprint and bool(stored.cancelled) == cancel:
        return stored.sequence, datetime.fromisoformat(stored.stamp), False
    return stored.sequence + 1, stamp, True


class InvitesMixin(LedgerBase):
    """The ``invites`` table."""

    def invite_version(
        self, uid: str, fingerprint: str, *, cancel: bool = False, now: datetime | None = None
    ) -> tuple[int, datetime]:
        """The SEQUENCE and DTSTAMP to write for invite ``uid``.

        New uid → ``(0, now)``; same fingerprint (and cancel state) as last time → the stored
        pair unchanged, so a rerun writes identical bytes; changed fingerprint or a new cancel →
        ``(sequence + 1, now)``, stored.
        """
        return self.invite_versions([(uid, fingerprint)], cancel=cancel, now=now)[0]

    def invite_versions(
        self, invites: Sequence[tuple[str, str]], *, cancel: bool = False,
        now: datetime | None = None,
    ) -> list[tuple[int, datetime]]:
        """``invite_version`` for many ``(uid, fingerprint)`` pairs in one transaction.

        The stored rows are read in a few big queries and only new or changed invites are
        written (one ``executemany``), instead of a SELECT and an upsert per invite.
        """
        stamp = as_utc(now or utc_now())
        with self.write() as db:
            known = _stored_invites(db, [uid for uid, _ in invites])
            versions: list[tuple[int, datetime]] = []
            changes: dict[str, StoredInvite] = {}
            for uid, fingerprint in invites:
                sequence, moment, changed = next_invite_version(known.get(uid), fingerprint,
                                                                cancel, stamp)
                if changed:
                    known[uid] = changes[uid] = StoredInvite(sequence, moment.isoformat(),
                                                             fingerprint, int(cancel))
                versions.append((sequence, moment))
            self.save_invites(changes)
        return versions

    def stored_invites(self, uids: Sequence[str]) -> dict[str, StoredInvite]:
        """What the ledger holds for ``uids`` (those it knows), read in a few queries."""
        try:
            return _stored_invites(self._db, uids)
        except sqlite3.OperationalError as exc:
            raise self._translate(exc) from None

    def save_invites(self, invites: Mapping[str, StoredInvite]) -> None:
        """Store new or changed invite versions (uid → row), in one statement."""
        updated = iso(utc_now())
        with self.write() as db:
            db.executemany(
                "INSERT INTO invites (uid, sequence, stamp, fingerprint, cancelled, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (uid) DO UPDATE SET "
                "sequence = excluded.sequence, stamp = excluded.stamp, "
                "fingerprint = excluded.fingerprint, cancelled = excluded.cancelled, "
                "updated_at = excluded.updated_at",
                ((uid, *row, updated) for uid, row in invites.items()),
            )


def _stored_invites(db: sqlite3.Connection, uids: Sequence[str]) -> dict[str, StoredInvite]:
    found: dict[str, StoredInvite] = {}
    for chunk, marks in chunks(uids):
        for row in db.execute(
            "SELECT uid, sequence, stamp, fingerprint, cancelled FROM invites "
            f"WHERE uid IN ({marks})", chunk,
        ):
            found[row[0]] = StoredInvite(int(row[1]), row[2], row[3], int(row[4]))
    return found
