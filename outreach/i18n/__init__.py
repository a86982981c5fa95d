"""Languages: which locale a run speaks, and dates, names, wording and templates in it.

The API the commands use (everything takes the resolved ``locale`` string, e.g. ``es_ES``):

Which locale
    ``resolve_locale(option, env, config) -> str``: ``--locale``, then ``OUTREACH_LOCALE``,
    then config ``locale``, then ``LC_ALL``/``LC_MESSAGES``/``LANG``, else ``"en"``;
    ``"es_ES.UTF-8"`` → ``"es_ES"``; an unknown one given by the user is
    ``OutreachError(field="locale")``. ``language_of("es_ES")`` → ``"es"``.
Formatting (CLDR through babel; no strftime)
    ``format_day(d, locale, width="full")``, ``format_time(t, locale, width="short")``,
    ``format_duration(td_or_minutes, locale)``, ``format_weekday(n_or_date, locale)``,
    ``format_month(n_or_date, locale)``, ``format_start(dt, locale)`` (a meeting's start
    in one phrase), ``format_when(dt, locale, zone=False)`` (a slot without the year:
    follow-ups' ``invitation.proposed``, change notes), ``part_of_day(dt, locale)``,
    ``localized_meeting(meeting_vars, locale)`` (``templating.MeetingVars`` with its
    strings in the locale).
Templates
    Jinja filters ``date``, ``time``, ``duration``, ``daypart`` (``filters.FILTERS``,
    registered by ``templating.environment()``), reading the ``locale`` template variable:
    put ``values["locale"] = locale`` in the variables. ``template_path(name, locale,
    user_dir)``: the user's ``<dir>/<lang>/<name>``, ``<dir>/<name>``, then the built-in
    ``<lang>/<name>``, then the built-in English ``<name>``.
Parsing
    ``parse_weekday(text, locale, field="weekday") -> int`` (Monday 0),
    ``parse_month(text, locale, field="month") -> int`` (January 1): English or the
    locale's names, any case, with or without accents.
Wording (``outreach/data/wording/<locale>.toml``)
    ``wording(key, locale, **values)``, ``words(key, locale)`` (lists), ``number_word``,
    ``every_text(days, locale)``, ``forum_rule_text(months, byday, locale)``,
    ``calendar_title(series, names, locale)``, ``subject(kind, original, locale)``.

Babel and jinja2 are imported on first use only: ``resolve_locale`` is cheap to call from
the CLI, and ``outreach --help`` loads neither.
"""

from __future__ import annotations

from outreach.i18n.formats import (
    format_day,
    format_duration,
    format_month,
    format_start,
    format_time,
    format_weekday,
    format_when,
    localized_meeting,
    part_of_day,
)
from outreach.i18n.locales import (
    DEFAULT,
    ENV_VAR,
    TEMPLATE_LANGUAGES,
    language_of,
    normalise,
    resolve_locale,
)
from outreach.i18n.names import parse_month, parse_weekday
from outreach.i18n.templates import template_path
from outreach.i18n.words import (
    calendar_title,
    every_text,
    forum_rule_text,
    number_word,
    subject,
    wording,
    words,
)

__all__ = [
    "DEFAULT",
    "ENV_VAR",
    "TEMPLATE_LANGUAGES",
    "calendar_title",
    "every_text",
    "format_day",
    "format_duration",
    "format_month",
    "format_start",
    "format_time",
    "format_weekday",
    "format_when",
    "forum_rule_text",
    "language_of",
    "localized_meeting",
    "normalise",
    "number_word",
    "parse_month",
    "parse_weekday",
    "part_of_day",
    "resolve_locale",
    "subject",
    "template_path",
    "wording",
    "words",
]
