"""Reading the mailbox for ``outreach inbox``: the messages of an mbox file, a Maildir folder
or an IMAP folder (``outreach.mail.imap``), what was read before skipped, each new message
handed to ``outreach.mail.inbox`` (``parse``, ``learn``) and recorded in the ledger.

Fast: a rerun skips what was read before without parsing it (an mbox by the byte offset read
up to, while the bytes before it are unchanged; a Maildir by file name; IMAP by UIDVALIDITY
and UID), and of the new messages only the headers are parsed first (``headers_of``, about
tens of microseconds); only a ``candidate`` (from a known person, naming what we sent, a report, a
calendar, a mail system) is parsed in full and classified (``inbox.learn``), the rest is
recorded as ``ignored``.

Safe: one message never stops the run. Over ``MAX_MESSAGE`` bytes, more MIME containers
than ``MAX_CONTAINERS``, a header field over ``MAX_FIELD`` bytes, a Maildir entry that links
out of the folder or is not a regular file (``/dev/zero``), a message the parser cannot
read: skipped, each with a line naming it (``InboxReport.skipped``), and read past. An IMAP
folder's ``last_uid`` moves only past messages whose bytes arrived.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from outreach.errors import OutreachError
from outreach.ledger import InboxRecord, Ledger, Relevance
from outreach.mail.mailfiles import MAX_MESSAGE, Item, MailSource, open_source
from outreach.times import today as times_today

if TYPE_CHECKING:  # imported on the first message that needs it: a rerun reads none
    from outreach.mail.inbox import _People

__all__ = ["MAX_MESSAGE", "InboxReport", "candidate", "headers_of", "is_imap", "read_inbox",
           "read_messages", "read_stream"]

MAX_CONTAINERS = 100  # multipart or message/rfc822 parts in one message
MAX_FIELD = 32 * 1024  # bytes of one header field (a 50,000-address From is 1.2 MB)
MAX_HEADER = 256 * 1024  # bytes of the whole header block
FIELDS = {name.lower().encode(): name.lower() for name in (
    "Message-ID", "Date", "From", "Subject", "In-Reply-To", "References", "Content-Type",
    "Return-Path", "X-Failed-Recipients", "List-Id", "Precedence")}
_FIELD = re.compile(rb"^(" + b"|".join(re.escape(name) for name in FIELDS) +
                    rb")[ \t]*:(.*(?:\r?\n[ \t].*)*)", re.I | re.M)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAY = re.compile(r"\b(\d{1,2})\s+(" + "|".join(_MONTHS) + r")\s+(\d{4})\b", re.I)
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_FOLD = re.compile(rb"\r?\n[ \t]+")
_ANGLE = re.compile(r"<([^<>\s@]+@[^<>\s]+)>")
_BARE = re.compile(r"[^\s,;<>\"()]+@[^\s,;<>\"()]+")
_MAILERS = ("mailer-daemon", "postmaster", "mail delivery", "mail administrator",
            "mailer_daemon", "mdaemon", "bounce")
_BULK = ("bulk", "list", "junk")
_CALENDAR = (b"text/calendar", b"application/ics", b".ics")
Progress = Callable[[int, int], None]  # (messages done, messages in all)


@dataclass
class InboxReport:
    """One run: what was learned (new records), what was kept unbelieved, how many messages
    were read and ignored, and each message skipped: (where, why)."""

    source: str
    read: int = 0
    ignored: int = 0
    already_seen: int = 0
    parsed: int = 0  # messages parsed in full (the rest: headers only, or not at all)
    learned: list[InboxRecord] = field(default_factory=list)
    unverified: list[InboxRecord] = field(default_factory=list)  # kept, not believed
    skipped: list[tuple[str, str]] = field(default_factory=list)


# ---------------------------------------------------------------- headers first


def body_start(raw: bytes) -> int:
    """Where the body of ``raw`` starts (after the first empty line; its length if none)."""
    ends = [i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0]
    if not ends:
        return len(raw)
    end = min(ends)
    return end + (4 if raw[end:end + 4] == b"\r\n\r\n" else 2)


class Headers(dict[str, str]):
    """Header fields by lower-cased name: the first of each, unfolded, decoded
    as UTF-8 (bytes that are not: as Latin-1); RFC 2047 words are left encoded. ``body``:
    where the body starts in the bytes; ``longest``: the longest field, in bytes."""

    body: int = 0
    longest: int = 0


def headers_of(raw: bytes) -> Headers:
    """The header fields the candidate test reads (``FIELDS``), the fast way: one regular
    expression over the header block finds them, no MIME tree and no policy objects (a few
    microseconds, where ``email``'s header parser takes about 0.15 ms)."""
    out = Headers()
    out.body = body_start(raw)
    block = raw[:out.body]
    if out.body > MAX_FIELD:  # only then can one field be too long
        out.longest = max(map(len, _FOLD.sub(b" ", block).splitlines()), default=0)
    for found in _FIELD.finditer(block):
        key = found.group(1).lower().decode("ascii")
        if key not in out:
            value = _FOLD.sub(b" ", found.group(2)).strip()
            try:
                out[key] = value.decode("utf-8")
            except UnicodeDecodeError:
                out[key] = value.decode("latin-1")
    return out


def _value(headers: Headers, name: str) -> str:
    """Field ``name`` (lower-case), "" when absent."""
    return headers.get(name, "")


def sender_of(headers: Headers) -> tuple[str, str]:
    """(display name, lower-cased address) of From, without the full address grammar."""
    value = _value(headers, "from")[:MAX_FIELD]
    angle = _ANGLE.search(value)
    if angle:
        return value[:angle.start()].strip(' "'), angle.group(1).lower()
    bare = _BARE.search(value)
    return ("", bare.group(0).lower()) if bare else (value.strip(), "")


def message_key(headers: Headers, raw: bytes) -> str:
    """The Message-ID, else a digest of the bytes (as ``inbox.parse`` names a message)."""
    found = _MESSAGE_ID.search(_value(headers, "message-id"))
    if found:
        return found.group(0)
    return "<sha256." + hashlib.sha256(raw).hexdigest()[:40] + "@inbox.invalid>"


def header_date(headers: Headers) -> date | None:
    """The day the Date header names, as written (in the sender's own time zone)."""
    value = _value(headers, "date")
    if not value:
        return None
    found = _DAY.search(value)
    if found:
        with contextlib.suppress(ValueError):
            day, month, year = found.groups()
            return date(int(year), _MONTHS.index(month.title()) + 1, int(day))
    from email.utils import parsedate_to_datetime  # only for dates the fast pattern misses

    try:
        return parsedate_to_datetime(value).date()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _ids(text: str) -> set[str]:
    return {part.strip("<> \t\r\n").lower() for part in text.split(">") if "<" in part}


def _body_tokens(raw: bytes, start: int) -> Iterator[str]:
    """Address-like tokens (``local@domain``) after ``start``, lower-cased: one scan for
    ``@`` (fast), a look to either side of each."""
    at = raw.find(b"@", start)
    allowed = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_+=%"
    while at >= 0:
        left = at
        while left > start and at - left < 128 and raw[left - 1] in allowed:
            left -= 1
        right = at + 1
        while right < len(raw) and right - at < 256 and raw[right] in allowed:
            right += 1
        if left < at < right - 1:
            yield raw[left:right].decode("ascii").strip(".").lower()
        at = raw.find(b"@", right)


def candidate(headers: Headers, raw: bytes, known: Relevance) -> bool:
    """Is this message worth parsing in full? From a known person; naming one of our
    Message-IDs (In-Reply-To, References) or calendar UIDs; a report (DSN, MDN); from a mail
    system; a calendar part; or a body naming an address or Message-ID we sent to. Bulk mail
    (List-Id, Precedence bulk/list) from strangers is not."""
    sender_name, sender = sender_of(headers)
    if sender in known.addresses or sender in known.recipients:
        return True
    if _ids(_value(headers, "in-reply-to") + _value(headers, "references")) & known.ids:
        return True
    content_type = _value(headers, "content-type").lower()
    if content_type.startswith("multipart/report"):
        return True
    who = f"{sender_name} {sender}".lower()
    if (any(word in who for word in _MAILERS) or _value(headers, "return-path").strip() == "<>"
            or _value(headers, "x-failed-recipients")):
        return True
    if _value(headers, "list-id") or _value(headers, "precedence").strip().lower() in _BULK:
        return False
    body = headers.body
    if content_type.startswith(("text/calendar", "application/ics")) or any(
            raw.find(mark, body) >= 0 for mark in _CALENDAR):
        return True
    return any(token in known.tokens for token in _body_tokens(raw, body))


def too_costly(headers: Headers, raw: bytes) -> str:
    """Why ``raw`` is not parsed in full ("" when it may be): bounds on parsing time and
    depth (the standard parser's time grows with a header's addresses, its stack with
    nesting)."""
    if headers.body > MAX_HEADER:
        return f"headers of {headers.body:,} bytes (more than {MAX_HEADER // 1024} KB)"
    if headers.longest > MAX_FIELD:
        return (f"a header field of {headers.longest:,} bytes (more than "
                f"{MAX_FIELD // 1024} KB)")
    lowered = raw.lower()
    containers = lowered.count(b"boundary=") + lowered.count(b"message/rfc822")
    if containers > MAX_CONTAINERS:
        return f"{containers} nested MIME parts (more than {MAX_CONTAINERS})"
    return ""


# ---------------------------------------------------------------- the run


class _Run:
    """One read of one source: what is seen, learned and skipped."""

    def __init__(self, ledger: Ledger, source: str, since: date | None, today: date) -> None:
        self.ledger, self.source, self.since, self.today = ledger, source, since, today
        self.report = InboxReport(source)
        self.fresh: set[str] = set()
        self.records: list[InboxRecord] = []

    # read from the ledger on the first message: a rerun with nothing new reads none of it
    @functools.cached_property
    def people(self) -> _People:
        from outreach.mail.inbox import _People

        return _People(self.ledger)

    @functools.cached_property
    def known(self) -> Relevance:
        return self.ledger.relevance()

    @functools.cached_property
    def seen(self) -> set[str]:
        return self.ledger.inbox_seen_all()

    def take(self, raw: bytes, where: str) -> None:
        """Decide one message: already read, out of --since, ignored or learned."""
        headers = headers_of(raw)
        on = header_date(headers)
        if self.since is not None and on is not None and on < self.since:
            return
        self.report.read += 1
        key = message_key(headers, raw)
        if key in self.fresh or key in self.seen:
            self.report.already_seen += 1
            return
        self.fresh.add(key)
        if not candidate(headers, raw, self.known):
            subject = " ".join(_value(headers, "subject").split())[:300]
            self.records.append(InboxRecord(key, self.source, "ignored", on or self.today,
                                            subject=subject))
            return
        problem = too_costly(headers, raw)
        if problem:
            self.report.read -= 1
            self.report.skipped.append((where, problem))
            return
        from outreach.mail.inbox import learn, parse

        try:
            self.report.parsed += 1
            record = learn(parse(raw), self.people, self.source, self.today)
        except Exception as exc:  # untrusted bytes: RecursionError, MemoryError, ...
            self.fresh.discard(key)
            self.report.read -= 1
            self.report.skipped.append((where, f"cannot be read ({type(exc).__name__})"))
            return
        if record.message_id in self.fresh and record.message_id != key:
            self.report.already_seen += 1
            return
        self.fresh.add(record.message_id)
        self.records.append(record)

    def finish(self) -> InboxReport:
        if not self.records:
            return self.report
        seen = self.ledger.inbox_seen([r.message_id for r in self.records
                                       if r.message_id in self.seen])
        self.report.already_seen += len(seen)
        new = self.ledger.record_inbox([r for r in self.records if r.message_id not in seen])
        self.report.learned = [r for r in new if r.kind != "ignored" and not r.doubt]
        self.report.unverified = [r for r in new if r.doubt]
        self.report.ignored = sum(r.kind == "ignored" for r in new)
        return self.report


def read_messages(ledger: Ledger, source: str, messages: Iterable[bytes],
                  since: date | None = None, today: date | None = None) -> InboxReport:
    """Read and record ``messages`` (bytes) from ``source``; each Message-ID once."""
    run = _Run(ledger, source, since, today or times_today())
    for number, raw in enumerate(messages, 1):
        run.take(raw, f"message {number}")
    return run.finish()


def read_source(ledger: Ledger, box: MailSource, *, since: date | None = None,
                today: date | None = None, progress: Progress | None = None) -> InboxReport:
    """Read what is new in ``box`` and record it; then remember how far it was read."""
    run = _Run(ledger, box.name, since, today or times_today())
    for done, item in enumerate(box.items(), 1):
        if item.problem:
            run.report.skipped.append((item.where, item.problem))
        else:
            run.take(item.data, item.where)
        if progress is not None:
            progress(done, box.total)
    report = run.finish()
    if since is None:  # a look at the recent days only does not move past the older ones
        box.remember(ledger)
    return report


def read_stream(ledger: Ledger, data: bytes, *, since: date | None = None,
                today: date | None = None, progress: Progress | None = None) -> InboxReport:
    """Read and record an mbox given as bytes (standard input); each Message-ID once."""
    from outreach.mail.mailfiles import MboxStream

    return read_source(ledger, MboxStream(data), since=since, today=today, progress=progress)


def is_imap(source: str) -> bool:
    return source.lower().startswith(("imap://", "imaps://"))


def read_inbox(ledger: Ledger, source: str, *, since: date | None = None,
               session: Any = None, today: date | None = None,
               progress: Progress | None = None) -> InboxReport:
    """Read what is new in ``source`` (a path, or an IMAP URL with an open ``session``
    from ``outreach.mail.imap``) and record it."""
    if is_imap(source):
        if session is None:
            raise OutreachError(f"{source}: an IMAP source needs a session")
        from outreach.mail.mailfiles import ImapFolder

        box: MailSource = ImapFolder(session.use_folder_role(), ledger, since)
    else:
        box = open_source(Path(source), ledger)
    return read_source(ledger, box, since=since, today=today, progress=progress)


__all__ += ["Item", "MailSource", "read_source"]
