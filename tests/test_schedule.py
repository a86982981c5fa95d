"""outreach.plan: the rotation and the forum, expanded by recurring-ical-events to the
exact dates a calendar will show — across a DST change and with skipped dates."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
from ics_samples import PEOPLE, SENDER, STAMP, TORONTO, person, rotation_plan
from itip_lint import lint_ics

from outreach.cli.display import schedule_table
from outreach.errors import OutreachError
from outreach.ical.events import uid_for
from outreach.ical.series import forum_ics, rotation_files
from outreach.ledger import Ledger
from outreach.plan import (
    pick_people,
    plan_forum,
    plan_rotation,
    weekday_of_month,
)


def expand(data: bytes, until: date = date(2030, 1, 1)) -> dict[str, list[datetime]]:
    """uid -> every start recurring-ical-events finds."""
    calendar = icalendar.Calendar.from_ical(data)
    found: dict[str, list[datetime]] = {}
    for event in recurring_ical_events.of(calendar).between(date(2000, 1, 1), until):
        found.setdefault(str(event["UID"]), []).append(event.decoded("DTSTART"))
    return {uid: sorted(starts) for uid, starts in found.items()}


def local(starts: list[datetime]) -> list[str]:
    return [f"{s.astimezone(TORONTO):%Y-%m-%d %H:%M %Z}" for s in starts]


def test_rotation_schedule_cycles_peers_and_skips_one_date() -> None:
    plan = rotation_plan()
    rows = [(f"{d}", day, p.first_name) for d, day, p in plan.schedule()]
    assert rows[:4] == [("2027-02-02", "Tuesday", "Ada"), ("2027-02-09", "Tuesday", "Ben"),
                        ("2027-02-16", "Tuesday", "Cy"), ("2027-03-02", "Tuesday", "Ben")]
    assert len(rows) == 12 and rows[-1] == ("2027-04-27", "Tuesday", "Ada")
    assert [s.skipped for s in plan.slots].count(True) == 1


def test_each_peer_series_expands_to_exactly_their_dates_across_dst() -> None:
    files = rotation_files(rotation_plan(), SENDER, now=STAMP)
    ada = expand(files["ada-doe.ics"])[uid_for(SENDER, PEOPLE[0], "rotation")]
    assert local(ada) == ["2027-02-02 08:00 EST", "2027-03-16 08:00 EDT",
                          "2027-04-06 08:00 EDT", "2027-04-27 08:00 EDT"]
    ben = expand(files["ben-doe.ics"])[uid_for(SENDER, PEOPLE[1], "rotation")]
    assert local(ben) == ["2027-02-09 08:00 EST", "2027-03-02 08:00 EST",
                          "2027-03-23 08:00 EDT", "2027-04-13 08:00 EDT"]
    assert [b.astimezone(UTC).hour for b in ben] == [13, 13, 12, 12]


def test_skipped_date_is_an_exdate_and_moves_nothing_else() -> None:
    files = rotation_files(rotation_plan(), SENDER, now=STAMP)
    ada = icalendar.Calendar.from_ical(files["ada-doe.ics"]).walk("VEVENT")[0]
    assert ada["RRULE"]["INTERVAL"] == [3] and ada["RRULE"]["FREQ"] == ["WEEKLY"]
    (exdate,) = ada["EXDATE"].dts
    assert exdate.dt == datetime(2027, 2, 23, 8, 0, tzinfo=TORONTO)
    assert ada["RRULE"]["UNTIL"] == [datetime(2027, 4, 27, 12, 0, tzinfo=UTC)]
    everyone = expand(files["rotation.ics"])
    all_starts = sorted(s for starts in everyone.values() for s in starts)
    assert [s.date() for s in all_starts] == [d for d, _, _ in rotation_plan().schedule()]
    assert date(2027, 2, 23) not in {s.date() for s in all_starts}
    for data in files.values():
        assert lint_ics(data) == []


def test_organiser_file_holds_every_series_under_the_peers_uids() -> None:
    files = rotation_files(rotation_plan(), SENDER, now=STAMP)
    own = icalendar.Calendar.from_ical(files["rotation.ics"])
    assert own["METHOD"] == "PUBLISH"
    events = own.walk("VEVENT")
    assert [e["UID"] for e in events] == [uid_for(SENDER, p, "rotation") for p in PEOPLE[:3]]
    assert all("ATTENDEE" not in e for e in events)
    assert [e["SUMMARY"] for e in events] == [f"Peer rotation: {p.full_name} & Pat Lee"
                                              for p in PEOPLE[:3]]
    assert len(own.walk("VTIMEZONE")) == 1


def test_skip_date_that_is_not_a_meeting_is_an_error() -> None:
    with pytest.raises(OutreachError, match=r"skip: 2027-02-24 is not a meeting date.*Tuesday"):
        plan_rotation(PEOPLE, datetime(2027, 2, 2, 8, tzinfo=TORONTO), 3, timedelta(weeks=1), 3,
                      [date(2027, 2, 24)])


def test_skipping_a_peers_first_and_last_date_moves_dtstart_and_until() -> None:
    plan = plan_rotation(PEOPLE, datetime(2027, 1, 5, 8, tzinfo=TORONTO), 2, timedelta(weeks=1),
                         2, [date(2027, 1, 5), date(2027, 3, 2)])
    ada = plan.series[0]
    assert [f"{s:%m-%d}" for s in ada.starts] == ["01-19", "02-02", "02-16"]
    assert ada.skipped == ()


@pytest.mark.parametrize(("every", "rule"), [(timedelta(weeks=2), ("WEEKLY", 10)),
                                              (timedelta(days=10), ("DAILY", 50))])
def test_interval_is_size_times_every(every: timedelta, rule: tuple[str, int]) -> None:
    plan = plan_rotation(PEOPLE, datetime(2027, 1, 4, 9, tzinfo=TORONTO), 5, every, 6)
    files = rotation_files(plan, SENDER, now=STAMP)
    event = icalendar.Calendar.from_ical(files["ada-doe.ics"]).walk("VEVENT")[0]
    assert (event["RRULE"]["FREQ"], event["RRULE"]["INTERVAL"]) == ([rule[0]], [rule[1]])
    starts = expand(files["ada-doe.ics"])[uid_for(SENDER, PEOPLE[0], "rotation")]
    days = rule[1] * (7 if rule[0] == "WEEKLY" else 1)
    assert all((b.date() - a.date()).days == days for a, b in itertools.pairwise(starts))
    assert starts == list(plan.series[0].held) and len(starts) > 2
    assert {s.astimezone(TORONTO).hour for s in starts} == {9}


def test_rotation_with_fewer_peers_than_size_uses_them_all() -> None:
    plan = plan_rotation(PEOPLE[:2], datetime(2027, 1, 5, 8, tzinfo=TORONTO), 5,
                         timedelta(weeks=1), 1)
    assert [p.first_name for _, _, p in plan.schedule()] == ["Ada", "Ben", "Ada", "Ben", "Ada"]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"every": timedelta(hours=12)}, "every: must be whole days"),
    ({"size": 0}, r"^size: "), ({"months": 0}, r"^months: "),
])
def test_rotation_refuses_bad_options(kwargs: dict, message: str) -> None:
    args = {"size": 5, "every": timedelta(weeks=1), "months": 6} | kwargs
    with pytest.raises(OutreachError, match=message):
        plan_rotation(PEOPLE, datetime(2027, 1, 5, 8, tzinfo=TORONTO), **args)


def test_nonexistent_wall_clock_time_in_the_series_is_an_error() -> None:
    with pytest.raises(OutreachError, match="does not exist in America/Toronto"):
        plan_rotation(PEOPLE, datetime(2027, 3, 7, 2, 30, tzinfo=TORONTO), 1,
                      timedelta(weeks=1), 1)


def test_pick_people_by_name_ignoring_case_and_accents() -> None:
    people = [*PEOPLE, person("Zoë", "Ødegård")]
    assert [p.first_name for p in pick_people(people, ["zoe odegard", "Ben Doe"])] == [
        "Zoë", "Ben"]
    with pytest.raises(OutreachError,
                       match="pick: no one called 'Nobody' among the selected peers"):
        pick_people(people, ["Nobody"])


def test_schedule_table_prints_names_as_text_not_markup() -> None:
    from rich.console import Console

    plan = plan_rotation([person("[bold]Mal", "[/]Lory")], datetime(2027, 1, 5, 8,
                                                                   tzinfo=TORONTO),
                         1, timedelta(weeks=1), 1, [date(2027, 1, 12)])
    console = Console(record=True, width=120)
    console.print(schedule_table(plan))
    text = console.export_text()
    assert "[bold]Mal [/]Lory" in text and "(skipped)" in text and "08:00 EST" in text


def test_forum_repeats_on_the_first_tuesday_monthly() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    plan = plan_forum(PEOPLE, datetime(2027, 1, 5, 7, 30, tzinfo=berlin), "month", 12, 4)
    data = forum_ics(plan, SENDER, now=STAMP)
    assert lint_ics(data) == []
    event = icalendar.Calendar.from_ical(data).walk("VEVENT")[0]
    assert event["RRULE"]["BYDAY"] == ["1TU"] and event["RRULE"]["FREQ"] == ["MONTHLY"]
    assert len(event["ATTENDEE"]) == 4
    (starts,) = expand(data).values()
    assert [f"{s:%m-%d %H:%M}" for s in starts] == [
        "01-05 07:30", "02-02 07:30", "03-02 07:30", "04-06 07:30", "05-04 07:30",
        "06-01 07:30", "07-06 07:30", "08-03 07:30", "09-07 07:30", "10-05 07:30",
        "11-02 07:30", "12-07 07:30"]
    assert starts == list(plan.starts)
    assert plan.rule_text == "every month on the first Tuesday"


def test_quarterly_forum_from_a_fifth_friday_uses_the_last_friday() -> None:
    sydney = ZoneInfo("Australia/Sydney")
    plan = plan_forum(PEOPLE, datetime(2027, 1, 29, 18, tzinfo=sydney), "quarter", 12)
    (starts,) = expand(forum_ics(plan, SENDER, now=STAMP)).values()
    assert [f"{s:%Y-%m-%d %a}" for s in starts] == [
        "2027-01-29 Fri", "2027-04-30 Fri", "2027-07-30 Fri", "2027-10-29 Fri"]
    assert plan.rule_text == "every 3 months on the last Friday"


def test_forum_leaves_peers_without_address_out_of_the_attendees() -> None:
    people = [person("Ada"), person("Li", "Wei", email="")]
    plan = plan_forum(people, datetime(2027, 1, 5, 8, tzinfo=TORONTO))
    event = icalendar.Calendar.from_ical(forum_ics(plan, SENDER, now=STAMP)).walk("VEVENT")[0]
    assert event["ATTENDEE"] == "mailto:ada-doe@example.org"
    assert "Invited: Ada Doe, Li Wei" in event["DESCRIPTION"]


@pytest.mark.parametrize(("day", "rule"), [(date(2027, 1, 5), "1TU"), (date(2027, 1, 14), "2TH"),
                                           (date(2027, 3, 28), "4SU"),
                                           (date(2027, 3, 29), "-1MO")])
def test_weekday_of_month(day: date, rule: str) -> None:
    assert weekday_of_month(day) == rule


def test_forum_refuses_an_unknown_period() -> None:
    with pytest.raises(OutreachError, match="every: 'weekly' is not month or quarter"):
        plan_forum(PEOPLE, datetime(2027, 1, 5, 8, tzinfo=TORONTO), "weekly")


def test_cancelling_the_rotation_bumps_every_sequence(tmp_path) -> None:
    with Ledger.open(tmp_path / "ledger.sqlite") as ledger:
        first = rotation_files(rotation_plan(), SENDER, ledger=ledger, now=STAMP)
        again = rotation_files(rotation_plan(), SENDER, ledger=ledger,
                               now=STAMP + timedelta(days=1))
        cancelled = rotation_files(rotation_plan(), SENDER, ledger=ledger, cancel=True,
                                   now=STAMP + timedelta(days=2))
        planned = ledger._query("SELECT COUNT(*) FROM meetings WHERE series = 'rotation'")
    assert again == first
    assert planned[0][0] == 12
    for name, data in cancelled.items():
        assert lint_ics(data) == []
        calendar = icalendar.Calendar.from_ical(data)
        assert calendar["METHOD"] == ("PUBLISH" if name == "rotation.ics" else "CANCEL")
        for event in calendar.walk("VEVENT"):
            assert (event["SEQUENCE"], event["STATUS"]) == (1, "CANCELLED")


def _future_meetings(ledger: Ledger, since: datetime) -> list[tuple[str, str]]:
    rows = ledger._query("SELECT person_name, start FROM meetings WHERE series = 'rotation' "
                        "AND start >= ? ORDER BY start", (since.isoformat(),))
    return [(r[0], r[1]) for r in rows]


def test_shrinking_the_rotation_cancels_the_dropped_peers_series(tmp_path) -> None:
    start = datetime(2027, 2, 2, 8, 0, tzinfo=TORONTO)
    with Ledger.open(tmp_path / "ledger.sqlite") as ledger:
        rotation_files(plan_rotation(PEOPLE, start, size=3, months=3), SENDER, ledger=ledger,
                       now=STAMP)
        smaller = plan_rotation(PEOPLE, start, size=2, months=3)
        files = rotation_files(smaller, SENDER, ledger=ledger, now=STAMP + timedelta(days=1))
        names = _future_meetings(ledger, STAMP)
        rows = ledger._query("SELECT COUNT(*) FROM meetings")[0][0]
        again = rotation_files(smaller, SENDER, ledger=ledger, now=STAMP + timedelta(days=2))
        assert ledger._query("SELECT COUNT(*) FROM meetings")[0][0] == rows
    assert sorted(files) == ["ada-doe.ics", "ben-doe.ics", "cy-doe.ics", "rotation.ics"]
    assert lint_ics(files["cy-doe.ics"]) == []
    calendar = icalendar.Calendar.from_ical(files["cy-doe.ics"])
    (event,) = calendar.walk("VEVENT")
    assert calendar["METHOD"] == "CANCEL"
    assert (event["UID"], event["SEQUENCE"], event["STATUS"]) == (
        uid_for(SENDER, PEOPLE[2], "rotation"), 1, "CANCELLED")
    assert str(event["ATTENDEE"]) == f"mailto:{PEOPLE[2].email}"
    assert event.decoded("DTSTART") == datetime(2027, 2, 16, 8, 0, tzinfo=TORONTO)
    assert {name for name, _ in names} == {"Ada Doe", "Ben Doe"}
    assert len(names) == len(smaller.schedule())
    assert "RRULE:FREQ=WEEKLY;UNTIL=" in files["cy-doe.ics"].decode()  # the series' rule
    mine = icalendar.Calendar.from_ical(files["rotation.ics"]).walk("VEVENT")
    assert sorted(str(e["STATUS"]) for e in mine) == ["CANCELLED", "CONFIRMED", "CONFIRMED"]
    assert len(expand(files["rotation.ics"])) == 3  # Cy's series stays, cancelled
    assert again == files  # the same cancellation, the same bytes: nothing new


def test_moving_the_start_leaves_only_the_new_occurrences(tmp_path) -> None:
    start = datetime(2027, 2, 2, 8, 0, tzinfo=TORONTO)
    with Ledger.open(tmp_path / "ledger.sqlite") as ledger:
        rotation_files(plan_rotation(PEOPLE, start, size=3, months=2), SENDER, ledger=ledger,
                       now=STAMP)
        moved = plan_rotation(PEOPLE, start + timedelta(days=2), size=3, months=2)
        files = rotation_files(moved, SENDER, ledger=ledger, now=STAMP)
        starts = [s for _, s in _future_meetings(ledger, STAMP)]
    assert [datetime.fromisoformat(s) for s in starts] == [d.start for d in moved.slots]
    assert all(datetime.fromisoformat(s).astimezone(TORONTO).weekday() == 3 for s in starts)
    assert sorted(files) == ["ada-doe.ics", "ben-doe.ics", "cy-doe.ics", "rotation.ics"]
    for name in ("ada-doe.ics", "ben-doe.ics", "cy-doe.ics"):
        (event,) = icalendar.Calendar.from_ical(files[name]).walk("VEVENT")
        assert (event["SEQUENCE"], event["STATUS"]) == (1, "CONFIRMED")  # updated, same UID


def test_meetings_already_past_stay_when_a_peer_leaves(tmp_path) -> None:
    start = datetime(2027, 2, 2, 8, 0, tzinfo=TORONTO)
    midway = datetime(2027, 3, 1, tzinfo=UTC)
    with Ledger.open(tmp_path / "ledger.sqlite") as ledger:
        rotation_files(plan_rotation(PEOPLE, start, size=3, months=3), SENDER, ledger=ledger,
                       now=STAMP)
        files = rotation_files(plan_rotation(PEOPLE, start, size=2, months=3), SENDER,
                               ledger=ledger, now=midway)
        cy = ledger._query("SELECT start FROM meetings WHERE person_name = 'Cy Doe' "
                          "ORDER BY start")
    assert [r[0][:10] for r in cy] == ["2027-02-16"]  # met before the change: kept
    (event,) = icalendar.Calendar.from_ical(files["cy-doe.ics"]).walk("VEVENT")
    # the series as it was (its first meeting, its rule): the whole series is cancelled
    assert event.decoded("DTSTART") == datetime(2027, 2, 16, 8, 0, tzinfo=TORONTO)
    assert event["RRULE"]["INTERVAL"] == [3]


def test_cancelling_with_a_ledger_keeps_its_planned_meetings(tmp_path) -> None:
    with Ledger.open(tmp_path / "ledger.sqlite") as ledger:
        rotation_files(rotation_plan(), SENDER, ledger=ledger, now=STAMP)
        files = rotation_files(plan_rotation(PEOPLE, rotation_plan().start, size=1),
                               SENDER, ledger=ledger, cancel=True, now=STAMP)
        planned = ledger._query("SELECT COUNT(*) FROM meetings")[0][0]
    assert planned == 12 and sorted(files) == ["ada-doe.ics", "rotation.ics"]


def test_pick_accepts_a_unique_part_of_a_name_and_refuses_an_ambiguous_one() -> None:
    people = [person("Jane", company="Acme"), person("Jane", "Roe", company="Globex"),
              person("Sam", "Lee")]
    assert pick_people(people, ["sam", "https://www.linkedin.com/in/jane-doe/"]) == [
        people[2], people[0]]
    with pytest.raises(OutreachError, match="pick: 'Jane' matches 2 people: Jane Doe"):
        pick_people(people, ["Jane"])


def test_pick_refuses_the_same_peer_named_twice() -> None:
    with pytest.raises(OutreachError, match=r"pick: 'Ada' and 'ada doe' are both Ada Doe; "
                                            "name each peer once"):
        pick_people(PEOPLE, ["Ada", "ada doe"])


def test_each_forum_peers_copy_keeps_its_own_sequence(tmp_path) -> None:
    """A peer's copy of the forum moves only when what they hold changes; a ledger written
    before copies had their own versions continues from the forum's (never goes back)."""
    from outreach.ical.series import forum_output, forum_uid
    from outreach.ledger import StoredInvite

    start = datetime(2027, 1, 5, 7, 30, tzinfo=TORONTO)
    with Ledger.open(tmp_path / "ledger.sqlite") as ledger:
        ledger.save_invites({forum_uid(SENDER): StoredInvite(3, STAMP.isoformat(), "old", 0)})
        first = forum_output(plan_forum(PEOPLE, start, "month", 12, 3), SENDER, ledger=ledger,
                             now=STAMP)
        assert {i.sequence for i in first.copies.values()} == {4}  # what they held moved on
        bigger = forum_output(plan_forum(PEOPLE, start, "month", 12, 4), SENDER,
                              ledger=ledger, now=STAMP + timedelta(days=1))
        moved = forum_output(plan_forum(PEOPLE, start + timedelta(days=7), "month", 12, 4),
                             SENDER, ledger=ledger, now=STAMP + timedelta(days=2))
    assert bigger.organiser.sequence == first.organiser.sequence + 1  # one more attendee
    for key, invite in first.copies.items():  # the others' copies: not touched
        assert bigger.copies[key].ics == invite.ics
    assert bigger.copies[PEOPLE[3].key].sequence == 0
    assert {i.sequence for i in moved.copies.values()} == {5, 1}  # a new time: everyone
    copy = icalendar.Calendar.from_ical(first.copies[PEOPLE[0].key].ics).walk("VEVENT")[0]
    assert str(copy["ATTENDEE"]) == f"mailto:{PEOPLE[0].email}"
    assert PEOPLE[1].full_name not in str(copy["DESCRIPTION"])
