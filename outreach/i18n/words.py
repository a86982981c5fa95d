"""Wording per language, as data: ``outreach/data/wording/<locale>.toml``.

``wording("subject.updated", "es", subject="Un café")`` → ``"Cambio: Un café"``. A key is a
dotted path into the file (``section.name``). The file for the locale is read first
(``es_MX.toml``, if there is one), then the language's (``es.toml``), then English
(``en.toml``, which has every key): a language may leave a key out and read English there.

An entry that is a table of CLDR plural categories (``{ one = "{count} peer", other =
"{count} peers" }``) is chosen by ``count`` with babel's plural rules for the locale, and
``{count}`` is written with the locale's digits grouping (``1.200`` in Spanish).

Values are inserted with ``str.format``; they are never re-read as a pattern, so a name
with braces in it stays text.
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path
from typing import Any

from outreach.errors import OutreachError
from outreach.i18n.locales import DEFAULT, babel_locale, fallbacks

WORDING_DIR = Path(__file__).resolve().parent.parent / "data" / "wording"


@functools.lru_cache(maxsize=32)
def _table(tag: str) -> dict[str, Any]:
    path = WORDING_DIR / f"{tag}.toml"
    if not path.is_file():
        return {}
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _lookup(table: dict[str, Any], key: str) -> Any:
    node: Any = table
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def entry(key: str, locale: str) -> Any:
    """The raw entry for ``key`` (a string, list or table), most specific locale first."""
    for tag in (*fallbacks(locale), DEFAULT):
        found = _lookup(_table(tag), key)
        if found is not None:
            return found
    raise OutreachError(f"no wording for {key!r} (not in {WORDING_DIR / 'en.toml'})")


def has(key: str, locale: str) -> bool:
    """Whether the locale's own files (not English) word ``key``."""
    return any(_lookup(_table(tag), key) is not None for tag in fallbacks(locale))


def wording(key: str, locale: str, **values: Any) -> str:
    """The text for ``key`` in ``locale`` with ``values`` filled in (see the module doc)."""
    found = entry(key, locale)
    if isinstance(found, dict):
        if "count" not in values:
            raise OutreachError(f"wording {key!r} needs a count")
        count = values["count"]
        category = babel_locale(locale).plural_form(abs(count))
        found = found.get(category, found.get("other"))
        values = {**values, "count": _number(count, locale)}
    if not isinstance(found, str):
        raise OutreachError(f"wording {key!r} is not a text in {locale}")
    try:
        return found.format(**values)
    except (KeyError, IndexError) as exc:
        raise OutreachError(f"wording {key!r} in {locale} needs {exc} too") from None


def words(key: str, locale: str) -> list[str]:
    """A list entry (``numbers``, the report's weekday heads, ...)."""
    found = entry(key, locale)
    if not isinstance(found, list):
        raise OutreachError(f"wording {key!r} is not a list in {locale}")
    return [str(item) for item in found]


def _number(count: int, locale: str) -> str:
    from babel.numbers import format_decimal

    return str(format_decimal(count, locale=babel_locale(locale)))


def number_word(count: int, locale: str) -> str:
    """``number_word(6, "es")`` → ``"seis"`` (up to twelve, as prose writes them), else digits."""
    names = words("numbers.list", locale)
    return names[count] if 0 <= count < len(names) else _number(count, locale)


def every_text(days: int, locale: str) -> str:
    """A rotation's rhythm: ``every five weeks`` / ``cada cinco semanas``."""
    if days % 7 == 0:
        weeks = days // 7
        if weeks == 1:
            return wording("every.week", locale)
        return wording("every.weeks", locale, n=number_word(weeks, locale))
    if days == 1:
        return wording("every.day", locale)
    return wording("every.days", locale, n=number_word(days, locale))


def forum_rule_text(months_between: int, byday: str, locale: str) -> str:
    """``every month on the first Tuesday`` / ``cada mes, el primer martes``; ``byday`` is
    the RRULE's (``1TU``, ``-1TH``)."""
    from outreach.i18n.formats import format_weekday

    codes = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
    ordinal = wording(f"every.ordinal.{int(byday[:-2])}".replace("-", "minus"), locale)
    weekday = format_weekday(codes.index(byday[-2:].upper()), locale)
    if months_between == 1:
        return wording("every.month", locale, ordinal=ordinal, weekday=weekday)
    return wording("every.months", locale, n=number_word(months_between, locale),
                   ordinal=ordinal, weekday=weekday)


def calendar_title(series: str, names: list[str], locale: str) -> str:
    """``Peer coffee: Jane Doe & Sam Sender`` / ``Café entre colegas: Jane Doe y Sam Sender``."""
    title = wording(f"title.{series}", locale) if _lookup(_table(DEFAULT), f"title.{series}") \
        else series.replace("-", " ").capitalize()
    names = [n for n in names if n]
    if not names:
        return title
    joined = wording("title.joiner", locale).join(names)
    return wording("title.with_names", locale, title=title, names=joined)


def subject(kind: str, original: str, locale: str) -> str:
    """``subject("updated", "Coffee?", "fr")`` → ``"Modification : Coffee?"``; kinds:
    ``updated``, ``cancelled``, ``reply``."""
    return wording(f"subject.{kind}", locale, subject=original)
