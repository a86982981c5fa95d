"""Jinja filters that write dates, times and durations in the ``locale`` template variable
(``en`` when a template is rendered without one). ``templating.environment()`` registers
``FILTERS``::

    {{ meeting.start_at|date }}            Tuesday 5 January 2027 / martes, 5 de enero de 2027
    {{ meeting.start_at|date("weekday") }} Tuesday 5 January / martes, 5 de enero
    {{ meeting.start_at|date("short") }}   1/5/27 / 5/1/27 (any babel width or CLDR pattern)
    {{ meeting.start_at|time }}            08:00 / 8:00;  |time("zone"): 08:00 EST
    {{ meeting.minutes|duration }}         45 minutes / 45 minutos
    {{ meeting.start_at|daypart }}         early, before the day fills up / a primera hora, ...
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import jinja2

from outreach.i18n.formats import (
    as_date,
    format_day,
    format_duration,
    format_time,
    part_of_day,
)
from outreach.i18n.locales import DEFAULT


def _context_locale(context: Any) -> str:
    value = context.get("locale") if context is not None else None
    return str(value) if isinstance(value, str) and value else DEFAULT


@jinja2.pass_context
def date_filter(context: Any, value: Any, width: str = "full") -> str:
    """``{{ meeting.start_at|date }}``, ``{{ met.on|date("long") }}``; empty stays empty."""
    if value in ("", None):
        return ""
    return format_day(as_date(value, "date"), _context_locale(context), str(width))


@jinja2.pass_context
def time_filter(context: Any, value: Any, width: str = "short") -> str:
    """``{{ meeting.start_at|time }}`` → "08:00"; ``|time("zone")`` → "08:00 EST"."""
    if value in ("", None):
        return ""
    moment = value if isinstance(value, (datetime, time)) else datetime.fromisoformat(str(value))
    return format_time(moment, _context_locale(context), str(width))


@jinja2.pass_context
def duration_filter(context: Any, value: Any) -> str:
    """``{{ meeting.minutes|duration }}`` → "45 minutos" (minutes or a timedelta)."""
    if value in ("", None):
        return ""
    return format_duration(value if isinstance(value, timedelta) else int(value),
                           _context_locale(context))


@jinja2.pass_context
def daypart_filter(context: Any, value: Any) -> str:
    """``{{ meeting.start_at|daypart }}`` → "a primera hora, antes de que se llene el día"."""
    return part_of_day(value, _context_locale(context)) if value not in ("", None) else ""


FILTERS = {"date": date_filter, "time": time_filter, "duration": duration_filter,
           "daypart": daypart_filter}
"""What ``templating.environment()`` registers; each reads the ``locale`` variable."""
