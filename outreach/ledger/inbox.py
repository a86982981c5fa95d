"""What came back through the mailbox: every message ``outreach inbox`` read (once each, by
Message-ID), RSVPs, bounced addresses, do-not-contact, follow-ups written and drafts appended.

Contact rules read from here, in one place (``Ledger.contact_block``): a person marked
do-not-contact (``outreach log optout``) is skipped by every stage; an address that bounced is
never written to again (the person falls back to the LinkedIn note).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
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
    sender: str = ""
    names: str = ""  # the UID or Message-ID it is about
    doubt: str = ""  # why it is not believed ("" when it is): kept, never applied
    sequence: int = 0
    stamp: str = ""
    comment: str = ""


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
    comment: str = ""


@dataclass(frozen=True)
class Unverified:
    """A message that would have changed what the ledger believes, kept but not applied."""

    message_id: str
    kind: str
    sender: str
    on: date
    names: str
    person_key: str
    reason: str


@dataclass
class MailboxFacts:
    """What ``outreach inbox`` needs to know to judge a message, read once per run:
    ``addresses`` (known address → person), ``sent`` (our Message-ID → recipients),
    ``planned`` (a planned message's Message-ID → person), ``uid_people`` (calendar UID →
    people), ``uid_sequence`` (the newest SEQUENCE sent per UID), ``uid_years`` (the years
    of a UID's meetings), ``invited`` (person → first invitation day)."""

    addresses: dict[str, str] = field(default_factory=dict)
    sent: dict[str, set[str]] = field(default_factory=dict)
    planned: dict[str, str] = field(default_factory=dict)
    uid_people: dict[str, set[str]] = field(default_factory=dict)
    uid_sequence: dict[str, int] = field(default_factory=dict)
    uid_years: dict[str, tuple[int, int]] = field(default_factory=dict)
    invited: dict[str, date] = field(default_factory=dict)

    @property
    def recipients(self) -> set[str]:
        return {r for rs in self.sent.values() for r in rs}


class InboxMixin(LedgerBase):
    """The ``inbox_messages``, ``inbox_unverified``, ``sent_uids``, ``inbox_sources``,
    ``inbox_files``, ``rsvps``, ``bad_addresses``,
    ``do_not_contact``, ``followups`` and ``drafts`` tables."""

    # ------------------------------------------------------------ reading the mailbox

    def mailbox_facts(self) -> MailboxFacts:
        """Who the ledger knows by address, what was sent to whom, and each calendar UID's
        people, newest SEQUENCE and years (see ``MailboxFacts``)."""
        facts = MailboxFacts()
        for row in self._query("SELECT key, email FROM people WHERE email != '' "
                              "ORDER BY last_seen"):
            facts.addresses[str(row[1]).lower()] = str(row[0])
        for row in self._query("SELECT message_id, recipient FROM messages WHERE state = 'sent'"):
            facts.sent.setdefault(str(row[0]), set()).add(str(row[1]).lower())
        facts.planned = {str(r[0]): str(r[1]) for r in self._query(
            "SELECT message_id, person_key FROM plan_messages")}
        for row in self._query(
                "SELECT uid, person_key, sequence FROM plan_messages WHERE uid != '' UNION ALL "
                "SELECT uid, person_key, 0 FROM meetings UNION ALL "
                "SELECT uid, person_key, sequence FROM sent_uids WHERE person_key != '' "
                "UNION ALL SELECT uid, '', sequence FROM invites"):
            uid = str(row[0])
            if row[1]:
                facts.uid_people.setdefault(uid, set()).add(str(row[1]))
            facts.uid_sequence[uid] = max(facts.uid_sequence.get(uid, 0), int(row[2] or 0))
        for row in self._query("SELECT uid, MIN(substr(start, 1, 4)), MAX(substr(start, 1, 4)) "
                              "FROM meetings GROUP BY uid"):
            facts.uid_years[str(row[0])] = (int(row[1]), int(row[2]))
        facts.invited = {str(r[0]): date.fromisoformat(r[1]) for r in self._query(
            "SELECT person_key, MIN(on_date) FROM events WHERE kind = 'invited' "
            "GROUP BY person_key")}
        return facts

    def record_sent_uids(self, rows: Iterable[tuple[str, str, str, str, int]]) -> None:
        """Remember calendar UIDs as they are sent: (uid, message_id, recipient, person_key,
        sequence). Call inside the send's ledger transaction."""
        now = iso(utc_now())
        with self.write() as db:
            db.executemany(
                "INSERT OR IGNORE INTO sent_uids (uid, message_id, recipient, person_key, "
                "sequence, recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
                [(*row, now) for row in rows])

    def unverified(self) -> list[Unverified]:
        """What ``inbox`` read but did not believe, oldest first."""
        return [Unverified(r["message_id"], r["kind"], r["sender"],
                           date.fromisoformat(r["on_date"]), r["names"], r["person_key"],
                           r["reason"])
                for r in self._query("SELECT * FROM inbox_unverified ORDER BY on_date, rowid")]

    def inbox_seen(self, message_ids: Sequence[str]) -> set[str]:
        """Which of ``message_ids`` an earlier ``inbox`` run already read."""
        seen: set[str] = set()
        for chunk, marks in chunks(list(message_ids)):
            seen.update(str(r[0]) for r in self._query(
                f"SELECT message_id FROM inbox_messages WHERE message_id IN ({marks})", chunk))
        return seen

    def inbox_seen_all(self) -> set[str]:
        """Every Message-ID an earlier ``inbox`` run read (one query: a big read asks once)."""
        return {str(r[0]) for r in self._query("SELECT message_id FROM inbox_messages")}

    def record_inbox(self, records: Iterable[InboxRecord]) -> list[InboxRecord]:
        """Record each message once (a Message-ID already read is ignored) with what it
        means: an RSVP (per person, UID and occurrence the answer with the highest
        SEQUENCE, then DTSTAMP, then the latest read wins), a bounce (the address is marked
        bad), a reply (a ``replied`` event). A record with a ``doubt`` changes nothing: it
        is kept in ``inbox_unverified``. Returns the new ones."""
        new: list[InboxRecord] = []
        now = iso(utc_now())
        with self.write() as db:
            for rec in records:
                inserted = db.execute(
                    "INSERT OR IGNORE INTO inbox_messages (message_id, source, kind, person_key, "
                    "detail, uid, recurrence_id, on_date, recorded_at) VALUES "
                    "(?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (rec.message_id, rec.source, "ignored" if rec.doubt else rec.kind,
                     rec.person_key, rec.detail, rec.uid, rec.recurrence_id,
                     rec.on.isoformat(), now)).rowcount
                if not inserted:
                    continue
                new.append(rec)
                if rec.doubt:
                    db.execute(
                        "INSERT OR IGNORE INTO inbox_unverified (message_id, kind, sender, "
                        "on_date, names, person_key, reason, recorded_at) VALUES "
                        "(?, ?, ?, ?, ?, ?, ?, ?)",
                        (rec.message_id, rec.kind, rec.sender, rec.on.isoformat(), rec.names,
                         rec.person_key, rec.doubt, now))
                elif rec.kind == "rsvp" and rec.person_key:
                    db.execute(
                        "INSERT INTO rsvps (person_key, uid, recurrence_id, partstat, on_date, "
                        "message_id, sequence, stamp, comment) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                        "ON CONFLICT (person_key, uid, recurrence_id) DO UPDATE SET "
                        "partstat = excluded.partstat, on_date = excluded.on_date, "
                        "message_id = excluded.message_id, sequence = excluded.sequence, "
                        "stamp = excluded.stamp, comment = excluded.comment "
                        "WHERE (excluded.sequence, excluded.stamp) >= (sequence, stamp)",
                        (rec.person_key, rec.uid, rec.recurrence_id, rec.detail,
                         rec.on.isoformat(), rec.message_id, rec.sequence, rec.stamp,
                         rec.comment[:500]))
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
        rows = self._query("SELECT validity, position, fingerprint FROM inbox_sources "
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
        return {str(r[0]) for r in self._query("SELECT name FROM inbox_files WHERE source = ?",
                                               (source,))}

    def record_files_read(self, source: str, names: Iterable[str]) -> None:
        with self.write() as db:
            db.executemany("INSERT OR IGNORE INTO inbox_files (source, name) VALUES (?, ?)",
                           [(source, name) for name in names])

    def relevance(self) -> Relevance:
        """What makes an incoming message worth reading in full (``mail.sources``): the
        people's addresses, what we sent (Message-IDs, recipients) and the calendar UIDs."""
        addresses = {str(r[0]).lower() for r in self._query(
            "SELECT email FROM people WHERE email != ''")}
        ids: set[str] = set()
        recipients: set[str] = set()
        for row in self._query("SELECT message_id, recipient FROM messages"):
            ids.add(str(row[0]).strip("<>").lower())
            recipients.add(str(row[1]).lower())
        for sql in ("SELECT message_id FROM plan_messages", "SELECT uid FROM plan_messages",
                    "SELECT message_id FROM followups", "SELECT uid FROM invites",
                    "SELECT uid FROM sent_uids",
                    "SELECT uid FROM meetings"):
            ids.update(str(r[0]).strip("<>").lower() for r in self._query(sql) if r[0])
        return Relevance(frozenset(addresses), frozenset(ids), frozenset(recipients),
                         frozenset(ids | recipients))

    def inbox_records(self, kinds: Sequence[str] = INBOX_KINDS) -> list[InboxRecord]:
        marks = ", ".join("?" * len(kinds))
        rows = self._query(f"SELECT * FROM inbox_messages WHERE kind IN ({marks}) "
                          "ORDER BY on_date, rowid", list(kinds))
        return [InboxRecord(r["message_id"], r["source"], r["kind"],
                            date.fromisoformat(r["on_date"]), r["person_key"], r["detail"],
                            r["uid"], r["recurrence_id"]) for r in rows]

    def rsvps(self) -> list[Rsvp]:
        """Every person's latest PARTSTAT per UID and occurrence, oldest first."""
        rows = self._query("SELECT * FROM rsvps ORDER BY on_date, rowid")
        return [Rsvp(r["person_key"], r["uid"], r["recurrence_id"], r["partstat"],
                     date.fromisoformat(r["on_date"]), r["comment"]) for r in rows]

    # ------------------------------------------------------------ who not to write to

    def bad_addresses(self) -> dict[str, str]:
        """Lower-cased address → why it is never written to again (e.g. ``bounced``)."""
        return {str(r[0]).lower(): str(r[1])
                for r in self._query("SELECT address, reason FROM bad_addresses")}

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
                for r in self._query("SELECT person_key, on_date FROM do_not_contact")}

    def contact_block(self, key: str, address: str) -> str:
        """Why ``address`` of person ``key`` must not be written to ("" when it may be):
        ``do not contact`` or ``address bounced``. Keys and addresses are compared as
        stored; an address of someone opted out is blocked too."""
        if key and self._query("SELECT 1 FROM do_not_contact WHERE person_key = ?", (key,)):
            return "do not contact (outreach log optout)"
        if address:
            if self._query("SELECT 1 FROM do_not_contact d JOIN people p ON p.key = "
                          "d.person_key WHERE p.email = ? COLLATE NOCASE", (address,)):
                return "do not contact (outreach log optout)"
            if self._query("SELECT 1 FROM bad_addresses WHERE address = ? COLLATE NOCASE",
                          (address,)):
                return f"{address} bounced; never used again"
        return ""

    # ------------------------------------------------------------ follow-ups and drafts

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
        return {str(r[0]) for r in self._query(
            "SELECT message_id FROM drafts WHERE folder = ?", (folder,))}

    def record_draft(self, message_id: str, folder: str) -> None:
        with self.write() as db:
            db.execute("INSERT OR IGNORE INTO drafts (message_id, folder, appended_at) "
                       "VALUES (?, ?, ?)", (message_id, folder, iso(utc_now())))
