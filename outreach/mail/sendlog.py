"""The ledger's side of ``mail.smtp.send_batch``: one commit per message, and the batch's
deliveries read once (see ``mail.smtp``'s module doc for the guarantee)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from outreach.ledger import Ledger
from outreach.mail.itip import sent_uids
from outreach.mail.outbox import OutboxMessage, PlannedMessage
from outreach.mail.transaction import Result
from outreach.times import today as times_today


class Fresh:
    """What the ledger says about the batch's messages, read once (one query per 500), and
    read again only when ``PRAGMA data_version`` says another connection wrote since: the
    per-message check is one pragma, not a query per message."""

    def __init__(self, ledger: Ledger, todo: list[PlannedMessage]) -> None:
        self.ledger = ledger
        self.ids = [p.item.message_id for p in todo]
        self._read()

    def _read(self) -> None:
        self.version = self.ledger.data_version()
        self.known = self.ledger.deliveries_of(self.ids)

    def still_pending(self, planned: PlannedMessage) -> PlannedMessage:
        """``planned`` without the recipients the ledger now records ``sent`` (a plan made
        before the run lock was taken must not repeat what another run did meanwhile)."""
        if self.ledger.data_version() != self.version:
            self._read()
        known = self.known.get(planned.item.message_id) or {}
        pending = tuple(r for r in planned.pending
                        if (d := known.get(r.lower())) is None or d.state != "sent")
        return planned if pending == planned.pending else replace(planned, pending=pending)


class Recorder:
    """The ledger's side of the batch: one ``BEGIN IMMEDIATE``/``COMMIT`` per message.

    ``sending`` writes, in one transaction committed before the SMTP transaction, the result
    of the message before (held back by ``later``) and this message's ``queued``/``sending``
    rows. So a kill between a server's ``250`` and that commit leaves that one message
    ``sending``: the rerun resends it, with the same Message-ID (docs/security.md); never
    more than one, since the next message is marked only in the commit that records it.
    ``flush`` writes a held-back result alone (end of batch, Ctrl-C, before any wait).
    """

    def __init__(self, ledger: Ledger, today: date | None) -> None:
        self.ledger = ledger
        self.today = today
        self.held: tuple[OutboxMessage, Result] | None = None

    def sending(self, item: OutboxMessage, pending: list[str]) -> None:
        with self.ledger.write():
            self._write_held()
            self.ledger.queue_message(item.message_id, pending, item.subject, item.source)
            self.ledger.mark_sending(item.message_id, pending)

    def later(self, item: OutboxMessage, result: Result) -> None:
        self.held = (item, result)

    def flush(self) -> None:
        """The held-back result written now, and every commit so far fsynced (this is
        called before any wait and at the end: nothing waits unrecorded or unsynced)."""
        if self.held is not None:
            with self.ledger.write():
                self._write_held()
        self.ledger.sync()

    def _write_held(self) -> None:
        if self.held is not None:
            item, result = self.held
            _record(self.ledger, item, result, self.today or times_today())
            self.held = None


def _record(ledger: Ledger, item: OutboxMessage, result: Result, today: date) -> None:
    """Deliveries' new states, an ``invited`` event per recipient and the calendar UIDs the
    message carries (so an answer from any address matches by UID, whichever command wrote
    the message), inside the caller's transaction."""
    uids = sent_uids(item.wire) if result.accepted else []
    for recipient, reply in result.accepted.items():
        ledger.mark_sent(item.message_id, [recipient], reply)
        key = ledger.person_for_address(recipient, item.names.get(recipient.lower(), ""))
        ledger.add_event(key, "invited", today, note=item.subject)
        ledger.record_sent_uids(
            (uid, item.message_id, recipient, key, sequence) for uid, sequence in uids)
    for recipient, reply in result.permanent.items():
        ledger.mark_failed(item.message_id, [recipient], reply, permanent=True)
    for recipient, reply in result.temporary.items():
        ledger.mark_failed(item.message_id, [recipient], reply, permanent=False)
