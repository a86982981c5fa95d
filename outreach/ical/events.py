"""Calendar invites (.ics) that Gmail, Outlook, Apple Calendar and Thunderbird accept.

Every file is one VCALENDAR built with the ``icalendar`` package: PRODID, VERSION, METHOD, the
organiser's VTIMEZONE (see ``outreach.ical.vtimezone``) and VEVENTs with a stable UID, DTSTAMP in
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
import multiprocessing as mp
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import jinja2

from outreach import fileio, portable, templating
from outreach.errors import OutreachError
from outreach.ical.serialize import (
    METHODS,
    EventSpec,
    calendar_bytes,
    utc_second,
)
from outreach.ledger import Ledger, PlannedMeeting, StoredInvite, next_invite_version
from outreach.model import Invite, Meeting, Person, Sender, fold, valid_address
from outreach.times import localize

DESCRIPTION_TEMPLATE = "invite.ics.j2"
PARALLEL_FROM = 1000  # fewer invites than this: a process pool costs more than it saves
SPAWN_FROM = 10000  # under spawn workers import outreach first: 20,000 invites took 3.3 s
#                    in this process, 2.8 s on 2 spawned workers (2,000: 0.4 s, 1.0 s)
T = TypeVar("T")
SERIES_TITLES = {"coffee": "Peer coffee", "rotation": "Peer rotation", "forum": "Peer forum"}

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CN_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\"^]")


# ---------------------------------------------------------------- identities and text


def uid_for(sender: Sender, person: Person, series: str = "coffee") -> str:
    """A stable UID: the same organiser, peer and series always give the same UID."""
    organiser = sender.email.strip().lower() or fold(sender.name)
    digest = hashlib.sha256(f"{organiser}\n{person.key}\n{series}".encode()).hexdigest()
    return f"{series}-{digest[:32]}@{sender.domain.lower()}"


def common_name(name: str) -> str:
    """A CN parameter value: no quotes, ``^`` or control characters, single-spaced."""
    return " ".join(_CN_UNSAFE.sub(" ", name).split())


@functools.lru_cache(maxsize=64)  # the same for every invite of a batch
def check_link(link: str) -> str:
    """A meeting URL must be one URI without spaces or controls (it is not escaped)."""
    link = link.strip()
    if link and (any(c.isspace() for c in link) or _CONTROL.search(link) or ":" not in link):
        raise OutreachError(f"{link[:60]!r} is not a URL (e.g. https://meet.example/x)",
                            field="link")
    return link


@functools.lru_cache(maxsize=64)  # the same for every invite of a batch
def organizer_of(sender: Sender) -> tuple[str, str]:
    address = valid_address(sender.email) or ""
    if not address:
        shown = sender.email or "none"
        raise OutreachError(
            f"invites need the organiser's e-mail address (got {shown!r}); "
            'pass --from "Your Name <you@example.com>"', field="from"
        )
    return common_name(sender.name), address


# ---------------------------------------------------------------- descriptions


@functools.lru_cache(maxsize=16)
def _template(name: str) -> jinja2.Template:
    return templating.load(name)


@functools.lru_cache(maxsize=64)
def _meeting_vars(meeting: Meeting) -> templating.MeetingVars:
    """``meeting.*`` for templates: the same for every peer of a batch, so formatted once."""
    return templating.meeting_vars(meeting)


def describe(
    person: Person,
    sender: Sender,
    meeting: Meeting,
    template: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> str:
    """The DESCRIPTION from ``template`` (a built-in name or a file; default ``invite.ics.j2``)."""
    values = templating.variables(person, sender)
    values.update(meeting=_meeting_vars(meeting), series="coffee", peers=[], every="", until="")
    values.update(extra or {})
    name = " ".join(person.written.full_name.split())
    who = (f"{name} ({person.company})" if person.company else name) if name else ""
    return templating.render(_template(template or DESCRIPTION_TEMPLATE), values,
                             who=who).strip()


def title_for(series: str, person: Person | None, sender: Sender) -> str:
    """``Peer coffee: Jane Doe & Sam Sender``; the forum names only its host."""
    title = SERIES_TITLES.get(series, series.replace("-", " ").capitalize())
    names = [n for n in ((person.written.full_name if person else ""), sender.name) if n]
    return f"{title}: {' & '.join(names)}" if names else title


# ---------------------------------------------------------------- one invite


def attendees_of(people: Iterable[Person]) -> tuple[tuple[str, str], ...]:
    """``(CN, address)`` for each person the address rule lets us invite; the others are not
    ATTENDEEs (they get a LinkedIn note instead)."""
    return tuple((common_name(p.written.full_name), p.address) for p in people if p.address)


def event_spec(
    uid: str,
    sender: Sender,
    meeting: Meeting,
    *,
    summary: str,
    description: str = "",
    attendees: Iterable[Person] = (),
    rrule: Mapping[str, Any] | None = None,
    exdates: Iterable[datetime] = (),
    remind: timedelta | None = None,
) -> EventSpec:
    """Every VEVENT outreach writes — a coffee, a rotation series, the forum, a cancellation —
    is built here (SEQUENCE/DTSTAMP still unset: see ``versioned``)."""
    link = check_link(meeting.link)
    return EventSpec(
        uid=uid,
        start=meeting.start,
        end=meeting.end,
        summary=summary,
        description=description,
        location=meeting.location or link,
        url=link,
        organizer=organizer_of(sender),
        attendees=attendees_of(attendees),
        rrule=rrule,
        exdates=tuple(exdates),
        remind=remind,
    )


def cancellation(spec: EventSpec) -> EventSpec:
    """The one shape of every cancellation, whichever command writes it: the series as it
    was (UID, times, RRULE, EXDATEs, place, organiser, attendees) without DESCRIPTION or
    alarm; versioned with ``cancel=True`` (the next SEQUENCE, STATUS:CANCELLED) and written
    as METHOD:CANCEL, its attendees asked for no RSVP (``serialize``)."""
    return replace(spec, description="", remind=None)


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
    return event_spec(
        uid_for(sender, person, series), sender, meeting,
        summary=summary if summary is not None else title_for(series, person, sender),
        description=description if description is not None
        else describe(person, sender, meeting, template, {"series": series}),
        attendees=(person,),
        remind=remind,
    )


def method_for(spec: EventSpec, cancel: bool) -> str:
    """REQUEST/CANCEL for invites with attendees; PUBLISH for the organiser's own events."""
    if not spec.attendees:
        return "PUBLISH"
    return "CANCEL" if cancel else "REQUEST"


def invite(
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
) -> Invite:
    """A complete invite for ``person``: one VCALENDAR, one VEVENT, CRLF line ends, folded.

    ``method="CANCEL"`` writes STATUS:CANCELLED (pass the bumped ``sequence``). A person
    without a valid e-mail address gets a PUBLISH event without ATTENDEE (see module docs).
    """
    if method not in METHODS:
        raise OutreachError(f"method: {method!r} is not one of {', '.join(METHODS)}")
    spec = invite_spec(person, sender, meeting, series=series, description=description,
                       summary=summary, remind=remind)
    cancel = method == "CANCEL"
    if cancel:
        spec = cancellation(spec)
    spec = replace(spec, sequence=sequence, stamp=stamp,
                   status="CANCELLED" if cancel else "CONFIRMED")
    chosen = "PUBLISH" if not spec.attendees or method == "PUBLISH" else method
    return Invite(calendar_bytes(chosen, [spec], stamp), chosen, stamp, sequence=sequence)


def invite_ics(person: Person, sender: Sender, meeting: Meeting, **options: Any) -> bytes:
    """The bytes of ``invite`` (for writing a .ics file)."""
    return invite(person, sender, meeting, **options).ics


def to_invite(method: str, specs: Sequence[EventSpec]) -> Invite:
    """VCALENDAR bytes for ``specs`` with the METHOD and newest DTSTAMP they were built with."""
    stamps = [s.stamp for s in specs if s.stamp is not None]
    return Invite(calendar_bytes(method, specs), method, max(stamps) if stamps else None,
                  sequence=max((s.sequence for s in specs), default=0))


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
        raise OutreachError(f"{spacing!r} is not weekday or week", field="slots")
    zone = start.tzinfo
    local = start.replace(tzinfo=None)
    starts: list[datetime] = []
    while len(starts) < count:
        if spacing == "week" or local.weekday() < 5:
            starts.append(localize(local, zone, "slots"))
        local += timedelta(days=7 if spacing == "week" else 1)
    return starts


def file_names(people: Iterable[Person], reserved: Iterable[str] = ()) -> list[str]:
    """``jane-doe.ics`` per person; namesakes (and ``reserved`` names) get ``-2``, ``-3``..."""
    return names_for_slugs((person.slug for person in people), reserved)


def names_for_slugs(slugs: Iterable[str], reserved: Iterable[str] = ()) -> list[str]:
    """``file_names`` from the people's slugs (computed where the invites are built)."""
    taken = set(reserved)
    names = []
    for whole in slugs:
        slug = fileio.name_part(whole)
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
    """One invite file per person (``{slug}.ics`` → bytes), ready for ``write_if_changed``.

    Big batches are built on every core (``parallel_map``), each invite in one pass: spec,
    version (from a snapshot of the ledger's rows, read first), bytes. The new versions and
    the meetings are then stored in one transaction, after re-reading the rows: an invite
    whose row another run changed meanwhile is rebuilt from the fresh row.
    """
    if not people:
        raise OutreachError("invite: no peers selected; check INPUT and the peer options")
    starts = slot_starts(meeting.start, len(people), slots)
    build = functools.partial(_spec_at, sender=sender, meeting=meeting, remind=remind,
                              template=template, cancel=cancel)
    pairs = list(zip(people, starts, strict=True))
    if ledger is None:  # one pass: each worker returns finished bytes
        one_pass = functools.partial(_invite_bytes_at, build=build, cancel=cancel, now=now)
        return dict(zip(file_names(people), parallel_map(one_pass, pairs), strict=True))
    uids = [uid_for(sender, person) for person in people]
    if len(set(uids)) < len(uids):  # one person twice: versions must be decided in order
        return _invite_files_in_steps(people, pairs, build, ledger, cancel, now)
    one = functools.partial(_ledger_invite_at, build=build, cancel=cancel,
                            stamp=utc_second(now or datetime.now(UTC)))
    snapshot = ledger.stored_invites(uids)
    built = parallel_map(one, [(*pair, snapshot.get(uid)) for pair, uid in zip(
        pairs, uids, strict=True)])
    with ledger.write():
        for index, row in _moved_rows(ledger, uids, snapshot):
            built[index] = one((*pairs[index], row))
        ledger.save_invites({uid: b.row for uid, b in zip(uids, built, strict=True)
                             if b.changed})
        if not cancel:
            _record_coffees(ledger, people, uids, starts)
    names = names_for_slugs(b.slug for b in built)
    return dict(zip(names, (b.data for b in built), strict=True))


class _Built(NamedTuple):
    data: bytes
    row: StoredInvite
    changed: bool
    slug: str


def _ledger_invite_at(
    item: tuple[Person, datetime, StoredInvite | None], *, build: Callable[..., EventSpec],
    cancel: bool, stamp: datetime,
) -> _Built:
    """One invite, versioned against its stored row (a pure function: runs in workers)."""
    person, start, stored = item
    spec = build((person, start))
    fingerprint = spec.fingerprint()
    sequence, moment, changed = next_invite_version(stored, fingerprint, cancel, stamp)
    spec = replace(spec, sequence=sequence, stamp=moment,
                   status="CANCELLED" if cancel else "CONFIRMED")
    row = StoredInvite(sequence, moment.isoformat(), fingerprint, int(cancel))
    return _Built(_invite_bytes(spec, cancel=cancel), row, changed, person.slug)


def _moved_rows(
    ledger: Ledger, uids: Sequence[str], snapshot: Mapping[str, StoredInvite]
) -> Iterator[tuple[int, StoredInvite | None]]:
    """Indexes and fresh rows of invites whose ledger row changed since ``snapshot``."""
    current = ledger.stored_invites(uids)
    for index, uid in enumerate(uids):
        if current.get(uid) != snapshot.get(uid):
            yield index, current.get(uid)


def _record_coffees(ledger: Ledger, people: Sequence[Person], uids: Sequence[str],
                    starts: Sequence[datetime]) -> None:
    ledger.record_meetings(PlannedMeeting(uid, person.key, person.full_name, "coffee", start)
                           for person, uid, start in zip(people, uids, starts, strict=True))


def _invite_files_in_steps(
    people: Sequence[Person], pairs: Sequence[tuple[Person, datetime]],
    build: Callable[..., EventSpec], ledger: Ledger, cancel: bool, now: datetime | None,
) -> dict[str, bytes]:
    """Specs, then versions in order (a uid may repeat), then bytes."""
    specs = versioned_all(parallel_map(build, pairs), ledger, cancel, now)
    if not cancel:
        _record_coffees(ledger, people, [s.uid for s in specs], [s.start for s in specs])
    datas = parallel_map(functools.partial(_invite_bytes, cancel=cancel), specs)
    return dict(zip(file_names(people), datas, strict=True))


def _spec_at(
    person_start: tuple[Person, datetime], *, sender: Sender, meeting: Meeting,
    remind: timedelta | None, template: str | None, cancel: bool = False,
) -> EventSpec:
    person, start = person_start
    at = meeting if start is meeting.start else replace(meeting, start=start)
    spec = invite_spec(person, sender, at, remind=remind, template=template)
    return cancellation(spec) if cancel else spec


def _invite_bytes(spec: EventSpec, *, cancel: bool) -> bytes:
    return calendar_bytes(method_for(spec, cancel), [spec])


def _invite_bytes_at(
    person_start: tuple[Person, datetime], *, build: Callable[..., EventSpec], cancel: bool,
    now: datetime | None,
) -> bytes:
    return _invite_bytes(versioned(build(person_start), None, cancel=cancel, now=now),
                         cancel=cancel)


def parallel_map(func: Callable[[Any], T], items: Sequence[Any], workers: int | None = None,
                 ) -> list[T]:
    """``func`` over ``items``: on every core for big batches, else in this process.

    Workers start the way this process starts them (``fork`` on Linux; ``spawn`` on macOS
    and Windows, or when a program sets it): ``func`` and ``items`` are picklable, module-
    level functions and plain data, and nothing relies on state a forked child inherits.
    Under ``fork`` the workers also keep the warm caches (templates, VTIMEZONEs); under
    ``spawn`` each re-imports first, so only batches of ``SPAWN_FROM`` are worth it.
    """
    count = workers or portable.usable_cpus()
    method = mp.get_start_method()
    smallest = PARALLEL_FROM if method == "fork" else SPAWN_FROM
    forking_threads = method == "fork" and threading.active_count() > 1  # can deadlock
    if count < 2 or len(items) < smallest or forking_threads:
        return [func(item) for item in items]
    with ProcessPoolExecutor(count, mp_context=mp.get_context(method)) as pool:
        return list(pool.map(func, items, chunksize=max(1, len(items) // (count * 4))))


def versioned_all(
    specs: Sequence[EventSpec], ledger: Ledger | None, cancel: bool, now: datetime | None
) -> list[EventSpec]:
    """Version every spec; in one ledger transaction (one fsync, not one per invite)."""
    if ledger is None:
        return [versioned(s, None, cancel=cancel, now=now) for s in specs]
    status = "CANCELLED" if cancel else "CONFIRMED"
    versions = ledger.invite_versions([(s.uid, s.fingerprint()) for s in specs], cancel=cancel,
                                      now=now)
    return [replace(s, sequence=sequence, stamp=stamp, status=status)
            for s, (sequence, stamp) in zip(specs, versions, strict=True)]


def versioned_copies(
    specs: Sequence[EventSpec], keys: Sequence[str], ledger: Ledger | None, cancel: bool,
    now: datetime | None,
) -> list[EventSpec]:
    """Version each spec under its own ledger key: one person's copy of an event others
    share (the forum, ``uid#person``), so its SEQUENCE rises only when what that person
    holds changes. In a ledger from before copies had keys of their own (none of ``keys``
    known), each continues from the shared UID's row: what they were sent then."""
    if ledger is None:
        return [versioned(s, None, cancel=cancel, now=now) for s in specs]
    stamp = utc_second(now or datetime.now(UTC))
    status = "CANCELLED" if cancel else "CONFIRMED"
    with ledger.write():
        known = ledger.stored_invites([*keys, *{s.uid for s in specs}])
        legacy = not any(key in known for key in keys)
        changes: dict[str, StoredInvite] = {}
        out = []
        for spec, key in zip(specs, keys, strict=True):
            fingerprint = spec.fingerprint()
            row = known.get(key) or (known.get(spec.uid) if legacy else None)
            sequence, moment, changed = next_invite_version(row, fingerprint, cancel, stamp)
            if changed or key not in known:
                changes[key] = StoredInvite(sequence, moment.isoformat(), fingerprint,
                                            int(cancel))
            out.append(replace(spec, sequence=sequence, stamp=moment, status=status))
        ledger.save_invites(changes)
    return out


@dataclass(frozen=True)
class WriteSummary:
    """What ``write_files`` did: file names written, left unchanged, and stale ones seen."""

    folder: Path
    written: tuple[str, ...]
    unchanged: tuple[str, ...]
    stale: tuple[str, ...]


def write_files(
    files: Mapping[str, bytes], folder: Path, progress: Callable[[int], None] | None = None
) -> WriteSummary:
    """Write each file atomically into ``folder``, skipping ones whose bytes are unchanged.

    One sync for the batch (``fileio.write_many``), not one fsync per file. ``stale`` lists
    other ``.ics`` files already there (from an earlier run with other peers).
    """
    names = list(files)
    changed = fileio.write_many(((folder / n, files[n]) for n in names), progress)
    written = tuple(n for n, c in zip(names, changed, strict=True) if c)
    unchanged = tuple(n for n, c in zip(names, changed, strict=True) if not c)
    stale = sorted(p.name for p in folder.glob("*.ics") if p.name not in files)
    return WriteSummary(folder, written, unchanged, tuple(stale))
