"""Which locale a run speaks: ``--locale``, ``OUTREACH_LOCALE``, config ``locale``, the
computer's ``LC_ALL``/``LC_MESSAGES``/``LANG``, else ``en``.

A locale is a CLDR identifier as babel spells it: ``es``, ``es_ES``, ``pt_BR``. What people
type is normalised first: ``es_ES.UTF-8``, ``es-ES``, ``de_DE@euro`` → ``es_ES``, ``es_ES``,
``de_DE``. Babel is imported only when a locale is checked (``outreach --help`` stays light).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING

from outreach.errors import OutreachError

if TYPE_CHECKING:
    from babel import Locale

DEFAULT = "en"
ENV_VAR = "OUTREACH_LOCALE"
SYSTEM_VARS = ("LC_ALL", "LC_MESSAGES", "LANG")
TEMPLATE_LANGUAGES = ("en", "es", "fr", "de", "pt")
"""Languages with built-in templates and wording (``templates/<lang>/``, ``data/wording``)."""
_NOT_A_LANGUAGE = ("", "c", "posix")


def resolve_locale(option: str | None, env: Mapping[str, str], config: str | None) -> str:
    """The locale of this run, normalised (``es_ES``).

    ``option`` is ``--locale``, ``env`` the environment (``os.environ``), ``config`` the
    config file's ``locale``. The first one given wins and must be a locale babel knows
    (else ``OutreachError(field="locale")`` naming it). The computer's own setting is used
    only when none is given, and an unusable one (``C``, ``POSIX``, a typo) means ``en``.
    """
    for value in (option, env.get(ENV_VAR), config):
        if value is not None and str(value).strip():
            return checked_locale(str(value))
    for name in SYSTEM_VARS:
        value = env.get(name, "")
        if normalise(value).lower() in _NOT_A_LANGUAGE:
            continue
        try:
            return checked_locale(value)
        except OutreachError:
            return DEFAULT
    return DEFAULT


def normalise(text: str) -> str:
    """``es_ES.UTF-8`` → ``es_ES``; ``pt-br`` → ``pt_BR``; ``de_DE@euro`` → ``de_DE``."""
    tag = text.strip().split(".", 1)[0].split("@", 1)[0].replace("-", "_")
    parts = [p for p in tag.split("_") if p]
    if not parts:
        return ""
    parts[0] = parts[0].lower()
    return "_".join([parts[0], *(p.upper() if len(p) == 2 else p.title() for p in parts[1:])])


@functools.lru_cache(maxsize=64)
def checked_locale(text: str) -> str:
    """``text`` normalised, if babel has CLDR data for it; else a one-line error."""
    from babel import Locale, UnknownLocaleError

    tag = normalise(text)
    if tag.lower() in _NOT_A_LANGUAGE:
        raise OutreachError(f"{text.strip()!r} is not a locale; use a language such as "
                            f"{', '.join(TEMPLATE_LANGUAGES)} (or es_ES, pt_BR)", field="locale")
    try:
        known = Locale.parse(tag)
    except (UnknownLocaleError, ValueError, TypeError):
        known = None
    if known is None or known.language != tag.split("_", 1)[0]:
        raise OutreachError(f"unknown locale {text.strip()!r}; use a language such as "
                            f"{', '.join(TEMPLATE_LANGUAGES)} (or es_ES, pt_BR)", field="locale")
    return str(known)


def language_of(locale: str) -> str:
    """``es_ES`` → ``es``."""
    return normalise(locale).split("_", 1)[0] or DEFAULT


def fallbacks(locale: str) -> tuple[str, ...]:
    """Where to look, most specific first: ``es_ES`` → (``es_ES``, ``es``); ``en`` → (``en``,)."""
    tag = normalise(locale) or DEFAULT
    language = language_of(tag)
    return (tag, language) if tag != language else (tag,)


@functools.lru_cache(maxsize=64)
def babel_locale(locale: str) -> Locale:
    """The babel ``Locale`` for an already resolved locale (``en`` when unknown)."""
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(normalise(locale) or DEFAULT)
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse(DEFAULT)
