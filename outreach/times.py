"""Parsers for the options that say when a meeting happens (``Meeting`` is in ``outreach.model``).

The calendar, e-mail and card stages share these, so ``--start 2027-01-05T08:00 --duration 45m
--tz America/Toronto`` means the same thing to every command.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from outreach.errors import OutreachError

_SPAN = re.compile(r"(\d+(?:\.\d+)?)\s*(w|d|h|m|min|mins|minutes?|hours?|days?|weeks?)", re.I)
MAX_SPAN_MINUTES = 52 * 7 * 24 * 60
"""The longest span an option takes (a duration, a reminder, a rotation's step): a year."""
YEARS = (1970, 2199)
"""Meetings start in these years: a plan runs for years after its start, inside the calendar."""
_UNIT_MINUTES = {"w": 7 * 24 * 60, "d": 24 * 60, "h": 60, "m": 1}
NOW_VAR = "OUTREACH_NOW"
"""An ISO 8601 time with its offset that stands in for the clock (tests, reproducible runs)."""
TODAY_VAR = "OUTREACH_TODAY"
"""The user's spelling: ``YYYY-MM-DD`` makes every command behave as if today were that day
(at noon UTC); it wins over ``$OUTREACH_NOW``."""
TODAY_TIME = time(12, 0)
"""The time of day ``$OUTREACH_TODAY`` stands for: noon UTC, the same day in every zone from
UTC-11 to UTC+11."""
WORKING_HOURS = (time(7, 0), time(20, 0))
"""A meeting that starts outside these hours (or on a weekend) is asked about first."""
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class UsualSlot:
    """The user's usual meeting slot (``[meeting]`` weekday, time and lead in outreach.toml):
    the time a date without one takes, and the default first meeting, at least ``lead``
    after now."""

    weekday: int = 1  # Tuesday
    at: time = time(8, 0)
    lead: timedelta = timedelta(days=7)


def given_today() -> date | None:
    """The day ``$OUTREACH_TODAY`` names (None when unset); a one-line error naming the
    variable when it is not a date."""
    given = os.environ.get(TODAY_VAR, "").strip()
    if not given:
        return None
    try:
        day = date.fromisoformat(given)
    except ValueError:
        raise OutreachError(f"${TODAY_VAR}: cannot read {given!r}; use YYYY-MM-DD, "
                            "e.g. 2027-06-08") from None
    if not YEARS[0] <= day.year <= YEARS[1]:
        raise OutreachError(f"${TODAY_VAR}: {given} is out of range; give a date from "
                            f"{YEARS[0]} to {YEARS[1]}")
    return day


def today() -> date:
    """Today: ``$OUTREACH_TODAY`` when set, else the local date of ``now()`` (so
    ``$OUTREACH_NOW`` moves it too); what every command means by "today": ``log --on``,
    ``status``, ``followups``, ``review``..."""
    return given_today() or now().astimezone().date()


def clock() -> datetime:
    """Now in UTC to the second, for what the ledger records (sent, planned, noted): the
    same moment as ``now()`` (``$OUTREACH_TODAY``'s noon, ``$OUTREACH_NOW``, else the real
    clock), so a trial lived ahead of time is recorded on its days."""
    return now().astimezone(UTC).replace(microsecond=0)


def now() -> datetime:
    """The current time, aware: the clock; ``$OUTREACH_TODAY``'s day at noon UTC when set;
    else ``$OUTREACH_NOW`` when set (one clock for every check of a start, so a test can say
    when "now" is)."""
    day = given_today()
    if day is not None:
        return datetime.combine(day, TODAY_TIME, tzinfo=UTC)
    given = os.environ.get(NOW_VAR, "").strip()
    if given:
        try:
            moment = datetime.fromisoformat(given)
        except ValueError:
            raise OutreachError(f"${NOW_VAR}: cannot read {given!r}; use e.g. "
                                "2027-01-04T09:00+00:00") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime.now(UTC)


def first_slot(moment: datetime, tz: str, slot: UsualSlot | None = None) -> datetime:
    """The first usual slot (weekday at time, in ``tz``) at least ``slot.lead`` after
    ``moment``: run on a Monday at 23:00 with a week's lead, a Tuesday 08:00 slot is the
    Tuesday after next, never the next morning."""
    slot = slot or UsualSlot()
    zone = parse_zone(tz)
    earliest = (moment + slot.lead).astimezone(zone)
    day = earliest.date() + timedelta(days=(slot.weekday - earliest.weekday()) % 7)
    start = datetime.combine(day, slot.at, tzinfo=zone)
    return start if start >= earliest else start + timedelta(weeks=1)


def check_not_past(when: datetime, moment: datetime, *, field: str = "start") -> None:
    """Refuse a first meeting before ``moment`` (now): invitations for a day gone by."""
    if when < moment:
        here = moment.astimezone(when.tzinfo)
        raise OutreachError(f"{when:%Y-%m-%d %H:%M} is in the past (it is {here:%Y-%m-%d %H:%M} "
                            "now); give a later date", field=field)


def unusual_start(when: datetime) -> str | None:
    """Why ``when`` is an odd time to meet (a weekend, outside 07:00–20:00), else None."""
    day = f"{when:%Y-%m-%d %H:%M} is a {_WEEKDAYS[when.weekday()]}"
    if when.weekday() >= 5:
        return day
    early, late = WORKING_HOURS
    if not early <= when.time() <= late:
        return (f"{when:%Y-%m-%d %H:%M} is outside working hours "
                f"({early:%H:%M}–{late:%H:%M})")
    return None


def parse_span(text: str, *, field: str = "duration") -> timedelta:
    """``45m``, ``1h30m``, ``1.5h``, ``2w``, ``90`` (minutes) → timedelta."""
    raw = text.strip()
    if raw.isdigit():
        if len(raw) > 9 or int(raw) > MAX_SPAN_MINUTES:
            raise OutreachError(f"{text!r} is too long (at most 52w)", field=field)
        return timedelta(minutes=int(raw))
    matches = list(_SPAN.finditer(raw))
    if not matches or "".join(m.group(0) for m in matches).replace(" ", "") != raw.replace(" ", ""):
        raise OutreachError(f"cannot read {text!r}; use e.g. 45m, 1h30m, 1w", field=field)
    minutes = sum(float(m.group(1)) * _UNIT_MINUTES[m.group(2)[0].lower()] for m in matches)
    if minutes <= 0:
        raise OutreachError(f"{text!r} must be longer than zero", field=field)
    if minutes > MAX_SPAN_MINUTES:
        raise OutreachError(f"{text!r} is too long (at most 52w)", field=field)
    return timedelta(minutes=minutes)


def parse_zone(name: str, *, field: str = "tz") -> ZoneInfo:
    """An IANA zone name (``America/Toronto``) → ZoneInfo, with a clear error for typos."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise OutreachError(
            f"unknown time zone {name!r}; use an IANA name such as America/Toronto", field=field
        ) from None


def parse_start(text: str, tz: str, usual: time | None = None, *,
                field: str = "start") -> datetime:
    """``2027-01-05T08:00`` (or ``2027-01-05 08:00``) in zone ``tz`` → aware datetime; a date
    alone (``2027-01-05``) takes the ``usual`` time (08:00 unless given), never midnight.

    Wall-clock times that do not exist (skipped by a DST change) are refused rather than
    silently moved.
    """
    zone = parse_zone(tz)
    raw = text.strip()
    try:
        naive = datetime.fromisoformat(raw)
    except ValueError:
        raise OutreachError(f"cannot read {text!r}; use e.g. 2027-01-05T08:00",
                            field=field) from None
    if _is_date(raw):
        naive = datetime.combine(naive.date(), usual or UsualSlot().at)
    if not YEARS[0] <= naive.year <= YEARS[1]:
        raise OutreachError(f"{raw} is out of range; give a date from {YEARS[0]} to "
                            f"{YEARS[1]}", field=field)
    if naive.tzinfo is not None:
        return naive.astimezone(zone)
    aware = naive.replace(tzinfo=zone)
    round_trip = aware.astimezone(ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None)
    if round_trip != naive:
        raise OutreachError(f"{naive:%Y-%m-%dT%H:%M} does not exist in {tz} (clocks change "
                            "then)", field=field)
    return aware


def _is_date(text: str) -> bool:
    """``2027-01-12`` (or ``20270112``): a day with no time of day."""
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def twice_note(when: datetime) -> str | None:
    """When ``when`` (as ``parse_start`` read it) is a wall-clock time that happens twice (the
    hour clocks go back), which one was taken and how to ask for the other; else None."""
    if when.tzinfo is None:
        return None
    first, second = when.replace(fold=0), when.replace(fold=1)
    if first.utcoffset() == second.utcoffset():
        return None
    zone = getattr(when.tzinfo, "key", when.tzinfo)
    other = second if when.fold == 0 else first
    return (f"{when:%Y-%m-%d %H:%M} happens twice in {zone} (clocks go back); "
            f"using the first, {when.replace(fold=0):%H:%M%z} ({first.tzname()}); for the "
            f"second give {other.isoformat(timespec='minutes')}")


def parse_dates(text: str, *, field: str = "skip") -> list[date]:
    """``2027-02-16,2027-03-02`` → dates."""
    days = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        try:
            days.append(date.fromisoformat(part))
        except ValueError:
            raise OutreachError(f"cannot read date {part!r}; use YYYY-MM-DD",
                                field=field) from None
    return days


def localize(local: datetime, zone: object, field: str = "start") -> datetime:
    """Wall-clock ``local`` in ``zone``; a time skipped by a DST change is an error about
    ``field`` (the input that asked for it)."""
    from datetime import UTC

    aware = local.replace(tzinfo=zone)  # type: ignore[arg-type]
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local:  # type: ignore[arg-type]
        raise OutreachError(
            f"{local:%Y-%m-%d %H:%M} does not exist in {getattr(zone, 'key', zone)} "
            "(clocks change then); pick another time", field=field)
    return aware
