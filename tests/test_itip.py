"""outreach.itip.lint_ics: each problem it exists for is caught, and good files pass."""

from __future__ import annotations

from datetime import datetime, timedelta

import icalendar
import pytest
from ics_samples import SENDER, STAMP, TORONTO, person
from itip_lint import lint_ics

from outreach.ical.events import invite_ics
from outreach.ical.series import rotation_files
from outreach.model import Meeting
from outreach.plan import plan_rotation

GOOD = invite_ics(person("Ada"), SENDER, Meeting(datetime(2027, 1, 5, 8, tzinfo=TORONTO)),
                  stamp=STAMP)


def series() -> bytes:
    plan = plan_rotation([person("Ada"), person("Ben")], datetime(2027, 1, 5, 8, tzinfo=TORONTO),
                         2, timedelta(weeks=1), 2, [datetime(2027, 1, 19).date()])
    return rotation_files(plan, SENDER, now=STAMP)["ada-doe.ics"]


def edit(data: bytes, change) -> bytes:
    calendar = icalendar.Calendar.from_ical(data)
    change(calendar, calendar.walk("VEVENT")[0])
    return calendar.to_ical()


def test_good_files_pass() -> None:
    assert lint_ics(GOOD) == []
    assert lint_ics(series()) == []


def test_lf_only_line_ends() -> None:
    assert "line ends: LF without CR (must be CRLF)" in lint_ics(GOOD.replace(b"\r\n", b"\n"))


def test_long_lines() -> None:
    unfolded = GOOD.replace(b"\r\n ", b"")
    assert any("octets (fold at 75)" in p for p in lint_ics(unfolded))


def test_request_without_organizer() -> None:
    problems = lint_ics(edit(GOOD, lambda cal, ev: ev.pop("ORGANIZER")))
    assert any("METHOD:REQUEST without ORGANIZER" in p for p in problems)


def test_request_without_attendee() -> None:
    problems = lint_ics(edit(GOOD, lambda cal, ev: ev.pop("ATTENDEE")))
    assert any("METHOD:REQUEST without ATTENDEE" in p for p in problems)


def test_bad_partstat() -> None:
    def change(cal, event) -> None:
        event["ATTENDEE"].params["PARTSTAT"] = "MAYBE"

    assert any("PARTSTAT=MAYBE" in p for p in lint_ics(edit(GOOD, change)))


def test_local_time_until() -> None:
    data = series().replace(b"Z;INTERVAL", b";INTERVAL")
    assert any("UNTIL is local time" in p for p in lint_ics(data))


def test_exdate_that_misses_every_occurrence() -> None:
    data = series().replace(b"20270119T080000", b"20270119T090000")
    assert any("EXDATE 2027-01-19 09:00:00-05:00 is not an occurrence" in p
               for p in lint_ics(data))


def test_tzid_without_vtimezone() -> None:
    def change(cal, event) -> None:
        cal.subcomponents[:] = [c for c in cal.subcomponents if c.name != "VTIMEZONE"]

    problems = lint_ics(edit(GOOD, change))
    assert any("DTSTART;TZID=America/Toronto without a VTIMEZONE" in p for p in problems)


@pytest.mark.parametrize(("method", "status", "expected"), [
    ("CANCEL", "CONFIRMED", "METHOD:CANCEL without STATUS:CANCELLED"),
    ("REQUEST", "CANCELLED", "STATUS:CANCELLED in a METHOD:REQUEST"),
    ("PUBLISH", "CONFIRMED", "METHOD:PUBLISH with ATTENDEE"),
    ("ASK", "CONFIRMED", "METHOD:ASK is not an iTIP method"),
])
def test_method_and_status_mismatches(method: str, status: str, expected: str) -> None:
    def change(cal, event) -> None:
        cal["METHOD"] = method
        event["STATUS"] = status

    assert any(expected in p for p in lint_ics(edit(GOOD, change)))


def test_mime_method_must_equal_the_calendar_method() -> None:
    assert lint_ics(GOOD, mime_method="REQUEST") == []
    assert any("MIME method=PUBLISH" in p for p in lint_ics(GOOD, mime_method="PUBLISH"))


def test_several_uids_in_one_request() -> None:
    calendar = icalendar.Calendar.from_ical(GOOD)
    twin = calendar.walk("VEVENT")[0].copy()
    for name, value in calendar.walk("VEVENT")[0].property_items(recursive=False):
        if name not in ("BEGIN", "END"):
            twin[name] = value
    twin["UID"] = "other@example.com"
    calendar.add_component(twin)
    assert any("several UIDs" in p for p in lint_ics(calendar.to_ical()))


def test_dtstamp_not_utc_and_dtend_before_dtstart() -> None:
    def change(cal, event) -> None:
        event.pop("DTEND")
        event.add("dtend", datetime(2027, 1, 5, 7, tzinfo=TORONTO))

    data = edit(GOOD, change).replace(b"DTSTAMP:20261123T090000Z", b"DTSTAMP:20261123T090000")
    problems = lint_ics(data)
    assert any("DTSTAMP is not in UTC" in p for p in problems)
    assert any("DTEND is not after DTSTART" in p for p in problems)


def test_quoted_cn_and_placeholder_address() -> None:
    data = GOOD.replace(b"mailto:ada-doe@example.org", b"mailto:ada")
    assert any("not a bare mailto: address" in p for p in lint_ics(data))


def test_garbage_does_not_crash() -> None:
    assert lint_ics(b"BEGIN:VCALENDAR\r\nthis is not ical\r\n")
