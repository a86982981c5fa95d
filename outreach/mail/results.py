"""A rendered batch as plain data: what ``outreach.mail.render`` produces and
``outreach.mail.batch`` writes (messages, LinkedIn notes, skipped rows, problems), the options
that shape it, and how summaries name a recipient."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from outreach.mail import mime
from outreach.model import Invite, Person

DEFAULT_TEMPLATE = "invite.email.j2"
LINKEDIN_TEMPLATE = "invite.linkedin.j2"
LINKEDIN_LIMIT = 300


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class RenderOptions:
    """How to render a batch; everything here is picklable (workers get a copy)."""

    template: str = DEFAULT_TEMPLATE
    linkedin_template: str = LINKEDIN_TEMPLATE
    linkedin_limit: int = LINKEDIN_LIMIT
    shorten_notes: bool = False  # a note over the limit is shortened (campaign), not refused
    skip_problem_rows: bool = False  # a recipient's own problem skips them (campaign), with
    #                                  the problem as the reason; the others are written
    invite: bool = False
    series: str = "coffee"
    message_id_seed: str = ""
    message_id_secret: bytes = b""  # the ledger's key for model.message_id (b"": no ledger)
    sent_date: datetime | None = None
    today: date | None = None
    invite_versions: Mapping[str, tuple[int, datetime]] = field(default_factory=dict)
    invites: Mapping[str, Invite] = field(default_factory=dict)
    workers: int = 0
    slots: str | None = None
    remind: timedelta | None = None
    starts: tuple[datetime, ...] = ()
    # Set by a plan (outreach.plan.plan_messages), by person key: the Message-ID to use, the
    # thread it replies to (In-Reply-To: the last; References: all), more template values.
    message_ids: Mapping[str, str] = field(default_factory=dict)
    replying_to: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    locale: str = "en"  # the language written in (``i18n.resolve_locale``)
    templates: Path | None = None  # the user's templates folder (``templating.resolve``)
    file_suffix: str = ""  # "-updated", "-cancelled": an update's file beside the invitation
    booking_link: str = ""  # a scheduling page offered instead of a time (``outreach.booking``)


@dataclass(frozen=True)
class Message:
    """One rendered e-mail. ``data`` is the whole RFC 5322 message, CRLF line endings."""

    index: int
    person: Person
    address: str
    subject: str
    message_id: str
    data: bytes
    filename: str = ""
    stem: str = ""  # the file name before ".eml": the person's slug + RenderOptions.file_suffix
    said: tuple[Any, ...] = field(default=(), repr=False, compare=False)
    #     (the fields of a mime.Content, of a mime.Envelope, the invite's bytes): what
    #     ``fingerprint`` digests

    @functools.cached_property
    def fingerprint(self) -> str:
        """What the message says, its Date aside: a rerun that would say the same leaves a
        file the user edited by hand alone. Worked out when asked (the campaign's plan),
        not for every message written."""
        if not self.said:
            return ""
        content, envelope, ics = self.said
        said = repr((mime.Content(*content), replace(mime.Envelope(*envelope), date=""), ics))
        return hashlib.sha256(said.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class LinkedInNote:
    index: int
    person: Person
    text: str


@dataclass(frozen=True)
class Skipped:
    index: int
    person: Person
    reason: str


@dataclass
class Batch:
    """Everything rendered, plus every problem found (``write_batch`` refuses if any)."""

    messages: list[Message] = field(default_factory=list)
    notes: list[LinkedInNote] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Problem:
    text: str
    index: int
    who: str


@dataclass
class _Chunk:
    messages: list[Message] = field(default_factory=list)
    notes: list[LinkedInNote] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    problems: list[_Problem] = field(default_factory=list)


def shorten(text: str, limit: int) -> str:
    """``text`` cut at the last whole word that fits in ``limit`` characters, with "…"."""
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    if " " in cut and not text[limit - 1].isspace():
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-") + "…"


def describe(index: int, person: Person) -> str:
    """``#3 Jane Doe <jane@example.com>``: how problems and summaries name a recipient
    (``#3`` counts the recipients in INPUT's order, after the peer options)."""
    name = mime.header_text(person.full_name) or "(no name)"
    email = mime.header_text(person.email)
    return f"#{index + 1} {name}" + (f" <{email}>" if email else "")


def describe_unnumbered(person: Person) -> str:
    """``Jane Doe (https://www.linkedin.com/in/jane)``: a recipient where no input order
    numbers them (the campaign renders each person's message on its own)."""
    name = mime.header_text(person.full_name) or "(no name)"
    url = mime.header_text(person.url)
    return name + (f" ({url})" if url else "")


def describe_skipped(index: int, person: Person) -> str:
    """``#3 Jane Doe (https://www.linkedin.com/in/jane)``: a skipped recipient, named so the
    row can be found in INPUT even when its address is what is wrong (a Person carries no
    line number, so the profile URL is what identifies the row)."""
    name = mime.header_text(person.full_name) or "(no name)"
    url = mime.header_text(person.url)
    return f"#{index + 1} {name}" + (f" ({url})" if url else "")
