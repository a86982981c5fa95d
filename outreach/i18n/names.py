"""Weekday and month names as people type them, in English and in their own language.

``parse_weekday("martes", "es")`` → 1 and ``parse_month("août", "fr")`` → 8: case, accents
and a trailing full stop do not matter ("MARTES", "Mär", "sept."), wide and abbreviated
CLDR names are both accepted, and so is the first part of a compound name ("terça" for
"terça-feira"). English names are always accepted, whatever the locale. A name that would
mean two different days (in the locale and in English) is refused, never guessed.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable, Mapping

from outreach.errors import OutreachError
from outreach.i18n.locales import DEFAULT, babel_locale, language_of


def fold(text: str) -> str:
    """"Miércoles." → "miercoles"; "Terça-Feira" → "terca-feira"."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).rstrip(".").strip()


def _spellings(names: Mapping[int, str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for number, name in names.items():
        for spelling in (name, name.split("-", 1)[0]):
            found.setdefault(fold(spelling), number)
    return found


def _accepted(tables: list[Mapping[int, str]]) -> dict[str, int]:
    """Every folded spelling → its number, ambiguous spellings left out."""
    meaning: dict[str, set[int]] = {}
    for table in tables:
        for spelling, number in _spellings(table).items():
            meaning.setdefault(spelling, set()).add(number)
    return {s: next(iter(n)) for s, n in meaning.items() if len(n) == 1 and s}


def _tables(getter: Callable[..., Mapping[int, str]], locale: str) -> list[Mapping[int, str]]:
    tables = []
    for tag in dict.fromkeys((DEFAULT, locale)):
        where = babel_locale(tag)
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                tables.append(getter(width, context=context, locale=where))
    return tables


@functools.lru_cache(maxsize=32)
def _weekdays(locale: str) -> dict[str, int]:
    from babel.dates import get_day_names

    return _accepted(_tables(get_day_names, locale))


@functools.lru_cache(maxsize=32)
def _months(locale: str) -> dict[str, int]:
    from babel.dates import get_month_names

    return _accepted(_tables(get_month_names, locale))


def _wide(getter_name: str, locale: str) -> list[str]:
    from babel import dates

    getter = getattr(dates, getter_name)
    names: list[str] = []
    for tag in dict.fromkeys((DEFAULT, language_of(locale))):
        table = getter("wide", context="stand-alone", locale=babel_locale(tag))
        names += [table[i].lower() for i in sorted(table) if table[i].lower() not in names]
    return names


def parse_weekday(text: str, locale: str, field: str = "weekday") -> int:
    """The weekday ``text`` names, Monday being 0 (as ``date.weekday()``): "martes" → 1,
    "Dienstag" → 1, "mardi" → 1, "terça" → 1, "tue" → 1. Unknown: ``OutreachError(field=)``
    listing the names accepted."""
    found = _weekdays(locale).get(fold(str(text)))
    if found is None:
        raise OutreachError(f"{text!r} is not a weekday; use one of: "
                            f"{', '.join(_wide('get_day_names', locale))}", field=field)
    return found


def parse_month(text: str, locale: str, field: str = "month") -> int:
    """The month ``text`` names, January being 1: "enero" → 1, "août" → 8, "März" → 3,
    "set." → 9 (pt). Unknown: ``OutreachError(field=)`` listing the names accepted."""
    found = _months(locale).get(fold(str(text)))
    if found is None:
        raise OutreachError(f"{text!r} is not a month; use one of: "
                            f"{', '.join(_wide('get_month_names', locale))}", field=field)
    return found
