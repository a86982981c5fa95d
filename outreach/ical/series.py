"""The calendar files of the rotation and the forum (the plans themselves are in
``outreach.plan``).

Each rotation peer gets ONE recurring series (RRULE with INTERVAL, UNTIL in UTC, EXDATE for
skipped dates) under a stable UID; the organiser's ``rotation.ics`` (METHOD:PUBLISH) holds every
series under the same UIDs, so replies land on the right event. A rerun with a ledger replaces
the rotation's future plan and cancels the series of each peer who left. The forum is one
recurring group event with every peer who has an address as an ATTENDEE.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from outreach.ical.events import (
    EventSpec,
    describe,
    event_spec,
    file_names,
    method_for,
    title_for,
    to_invite,
    uid_for,
    versioned_all,
)
from outreach.model import Invite, Meeting, Person, Sender
from outreach.plan import Forum, Rotation, span_text

if TYPE_CHECKING:
    from outreach.ledger import Ledger

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
                "until": f"{series.starts[-1]:%-d %B %Y}"}),
            attendees=(series.peer,), rrule=series.rrule(), exdates=series.skipped,
            remind=remind,
        ))
    return specs


@dataclass(frozen=True)
class RotationFiles:
    """What ``rotation_output`` built: the files, and who left the rotation since last time.

    ``invites`` holds each rotation peer's series by person key (what their e-mail attaches),
    ``names`` its file name. ``dropped`` pairs each peer who had future meetings in the ledger's
    rotation and is no longer in it with the name of the cancellation written for their series.
    """

    files: dict[str, bytes]
    dropped: tuple[tuple[Person, str], ...] = ()
    invites: dict[str, Invite] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    cancels: dict[str, Invite] = field(default_factory=dict)  # by key, for who left


def rotation_files(rotation: Rotation, sender: Sender, **options: Any) -> dict[str, bytes]:
    """``{slug}.ics`` per peer (their series) plus ``rotation.ics`` (every series, for you),
    and a cancellation per peer who left the rotation: ``rotation_output``'s files (same
    options)."""
    return rotation_output(rotation, sender, **options).files


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
    same transaction that records the new ones; each peer among them who is no longer in the
    rotation gets ``{slug}.ics`` cancelling their series (same UID, SEQUENCE + 1), so a rerun
    with other peers leaves nothing behind in their calendar or in ``outreach status``
    (``cancel_leavers=False``: the caller cancels, see ``series_cancel``).
    """
    specs = rotation_specs(rotation, sender, duration=duration, location=location, link=link,
                           remind=remind, template=template)
    with ledger.write() if ledger is not None else nullcontext():
        left: list[EventSpec] = []
        people: list[Person] = []
        if ledger is not None and not cancel:
            stamp = now or datetime.now(UTC)
            ledger.remember_people(rotation.peers)  # their addresses, should they leave
            dropped = ledger.replace_future_meetings(
                "rotation", rotation_meetings(rotation, sender), stamp)
            if cancel_leavers:  # else the caller cancels (the campaign: from what was sent)
                people, left = _leavers(ledger, rotation, sender, dropped, duration)
                left = versioned_all(left, ledger, True, now)
        specs = versioned_all(specs, ledger, cancel, now)
    names = file_names([*rotation.peers, *people], reserved={ROTATION_FILE})
    built = RotationFiles({})
    for person, name, spec in zip(rotation.peers, names, specs, strict=False):
        invite = to_invite(method_for(spec, cancel), [spec])
        built.files[name], built.invites[person.key], built.names[person.key] = (
            invite.ics, invite, name)
    built.files[ROTATION_FILE] = to_invite("PUBLISH", [replace(s, attendees=()) for s in specs]).ics
    cancelled = names[len(specs):]
    for person, name, spec in zip(people, cancelled, left, strict=True):
        invite = to_invite(method_for(spec, True), [spec])
        built.files[name], built.cancels[person.key] = invite.ics, invite
    return replace(built, dropped=tuple(zip(people, cancelled, strict=True)))


def _leavers(
    ledger: Ledger, rotation: Rotation, sender: Sender, dropped: Sequence[Any],
    duration: timedelta,
) -> tuple[list[Person], list[EventSpec]]:
    """Peers with dropped future meetings who left the rotation, and their series' cancel
    specs (unversioned): DTSTART at their first future occurrence, in the rotation's zone."""
    staying = set(ledger.identify(rotation.peers))  # the keys the ledger stores them under
    first: dict[str, Any] = {}
    for meeting in dropped:  # earliest first
        if meeting.person_key not in staying:
            first.setdefault(meeting.person_key, meeting)
    people, specs = [], []
    for key, meeting in first.items():
        person = ledger.person(key) or Person(first_name=meeting.person_name, last_name="")
        start = meeting.start.astimezone(rotation.start.tzinfo)
        people.append(person)
        specs.append(event_spec(
            meeting.uid.partition("#")[0], sender, Meeting(start, duration),
            summary=title_for("rotation", person, sender), attendees=(person,),
        ))
    return people, specs


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
) -> EventSpec:
    """The forum's one recurring VEVENT; peers without an e-mail address are not ATTENDEEs."""
    meeting = Meeting(forum.first, duration, location, link)
    host = Person(first_name="", last_name="")
    return event_spec(
        forum_uid(sender), sender, meeting,
        summary=title_for("forum", None, sender),
        description=describe(host, sender, meeting, template,
                             {"series": "forum", "peers": [p.full_name for p in forum.peers],
                              "every": forum.rule_text.removeprefix("every "),
                              "until": f"{forum.starts[-1]:%-d %B %Y}"}),
        attendees=forum.peers, rrule=forum.rrule(), remind=remind,
    )


def series_cancel(uid: str, series: str, person: Person, sender: Sender, meeting: Meeting,
                  ledger: Ledger | None = None, now: datetime | None = None) -> Invite:
    """The cancellation a person who left a series receives: METHOD:CANCEL for the series'
    UID (the whole series, or for the forum their place in it, RFC 5546), SEQUENCE + 1 once;
    ``meeting`` is the series as last sent to them, so a rerun writes the same bytes."""
    spec = event_spec(uid, sender, meeting,
                      summary=title_for(series, person if series != "forum" else None, sender),
                      attendees=(person,))
    spec = versioned_all([spec], ledger, True, now)[0]
    return to_invite(method_for(spec, True), [spec])


def forum_uid(sender: Sender) -> str:
    """The forum's UID: one forum per organiser."""
    return uid_for(sender, Person(first_name="", last_name=""), "forum")


def forum_ics(forum: Forum, sender: Sender, **options: Any) -> bytes:
    """The bytes of ``forum_invite`` (for writing ``forum.ics``)."""
    return forum_invite(forum, sender, **options).ics


def forum_invite(
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
) -> Invite:
    """The forum invite: METHOD:REQUEST (CANCEL with ``cancel``) with every peer attending."""
    spec = forum_spec(forum, sender, duration=duration, location=location, link=link,
                      remind=remind, template=template)
    spec = versioned_all([spec], ledger, cancel, now)[0]
    if ledger is not None and not cancel:
        from outreach.ledger import PlannedMeeting

        ledger.record_meetings(
            PlannedMeeting(f"{spec.uid}#{_utc_id(s)}#{p.key}", p.key, p.full_name, "forum", s)
            for s in forum.starts for p in forum.peers
        )
    return to_invite(method_for(spec, cancel), [spec])


def forum_no_email(forum: Forum) -> list[Person]:
    """Peers who could not be invited (no valid e-mail address)."""
    return [p for p in forum.peers if not p.address]
