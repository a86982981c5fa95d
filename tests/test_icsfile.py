"""outreach.ical.serialize: folding and the cached assembly of VCALENDAR bytes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from hypothesis import given
from hypothesis import strategies as st

from outreach.ical.serialize import EventSpec, calendar_bytes, fold

STAMP = datetime(2026, 11, 23, 9, tzinfo=UTC)


@given(st.text(min_size=1, max_size=400).map(lambda t: t.replace("\r", "").replace("\n", "")))
def test_fold_keeps_lines_short_and_unfolds_to_the_original(line: str) -> None:
    folded = fold(line)
    parts = folded.split(b"\r\n")
    assert all(len(p) <= 75 for p in parts)
    assert all(p.startswith(b" ") for p in parts[1:])
    assert b"".join(p[1:] if i else p for i, p in enumerate(parts)).decode("utf-8") == line
    for part in parts:
        part.decode("utf-8")  # never cut inside a UTF-8 sequence


def test_fold_never_splits_a_backslash_escape() -> None:
    for width in range(60, 80):
        line = "DESCRIPTION:" + "x" * (width - 13) + "\\,\\n\\\\" * 20
        for part in fold(line).split(b"\r\n"):
            trailing = len(part) - len(part.rstrip(b"\\"))
            assert trailing % 2 == 0, (width, part)


def test_events_sharing_times_differ_only_in_their_own_lines() -> None:
    start = datetime(2027, 1, 5, 8, tzinfo=ZoneInfo("America/Toronto"))
    common = {"start": start, "end": start + timedelta(minutes=30), "stamp": STAMP,
              "organizer": ("Pat", "pat@example.com"), "remind": timedelta(minutes=5)}
    one = EventSpec(uid="a@x", summary="A", attendees=(("Ann", "a@example.org"),), **common)
    two = EventSpec(uid="b@x", summary="B", attendees=(("Bo", "b@example.org"),), **common)
    both = icalendar.Calendar.from_ical(calendar_bytes("PUBLISH", [one, two]))
    events = both.walk("VEVENT")
    assert [e["UID"] for e in events] == ["a@x", "b@x"]
    assert [e["ATTENDEE"].params["CN"] for e in events] == ["Ann", "Bo"]
    assert all(e.decoded("DTSTART") == start and len(e.walk("VALARM")) == 1 for e in events)
    assert len(both.walk("VTIMEZONE")) == 1
