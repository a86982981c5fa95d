"""Calendar invites (.ics) that Gmail, Outlook, Apple Calendar and Thunderbird accept.

Every file is one VCALENDAR built with the ``icalendar`` package: PRODID, VERSION, METHOD, the
organiser's VTIMEZONE (see ``outreach.vtimezone``) and VEVENTs with a stable UID, DTSTAMP in
UTC, DTSTART/DTEND with TZID, SUMMARY, DESCRIPTION (rendered from ``invite.ics.j2``), LOCATION
and/or URL, ORGANIZER and ATTENDEE (``mailto:`` + CN), SEQUENCE, STATUS, optional VALARM.

Decisions a user sees:

- **UIDs are stable**: a hash of organiser, peer and series (``uid_for``), so a rerun updates
  the meeting already in someone's calendar instead of adding a second one.
- **SEQUENCE/DTSTAMP come from the ledger** (``Ledger.invite_version``): unchanged invites are
  written byte-for-byte the same; a change of time/place/text bumps SEQUENCE; ``cancel`` writes
  ``METHOD:CANCEL`` + ``STATUS:CANCELLED`` with SEQUENCE + 1.
- **A peer without a (valid) e-mail address** cannot be invited by iTIP: a REQUEST needs an
  ATTENDEE, and a placeholder address would bounce or reach a stranger. Such a peer's file is
  written as ``METHOD:PUBLISH`` without ATTENDEE — an event for the organiser's own calendar,
  naming the peer in SUMMARY — to be shared another way (e.g. a LinkedIn message).
- **Names in CN** lose quotes, ``^`` and control characters (clients show RFC 6868 escapes
  literally); all text loses control characters except newlines, which icalendar escapes.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import jinja2
from icalendar import Alarm, Calendar, Event, vCalAddress

from outreach import __version__, templating
from outreach.errors import OutreachError
from outreach.fileio import write_if_changed
from outreach.meeting import Meeting
from outreach.models import Person, Sender, fold
from outreach.vtimezone import is_utc, vtimezone

if TYPE_CHECKING:
    from outreach.ledger import Ledger

PRODID = f"-//outreach//outreach {__version__}//EN"
DESCRIPTION_TEMPLATE = "invite.ics.j2"
SERIES_TITLES = {"coffee": "Peer coffee", "rotation": "Peer rotation", "forum": "Peer forum"}
METHODS = ("REQUEST", "CANCEL", "PUBLISH")

_EMAIL = re.compile(r"[^@\s\"<>()\[\],;:\\]+@[^@\s\"<>()\[\],;:\\]+\.[^@\s\"<>()\[\],;:\\]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CN_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\"^]")
_VEVENT = b"\r\nBEGIN:VEVENT\r\n"


@dataclass(frozen=True)
class EventSpec:
    """Everything one VEVENT says. Only what is written goes in, so ``fingerprint`` is exact."""

    uid: str
    start: datetime
    end: datetime
    summary: str
    description: str = ""
    location: str = ""
    url: str = ""
    organizer: tuple[str, str] = ("", "")  # (name, address)
    attendees: tuple[tuple[str, str], ...] = ()
    sequence: int = 0
    stamp: datetime | None = None
    status: str = "CONFIRMED"
    rrule: Mapping[str, Any] | None = None
    exdates: tuple[datetime, ...] = ()
    remind: timedelta | None = None

    def fingerprint(self) -> str:
        """A digest of what the invite says, ignoring SEQUENCE, DTSTAMP and STATUS."""
        content = replace(self, sequence=0, stamp=None, status="")
        return hashlib.sha256(repr(content).encode("utf-8")).hexdigest()[:32]


# ---------------------------------------------------------------- identities and text


def uid_for(sender: Sender, person: Person, series: str = "coffee") -> str:
    """A stable UID: the same organiser, peer and series always give the same UID."""
    organiser = sender.email.strip().lower() or fold(sender.name)
    digest = hashlib.sha256(f"{organiser}\n{person.key}\n{series}".encode()).hexdigest()
    return f"{series}-{digest[:32]}@{sender.domain.lower()}"


def valid_email(address: str) -> str:
    """``address`` stripped if it is a plain addr-spec, else ``""`` (never a header/property)."""
    address = address.strip()
    return address if _EMAIL.fullmatch(address) else ""


def clean_text(text: str) -> str:
    """Text for a TEXT property: newlines kept (icalendar escapes them), other controls gone."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def one_line(text: str) -> str:
    return " ".join(clean_text(text).split())


def common_name(name: str) -> str:
    """A CN parameter value: no quotes, ``^`` or control characters, single-spaced."""
    return " ".join(_CN_UNSAFE.sub(" ", name).split())


def check_link(link: str) -> str:
    """A meeting URL must be one URI without spaces or controls (it is not escaped)."""
    link = link.strip()
    if link and (any(c.isspace() for c in link) or _CONTROL.search(link) or ":" not in link):
        raise OutreachError(f"--link: {link[:60]!r} is not a URL (e.g. https://meet.example/x)")
    return link


def organizer_of(sender: Sender) -> tuple[str, str]:
    address = valid_email(sender.email)
    if not address:
        shown = sender.email or "none"
        raise OutreachError(
            f"--from: invites need the organiser's e-mail address (got {shown!r}); "
            'pass --from "Your Name <you@example.com>"'
        )
    return common_name(sender.name), address


# ---------------------------------------------------------------- building files


def _calendar_address(name: str, address: str, **params: str) -> vCalAddress:
    value = vCalAddress(f"mailto:{address}")
    if name:
        value.params["CN"] = name
    for key, param in params.items():
        value.params[key.upper()] = param
    return value


def _event(spec: EventSpec, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", spec.uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", _zoned(spec.start))
    event.add("dtend", _zoned(spec.end))
    if spec.rrule:
        event.add("rrule", dict(spec.rrule))
    if spec.exdates:
        event.add("exdate", [_zoned(d) for d in spec.exdates])
    event.add("summary", one_line(spec.summary))
    if spec.description:
        event.add("description", clean_text(spec.description))
    if spec.location:
        event.add("location", one_line(spec.location))
    if spec.url:
        event.add("url", spec.url)
    name, address = spec.organizer
    event.add("organizer", _calendar_address(name, address))
    for attendee_name, attendee_address in spec.attendees:
        event.add("attendee", _calendar_address(
            attendee_name, attendee_address, cutype="INDIVIDUAL", role="REQ-PARTICIPANT",
            partstat="NEEDS-ACTION", rsvp="TRUE"))
    event.add("sequence", spec.sequence)
    event.add("status", spec.status)
    event.add("transp", "OPAQUE")
    if spec.remind and spec.status != "CANCELLED":
        event.add_component(_alarm(spec.remind))
    return event


def _alarm(before: timedelta) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", -before)
    alarm.add("description", "Reminder")
    return alarm


def _zoned(moment: datetime) -> datetime:
    """Aware datetimes in a named zone stay (TZID); UTC and fixed offsets become UTC (``Z``)."""
    if moment.tzinfo is None:
        raise OutreachError(f"internal: naive datetime {moment.isoformat()} in an invite")
    zone = moment.tzinfo
    if isinstance(zone, ZoneInfo) and not is_utc(zone):
        return moment
    return moment.astimezone(UTC)


def _zone_bytes(events: Sequence[EventSpec]) -> bytes:
    """The serialised VTIMEZONE blocks the events' TZIDs need (cached per zone and years)."""
    spans: dict[str, tuple[int, int]] = {}
    for spec in events:
        zone = spec.start.tzinfo
        if not isinstance(zone, ZoneInfo) or is_utc(zone):
            continue
        last = spec.rrule.get("until", spec.end) if spec.rrule else spec.end
        low, high = spans.get(zone.key, (spec.start.year, last.year))
        spans[zone.key] = (min(low, spec.start.year), max(high, last.year))
    return b"".join(_serialised_zone(key, *span) for key, span in sorted(spans.items()))


@functools.lru_cache(maxsize=256)
def _serialised_zone(tzid: str, first_year: int, last_year: int) -> bytes:
    return bytes(vtimezone(tzid, first_year, last_year).to_ical())


def calendar_bytes(
    method: str, events: Sequence[EventSpec], stamp: datetime | None = None
) -> bytes:
    """One VCALENDAR (CRLF, folded) with ``events`` and the VTIMEZONEs they need.

    The VTIMEZONE is serialised once per zone and reused (spliced before the first VEVENT):
    it is the largest part of an invite and identical in all of them.
    """
    if method not in METHODS:
        raise OutreachError(f"internal: unknown iTIP method {method!r}")
    now = _utc_second(stamp or datetime.now(UTC))
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    for spec in events:
        calendar.add_component(_event(spec, _utc_second(spec.stamp or now)))
    body = bytes(calendar.to_ical(sorted=False))
    zones = _zone_bytes(events)
    if not zones:
        return body
    head, separator, tail = body.partition(_VEVENT)
    return head + b"\r\n" + zones.rstrip(b"\r\n") + separator + tail


def _utc_second(moment: datetime) -> datetime:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).replace(microsecond=0)


# ---------------------------------------------------------------- descriptions


@functools.lru_cache(maxsize=16)
def _template(name: str) -> jinja2.Template:
    return templating.load(name)


def describe(
    person: Person,
    sender: Sender,
    meeting: Meeting,
    template: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> str:
    """The DESCRIPTION from ``template`` (a built-in name or a file; default ``invite.ics.j2``)."""
    values = templating.variables(person, sender, meeting)
    values.update(series="coffee", peers=[])
    values.update(extra or {})
    return templating.render(_template(template or DESCRIPTION_TEMPLATE), values).strip()


def title_for(series: str, person: Person | None, sender: Sender) -> str:
    """``Peer coffee: Jane Doe & Sam Sender`` (the organiser's own copy names only the peer)."""
    title = SERIES_TITLES.get(series, series.replace("-", " ").capitalize())
    names = [n for n in ((person.full_name if person else ""), sender.name) if n]
    return f"{title}: {' & '.join(names)}" if names else title


# ---------------------------------------------------------------- one invite


def invite_spec(
    person: Person,
    sender: Sender,
    meeting: Meeting,
    *,
    series: str = "coffee",
    description: str | None = None,
    summary: str | None = None,
    remind: timedelta | None = None,
    template: str | None = None,
) -> EventSpec:
    """The VEVENT of a one-to-one meeting with ``person`` (SEQUENCE/DTSTAMP still unset)."""
    address = valid_email(person.email)
    link = check_link(meeting.link)
    attendees = ((common_name(person.full_name), address),) if address else ()
    return EventSpec(
        uid=uid_for(sender, person, series),
        start=meeting.start,
        end=meeting.end,
        summary=summary if summary is not None else title_for(series, person, sender),
        description=description if description is not None
        else describe(person, sender, meeting, template, {"series": series}),
        location=meeting.location or link,
        url=link,
        organizer=organizer_of(sender),
        attendees=attendees,
        remind=remind,
    )


def method_for(spec: EventSpec, cancel: bool) -> str:
    """REQUEST/CANCEL for invites with attendees; PUBLISH for the organiser's own events."""
    if not spec.attendees:
        return "PUBLISH"
    return "CANCEL" if cancel else "REQUEST"


def invite_ics(
    person: Person,
    sender: Sender,
    meeting: Meeting,
    *,
    series: str = "coffee",
    sequence: int = 0,
    stamp: datetime | None = None,
    method: str = "REQUEST",
    description: str | None = None,
    summary: str | None = None,
    remind: timedelta | None = None,
) -> bytes:
    """A complete invite for ``person``: one VCALENDAR, one VEVENT, CRLF line ends, folded.

    ``method="CANCEL"`` writes STATUS:CANCELLED (pass the bumped ``sequence``). A person
    without a valid e-mail address gets a PUBLISH event without ATTENDEE (see module docs).
    """
    if method not in METHODS:
        raise OutreachError(f"method: {method!r} is not one of {', '.join(METHODS)}")
    spec = invite_spec(person, sender, meeting, series=series, description=description,
                       summary=summary, remind=remind)
    cancel = method == "CANCEL"
    spec = replace(spec, sequence=sequence, stamp=stamp,
                   status="CANCELLED" if cancel else "CONFIRMED")
    chosen = "PUBLISH" if not spec.attendees or method == "PUBLISH" else method
    return calendar_bytes(chosen, [spec], stamp)


def versioned(
    spec: EventSpec, ledger: Ledger | None, *, cancel: bool = False, now: datetime | None = None
) -> EventSpec:
    """``spec`` with SEQUENCE/DTSTAMP from the ledger (unchanged invite → same bytes) and
    STATUS for ``cancel``. Without a ledger: SEQUENCE 0 (1 when cancelling), DTSTAMP now."""
    status = "CANCELLED" if cancel else "CONFIRMED"
    if ledger is None:
        return replace(spec, sequence=int(cancel), stamp=now or spec.stamp, status=status)
    sequence, stamp = ledger.invite_version(spec.uid, spec.fingerprint(), cancel=cancel, now=now)
    return replace(spec, sequence=sequence, stamp=stamp, status=status)


def slot_starts(start: datetime, count: int, spacing: str | None = None) -> list[datetime]:
    """Start times for ``count`` invites: all at ``start``, or one per weekday/week after it.

    Steps are in wall-clock time, so 08:00 stays 08:00 across a DST change.
    """
    if spacing is None:
        return [start] * count
    if spacing not in ("weekday", "week"):
        raise OutreachError(f"--slots: {spacing!r} is not weekday or week")
    zone = start.tzinfo
    local = start.replace(tzinfo=None)
    starts: list[datetime] = []
    while len(starts) < count:
        if spacing == "week" or local.weekday() < 5:
            starts.append(localize(local, zone, "--slots"))
        local += timedelta(days=7 if spacing == "week" else 1)
    return starts


def localize(local: datetime, zone: Any, option: str) -> datetime:
    """Wall-clock ``local`` in ``zone``; a time skipped by a DST change is an error."""
    aware = local.replace(tzinfo=zone)
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local:
        raise OutreachError(
            f"{option}: {local:%Y-%m-%d %H:%M} does not exist in {getattr(zone, 'key', zone)} "
            "(clocks change then); pick another time"
        )
    return aware


def file_names(people: Iterable[Person], reserved: Iterable[str] = ()) -> list[str]:
    """``jane-doe.ics`` per person; namesakes (and ``reserved`` names) get ``-2``, ``-3``..."""
    taken = set(reserved)
    names = []
    for person in people:
        slug = person.slug[:80]
        name, count = f"{slug}.ics", 1
        while name in taken:
            count += 1
            name = f"{slug}-{count}.ics"
        taken.add(name)
        names.append(name)
    return names


def invite_files(
    people: Sequence[Person],
    sender: Sender,
    meeting: Meeting,
    *,
    slots: str | None = None,
    ledger: Ledger | None = None,
    cancel: bool = False,
    remind: timedelta | None = None,
    template: str | None = None,
    now: datetime | None = None,
) -> dict[str, bytes]:
    """One invite file per person (``{slug}.ics`` → bytes), ready for ``write_if_changed``."""
    if not people:
        raise OutreachError("invite: no peers selected; check INPUT and the peer options")
    files = {}
    starts = slot_starts(meeting.start, len(people), slots)
    specs = [
        invite_spec(person, sender, replace(meeting, start=start), remind=remind,
                    template=template)
        for person, start in zip(people, starts, strict=True)
    ]
    specs = versioned_all(specs, ledger, cancel, now)
    for name, spec in zip(file_names(people), specs, strict=True):
        files[name] = calendar_bytes(method_for(spec, cancel), [spec])
    return files


def versioned_all(
    specs: Sequence[EventSpec], ledger: Ledger | None, cancel: bool, now: datetime | None
) -> list[EventSpec]:
    """Version every spec; in one ledger transaction (one fsync, not one per invite)."""
    if ledger is None:
        return [versioned(s, None, cancel=cancel, now=now) for s in specs]
    with ledger.write():
        return [versioned(s, ledger, cancel=cancel, now=now) for s in specs]


@dataclass(frozen=True)
class WriteSummary:
    """What ``write_files`` did: file names written, left unchanged, and stale ones seen."""

    folder: Path
    written: tuple[str, ...]
    unchanged: tuple[str, ...]
    stale: tuple[str, ...]


def write_files(files: Mapping[str, bytes], folder: Path) -> WriteSummary:
    """Write each file atomically into ``folder``, skipping ones whose bytes are unchanged.

    ``stale`` lists other ``.ics`` files already there (from an earlier run with other peers).
    """
    written: list[str] = []
    unchanged: list[str] = []
    for name, data in files.items():
        (written if write_if_changed(folder / name, data) else unchanged).append(name)
    stale = sorted(p.name for p in folder.glob("*.ics") if p.name not in files)
    return WriteSummary(folder, tuple(written), tuple(unchanged), tuple(stale))
