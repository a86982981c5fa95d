"""Dates, times and durations as a reader of the locale writes them, from CLDR (babel).

Widths are babel's (``full``, ``long``, ``medium``, ``short``) plus ``weekday`` (the day
without the year: "Tuesday 5 January", "martes, 5 de enero"); any other text is a CLDR
pattern (``"EEEE"``, ``"d MMM"``). A language's ``[formats]`` in its wording file may set
the pattern for a width (``date_full``, ``time_short``, ...): English keeps the tool's
"Tuesday 5 January 2027" and "08:00". No ``strftime``: glibc's unpadded-day pattern
fails on Windows.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from outreach.errors import OutreachError
from outreach.i18n.locales import babel_locale
from outreach.i18n.words import has, wording

DATE_WIDTHS = ("full", "long", "medium", "short", "weekday")
TIME_WIDTHS = ("short", "medium", "long", "full", "zone")
_WEEKDAY_SKELETON = "MMMMEEEEd"


def _pattern(kind: str, width: str, locale: str) -> str | None:
    key = f"formats.{kind}_{width}"
    return wording(key, locale) if has(key, locale) else None


def as_date(value: Any, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        raise OutreachError(f"{value!r} is not a date", field=field) from None


def format_day(d: date | datetime, locale: str, width: str = "full") -> str:
    """``2027-01-05`` → "Tuesday 5 January 2027" (en), "martes, 5 de enero de 2027" (es),
    "mardi 5 janvier 2027" (fr), "Dienstag, 5. Januar 2027" (de), "terça-feira, 5 de janeiro
    de 2027" (pt). ``width``: see the module doc."""
    from babel.dates import format_date, format_skeleton

    where = babel_locale(locale)
    pattern = _pattern("date", width, locale)
    if pattern is None and width == "weekday":
        return str(format_skeleton(_WEEKDAY_SKELETON, d, locale=where))
    return str(format_date(d, pattern or width, locale=where))


def format_time(t: time | datetime, locale: str, width: str = "short") -> str:
    """"08:00" (en), "8:00" (es), "08:00" (fr, de, pt); ``zone`` adds the zone's
    abbreviation as the clock shows it ("08:00 EST"). An aware datetime keeps its zone."""
    from babel.dates import format_time as babel_time

    if width == "zone":
        zone = t.tzname() if isinstance(t, (datetime, time)) else None
        clock = format_time(t, locale)
        return wording("formats.time_zone", locale, time=clock, zone=zone) if zone else clock
    pattern = _pattern("time", width, locale)
    return str(babel_time(t, pattern or width, locale=babel_locale(locale)))


def format_duration(span: timedelta | int, locale: str) -> str:
    """"45 minutes" / "45 minutos" / "45 Minuten"; "1 hour" / "1 hora"; "2 hours"; mixed
    spans as the locale abbreviates them: "1 h 30 min" (``formats.duration_mixed``).
    ``span`` is a timedelta or a number of minutes."""
    from babel.units import format_unit

    minutes = int(span.total_seconds() // 60) if isinstance(span, timedelta) else int(span)
    where = babel_locale(locale)
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return wording("formats.duration_mixed", locale, hours=hours, minutes=rest)
    if hours:
        return str(format_unit(hours, "duration-hour", length="long", locale=where))
    return str(format_unit(minutes, "duration-minute", length="long", locale=where))


def format_weekday(day: int | date, locale: str,
                   width: Literal["abbreviated", "narrow", "short", "wide"] = "wide") -> str:
    """``1`` (Monday is 0, as ``date.weekday()``) or a date → "Tuesday", "martes",
    "Dienstag"; ``width``: ``wide``, ``abbreviated``, ``short``, ``narrow``."""
    from babel.dates import get_day_names

    index = day.weekday() if isinstance(day, date) else int(day)
    return str(get_day_names(width, locale=babel_locale(locale))[index])


def format_month(month: int | date, locale: str,
                 width: Literal["abbreviated", "narrow", "wide"] = "wide") -> str:
    """``1`` or a date → "January", "enero", "janvier", "Januar", "janeiro"."""
    from babel.dates import get_month_names

    index = month.month if isinstance(month, date) else int(month)
    return str(get_month_names(width, context="stand-alone", locale=babel_locale(locale))[index])


def format_start(start: datetime, locale: str) -> str:
    """A meeting's start in one phrase: "Tuesday 5 January 2027, 08:00 EST" /
    "martes, 5 de enero de 2027, 8:00 (EST)" (``formats.meeting_start``)."""
    return wording("formats.meeting_start", locale, day=format_day(start, locale),
                   time=format_time(start, locale), zone=start.tzname() or "")


def format_when(start: datetime, locale: str, zone: bool = False) -> str:
    """A day without its year and a time, as follow-ups and change notes name a slot:
    "Tuesday 12 January, 09:00" / "martes, 12 de enero, a las 9:00"; ``zone=True`` adds
    the zone: "Tuesday 12 January, 09:00 EST" (``formats.when``, ``formats.when_zone``)."""
    day, clock = format_day(start, locale, "weekday"), format_time(start, locale)
    if zone and start.tzname():
        return wording("formats.when_zone", locale, day=day, time=clock, zone=start.tzname())
    return wording("formats.when", locale, day=day, time=clock)


_DAYPARTS = ((10, "early"), (11.5, "morning"), (14, "lunch"), (17, "afternoon"),
             (19, "evening_start"))


def part_of_day(start: datetime | time, locale: str) -> str:
    """How a message may speak of the time ("early, before the day fills up" / "a primera
    hora, antes de que se llene el día"); never "early" at 17:30."""
    hour = start.hour + start.minute / 60
    slot = next((name for limit, name in _DAYPARTS if hour < limit), "evening")
    return wording(f"part_of_day.{slot}", locale)


def localized_meeting(values: Any, locale: str) -> Any:
    """``templating.MeetingVars`` with its words in ``locale``: ``start``, ``end``,
    ``date``, ``time``, ``duration`` and ``part_of_day`` rewritten from ``start_at``,
    ``end_at`` and ``minutes``; the other fields are left as they are."""
    start, end = values.start_at, values.end_at
    changes = {"start": format_start(start, locale), "end": format_time(end, locale, "zone"),
               "date": format_day(start, locale, "weekday"), "time": format_time(start, locale),
               "duration": format_duration(values.minutes, locale)}
    fields = {f.name for f in dataclasses.fields(values)}
    if "part_of_day" in fields:
        changes["part_of_day"] = part_of_day(start, locale)
    return dataclasses.replace(values, **{k: v for k, v in changes.items() if k in fields})
