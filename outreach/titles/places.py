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


def named_in(text: str, *, at_end: bool = False) -> list[Country]:
    """The countries ``text`` names (whole words; with ``at_end``, only as its last words)."""
    folded = fold(text or "")
    words = _WORD.findall(folded)
    found = []
    for country in countries():
        for name in country.names:
            if _names(words, folded, name, at_end):
                found.append(country)
                break
    return found


def _names(words: list[str], folded: str, name: tuple[str, ...], at_end: bool) -> bool:
    if len(name) == 1 and has_cjk(name[0]):
        return folded.endswith(name[0]) if at_end else name[0] in folded
    n = len(name)
    if at_end:
        return tuple(words[-n:]) == name
    return any(tuple(words[i:i + n]) == name for i in range(len(words) - n + 1))


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
