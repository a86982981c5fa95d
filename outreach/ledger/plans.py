"""What the plan said to whom: one row per message the campaign planned, so a rerun knows
whether the invitation went out, what it promised, and which files are no longer the plan.

A message is ``current`` (the plan's latest word to that person in that series),
``superseded`` (a later message replaced it before it was sent: ``send`` refuses it) or
``withdrawn`` (the person left the plan before it was sent: nothing replaces it). Rotation
positions are kept here too, so removing or adding a peer moves nobody else.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from outreach.ledger.db import LedgerBase, iso, utc_now

PLAN_KINDS = ("invitation", "update", "cancellation")
PLAN_STATES = ("current", "superseded", "withdrawn")


@dataclass(frozen=True)
class PlannedMessage:
    """One message the plan holds for a person in a series (see the module docs).

    ``thread`` is the Message-ID of the series' first invitation (the message's own for an
    invitation): updates and cancellations reply to it. ``facts`` is what the message says
    (start, rhythm, place), compared on the next run to say truthfully what changed.
    ``fingerprint`` is a digest of the generated message, so a rerun that would write the
    same leaves a file the user edited by hand alone.
    """

    message_id: str
    person_key: str
    series: str
    kind: str
    thread: str
    uid: str = ""
    sequence: int = 0
    subject: str = ""
    facts: Mapping[str, Any] = field(default_factory=dict)
    fingerprint: str = ""
    path: str = ""
    state: str = "current"


class PlansMixin(LedgerBase):
    """The ``plan_messages`` and ``rotation_positions`` tables."""

    def planned_messages(self, series: str | None = None) -> list[PlannedMessage]:
        """Every planned message (of ``series``), oldest first."""
        where, params = ("WHERE series = ?", (series,)) if series else ("", ())
        rows = self._query(f"SELECT * FROM plan_messages {where} ORDER BY planned_at, rowid",
                          params)
        return [_planned(r) for r in rows]

    def plan_state(self, message_id: str) -> str | None:
        """``current``/``superseded``/``withdrawn`` for a planned message, None if unplanned."""
        rows = self._query("SELECT state FROM plan_messages WHERE message_id = ?", (message_id,))
        return str(rows[0]["state"]) if rows else None

    def sent_message_ids(self, message_ids: Sequence[str]) -> set[str]:
        """Which of ``message_ids`` reached at least one recipient (state ``sent``)."""
        sent: set[str] = set()
        for first in range(0, len(message_ids), 500):
            chunk = list(message_ids[first:first + 500])
            marks = ", ".join("?" * len(chunk))
            sent.update(r[0] for r in self._query(
                f"SELECT DISTINCT message_id FROM messages WHERE state = 'sent' AND "
                f"message_id IN ({marks})", chunk))
        return sent

    def save_plan(self, messages: Iterable[PlannedMessage],
                  states: Mapping[str, str] | None = None) -> None:
        """Store (or refresh) planned messages and set other messages' states, in one
        transaction (``states``: Message-ID → ``superseded`` or ``withdrawn``)."""
        now = iso(utc_now())
        with self.write() as db:
            db.executemany(
                "INSERT INTO plan_messages (message_id, person_key, series, kind, thread, uid, "
                "sequence, subject, facts, fingerprint, path, state, planned_at) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_id) DO UPDATE SET "
                "person_key = excluded.person_key, uid = excluded.uid, "
                "sequence = excluded.sequence, subject = excluded.subject, "
                "facts = excluded.facts, fingerprint = excluded.fingerprint, "
                "path = excluded.path, state = excluded.state",
                [(m.message_id, m.person_key, m.series, m.kind, m.thread, m.uid, m.sequence,
                  m.subject, json.dumps(dict(m.facts), sort_keys=True), m.fingerprint, m.path,
                  m.state, now) for m in messages])
            db.executemany("UPDATE plan_messages SET state = ? WHERE message_id = ?",
                           [(state, mid) for mid, state in (states or {}).items()])

    def rotation_positions(self) -> dict[str, int]:
        """Person key → their place in the rotation's cycle, as last planned."""
        rows = self._query("SELECT person_key, position FROM rotation_positions")
        return {str(r["person_key"]): int(r["position"]) for r in rows}

    def save_rotation_positions(self, positions: Mapping[str, int]) -> None:
        """Make ``positions`` the rotation's places (people not in it lose theirs)."""
        now = iso(utc_now())
        with self.write() as db:
            db.execute("DELETE FROM rotation_positions")
            db.executemany("INSERT INTO rotation_positions (person_key, position, recorded_at) "
                           "VALUES (?, ?, ?)", [(k, p, now) for k, p in positions.items()])


def _planned(row: sqlite3.Row) -> PlannedMessage:
    return PlannedMessage(
        message_id=row["message_id"], person_key=row["person_key"], series=row["series"],
        kind=row["kind"], thread=row["thread"], uid=row["uid"], sequence=int(row["sequence"]),
        subject=row["subject"], facts=json.loads(row["facts"] or "{}"),
        fingerprint=row["fingerprint"], path=row["path"], state=row["state"])
