"""Plain data passed between stages.

A ``Person`` is one connection after ingest (and, for peers, after matching). Tables of many
people travel as pandas DataFrames with the columns in ``ingest.COLUMNS`` (+ ``peers`` adds
``score`` and ``reason``); ``people_from_frame`` turns such a frame into ``Person`` objects for
the per-recipient stages (emails, calendar, cards).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Person:
    """One connection. Every text field is untrusted data from a stranger's profile."""

    first_name: str
    last_name: str
    url: str = ""
    email: str = ""
    company: str = ""
    position: str = ""
    connected_on: date | None = None
    function: str = "unknown"
    level: str = "unknown"
    score: float = 0.0
    reason: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    @property
    def key(self) -> str:
        """A stable identity: the profile URL, else normalised name + company."""
        if self.url:
            return self.url.strip().rstrip("/").lower()
        return f"{fold(self.full_name)}|{fold(self.company)}"

    @property
    def slug(self) -> str:
        """A file-name-safe name, e.g. ``zoe-odegard``; empty names fall back to the key."""
        return slugify(self.full_name) or slugify(self.key) or "unnamed"


@dataclass(frozen=True)
class Sender:
    """The user: organiser of meetings and author of messages."""

    name: str = ""
    email: str = ""
    title: str = ""
    company: str = ""

    @property
    def domain(self) -> str:
        return self.email.rpartition("@")[2] or "outreach.invalid"


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced: for comparing names, not for display."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


def slugify(text: str) -> str:
    """``"Zoë Ødegård"`` → ``"zoe-odegard"``; keeps non-Latin letters (``"王伟"`` stays)."""
    folded = fold(text).replace("ø", "o").replace("ł", "l").replace("đ", "d").replace("ß", "ss")
    return re.sub(r"[^\w]+", "-", folded).strip("-_")


def people_from_frame(frame: Any) -> list[Person]:
    """Turn an ingest/peers DataFrame into ``Person`` objects (extra columns go to ``extra``)."""
    known = {
        "first_name", "last_name", "url", "email", "company", "position",
        "connected_on", "function", "level", "score", "reason",
    }
    extra_columns = [c for c in frame.columns if c not in known]
    people = []
    for row in frame.to_dict("records"):
        connected = row.get("connected_on")
        people.append(
            Person(
                first_name=_text(row.get("first_name")),
                last_name=_text(row.get("last_name")),
                url=_text(row.get("url")),
                email=_text(row.get("email")),
                company=_text(row.get("company")),
                position=_text(row.get("position")),
                connected_on=connected if isinstance(connected, date) else None,
                function=_text(row.get("function")) or "unknown",
                level=_text(row.get("level")) or "unknown",
                score=float(row.get("score") or 0.0),
                reason=_text(row.get("reason")),
                extra={slugify(c).replace("-", "_"): _text(row.get(c)) for c in extra_columns},
            )
        )
    return people


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)
