"""The ledger: invite versions, people, meetings, thanks, migrations, WAL and the writer lock."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from outreach.errors import OutreachError
from outreach.ledger import Ledger, PlannedMeeting, default_path
from outreach.ledger.schema import CREATE_VERSION_TABLE, MIGRATIONS, SCHEMA_VERSION
from outreach.model import Person

T0 = datetime(2027, 1, 5, 13, 0, tzinfo=UTC)
JANE = Person("Jane", "Doe", url="https://www.linkedin.com/in/janedoe/", company="Acme")
ZOE = Person("Zoë", "Ødegård", company="Nordic AS", email="zoe@example.no")


@pytest.fixture
def ledger(tmp_path: Path):
    with Ledger.open(tmp_path / "ledger.sqlite") as opened:
        yield opened


def test_default_path_follows_the_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("OUTREACH_LEDGER", str(tmp_path / "x" / "l.sqlite"))
    assert default_path() == tmp_path / "x" / "l.sqlite"
    with Ledger.open() as ledger:
        assert ledger.path == tmp_path / "x" / "l.sqlite"
    assert (tmp_path / "x" / "l.sqlite").exists()


def test_new_ledger_is_wal_and_at_the_latest_schema(ledger: Ledger) -> None:
    assert ledger.schema_version() == SCHEMA_VERSION
    assert ledger._query("PRAGMA journal_mode")[0][0] == "wal"
    assert ledger._query("PRAGMA busy_timeout")[0][0] > 0


def test_invite_version_new_same_changed_and_cancelled(ledger: Ledger) -> None:
    assert ledger.invite_version("u1", "fp-a", now=T0) == (0, T0)
    later = T0 + timedelta(days=1)
    assert ledger.invite_version("u1", "fp-a", now=later) == (0, T0)  # unchanged: same bytes
    assert ledger.invite_version("u1", "fp-b", now=later) == (1, later)
    assert ledger.invite_version("u1", "fp-b", now=later + timedelta(hours=1)) == (1, later)
    cancelled = later + timedelta(days=1)
    assert ledger.invite_version("u1", "fp-b", cancel=True, now=cancelled) == (2, cancelled)
    assert ledger.invite_version("u1", "fp-b", cancel=True, now=T0) == (2, cancelled)


def test_invite_versions_in_one_batch_match_one_by_one(tmp_path: Path) -> None:
    """The batch answers exactly as asking invite by invite would, a uid twice included."""
    later = T0 + timedelta(days=1)
    batch = [("same", "fp"), ("changed", "fp-new"), ("new", "fp"), ("new", "fp"),
             ("new", "fp-other")] + [(f"u{n}", "fp") for n in range(1200)]  # > one IN (...)
    answers = []
    for name in ("batch.sqlite", "single.sqlite"):
        with Ledger.open(tmp_path / name) as ledger:
            ledger.invite_version("same", "fp", now=T0)
            ledger.invite_version("changed", "fp-old", now=T0)
            if name == "batch.sqlite":
                answers.append(ledger.invite_versions(batch, now=later))
            else:
                answers.append([ledger.invite_version(u, f, now=later) for u, f in batch])
            answers.append([tuple(r) for r in ledger._query(
                "SELECT uid, sequence, stamp, fingerprint, cancelled FROM invites ORDER BY uid")])
    assert answers[0] == answers[2] and answers[1] == answers[3]
    assert answers[0][:5] == [(0, T0), (1, later), (0, later), (0, later), (1, later)]


def test_invite_version_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    with Ledger.open(path) as first:
        first.invite_version("u1", "fp", now=T0)
    with Ledger.open(path) as second:
        sequence, stamp = second.invite_version("u1", "fp")
    assert (sequence, stamp) == (0, T0)
    assert stamp.tzinfo is not None


def test_remember_people_keeps_known_fields(ledger: Ledger) -> None:
    ledger.remember_people([ZOE])
    ledger.remember_people([Person("Zoë", "Ødegård", company="Nordic AS", position="CMO")])
    remembered = ledger.person(ZOE.key)
    assert remembered is not None
    assert remembered.email == "zoe@example.no"  # an empty field never erases a known one
    assert remembered.position == "CMO"
    assert remembered.key == ZOE.key


def test_met_people_are_pending_until_thanked(ledger: Ledger) -> None:
    ledger.remember_people([JANE, ZOE])
    assert ledger.pending_thanks() == []
    ledger.add_event(JANE.key, "met", date(2027, 1, 5))
    ledger.add_event(ZOE.key, "met", date(2027, 1, 3))
    pending = ledger.pending_thanks()
    assert [p.full_name for p in pending] == ["Zoë Ødegård", "Jane Doe"]  # oldest first
    assert pending[1].key == JANE.key
    ledger.mark_thanked([p.key for p in pending], date(2027, 1, 6))
    assert ledger.pending_thanks() == []
    ledger.add_event(JANE.key, "met", date(2027, 2, 1))  # met again: thank again
    assert [p.key for p in ledger.pending_thanks()] == [JANE.key]


def test_record_meetings_adds_unknown_people_with_a_matching_key(ledger: Ledger) -> None:
    start = datetime(2027, 1, 5, 8, 0, tzinfo=UTC)
    ledger.record_meetings(
        [
            PlannedMeeting("m1", JANE.key, "Jane Doe", "rotation", start),
            PlannedMeeting("m2", "sam lee|globex", "Sam Lee", "forum", start),
            PlannedMeeting("m3", "li wei|hooli", "Wei Li", "forum", start),  # name ≠ key
        ]
    )
    ledger.record_meetings([PlannedMeeting("m1", JANE.key, "Jane Doe", "rotation", start)])
    rows = ledger._query("SELECT uid, person_key, start FROM meetings ORDER BY uid")
    assert [tuple(r) for r in rows] == [
        ("m1", JANE.key, "2027-01-05T08:00:00+00:00"),
        ("m2", "sam lee|globex", "2027-01-05T08:00:00+00:00"),
        ("m3", "li wei|hooli", "2027-01-05T08:00:00+00:00"),
    ]
    keys = [JANE.key, "sam lee|globex", "li wei|hooli"]
    for key in keys:
        ledger.add_event(key, "met", date(2027, 1, 5))
    pending = ledger.pending_thanks()
    assert sorted(p.key for p in pending) == sorted(keys)  # cards can mark_thanked(p.key)
    ledger.mark_thanked([p.key for p in pending], date(2027, 1, 6))
    assert ledger.pending_thanks() == []


def test_replace_future_meetings_drops_only_future_ones_not_in_the_plan(ledger: Ledger) -> None:
    def meeting(uid: str, days: int, series: str = "rotation") -> PlannedMeeting:
        return PlannedMeeting(uid, JANE.key, "Jane Doe", series, T0 + timedelta(days=days))

    ledger.record_meetings([meeting("past", -7), meeting("kept", 7), meeting("gone", 14),
                            meeting("gone-too", 21), meeting("forum", 14, "forum")])
    dropped = ledger.replace_future_meetings("rotation", [meeting("kept", 7),
                                                          meeting("new", 28)], T0)
    assert [m.uid for m in dropped] == ["gone", "gone-too"]
    assert dropped[0] == meeting("gone", 14)
    rows = ledger._query("SELECT uid FROM meetings ORDER BY start, uid")
    assert [r[0] for r in rows] == ["past", "kept", "forum", "new"]
    assert ledger.replace_future_meetings("rotation", [meeting("kept", 7),
                                                       meeting("new", 28)], T0) == []
    assert len(ledger._query("SELECT uid FROM meetings")) == 4


def test_unknown_event_kind_is_refused(ledger: Ledger) -> None:
    with pytest.raises(OutreachError, match="unknown event kind 'hugged'"):
        ledger.add_event(JANE.key, "hugged", date(2027, 1, 5))


def test_migration_from_version_1_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)
    old.execute(CREATE_VERSION_TABLE)
    old.executescript(MIGRATIONS[0])
    old.execute("INSERT INTO schema_version VALUES (1, '2026-01-01T00:00:00+00:00')")
    old.execute(
        "INSERT INTO invites VALUES ('u1', 3, '2026-01-01T00:00:00+00:00', 'fp', 0, "
        "'2026-01-01T00:00:00+00:00')"
    )
    old.commit()
    old.close()
    with Ledger.open(path) as ledger:
        assert ledger.schema_version() == SCHEMA_VERSION
        versions = [r[0] for r in ledger._query("SELECT version FROM schema_version ORDER BY 1")]
        assert versions == list(range(1, SCHEMA_VERSION + 1))
        assert ledger.invite_version("u1", "fp")[0] == 3
        ledger.add_event(JANE.key, "met", date(2027, 1, 5))  # the v2 table exists


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    with Ledger.open(path) as ledger, ledger.write() as db:
        db.execute("INSERT INTO schema_version VALUES (99, '2030-01-01T00:00:00+00:00')")
    with pytest.raises(OutreachError, match="schema version 99 is newer"):
        Ledger.open(path)


def test_a_file_that_is_not_a_ledger_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_bytes(b"this is not sqlite, just some text that is long enough" * 40)
    with pytest.raises(OutreachError, match=r"notes\.sqlite: not an outreach ledger"):
        Ledger.open(path)


def test_a_held_write_lock_gives_the_busy_message(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    Ledger.open(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with Ledger.open(path, busy_seconds=0.2) as ledger:
            assert ledger.pending_thanks() == []  # WAL: reading still works
            with pytest.raises(OutreachError) as caught:
                ledger.add_event(JANE.key, "met", date(2027, 1, 5))
        assert str(caught.value) == (
            f"ledger {path} is busy: another outreach run is writing; try again"
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_exclusive_run_lock_refuses_a_second_run(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    with (
        Ledger.open(path) as first,
        Ledger.open(path) as second,
        first.exclusive(),
        pytest.raises(OutreachError, match="is busy"),
        second.exclusive(),
    ):
        pass
    with Ledger.open(path) as third, third.exclusive():
        pass  # released


_WRITER = textwrap.dedent(
    """
    import sys
    from datetime import date
    from pathlib import Path
    from outreach.ledger import Ledger
    path, tag = Path(sys.argv[1]), sys.argv[2]
    for i in range(150):
        with Ledger.open(path, busy_seconds=30) as ledger:
            ledger.add_event(f"{tag}-{i % 7}", "gave", date(2027, 1, 1), note=f"{tag}{i}")
            ledger.invite_version(f"{tag}-uid", f"fp{i}")
    """
)


@pytest.mark.slow
def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    writers = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(path), tag]) for tag in ("a", "b")
    ]
    assert [w.wait(timeout=60) for w in writers] == [0, 0]
    with Ledger.open(path) as ledger:
        assert ledger._query("PRAGMA integrity_check")[0][0] == "ok"
        notes = {r[0] for r in ledger._query("SELECT note FROM events")}
        assert notes == {f"{tag}{i}" for tag in "ab" for i in range(150)}
        sequences = {r[0]: r[1] for r in ledger._query("SELECT uid, sequence FROM invites")}
        assert sequences == {"a-uid": 149, "b-uid": 149}


def test_the_message_id_secret_is_random_and_kept(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "a.sqlite") as ledger:
        first = ledger.message_id_secret()
    with Ledger.open(tmp_path / "a.sqlite") as ledger:
        assert ledger.message_id_secret() == first  # made once, by the migration
    with Ledger.open(tmp_path / "b.sqlite") as other:
        assert other.message_id_secret() != first
    assert len(first) == 32
    with Ledger.open(tmp_path / "a.sqlite", read_only=True) as ledger:
        assert ledger.message_id_secret() == first


def test_grouped_sync_fsyncs_the_wal_once_per_group_not_per_commit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``outreach send``'s commits: durable against a kill at once (in the WAL), fsynced
    together (here: once, when the group ends), and every commit fsynced again after it."""
    import os

    synced: list[int] = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real(fd))[1])
    with Ledger.open(tmp_path / "ledger.sqlite") as ledger:
        with ledger.grouped_sync(seconds=3600):
            for number in range(20):
                ledger.queue_message(f"<m{number}@x>", ["a@example.org"], "s", "f")
            assert synced == []  # 20 commits, none fsynced by us
            assert ledger._query("PRAGMA synchronous")[0][0] == 1  # NORMAL
        assert len(synced) == 1
        assert ledger._query("PRAGMA synchronous")[0][0] == 2  # FULL again
    with Ledger.open(tmp_path / "ledger.sqlite") as again:
        found = again.deliveries_of([f"<m{n}@x>" for n in range(20)] + ["<none@x>"])
        assert [sorted(r) for r in found.values()] == [["a@example.org"]] * 20 + [[]]


@pytest.mark.parametrize("one_by_one", [0, 3, 64])
def test_life_facts_people_are_every_stored_person_in_name_order(
        ledger: Ledger, monkeypatch: pytest.MonkeyPatch, one_by_one: int) -> None:
    """``life_facts().people`` reads its keys at once and each person when asked for (all
    rows at once after ``ONE_BY_ONE``; issue 23): the same people, in the same name order,
    as every stored person, whichever way each was read; an unknown key is not there."""
    from outreach.ledger.lifecycle import StoredPeople

    monkeypatch.setattr(StoredPeople, "ONE_BY_ONE", one_by_one)
    people = [Person(f"N{i % 7}", f"Last{i}", url=f"https://www.linkedin.com/in/p{i}",
                     company=f"Co {i}", position="VP Marketing", function="marketing",
                     level="vp") for i in range(12)]
    ledger.remember_people(people)
    stored = ledger.all_people()
    facts = ledger.life_facts()
    assert list(facts.people) == list(stored) and len(facts.people) == 12
    assert facts.people["https://www.linkedin.com/in/p5"] == stored["https://www.linkedin.com/in/p5"]
    assert dict(facts.people.items()) == stored
    assert "https://www.linkedin.com/in/nobody" not in facts.people
    with pytest.raises(KeyError):
        facts.people["https://www.linkedin.com/in/nobody"]
