"""The iTIP side of mail (RFC 5546): the REPLY or COUNTER a message carries (``answer``), and
the calendar UIDs a message we send carries (``sent_uids``), so an answer from any address
can be matched by UID whichever command wrote the invitation."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterator
from datetime import date, datetime
from email.message import Message
from typing import Any

MAX_CALENDAR = 1_000_000  # bytes of one calendar part worth parsing
_UID_LINE = re.compile(rb"^UID[;:][^\r\n]*", re.M)


def calendar_parts(message: Message) -> Iterator[bytes]:
    """The decoded bytes of every ``text/calendar`` part or ``.ics`` attachment."""
    for part in message.walk():
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        name = (part.get_filename() or "").lower()
        if kind in ("text/calendar", "application/ics") or name.endswith(".ics"):
            try:
                data = part.get_payload(decode=True)
            except (ValueError, TypeError, LookupError):
                continue
            if isinstance(data, bytes) and 0 < len(data) <= MAX_CALENDAR:
                yield data


def answer(message: Message) -> dict[str, Any] | None:
    """The first calendar part with METHOD:REPLY or COUNTER, as ``inbox.Parsed`` fields:
    kind, method, attendee, partstat, uid, recurrence_id, proposed, sequence, stamp,
    comment."""
    import icalendar

    for data in calendar_parts(message):
        try:
            calendar = icalendar.Calendar.from_ical(data)
        except Exception:  # untrusted bytes: any failure to parse means "no calendar"
            continue
        method = str(calendar.get("METHOD", "")).strip().upper()
        if method not in ("REPLY", "COUNTER"):
            continue
        events = calendar.walk("VEVENT")
        if not events:
            continue
        events.sort(key=lambda e: "RECURRENCE-ID" in e)  # the series' reply first
        return _fields(events[0], method)
    return None


def _fields(event: Any, method: str) -> dict[str, Any]:
    attendee = event.get("ATTENDEE")
    if isinstance(attendee, list):
        attendee = attendee[0] if attendee else None
    address = str(attendee or "").strip()
    address = address[7:] if address.lower().startswith("mailto:") else address
    params = getattr(attendee, "params", {}) if attendee is not None else {}
    fields: dict[str, Any] = {
        "kind": "rsvp" if method == "REPLY" else "counter", "method": method,
        "attendee": address.strip().lower(), "partstat": str(params.get("PARTSTAT", "")).lower(),
        "uid": str(event.get("UID", "")).strip()[:300],
        "recurrence_id": when(event.get("RECURRENCE-ID")),
        "sequence": _sequence(event.get("SEQUENCE")), "stamp": _stamp(event.get("DTSTAMP")),
        "comment": _comment(event.get("COMMENT")),
    }
    if method == "COUNTER":
        fields["proposed"] = when(event.get("DTSTART"))
    return fields


def _comment(prop: Any) -> str:
    """The attendee's COMMENT(s) as one line of text ("" when none)."""
    values = prop if isinstance(prop, list) else [prop] if prop is not None else []
    return " ".join(" ".join(str(v).split()) for v in values if str(v).strip())[:500]


def when(prop: Any) -> str:
    value = getattr(prop, "dt", None)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return ""


def _sequence(prop: Any) -> int:
    try:
        return max(0, min(int(str(prop or 0)), 2**31))
    except ValueError:
        return 0


def _stamp(prop: Any) -> str:
    """DTSTAMP as sortable UTC text (``20270105T080000Z``), "" when absent or unreadable."""
    value = getattr(prop, "dt", None)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            from datetime import UTC

            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.strftime("%Y%m%dT%H%M%SZ")
    return ""


def sent_uids(wire: bytes) -> list[tuple[str, int]]:
    """(UID, SEQUENCE) of every event in the calendar parts of a message we send; cheap when
    it has none."""
    if b"text/calendar" not in wire.lower() and b".ics" not in wire.lower():
        return []
    import icalendar

    message = email.message_from_bytes(wire, policy=email.policy.default)
    found: dict[str, int] = {}
    for data in calendar_parts(message):
        if not _UID_LINE.search(data):
            continue
        try:
            calendar = icalendar.Calendar.from_ical(data)
        except Exception:  # our own file, but read as any other: unreadable means none
            continue
        for event in calendar.walk("VEVENT"):
            uid = str(event.get("UID", "")).strip()
            if uid:
                found[uid] = max(found.get(uid, 0), _sequence(event.get("SEQUENCE")))
    return sorted(found.items())
