"""The calendar files of the rotation and the forum (the plans themselves are in
``outreach.plan``).

Each rotation peer gets ONE recurring series (RRULE with INTERVAL, UNTIL in UTC, EXDATE for
skipped dates) under a stable UID; the organiser's ``rotation.ics`` (METHOD:PUBLISH) holds every
series under the same UIDs, so replies land on the right event. A rerun with a ledger replaces
the rotation's future plan; a series whose peer left stays in ``rotation.ics`` as
STATUS:CANCELLED (SEQUENCE + 1, once), and that peer's cancellation carries the series as it
was (RRULE, EXDATE: its shape is kept in the ledger, ``Ledger.series_shapes``), so a calendar
that imported either cancels exactly the old meetings.

The forum is one recurring group event. The organiser's ``forum.ics`` lists every peer with an
address as an ATTENDEE; each peer's own copy (``ForumFiles.copies``, what their e-mail
attaches) lists only them and names nobody else, and is versioned on its own (``uid#key``),
so its SEQUENCE rises only when what that peer holds changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from outreach.ical.events import (
    EventSpec,
    attendees_of,
    cancellation,
    describe,
    event_spec,
    file_names,
    method_for,
    title_for,
    to_invite,
    uid_for,
    versioned_all,
    versioned_copies,
)
from outreach.model import Invite, Meeting, Person, Sender
from outreach.plan import Forum, Rotation, span_text

if TYPE_CHECKING:
    from outreach.ledger import Ledger, PlannedMeeting

ROTATION_FILE = "rotation.ics"
FORUM_FILE = "forum.ics"


def rotation_specs(
    rotation: Rotation,
    sender: Sender,
    *,
    duration: timedelta = timedelta(minutes=45),
    location: str = "",
    link: str = "",
    remind: timedelta | None = None,
    template: str | None = None,
) -> list[EventSpec]:
    """One recurring VEVENT per peer (SEQUENCE/DTSTAMP still unset)."""
    from outreach.peers import meeting_place

    specs = []
    for series in rotation.series:  # a peer far away is met by video (peers.meeting_place)
        meeting = Meeting(series.first, duration, *meeting_place(series.peer, location, link))
        specs.append(event_spec(
            uid_for(sender, series.peer, "rotation"), sender, meeting,
            summary=title_for("rotation", series.peer, sender),
            description=describe(series.peer, sender, meeting, template, {
                "series": "rotation", "every": span_text(timedelta(days=series.interval_days)),
                "until": f"{series.starts[-1].day} {series.starts[-1]:%B %Y}"}),
            attendees=(series.peer,), rrule=series.rrule(), exdates=series.skipped,
            remind=remind,
        ))
    return specs


# ---------------------------------------------------------------- a series' shape


def shape_of(spec: EventSpec) -> dict[str, Any]:
    """What a series is, JSON-ready, for the ledger: first start and zone, length, RRULE,
    EXDATEs and place — all a cancellation must repeat (``cancel_spec``)."""
    rrule = {key: value.astimezone(UTC).isoformat() if isinstance(value, datetime) else value
             for key, value in (spec.rrule or {}).items()}
    return {"start": spec.start.isoformat(), "tz": getattr(spec.start.tzinfo, "key", "UTC"),
            "minutes": int((spec.end - spec.start).total_seconds() // 60), "rrule": rrule,
            "exdates": [d.isoformat() for d in spec.exdates], "location": spec.location,
            "link": spec.url}


def cancel_spec(uid: str, shape: Mapping[str, Any], series: str, person: Person | None,
                sender: Sender) -> EventSpec:
    """The VEVENT that cancels series ``uid`` as ``shape`` says it was (same DTSTART, RRULE
    and EXDATEs), with ``person`` as its ATTENDEE (none: the organiser's own copy).
    SEQUENCE/DTSTAMP still unset: version it with ``cancel=True``."""
    zone = ZoneInfo(str(shape.get("tz") or "UTC"))
    start = datetime.fromisoformat(str(shape["start"])).astimezone(zone)
    rrule = {key: datetime.fromisoformat(value) if key == "until" else value
             for key, value in dict(shape.get("rrule") or {}).items()}
    meeting = Meeting(start, timedelta(minutes=int(shape["minutes"])),
                      str(shape.get("location") or ""), str(shape.get("link") or ""))
    return cancellation(event_spec(
        uid, sender, meeting,
        summary=title_for(series, person if series != "forum" else None, sender),
        attendees=(person,) if person is not None else (), rrule=rrule or None,
        exdates=[datetime.fromisoformat(d).astimezone(zone) for d in shape.get("exdates", ())],
    ))


def shape_from_meetings(meetings: Sequence[PlannedMeeting], zone: Any,
                        duration: timedelta) -> dict[str, Any]:
    """A series' shape from its planned occurrences (a ledger from before shapes were kept):
    every smallest gap between them, until the last, the missing steps as EXDATEs."""
    starts = sorted(m.start.astimezone(zone) for m in meetings)
    spec_start = starts[0]
    shape: dict[str, Any] = {"start": spec_start.isoformat(),
                             "tz": getattr(zone, "key", "UTC"),
                             "minutes": int(duration.total_seconds() // 60), "rrule": {},
                             "exdates": [], "location": "", "link": ""}
    days = sorted({(b.replace(tzinfo=None) - a.replace(tzinfo=None)).days
                   for a, b in pairwise(starts)} - {0})
    if days:
        step = days[0]
        held = {s.replace(tzinfo=None) for s in starts}
        local, last = spec_start.replace(tzinfo=None), starts[-1].replace(tzinfo=None)
        missing = []
        while local < last:
            local += timedelta(days=step)
            if local not in held:
                missing.append(local.replace(tzinfo=zone).isoformat())
        weekly = step % 7 == 0
        shape["rrule"] = {"freq": "weekly" if weekly else "daily",
                          "interval": step // 7 if weekly else step,
                          "until": starts[-1].astimezone(UTC).isoformat()}
        shape["exdates"] = missing
    return shape


@dataclass(frozen=True)
class RotationFiles:
    """What ``rotation_output`` built: the files, and who left the rotation since last time.

    ``invites`` holds each rotation peer's series by person key (what their e-mail attaches),
    ``names`` its file name. ``cancels`` holds, by series UID, the cancellation (METHOD:CANCEL,
    the series' RRULE and EXDATEs, SEQUENCE + 1) of every series whose peer left, and
    ``dropped`` pairs each peer who left in this run with the name of their cancellation file.
    """

    files: dict[str, bytes]
    dropped: tuple[tuple[Person, str], ...] = ()
    invites: dict[str, Invite] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    cancels: dict[str, Invite] = field(default_factory=dict)  # by series UID, for who left


def rotation_files(rotation: Rotation, sender: Sender, **options: Any) -> dict[str, bytes]:
    """``{slug}.ics`` per peer (their series) plus ``rotation.ics`` (every series, for you),
    and a cancellation per peer who left the rotation: ``rotation_output``'s files (same
    options)."""
    return rotation_output(rotation, sender, **options).files


@dataclass(frozen=True)
class _Gone:
    """A series whose peer left: who, its cancellation (versioned), whether it left now."""

    person: Person
    spec: EventSpec
    now: bool


def rotation_output(
    rotation: Rotation,
    sender: Sender,
    *,
    duration: timedelta = timedelta(minutes=45),
    location: str = "",
    link: str = "",
    ledger: Ledger | None = None,
    cancel: bool = False,
    remind: timedelta | None = None,
    template: str | None = None,
    now: datetime | None = None,
    cancel_leavers: bool = True,
) -> RotationFiles:
    """The rotation's files; with a ledger (and not ``cancel``) its future plan is replaced.

    Future rotation meetings the new plan does not hold are removed from the ledger in the
    same transaction that records the new ones. Every series whose peer left (this run or
    earlier) stays in ``rotation.ics`` as STATUS:CANCELLED and has its cancellation in
    ``cancels``; with ``cancel_leavers`` each such peer also gets ``{slug}.ics`` with it (the
    campaign sends it instead, from what was sent). A rerun writes the same bytes.
    """
    specs = rotation_specs(rotation, sender, duration=duration, location=location, link=link,
                           remind=remind, template=template)
    if cancel:
        specs = [cancellation(s) for s in specs]
    gone: list[_Gone] = []
    with ledger.write() if ledger is not None else nullcontext():
        if ledger is not None and not cancel:
            stamp = now or datetime.now(UTC)
            ledger.remember_people(rotation.peers)  # their addresses, should they leave
            dropped = ledger.replace_future_meetings(
                "rotation", rotation_meetings(rotation, sender), stamp)
            gone = _gone_series(ledger, rotation, sender, specs, dropped, duration, now)
        specs = versioned_all(specs, ledger, cancel, now)
    leavers = [g.person for g in gone] if cancel_leavers else []
    names = file_names([*rotation.peers, *leavers], reserved={ROTATION_FILE})
    built = RotationFiles({})
    for person, name, spec in zip(rotation.peers, names, specs, strict=False):
        invite = to_invite(method_for(spec, cancel), [spec])
        built.files[name], built.invites[person.key], built.names[person.key] = (
            invite.ics, invite, name)
    own = [replace(s, attendees=()) for s in [*specs, *(g.spec for g in gone)]]
    built.files[ROTATION_FILE] = to_invite("PUBLISH", own).ics
    for one in gone:
        built.cancels[one.spec.uid] = to_invite(method_for(one.spec, True), [one.spec])
    dropped_names = []
    for one, name in zip(gone if cancel_leavers else [], names[len(specs):], strict=True):
        built.files[name] = built.cancels[one.spec.uid].ics
        if one.now:
            dropped_names.append((one.person, name))
    return replace(built, dropped=tuple(dropped_names))


def _gone_series(
    ledger: Ledger, rotation: Rotation, sender: Sender, specs: Sequence[EventSpec],
    dropped: Sequence[PlannedMeeting], duration: timedelta, now: datetime | None,
) -> list[_Gone]:
    """Every rotation series the ledger knows whose peer is no longer in the rotation, as a
    versioned cancellation in the shape it was last written; this run's shapes are stored."""
    from outreach.ledger import SeriesShape

    current = {s.uid for s in specs}
    left_now: dict[str, list[PlannedMeeting]] = {}
    for meeting in dropped:  # earliest first
        uid = meeting.uid.partition("#")[0]
        if uid not in current:
            left_now.setdefault(uid, []).append(meeting)
    stored = {s.uid: s for s in ledger.series_shapes("rotation")}
    for uid, meetings in left_now.items():  # a series from before shapes were stored
        if uid not in stored:
            stored[uid] = SeriesShape(uid, "rotation", meetings[0].person_key, shape_from_meetings(
                meetings, rotation.start.tzinfo, duration))
    keys = ledger.identify(rotation.peers)
    ledger.save_series_shapes([*(SeriesShape(s.uid, "rotation", key, shape_of(s))
                                 for s, key in zip(specs, keys, strict=True)),
                               *(stored[uid] for uid in left_now)])
    gone = [(shape, ledger.person(shape.person_key) or Person(first_name="", last_name=""))
            for uid, shape in stored.items() if uid not in current]
    cancels = versioned_all([cancel_spec(shape.uid, shape.shape, "rotation", person, sender)
                             for shape, person in gone], ledger, True, now)
    return [_Gone(person, spec, shape.uid in left_now)
            for (shape, person), spec in zip(gone, cancels, strict=True)]


def rotation_meetings(rotation: Rotation, sender: Sender) -> list[Any]:
    """Every held meeting as a ledger ``PlannedMeeting`` (uid + ``#`` + start in UTC)."""
    from outreach.ledger import PlannedMeeting

    return [
        PlannedMeeting(f"{uid_for(sender, s.peer, 'rotation')}#{_utc_id(s.start)}", s.peer.key,
                       s.peer.full_name, "rotation", s.start)
        for s in rotation.slots if not s.skipped
    ]


def _utc_id(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}"


# ---------------------------------------------------------------- forum


def forum_spec(
    forum: Forum,
    sender: Sender,
    *,
    duration: timedelta = timedelta(minutes=90),
    location: str = "",
    link: str = "",
    remind: timedelta | None = None,
    template: str | None = None,
    peer: Person | None = None,
) -> EventSpec:
    """The forum's one recurring VEVENT: the organiser's, with every peer who has an address
    as an ATTENDEE and named in DESCRIPTION; with ``peer``, that peer's own copy, which lists
    and names only them (a forum e-mail goes to one person)."""
    meeting = Meeting(forum.first, duration, location, link)
    host = Person(first_name="", last_name="")
    named = [] if peer is not None else [p.full_name for p in forum.peers]
    return event_spec(
        forum_uid(sender), sender, meeting,
        summary=title_for("forum", None, sender),
        description=describe(host, sender, meeting, template,
                             {"series": "forum", "peers": named,
                              "every": forum.rule_text.removeprefix("every "),
                              "until": f"{forum.starts[-1].day} {forum.starts[-1]:%B %Y}"}),
        attendees=(peer,) if peer is not None else forum.peers, rrule=forum.rrule(),
        remind=remind,
    )


def series_cancel(uid: str, series: str, person: Person, sender: Sender, meeting: Meeting,
                  ledger: Ledger | None = None, now: datetime | None = None,
                  shape: Mapping[str, Any] | None = None) -> Invite:
    """The cancellation a person who left a series receives: METHOD:CANCEL for the series'
    UID (the whole series, or for the forum their place in it, RFC 5546), SEQUENCE + 1 once.
    ``shape`` is the series as the ledger keeps it (its RRULE and EXDATEs are repeated);
    without one, ``meeting`` (the series as last sent). A forum cancellation is versioned as
    that person's copy (``forum_copy_key``)."""
    spec = cancel_spec(uid, shape or shape_of(event_spec(uid, sender, meeting, summary="")),
                       series, person, sender)
    if series == "forum":
        spec = versioned_copies([spec], [forum_copy_key(uid, person)], ledger, True, now)[0]
    else:
        spec = versioned_all([spec], ledger, True, now)[0]
    return to_invite(method_for(spec, True), [spec])


def forum_uid(sender: Sender) -> str:
    """The forum's UID: one forum per organiser."""
    return uid_for(sender, Person(first_name="", last_name=""), "forum")


def forum_copy_key(uid: str, person: Person) -> str:
    """The ledger key of one peer's copy of the forum (its own SEQUENCE/DTSTAMP)."""
    return f"{uid}#{person.key}"


def forum_ics(forum: Forum, sender: Sender, **options: Any) -> bytes:
    """The bytes of the organiser's ``forum.ics`` (``forum_output``, same options)."""
    return forum_output(forum, sender, **options).organiser.ics


def forum_invite(forum: Forum, sender: Sender, **options: Any) -> Invite:
    """The organiser's forum invite (``forum_output``, same options)."""
    return forum_output(forum, sender, **options).organiser


@dataclass(frozen=True)
class ForumFiles:
    """What ``forum_output`` built: the organiser's invite (every peer attending), each
    peer's own copy by person key, and the series' shape (for cancelling it later)."""

    organiser: Invite
    copies: dict[str, Invite]
    shape: dict[str, Any]


def forum_output(
    forum: Forum,
    sender: Sender,
    *,
    duration: timedelta = timedelta(minutes=90),
    location: str = "",
    link: str = "",
    ledger: Ledger | None = None,
    cancel: bool = False,
    remind: timedelta | None = None,
    template: str | None = None,
    now: datetime | None = None,
) -> ForumFiles:
    """The forum: METHOD:REQUEST (CANCEL with ``cancel``) for the organiser with every peer
    attending, and one copy per peer with only them (see the module docs)."""
    options: dict[str, Any] = {"duration": duration, "location": location, "link": link,
                               "remind": remind, "template": template}
    spec = forum_spec(forum, sender, **options)
    one = forum_spec(forum, sender, peer=forum.peers[0], **options)  # the same text for all
    copies = [replace(one, attendees=attendees_of((p,))) for p in forum.peers]
    if cancel:
        spec, copies = cancellation(spec), [cancellation(c) for c in copies]
    with ledger.write() if ledger is not None else nullcontext():
        copies = versioned_copies(copies, [forum_copy_key(spec.uid, p) for p in forum.peers],
                                  ledger, cancel, now)  # first: they may continue its row
        spec = versioned_all([spec], ledger, cancel, now)[0]
        if ledger is not None and not cancel:
            _record_forum(ledger, forum, spec)
    return ForumFiles(to_invite(method_for(spec, cancel), [spec]),
                      {p.key: to_invite(method_for(c, cancel), [c])
                       for p, c in zip(forum.peers, copies, strict=True)}, shape_of(spec))


def _record_forum(ledger: Ledger, forum: Forum, spec: EventSpec) -> None:
    """The forum's meetings, one per session and peer, and its shape."""
    from outreach.ledger import PlannedMeeting, SeriesShape

    ledger.record_meetings(
        PlannedMeeting(f"{spec.uid}#{_utc_id(s)}#{p.key}", p.key, p.full_name, "forum", s)
        for s in forum.starts for p in forum.peers
    )
    ledger.save_series_shapes([SeriesShape(spec.uid, "forum", "", shape_of(spec))])


def forum_cancelled(sender: Sender, ledger: Ledger, now: datetime | None = None,
                    ) -> Invite | None:
    """The organiser's ``forum.ics`` once there is no forum any more: the series as last
    written, STATUS:CANCELLED (SEQUENCE + 1, once); None if there never was one."""
    shape = stored_forum_shape(sender, ledger)
    if shape is None:
        return None
    spec = versioned_all([cancel_spec(forum_uid(sender), shape, "forum", None, sender)],
                         ledger, True, now)[0]
    return to_invite("PUBLISH", [spec])


def stored_forum_shape(sender: Sender, ledger: Ledger) -> dict[str, Any] | None:
    """The forum's shape as last written (None: no forum yet)."""
    uid = forum_uid(sender)
    return next((dict(s.shape) for s in ledger.series_shapes("forum") if s.uid == uid), None)


def forum_no_email(forum: Forum) -> list[Person]:
    """Peers who could not be invited (no valid e-mail address)."""
    return [p for p in forum.peers if not p.address]
