"""VTIMEZONE components in the shape every calendar client reads right.

icalendar's ``Timezone.from_tzid()`` writes one observance per historical transition
(RDATE style, 1970–2038). Outlook mishandles that shape — weekly series that cross a DST change
end up an hour off — and expects what Exchange itself writes: one STANDARD and one DAYLIGHT
block, each with a yearly RRULE such as ``BYMONTH=3;BYDAY=2SU``. This module derives that
shape from zoneinfo's transitions for the years the events span and checks the rule against
every transition in those years before trusting it.

Zones whose changes follow no weekday-of-month rule (e.g. Israel's "Friday before the last
Sunday", Morocco around Ramadan) get one observance per transition within the years the
events span instead: always correct, if less pretty. Zones without transitions get a single
STANDARD block. UTC needs no VTIMEZONE at all (times are written with ``Z``).
"""

from __future__ import annotations

import calendar as stdcalendar
import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

_DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_EPOCH = datetime(1970, 1, 1)


@dataclass(frozen=True)
class Transition:
    """One change of UTC offset: ``local`` is the wall-clock onset in the old offset."""

    utc: datetime
    local: datetime
    offset_from: timedelta
    offset_to: timedelta
    name: str

    @property
    def forward(self) -> bool:
        """True when clocks go forward (into the DAYLIGHT observance)."""
        return self.offset_to > self.offset_from


def is_utc(zone: ZoneInfo) -> bool:
    """Zones written as ``...Z`` times, without a VTIMEZONE."""
    return getattr(zone, "key", "UTC") in {"UTC", "Etc/UTC", "Etc/Universal", "Universal",
                                           "Zulu", "Etc/Zulu"}


def transitions(zone: ZoneInfo, first_year: int, last_year: int) -> list[Transition]:
    """Every offset change from the start of ``first_year`` to the end of ``last_year``."""
    found = []
    moment = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    step = timedelta(days=1)
    offset = _offset(zone, moment)
    while moment < end:
        later = moment + step
        later_offset = _offset(zone, later)
        if later_offset != offset:
            found.append(_transition(zone, moment, later, offset, later_offset))
            offset = later_offset
        moment = later
    return found


def _offset(zone: ZoneInfo, moment: datetime) -> timedelta:
    return moment.astimezone(zone).utcoffset() or timedelta(0)


def _transition(
    zone: ZoneInfo, low: datetime, high: datetime, before: timedelta, after: timedelta
) -> Transition:
    """Bisect (low, high] to the minute where the offset turns from ``before`` to ``after``."""
    while high - low > timedelta(minutes=1):
        middle = low + (high - low) / 2
        middle = middle.replace(second=0, microsecond=0)
        if middle <= low:
            middle = low + timedelta(minutes=1)
        if _offset(zone, middle) == before:
            low = middle
        else:
            high = middle
    local = (high + before).replace(tzinfo=None)
    return Transition(high, local, before, after, high.astimezone(zone).tzname() or "")


def _byday(day: datetime) -> str:
    """``2SU`` (second Sunday) or ``-1SU`` (last Sunday) for the weekday-of-month of ``day``."""
    days_in_month = stdcalendar.monthrange(day.year, day.month)[1]
    code = _DAY_CODES[day.weekday()]
    if day.day + 7 > days_in_month:
        return f"-1{code}"
    return f"{(day.day - 1) // 7 + 1}{code}"


def _nth_weekday(year: int, month: int, byday: str) -> int:
    """Day of month of ``byday`` (``2SU``, ``-1SU``) in ``year``-``month``."""
    nth, weekday = int(byday[:-2]), _DAY_CODES.index(byday[-2:])
    days_in_month = stdcalendar.monthrange(year, month)[1]
    days = [d for d in range(1, days_in_month + 1)
            if datetime(year, month, d).weekday() == weekday]
    return days[nth - 1] if nth > 0 else days[nth]


def _yearly_rule(changes: list[Transition], years: range) -> str | None:
    """The BYDAY every one of ``changes`` (one per year, same kind) follows, or None."""
    if len(changes) != len(years) or [c.local.year for c in changes] != list(years):
        return None
    first = changes[0]
    same = all(
        (c.local.month, c.local.time(), c.offset_from, c.offset_to)
        == (first.local.month, first.local.time(), first.offset_from, first.offset_to)
        for c in changes
    )
    if not same:
        return None
    for candidate in dict.fromkeys((_byday(first.local), _nth(first.local))):
        if all(_nth_weekday(c.local.year, c.local.month, candidate) == c.local.day
               for c in changes):
            return candidate
    return None


def _nth(day: datetime) -> str:
    return f"{(day.day - 1) // 7 + 1}{_DAY_CODES[day.weekday()]}"


def _observance(change: Transition, byday: str | None) -> TimezoneStandard | TimezoneDaylight:
    block = TimezoneDaylight() if change.forward else TimezoneStandard()
    block.add("dtstart", change.local)
    block.add("tzoffsetfrom", change.offset_from)
    block.add("tzoffsetto", change.offset_to)
    if byday:
        block.add("rrule", {"freq": "yearly", "bymonth": change.local.month, "byday": byday})
    if change.name:
        block.add("tzname", change.name)
    return block


def _fixed(zone: ZoneInfo, year: int) -> TimezoneStandard:
    """The single STANDARD block of a zone that does not change in the years used."""
    moment = datetime(year, 1, 1, tzinfo=UTC).astimezone(zone)
    offset = moment.utcoffset() or timedelta(0)
    block = TimezoneStandard()
    block.add("dtstart", _EPOCH)
    block.add("tzoffsetfrom", offset)
    block.add("tzoffsetto", offset)
    if moment.tzname():
        block.add("tzname", moment.tzname())
    return block


@functools.lru_cache(maxsize=256)
def vtimezone(tzid: str, first_year: int, last_year: int) -> Timezone:
    """The VTIMEZONE for events of zone ``tzid`` between ``first_year`` and ``last_year``.

    Cached: build once per zone and span, then share it between every invite. Treat the
    returned component as read-only.
    """
    zone = ZoneInfo(tzid)
    years = range(first_year - 1, last_year + 1)  # from the year before, so events follow a DTSTART
    changes = transitions(zone, years.start, years.stop - 1)
    component = Timezone()
    component.add("tzid", tzid)
    if not changes:
        component.add_component(_fixed(zone, first_year))
        return component
    forward = [c for c in changes if c.forward]
    backward = [c for c in changes if not c.forward]
    rules = (_yearly_rule(forward, years), _yearly_rule(backward, years))
    if rules[0] and rules[1]:
        component.add_component(_observance(backward[0], rules[1]))
        component.add_component(_observance(forward[0], rules[0]))
        return component
    component.add_component(_opening(zone, years.start))
    for change in changes:
        component.add_component(_observance(change, None))
    return component


def _opening(zone: ZoneInfo, year: int) -> TimezoneStandard | TimezoneDaylight:
    """For irregular zones: the offset in force from 1 January of ``year``."""
    moment = datetime(year, 1, 1, tzinfo=UTC).astimezone(zone)
    offset = moment.utcoffset() or timedelta(0)
    dst = bool(moment.dst())
    block = TimezoneDaylight() if dst else TimezoneStandard()
    block.add("dtstart", datetime(year, 1, 1))
    block.add("tzoffsetfrom", offset)
    block.add("tzoffsetto", offset)
    if moment.tzname():
        block.add("tzname", moment.tzname())
    return block
