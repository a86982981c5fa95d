"""Plain data passed between stages, and the rules every stage shares about it.

``Person`` is one connection after ingest (and, for peers, after matching); ``Sender`` the user;
``Profile`` the export owner's own details; ``Meeting`` when and where a meeting happens.
Tables of many people travel as pandas DataFrames with the columns documented in
``outreach.ingest`` (``outreach.peers`` adds ``score`` and ``reason``); ``people_from_frame``
turns such a frame into ``Person`` objects for the per-recipient stages.

Two rules live here and nowhere else:

- **The address rule** (``valid_address``): what counts as an e-mail address we may write to.
  The calendar (ATTENDEE), the e-mail stage (To), the outbox (``send``) and the ledger all ask
  it, so a person is either invited everywhere or nowhere.
- **Identity** (``identity_key``, ``canonical_url``): when two records are the same person —
  the profile URL canonicalised, else the e-mail address, else name + company. Ingest
  de-duplicates with it, the ledger merges with it, ``log``/``--pick``/``send`` find people by it.
- **Message-IDs** (``message_id``): every outgoing message's ID, an HMAC of what identifies it
  keyed by the ledger's secret, so reruns keep it and outsiders cannot predict it.

The vocabulary of the life cycle is here too, as enums: ``MessageKind`` (with ``KINDS``, the
one per-kind table the renderers read), ``Series``, ``Channel`` and ``PersonState``.
"""

from __future__ import annotations

import functools
import hmac
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from urllib.parse import unquote

from outreach.bulk import paused_gc

if TYPE_CHECKING:
    from outreach.columns import Columns
    from outreach.names import WrittenName

# ---------------------------------------------------------------- text helpers


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced: for comparing names, not for display."""
    if text.isascii():  # nothing to decompose (most names): the same, without the walk
        return " ".join(text.lower().split())
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


_NOT_WORD = re.compile(r"[^\w]+")


def slugify(text: str) -> str:
    """``"Zoë Ødegård"`` → ``"zoe-odegard"``; keeps non-Latin letters (``"王伟"`` stays)."""
    folded = fold(text).replace("ø", "o").replace("ł", "l").replace("đ", "d").replace("ß", "ss")
    return _NOT_WORD.sub("-", folded).strip("-_")


# ---------------------------------------------------------------- the address rule

# RFC 5322 atext, plus any printable non-ASCII character (RFC 6531: ``send`` speaks SMTPUTF8).
_LOCAL_ATOM = r"(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]|[^\x00-\x9f\s\u2028\u2029\ufeff])+"
_LOCAL = re.compile(rf"{_LOCAL_ATOM}(?:\.{_LOCAL_ATOM})*")
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_TLD = re.compile(r"[a-z]{2,63}|xn--[a-z0-9-]{1,59}")


@functools.lru_cache(maxsize=65536)
def valid_address(text: str) -> str | None:
    """The address to write to, or None if ``text`` is not one plain e-mail address.

    ``Jane@Example.COM`` → ``Jane@example.com``: the domain lower-cased (IDN domains
    punycoded), the local part kept as given, non-ASCII letters included. Refused: display
    names, several addresses, spaces and control characters, empty or dotted-wrong parts
    (``jane@example..com``, ``.jane@x.com``), a domain without a dot or with a label that is
    not a host name, and U+FFFD (bytes that were not text where the address was read).
    """
    address = text.strip()
    if "\ufffd" in address:  # what a decoder writes for bytes it could not read: a misreading
        return None
    local, at, domain = address.rpartition("@")
    if not at or len(address) > 254 or len(local) > 64 or not _LOCAL.fullmatch(local):
        return None
    if not local.isascii() and not local.isprintable():  # zero-width and format characters
        return None
    if domain.isascii():  # what the idna codec gives an ASCII name; the labels are checked below
        domain = domain.lower()
    else:
        try:
            domain = domain.encode("idna").decode("ascii").lower()
        except UnicodeError:
            return None
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        return None
    if not _TLD.fullmatch(labels[-1]):
        return None
    return f"{local}@{domain}"


# ---------------------------------------------------------------- identity

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")
_LINKEDIN_HOST = re.compile(r"^(?:[a-z]{2,3}\.|www\.|m\.)?linkedin\.com(?=/|$)")
_QUERY = re.compile(r"\?(?=[\w.~-]+=)|#")


@functools.lru_cache(maxsize=65536)
def canonical_url(url: str) -> str:
    """One spelling per profile: ``http://uk.linkedin.com/in/Jos%C3%A9/`` and
    ``https://www.linkedin.com/in/josé`` are both ``https://www.linkedin.com/in/josé``.

    Scheme, host (LinkedIn's country and mobile hosts), trailing slash, case and
    percent-encoding do not make another person. A query (``?trk=…``) or fragment is dropped,
    but a ``?`` that does not start one is part of the slug: a spreadsheet saving the export
    as cp1252 turns each letter it cannot store into ``?``, and cutting there would merge
    everyone whose name starts with such a letter.
    """
    text = url.strip()
    if _is_canonical(text):
        return text  # LinkedIn's own spelling, as in nearly every export row: no work
    text = unicodedata.normalize("NFC", unquote(text)).lower()
    if not text:
        return ""
    query = _QUERY.search(text)
    if query:
        text = text[: query.start()]
    rest = _SCHEME.sub("", text)
    rest = _LINKEDIN_HOST.sub("www.linkedin.com", rest)
    return "https://" + _TRAILING.sub("", rest)  # "/in/x/ " and "/in/x\r#y" end at "x"


_TRAILING = re.compile(r"[/\s]+$")
_CANONICAL_START = "https://www.linkedin.com/in/"
_NEEDS_WORK = re.compile(r"[%?#]|/$")


def _is_canonical(text: str) -> bool:
    """Is ``text`` already what ``canonical_url`` would make of it?"""
    return (text.startswith(_CANONICAL_START) and text == text.lower()
            and not _NEEDS_WORK.search(text)
            and (text.isascii() or unicodedata.is_normalized("NFC", text)))


def are_canonical_urls(urls: Sequence[str]) -> bool:
    """Is every non-empty URL in ``urls`` already canonical (``_is_canonical``)? Checked on
    their joined text in a few passes, for a whole export's column at once."""
    given = [u for u in urls if u]
    if not given:
        return True
    joined = "\n".join(given)
    return (joined.count("\n") == len(given) - 1
            and ("\n" + joined).count("\n" + _CANONICAL_START) == len(given)
            and (joined.islower() if joined.isascii() else joined == joined.lower())
            and not any(mark in joined for mark in _NEEDS_WORK_MARKS)
            and not joined.endswith("/")
            and (joined.isascii() or unicodedata.is_normalized("NFC", joined)))


_NEEDS_WORK_MARKS = ("%", "?", "#", "/\n")  # _NEEDS_WORK, for URLs joined by newlines


def identity_key(url: str, email: str, name: str, company: str) -> str:
    """Who a record is: its canonical profile URL, else ``mailto:`` + its address, else its
    folded name and company. Two records with the same key are the same person."""
    if url.strip():
        return canonical_url(url)
    address = valid_address(email) if email.strip() else None
    if address:
        return "mailto:" + address.lower()
    return f"{fold(name)}|{fold(company)}"


def key_rank(key: str) -> int:
    """How strong an identity ``key`` is: a profile URL (2) beats an address (1) beats a
    name (0); when two records merge, the stronger key is the one kept."""
    if key.startswith("mailto:"):
        return 1
    return 2 if "://" in key else 0


# ---------------------------------------------------------------- the life cycle's vocabulary


class MessageKind(StrEnum):
    """What an outgoing message is (the ledger stores the value)."""

    INVITATION = "invitation"
    UPDATE = "update"
    CANCELLATION = "cancellation"
    FOLLOWUP = "followup"
    LINKEDIN_NOTE = "linkedin_note"
    CARD = "card"
    REMINDER = "reminder"


class Series(StrEnum):
    """Which kind of meeting a message is about."""

    COFFEE = "coffee"
    ROTATION = "rotation"
    FORUM = "forum"


class Channel(StrEnum):
    """How a message reaches its person."""

    EMAIL = "email"
    LINKEDIN = "linkedin"
    CARD = "card"


class PersonState(StrEnum):
    """Where a person stands in the life cycle (``outreach.lifecycle.person_state``)."""

    PLANNED = "planned"
    TOLD_EMAIL = "told_email"
    TOLD_NOTE = "told_note"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    TENTATIVE = "tentative"
    COUNTERED = "countered"
    REPLIED = "replied"
    BOUNCED = "bounced"
    CANCELLED = "cancelled"
    OPTED_OUT = "opted_out"
    LET_GO = "let_go"
    MET = "met"
    THANKED = "thanked"
    EXPIRED = "expired"


@dataclass(frozen=True)
class KindRule:
    """How one kind of message is written: its built-in template, the suffix of its file
    name beside the invitation's (``jane-doe-updated.eml``), the subject prefix its template
    puts before the invitation's subject, and the channel it goes by."""

    template: str
    file_suffix: str
    subject_prefix: str
    channel: Channel


KINDS: Mapping[MessageKind, KindRule] = {
    MessageKind.INVITATION: KindRule("invite.email.j2", "", "", Channel.EMAIL),
    MessageKind.UPDATE: KindRule("update.email.j2", "-updated", "Updated: ", Channel.EMAIL),
    MessageKind.CANCELLATION: KindRule("cancel.email.j2", "-cancelled", "Cancelled: ",
                                       Channel.EMAIL),
    MessageKind.FOLLOWUP: KindRule("followup.email.j2", "-followup", "Re: ", Channel.EMAIL),
    MessageKind.LINKEDIN_NOTE: KindRule("invite.linkedin.j2", "", "", Channel.LINKEDIN),
    MessageKind.CARD: KindRule("thanks.card.j2", "", "", Channel.CARD),
    MessageKind.REMINDER: KindRule("followup.email.j2", "-reminder", "Re: ", Channel.EMAIL),
}


def message_id(secret: bytes, domain: str, *parts: object) -> str:
    """The Message-ID of an outgoing message: ``<outreach.HEX@domain>``, where HEX is an
    HMAC-SHA256 of ``parts`` (what identifies the message: sender, person, series, kind,
    thread, number) keyed by ``secret`` (``Ledger.message_id_secret``, random per ledger).

    The same parts and secret give the same ID, so a rerun writes the same bytes and ``send``
    never sends a message twice; without the secret nobody can compute a future message's ID
    from public data (a name, an address) to forge a reply into its thread. Library callers
    without a ledger pass ``b""``: stable, but predictable.
    """
    text = "\0".join(map(str, parts)).encode("utf-8")
    digest = hmac.digest(secret, text, "sha256").hex()[:32]  # hmac.new's, in one C call
    return f"<outreach.{digest}@{domain or 'outreach.invalid'}>"


# ---------------------------------------------------------------- people


_T = TypeVar("_T")


class _computed_once(Generic[_T]):  # a decorator, named like cached_property
    """``functools.cached_property`` without Python 3.11's lock per first access: the value
    goes into the instance's ``__dict__``, which every later access reads directly. (A
    campaign reads ``Person.key`` of 100,000 people; the lock cost more than the key.)"""

    def __init__(self, func: Callable[[Any], _T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> _T:
        if instance is None:
            return self  # type: ignore[return-value]  # the class attribute: the descriptor
        value = instance.__dict__[self.name] = self.func(instance)
        return value


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
        """First and last name, one space between (either alone when the other is empty)."""
        first, last = self.first_name, self.last_name
        return f"{first} {last}" if first and last else first or last

    @_computed_once
    def written(self) -> WrittenName:
        """The name as messages write it (``outreach.names.written_name``: ``MARÍA JOSÉ`` is
        María José, ``Dra. Pilar`` is Pilar): greetings, To, ATTENDEE and calendar titles."""
        from outreach.names import written_name

        return written_name(self.first_name, self.last_name)

    @_computed_once
    def key(self) -> str:
        """This person's identity (``identity_key``), computed once per person."""
        return identity_key(self.url, self.email, self.full_name, self.company)

    @property
    def address(self) -> str | None:
        """The e-mail address to write to (``valid_address``), or None."""
        return valid_address(self.email) if self.email.strip() else None

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

    @property
    def first_name(self) -> str:
        """The first word of ``name`` ("Dana" of "Dana Whitfield"): how a card is signed,
        ``sender.first_name`` in templates."""
        return self.name.split()[0] if self.name.split() else ""


def merged_sender(found: Sender, *, name: str = "", email: str = "", title: str = "",
                  company: str = "") -> Sender:
    """The sender every message speaks as: what the user said (``--from``; the title and
    company the peers were searched for, from ``--title``/``--company`` or outreach.toml) over
    what the export says. One rule, so the e-mails never claim a title the search did not use.
    """
    return Sender(name=name or found.name, email=email or found.email,
                  title=title or found.title, company=company or found.company)


@dataclass(frozen=True)
class Profile:
    """The export owner's own details (all may be empty for a bare Connections.csv)."""

    first_name: str = ""
    last_name: str = ""
    headline: str = ""
    title: str = ""
    company: str = ""
    email: str = ""
    location: str = ""  # Profile.csv's Geo Location, else the current position's Location
    past_companies: tuple[str, ...] = ()  # Positions.csv rows with an end date

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    def sender(self) -> Sender:
        return Sender(name=self.name, email=self.email, title=self.title, company=self.company)


@dataclass(frozen=True)
class Meeting:
    """A meeting in the organiser's zone. ``start`` is timezone-aware."""

    start: datetime
    duration: timedelta = timedelta(minutes=45)
    location: str = ""
    link: str = ""

    @property
    def end(self) -> datetime:
        return self.start + self.duration

    @property
    def tzid(self) -> str:
        return getattr(self.start.tzinfo, "key", "UTC")

    @property
    def place(self) -> str:
        """Where to show up: the location, else the video link."""
        return self.location or self.link


@dataclass(frozen=True)
class Invite:
    """A calendar object as built by ``outreach.ical``, with the facts its builder knew:
    its METHOD (the MIME part must announce the same) and its newest DTSTAMP (an e-mail
    carrying it is dated by it, so a rerun that changes nothing writes the same bytes)."""

    ics: bytes
    method: str = "REQUEST"
    stamp: datetime | None = None
    filename: str = "invite.ics"
    sequence: int = 0


_PERSON_COLUMNS = frozenset({
    "first_name", "last_name", "url", "email", "company", "position",
    "connected_on", "function", "level", "score", "reason",
})


def people_from_frame(frame: Any) -> list[Person]:
    """Turn an ingest/peers DataFrame into ``Person`` objects (extra columns go to ``extra``):
    ``people_from_columns`` of its columns."""
    from outreach.columns import Columns

    return people_from_columns(Columns.from_frame(frame))


def people_from_columns(table: Columns) -> list[Person]:
    """Turn the ingest/peers columns into ``Person`` objects (extra columns go to ``extra``);
    a file with two columns of one name: the last one wins."""
    table = table.last_of_each()
    count = len(table)

    def column(name: str, default: object = None) -> list[Any]:
        return list(table[name]) if name in table else [default] * count

    def texts(name: str) -> list[str]:
        cells = column(name)
        if all(type(v) is str for v in cells):  # as read: nothing to make text
            return cells
        return [_text(v) for v in cells]

    extra_columns = [c for c in table.names if c not in _PERSON_COLUMNS]
    extra_names = [slugify(c).replace("-", "_") for c in extra_columns]
    extras = list(zip(*(texts(c) for c in extra_columns), strict=True)) or [()] * count
    with paused_gc():
        people = _people(extra_names, extras, texts, column)
    if table.keys is not None:  # worked out by the reader from these very cells
        for person, key in zip(people, table.keys, strict=True):
            person.__dict__["key"] = key  # what ``Person.key`` stores on first use
    return people


def _people(extra_names: list[str], extras: list[tuple[str, ...]],
            texts: Callable[[str], list[str]], column: Callable[[str], list[Any]]
            ) -> list[Person]:
    return [
        Person(first_name=first, last_name=last, url=url, email=email, company=company,
               position=position,
               connected_on=connected if isinstance(connected, date) else None,
               function=function or "unknown", level=level or "unknown",
               score=float(score or 0.0), reason=reason,
               extra=dict(zip(extra_names, extra, strict=True)))
        for first, last, url, email, company, position, connected, function, level, score,
        reason, extra in zip(
            texts("first_name"), texts("last_name"), texts("url"), texts("email"),
            texts("company"), texts("position"), column("connected_on"), texts("function"),
            texts("level"), column("score"), texts("reason"), extras, strict=True)
    ]


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)
