"""A corpus of .ics files from the calendar stage, with what a client must see in each.

Shared by test_calendar.py, test_schedule.py and test_calendar_clients.py: every file is
linted, round-tripped and parsed by ical.js, libical and calcurse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from outreach.ical.events import invite_ics
from outreach.ical.series import cancel_spec, forum_ics, forum_output, rotation_files, shape_of
from outreach.model import Meeting, Person, Sender
from outreach.plan import Rotation, plan_forum, plan_rotation

STAMP = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SENDER = Sender("Pat Lee", "pat@example.com", "VP Marketing", "Acme")
TORONTO = ZoneInfo("America/Toronto")

HOSTILE_NAMES = [
    "Ana\r\nBEGIN:VEVENT\r\nUID:evil",
    'Bo "The Boss"; Smith, Jr.',
    "C:\\Users\\evil\\",
    "Zoë Ødegård 王伟 ^n^'",
    "Tab\tand\x00nul\x1b[31m",
    "END:VCALENDAR",
]


def person(first: str, last: str = "Doe", email: str | None = None, company: str = "") -> Person:
    slug = f"{first}-{last}".lower().replace(" ", "-")
    address = f"{slug}@example.org" if email is None else email
    return Person(first, last, url=f"https://www.linkedin.com/in/{slug}", email=address,
                  company=company)


PEOPLE = [person(name) for name in ("Ada", "Ben", "Cy", "Di", "Ed", "Flo")]


@dataclass(frozen=True)
class Sample:
    """One file and what every client must see in it."""

    name: str
    data: bytes
    method: str
    tzid: str | None  # None: times in UTC, no VTIMEZONE
    occurrences: dict[str, list[datetime]]  # uid -> every start, aware
    attendees: dict[str, int]  # uid -> ATTENDEE count
    summaries: dict[str, str]


def _single(name: str, data: bytes, method: str, start: datetime, uid: str, attendees: int,
            summary: str, tzid: str | None) -> Sample:
    return Sample(name, data, method, tzid, {uid: [start]}, {uid: attendees}, {uid: summary})


def corpus() -> list[Sample]:
    from outreach.ical.events import uid_for

    samples = []
    toronto = Meeting(datetime(2027, 1, 5, 8, 0, tzinfo=TORONTO), location="Café Olimpico")
    zoe = person("Zoë", "Ødegård", company="Nordlys AS")
    samples.append(_single(
        "invite-toronto.ics",
        invite_ics(zoe, SENDER, toronto, stamp=STAMP, remind=timedelta(minutes=15)),
        "REQUEST", toronto.start, uid_for(SENDER, zoe, "coffee"), 1,
        "Peer coffee: Zoë Ødegård & Pat Lee", "America/Toronto"))
    utc = Meeting(datetime(2027, 3, 9, 15, 30, tzinfo=ZoneInfo("UTC")),
                  link="https://meet.example/abc-def?x=1&y=2")
    samples.append(_single(
        "invite-utc.ics", invite_ics(PEOPLE[0], SENDER, utc, stamp=STAMP), "REQUEST",
        utc.start, uid_for(SENDER, PEOPLE[0], "coffee"), 1, "Peer coffee: Ada Doe & Pat Lee",
        None))
    nomail = person("Li", "Wei", email="")
    samples.append(_single(
        "invite-no-email.ics", invite_ics(nomail, SENDER, toronto, stamp=STAMP), "PUBLISH",
        toronto.start, uid_for(SENDER, nomail, "coffee"), 0, "Peer coffee: Li Wei & Pat Lee",
        "America/Toronto"))
    samples.append(_single(
        "invite-cancel.ics",
        invite_ics(zoe, SENDER, toronto, stamp=STAMP, method="CANCEL", sequence=1),
        "CANCEL", toronto.start, uid_for(SENDER, zoe, "coffee"), 1,
        "Peer coffee: Zoë Ødegård & Pat Lee", "America/Toronto"))
    kolkata = Meeting(datetime(2027, 6, 1, 9, 0, tzinfo=ZoneInfo("Asia/Kolkata")))
    samples.append(_single(
        "invite-kolkata.ics", invite_ics(PEOPLE[1], SENDER, kolkata, stamp=STAMP), "REQUEST",
        kolkata.start, uid_for(SENDER, PEOPLE[1], "coffee"), 1, "Peer coffee: Ben Doe & Pat Lee",
        "Asia/Kolkata"))
    for index, name in enumerate(HOSTILE_NAMES):
        hostile = Person(name, "X", url=f"https://www.linkedin.com/in/h{index}",
                         email=f"h{index}@example.org", company=name)
        data = invite_ics(hostile, SENDER, toronto, stamp=STAMP,
                          description=f"Agenda:\n{name}\nBEGIN:VALARM\n;,\\")
        samples.append(Sample(f"hostile-{index}.ics", data, "REQUEST", "America/Toronto",
                              {uid_for(SENDER, hostile, "coffee"): [toronto.start]},
                              {uid_for(SENDER, hostile, "coffee"): 1}, {}))
    samples += rotation_samples()
    samples += forum_samples()
    return samples


def rotation_plan() -> Rotation:
    """3 peers weekly from 2 Feb 2027 for 3 months: crosses 14 March (DST); 23 Feb skipped."""
    start = datetime(2027, 2, 2, 8, 0, tzinfo=TORONTO)
    return plan_rotation(PEOPLE, start, size=3, every=timedelta(weeks=1), months=3,
                         skip=[date(2027, 2, 23)])


def rotation_samples() -> list[Sample]:
    from outreach.ical.events import uid_for

    plan = rotation_plan()
    files = rotation_files(plan, SENDER, duration=timedelta(minutes=30), location="Lobby",
                           now=STAMP)
    samples = []
    every = {}
    for series in plan.series:
        uid = uid_for(SENDER, series.peer, "rotation")
        every[uid] = list(series.held)
        samples.append(Sample(
            f"rotation-{series.peer.slug}.ics", files[f"{series.peer.slug}.ics"], "REQUEST",
            "America/Toronto", {uid: list(series.held)}, {uid: 1}, {}))
    samples.append(Sample("rotation.ics", files["rotation.ics"], "PUBLISH", "America/Toronto",
                          every, dict.fromkeys(every, 0), {}))
    samples.append(rotation_cancel_sample(plan))
    return samples


def rotation_cancel_sample(plan: Rotation) -> Sample:
    """A peer's rotation series cancelled as every command cancels it: the series' RRULE and
    EXDATE, METHOD:CANCEL, STATUS:CANCELLED, SEQUENCE + 1, no RSVP."""
    from dataclasses import replace

    from outreach.ical.events import to_invite, uid_for
    from outreach.ical.series import rotation_specs

    series = next(s for s in plan.series if s.skipped)  # the one with an EXDATE
    uid = uid_for(SENDER, series.peer, "rotation")
    spec = next(s for s in rotation_specs(plan, SENDER, duration=timedelta(minutes=30),
                                          location="Lobby") if s.uid == uid)
    cancel = cancel_spec(spec.uid, shape_of(spec), "rotation", series.peer, SENDER)
    cancel = replace(cancel, sequence=1, stamp=STAMP, status="CANCELLED")
    return Sample("rotation-cancel.ics", to_invite("CANCEL", [cancel]).ics, "CANCEL",
                  "America/Toronto", {uid: list(series.held)}, {uid: 1}, {})


def forum_samples() -> list[Sample]:
    from outreach.ical.events import uid_for

    host = Person("", "")
    samples = []
    for zone, every, start in (("Europe/Berlin", "month", datetime(2027, 1, 5, 7, 30)),
                               ("Australia/Sydney", "quarter", datetime(2027, 1, 29, 18, 0))):
        plan = plan_forum(PEOPLE, start.replace(tzinfo=ZoneInfo(zone)), every, 12, 5)
        uid = uid_for(SENDER, host, "forum")
        samples.append(Sample(
            f"forum-{every}.ics", forum_ics(plan, SENDER, location="Room 5", now=STAMP),
            "REQUEST", zone, {uid: list(plan.starts)}, {uid: 5}, {uid: "Peer forum: Pat Lee"}))
        copy = forum_output(plan, SENDER, location="Room 5", now=STAMP).copies[PEOPLE[0].key]
        samples.append(Sample(  # what one peer's e-mail attaches: only them
            f"forum-{every}-copy.ics", copy.ics, "REQUEST", zone, {uid: list(plan.starts)},
            {uid: 1}, {uid: "Peer forum: Pat Lee"}))
    return samples
