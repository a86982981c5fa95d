"""One ledger record per person, whichever stage learnt about them first.

``outreach send`` knows a person by the address it wrote to, ``campaign`` and ``rotation`` by
the profile URL, a forum meeting by name and company. Everywhere the ledger learns about a
person (``remember_people``, ``person_for_address``, ``record_meetings``) goes through
``identify``, which finds the row that is the same person, by these rules in order:

a. the same key (``model.identity_key``);
b. the same canonical profile URL;
c. the same address (case-insensitive) and URLs that do not conflict (one has none): exactly
   one such row, so two people sharing an assistant's address keep their own rows;
d. a record known only by name and company, and exactly one row with that folded name and
   folded company.

On a merge the stronger key (``model.key_rank``: URL > address > name) survives: the row is
re-keyed and ``events.person_key`` / ``meetings.person_key`` follow, in the caller's
transaction. ``merge_split_people`` is schema migration v3: it recomputes every row's key and
merges the rows older versions split (by the same rules, strongest keys first).

Since v3 a row with a URL is keyed by its canonical URL, so rule (b) against stored rows is a
key lookup; only records whose key is not stored are searched for (c) and (d), with a few
``IN (...)`` queries per batch.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from outreach.ledger.db import chunks
from outreach.model import Person, canonical_url, fold, identity_key, key_rank, valid_address


@dataclass(frozen=True)
class Record:
    """What the identity rules look at in a person or a people row."""

    key: str
    url: str = ""  # canonical profile URL
    address: str = ""  # valid address, lower-cased
    name: tuple[str, str] = ("", "")  # folded full name, folded company

    @classmethod
    def of(cls, person: Person, key: str, folded: str | None) -> Record:
        """``person``'s record (``key`` is ``person.key``); ``folded`` is the name it will be
        stored and found under (None: not needed, the batch has no name-only record)."""
        return cls(key, canonical_url(person.url) if person.url.strip() else "",
                   _address(person.email),
                   ("", "") if folded is None else (folded, _fold_company(person.company)))


_fold_company = functools.lru_cache(maxsize=4096)(fold)  # a batch has few companies


def _address(email: str) -> str:
    valid = valid_address(email) if email.strip() else None
    return valid.lower() if valid else ""


def row_record(key: str, url: str, email: str, folded: str, company: str) -> Record:
    """The record of a stored row (``key`` as stored, not recomputed)."""
    return Record(key, canonical_url(url) if url.strip() else "", _address(email),
                  (folded, _fold_company(company)))


@dataclass(eq=False)
class Identity:
    """One person: the key they are (or will be) stored under."""

    key: str
    url: str = ""
    stored: bool = False  # a people row has this key (renames keep it true)


class Identities:
    """People known so far, indexed by each rule; ``learn`` merges a record into them."""

    def __init__(self) -> None:
        self._by_key: dict[str, Identity] = {}
        self._by_url: dict[str, Identity] = {}
        self._by_address: dict[str, list[Identity]] = {}
        self._by_name: dict[tuple[str, str], list[Identity]] = {}
        self.renames: list[tuple[str, str]] = []  # stored keys changed, (old, new), in order

    def __contains__(self, key: str) -> bool:
        return key in self._by_key

    def __bool__(self) -> bool:
        """Whether any identity is known (a stored row read, or a record learnt)."""
        return bool(self._by_key)

    def get(self, key: str) -> Identity | None:
        """The identity with ``key`` (a key it had before a merge included) or URL."""
        return self._by_key.get(key) or self._by_url.get(key)

    def stored(self, record: Record) -> None:
        """Know an existing row (its ``record.key`` is the stored key)."""
        node = self._by_key.get(record.key)
        if node is None:
            node = self._by_key[record.key] = Identity(record.key, stored=True)
        self._index(node, record)

    def find(self, record: Record) -> Identity | None:
        """The known identity ``record`` is, by rules (a)–(d), or None."""
        node = self._by_key.get(record.key)
        if node is None and record.url:
            node = self._by_url.get(record.url)
        if node is None and record.address:
            node = _single(n for n in self._by_address.get(record.address, ())
                           if not (n.url and record.url and n.url != record.url))
        if node is None and key_rank(record.key) == 0 and record.name[0]:
            node = _single(self._by_name.get(record.name, ()))
        return node

    def learn(self, record: Record) -> tuple[Identity, bool]:
        """The identity ``record`` is, merged into a known one or new (then ``True``)."""
        node = self.find(record)
        created = node is None
        if node is None:
            node = self._by_key[record.key] = Identity(record.key)
        elif key_rank(record.key) > key_rank(node.key):
            if node.stored:
                self.renames.append((node.key, record.key))
            node.key = record.key  # the old key stays an alias in _by_key
            self._by_key[record.key] = node
        self._index(node, record)
        return node, created

    def _index(self, node: Identity, record: Record) -> None:
        if record.url and not node.url:
            node.url = record.url
            self._by_url.setdefault(record.url, node)
        if record.address:
            _add(self._by_address.setdefault(record.address, []), node)
        if record.name[0]:
            _add(self._by_name.setdefault(record.name, []), node)


def _add(nodes: list[Identity], node: Identity) -> None:
    if node not in nodes:
        nodes.append(node)


def _single(nodes: Iterable[Identity]) -> Identity | None:
    found = list(dict.fromkeys(nodes))
    return found[0] if len(found) == 1 else None


# ---------------------------------------------------------------- at run time

_ROW = "SELECT key, url, email, folded, company FROM people WHERE "


def identify(db: sqlite3.Connection, people: Sequence[Person],
             folded: Sequence[str] | None = None, *,
             write: bool = True) -> list[tuple[str, bool]]:
    """The key each person is stored under and whether they are new to the ledger, merged
    by the rules; ``folded`` are the names they will be stored under (default: full names).

    With ``write``, rows a merge re-keys are renamed (with their events and meetings) before
    this returns; the caller then upserts the people under those keys. When every key is
    already stored (a rerun) this is one ``IN (...)`` query per 500 people and nothing else.
    """
    keys = [p.key for p in people]
    present = stored_keys(db, list(dict.fromkeys(keys)))
    if all(key in present for key in keys):
        return [(key, False) for key in keys]
    need_names = any(key_rank(k) == 0 for k in keys if k not in present)
    if need_names and folded is None:
        folded = [fold(p.full_name) for p in people]
    records = [Record.of(p, key, folded[n] if need_names and folded is not None else None)
               for n, (p, key) in enumerate(zip(people, keys, strict=True))]
    identities = Identities()
    for record in records:
        if record.key in present:
            identities.stored(record)  # the row, as it will be once this record is upserted
    missing = [r for r in records if r.key not in present]
    _load(db, identities, "email COLLATE NOCASE",
          list(dict.fromkeys(r.address for r in missing if r.address)))
    if need_names:
        _load(db, identities, "folded", list(dict.fromkeys(
            r.name[0] for r in missing if key_rank(r.key) == 0 and r.name[0])))
    if not present and not identities and _strangers(records):
        return [(key, True) for key in keys]  # nobody stored, nobody twice: all new
    learnt = [identities.learn(r) for r in records]
    if write:
        rename(db, identities.renames)
    return [(node.key, created) for node, created in learnt]


def _strangers(records: Sequence[Record]) -> bool:
    """Whether no two of ``records`` can be one person by the rules, given no stored row
    is any of them: every one has a profile URL (no name-only record to match by name),
    the keys are distinct, and so are the addresses given."""
    keys = {r.key for r in records}
    if len(keys) != len(records) or any(key_rank(k) != 2 for k in keys):
        return False
    addresses = [r.address for r in records if r.address]
    return len(set(addresses)) == len(addresses)


def stored_keys(db: sqlite3.Connection, keys: Sequence[str]) -> set[str]:
    """Which of ``keys`` (distinct) the people table has, in a few ``IN (...)`` queries."""
    present: set[str] = set()
    for chunk, marks in chunks(keys):
        present.update(r[0] for r in db.execute(f"SELECT key FROM people WHERE key IN ({marks})",
                                                chunk))
    return present


def _load(db: sqlite3.Connection, identities: Identities, column: str,
          values: Sequence[str]) -> None:
    for chunk, marks in chunks(values):
        for row in db.execute(f"{_ROW}{column} IN ({marks})", chunk):
            identities.stored(row_record(*row))


def rename(db: sqlite3.Connection, renames: Sequence[tuple[str, str]]) -> None:
    """Re-key people rows, in order, and move their events and meetings along."""
    pairs = [(new, old) for old, new in renames]
    for table, column in (("people", "key"), ("events", "person_key"),
                          ("meetings", "person_key"), ("card_lines", "person_key"),
                          ("let_go", "person_key")):
        db.executemany(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", pairs)


# ---------------------------------------------------------------- migration v3

_TEXT = ("first_name", "last_name", "company", "position", "url", "email", "folded")
_COLUMNS = ("key", *_TEXT, "function", "level", "first_seen", "last_seen")


def merge_split_people(db: sqlite3.Connection) -> None:
    """Schema v3: key every row by ``identity_key`` and merge rows that are one person.

    Rows are learnt strongest key first (then oldest first), so a name- or address-keyed
    record from ``send`` merges into the URL-keyed row of the same person. A merged row takes
    each field from its most recently seen row that has it; ``first_seen`` is the earliest.
    Events and meetings under an old key (or an old spelling of a profile URL) follow.
    """
    db.execute("CREATE INDEX IF NOT EXISTS people_folded ON people (folded)")
    db.execute("CREATE INDEX IF NOT EXISTS meetings_person ON meetings (person_key)")
    cursor = db.execute(f"SELECT {', '.join(_COLUMNS)} FROM people")
    rows = [dict(zip(_COLUMNS, row, strict=True)) for row in cursor]
    records = [(row, _recomputed(row)) for row in rows]
    records.sort(key=lambda pair: (-key_rank(pair[1].key), pair[0]["last_seen"], pair[0]["key"]))
    identities = Identities()
    groups: dict[int, tuple[Identity, list[dict[str, Any]]]] = {}
    for row, record in records:
        node, _ = identities.learn(record)
        groups.setdefault(id(node), (node, []))[1].append(row)

    renames: dict[str, str] = {}
    gone: list[str] = []
    merged: list[dict[str, Any]] = []
    for node, members in groups.values():
        if len(members) == 1 and members[0]["key"] == node.key:
            continue
        merged.append(_combine(node.key, members))
        gone.extend(m["key"] for m in members)
        renames.update((m["key"], node.key) for m in members if m["key"] != node.key)
    stored = {row["key"] for row in rows}
    for (key,) in db.execute("SELECT person_key FROM events UNION SELECT person_key FROM meetings"):
        if key in stored or key_rank(key) != 2:
            continue
        survivor = identities.get(canonical_url(key))  # an old spelling of a known URL
        target = survivor.key if survivor else canonical_url(key)
        if target != key:
            renames[key] = target

    db.executemany("DELETE FROM people WHERE key = ?", [(key,) for key in gone])
    db.executemany(f"INSERT INTO people ({', '.join(_COLUMNS)}) "
                   f"VALUES ({', '.join('?' * len(_COLUMNS))})",
                   [tuple(row[c] for c in _COLUMNS) for row in merged])
    if renames:
        db.execute("CREATE TEMP TABLE rekey (old TEXT PRIMARY KEY, new TEXT NOT NULL)")
        db.executemany("INSERT INTO temp.rekey VALUES (?, ?)", renames.items())
        for table in ("events", "meetings"):  # one statement each: no chains, no order
            db.execute(f"UPDATE {table} SET person_key = (SELECT new FROM temp.rekey WHERE "
                       f"old = {table}.person_key) WHERE person_key IN "
                       "(SELECT old FROM temp.rekey)")
        db.execute("DROP TABLE temp.rekey")


def _recomputed(row: dict[str, Any]) -> Record:
    full_name = " ".join(part for part in (row["first_name"], row["last_name"]) if part)
    record = row_record(identity_key(row["url"], row["email"], full_name, row["company"]),
                        row["url"], row["email"], row["folded"] or fold(full_name),
                        row["company"])
    return record


def _combine(key: str, members: list[dict[str, Any]]) -> dict[str, Any]:
    """One row from several: later-seen non-empty fields win, as the upsert would have."""
    ordered = sorted(members, key=lambda m: m["last_seen"])
    combined = dict(ordered[0], key=key)
    for member in ordered[1:]:
        combined.update({c: member[c] for c in _TEXT if member[c]})
        combined.update({c: member[c] for c in ("function", "level")
                         if member[c] != "unknown"})
    combined["first_seen"] = min(m["first_seen"] for m in members)
    combined["last_seen"] = ordered[-1]["last_seen"]
    return combined
