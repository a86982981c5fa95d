"""The ledger's SQLite schema as numbered migrations.

Each entry in ``MIGRATIONS`` takes a database from version ``n`` to ``n + 1``; the
``schema_version`` table records which have run. An entry is SQL (statements separated by
``;``) or a Python callable given the ``sqlite3.Connection`` (it must not commit). Migrations
are append-only: never edit one that has shipped, add the next. ``migrate`` runs the missing
ones in one write transaction, so a ledger is never left half-upgraded.

Tables (all timestamps are ISO 8601 UTC strings, all dates ISO ``YYYY-MM-DD``):

``people``
    ``key`` (``model.identity_key``, since v3: the canonical profile URL
    ``https://www.linkedin.com/in/josé``, else ``mailto:`` + the lower-cased address, else
    ``folded name|folded company``; one row per person, see ``outreach.ledger.identity``;
    before v3 the URL as saved, lower-cased without a trailing slash, else name|company even
    for people with an address) · ``first_name``, ``last_name``, ``company``, ``position``,
    ``url``, ``email``, ``function``, ``level`` (as last seen) · ``folded`` (``fold(full
    name)``, for matching; indexed since v3) · ``first_seen``, ``last_seen``.
``messages``
    One row per (``message_id``, ``recipient``) delivery · ``subject``, ``source`` (the .eml
    file or mbox the message came from) · ``state``: ``queued`` → ``sending`` (set before the SMTP
    transaction) → ``sent`` | ``failed-temporary`` | ``failed-permanent`` · ``attempts`` ·
    ``last_reply`` (the server's last answer) · ``created_at``, ``updated_at``, ``sent_at``.
``invites``
    ``uid`` · ``sequence``, ``stamp`` (the SEQUENCE and DTSTAMP last written for it) ·
    ``fingerprint`` (hash of what the invite says) · ``cancelled`` (0/1) · ``updated_at``.
``meetings`` (v2)
    Planned rotation/forum occurrences: ``uid``, ``person_key`` (a ``people.key``; indexed
    since v3), ``person_name``, ``series`` (``rotation``, ``forum``, ...), ``start`` (aware ISO
    datetime), ``recorded_at``.
``events`` (v2)
    What happened with a person: ``id``, ``person_key``, ``kind`` (met, gave, got, thanked,
    invited, replied), ``on_date``, ``note``, ``recorded_at``.
``plan_messages`` (v4)
    One row per message the plan holds: ``message_id``, ``person_key``, ``series``, ``kind``
    (invitation, update, cancellation), ``thread`` (the invitation's Message-ID), ``uid``,
    ``sequence`` (the invite's SEQUENCE it carries), ``subject``, ``facts`` (JSON: what it says),
    ``fingerprint`` (of the generated message), ``path``, ``state`` (current, superseded,
    withdrawn), ``planned_at``.
``rotation_positions`` (v4)
    ``person_key`` → ``position`` in the rotation's cycle, ``recorded_at``.
``inbox_messages`` (v5)
    Every message ``outreach inbox`` read, once each by ``message_id`` (a digest of its bytes
    when it has none): ``source``, ``kind`` (rsvp, counter, reply, bounce, auto-reply,
    ignored), ``person_key``, ``detail`` (PARTSTAT, the failed address, the proposed time),
    ``uid``, ``recurrence_id``, ``on_date``, ``recorded_at``.
``inbox_folders`` (v5; v10 moved it to ``inbox_sources``)
    Per IMAP folder (``source``): ``uidvalidity`` and the highest ``last_uid`` read.
``inbox_sources`` (v10)
    Per mailbox read (``source``): ``validity`` (an IMAP folder's UIDVALIDITY), ``position``
    (the highest UID read, or an mbox's byte offset read up to), ``fingerprint`` (a digest of
    the mbox's bytes just before it), ``updated_at``; numbers as decimal TEXT, so every
    unsigned 64-bit value fits.
``inbox_files`` (v10)
    (``source``, ``name``): each Maildir file read, by its unique name (before ``:2,``).
``rsvps`` (v5)
    The latest PARTSTAT per (``person_key``, ``uid``, ``recurrence_id``: '' for the series),
    ``on_date``, ``message_id``.
``bad_addresses`` (v5)
    An ``address`` that bounced: never written to again; ``person_key``, ``reason``,
    ``message_id``, ``recorded_at``.
``do_not_contact`` (v5)
    ``person_key`` (``outreach log optout``), ``on_date``, ``note``, ``recorded_at``.
``followups`` (v5)
    One row per follow-up written: ``message_id``, ``person_key``, ``thread`` (the original's
    Message-ID), ``number`` (1 for the first), ``subject``, ``planned_at``.
``drafts`` (v5)
    (``message_id``, ``folder``) appended to an IMAP Drafts folder, ``appended_at``.
``rsvps`` (v6)
    gains ``sequence`` and ``stamp`` (the answer's SEQUENCE and DTSTAMP, which order answers
    before arrival does) and ``comment`` (the attendee's COMMENT, e.g. with a decline).
``inbox_unverified`` (v6)
    What ``outreach inbox`` read but did not believe (``outreach.mail.inbox``): one row per
    ``message_id`` · ``kind`` (rsvp, counter, reply, bounce) · ``sender`` · ``on_date`` ·
    ``names`` (the UID or Message-ID it names) · ``person_key`` (whom it would concern) ·
    ``reason`` · ``recorded_at``.
``sent_uids`` (v6)
    Every calendar ``uid`` sent, at send time, whichever command wrote the message:
    ``message_id``, ``recipient``, ``person_key``, ``sequence``, ``recorded_at``.
``series_shapes`` (v7)
    The shape of each calendar series last written, by ``uid``: ``series`` (rotation, forum),
    ``person_key`` ('' for the forum), ``shape`` (JSON: start, minutes, RRULE, EXDATEs, place,
    ``outreach.ical.series.shape_of``), ``recorded_at``.
``secrets`` (v8)
    ``name`` → random ``value`` made once (``message-id``: the HMAC key of every Message-ID,
    ``model.message_id``), ``created_at``. Never printed, never exported.
``linkedin_notes`` (v8)
    A LinkedIn note the user says they sent (``outreach log noted``): ``id``, ``person_key``,
    ``on_date``, ``note``, ``recorded_at``.
``card_lines`` (v9)
    The line a thank-you card says, written for it (``outreach log met --card``): one per
    (``person_key``, ``on_date``: the day met), ``line``, ``recorded_at``; the latest wins.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable


def _v3_one_record_per_person(db: sqlite3.Connection) -> None:
    """v3: re-key people by ``identity_key`` and merge the records older versions split (a
    name-keyed row from ``send`` and the URL-keyed row of the same person); events and meetings
    follow. Indexes ``people.folded`` and ``meetings.person_key``."""
    from outreach.ledger.identity import merge_split_people

    merge_split_people(db)


Migration = str | Callable[[sqlite3.Connection], None]

MIGRATIONS: list[Migration] = [
    # v1: people, deliveries and invite versions.
    """
    CREATE TABLE people (
        key         TEXT PRIMARY KEY,
        first_name  TEXT NOT NULL DEFAULT '',
        last_name   TEXT NOT NULL DEFAULT '',
        company     TEXT NOT NULL DEFAULT '',
        position    TEXT NOT NULL DEFAULT '',
        url         TEXT NOT NULL DEFAULT '',
        email       TEXT NOT NULL DEFAULT '',
        function    TEXT NOT NULL DEFAULT 'unknown',
        level       TEXT NOT NULL DEFAULT 'unknown',
        folded      TEXT NOT NULL DEFAULT '',
        first_seen  TEXT NOT NULL,
        last_seen   TEXT NOT NULL
    );
    CREATE INDEX people_email ON people (email COLLATE NOCASE);
    CREATE TABLE messages (
        message_id  TEXT NOT NULL,
        recipient   TEXT NOT NULL,
        subject     TEXT NOT NULL DEFAULT '',
        source      TEXT NOT NULL DEFAULT '',
        state       TEXT NOT NULL DEFAULT 'queued' CHECK (state IN
                    ('queued', 'sending', 'sent', 'failed-temporary', 'failed-permanent')),
        attempts    INTEGER NOT NULL DEFAULT 0,
        last_reply  TEXT NOT NULL DEFAULT '',
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL,
        sent_at     TEXT,
        PRIMARY KEY (message_id, recipient)
    );
    CREATE TABLE invites (
        uid         TEXT PRIMARY KEY,
        sequence    INTEGER NOT NULL,
        stamp       TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        cancelled   INTEGER NOT NULL DEFAULT 0,
        updated_at  TEXT NOT NULL
    );
    """,
    # v2: the relationship side — planned meetings and what happened.
    """
    CREATE TABLE meetings (
        uid         TEXT PRIMARY KEY,
        person_key  TEXT NOT NULL,
        person_name TEXT NOT NULL DEFAULT '',
        series      TEXT NOT NULL DEFAULT '',
        start       TEXT NOT NULL,
        recorded_at TEXT NOT NULL
    );
    CREATE INDEX meetings_start ON meetings (start);
    CREATE TABLE events (
        id          INTEGER PRIMARY KEY,
        person_key  TEXT NOT NULL,
        kind        TEXT NOT NULL CHECK (kind IN
                    ('met', 'gave', 'got', 'thanked', 'invited', 'replied')),
        on_date     TEXT NOT NULL,
        note        TEXT NOT NULL DEFAULT '',
        recorded_at TEXT NOT NULL
    );
    CREATE INDEX events_person ON events (person_key, kind, on_date);
    """,
    _v3_one_record_per_person,
    # v4: what the plan said to whom, and the rotation's places (outreach.ledger.plans).
    """
    CREATE TABLE plan_messages (
        message_id  TEXT PRIMARY KEY,
        person_key  TEXT NOT NULL,
        series      TEXT NOT NULL,
        kind        TEXT NOT NULL CHECK (kind IN ('invitation', 'update', 'cancellation')),
        thread      TEXT NOT NULL,
        uid         TEXT NOT NULL DEFAULT '',
        sequence    INTEGER NOT NULL DEFAULT 0,
        subject     TEXT NOT NULL DEFAULT '',
        facts       TEXT NOT NULL DEFAULT '{}',
        fingerprint TEXT NOT NULL DEFAULT '',
        path        TEXT NOT NULL DEFAULT '',
        state       TEXT NOT NULL DEFAULT 'current' CHECK (state IN
                    ('current', 'superseded', 'withdrawn')),
        planned_at  TEXT NOT NULL
    );
    CREATE INDEX plan_messages_person ON plan_messages (person_key, series);
    CREATE TABLE rotation_positions (
        person_key  TEXT PRIMARY KEY,
        position    INTEGER NOT NULL,
        recorded_at TEXT NOT NULL
    )
    """,
    # v5: what came back through the mailbox (outreach.ledger.inbox): replies, RSVPs,
    # bounces, do-not-contact, follow-ups and drafts.
    """
    CREATE TABLE inbox_messages (
        message_id    TEXT PRIMARY KEY,
        source        TEXT NOT NULL DEFAULT '',
        kind          TEXT NOT NULL CHECK (kind IN
                      ('rsvp', 'counter', 'reply', 'bounce', 'auto-reply', 'ignored')),
        person_key    TEXT NOT NULL DEFAULT '',
        detail        TEXT NOT NULL DEFAULT '',
        uid           TEXT NOT NULL DEFAULT '',
        recurrence_id TEXT NOT NULL DEFAULT '',
        on_date       TEXT NOT NULL,
        recorded_at   TEXT NOT NULL
    );
    CREATE INDEX inbox_messages_person ON inbox_messages (person_key, kind);
    CREATE TABLE inbox_folders (
        source      TEXT PRIMARY KEY,
        uidvalidity INTEGER NOT NULL,
        last_uid    INTEGER NOT NULL,
        updated_at  TEXT NOT NULL
    );
    CREATE TABLE rsvps (
        person_key    TEXT NOT NULL,
        uid           TEXT NOT NULL,
        recurrence_id TEXT NOT NULL DEFAULT '',
        partstat      TEXT NOT NULL,
        on_date       TEXT NOT NULL,
        message_id    TEXT NOT NULL,
        PRIMARY KEY (person_key, uid, recurrence_id)
    );
    CREATE TABLE bad_addresses (
        address     TEXT PRIMARY KEY COLLATE NOCASE,
        person_key  TEXT NOT NULL DEFAULT '',
        reason      TEXT NOT NULL DEFAULT '',
        message_id  TEXT NOT NULL DEFAULT '',
        recorded_at TEXT NOT NULL
    );
    CREATE TABLE do_not_contact (
        person_key  TEXT PRIMARY KEY,
        on_date     TEXT NOT NULL,
        note        TEXT NOT NULL DEFAULT '',
        recorded_at TEXT NOT NULL
    );
    CREATE TABLE followups (
        message_id  TEXT PRIMARY KEY,
        person_key  TEXT NOT NULL,
        thread      TEXT NOT NULL,
        number      INTEGER NOT NULL,
        subject     TEXT NOT NULL DEFAULT '',
        planned_at  TEXT NOT NULL
    );
    CREATE INDEX followups_person ON followups (person_key);
    CREATE TABLE drafts (
        message_id  TEXT NOT NULL,
        folder      TEXT NOT NULL,
        appended_at TEXT NOT NULL,
        PRIMARY KEY (message_id, folder)
    )
    """,
    # v6: what the mailbox says, believed or not (outreach.ledger.inbox), and the calendar
    # UIDs each sent message carried.
    """
    ALTER TABLE rsvps ADD COLUMN sequence INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE rsvps ADD COLUMN stamp TEXT NOT NULL DEFAULT '';
    ALTER TABLE rsvps ADD COLUMN comment TEXT NOT NULL DEFAULT '';
    CREATE TABLE inbox_unverified (
        message_id  TEXT PRIMARY KEY,
        kind        TEXT NOT NULL,
        sender      TEXT NOT NULL DEFAULT '',
        on_date     TEXT NOT NULL,
        names       TEXT NOT NULL DEFAULT '',
        person_key  TEXT NOT NULL DEFAULT '',
        reason      TEXT NOT NULL DEFAULT '',
        recorded_at TEXT NOT NULL
    );
    CREATE TABLE sent_uids (
        uid         TEXT NOT NULL,
        message_id  TEXT NOT NULL,
        recipient   TEXT NOT NULL COLLATE NOCASE,
        person_key  TEXT NOT NULL DEFAULT '',
        sequence    INTEGER NOT NULL DEFAULT 0,
        recorded_at TEXT NOT NULL,
        PRIMARY KEY (uid, message_id, recipient)
    )
    """,
    # v7: the shape of each calendar series last written (outreach.ledger.series), so a
    # series whose person left is cancelled with its RRULE and EXDATEs on every rerun.
    """
    CREATE TABLE series_shapes (
        uid         TEXT PRIMARY KEY,
        series      TEXT NOT NULL,
        person_key  TEXT NOT NULL DEFAULT '',
        shape       TEXT NOT NULL DEFAULT '{}',
        recorded_at TEXT NOT NULL
    );
    CREATE INDEX series_shapes_series ON series_shapes (series)
    """,
    # v8: the Message-ID secret (outreach.ledger.lifecycle) and the LinkedIn notes sent. Written
    # to stand alone (IF NOT EXISTS, OR IGNORE): other migrations may come before or after it.
    """
    CREATE TABLE IF NOT EXISTS secrets (
        name        TEXT PRIMARY KEY,
        value       BLOB NOT NULL,
        created_at  TEXT NOT NULL
    );
    INSERT OR IGNORE INTO secrets (name, value, created_at)
        VALUES ('message-id', randomblob(32), strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now'));
    CREATE TABLE IF NOT EXISTS linkedin_notes (
        id          INTEGER PRIMARY KEY,
        person_key  TEXT NOT NULL,
        on_date     TEXT NOT NULL,
        note        TEXT NOT NULL DEFAULT '',
        recorded_at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS linkedin_notes_person ON linkedin_notes (person_key)
    """,
    # v9: card_lines, what a card says apart from the private note (``log met --card``).
    """
    CREATE TABLE IF NOT EXISTS card_lines (
        person_key  TEXT NOT NULL,
        on_date     TEXT NOT NULL,
        line        TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        PRIMARY KEY (person_key, on_date)
    )
    """,
    # v10: mail.sources' reading state: UIDVALIDITY and UIDs are unsigned 64-bit (past SQLite's
    # INTEGER), so they move to TEXT in inbox_sources, which also keeps an mbox's offset;
    # inbox_files: the Maildir file names read. Needs only v5's inbox_folders.
    """
    CREATE TABLE IF NOT EXISTS inbox_sources (
        source      TEXT PRIMARY KEY,
        validity    TEXT NOT NULL DEFAULT '',
        position    TEXT NOT NULL DEFAULT '',
        fingerprint TEXT NOT NULL DEFAULT '',
        updated_at  TEXT NOT NULL
    );
    INSERT OR IGNORE INTO inbox_sources (source, validity, position, updated_at)
        SELECT source, CAST(uidvalidity AS TEXT), CAST(last_uid AS TEXT), updated_at
        FROM inbox_folders;
    DROP TABLE IF EXISTS inbox_folders;
    CREATE TABLE IF NOT EXISTS inbox_files (
        source TEXT NOT NULL,
        name   TEXT NOT NULL,
        PRIMARY KEY (source, name)
    ) WITHOUT ROWID
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)

CREATE_VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS schema_version (
    version    INTEGER PRIMARY KEY,
    applied_at TEXT NOT NULL
)
"""
