"""Meetings (planned rotation/forum/coffee occurrences) and events (what happened)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from outreach.errors import OutreachError
from outreach.ledger.db import LedgerBase, iso, utc_now
from outreach.ledger.identity import stored_keys
from outreach.ledger.people import learn_people, person_for_key, person_from_row
from outreach.model import Person, fold

EVENT_KINDS = ("met", "gave", "got", "thanked", "invited", "replied")


@dataclass(frozen=True)
class PlannedMeeting:
    """One planned occurrence (rotation or forum) with one person; ``start`` is aware."""

    uid: str
    person_key: str
    person_name: str
    series: str
    start: datetime


@dataclass(frozen=True)
class MetMeeting:
    """The planned meeting a ``met`` refers to: its series, start and, if the plan recorded
    it, its place (else "")."""

    uid: str
    series: str
    start: datetime
    place: str = ""


@dataclass(frozen=True)
class ThanksDue:
    """Someone met and not thanked since: ``key`` is their ledger key (for ``mark_thanked``),
    ``on`` the day of the last ``met``, ``note`` its ``--note`` (private: what the user wrote
    for themselves, untrusted text, as typed), ``card`` the line written for their card."""

    key: str
    person: Person
    on: date
    note: str = ""
    meeting: MetMeeting | None = None
    card: str = ""  # the line written for the card (``log met --card``), else ""


class MeetingsMixin(LedgerBase):
    """The ``meetings`` and ``events`` tables."""

    def record_meetings(self, meetings: Iterable[PlannedMeeting]) -> int:
        """Remember planned occurrences (a rescheduled uid moves); unknown people are added,
        or merged with the person they are (so the meeting is stored under that key)."""
        now = iso(utc_now())
        planned = list(meetings)
        names: dict[str, str] = {}
        for meeting in planned:
            names.setdefault(meeting.person_key, meeting.person_name)
        with self.write() as db:
            keys = {key: key for key in stored_keys(db, list(names))}
            unknown = [key for key in names if key not in keys]
            people = [person_for_key(key, names[key]) for key in unknown]
            keys.update(zip(unknown, learn_people(db, people, refresh=False,
                                                  folded=[fold(names[k]) for k in unknown]),
                            strict=True))
            db.executemany(
                "INSERT INTO meetings (uid, person_key, person_name, series, start, recorded_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (uid) DO UPDATE SET "
                "person_key = excluded.person_key, person_name = excluded.person_name, "
                "series = excluded.series, start = excluded.start "
                "WHERE (person_key, person_name, series, start) IS NOT (excluded.person_key, "
                "excluded.person_name, excluded.series, excluded.start)",  # a rerun writes none
                [(m.uid, keys[m.person_key], m.person_name, m.series, iso(m.start), now)
                 for m in planned],
            )
        return len(planned)

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
                           "series = ? AND start >= ? ORDER BY start, uid", (series, iso(since)))
                       if r[0] not in keep]
            db.executemany("DELETE FROM meetings WHERE uid = ?", [(m.uid,) for m in dropped])
            self.record_meetings(planned)
        return dropped

    def add_event(self, person_key: str, kind: str, on: date, note: str = "") -> None:
        """Record that something happened with a person (see ``EVENT_KINDS``)."""
        if kind not in EVENT_KINDS:
            raise OutreachError(f"unknown event kind {kind!r}; use one of {', '.join(EVENT_KINDS)}")
        with self.write() as db:
            db.execute(
                "INSERT INTO events (person_key, kind, on_date, note, recorded_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (person_key, kind, on.isoformat(), note, iso(utc_now())),
            )

    def pending_thanks(self) -> list[Person]:
        """People met (last ``met``) and not thanked on or after that day; oldest meeting first."""
        return [due.person for due in self.thanks_due()]

    def thanks_due(self) -> list[ThanksDue]:
        """As ``pending_thanks``, with what a card says about the meeting: the day of the last
        ``met``, its ``--note`` and the planned meeting with that person on or before that day
        (the latest), if the ledger has one; oldest meeting first."""
        rows = self._query(
            """
            SELECT p.*, m.met AS met_on, t.thanked AS thanked_on FROM people p
            JOIN (SELECT person_key, MAX(on_date) AS met FROM events WHERE kind = 'met'
                  GROUP BY person_key) m ON m.person_key = p.key
            LEFT JOIN (SELECT person_key, MAX(on_date) AS thanked FROM events
                       WHERE kind = 'thanked' GROUP BY person_key) t ON t.person_key = p.key
            WHERE t.thanked IS NULL OR t.thanked < m.met
            ORDER BY m.met, p.folded
            """
        )
        due = []
        for row in rows:
            key, on = str(row["key"]), date.fromisoformat(row["met_on"])
            notes = self._query(
                "SELECT note FROM events WHERE person_key = ? AND kind = 'met' AND on_date = ? "
                "AND note != '' ORDER BY id DESC LIMIT 1", (key, on.isoformat()))
            due.append(ThanksDue(key, person_from_row(row), on,
                                 str(notes[0]["note"]) if notes else "",
                                 self._meeting_before(key, on),
                                 self._card_line(key, on, row["thanked_on"] or "")))
        return due

    def set_card_line(self, person_key: str, on: date, line: str) -> None:
        """Remember the line the card for the meeting with ``person_key`` on ``on`` says (as
        given: the caller tidies it); a second one for that day replaces the first."""
        with self.write() as db:
            db.execute(
                "INSERT INTO card_lines (person_key, on_date, line, recorded_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (person_key, on_date) DO UPDATE SET "
                "line = excluded.line, recorded_at = excluded.recorded_at",
                (person_key, on.isoformat(), line, iso(utc_now())))

    def _card_line(self, key: str, on: date, thanked: str) -> str:
        """The latest card line written for a meeting since the last thank-you (after
        ``thanked``, on or before ``on``), else ""."""
        rows = self._query(
            "SELECT line FROM card_lines WHERE person_key = ? AND on_date <= ? AND on_date > ? "
            "ORDER BY on_date DESC, recorded_at DESC LIMIT 1", (key, on.isoformat(), thanked))
        return str(rows[0]["line"]) if rows else ""

    def _meeting_before(self, key: str, on: date) -> MetMeeting | None:
        """The planned meeting a ``met`` on ``on`` thanks for: the latest with ``key`` on or
        before that day, else (met before the plan's first date: the series started early, or
        the user logs ahead) the earliest after it; with the place its plan stated, if the
        plan recorded one. None when the ledger plans no meeting with ``key``."""
        rows = self._query("SELECT uid, series, start FROM meetings WHERE person_key = ?", (key,))
        held = [(datetime.fromisoformat(r["start"]), str(r["uid"]), str(r["series"]))
                for r in rows]
        if not held:
            return None
        before = [m for m in held if m[0].date() <= on]
        start, uid, series = max(before) if before else min(held)
        return MetMeeting(uid, series, start, self._planned_place(key, series))

    def _planned_place(self, key: str, series: str) -> str:
        """Where the plan's latest message to ``key`` in ``series`` said to meet (its facts'
        ``location``, else ``place`` unless that is a video link), or ""."""
        import json

        rows = self._query(
            "SELECT facts FROM plan_messages WHERE person_key = ? AND series = ? "
            "ORDER BY planned_at DESC, rowid DESC", (key, series))
        for row in rows:
            try:
                facts = json.loads(row["facts"] or "{}")
            except ValueError:
                continue
            for name in ("location", "place"):
                value = facts.get(name) if isinstance(facts, dict) else None
                if isinstance(value, str) and value.strip() and "://" not in value:
                    return value.strip()
        return ""

    def mark_thanked(self, person_keys: Iterable[str], on: date, note: str = "") -> int:
        """Record a ``thanked`` event for each key (after their card was printed); ``note``
        says how (e.g. the card file)."""
        keys = list(dict.fromkeys(person_keys))
        now = iso(utc_now())
        with self.write() as db:
            db.executemany(
                "INSERT INTO events (person_key, kind, on_date, note, recorded_at) "
                "VALUES (?, 'thanked', ?, ?, ?)",
                [(key, on.isoformat(), note, now) for key in keys],
            )
        return len(keys)
