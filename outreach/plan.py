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
import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta

from outreach.errors import OutreachError
from outreach.model import Person, message_id
from outreach.times import localize

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
    places: Mapping[str, int] = field(default_factory=dict)  # person key → place in the cycle

    @property
    def peers(self) -> list[Person]:
        return [s.peer for s in self.series]

    def schedule(self) -> list[tuple[date, str, Person]]:
        """(date, weekday, peer) for every meeting that takes place."""
        return [(s.start.date(), s.weekday, s.peer) for s in self.slots if not s.skipped]


def whole_days(every: timedelta, field: str = "every") -> int:
    days = every.total_seconds() / 86400
    if days < 1 or days != int(days):
        raise OutreachError("must be whole days or weeks (e.g. 1w, 2w, 10d)", field=field)
    return int(days)


def pick_people(people: Sequence[Person], names: Iterable[str]) -> list[Person]:
    """The people named in ``--pick "Jane Doe,Sam Lee"``, in order, matched as ``outreach log``
    matches (a unique part of a name, a profile URL or an address will do)."""
    from outreach.track import resolve

    by_key = {p.key: p for p in people}
    picked: dict[str, tuple[str, Person]] = {}
    for name in names:
        try:
            key, person = resolve(by_key, name, where="among the selected peers")
        except OutreachError as exc:
            raise OutreachError(exc.message, field="pick") from None
        if key in picked:
            raise OutreachError(f"{picked[key][0]!r} and {name!r} are both "
                                f"{person.full_name}; name each peer once", field="pick")
        picked[key] = (name, person)
    return [person for _name, person in picked.values()]


def plan_rotation(
    people: Sequence[Person],
    start: datetime,
    size: int = 5,
    every: timedelta = timedelta(weeks=1),
    months: int = 6,
    skip: Iterable[date] = (),
    places: Mapping[str, int] | None = None,
) -> Rotation:
    """Meet ``size`` of ``people`` in turn, one per ``every``, for ``months``.

    ``places`` (person key → place in the cycle, from the last plan) keeps the rotation
    stable: everyone still among ``people`` keeps their place, a newcomer (the best of the
    rest) takes a freed one, and a place nobody can take stays a free week, so removing or
    adding a peer moves only that peer. A skip date must be the date of a planned meeting
    (else it is an error: a typo would otherwise silently keep the meeting).
    """
    if size < 1:
        raise OutreachError("must be at least 1", field="size")
    if months < 1:
        raise OutreachError("must be at least 1", field="months")
    if not people:
        raise OutreachError("rotation: no peers selected; check INPUT and the peer options")
    step = whole_days(every)
    by_place = _places(people, size, places or {})
    cycle = max(min(size, len(people)), max(by_place) + 1)
    local = start.replace(tzinfo=None)
    end = local + relativedelta(months=months)
    starts = []
    while local < end:
        starts.append(localize(local, start.tzinfo, "start"))
        local += timedelta(days=step)
    skipped = _skipped(starts, skip, step)
    slots = tuple(Slot(s, by_place[i % cycle], s in skipped) for i, s in enumerate(starts)
                  if i % cycle in by_place)
    series = []
    for _place, peer in sorted(by_place.items()):
        mine = _trim([s for s in slots if s.peer is peer])
        if mine:
            series.append(PeerSeries(
                peer, tuple(s.start for s in mine), tuple(s.start for s in mine if s.skipped),
                step * cycle))
    planned = {id(s.peer) for s in series}
    kept = {peer.key: place for place, peer in by_place.items() if id(peer) in planned}
    return Rotation(start, every, months, end.replace(tzinfo=start.tzinfo),
                    tuple(series), slots, kept)


def _places(people: Sequence[Person], size: int, places: Mapping[str, int]) -> dict[int, Person]:
    """Place → peer: those who had a place keep it; the best of the others fill free ones."""
    by_place: dict[int, Person] = {}
    for person in people:
        place = places.get(person.key)
        if place is not None and place < size and place not in by_place:
            by_place[place] = person
    taken = {p.key for p in by_place.values()}
    free = (place for place in range(size) if place not in by_place)
    for person, place in zip((p for p in people if p.key not in taken), free, strict=False):
        by_place[place] = person
    return by_place


def _skipped(starts: list[datetime], skip: Iterable[date], step: int) -> set[datetime]:
    by_date = {s.date(): s for s in starts}
    wrong = [d for d in skip if d not in by_date]
    if wrong:
        days = {f"{s:%A}" for s in starts} if step % 7 == 0 else {"every few days"}
        raise OutreachError(
            f"{', '.join(d.isoformat() for d in wrong)} is not a meeting date "
            f"(meetings fall on {', '.join(sorted(days))} from {starts[0]:%Y-%m-%d})",
            field="skip")
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
    raise OutreachError(f"{every!r} is not month or quarter", field="every")


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
        raise OutreachError("must be at least 1", field="size")
    if months < 1:
        raise OutreachError("must be at least 1", field="months")
    if not people:
        raise OutreachError("forum: no peers selected; check INPUT and the peer options")
    period = forum_period(every)
    byday = weekday_of_month(start.date())
    month = start.replace(tzinfo=None, day=1)
    starts = []
    for _ in range(max(1, -(-months // period))):  # 12 months quarterly: 4 sessions, not 5
        occurrence = month.replace(day=_nth_weekday(month.year, month.month, byday))
        starts.append(localize(occurrence, start.tzinfo, "start"))
        month += relativedelta(months=period)
    return Forum(tuple(people[:size]), tuple(starts), period, byday)


def span_text(span: timedelta) -> str:
    days = span.days
    if days % 7 == 0:
        return "week" if days == 7 else f"{days // 7} weeks"
    return "day" if days == 1 else f"{days} days"


# ---------------------------------------------------------------- who gets which message

SERIES_FACTS = ("start", "every", "count", "until", "minutes", "location", "link")


@dataclass(frozen=True)
class Intended:
    """What the plan wants a person to hold in a series now: the invite's UID and SEQUENCE,
    and the facts an invitation would state (``series_facts``)."""

    person: Person
    series: str
    uid: str
    sequence: int
    facts: Mapping[str, Any]


@dataclass(frozen=True)
class MessageDecision:
    """What to write for one person in one series, derived from what was already sent.

    ``kind``: ``invitation`` (never sent: written, or rewritten in place under the same
    Message-ID), ``update`` (sent, then the meeting changed), ``cancellation`` (sent, then the
    person left the plan), ``unchanged`` (sent and still true: nothing to send) or
    ``withdrawn`` (left before anything was sent: nothing to send). ``references`` is the
    thread an update or cancellation replies to; ``retired`` are planned messages, never sent,
    that this decision replaces (their files go, ``send`` refuses them).
    """

    person_key: str
    series: str
    kind: str
    message_id: str = ""
    references: tuple[str, ...] = ()
    original_subject: str = ""
    change: str = ""
    retired: tuple[str, ...] = ()
    intended: Intended | None = None
    uid: str = ""  # a cancellation's: the series it cancels, as last sent (``sent_facts``)
    sent_facts: Mapping[str, Any] = field(default_factory=dict)


def series_facts(start: datetime, every: str, count: int, until: datetime,
                 duration: timedelta, location: str, link: str) -> dict[str, Any]:
    """What an invitation states, as the ledger stores it (JSON-ready)."""
    return {"start": start.isoformat(), "every": every, "count": count,
            "until": until.isoformat(), "minutes": int(duration.total_seconds() // 60),
            "location": location, "link": link, "tz": getattr(start.tzinfo, "key", "UTC")}


def every_text(days: int) -> str:
    """``every five weeks``, ``every week``, ``every 10 days``: a rotation's rhythm in words."""
    from outreach.wording import number_word

    if days % 7 == 0:
        weeks = days // 7
        return "every week" if weeks == 1 else f"every {number_word(weeks)} weeks"
    return "every day" if days == 1 else f"every {number_word(days)} days"


def series_values(kind: str, every: str, starts: Sequence[datetime]) -> dict[str, Any]:
    """``series.*`` for an invitation: what its calendar part holds, in words (the e-mail
    must describe exactly that: rhythm, first date, how many, until when)."""
    from outreach.wording import number_word

    first = starts[0]
    return {"kind": kind, "every": every, "first": f"{first:%A} {first.day} {first:%B}",
            "count": len(starts), "count_words": number_word(len(starts)),
            "until": f"{starts[-1].day} {starts[-1]:%B %Y}"}


def plan_messages(
    intended: Sequence[Intended],
    prior: Sequence[Any],
    sent: set[str],
    organiser: str,
    domain: str,
    series: Iterable[str],
    *,
    secret: bytes = b"",
) -> list[MessageDecision]:
    """One decision per person and series: the intended ones, and everyone the ledger's plan
    (``prior``: ``ledger.PlannedMessage`` rows, oldest first) holds in ``series`` who is no
    longer intended. ``sent``: the Message-IDs that reached their recipient; ``secret``: the
    ledger's Message-ID key (``model.message_id``)."""
    threads: dict[tuple[str, str], list[Any]] = {}
    for row in prior:
        if row.state != "withdrawn" or row.message_id in sent:
            threads.setdefault((row.person_key, row.series), []).append(row)
    wanted = {(i.person.key, i.series): i for i in intended}
    ids = functools.partial(message_id, secret, domain)
    decisions = [_decide(i, threads.get(key, []), sent, organiser, ids)
                 for key, i in wanted.items()]
    for (key, name), rows in threads.items():
        if name in set(series) and (key, name) not in wanted:
            decisions.append(_decide_leaver(key, name, rows, sent, ids))
    return decisions


def _latest_thread(rows: Sequence[Any]) -> list[Any]:
    return [r for r in rows if r.thread == rows[-1].thread] if rows else []


def _decide(want: Intended, rows: Sequence[Any], sent: set[str], organiser: str,
            ids: Callable[..., str]) -> MessageDecision:
    thread = _latest_thread(rows)
    delivered = [r for r in thread if r.message_id in sent]
    last = delivered[-1] if delivered else None
    unsent = tuple(r.message_id for r in thread if r.message_id not in sent)
    key, name = want.person.key, want.series
    if not thread or (last is not None and last.kind == "cancellation"):
        root = ids(organiser, key, name, "invitation",
                         thread[0].thread if thread else "")
        return MessageDecision(key, name, "invitation", root, retired=_without(unsent, root),
                               intended=want)
    if last is None:
        root = thread[0].thread
        return MessageDecision(key, name, "invitation", root, retired=_without(unsent, root),
                               intended=want)
    if {k: last.facts.get(k) for k in SERIES_FACTS} == {k: want.facts.get(k)
                                                       for k in SERIES_FACTS}:
        return MessageDecision(key, name, "unchanged", last.message_id, retired=unsent,
                               intended=want)
    update = ids(thread[0].thread, "update", want.sequence)
    return MessageDecision(
        key, name, "update", update, references=tuple(r.message_id for r in delivered),
        original_subject=thread[0].subject, change=describe_change(last.facts, want.facts),
        retired=_without(unsent, update), intended=want)


def _decide_leaver(key: str, name: str, rows: Sequence[Any], sent: set[str],
                   ids: Callable[..., str]) -> MessageDecision:
    thread = _latest_thread(rows)
    delivered = [r for r in thread if r.message_id in sent]
    unsent = tuple(r.message_id for r in thread if r.message_id not in sent)
    if not delivered:
        return MessageDecision(key, name, "withdrawn", retired=unsent)
    if delivered[-1].kind == "cancellation":
        return MessageDecision(key, name, "unchanged", delivered[-1].message_id, retired=unsent)
    cancel = ids(thread[0].thread, "cancellation", len(delivered))
    last = next(r for r in reversed(delivered) if r.kind != "cancellation")
    return MessageDecision(key, name, "cancellation", cancel,
                           references=tuple(r.message_id for r in delivered),
                           original_subject=thread[0].subject, retired=_without(unsent, cancel),
                           uid=last.uid, sent_facts=last.facts)


def _without(ids: tuple[str, ...], kept: str) -> tuple[str, ...]:
    return tuple(i for i in ids if i != kept)


def describe_change(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    """What changed, in words a recipient reads: "moved to Tuesday 12 January, 09:00"."""
    from zoneinfo import ZoneInfo

    from outreach.wording import number_word

    changes = []
    start = datetime.fromisoformat(str(new["start"])).astimezone(ZoneInfo(str(new.get("tz")
                                                                              or "UTC")))
    if not old.get("start"):  # what they received came from another command: say it whole
        return f"the plan is now {new['every']} from {start:%A} {start.day} {start:%B, %H:%M %Z}"
    if old.get("start") != new.get("start"):
        changes.append(f"moved to {start:%A} {start.day} {start:%B, %H:%M %Z}")
    if old.get("every") != new.get("every"):
        changes.append(f"now {new['every']}")
    if old.get("count") != new.get("count"):  # a moved start moves the end with it: not news
        until = datetime.fromisoformat(str(new["until"]))
        changes.append(f"now {number_word(int(new['count']))} meetings, "
                       f"until {until.day} {until:%B %Y}")
    if old.get("minutes") != new.get("minutes"):
        changes.append(f"now {new['minutes']} minutes")
    if (old.get("location"), old.get("link")) != (new.get("location"), new.get("link")):
        place = new.get("location") or new.get("link")
        changes.append(f"now at {place}" if place else "no place set any more")
    return "; ".join(changes) or "details changed"
