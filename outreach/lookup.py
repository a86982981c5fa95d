"""Finding the person a user means: "jane doe", "Zoe Odegard", "sam", a profile URL or an
e-mail address, accent-, case- and punctuation-insensitively.

One rule for every place a user names people (``outreach log``, ``rotation --pick``): an
exact identity (key, URL, address) wins, then the whole name, then a unique set of name
parts; an ambiguous match is refused with the candidates, an unknown one suggests close
names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from outreach.errors import OutreachError
from outreach.models import Person, slugify


def resolve(people: Mapping[str, Person], query: str, *, where: str, hint: str = "",
            prefix: str = "") -> tuple[str, Person]:
    """The key and person ``query`` names among ``people`` (by key), or a one-line error.

    ``where`` ("in the ledger") and ``hint`` word the errors; ``prefix`` ("--pick: ") names
    the option the query came from.
    """
    text = query.strip()
    if not text:
        raise OutreachError(f"{prefix}name: empty; give a name, profile URL or e-mail address")
    matches = _matches(people, text)
    if len(matches) == 1:
        return matches[0]
    if matches:
        listed = "; ".join(describe(p) for _key, p in matches[:8])
        raise OutreachError(f"{prefix}{query!r} matches {len(matches)} people: {listed}; "
                            "use the profile URL or e-mail")
    raise OutreachError(prefix + _unknown_message(list(people.values()), text, where, hint))


def describe(person: Person) -> str:
    """``Jane Doe (Acme)``, or with the URL/e-mail when there is no company."""
    detail = person.company or person.url or person.email
    return f"{person.full_name or person.key} ({detail})" if detail else person.full_name


def _matches(people: Mapping[str, Person], text: str) -> list[tuple[str, Person]]:
    lowered = text.lower().rstrip("/")
    by_identity = [
        (k, p) for k, p in people.items()
        if lowered in {k, p.url.lower().rstrip("/"), p.email.lower()} - {""}
    ]
    if by_identity:
        return by_identity
    wanted = _loose(text)
    exact = [(k, p) for k, p in people.items() if _loose(p.full_name) == wanted]
    if exact:
        return exact
    tokens = set(wanted.split())
    return [(k, p) for k, p in people.items() if tokens <= set(_loose(p.full_name).split())]


def _loose(name: str) -> str:
    """``"Zoë Ødegård"`` → ``"zoe odegard"``: case, accents and punctuation ignored."""
    return " ".join(part for part in re.split(r"[-_]+", slugify(name)) if part)


def _unknown_message(people: list[Person], text: str, where: str, hint: str) -> str:
    from rapidfuzz import fuzz, process

    names = {describe(p): _loose(p.full_name) for p in people}
    close = process.extract(_loose(text), names, scorer=fuzz.WRatio, limit=3, score_cutoff=70)
    if close:
        return f"no one called {text!r} {where}; did you mean: " + "; ".join(
            label for _choice, _score, label in close
        )
    known = f"{len(people)} people known" + (f"; {hint}" if hint else "")
    return f"no one called {text!r} {where} ({known})"
