"""outreach.ical.events: single invites — structure, escaping, zones, UIDs, SEQUENCE via the
ledger — checked by parsing with icalendar and vobject, never by string matching alone."""

from __future__ import annotations

import os
import zoneinfo
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ics_samples import HOSTILE_NAMES, SENDER, STAMP, TORONTO, corpus, person
from itip_lint import lint_ics

from outreach.errors import OutreachError
from outreach.ical.events import (
    common_name,
    invite_files,
    invite_ics,
    slot_starts,
    uid_for,
    write_files,
)
from outreach.ical.serialize import EventSpec, _own_part, clean_text, fold, one_line
from outreach.ical.vtimezone import transitions, vtimezone
from outreach.ledger import Ledger
from outreach.model import Meeting, Person, Sender

GOLDEN = Path(__file__).resolve().parent / "data" / "golden" / "calendar_invite.ics"
MEETING = Meeting(datetime(2027, 1, 5, 8, 0, tzinfo=TORONTO), location="Café Olimpico")
ZOE = person("Zoë", "Ødegård", company="Nordlys AS")


def parse(data: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)


def only_event(data: bytes) -> icalendar.Event:
    (event,) = parse(data).walk("VEVENT")
    return event


def test_invite_matches_the_golden_file() -> None:
    data = invite_ics(ZOE, SENDER, MEETING, stamp=STAMP, remind=timedelta(minutes=15))
    if os.environ.get("OUTREACH_UPDATE_GOLDEN") == "1":
        GOLDEN.write_bytes(data)
    assert data == GOLDEN.read_bytes()


def test_invite_has_every_property_a_client_needs() -> None:
    data = invite_ics(ZOE, SENDER, MEETING, stamp=STAMP, remind=timedelta(minutes=15))
    assert lint_ics(data) == []
    calendar = parse(data)
    assert calendar["METHOD"] == "REQUEST" and calendar["VERSION"] == "2.0"
    assert calendar["PRODID"].startswith("-//outreach//")
    (zone,) = calendar.walk("VTIMEZONE")
    assert zone["TZID"] == "America/Toronto"
    assert [c.name for c in zone.subcomponents] == ["STANDARD", "DAYLIGHT"]
    event = only_event(data)
    assert event["UID"] == uid_for(SENDER, ZOE, "coffee")
    assert event.decoded("DTSTAMP") == STAMP
    assert event["DTSTART"].params["TZID"] == "America/Toronto"
    assert event.decoded("DTSTART") == MEETING.start
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=45)
    assert event["SUMMARY"] == "Peer coffee: Zoë Ødegård & Pat Lee"
    assert "Zoë Ødegård (Nordlys AS)" in event["DESCRIPTION"]
    assert event["LOCATION"] == "Café Olimpico"
    assert (event["ORGANIZER"], event["ORGANIZER"].params["CN"]) == (
        "mailto:pat@example.com", "Pat Lee")
    attendee = event["ATTENDEE"]
    assert attendee == "mailto:zoë-ødegård@example.org"
    assert dict(attendee.params) == {"CN": "Zoë Ødegård", "CUTYPE": "INDIVIDUAL",
                                     "ROLE": "REQ-PARTICIPANT", "PARTSTAT": "NEEDS-ACTION",
                                     "RSVP": "TRUE"}
    assert (event["SEQUENCE"], event["STATUS"]) == (0, "CONFIRMED")
    (alarm,) = event.walk("VALARM")
    assert alarm.decoded("TRIGGER") == timedelta(minutes=-15)
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")


def test_vobject_reads_the_invite() -> None:
    data = invite_ics(ZOE, SENDER, MEETING, stamp=STAMP)
    calendar = vobject.readOne(data.decode("utf-8"))
    event = calendar.vevent
    assert event.dtstart.value == MEETING.start
    assert event.dtstart.value.utcoffset() == timedelta(hours=-5)
    assert event.summary.value == "Peer coffee: Zoë Ødegård & Pat Lee"
    assert event.attendee.params["CN"] == ["Zoë Ødegård"]
    assert event.organizer.value == "mailto:pat@example.com"


def test_utc_meeting_needs_no_vtimezone_and_carries_its_link() -> None:
    meeting = Meeting(datetime(2027, 3, 9, 15, 30, tzinfo=ZoneInfo("UTC")),
                      link="https://meet.example/abc")
    data = invite_ics(ZOE, SENDER, meeting, stamp=STAMP)
    assert parse(data).walk("VTIMEZONE") == []
    assert b"DTSTART:20270309T153000Z\r\n" in data
    event = only_event(data)
    assert (event["URL"], event["LOCATION"]) == ("https://meet.example/abc",) * 2
    assert lint_ics(data) == []


def test_link_with_a_line_break_is_refused() -> None:
    meeting = Meeting(MEETING.start, link="https://x.example/\r\nATTENDEE:mailto:evil@x")
    with pytest.raises(OutreachError, match=r"^link: "):
        invite_ics(ZOE, SENDER, meeting)


def test_peer_without_email_gets_an_event_for_your_own_calendar() -> None:
    data = invite_ics(person("Li", "Wei", email=""), SENDER, MEETING, stamp=STAMP)
    calendar = parse(data)
    assert calendar["METHOD"] == "PUBLISH"
    event = only_event(data)
    assert "ATTENDEE" not in event and event["SUMMARY"] == "Peer coffee: Li Wei & Pat Lee"
    assert lint_ics(data) == []


def test_invalid_peer_address_is_treated_as_missing() -> None:
    odd = person("Odd", email="odd@example.org\r\nBCC: all@example.org")
    data = invite_ics(odd, SENDER, MEETING, stamp=STAMP)
    assert parse(data)["METHOD"] == "PUBLISH" and b"all@example.org" not in data


def test_organiser_needs_an_address() -> None:
    with pytest.raises(OutreachError, match="--from"):
        invite_ics(ZOE, Sender("Pat Lee"), MEETING)


def test_cancel_keeps_the_uid_and_says_cancelled() -> None:
    request = only_event(invite_ics(ZOE, SENDER, MEETING, stamp=STAMP))
    data = invite_ics(ZOE, SENDER, MEETING, stamp=STAMP, method="CANCEL", sequence=1)
    cancel = only_event(data)
    assert parse(data)["METHOD"] == "CANCEL"
    assert (cancel["UID"], cancel["SEQUENCE"], cancel["STATUS"]) == (request["UID"], 1,
                                                                     "CANCELLED")
    assert lint_ics(data) == []


def test_uids_are_stable_and_distinct() -> None:
    other = Sender("Pat Lee", "pat@other.example")
    assert uid_for(SENDER, ZOE, "coffee") == uid_for(SENDER, ZOE, "coffee")
    assert uid_for(SENDER, ZOE) == uid_for(
        Sender("P. Lee", "PAT@example.com"), Person("Zoe", "Odegard", url=ZOE.url + "/"))
    uids = {uid_for(SENDER, ZOE, "coffee"), uid_for(SENDER, ZOE, "rotation"),
            uid_for(other, ZOE, "coffee"), uid_for(SENDER, person("Ada"), "coffee")}
    assert len(uids) == 4
    assert all(u.endswith("@example.com") or u.endswith("@other.example") for u in uids)


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_stay_inside_their_property(name: str) -> None:
    hostile = Person(name, "X", url="https://www.linkedin.com/in/h", email="h@example.org",
                     company=name)
    data = invite_ics(hostile, SENDER, MEETING, stamp=STAMP,
                      description=f"{name}\nBEGIN:VEVENT\nUID:x")
    assert lint_ics(data) == []
    calendar = parse(data)
    assert len(calendar.walk("VEVENT")) == 1 and len(calendar.walk("VALARM")) == 0
    event = calendar.walk("VEVENT")[0]
    assert event["UID"] == uid_for(SENDER, hostile, "coffee")
    assert "\n" not in event["SUMMARY"]
    assert event["DESCRIPTION"].endswith("\nBEGIN:VEVENT\nUID:x")
    cn = event["ATTENDEE"].params["CN"]
    assert not set(cn) & set('"^\r\n\t\x00\x1b')
    assert len(vobject.readOne(data.decode()).contents["vevent"]) == 1
    for line in data.split(b"\r\n"):
        assert not line.startswith((b"UID:evil", b"END:VCALENDAR\r", b"BEGIN:VEVENT:"))


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=st.text(max_size=40), company=st.text(max_size=40), text=st.text(max_size=200))
def test_any_text_round_trips_as_one_event(first: str, company: str, text: str) -> None:
    someone = Person(first, "Z", url="https://www.linkedin.com/in/z", email="z@example.org",
                     company=company)
    data = invite_ics(someone, SENDER, MEETING, stamp=STAMP, description=text, summary=first)
    assert lint_ics(data) == []
    event = only_event(data)
    kept = "".join(c for c in text.replace("\r\n", "\n").replace("\r", "\n")
                   if c in "\n\t" or not (ord(c) < 32 or 127 <= ord(c) < 160))
    assert str(event.get("DESCRIPTION", "")) == kept
    assert str(event["SUMMARY"]) == " ".join(
        "".join(c for c in first.replace("\r", "\n")
                if c in "\n\t" or not (ord(c) < 32 or 127 <= ord(c) < 160)).split())


def icalendar_lines(spec: EventSpec) -> bytes:
    """The per-peer lines as icalendar's ``Event`` itself writes them (the slow, sure way)."""
    event = icalendar.Event()
    event.add("uid", spec.uid)
    event.add("summary", one_line(spec.summary))
    if spec.description:
        event.add("description", clean_text(spec.description))
    for name, address in spec.attendees:
        attendee = icalendar.vCalAddress(f"mailto:{address}")
        if name:
            attendee.params["CN"] = name
        asked = (("PARTSTAT", "NEEDS-ACTION"), ("RSVP", "TRUE"))
        for key, value in (("CUTYPE", "INDIVIDUAL"), ("ROLE", "REQ-PARTICIPANT"),
                           *(asked if spec.status != "CANCELLED" else ())):
            attendee.params[key] = value
        event.add("attendee", attendee)
    return b"".join(fold(line) + b"\r\n" for line in event.content_lines(sorted=False)[1:-2])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.text(max_size=90), text=st.text(max_size=300), uid=st.text(max_size=100),
       status=st.sampled_from(["CONFIRMED", "CANCELLED"]))
def test_per_peer_lines_are_exactly_what_icalendar_writes(name: str, text: str,
                                                          uid: str, status: str) -> None:
    spec = EventSpec(uid=uid, start=MEETING.start, end=MEETING.end, summary=name,
                     description=text, attendees=((common_name(name), "z@example.org"),
                                                  ("", "y@example.org")), status=status)
    assert _own_part(spec) == icalendar_lines(spec)


def test_fingerprints_stay_what_ledgers_already_store() -> None:
    """The ledger keeps these digests: the same invite must give the same one forever (else a
    rerun after an upgrade would bump every SEQUENCE). It is the repr of the spec with
    SEQUENCE, DTSTAMP and STATUS reset."""
    import dataclasses
    import hashlib

    spec = EventSpec(uid="u", start=MEETING.start, end=MEETING.end, summary="S, é",
                     description="a\nb", location="L", organizer=("Pat", "pat@example.com"),
                     attendees=(("Zoë", "z@example.org"),), sequence=3, stamp=STAMP,
                     status="CANCELLED", rrule={"freq": "weekly", "interval": 3},
                     exdates=(MEETING.start,), remind=timedelta(minutes=15))
    reset = dataclasses.replace(spec, sequence=0, stamp=None, status="")
    assert spec.fingerprint() == hashlib.sha256(repr(reset).encode()).hexdigest()[:32]
    assert spec.fingerprint() == dataclasses.replace(spec, sequence=9, stamp=None).fingerprint()
    assert spec.fingerprint() == "397b39a5e6399e7bec644760908027d1"


@pytest.mark.parametrize("tzid", ["America/Toronto", "Europe/Berlin", "Australia/Sydney",
                                  "Asia/Jerusalem", "Africa/Casablanca", "Asia/Kolkata",
                                  "Europe/Dublin", "Pacific/Chatham", "America/Sao_Paulo"])
def test_vtimezone_offsets_match_zoneinfo_on_both_sides_of_every_change(tzid: str) -> None:
    zone = ZoneInfo(tzid)
    component = icalendar.Timezone.from_ical(vtimezone(tzid, 2027, 2028).to_ical())
    parsed = component.to_tz(lookup_tzid=False)
    changes = transitions(zone, 2027, 2028)
    probes = [datetime(2027, m, 15, 12, tzinfo=UTC) for m in range(1, 13)]
    for change in changes:
        probes += [change.utc - timedelta(hours=1), change.utc + timedelta(hours=1)]
    for moment in probes:
        assert moment.astimezone(parsed).utcoffset() == moment.astimezone(zone).utcoffset(), (
            tzid, moment)


@pytest.mark.parametrize("tzid", ["America/Toronto", "Europe/Berlin", "Australia/Sydney"])
def test_regular_zones_get_one_standard_and_one_daylight_rule(tzid: str) -> None:
    component = icalendar.Timezone.from_ical(vtimezone(tzid, 2027, 2027).to_ical())
    blocks = component.subcomponents
    assert sorted(b.name for b in blocks) == ["DAYLIGHT", "STANDARD"]
    assert all(b["RRULE"]["FREQ"] == ["YEARLY"] for b in blocks)
    assert len(component.to_ical()) < 700  # not the 2.3 KB RDATE history


def test_toronto_rule_is_second_sunday_of_march_and_first_of_november() -> None:
    component = icalendar.Timezone.from_ical(vtimezone("America/Toronto", 2027, 2027).to_ical())
    blocks = {b.name: b for b in component.subcomponents}
    assert blocks["DAYLIGHT"]["RRULE"]["BYDAY"] == ["2SU"]
    assert blocks["DAYLIGHT"]["RRULE"]["BYMONTH"] == [3]
    assert blocks["STANDARD"]["RRULE"]["BYDAY"] == ["1SU"]
    assert blocks["STANDARD"]["RRULE"]["BYMONTH"] == [11]


def test_slots_spread_over_weekdays_or_weeks_in_wall_clock_time() -> None:
    friday = datetime(2027, 3, 12, 8, 0, tzinfo=TORONTO)  # DST starts Sunday 14 March
    days = slot_starts(friday, 3, "weekday")
    assert [f"{d:%a %d %H:%M %Z}" for d in days] == ["Fri 12 08:00 EST", "Mon 15 08:00 EDT",
                                                     "Tue 16 08:00 EDT"]
    assert [d.day for d in slot_starts(friday, 3, "week")] == [12, 19, 26]
    assert slot_starts(friday, 2) == [friday, friday]


def test_rerun_writes_identical_bytes_and_changes_bump_sequence(tmp_path: Path) -> None:
    people = [ZOE, person("Ada")]
    first_run = datetime(2026, 11, 1, tzinfo=UTC)
    with Ledger.open(tmp_path / "ledger.sqlite") as ledger:
        first = invite_files(people, SENDER, MEETING, ledger=ledger, now=first_run)
        again = invite_files(people, SENDER, MEETING, ledger=ledger, now=STAMP)
        assert again == first
        moved = invite_files(people, SENDER, Meeting(MEETING.start, location="Room 2"),
                             ledger=ledger, now=STAMP)
        cancelled = invite_files(people, SENDER, Meeting(MEETING.start, location="Room 2"),
                                 ledger=ledger, cancel=True, now=STAMP)
        planned = ledger._query("SELECT person_key, start FROM meetings ORDER BY person_key")
    assert [(r["person_key"], r["start"]) for r in planned] == [
        (p.key, "2027-01-05T13:00:00+00:00") for p in sorted(people, key=lambda p: p.key)]
    event = only_event(moved["zoe-odegard.ics"])
    assert (event["SEQUENCE"], event.decoded("DTSTAMP"), event["LOCATION"]) == (1, STAMP,
                                                                                "Room 2")
    assert only_event(first["zoe-odegard.ics"]).decoded("DTSTAMP") == first_run
    gone = only_event(cancelled["zoe-odegard.ics"])
    assert (gone["SEQUENCE"], gone["STATUS"]) == (2, "CANCELLED")
    assert parse(cancelled["ada-doe.ics"])["METHOD"] == "CANCEL"
    for files in (first, moved, cancelled):
        assert all(lint_ics(data) == [] for data in files.values())


def test_write_files_leaves_unchanged_files_alone(tmp_path: Path) -> None:
    files = invite_files([ZOE, person("Ada")], SENDER, MEETING, now=STAMP)
    first = write_files(files, tmp_path)
    mtime = (tmp_path / "ada-doe.ics").stat().st_mtime_ns
    (tmp_path / "old-peer.ics").write_bytes(b"x")
    second = write_files(files, tmp_path)
    assert (len(first.written), second.written, len(second.unchanged)) == (2, (), 2)
    assert second.stale == ("old-peer.ics",)
    assert (tmp_path / "ada-doe.ics").stat().st_mtime_ns == mtime


def test_namesakes_get_distinct_files() -> None:
    files = invite_files([person("Ada"), Person("Ada", "Doe", url="https://x/ada2",
                                                email="ada2@example.org")],
                         SENDER, MEETING, now=STAMP)
    assert list(files) == ["ada-doe.ics", "ada-doe-2.ics"]


def test_description_template_errors_name_the_file(tmp_path: Path) -> None:
    template = tmp_path / "mine.ics.j2"
    template.write_text("Hi {{ frist_name }}\n")
    with pytest.raises(OutreachError, match=r"mine\.ics\.j2:1: 'frist_name' is undefined"):
        invite_files([ZOE], SENDER, MEETING, template=str(template))


def test_every_corpus_file_is_lint_clean_and_round_trips() -> None:
    for sample in corpus():
        assert lint_ics(sample.data) == [], sample.name
        calendar = parse(sample.data)
        assert calendar["METHOD"] == sample.method
        again = icalendar.Calendar.from_ical(calendar.to_ical())
        assert [e["UID"] for e in again.walk("VEVENT")] == list(sample.occurrences)
        assert len(vobject.readOne(sample.data.decode()).contents["vevent"]) == len(
            sample.occurrences)


ALL_ZONES = sorted(z for z in zoneinfo.available_timezones()
                   if z != "UTC" and not z.startswith(("posix", "right")))


@pytest.mark.slow
@pytest.mark.parametrize("part", range(6))
def test_every_iana_zone_gets_a_vtimezone_with_zoneinfo_offsets(part: int) -> None:
    """All-zone support: each zone's VTIMEZONE, as icalendar reads it back, gives the offsets
    zoneinfo gives, mid-month all through 2027–2028 and an hour either side of each change."""
    for tzid in ALL_ZONES[part::6]:
        zone = ZoneInfo(tzid)
        parsed = icalendar.Timezone.from_ical(vtimezone(tzid, 2027, 2028).to_ical()).to_tz(
            lookup_tzid=False)
        probes = [datetime(year, month, 15, 12, tzinfo=UTC)
                  for year in (2027, 2028) for month in range(1, 13)]
        for change in transitions(zone, 2027, 2028):
            probes += [change.utc - timedelta(hours=1), change.utc + timedelta(hours=1)]
        for moment in probes:
            assert moment.astimezone(parsed).utcoffset() == moment.astimezone(zone).utcoffset(), (
                tzid, moment)


def test_big_batches_built_on_worker_processes_match_a_serial_build(monkeypatch) -> None:
    from outreach.ical import events as calendar

    monkeypatch.setattr(calendar, "PARALLEL_FROM", 24)  # a small batch takes the same path
    crowd = [person(f"P{n}") for n in range(calendar.PARALLEL_FROM + 1)]
    assert set(calendar.parallel_map(_pid, crowd, workers=2)) - {os.getpid()}  # really forked
    parallel = invite_files(crowd, SENDER, MEETING, now=STAMP)
    monkeypatch.setattr(calendar, "PARALLEL_FROM", 10**9)
    serial = invite_files(crowd, SENDER, MEETING, now=STAMP)
    assert list(parallel) == list(serial) and parallel == serial


def test_big_batches_with_a_ledger_match_a_serial_build(tmp_path: Path, monkeypatch) -> None:
    from outreach.ical import events as calendar

    monkeypatch.setattr(calendar, "PARALLEL_FROM", 24)  # a small batch takes the same path
    crowd = [person(f"P{n}") for n in range(calendar.PARALLEL_FROM + 1)]
    results = []
    for name, parallel_from in (("parallel", calendar.PARALLEL_FROM), ("serial", 10**9)):
        monkeypatch.setattr(calendar, "PARALLEL_FROM", parallel_from)
        with Ledger.open(tmp_path / f"{name}.sqlite") as ledger:
            first = invite_files(crowd, SENDER, MEETING, ledger=ledger, now=STAMP)
            moved = invite_files(crowd, SENDER, Meeting(MEETING.start, location="Room 2"),
                                 ledger=ledger, now=STAMP + timedelta(days=1))
            rows = ledger._query("SELECT uid, sequence, stamp, fingerprint, cancelled "
                                "FROM invites ORDER BY uid")
            results.append((first, moved, [tuple(r) for r in rows]))
    assert results[0] == results[1]
    assert only_event(results[0][1]["p0-doe.ics"])["SEQUENCE"] == 1


def test_one_person_twice_gets_versions_in_order(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "ledger.sqlite") as ledger:
        files = invite_files([ZOE, ZOE], SENDER, MEETING, slots="weekday", ledger=ledger,
                             now=STAMP)
        (row,) = ledger._query("SELECT sequence FROM invites")
    assert [only_event(files[n])["SEQUENCE"] for n in ("zoe-odegard.ics",
                                                       "zoe-odegard-2.ics")] == [0, 1]
    assert row["sequence"] == 1


def test_a_version_stored_by_another_run_during_the_build_is_not_overwritten(
    tmp_path: Path, monkeypatch
) -> None:
    """Another run stores SEQUENCE 1 for Zoë while this one builds: this one writes 2."""
    from outreach.ical import events as calendar

    path = tmp_path / "ledger.sqlite"
    build = calendar.parallel_map

    def build_while_another_run_writes(func, items, workers=None):
        with Ledger.open(path) as other:
            other.invite_version(uid_for(SENDER, ZOE), "fp-a", now=STAMP)
            other.invite_version(uid_for(SENDER, ZOE), "fp-b", now=STAMP)
        return build(func, items, workers)

    monkeypatch.setattr(calendar, "parallel_map", build_while_another_run_writes)
    with Ledger.open(path) as ledger:
        files = invite_files([ZOE, person("Ada")], SENDER, MEETING, ledger=ledger, now=STAMP)
        (row,) = ledger._query("SELECT sequence FROM invites WHERE uid = ?",
                              (uid_for(SENDER, ZOE),))
    assert only_event(files["zoe-odegard.ics"])["SEQUENCE"] == 2 and row["sequence"] == 2
    assert only_event(files["ada-doe.ics"])["SEQUENCE"] == 0


def _pid(_: object) -> int:
    return os.getpid()
