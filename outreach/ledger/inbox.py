"""What came back through the mailbox: every message ``outreach inbox`` read (once each, by
Message-ID), RSVPs, bounced addresses, do-not-contact, follow-ups written and drafts appended.

Contact rules read from here, in one place (``Ledger.contact_block``): a person marked
do-not-contact (``outreach log optout``) is skipped by every stage; an address that bounced is
never written to again (the person falls back to the LinkedIn note).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from outreach.ledger.db import LedgerBase, chunks, iso, utc_now

INBOX_KINDS = ("rsvp", "counter", "reply", "bounce", "auto-reply", "ignored")
PARTSTATS = ("accepted", "declined", "tentative")


@dataclass(frozen=True)
class InboxRecord:
    """One message read from a mailbox and what it says (``kind``: see ``INBOX_KINDS``).

    ``detail`` is the PARTSTAT (rsvp), the proposed start (counter), the failed address
    (bounce); ``subject`` only words the ``replied`` event's note. All of it is untrusted
    text, stored as data.
    """

    message_id: str
    source: str
    kind: str
    on: date
    person_key: str = ""
    detail: str = ""
    uid: str = ""
    recurrence_id: str = ""
    subject: str = ""


@dataclass(frozen=True)
class SourceState:
    """How far a mailbox was read: ``validity`` (an IMAP folder's UIDVALIDITY), ``position``
    (its highest UID read; an mbox's byte offset), ``fingerprint`` (a digest of the mbox's
    bytes before that offset). Decimal text: any unsigned 64-bit value fits."""

    validity: str = ""
    position: str = ""
    fingerprint: str = ""


@dataclass(frozen=True)
class Relevance:
    """Lower-cased: the people's ``addresses``, the Message-IDs and calendar UIDs we wrote
    (``ids``, without angle brackets) and the ``recipients`` we sent to."""

    addresses: frozenset[str]
    ids: frozenset[str]
    recipients: frozenset[str]
    tokens: frozenset[str] = frozenset()  # ids and recipients: a body naming one is about us


@dataclass(frozen=True)
class Rsvp:
    person_key: str
    uid: str
    recurrence_id: str
    partstat: str
    on: date


class InboxMixin(LedgerBase):
    """The ``inbox_messages``, ``inbox_sources``, ``inbox_files``, ``rsvps``, ``bad_addresses``,
    ``do_not_contact``, ``followups`` and ``drafts`` tables."""

    # ------------------------------------------------------------ reading the mailbox

    def inbox_seen(self, message_ids: Sequence[str]) -> set[str]:
        """Which of ``message_ids`` an earlier ``inbox`` run already read."""
        seen: set[str] = set()
        for chunk, marks in chunks(list(message_ids)):
            seen.update(str(r[0]) for r in self.query(
                f"SELECT message_id FROM inbox_messages WHERE message_id IN ({marks})", chunk))
        return seen

    def inbox_seen_all(self) -> set[str]:
        """Every Message-ID an earlier ``inbox`` run read (one query: a big read asks once)."""
        return {str(r[0]) for r in self.query("SELECT message_id FROM inbox_messages")}

    def record_inbox(self, records: Iterable[InboxRecord]) -> list[InboxRecord]:
        """Record each message once (a Message-ID already read is ignored) with what it
        means: an RSVP (the latest per person, UID and occurrence wins), a bounce (the
        address is marked bad), a reply (a ``replied`` event). Returns the new ones."""
        new: list[InboxRecord] = []
        now = iso(utc_now())
        with self.write() as db:
            for rec in records:
                inserted = db.execute(
                    "INSERT OR IGNORE INTO inbox_messages (message_id, source, kind, person_key, "
                    "detail, uid, recurrence_id, on_date, recorded_at) VALUES "
                    "(?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (rec.message_id, rec.source, rec.kind, rec.person_key, rec.detail, rec.uid,
                     rec.recurrence_id, rec.on.isoformat(), now)).rowcount
                if not inserted:
                    continue
                new.append(rec)
                if rec.kind == "rsvp" and rec.person_key:
                    db.execute(
                        "INSERT INTO rsvps (person_key, uid, recurrence_id, partstat, on_date, "
                        "message_id) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT "
                        "(person_key, uid, recurrence_id) DO UPDATE SET "
                        "partstat = excluded.partstat, on_date = excluded.on_date, "
                        "message_id = excluded.message_id WHERE excluded.on_date >= on_date",
                        (rec.person_key, rec.uid, rec.recurrence_id, rec.detail,
                         rec.on.isoformat(), rec.message_id))
                elif rec.kind == "bounce" and rec.detail:
                    db.execute(
                        "INSERT OR IGNORE INTO bad_addresses (address, person_key, reason, "
                        "message_id, recorded_at) VALUES (?, ?, ?, ?, ?)",
                        (rec.detail.lower(), rec.person_key, "bounced", rec.message_id, now))
                elif rec.kind == "reply" and rec.person_key:
                    db.execute(
                        "INSERT INTO events (person_key, kind, on_date, note, recorded_at) "
                        "VALUES (?, 'replied', ?, ?, ?)",
                        (rec.person_key, rec.on.isoformat(), rec.subject[:200], now))
        return new

    def source_state(self, source: str) -> SourceState | None:
        """How far ``source`` (an IMAP folder, an mbox) was read, None before the first run."""
        rows = self.query("SELECT validity, position, fingerprint FROM inbox_sources "
                          "WHERE source = ?", (source,))
        return SourceState(str(rows[0][0]), str(rows[0][1]), str(rows[0][2])) if rows else None

    def save_source_state(self, source: str, state: SourceState) -> None:
        with self.write() as db:
            db.execute(
                "INSERT INTO inbox_sources (source, validity, position, fingerprint, "
                "updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (source) DO UPDATE SET "
                "validity = excluded.validity, position = excluded.position, "
                "fingerprint = excluded.fingerprint, updated_at = excluded.updated_at",
                (source, state.validity, state.position, state.fingerprint, iso(utc_now())))

    def folder_state(self, source: str) -> tuple[int, int] | None:
        """(UIDVALIDITY, highest UID read) of an IMAP folder, None before the first run."""
        state = self.source_state(source)
        if state is None or not state.validity.isdigit() or not state.position.isdigit():
            return None
        return int(state.validity), int(state.position)

    def save_folder_state(self, source: str, uidvalidity: int, last_uid: int) -> None:
        self.save_source_state(source, SourceState(str(uidvalidity), str(last_uid)))

    def files_read(self, source: str) -> set[str]:
        """The Maildir file names (before ``:2,``) of ``source`` read before."""
        return {str(r[0]) for r in self.query("SELECT name FROM inbox_files WHERE source = ?",
                                               (source,))}

    def record_files_read(self, source: str, names: Iterable[str]) -> None:
        with self.write() as db:
            db.executemany("INSERT OR IGNORE INTO inbox_files (source, name) VALUES (?, ?)",
                           [(source, name) for name in names])

    def relevance(self) -> Relevance:
        """What makes an incoming message worth reading in full (``mail.sources``): the
        people's addresses, what we sent (Message-IDs, recipients) and the calendar UIDs."""
        addresses = {str(r[0]).lower() for r in self.query(
            "SELECT email FROM people WHERE email != ''")}
        ids: set[str] = set()
        recipients: set[str] = set()
        for row in self.query("SELECT message_id, recipient FROM messages"):
            ids.add(str(row[0]).strip("<>").lower())
            recipients.add(str(row[1]).lower())
        for sql in ("SELECT message_id FROM plan_messages", "SELECT uid FROM plan_messages",
                    "SELECT message_id FROM followups", "SELECT uid FROM invites",
                    "SELECT uid FROM meetings"):
            ids.update(str(r[0]).strip("<>").lower() for r in self.query(sql) if r[0])
        return Relevance(frozenset(addresses), frozenset(ids), frozenset(recipients),
                         frozenset(ids | recipients))

    def inbox_records(self, kinds: Sequence[str] = INBOX_KINDS) -> list[InboxRecord]:
        marks = ", ".join("?" * len(kinds))
        rows = self.query(f"SELECT * FROM inbox_messages WHERE kind IN ({marks}) "
                          "ORDER BY on_date, rowid", list(kinds))
        return [InboxRecord(r["message_id"], r["source"], r["kind"],
                            date.fromisoformat(r["on_date"]), r["person_key"], r["detail"],
                            r["uid"], r["recurrence_id"]) for r in rows]

    def rsvps(self) -> list[Rsvp]:
        """Every person's latest PARTSTAT per UID and occurrence, oldest first."""
        rows = self.query("SELECT * FROM rsvps ORDER BY on_date, rowid")
        return [Rsvp(r["person_key"], r["uid"], r["recurrence_id"], r["partstat"],
                     date.fromisoformat(r["on_date"])) for r in rows]

    # ------------------------------------------------------------ who not to write to

    def bad_addresses(self) -> dict[str, str]:
        """Lower-cased address → why it is never written to again (e.g. ``bounced``)."""
        return {str(r[0]).lower(): str(r[1])
                for r in self.query("SELECT address, reason FROM bad_addresses")}

    def opt_out(self, person_key: str, on: date, note: str = "") -> bool:
        """Mark a person do-not-contact; False if they already were."""
        with self.write() as db:
            return bool(db.execute(
                "INSERT OR IGNORE INTO do_not_contact (person_key, on_date, note, recorded_at) "
                "VALUES (?, ?, ?, ?)", (person_key, on.isoformat(), note,
                                        iso(utc_now()))).rowcount)

    def do_not_contact(self) -> dict[str, date]:
        """Person key → the day they were marked do-not-contact."""
        return {str(r[0]): date.fromisoformat(r[1])
                for r in self.query("SELECT person_key, on_date FROM do_not_contact")}

    def contact_block(self, key: str, address: str) -> str:
        """Why ``address`` of person ``key`` must not be written to ("" when it may be):
        ``do not contact`` or ``address bounced``. Keys and addresses are compared as
        stored; an address of someone opted out is blocked too."""
        if key and self.query("SELECT 1 FROM do_not_contact WHERE person_key = ?", (key,)):
            return "do not contact (outreach log optout)"
        if address:
            if self.query("SELECT 1 FROM do_not_contact d JOIN people p ON p.key = "
                          "d.person_key WHERE p.email = ? COLLATE NOCASE", (address,)):
                return "do not contact (outreach log optout)"
            if self.query("SELECT 1 FROM bad_addresses WHERE address = ? COLLATE NOCASE",
                          (address,)):
                return f"{address} bounced; never used again"
        return ""

    # ------------------------------------------------------------ follow-ups and drafts

    def followups(self, person_key: str | None = None) -> list[tuple[str, str, str, int]]:
        """(message_id, person_key, thread, number) of each follow-up written."""
        where, params = ("WHERE person_key = ?", (person_key,)) if person_key else ("", ())
        return [(r[0], r[1], r[2], int(r[3])) for r in self.query(
            f"SELECT message_id, person_key, thread, number FROM followups {where} "
            "ORDER BY planned_at, rowid", params)]

    def record_followups(self, rows: Iterable[tuple[str, str, str, int, str]]) -> None:
        """Remember follow-ups written: (message_id, person_key, thread, number, subject)."""
        now = iso(utc_now())
        with self.write() as db:
            db.executemany(
                "INSERT OR IGNORE INTO followups (message_id, person_key, thread, number, "
                "subject, planned_at) VALUES (?, ?, ?, ?, ?, ?)",
                [(*row, now) for row in rows])

    def drafted(self, folder: str) -> set[str]:
        """Message-IDs already appended to ``folder``."""
        return {str(r[0]) for r in self.query(
            "SELECT message_id FROM drafts WHERE folder = ?", (folder,))}

    def record_draft(self, message_id: str, folder: str) -> None:
        with self.write() as db:
            db.execute("INSERT OR IGNORE INTO drafts (message_id, folder, appended_at) "
                       "VALUES (?, ?, ?)", (message_id, folder, iso(utc_now())))
