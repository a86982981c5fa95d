"""The rhythm of a peer network: the weekly rotation and the recurring peer forum.

Rotation: ``size`` peers, one meeting every ``every`` (1 week by default), cycling through them
for ``months``. Each peer's meetings are periodic — every ``size × every`` — so each peer gets
ONE recurring series (``RRULE`` with ``INTERVAL``, ``UNTIL`` in UTC) instead of a pile of
single events. ``--skip`` dates remove that one meeting (``EXDATE``) and shift nothing else:
shifting would break the period, and RDATE-only series show in Outlook as "not supported".
The organiser's ``rotation.ics`` (METHOD:PUBLISH, for their own calendar) holds every series
under the same UIDs as the peers' invites, so replies land on the right event.

Forum: one recurring group event, every chosen peer an ATTENDEE, monthly or quarterly on the
same weekday-of-month as the start date: a start on the first Tuesday gives ``BYDAY=1TU``;
a start in the last seven days of the month that is the fifth such weekday gives
``BYDAY=-1TU`` (the last Tuesday), because not every month has a fifth one.
"""

from __future__ import annotations

import calendar as stdcalendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from dateutil.relativedelta import relativedelta

from outreach.errors import OutreachError
from outreach.ical.events import localize
from outreach.model import Person

if TYPE_CHECKING:
    pass

_DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}


@dataclass(frozen=True)
class Slot:
    """One meeting of the rotation (``skipped`` ones stay listed, marked)."""

    start: datetime
    peer: Person
    skipped: bool = False

    @property
    def weekday(self) -> str:
        return f"{self.start:%A}"


@dataclass(frozen=True)
class PeerSeries:
    """One peer's meetings: every ``interval_days`` from ``starts[0]``, minus ``skipped``."""

    peer: Person
    starts: tuple[datetime, ...]
    skipped: tuple[datetime, ...]
    interval_days: int

    @property
    def first(self) -> datetime:
        return self.starts[0]

    @property
    def until(self) -> datetime:
        """The last occurrence, in UTC (RRULE UNTIL when DTSTART has a TZID)."""
        return self.starts[-1].astimezone(UTC)

    @property
    def held(self) -> tuple[datetime, ...]:
        return tuple(s for s in self.starts if s not in self.skipped)

    def rrule(self) -> dict[str, Any]:
        if self.interval_days % 7 == 0:
            return {"freq": "weekly", "interval": self.interval_days // 7, "until": self.until}
        return {"freq": "daily", "interval": self.interval_days, "until": self.until}


@dataclass(frozen=True)
class Rotation:
    """A planned rotation: the peers' series and every slot in date order."""

    start: datetime
    every: timedelta
    months: int
    end: datetime
    series: tuple[PeerSeries, ...]
    slots: tuple[Slot, ...]

    @property
    def peers(self) -> list[Person]:
        return [s.peer for s in self.series]

    def schedule(self) -> list[tuple[date, str, Person]]:
        """(date, weekday, peer) for every meeting that takes place."""
        return [(s.start.date(), s.weekday, s.peer) for s in self.slots if not s.skipped]


def whole_days(every: timedelta, option: str = "--every") -> int:
    days = every.total_seconds() / 86400
    if days < 1 or days != int(days):
        raise OutreachError(f"{option}: must be whole days or weeks (e.g. 1w, 2w, 10d)")
    return int(days)


def pick_people(people: Sequence[Person], names: Iterable[str]) -> list[Person]:
    """The people named in ``--pick "Jane Doe,Sam Lee"``, in order, matched as ``outreach log``
    matches (a unique part of a name, a profile URL or an address will do)."""
    from outreach.track import resolve

    by_key = {p.key: p for p in people}
    return [resolve(by_key, name, where="among the selected peers", prefix="--pick: ")[1]
            for name in names]


def plan_rotation(
    people: Sequence[Person],
    start: datetime,
    size: int = 5,
    every: timedelta = timedelta(weeks=1),
    months: int = 6,
    skip: Iterable[date] = (),
) -> Rotation:
    """Meet the first ``size`` of ``people`` in turn, one per ``every``, for ``months``.

    A skip date must be the date of a planned meeting (else it is an error: a typo would
    otherwise silently keep the meeting).
    """
    if size < 1:
        raise OutreachError("--size: must be at least 1")
    if months < 1:
        raise OutreachError("--months: must be at least 1")
    if not people:
        raise OutreachError("rotation: no peers selected; check INPUT and the peer options")
    step = whole_days(every)
    peers = list(people[:size])
    local = start.replace(tzinfo=None)
    end = local + relativedelta(months=months)
    starts = []
    while local < end:
        starts.append(localize(local, start.tzinfo, "--start"))
        local += timedelta(days=step)
    skipped = _skipped(starts, skip, step)
    slots = tuple(Slot(s, peers[i % len(peers)], s in skipped) for i, s in enumerate(starts))
    series = []
    for index, peer in enumerate(peers):
        mine = _trim(slots[index:: len(peers)])
        if mine:
            series.append(PeerSeries(
                peer, tuple(s.start for s in mine), tuple(s.start for s in mine if s.skipped),
                step * len(peers)))
    return Rotation(start, every, months, end.replace(tzinfo=start.tzinfo),
                    tuple(series), slots)


def _skipped(starts: list[datetime], skip: Iterable[date], step: int) -> set[datetime]:
    by_date = {s.date(): s for s in starts}
    wrong = [d for d in skip if d not in by_date]
    if wrong:
        days = {f"{s:%A}" for s in starts} if step % 7 == 0 else {"every few days"}
        raise OutreachError(
            f"--skip: {', '.join(d.isoformat() for d in wrong)} is not a meeting date "
            f"(meetings fall on {', '.join(sorted(days))} from {starts[0]:%Y-%m-%d})"
        )
    return {by_date[d] for d in skip}


def _trim(slots: Sequence[Slot]) -> list[Slot]:
    """Drop skipped slots at either end: DTSTART and UNTIL fall on held meetings."""
    held = [i for i, s in enumerate(slots) if not s.skipped]
    return list(slots[held[0]: held[-1] + 1]) if held else []


# ---------------------------------------------------------------- forum


@dataclass(frozen=True)
class Forum:
    """The recurring group meeting: ``starts`` are its occurrences, in local time."""

    peers: tuple[Person, ...]
    starts: tuple[datetime, ...]
    months_between: int
    byday: str

    @property
    def first(self) -> datetime:
        return self.starts[0]

    @property
    def rule_text(self) -> str:
        """``every month on the first Tuesday`` — for the summary line."""
        ordinal = _ORDINALS[int(self.byday[:-2])]
        weekday = stdcalendar.day_name[_DAY_CODES.index(self.byday[-2:])]
        period = "month" if self.months_between == 1 else f"{self.months_between} months"
        return f"every {period} on the {ordinal} {weekday}"

    def rrule(self) -> dict[str, Any]:
        return {"freq": "monthly", "interval": self.months_between, "byday": self.byday,
                "until": self.starts[-1].astimezone(UTC)}


def forum_period(every: str) -> int:
    """``month``/``monthly``/``1m`` → 1, ``quarter``/``quarterly``/``3m`` → 3."""
    value = every.strip().lower()
    if value in ("month", "monthly", "1m"):
        return 1
    if value in ("quarter", "quarterly", "3m"):
        return 3
    raise OutreachError(f"--every: {every!r} is not month or quarter")


def weekday_of_month(day: date) -> str:
    """``1TU`` for the first Tuesday, ``-1TU`` for a fifth (= last) Tuesday."""
    nth = (day.day - 1) // 7 + 1
    return f"{nth if nth < 5 else -1}{_DAY_CODES[day.weekday()]}"


def _nth_weekday(year: int, month: int, byday: str) -> int:
    nth, weekday = int(byday[:-2]), _DAY_CODES.index(byday[-2:])
    days = [week[weekday] for week in stdcalendar.monthcalendar(year, month) if week[weekday]]
    return days[nth - 1] if nth > 0 else days[nth]


def plan_forum(
    people: Sequence[Person],
    start: datetime,
    every: str = "month",
    months: int = 12,
    size: int = 15,
) -> Forum:
    """The forum's first ``size`` peers and its sessions: one per period in ``months``."""
    if size < 1:
        raise OutreachError("--size: must be at least 1")
    if months < 1:
        raise OutreachError("--months: must be at least 1")
    if not people:
        raise OutreachError("forum: no peers selected; check INPUT and the peer options")
    period = forum_period(every)
    byday = weekday_of_month(start.date())
    month = start.replace(tzinfo=None, day=1)
    starts = []
    for _ in range(max(1, -(-months // period))):  # 12 months quarterly: 4 sessions, not 5
        occurrence = month.replace(day=_nth_weekday(month.year, month.month, byday))
        starts.append(localize(occurrence, start.tzinfo, "--start"))
        month += relativedelta(months=period)
    return Forum(tuple(people[:size]), tuple(starts), period, byday)


def span_text(span: timedelta) -> str:
    days = span.days
    if days % 7 == 0:
        return "week" if days == 7 else f"{days // 7} weeks"
    return "day" if days == 1 else f"{days} days"
