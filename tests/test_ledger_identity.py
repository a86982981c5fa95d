"""One ledger record per person: the merge rules, at run time and in schema migration v3."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outreach.errors import OutreachError
from outreach.ledger import Ledger, PlannedMeeting
from outreach.ledger.identity import Identities, Record, row_record
from outreach.ledger.schema import SCHEMA_VERSION
from outreach.model import Person
from outreach.track import find_person, log_event

FIXTURE = Path(__file__).parent / "data" / "ledger" / "v2-split-people.sqlite"
START = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
ANA_ADDRESS = "ana.garcia@example.com"
ANA = Person("Ana", "García", url="https://www.linkedin.com/in/ana-garcia/", email=ANA_ADDRESS,
             company="Acme", position="CFO")
ANA_KEY = "https://www.linkedin.com/in/ana-garcia"
KIM = Person("Kim", "Park", url="https://www.linkedin.com/in/kim-park",
             email="office@initech.example", company="Initech")
LEE = Person("Lee", "Park", url="https://www.linkedin.com/in/lee-park",
             email="Office@Initech.example", company="Initech")


@pytest.fixture
def ledger(tmp_path: Path):
    with Ledger.open(tmp_path / "ledger.sqlite") as opened:
        yield opened


def people_rows(ledger: Ledger) -> list[str]:
    return [r[0] for r in ledger._query("SELECT key FROM people ORDER BY key")]


def event_keys(ledger: Ledger) -> list[tuple[str, str]]:
    return [tuple(r) for r in ledger._query("SELECT person_key, kind FROM events ORDER BY id")]


# ---------------------------------------------------------------- emails → send → rotation


def test_send_then_rotation_leaves_one_record_under_the_url(ledger: Ledger) -> None:
    key = ledger.person_for_address(ANA_ADDRESS, "Ana García")  # send: address unknown
    assert key == f"mailto:{ANA_ADDRESS}"
    assert ledger.person_for_address(ANA_ADDRESS.upper()) == key
    ledger.add_event(key, "invited", date(2027, 1, 1), "Coffee?")
    ledger.record_meetings([PlannedMeeting("forum#ana", key, "Ana García", "forum", START)])
    ledger.remember_people([ANA])  # rotation / campaign: the same person by profile URL
    assert people_rows(ledger) == [ANA_KEY]
    assert event_keys(ledger) == [(ANA_KEY, "invited")]  # recorded before the merge, moved
    assert [r[0] for r in ledger._query("SELECT person_key FROM meetings")] == [ANA_KEY]
    assert find_person(ledger, "Ana García")[0] == ANA_KEY
    assert find_person(ledger, ANA_ADDRESS)[0] == ANA_KEY
    assert ledger.person_for_address(ANA_ADDRESS) == ANA_KEY  # the next send
    log_event(ledger, "met", "Ana García", date(2027, 1, 6), today=date(2027, 1, 7))
    assert event_keys(ledger)[-1] == (ANA_KEY, "met")
    stored = ledger.person(ANA_KEY)
    assert stored is not None and stored.key == ANA_KEY and stored.position == "CFO"


def test_one_batch_with_both_records_of_a_person_stores_one(ledger: Ledger) -> None:
    by_address = Person("Ana", "García", email=ANA_ADDRESS.upper())
    ledger.remember_people([by_address, ANA, Person("Ana", "García", company="Acme")])
    assert people_rows(ledger) == [ANA_KEY]


# ---------------------------------------------------------------- each rule


def test_rule_a_the_same_key(ledger: Ledger) -> None:
    ledger.remember_people([ANA])
    ledger.remember_people([Person("Ana", "García", url="https://www.linkedin.com/in/ana-garcia",
                                   position="CEO")])
    assert people_rows(ledger) == [ANA_KEY]
    stored = ledger.person(ANA_KEY)
    assert stored is not None and (stored.email, stored.position) == (ANA_ADDRESS, "CEO")


def test_rule_b_the_same_canonical_url(ledger: Ledger) -> None:
    ledger.remember_people([Person("José", "Núñez", url="http://uk.linkedin.com/in/Jos%C3%A9/")])
    ledger.remember_people([Person("José", "Núñez", url="https://www.linkedin.com/in/josé")])
    assert people_rows(ledger) == ["https://www.linkedin.com/in/josé"]
    # a row stored under another key (as before v3) is still found by its URL
    identities = Identities()
    identities.stored(row_record("legacy", "https://www.linkedin.com/in/Jos%C3%A9/", "",
                                 "jose", ""))
    node, created = identities.learn(Record("https://www.linkedin.com/in/josé",
                                            "https://www.linkedin.com/in/josé"))
    assert not created and node.key == "https://www.linkedin.com/in/josé"
    assert identities.renames == [("legacy", "https://www.linkedin.com/in/josé")]


def test_rule_c_the_same_address_without_conflicting_urls(ledger: Ledger) -> None:
    ledger.remember_people([ANA])
    ledger.remember_people([Person("Ana", "Garcia", email=ANA_ADDRESS.upper(),
                                   company="Acme Corp")])  # no URL: the URL row's address
    assert people_rows(ledger) == [ANA_KEY]
    stored = ledger.person(ANA_KEY)
    assert stored is not None and stored.company == "Acme Corp"


def test_a_shared_address_with_conflicting_urls_stays_two_people(ledger: Ledger) -> None:
    ledger.remember_people([KIM])
    ledger.remember_people([LEE])  # the assistant's address, another profile
    assert people_rows(ledger) == [KIM.key, LEE.key]
    ledger.remember_people([Person("Office", "", email="office@initech.example")])
    # whose address it is is ambiguous: it joins neither of them
    assert people_rows(ledger) == [KIM.key, LEE.key, "mailto:office@initech.example"]
    assert {p.full_name for p in ledger.all_people().values()} == {"Kim Park", "Lee Park",
                                                                     "Office"}


def test_rule_d_a_name_only_record_joins_the_one_person_of_that_name(ledger: Ledger) -> None:
    sam = Person("Sam", "Lee", url="https://www.linkedin.com/in/sam", company="Globex")
    ledger.remember_people([sam])
    ledger.remember_people([Person("Sam", "LEE", company="globex", position="VP")])
    assert people_rows(ledger) == [sam.key]
    stored = ledger.person(sam.key)
    assert stored is not None and stored.position == "VP"
    ledger.remember_people([Person("Sam", "Lee", company="Initech")])  # another company
    assert len(people_rows(ledger)) == 2


def test_rule_d_needs_exactly_one_candidate(ledger: Ledger) -> None:
    twins = [Person("Jo", "Kim", url=f"https://www.linkedin.com/in/jo-kim-{n}", company="Acme")
             for n in (1, 2)]
    ledger.remember_people(twins)
    ledger.remember_people([Person("Jo", "Kim", company="Acme")])
    assert sorted(people_rows(ledger)) == sorted([t.key for t in twins] + ["jo kim|acme"])


def test_an_address_record_and_a_name_record_of_one_person_merge(ledger: Ledger) -> None:
    zoe = Person("Zoë", "Ødegård", email="zoe@example.no", company="Nordic AS")
    ledger.remember_people([zoe])
    ledger.remember_people([Person("ZOE", "Ødegard", company="nordic as", position="CMO")])
    assert people_rows(ledger) == ["mailto:zoe@example.no"]
    ledger.add_event("mailto:zoe@example.no", "met", date(2027, 1, 5))
    assert [p.key for p in ledger.pending_thanks()] == ["mailto:zoe@example.no"]


def test_meetings_with_unknown_keys_go_to_the_person_they_are(ledger: Ledger) -> None:
    sam = Person("Sam", "Lee", url="https://www.linkedin.com/in/sam", company="Globex")
    ledger.remember_people([sam, ANA])
    ledger.record_meetings([
        PlannedMeeting("m1", "sam lee|globex", "Sam Lee", "forum", START),
        PlannedMeeting("m2", f"mailto:{ANA_ADDRESS}", "Ana García", "forum", START),
        PlannedMeeting("m3", "mailto:new@example.com", "New Person", "coffee", START),
    ])
    rows = ledger._query("SELECT uid, person_key FROM meetings ORDER BY uid")
    assert [tuple(r) for r in rows] == [("m1", sam.key), ("m2", ANA_KEY),
                                        ("m3", "mailto:new@example.com")]
    assert sorted(people_rows(ledger)) == sorted([sam.key, ANA_KEY, "mailto:new@example.com"])
    new = ledger.person("mailto:new@example.com")
    assert new is not None and (new.full_name, new.email, new.url) == (
        "New Person", "new@example.com", "")


def test_identify_answers_without_writing(ledger: Ledger) -> None:
    ledger.person_for_address(ANA_ADDRESS, "Ana García")
    assert ledger.identify([ANA, Person("Ana", "García", email=ANA_ADDRESS)]) == [ANA_KEY,
                                                                                   ANA_KEY]
    assert people_rows(ledger) == [f"mailto:{ANA_ADDRESS}"]


def test_big_batches_use_a_few_in_queries(ledger: Ledger) -> None:
    people = [Person(f"P{n}", "X", url=f"https://www.linkedin.com/in/p{n}",
                     email=f"p{n}@example.com") for n in range(1200)]
    selects: list[str] = []
    ledger._db.set_trace_callback(lambda sql: selects.append(sql) if sql.startswith("SELECT")
                                  else None)
    ledger.remember_people(people)
    assert len(selects) == 6  # 3 chunks of keys, then of addresses; no name searches
    selects.clear()
    ledger.remember_people(people)  # all known: keys only
    assert len(selects) == 3
    ledger._db.set_trace_callback(None)
    assert len(people_rows(ledger)) == 1200


# ---------------------------------------------------------------- migration v3


def test_v3_merges_the_records_an_old_ledger_split(tmp_path: Path) -> None:
    """The fixture was written by the code before v3 (see tests/data/ledger/make_v2_ledger.py)."""
    path = tmp_path / "ledger.sqlite"
    shutil.copy(FIXTURE, path)
    bob, jose = "https://www.linkedin.com/in/bob-stone", "https://www.linkedin.com/in/josé-núñez"
    sam, zed = "https://www.linkedin.com/in/sam", "https://www.linkedin.com/in/zed"
    with Ledger.open(path) as ledger:
        assert ledger.schema_version() == SCHEMA_VERSION  # v3 and every later migration ran
        people = ledger.all_people()
        assert sorted(people) == sorted([ANA_KEY, bob, jose, KIM.key, LEE.key, sam,
                                         "mailto:zoe@example.no"])
        assert all(person.key == key for key, person in people.items())
        assert (people[ANA_KEY].email, people[ANA_KEY].company) == (ANA_ADDRESS, "Acme")
        assert (people[bob].company, people[bob].position) == ("Globex", "CTO")
        assert people[jose].company == "Hooli"
        assert (people[KIM.key].email, people[LEE.key].email) == ("office@initech.example",) * 2
        assert sorted(event_keys(ledger)) == sorted([
            (ANA_KEY, "invited"), (ANA_KEY, "replied"), (zed, "gave"), (bob, "gave"),
            (bob, "got"), (ANA_KEY, "met"), (jose, "met"), (KIM.key, "met"),
            ("mailto:zoe@example.no", "met"),
        ])
        meetings = {r[0]: r[1] for r in ledger._query("SELECT uid, person_key FROM meetings")}
        assert meetings == {"forum-1#ana": ANA_KEY, "rot-ana#1": ANA_KEY,
                            "forum-1#sam": sam, "rot-jose#1": jose}
        assert find_person(ledger, "Ana García")[0] == ANA_KEY
        assert find_person(ledger, ANA_ADDRESS)[0] == ANA_KEY
        assert ledger.person_for_address(ANA_ADDRESS) == ANA_KEY
        assert ledger.deliveries("<m1@example.com>")[ANA_ADDRESS].state == "sent"
        assert ledger.invite_version("uid-1", "fp")[0] == 0
        pending = ledger.pending_thanks()
        ledger.mark_thanked([p.key for p in pending], date(2026, 6, 1))
        assert ledger.pending_thanks() == []
    with Ledger.open(path) as again:  # nothing left to do
        assert len(again.all_people()) == 7


def test_v3_is_one_transaction(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure after v3 has merged (here: in a later migration) leaves the file at v2."""
    path = tmp_path / "ledger.sqlite"
    shutil.copy(FIXTURE, path)
    from outreach.ledger import db

    def fails(connection: object) -> None:
        raise OutreachError("disk on fire")

    monkeypatch.setattr(db, "MIGRATIONS", [*db.MIGRATIONS, fails])
    monkeypatch.setattr(db, "SCHEMA_VERSION", db.SCHEMA_VERSION + 1)
    with pytest.raises(OutreachError, match="disk on fire"):
        Ledger.open(path)
    monkeypatch.undo()
    with Ledger.open(path, busy_seconds=0.5) as ledger:
        assert ledger._query("SELECT COUNT(*) FROM people")[0][0] == 7
        assert ledger.schema_version() == SCHEMA_VERSION


PEOPLE = st.lists(st.builds(
    Person, first_name=st.sampled_from(["Ana", "Bo", "Zoë"]), last_name=st.sampled_from(["Li", ""]),
    url=st.sampled_from(["", "https://www.linkedin.com/in/a", "https://www.linkedin.com/in/b",
                         "http://linkedin.com/in/A/", "https://www.linkedin.com/in/c"]),
    email=st.sampled_from(["", "x@example.org", "y@example.org", "X@Example.org"]),
    company=st.sampled_from(["Acme", "Initech"])), max_size=6)


@settings(max_examples=60, deadline=None)
@given(stored=PEOPLE, batch=PEOPLE)
def test_a_batch_is_merged_as_one_record_at_a_time_would_be(
        tmp_path_factory: pytest.TempPathFactory, stored: list[Person],
        batch: list[Person]) -> None:
    """``identify`` answers a batch of strangers at once (issue 23): the keys and "new" flags
    are those the rules give record by record, whoever is stored or repeated."""
    from outreach.ledger import identity

    with Ledger.open(tmp_path_factory.mktemp("l") / "ledger.sqlite") as led:
        led.remember_people(stored)
        with led.write() as db:
            fast = identity.identify(db, batch, write=False)
            slow_rules = identity._strangers
            try:
                identity._strangers = lambda records: False
                slow = identity.identify(db, batch, write=False)
            finally:
                identity._strangers = slow_rules
    assert fast == slow
