"""Days without meetings: a country's public holidays, a summer break, dates the user skips.

``DaysOff.reason(day)`` says why ``day`` has no meeting (``"Epiphany"``, ``"August"``,
``"skipped"``), or None. The rotation leaves such a week's coffee out (an EXDATE: that peer
is seen at their next turn, nothing else shifts); the forum moves a session on a holiday to
the same weekday a week later (the next open one) and leaves a session in a skipped month
out. The country is ``[holidays] country`` in outreach.toml, else the territory of the
locale (``es_ES`` → ``ES``; a locale without one, such as ``es``, has no holidays);
``"none"`` turns holidays off. The ``holidays`` package is imported on first use.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from outreach.errors import OutreachError

NO_COUNTRY = "none"


@dataclass(frozen=True)
class DaysOff:
    country: str = ""  # ISO 3166 code (``ES``); empty: no public holidays
    skip_months: frozenset[int] = frozenset()  # 8: no meetings in August
    dates: frozenset[date] = field(default_factory=frozenset)  # ``--skip`` dates

    def reason(self, day: date) -> str | None:
        """Why ``day`` has no meeting, or None when it may have one."""
        if day in self.dates:
            return "skipped"
        if day.month in self.skip_months:
            return "summer break" if day.month in (7, 8) else "month skipped"
        if self.country:
            return _holidays(self.country, day.year).get(day)
        return None

    def is_holiday(self, day: date) -> bool:
        """A public holiday (a session then moves), not a skipped month or date."""
        return bool(self.country) and day in _holidays(self.country, day.year)


def days_off(country: str | None, locale: str = "en", skip_months: Iterable[int] = (),
             dates: Iterable[date] = ()) -> DaysOff:
    """The days off for ``country`` (else the locale's territory), checked: an unknown
    country or a month outside 1–12 is an ``OutreachError`` naming the field."""
    code = (country or "").strip().upper()
    if code == NO_COUNTRY.upper():
        code = ""
    elif not code:
        code = territory_of(locale)
    elif not _supported(code):
        raise OutreachError(f"{country!r} is not a country the holidays package knows; use an "
                            "ISO code such as ES, DE, FR, PT, US, or \"none\"", field="country")
    months = frozenset(skip_months)
    wrong = sorted(m for m in months if not 1 <= m <= 12)
    if wrong:
        raise OutreachError(f"{wrong[0]} is not a month (1-12)", field="skip_months")
    return DaysOff(code if code and _supported(code) else "", months, frozenset(dates))


def territory_of(locale: str) -> str:
    """``es_ES`` → ``ES``, ``pt_BR`` → ``BR``; ``es`` or ``en`` → ``""`` (no country said)."""
    parts = locale.replace("-", "_").split("_")
    return parts[1].upper() if len(parts) > 1 and len(parts[1]) == 2 else ""


@functools.cache
def _supported(code: str) -> bool:
    import holidays

    return code in holidays.list_supported_countries()


@functools.cache
def _holidays(code: str, year: int) -> dict[date, str]:
    import holidays

    return dict(holidays.country_holidays(code, years=year).items())
