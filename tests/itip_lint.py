"""An iTIP/iCalendar lint for the problems no offline validator reports.

Calendar clients fail quietly: an invite without ORGANIZER shows no Accept button, an EXDATE
one minute off deletes nothing, an UNTIL in local time is read differently by each client,
LF-only line ends or 80-octet lines break strict parsers. ``lint_ics`` returns one line per
problem (empty list: clean); the tests run it over every file the calendar stage writes.
"""

from __future__ import annotations

import itertools
import re
from datetime import date, datetime, timedelta
from typing import Any

from dateutil.rrule import rrulestr
from icalendar import Calendar, Component

MAX_OCTETS = 75
METHODS = {"PUBLISH", "REQUEST", "REPLY", "ADD", "CANCEL", "REFRESH", "COUNTER", "DECLINECOUNTER"}
PARTSTATS = {"NEEDS-ACTION", "ACCEPTED", "DECLINED", "TENTATIVE", "DELEGATED"}
ROLES = {"CHAIR", "REQ-PARTICIPANT", "OPT-PARTICIPANT", "NON-PARTICIPANT"}
STATUSES = {"TENTATIVE", "CONFIRMED", "CANCELLED"}
_ADDRESS = re.compile(r"mailto:[^@\s\"<>]+@[^@\s\"<>]+\.[^@\s\"<>]+", re.IGNORECASE)
_TZID_PROPERTIES = ("DTSTART", "DTEND", "EXDATE", "RDATE", "RECURRENCE-ID", "DUE")


def lint_ics(data: bytes, mime_method: str | None = None) -> list[str]:
    """Problems in one .ics file; ``mime_method`` is the MIME part's ``method=`` if mailed."""
    problems = _lines(data)
    try:
        calendars = Calendar.from_ical(data, multiple=True)
    except ValueError as exc:
        return [*problems, f"does not parse: {exc}"]
    if len(calendars) != 1:
        return [*problems, f"{len(calendars)} VCALENDARs; a file holds exactly one"]
    calendar = calendars[0]
    problems += _calendar(calendar, mime_method)
    zones = {str(tz.get("TZID")) for tz in calendar.walk("VTIMEZONE")}
    for tz in calendar.walk("VTIMEZONE"):
        problems += _timezone(tz)
    method = str(calendar.get("METHOD", "")).upper()
    events = calendar.walk("VEVENT")
    if method in ("REQUEST", "CANCEL") and len({str(e.get("UID")) for e in events}) > 1:
        problems.append(f"METHOD:{method} with several UIDs; Outlook reads only the first")
    for number, event in enumerate(events, 1):
        where = f"VEVENT {number} ({event.get('UID', 'no UID')})"
        problems += [f"{where}: {p}" for p in _event(event, method, zones)]
    return problems


def _lines(data: bytes) -> list[str]:
    problems = []
    if b"\n" in data.replace(b"\r\n", b""):
        problems.append("line ends: LF without CR (must be CRLF)")
    if b"\r" in data.replace(b"\r\n", b""):
        problems.append("line ends: CR without LF (must be CRLF)")
    if not data.endswith(b"\r\n"):
        problems.append("the last line does not end with CRLF")
    for number, line in enumerate(data.split(b"\r\n"), 1):
        if len(line) > MAX_OCTETS:
            problems.append(f"line {number}: {len(line)} octets (fold at {MAX_OCTETS})")
        if re.search(rb"[\x00-\x08\x0a-\x1f\x7f]", line):
            problems.append(f"line {number}: raw control character")
    return problems


def _calendar(calendar: Component, mime_method: str | None) -> list[str]:
    problems = []
    if calendar.name != "VCALENDAR":
        problems.append(f"top-level component is {calendar.name}, not VCALENDAR")
    if not calendar.get("PRODID"):
        problems.append("VCALENDAR without PRODID")
    if str(calendar.get("VERSION", "")) != "2.0":
        problems.append("VCALENDAR without VERSION:2.0")
    method = str(calendar.get("METHOD", "")).upper()
    if not method:
        problems.append("VCALENDAR without METHOD")
    elif method not in METHODS:
        problems.append(f"METHOD:{method} is not an iTIP method")
    if mime_method is not None and mime_method.upper() != method:
        problems.append(f"MIME method={mime_method} but METHOD:{method} (Outlook rejects it)")
    return problems


def _timezone(tz: Component) -> list[str]:
    problems = []
    observances = [c for c in tz.subcomponents if c.name in ("STANDARD", "DAYLIGHT")]
    if not observances:
        problems.append(f"VTIMEZONE {tz.get('TZID')}: no STANDARD or DAYLIGHT")
    for block in observances:
        for name in ("DTSTART", "TZOFFSETFROM", "TZOFFSETTO"):
            if name not in block:
                problems.append(f"VTIMEZONE {tz.get('TZID')}: {block.name} without {name}")
    return problems


def _event(event: Component, method: str, zones: set[str]) -> list[str]:
    problems = [f"no {name}" for name in ("UID", "DTSTAMP", "DTSTART") if name not in event]
    if problems:
        return problems
    problems += _people(event, method)
    problems += _status(event, method)
    stamp = event.decoded("DTSTAMP")
    if not isinstance(stamp, datetime) or stamp.utcoffset() != timedelta(0):
        problems.append("DTSTAMP is not in UTC")
    for name in _TZID_PROPERTIES:
        for value in _values(event, name):
            tzid = value.params.get("TZID")
            if tzid and tzid not in zones:
                problems.append(f"{name};TZID={tzid} without a VTIMEZONE for it")
    start = event.decoded("DTSTART")
    if "DTEND" in event and event.decoded("DTEND") <= start:
        problems.append("DTEND is not after DTSTART")
    sequence = event.get("SEQUENCE", 0)
    if not isinstance(sequence, int) or sequence < 0:
        problems.append(f"SEQUENCE {sequence!r} is not a non-negative integer")
    problems += _recurrence(event, start)
    return problems


def _values(event: Component, name: str) -> list[Any]:
    value = event.get(name)
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _people(event: Component, method: str) -> list[str]:
    problems = []
    organizer = event.get("ORGANIZER")
    attendees = _values(event, "ATTENDEE")
    if method in ("REQUEST", "CANCEL") and organizer is None:
        problems.append(f"METHOD:{method} without ORGANIZER")
    if method in ("REQUEST", "CANCEL") and not attendees:
        problems.append(f"METHOD:{method} without ATTENDEE")
    if method == "PUBLISH" and attendees:
        problems.append("METHOD:PUBLISH with ATTENDEE (RFC 5546 forbids it)")
    for label, value in [("ORGANIZER", organizer)] * bool(organizer) + [
        ("ATTENDEE", a) for a in attendees
    ]:
        if not _ADDRESS.fullmatch(str(value)):
            problems.append(f"{label} {str(value)[:40]!r} is not a bare mailto: address")
        cn = str(value.params.get("CN", ""))
        if re.search(r"[\"\x00-\x1f^]", cn):
            problems.append(f"{label} CN {cn[:40]!r} has quotes, ^ or control characters")
    for attendee in attendees:
        partstat = attendee.params.get("PARTSTAT", "NEEDS-ACTION")
        if partstat not in PARTSTATS:
            problems.append(f"ATTENDEE PARTSTAT={partstat} is not valid for a VEVENT")
        role = attendee.params.get("ROLE", "REQ-PARTICIPANT")
        if role not in ROLES:
            problems.append(f"ATTENDEE ROLE={role} is not valid")
        if attendee.params.get("RSVP", "FALSE") not in ("TRUE", "FALSE"):
            problems.append(f"ATTENDEE RSVP={attendee.params.get('RSVP')} is not TRUE/FALSE")
    return problems


def _status(event: Component, method: str) -> list[str]:
    status = str(event.get("STATUS", "")).upper()
    problems = []
    if status and status not in STATUSES:
        problems.append(f"STATUS:{status} is not valid for a VEVENT")
    if method == "CANCEL" and status != "CANCELLED":
        problems.append("METHOD:CANCEL without STATUS:CANCELLED")
    if status == "CANCELLED":  # a cancellation asks nothing back (one shape for every CANCEL)
        found = event.get("ATTENDEE", [])
        for attendee in found if isinstance(found, list) else [found]:
            if str(attendee.params.get("RSVP", "FALSE")).upper() == "TRUE":
                problems.append("a cancelled event asks for an RSVP (RSVP=TRUE)")

    if method == "REQUEST" and status == "CANCELLED":
        problems.append("STATUS:CANCELLED in a METHOD:REQUEST (use METHOD:CANCEL)")
    return problems


def _recurrence(event: Component, start: date) -> list[str]:
    rules = _values(event, "RRULE")
    exdates = [d.dt for value in _values(event, "EXDATE") for d in value.dts]
    if not rules:
        return ["EXDATE without RRULE"] if exdates else []
    if len(rules) > 1:
        return ["more than one RRULE"]
    rule = rules[0]
    problems = []
    if "COUNT" in rule and "UNTIL" in rule:
        problems.append("RRULE with both COUNT and UNTIL")
    for until in rule.get("UNTIL", []):
        if isinstance(start, datetime) != isinstance(until, datetime):
            problems.append("RRULE UNTIL is not the same value type as DTSTART")
        elif _zoned(start) and until.utcoffset() != timedelta(0):
            problems.append("RRULE UNTIL is local time; with a TZID DTSTART it must be UTC (Z)")
    byday = [str(d) for d in rule.get("BYDAY", [])]
    codes = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
    if byday and not any(d.endswith(codes[start.weekday()]) for d in byday):
        problems.append(f"DTSTART {start:%A} is not on the RRULE's BYDAY={','.join(byday)}")
    if problems:
        return problems
    occurrences = _occurrences(rule.to_ical().decode(), start, max(exdates, default=start))
    for exdate in exdates:
        if exdate not in occurrences:
            problems.append(f"EXDATE {exdate} is not an occurrence (it would be ignored)")
    return problems


def _zoned(start: date) -> bool:
    return isinstance(start, datetime) and start.tzinfo is not None


def _occurrences(rule: str, start: date, until: date) -> set[date]:
    """Occurrences up to ``until`` (dates for all-day events, else aware datetimes)."""
    if isinstance(start, datetime):
        expanded = itertools.islice(rrulestr(rule, dtstart=start), 10_000)
        return set(itertools.takewhile(lambda d: d <= until, expanded))
    first = datetime.combine(start, datetime.min.time())
    days = itertools.islice(rrulestr(rule, dtstart=first), 10_000)
    return {d.date() for d in itertools.takewhile(lambda d: d.date() <= until, days)}
