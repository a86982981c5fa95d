"""The ledger: one SQLite file that remembers people, deliveries, invites, meetings and events.

Every command that must not repeat itself asks the ledger first: ``outreach send`` never sends
a Message-ID twice to a recipient, the calendar stage reuses an invite's SEQUENCE/DTSTAMP while
nothing changed, ``cards --pending`` knows who was met and not thanked.

Concurrency: WAL mode (readers never block the writer), ``busy_timeout`` so a short overlap
waits instead of failing, and every write is a ``BEGIN IMMEDIATE`` transaction so there is one
writer at a time. A writer that cannot get the lock within the timeout gets a one-line
``OutreachError`` saying the ledger is busy. ``Ledger.exclusive()`` additionally holds an
advisory lock file for the whole of a long run (``outreach send``) so two senders never work
on the same batch. Schema in ``outreach.ledger.schema`` (versioned migrations).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, NamedTuple

from outreach.errors import OutreachError
from outreach.ledger.schema import CREATE_VERSION_TABLE, MIGRATIONS, SCHEMA_VERSION
from outreach.model import Person, fold

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows has no flock; the SQLite lock still holds
    fcntl = None  # type: ignore[assignment]

LEDGER_NAME = "ledger.sqlite"
DEFAULT_BUSY_SECONDS = 5.0
EVENT_KINDS = ("met", "gave", "got", "thanked", "invited", "replied")
STATES = ("queued", "sending", "sent", "failed-temporary", "failed-permanent")
_IN_CHUNK = 500  # uids per ``IN (...)`` query (SQLite allows 999+ variables)


@dataclass(frozen=True)
class PlannedMeeting:
    """One planned occurrence (rotation or forum) with one person; ``start`` is aware."""

    uid: str
    person_key: str
    person_name: str
    series: str
    start: datetime


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


def default_path() -> Path:
    """``$OUTREACH_LEDGER``, else ``ledger.sqlite`` in the platform's user data folder."""
    env = os.environ.get("OUTREACH_LEDGER")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("outreach")) / LEDGER_NAME


def utc_now() -> datetime:
    """Now, in UTC, to the second (what iCalendar and the ledger store)."""
    return datetime.now(UTC).replace(microsecond=0)


def _as_utc(moment: datetime) -> datetime:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).replace(microsecond=0)


def _iso(moment: datetime) -> str:
    return _as_utc(moment).isoformat()


class Ledger:
    """An open ledger. Use ``Ledger.open(path)`` as a context manager."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self._db = connection
        self._depth = 0

    # ------------------------------------------------------------ opening and locking

    @classmethod
    def open(
        cls, path: Path | None = None, *, busy_seconds: float = DEFAULT_BUSY_SECONDS
    ) -> Ledger:
        """Open (creating and migrating as needed) the ledger at ``path`` or the default."""
        target = Path(path) if path is not None else default_path()
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutreachError(
                f"ledger {target}: cannot create its folder: {exc.strerror}"
            ) from None
        try:
            connection = sqlite3.connect(target, timeout=busy_seconds, isolation_level=None)
        except sqlite3.Error as exc:
            raise OutreachError(f"ledger {target}: cannot open: {exc}") from None
        connection.row_factory = sqlite3.Row
        ledger = cls(target, connection)
        try:
            ledger._configure(busy_seconds)
            ledger._migrate()
        except BaseException:
            connection.close()
            raise
        return ledger

    def _configure(self, busy_seconds: float) -> None:
        try:
            self._db.execute(f"PRAGMA busy_timeout = {int(busy_seconds * 1000)}")
            mode = self._db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        except sqlite3.OperationalError as exc:
            raise self._translate(exc) from None
        except sqlite3.DatabaseError as exc:
            raise OutreachError(f"ledger {self.path}: not an outreach ledger ({exc})") from None
        if str(mode).lower() != "wal":
            raise OutreachError(f"ledger {self.path}: cannot switch to WAL mode (got {mode})")
        self._db.execute("PRAGMA synchronous = FULL")

    def _migrate(self) -> None:
        current = self.schema_version()
        if current > SCHEMA_VERSION:
            raise OutreachError(
                f"ledger {self.path}: schema version {current} is newer than this outreach "
                f"understands ({SCHEMA_VERSION}); upgrade outreach"
            )
        if current == SCHEMA_VERSION:
            return
        with self.write() as db:
            db.execute(CREATE_VERSION_TABLE)
            current = self.schema_version()  # another process may have migrated meanwhile
            for version in range(current + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[version - 1].split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(
                    "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                    (version, _iso(utc_now())),
                )

    def schema_version(self) -> int:
        """The highest migration applied (0 for a new, empty file)."""
        try:
            exists = self._db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
            ).fetchone()
            if not exists:
                return 0
            row = self._db.execute("SELECT MAX(version) FROM schema_version").fetchone()
        except sqlite3.OperationalError as exc:
            raise self._translate(exc) from None
        except sqlite3.DatabaseError as exc:
            raise OutreachError(f"ledger {self.path}: not an outreach ledger ({exc})") from None
        return int(row[0] or 0)

    def _busy_error(self) -> OutreachError:
        return OutreachError(
            f"ledger {self.path} is busy: another outreach run is writing; try again",
            exit_code=3,
        )

    def _translate(self, exc: sqlite3.Error) -> OutreachError:
        text = str(exc).lower()
        if "locked" in text or "busy" in text:
            return self._busy_error()
        return OutreachError(f"ledger {self.path}: {exc}")

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One ``BEGIN IMMEDIATE`` transaction (nested calls join the outer one)."""
        if self._depth:
            self._depth += 1
            try:
                yield self._db
            finally:
                self._depth -= 1
            return
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise self._translate(exc) from None
        self._depth = 1
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        else:
            try:
                self._db.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                self._db.execute("ROLLBACK")
                raise self._translate(exc) from None
        finally:
            self._depth = 0

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        """Read rows (for reports such as ``outreach status``)."""
        try:
            return self._db.execute(sql, tuple(params)).fetchall()
        except sqlite3.OperationalError as exc:
            raise self._translate(exc) from None

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold ``PATH.lock`` for a whole run, so two ``outreach send`` never overlap."""
        if fcntl is None:  # pragma: no cover
            yield
            return
        lock_path = self.path.with_name(self.path.name + ".lock")
        handle: IO[bytes] = lock_path.open("a+b")
        try:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise self._busy_error() from None
            yield
        finally:
            handle.close()

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------ invites

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
        stamp = _as_utc(now or utc_now())
        with self.write() as db:
            known = self._stored_invites(db, [uid for uid, _ in invites])
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
            return self._stored_invites(self._db, uids)
        except sqlite3.OperationalError as exc:
            raise self._translate(exc) from None

    def save_invites(self, invites: Mapping[str, StoredInvite]) -> None:
        """Store new or changed invite versions (uid → row), in one statement."""
        updated = _iso(utc_now())
        with self.write() as db:
            db.executemany(
                "INSERT INTO invites (uid, sequence, stamp, fingerprint, cancelled, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (uid) DO UPDATE SET "
                "sequence = excluded.sequence, stamp = excluded.stamp, "
                "fingerprint = excluded.fingerprint, cancelled = excluded.cancelled, "
                "updated_at = excluded.updated_at",
                ((uid, *row, updated) for uid, row in invites.items()),
            )

    @staticmethod
    def _stored_invites(db: sqlite3.Connection, uids: Sequence[str]) -> dict[str, StoredInvite]:
        found: dict[str, StoredInvite] = {}
        for first in range(0, len(uids), _IN_CHUNK):
            chunk = uids[first:first + _IN_CHUNK]
            marks = ", ".join("?" * len(chunk))
            for row in db.execute(
                "SELECT uid, sequence, stamp, fingerprint, cancelled FROM invites "
                f"WHERE uid IN ({marks})", chunk,
            ):
                found[row[0]] = StoredInvite(int(row[1]), row[2], row[3], int(row[4]))
        return found

    # ------------------------------------------------------------ people

    def remember_people(self, people: Iterable[Person]) -> int:
        """Insert or refresh people by ``Person.key``; empty fields never erase known ones."""
        now = _iso(utc_now())
        rows = [
            (
                person.key, person.first_name, person.last_name, person.company,
                person.position, person.url, person.email, person.function, person.level,
                fold(person.full_name), now, now,
            )
            for person in people
        ]
        with self.write() as db:
            db.executemany(_UPSERT_PERSON, rows)
        return len(rows)

    def person(self, key: str) -> Person | None:
        rows = self.query("SELECT * FROM people WHERE key = ?", (key,))
        return person_from_row(rows[0]) if rows else None

    def all_people(self) -> dict[str, Person]:
        """Stored key → person, in name order."""
        rows = self.query("SELECT * FROM people ORDER BY folded, key")
        return {str(r["key"]): person_from_row(r) for r in rows}

    def person_for_address(self, address: str, display_name: str = "") -> str:
        """The key of the person with e-mail ``address``; remembered from the name if new."""
        rows = self.query(
            "SELECT key FROM people WHERE email = ? COLLATE NOCASE ORDER BY last_seen DESC",
            (address,),
        )
        if rows:
            return str(rows[0]["key"])
        first, _, last = (display_name or address.partition("@")[0]).strip().partition(" ")
        person = Person(first_name=first, last_name=last.strip(), email=address)
        self.remember_people([person])
        return person.key

    # ------------------------------------------------------------ meetings and events

    def record_meetings(self, meetings: Iterable[PlannedMeeting]) -> int:
        """Remember planned occurrences (a rescheduled uid moves); unknown people are added."""
        now = _iso(utc_now())
        rows = [
            (m.uid, m.person_key, m.person_name, m.series, _iso(m.start), now) for m in meetings
        ]
        with self.write() as db:
            db.executemany(
                "INSERT INTO meetings (uid, person_key, person_name, series, start, recorded_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (uid) DO UPDATE SET "
                "person_key = excluded.person_key, person_name = excluded.person_name, "
                "series = excluded.series, start = excluded.start "
                "WHERE (person_key, person_name, series, start) IS NOT (excluded.person_key, "
                "excluded.person_name, excluded.series, excluded.start)",  # a rerun writes none
                rows,
            )
            known = self._known_people(db, list({row[1] for row in rows}))
            db.executemany(
                "INSERT OR IGNORE INTO people (key, first_name, last_name, company, url, "
                "folded, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (_new_person_row(key, name, now) for _uid, key, name, *_ in rows
                 if key not in known),
            )
        return len(rows)

    def replace_future_meetings(
        self, series: str, meetings: Iterable[PlannedMeeting], since: datetime
    ) -> list[PlannedMeeting]:
        """Make ``meetings`` the ``series``' whole plan from ``since`` on, in one transaction:
        its other meetings at or after ``since`` (a peer left, the start moved) are removed and
        returned, earliest first. Earlier ones stay: they happened."""
        planned = list(meetings)
        keep = {m.uid for m in planned}
        with self.write() as db:
            dropped = [PlannedMeeting(r[0], r[1], r[2], series, datetime.fromisoformat(r[3]))
                       for r in db.execute(
                           "SELECT uid, person_key, person_name, start FROM meetings WHERE "
                           "series = ? AND start >= ? ORDER BY start, uid", (series, _iso(since)))
                       if r[0] not in keep]
            db.executemany("DELETE FROM meetings WHERE uid = ?", [(m.uid,) for m in dropped])
            self.record_meetings(planned)
        return dropped

    @staticmethod
    def _known_people(db: sqlite3.Connection, keys: Sequence[str]) -> set[str]:
        """Which of ``keys`` the people table has (a few big queries, not one per key)."""
        known: set[str] = set()
        for first in range(0, len(keys), _IN_CHUNK):
            chunk = keys[first:first + _IN_CHUNK]
            marks = ", ".join("?" * len(chunk))
            known.update(row[0] for row in db.execute(
                f"SELECT key FROM people WHERE key IN ({marks})", chunk))
        return known

    def add_event(self, person_key: str, kind: str, on: date, note: str = "") -> None:
        """Record that something happened with a person (see ``EVENT_KINDS``)."""
        if kind not in EVENT_KINDS:
            raise OutreachError(f"unknown event kind {kind!r}; use one of {', '.join(EVENT_KINDS)}")
        with self.write() as db:
            db.execute(
                "INSERT INTO events (person_key, kind, on_date, note, recorded_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (person_key, kind, on.isoformat(), note, _iso(utc_now())),
            )

    def pending_thanks(self) -> list[Person]:
        """People met (last ``met``) and not thanked on or after that day; oldest meeting first."""
        rows = self.query(
            """
            SELECT p.* FROM people p
            JOIN (SELECT person_key, MAX(on_date) AS met FROM events WHERE kind = 'met'
                  GROUP BY person_key) m ON m.person_key = p.key
            LEFT JOIN (SELECT person_key, MAX(on_date) AS thanked FROM events
                       WHERE kind = 'thanked' GROUP BY person_key) t ON t.person_key = p.key
            WHERE t.thanked IS NULL OR t.thanked < m.met
            ORDER BY m.met, p.folded
            """
        )
        return [person_from_row(r) for r in rows]

    def mark_thanked(self, person_keys: Iterable[str], on: date) -> int:
        """Record a ``thanked`` event for each key (after their card was printed)."""
        keys = list(dict.fromkeys(person_keys))
        now = _iso(utc_now())
        with self.write() as db:
            db.executemany(
                "INSERT INTO events (person_key, kind, on_date, note, recorded_at) "
                "VALUES (?, 'thanked', ?, '', ?)",
                [(key, on.isoformat(), now) for key in keys],
            )
        return len(keys)

    # ------------------------------------------------------------ deliveries

    def deliveries(self, message_id: str) -> dict[str, Delivery]:
        """Recipient (lower-cased) → its delivery record for one Message-ID."""
        rows = self.query("SELECT * FROM messages WHERE message_id = ?", (message_id,))
        return {str(r["recipient"]): _delivery(r) for r in rows}

    def queue_message(
        self, message_id: str, recipients: Iterable[str], subject: str, source: str
    ) -> None:
        """Add ``queued`` rows for recipients not yet known (known ones keep their state)."""
        now = _iso(utc_now())
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
        now = _iso(utc_now())
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

    def failures(self) -> list[Delivery]:
        rows = self.query(
            "SELECT * FROM messages WHERE state LIKE 'failed-%' ORDER BY updated_at, recipient"
        )
        return [_delivery(r) for r in rows]


_UPSERT_PERSON = """
INSERT INTO people (key, first_name, last_name, company, position, url, email, function, level,
                    folded, first_seen, last_seen)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (key) DO UPDATE SET
    first_name = COALESCE(NULLIF(excluded.first_name, ''), first_name),
    last_name  = COALESCE(NULLIF(excluded.last_name, ''), last_name),
    company    = COALESCE(NULLIF(excluded.company, ''), company),
    position   = COALESCE(NULLIF(excluded.position, ''), position),
    url        = COALESCE(NULLIF(excluded.url, ''), url),
    email      = COALESCE(NULLIF(excluded.email, ''), email),
    function   = CASE WHEN excluded.function = 'unknown' THEN function ELSE excluded.function END,
    level      = CASE WHEN excluded.level = 'unknown' THEN level ELSE excluded.level END,
    folded     = COALESCE(NULLIF(excluded.folded, ''), folded),
    last_seen  = excluded.last_seen
"""


def _person_for_key(key: str, name: str) -> Person:
    """A minimal person whose ``Person.key`` is ``key`` (for meetings with unknown people)."""
    if "|" in key and not key.startswith(("http://", "https://")):
        folded_name, _, company = key.partition("|")
        shown = name if fold(name) == folded_name else folded_name.title()
        first, _, last = shown.strip().partition(" ")
        return Person(first_name=first, last_name=last, company=company)
    first, _, last = name.strip().partition(" ")
    return Person(first_name=first, last_name=last, url=key)


def _new_person_row(key: str, name: str, now: str) -> tuple[str, ...]:
    person = _person_for_key(key, name)
    return (key, person.first_name, person.last_name, person.company, person.url, fold(name),
            now, now)


def person_from_row(row: sqlite3.Row) -> Person:
    return Person(
        first_name=row["first_name"],
        last_name=row["last_name"],
        url=row["url"],
        email=row["email"],
        company=row["company"],
        position=row["position"],
        function=row["function"],
        level=row["level"],
    )


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
