"""Parsers for the options that say when a meeting happens (``Meeting`` is in ``outreach.model``).

The calendar, e-mail and card stages share these, so ``--start 2027-01-05T08:00 --duration 45m
--tz America/Toronto`` means the same thing to every command.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from outreach.errors import OutreachError

_SPAN = re.compile(r"(\d+(?:\.\d+)?)\s*(w|d|h|m|min|mins|minutes?|hours?|days?|weeks?)", re.I)
MAX_SPAN_MINUTES = 52 * 7 * 24 * 60
"""The longest span an option takes (a duration, a reminder, a rotation's step): a year."""
YEARS = (1970, 2199)
"""Meetings start in these years: a plan runs for years after its start, inside the calendar."""
_UNIT_MINUTES = {"w": 7 * 24 * 60, "d": 24 * 60, "h": 60, "m": 1}


def parse_span(text: str, *, option: str = "--duration") -> timedelta:
    """``45m``, ``1h30m``, ``1.5h``, ``2w``, ``90`` (minutes) → timedelta."""
    raw = text.strip()
    if raw.isdigit():
        if len(raw) > 9 or int(raw) > MAX_SPAN_MINUTES:
            raise OutreachError(f"{option}: {text!r} is too long (at most 52w)")
        return timedelta(minutes=int(raw))
    matches = list(_SPAN.finditer(raw))
    if not matches or "".join(m.group(0) for m in matches).replace(" ", "") != raw.replace(" ", ""):
        raise OutreachError(f"{option}: cannot read {text!r}; use e.g. 45m, 1h30m, 1w")
    minutes = sum(float(m.group(1)) * _UNIT_MINUTES[m.group(2)[0].lower()] for m in matches)
    if minutes <= 0:
        raise OutreachError(f"{option}: {text!r} must be longer than zero")
    if minutes > MAX_SPAN_MINUTES:
        raise OutreachError(f"{option}: {text!r} is too long (at most 52w)")
    return timedelta(minutes=minutes)


def parse_zone(name: str) -> ZoneInfo:
    """An IANA zone name (``America/Toronto``) → ZoneInfo, with a clear error for typos."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise OutreachError(
            f"--tz: unknown time zone {name!r}; use an IANA name such as America/Toronto"
        ) from None


def parse_start(text: str, tz: str) -> datetime:
    """``2027-01-05T08:00`` (or ``2027-01-05 08:00``) in zone ``tz`` → aware datetime.

    Wall-clock times that do not exist (skipped by a DST change) are refused rather than
    silently moved.
    """
    zone = parse_zone(tz)
    try:
        naive = datetime.fromisoformat(text.strip())
    except ValueError:
        raise OutreachError(f"--start: cannot read {text!r}; use e.g. 2027-01-05T08:00") from None
    if not YEARS[0] <= naive.year <= YEARS[1]:
        raise OutreachError(f"--start: {text.strip()} is out of range; give a date from "
                            f"{YEARS[0]} to {YEARS[1]}")
    if naive.tzinfo is not None:
        return naive.astimezone(zone)
    aware = naive.replace(tzinfo=zone)
    round_trip = aware.astimezone(ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None)
    if round_trip != naive:
        raise OutreachError(f"--start: {text} does not exist in {tz} (clocks change then)")
    return aware


def twice_note(when: datetime, option: str = "--start") -> str | None:
    """When ``when`` (as ``parse_start`` read it) is a wall-clock time that happens twice (the
    hour clocks go back), which one was taken and how to ask for the other; else None."""
    if when.tzinfo is None:
        return None
    first, second = when.replace(fold=0), when.replace(fold=1)
    if first.utcoffset() == second.utcoffset():
        return None
    zone = getattr(when.tzinfo, "key", when.tzinfo)
    other = second if when.fold == 0 else first
    return (f"{option}: {when:%Y-%m-%d %H:%M} happens twice in {zone} (clocks go back); "
            f"using the first, {when.replace(fold=0):%H:%M%z} ({first.tzname()}); for the "
            f"second give {other.isoformat(timespec='minutes')}")


def parse_dates(text: str, *, option: str = "--skip") -> list[date]:
    """``2027-02-16,2027-03-02`` → dates."""
    days = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        try:
            days.append(date.fromisoformat(part))
        except ValueError:
            raise OutreachError(f"{option}: cannot read date {part!r}; use YYYY-MM-DD") from None
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
