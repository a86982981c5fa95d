"""People: one row per person, keyed by identity (see ``outreach.ledger.identity``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

from outreach.bulk import paused_gc
from outreach.ledger.db import LedgerBase, iso, utc_now
from outreach.ledger.identity import identify
from outreach.model import Person, fold

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


def learn_people(
    db: sqlite3.Connection, people: Sequence[Person], *, refresh: bool = True,
    folded: Sequence[str] | None = None,
) -> list[str]:
    """Store ``people`` (inside ``db``'s transaction), each merged with the row that is the
    same person; return the key each is stored under.

    ``refresh`` upserts every person (empty fields never erase known ones); without it only
    people new to the ledger are added. ``folded`` overrides the names they are stored under.
    """
    names = list(folded) if folded is not None else [fold(p.full_name) for p in people]
    learnt = identify(db, people, names)
    now = iso(utc_now())
    db.executemany(_UPSERT_PERSON, [
        (key, p.first_name, p.last_name, p.company, p.position, p.url, p.email,
         p.function, p.level, name, now, now)
        for p, name, (key, created) in zip(people, names, learnt, strict=True)
        if refresh or created
    ])
    return [key for key, _created in learnt]


class PeopleMixin(LedgerBase):
    """The ``people`` table."""

    def remember_people(self, people: Iterable[Person]) -> int:
        """Insert or refresh people, each merged with the row that is the same person (see
        ``outreach.ledger.identity``); empty fields never erase known ones."""
        listed = list(people)
        with self.write() as db, paused_gc():  # a record per person, no cycles (outreach.bulk)
            learn_people(db, listed)
        return len(listed)

    def identify(self, people: Iterable[Person]) -> list[str]:
        """The key each person is (or would be, once remembered) stored under. Read only: use
        it to compare ``Person.key`` with keys read from the ledger (meetings, events)."""
        try:
            learnt = identify(self._db, list(people), write=False)
        except sqlite3.OperationalError as exc:
            raise self._translate(exc) from None
        return [key for key, _created in learnt]

    def person(self, key: str) -> Person | None:
        rows = self._query("SELECT * FROM people WHERE key = ?", (key,))
        return person_from_row(rows[0]) if rows else None

    def all_people(self) -> dict[str, Person]:
        """Stored key → person, in name order."""
        rows = self._query("SELECT * FROM people ORDER BY folded, key")
        return {str(r["key"]): person_from_row(r) for r in rows}

    def person_for_address(self, address: str, display_name: str = "") -> str:
        """The key of the person with e-mail ``address`` (the one seen last if several);
        a new person keyed ``mailto:<address>``, named from ``display_name``, if unknown."""
        rows = self._query(
            "SELECT key FROM people WHERE email = ? COLLATE NOCASE ORDER BY last_seen DESC",
            (address,),
        )
        if rows:
            return str(rows[0]["key"])
        first, _, last = (display_name or address.partition("@")[0]).strip().partition(" ")
        person = Person(first_name=first, last_name=last.strip(), email=address)
        with self.write() as db:
            return learn_people(db, [person])[0]


def person_for_key(key: str, name: str) -> Person:
    """A minimal person whose ``Person.key`` is ``key`` (for meetings with unknown people)."""
    first, _, last = name.strip().partition(" ")
    if key.startswith("mailto:"):
        return Person(first_name=first, last_name=last, email=key.removeprefix("mailto:"))
    if "://" in key:
        return Person(first_name=first, last_name=last, url=key)
    folded_name, _, company = key.partition("|")
    shown = name if fold(name) == folded_name else folded_name.title()
    first, _, last = shown.strip().partition(" ")
    return Person(first_name=first, last_name=last, company=company)


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
