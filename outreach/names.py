"""Names as people write them: what a greeting calls someone whose profile says ``MARÍA JOSÉ``,
``josé luis`` or ``Dra. Pilar``.

A name typed all in capitals or all in lower case is written in its usual case, with care for
particles ("de los"), hyphens ("Jean-Luc"), apostrophes and ``Mc``/``O'``; a name typed in
mixed case ("DeShawn", "JoAnne", "van der Berg") is the person's own spelling and stays as
it is. An honorific before the first name (``Dr.``, ``Dra.``, ``Ing.``, ``Prof.``) is kept
apart, so the greeting says "Hi Pilar," and a template that wants it asks for ``honorific``.
The word lists are data: ``outreach/data/names.toml``.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from outreach.model import Person


@dataclass(frozen=True)
class WrittenName:
    """A person's name as a greeting writes it, and the honorific taken off it."""

    first_name: str
    last_name: str
    honorific: str = ""

    @property
    def full_name(self) -> str:
        """First and last name, one space between (either alone when the other is empty)."""
        first, last = self.first_name, self.last_name
        return f"{first} {last}" if first and last else first or last


@dataclass(frozen=True)
class _Words:
    honorifics: frozenset[str]
    particles: frozenset[str]
    prefixes: tuple[str, ...]


@functools.cache
def _words() -> _Words:
    text = resources.files("outreach").joinpath("data/names.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    return _Words(
        honorifics=frozenset(_honorific_key(h) for h in data["honorifics"]),
        particles=frozenset(p.casefold() for p in data["particles"]),
        prefixes=tuple(data["prefixes"]),
    )


def _honorific_key(word: str) -> str:
    return word.casefold().rstrip(".")


_SPACES = re.compile(r"\s+")


@functools.lru_cache(maxsize=65536)
def written_name(first_name: str, last_name: str) -> WrittenName:
    """``("DRA. PILAR", "GÓMEZ DE LA SERNA")`` → Pilar / Gómez de la Serna, honorific Dra."""
    words = _SPACES.split(first_name.strip()) if first_name.strip() else []
    honorifics: list[str] = []
    while len(words) > 1 and _honorific_key(words[0]) in _words().honorifics:
        honorifics.append(words.pop(0))
    first = " ".join(words)
    honorific = " ".join(honorifics)
    return WrittenName(_usual_case(first), _usual_case(last_name.strip(), after_first=True),
                       _usual_case(honorific) if honorific else "")


def _typed_in_one_case(text: str) -> bool:
    """All capitals or all small letters (and at least one letter that has a case)."""
    if text.isupper() or text.islower():  # one C pass, the usual answer
        return True
    if text.istitle() or text.isascii():  # "Ana María", "DeShawn": mixed, as str says
        return False
    cased = [ch for ch in text if ch.isupper() or ch.islower()]  # "ǅ" and its kin: neither
    return bool(cased) and (all(ch.isupper() for ch in cased) or all(ch.islower() for ch in cased))


def _usual_case(text: str, *, after_first: bool = False) -> str:
    """A last name follows the first name, so its particles stay small ("de la Fuente")."""
    if not _typed_in_one_case(text):
        return text
    words = _SPACES.split(text)
    return " ".join(_word_case(word, inside=(index > 0 or after_first) and index < len(words) - 1)
                    for index, word in enumerate(words))


def _word_case(word: str, *, inside: bool) -> str:
    """A particle is small only inside a name, before another word ("LE" alone is "Le")."""
    if inside and word.casefold() in _words().particles:
        return word.lower()
    return "-".join(_part_case(part) for part in word.split("-"))


def _part_case(part: str) -> str:
    if not part:
        return part
    lowered = part.lower()
    for prefix in _words().prefixes:
        if lowered.startswith(prefix.lower()) and len(part) > len(prefix):
            rest = lowered[len(prefix):]
            return prefix + _capital(rest[:1]) + rest[1:]
    return _capital(lowered[:1]) + lowered[1:]


def _capital(letter: str) -> str:
    """The letter's capital, unless it has no one-letter capital (ß stays ß, not SS)."""
    upper = letter.upper()
    return upper if len(upper) == len(letter) else letter


def changed_names(people: Iterable[Person]) -> list[str]:
    """One line per person whose name the greeting writes differently from the profile:
    ``'MARÍA JOSÉ' is written 'María José'``, ``'Dra. Pilar' is written 'Pilar' (honorific
    'Dra.' kept out of the greeting)``."""
    lines = []
    for person in people:
        written = written_name(person.first_name, person.last_name)
        if written.full_name == person.full_name:
            continue
        line = f"{person.full_name!r} is written {written.full_name!r}"
        if written.honorific:
            line += f" (honorific {written.honorific!r} kept out of the greeting)"
        lines.append(line)
    return lines
