"""Which country a title, a company, an e-mail address or a place names (``countries.toml``).

``elsewhere(home, title, company, email)`` says why a peer is far away: their title names a
country other than the user's ("Directora de Marketing Chile"), their company ends with one
("Telefónica Chile": a local subsidiary; "Boston Consulting Group" names no country), or their
address is under another country's domain (``ana@empresa.cl``). A title naming the user's own
country too ("VP Sales Spain & Portugal") is not far away. ``home_country`` finds the user's
country from what they wrote or their time zone.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from importlib import resources

from outreach.titles.tokens import fold, has_cjk

_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    names: tuple[tuple[str, ...], ...]
    tlds: tuple[str, ...]
    zones: tuple[str, ...]


@functools.cache
def countries() -> tuple[Country, ...]:
    text = resources.files("outreach.titles").joinpath("countries.toml").read_text("utf-8")
    data = tomllib.loads(text)["countries"]
    return tuple(Country(code, spec["name"], tuple(tuple(_WORD.findall(fold(n)))
                                                    for n in spec["names"]),
                         tuple(spec.get("tld", [])), tuple(spec.get("zones", [])))
                 for code, spec in data.items())


def by_code(code: str) -> Country | None:
    return next((c for c in countries() if c.code == code.lower()), None)


@functools.cache
def _name_index() -> tuple[dict[tuple[str, ...], Country], int, tuple[tuple[str, Country], ...]]:
    """(word names → country, the longest name in words, CJK names and their country)."""
    words: dict[tuple[str, ...], Country] = {}
    cjk: list[tuple[str, Country]] = []
    for country in countries():
        for name in country.names:
            if len(name) == 1 and has_cjk(name[0]):
                cjk.append((name[0], country))
            else:
                words.setdefault(name, country)
    return words, max((len(n) for n in words), default=1), tuple(cjk)


@functools.lru_cache(maxsize=65536)
def named_in(text: str, *, at_end: bool = False) -> tuple[Country, ...]:
    """The countries ``text`` names (whole words; with ``at_end``, only as its last words)."""
    folded = fold(text or "")
    words = _WORD.findall(folded)
    index, longest, cjk = _name_index()
    found: list[Country] = []
    starts = range(max(0, len(words) - longest), len(words)) if at_end else range(len(words))
    for i in starts:
        for n in range(min(longest, len(words) - i), 0, -1):
            if at_end and i + n != len(words):
                continue
            country = index.get(tuple(words[i:i + n]))
            if country is not None and country not in found:
                found.append(country)
                break
    if cjk and has_cjk(folded):
        found += [c for name, c in cjk if c not in found and (
            folded.endswith(name) if at_end else name in folded)]
    return tuple(found)


def of_address(email: str) -> Country | None:
    """The country of an e-mail address's top-level domain (``.cl``; ``.co.uk``)."""
    domain = (email or "").rsplit("@", 1)[-1].lower().rstrip(".")
    if "@" not in (email or "") or "." not in domain:
        return None
    tld = domain.rsplit(".", 1)[1]
    return next((c for c in countries() if tld in c.tlds), None)


def of_zone(zone: str) -> Country | None:
    return next((c for c in countries() if zone in c.zones), None) if zone else None


def home_country(*texts: str, email: str = "", zone: str = "") -> str:
    """The user's country code: the first of ``texts`` (their title, company, location) that
    names exactly one country, else their address's domain, else their time zone ("")."""
    for text in texts:
        found = named_in(text)
        if len(found) == 1:
            return found[0].code
    country = of_address(email) or of_zone(zone)
    return country.code if country else ""


def elsewhere(home: str, title: str, company: str, email: str) -> str:
    """Why a peer is in another country than ``home`` ("" when not, or not known)."""
    if not home:
        return ""
    for text, what, at_end in ((title, "title", False), (company, "company", True)):
        found = named_in(text, at_end=at_end)
        if found and all(c.code != home for c in found):
            return f"remote: their {what} names {found[0].name}"
    country = of_address(email)
    if country is not None and country.code != home:
        return f"remote: their e-mail address is in {country.name} (.{email.rsplit('.', 1)[1]})"
    return ""
