"""Deliveries: one row per (Message-ID, recipient), so ``outreach send`` never repeats one."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from outreach.ledger.db import LedgerBase, iso, utc_now

STATES = ("queued", "sending", "sent", "failed-temporary", "failed-permanent")


@dataclass(frozen=True)
class Delivery:
    """The ledger's record of one message to one recipient."""

    message_id: str
    recipient: str
    subject: str
    source: str
    state: str
    attempts: int
    last_reply: str
    updated_at: str
    sent_at: str | None


class DeliveriesMixin(LedgerBase):
    """The ``messages`` table."""

    def deliveries(self, message_id: str) -> dict[str, Delivery]:
        """Recipient (lower-cased) → its delivery record for one Message-ID."""
        rows = self._query("SELECT * FROM messages WHERE message_id = ?", (message_id,))
        return {str(r["recipient"]): _delivery(r) for r in rows}

    def queue_message(
        self, message_id: str, recipients: Iterable[str], subject: str, source: str
    ) -> None:
        """Add ``queued`` rows for recipients not yet known (known ones keep their state)."""
        now = iso(utc_now())
        with self.write() as db:
            db.executemany(
                "INSERT OR IGNORE INTO messages (message_id, recipient, subject, source, state, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, 'queued', ?, ?)",
                [(message_id, r.lower(), subject, source, now, now) for r in recipients],
            )

    def mark_sending(self, message_id: str, recipients: Iterable[str]) -> None:
        """Durably note, before the SMTP transaction, that these deliveries may now happen."""
        self._set_state(message_id, recipients, "sending", "", attempt=True)

    def mark_sent(self, message_id: str, recipients: Iterable[str], reply: str) -> None:
        self._set_state(message_id, recipients, "sent", reply, sent=True)

    def mark_failed(
        self, message_id: str, recipients: Iterable[str], reply: str, *, permanent: bool
    ) -> None:
        state = "failed-permanent" if permanent else "failed-temporary"
        self._set_state(message_id, recipients, state, reply)

    def _set_state(
        self,
        message_id: str,
        recipients: Iterable[str],
        state: str,
        reply: str,
        *,
        attempt: bool = False,
        sent: bool = False,
    ) -> None:
        now = iso(utc_now())
        with self.write() as db:
            db.executemany(
                "UPDATE messages SET state = ?, last_reply = CASE WHEN ? = '' THEN last_reply "
                "ELSE ? END, attempts = attempts + ?, updated_at = ?, "
                "sent_at = CASE WHEN ? THEN ? ELSE sent_at END "
                "WHERE message_id = ? AND recipient = ?",
                [
                    (state, reply, reply, int(attempt), now, int(sent), now, message_id, r.lower())
                    for r in recipients
                ],
            )

    def sent_to(self, addresses: Iterable[str]) -> list[Delivery]:
        """Every delivery that reached one of ``addresses``, oldest first (what a person
        already received, whichever command wrote it)."""
        wanted = sorted({a.lower() for a in addresses})
        found: list[Delivery] = []
        for first in range(0, len(wanted), 500):
            chunk = wanted[first:first + 500]
            marks = ", ".join("?" * len(chunk))
            found += [_delivery(r) for r in self._query(
                f"SELECT * FROM messages WHERE state = 'sent' AND recipient IN ({marks}) "
                "ORDER BY sent_at, message_id", chunk)]
        return found

    def failures(self) -> list[Delivery]:
        rows = self._query(
            "SELECT * FROM messages WHERE state LIKE 'failed-%' ORDER BY updated_at, recipient"
        )
        return [_delivery(r) for r in rows]


def _delivery(row: sqlite3.Row) -> Delivery:
    return Delivery(
        message_id=row["message_id"],
        recipient=row["recipient"],
        subject=row["subject"],
        source=row["source"],
        state=row["state"],
        attempts=int(row["attempts"]),
        last_reply=row["last_reply"],
        updated_at=row["updated_at"],
        sent_at=row["sent_at"],
    )
