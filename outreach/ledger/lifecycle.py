"""What the ledger knows about each person's life cycle, read in one go for
``outreach.lifecycle`` (which decides each person's state and next step), the Message-ID
secret, and the LinkedIn notes the user says they sent (``outreach log noted``).

Every command that asks "what was this person told, what came back, what is next" gets the
answer from ``outreach.lifecycle`` over ``Ledger.life_facts()``: no command reads the tables.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from outreach.ledger.db import iso, utc_now
from outreach.ledger.inbox import InboxMixin, InboxRecord, Rsvp
from outreach.ledger.meetings import PlannedMeeting
from outreach.ledger.people import person_from_row
from outreach.model import MessageKind, Person

SECRET_NAME = "message-id"


@dataclass(frozen=True)
class SentMessage:
    """A message that reached a person (state ``sent``), with what the plan says it was.

    ``kind`` is the plan's kind (``invitation``, ``update``, ``cancellation``), ``followup``
    for a follow-up, ``invitation`` for a message no plan holds (``outreach emails``);
    ``series`` ``coffee`` then. ``facts`` is what the plan recorded it says (start, minutes,
    rhythm, place), ``{}`` when unknown; ``thread`` the Message-ID of the thread's first.
    """

    message_id: str
    person_key: str
    recipient: str
    subject: str
    on: date
    kind: str
    series: str
    thread: str
    facts: Mapping[str, Any] = field(default_factory=dict)
    number: int = 0


@dataclass(frozen=True)
class PersonEvent:
    """Something that happened with a person: ``met``, ``gave``, ``got``, ``thanked``,
    ``invited``, ``replied`` (an ``events`` row) or ``noted`` (a LinkedIn note sent)."""

    person_key: str
    kind: str
    on: date
    note: str = ""


@dataclass(frozen=True)
class PlanEntry:
    """A message the plan holds for a person (``plan_messages``), sent or not."""

    message_id: str
    person_key: str
    series: str
    kind: str
    thread: str
    subject: str
    state: str
    path: str
    facts: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LifeFacts:
    """Everything the life cycle is derived from, as plain data."""

    people: Mapping[str, Person]  # stored key → person, in name order (``StoredPeople``)
    sent: list[SentMessage]
    plan: list[PlanEntry]
    events: list[PersonEvent]
    rsvps: list[Rsvp]
    inbox: list[InboxRecord]
    bad_addresses: dict[str, str]
    do_not_contact: dict[str, date]
    meetings: list[PlannedMeeting]
    followups_written: dict[str, int]  # person key → follow-ups written (sent or not)
    let_go: dict[str, date] = field(default_factory=dict)  # person key → last ``log letgo``


class StoredPeople(Mapping[str, Person]):
    """Stored key → person, in name order, each ``Person`` read and built when first asked
    for: the life cycle needs the few people with facts, of the thousands a campaign
    remembers. The keys are read at once; a person's row by its key, or, once more than
    ``ONE_BY_ONE`` were asked for (a review ranks everyone), every row in one query."""

    ONE_BY_ONE = 64

    def __init__(self, keys: list[str], read_one: Callable[[str], sqlite3.Row | None],
                 read_all: Callable[[], list[sqlite3.Row]]) -> None:
        self._keys, self._known = keys, set(keys)
        self._read_one, self._read_all = read_one, read_all
        self._rows: dict[str, sqlite3.Row] = {}
        self._built: dict[str, Person] = {}

    def __getitem__(self, key: str) -> Person:
        person = self._built.get(key)
        if person is None:
            person = self._built[key] = person_from_row(self._row(key))
        return person

    def _row(self, key: str) -> sqlite3.Row:
        row = self._rows.get(key)
        if row is not None:
            return row
        if key not in self._known:
            raise KeyError(key)
        if len(self._built) >= self.ONE_BY_ONE:
            self._rows = {str(r["key"]): r for r in self._read_all()}
            return self._rows[key]
        found = self._read_one(key)
        if found is None:
            raise KeyError(key)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


_SENT = """
SELECT m.message_id, m.recipient, m.subject, m.sent_at,
       COALESCE(pm.person_key, f.person_key,
                (SELECT key FROM people WHERE email = m.recipient COLLATE NOCASE
                 ORDER BY last_seen DESC LIMIT 1), '') AS person_key,
       COALESCE(pm.kind, CASE WHEN f.message_id IS NOT NULL THEN 'followup' END,
                'invitation') AS kind,
       COALESCE(pm.series, 'coffee') AS series,
       COALESCE(pm.thread, f.thread, m.message_id) AS thread,
       COALESCE(pm.facts, '{}') AS facts, COALESCE(f.number, 0) AS number
FROM messages m
LEFT JOIN plan_messages pm ON pm.message_id = m.message_id
LEFT JOIN followups f ON f.message_id = m.message_id
WHERE m.state = 'sent' AND m.sent_at IS NOT NULL
ORDER BY m.sent_at, m.message_id
"""


class LifecycleMixin(InboxMixin):
    """The ``secrets`` and ``linkedin_notes`` tables, and the life cycle's reading of all."""

    def message_id_secret(self) -> bytes:
        """The ledger's random key for ``model.message_id`` (made once, by the migration)."""
        rows = self._query("SELECT value FROM secrets WHERE name = ?", (SECRET_NAME,))
        return bytes(rows[0][0]) if rows else b""

    def record_note_sent(self, person_key: str, on: date, note: str = "") -> None:
        """The user sent this person their LinkedIn note (``outreach log noted``)."""
        with self.write() as db:
            db.execute("INSERT INTO linkedin_notes (person_key, on_date, note, recorded_at) "
                       "VALUES (?, ?, ?, ?)", (person_key, on.isoformat(), note, iso(utc_now())))

    def let_go(self, person_key: str, on: date, note: str = "") -> bool:
        """The user ends the plan with this person gently (``outreach log letgo``): no more
        meetings, follow-ups or updates, but nothing blocks inviting them again (unlike
        ``opt_out``). False when they were already let go on or after ``on``."""
        if any(day >= on for key, day in self.let_go_people().items() if key == person_key):
            return False
        with self.write() as db:
            db.execute("INSERT INTO let_go (person_key, on_date, note, recorded_at) "
                       "VALUES (?, ?, ?, ?)", (person_key, on.isoformat(), note, iso(utc_now())))
        return True

    def let_go_people(self) -> dict[str, date]:
        """Person key → the last day they were let go (``log letgo``)."""
        return {str(r[0]): date.fromisoformat(r[1]) for r in self._query(
            "SELECT person_key, MAX(on_date) FROM let_go GROUP BY person_key")}

    def life_facts(self) -> LifeFacts:
        """Every fact the life cycle needs, in a handful of queries."""
        people = StoredPeople(
            [str(r[0]) for r in self._query("SELECT key FROM people ORDER BY folded, key")],
            self._person_row, lambda: self._query("SELECT * FROM people"))
        written: dict[str, int] = {}
        for row in self._query("SELECT person_key, COUNT(*) FROM followups GROUP BY person_key"):
            written[str(row[0])] = int(row[1])
        return LifeFacts(
            people=people, sent=[_sent(r) for r in self._query(_SENT)],
            plan=[_plan_entry(r) for r in self._query(
                "SELECT * FROM plan_messages ORDER BY planned_at, rowid")],
            events=self.person_events(), rsvps=self.rsvps(),
            inbox=self.inbox_records(("counter", "bounce", "auto-reply", "reply")),
            bad_addresses=self.bad_addresses(), do_not_contact=self.do_not_contact(),
            meetings=[PlannedMeeting(r["uid"], r["person_key"], r["person_name"], r["series"],
                                     datetime.fromisoformat(r["start"]))
                      for r in self._query("SELECT * FROM meetings ORDER BY start, uid")],
            followups_written=written, let_go=self.let_go_people())

    def _person_row(self, key: str) -> sqlite3.Row | None:
        rows = self._query("SELECT * FROM people WHERE key = ?", (key,))
        return rows[0] if rows else None

    def person_events(self) -> list[PersonEvent]:
        """Every ``log`` event and LinkedIn note (``noted``), in date order: what
        ``life_facts().events`` holds, without building every person the ledger knows."""
        rows = self._query("SELECT person_key, kind, on_date, note FROM events ORDER BY "
                          "on_date, id")
        events = [PersonEvent(str(r[0]), str(r[1]), date.fromisoformat(r[2]), str(r[3]))
                  for r in rows]
        notes = self._query("SELECT person_key, on_date, note FROM linkedin_notes "
                           "ORDER BY on_date, id")
        events += [PersonEvent(str(r[0]), "noted", date.fromisoformat(r[1]), str(r[2]))
                   for r in notes]
        return sorted(events, key=lambda e: e.on)

    def message_kind(self, message_id: str) -> MessageKind | None:
        """What the ledger planned ``message_id`` as (a follow-up, or the plan's kind), None
        for a message it did not write."""
        if self._query("SELECT 1 FROM followups WHERE message_id = ?", (message_id,)):
            return MessageKind.FOLLOWUP
        rows = self._query("SELECT kind FROM plan_messages WHERE message_id = ?", (message_id,))
        return MessageKind(str(rows[0][0])) if rows else None

    def key_for_address(self, address: str) -> str:
        """The key of the person with e-mail ``address`` ("" when nobody has it)."""
        rows = self._query("SELECT key FROM people WHERE email = ? COLLATE NOCASE "
                          "ORDER BY last_seen DESC", (address,))
        return str(rows[0][0]) if rows else ""


def _facts(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _sent(row: sqlite3.Row) -> SentMessage:
    return SentMessage(
        message_id=str(row["message_id"]), person_key=str(row["person_key"]),
        recipient=str(row["recipient"]), subject=str(row["subject"]),
        on=datetime.fromisoformat(row["sent_at"]).date(), kind=str(row["kind"]),
        series=str(row["series"]), thread=str(row["thread"]), facts=_facts(row["facts"]),
        number=int(row["number"]))


def _plan_entry(row: sqlite3.Row) -> PlanEntry:
    return PlanEntry(
        message_id=str(row["message_id"]), person_key=str(row["person_key"]),
        series=str(row["series"]), kind=str(row["kind"]), thread=str(row["thread"]),
        subject=str(row["subject"]), state=str(row["state"]), path=str(row["path"]),
        facts=_facts(row["facts"]))
