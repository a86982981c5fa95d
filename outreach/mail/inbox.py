"""Reading what came back: RSVPs, replies, bounces and auto-replies, from an mbox file, a
Maildir folder or an IMAP folder (``outreach.mail.imap``), into the ledger.

``parse`` reads one message's bytes (untrusted: every value stays data) into a ``Parsed``;
``learn`` decides what it means for the people the ledger knows, in this order:

1. a bounce (``outreach.mail.bounces``: RFC 3464 reports wherever they sit, and
   flufl.bounce's detectors for the plain-text ones) of an address we sent to;
2. an iTIP ``METHOD:REPLY`` (a ``text/calendar`` part or an ``.ics`` attachment): the
   ATTENDEE's PARTSTAT for that UID (and RECURRENCE-ID: one occurrence); ``METHOD:COUNTER``:
   a proposed new time;
3. an auto-reply (``outreach.mail.autoreply``: headers, subjects and opening lines in every
   language the templates speak): noted, not a reply;
4. a reply: from a peer's address, naming a Message-ID we sent (``In-Reply-To``/
   ``References``) or on or after the day they were invited.

What to believe (``outreach.mail.trust`` and ``_doubt``): an RSVP counts only when From is
the ATTENDEE and a known address of the person the UID belongs to; a reply only from the
peer's address; a bounce only when it names a recipient we sent to and quotes a Message-ID
we sent them or comes from a mail system; nothing counts when the user's server says the
sender failed DMARC (or DKIM/SPF with nothing passing). What does not count is kept with the
reason (``Ledger.unverified``), never applied. Each message is recorded once, by Message-ID
(a digest of its bytes when it has none), so a second run over the same mailbox changes
nothing. Reading the mailbox itself (mbox, Maildir, IMAP; what was read before) is
``outreach.mail.sources``.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

from outreach.ledger import InboxRecord, Ledger, MailboxFacts
from outreach.mail import autoreply, bounces, itip, trust

_ID = re.compile(r"<[^<>\s]+>")
_PARTSTATS = ("accepted", "declined", "tentative")


@dataclass(frozen=True)
class Parsed:
    """What one message says, before the ledger is asked who it is about."""

    message_id: str
    sender: str  # From's address, lower-cased ("" when absent)
    on: date | None
    subject: str
    references: tuple[str, ...] = ()
    kind: str = "mail"  # mail, rsvp, counter, bounce, auto-reply
    method: str = ""
    attendee: str = ""
    partstat: str = ""
    uid: str = ""
    recurrence_id: str = ""
    proposed: str = ""
    sequence: int = 0
    stamp: str = ""
    comment: str = ""
    failed: tuple[str, ...] = ()
    quoted_ids: tuple[str, ...] = ()
    from_mail_system: bool = False
    forged: str = ""  # the receiving server's verdict against it ("" when none)

    @property
    def original_id(self) -> str:
        """The first Message-ID a bounce quotes."""
        return self.quoted_ids[0] if self.quoted_ids else ""


# ---------------------------------------------------------------- parsing one message


def parse(raw: bytes) -> Parsed:
    """Read one message (any bytes: a broken header or part is left out, never fatal)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    message_id = _first_id(_header(message, "Message-ID")) or (
        "<sha256." + hashlib.sha256(raw).hexdigest()[:40] + "@inbox.invalid>")
    senders = _addresses(_header(message, "From"))
    base: dict[str, Any] = {
        "message_id": message_id,
        "sender": senders[0] if senders else "",
        "on": _date(_header(message, "Date")),
        "subject": " ".join(_header(message, "Subject").split())[:300],
        "references": tuple(dict.fromkeys(
            _ID.findall(_header(message, "In-Reply-To") + " " + _header(message, "References")))),
        "forged": trust.authentication_failure(message),
    }
    bounce = bounces.read_bounce(message, raw)
    if bounce is not None:
        return Parsed(**base, kind="bounce", failed=bounce.failed, quoted_ids=bounce.quoted_ids,
                      from_mail_system=bounce.from_mail_system)
    answer = itip.answer(message)
    if answer is not None:
        return Parsed(**base, **answer)
    if autoreply.is_auto_reply(message, base["subject"], _body(message), _header):
        return Parsed(**base, kind="auto-reply")
    return Parsed(**base)


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, TypeError, IndexError, AttributeError):  # a malformed header
        return ""
    return str(value) if value is not None else ""


def _body(message: Message) -> str:
    """The opening of the first text/plain part (for the auto-reply phrases)."""
    try:
        part = message.get_body(("plain",)) if hasattr(message, "get_body") else None
        return str(part.get_content())[:2000] if part is not None else ""
    except (LookupError, ValueError, TypeError, AttributeError, KeyError):
        return ""


def _addresses(value: str) -> list[str]:
    return [addr.strip().lower() for _name, addr in getaddresses([value]) if "@" in addr]


def _first_id(value: str) -> str:
    found = _ID.search(value)
    return found.group(0) if found else ""


def _date(value: str) -> date | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).date()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


# ---------------------------------------------------------------- what it means


class _People:
    """The ledger's people, sent messages and invitations (``Ledger.mailbox_facts``)."""

    def __init__(self, ledger: Ledger) -> None:
        self.facts: MailboxFacts = ledger.mailbox_facts()
        self.recipients = self.facts.recipients
        self.known: dict[str, set[str]] = {}  # person → every address known or sent to
        for address, key in self.facts.addresses.items():
            self.known.setdefault(key, set()).add(address)
        for recipient in self.recipients:
            key = self.key_for(recipient)
            if key:
                self.known.setdefault(key, set()).add(recipient)

    def key_for(self, address: str) -> str:
        return self.facts.addresses.get(address.lower(), "")

    def thread_person(self, references: Iterable[str]) -> tuple[str, str]:
        """(person, the Message-ID of ours) the thread names, ("", "") when none."""
        for mid in references:
            if mid in self.facts.planned:
                return self.facts.planned[mid], mid
            for recipient in sorted(self.facts.sent.get(mid, ())):
                if self.key_for(recipient):
                    return self.key_for(recipient), mid
        return "", ""


def learn(parsed: Parsed, people: _People, source: str, today: date) -> InboxRecord:
    """What one parsed message means for the ledger (``kind`` ``ignored`` when nothing; a
    ``doubt`` when it would mean something but is not believed)."""
    on = trust.believable_day(parsed.on, today) or today
    base: dict[str, Any] = {"message_id": parsed.message_id, "source": source, "on": on,
                            "subject": parsed.subject, "sender": parsed.sender}
    if parsed.kind == "bounce":
        record = _bounce(parsed, people, base)
    elif parsed.kind in ("rsvp", "counter"):
        record = _answer(parsed, people, base, today)
    else:
        record = _reply(parsed, people, base)
    if parsed.forged and record.kind != "ignored" and not record.doubt:
        return InboxRecord(**{**record.__dict__, "doubt": parsed.forged})
    return record


def _bounce(parsed: Parsed, people: _People, base: dict[str, Any]) -> InboxRecord:
    """The failed address we sent to, preferring one the quoted Message-ID went to."""
    quoted = [people.facts.sent[mid] for mid in parsed.quoted_ids if mid in people.facts.sent]
    to_them = set().union(*quoted) if quoted else set()
    ours = [a for a in parsed.failed if a in to_them] or [
        a for a in parsed.failed if a in people.recipients]
    if not ours:
        return InboxRecord(**base, kind="ignored")
    address = ours[0]
    record = InboxRecord(**base, kind="bounce", person_key=people.key_for(address),
                         detail=address, names=parsed.original_id)
    if address not in to_them and not parsed.from_mail_system:
        return InboxRecord(**{**record.__dict__, "doubt": (
            "a bounce that neither quotes a message we sent to that address nor comes from "
            "a mail system")})
    return record


def _answer(parsed: Parsed, people: _People, base: dict[str, Any],
            today: date) -> InboxRecord:
    owners = people.facts.uid_people.get(parsed.uid, set())
    key = people.key_for(parsed.attendee) or people.key_for(parsed.sender)
    if key not in owners:
        key = next(iter(owners)) if len(owners) == 1 else (key if not owners else "")
    partstat = parsed.partstat if parsed.partstat in _PARTSTATS else ""
    if not key or not (owners or key in people.facts.invited) or (
            parsed.kind == "rsvp" and not partstat):
        return InboxRecord(**base, kind="ignored")
    detail = partstat if parsed.kind == "rsvp" else parsed.proposed
    record = InboxRecord(**base, kind=parsed.kind, person_key=key, detail=detail,
                         uid=parsed.uid, recurrence_id=parsed.recurrence_id, names=parsed.uid,
                         sequence=parsed.sequence, stamp=parsed.stamp, comment=parsed.comment)
    doubt = _answer_doubt(parsed, people, key, today)
    return InboxRecord(**{**record.__dict__, "doubt": doubt}) if doubt else record


def _answer_doubt(parsed: Parsed, people: _People, key: str, today: date) -> str:
    known = people.known.get(key, set())
    if parsed.sender != parsed.attendee:
        return f"sent from {parsed.sender or 'no address'}, not by its ATTENDEE"
    if parsed.attendee not in known:
        return f"the ATTENDEE {parsed.attendee} is not an address we know for them"
    newest = people.facts.uid_sequence.get(parsed.uid, 0)
    if parsed.kind == "rsvp" and parsed.partstat != "declined" and parsed.sequence < newest:
        return (f"answers SEQUENCE {parsed.sequence}; the invitation is at {newest}, "
                "so it does not accept the time now proposed")
    if parsed.kind == "counter":
        first, last = people.facts.uid_years.get(parsed.uid, (today.year - 1, today.year + 2))
        year = int(parsed.proposed[:4]) if parsed.proposed[:4].isdigit() else 0
        if not first <= year <= last:
            return f"proposes a time outside the series' years ({first}-{last})"
    return ""


def _reply(parsed: Parsed, people: _People, base: dict[str, Any]) -> InboxRecord:
    key, ours = people.thread_person(parsed.references)
    sender_key = people.key_for(parsed.sender)
    if not key:
        invited = people.facts.invited.get(sender_key)
        key = sender_key if invited is not None and base["on"] >= invited else ""
    if not key:
        return InboxRecord(**base, kind="ignored")
    kind = "auto-reply" if parsed.kind == "auto-reply" else "reply"
    record = InboxRecord(**base, kind=kind, person_key=key, names=ours)
    if parsed.sender not in people.known.get(key, set()):
        return InboxRecord(**{**record.__dict__, "doubt": (
            f"from {parsed.sender or 'no address'}, not an address we know for them; "
            "a thread reference alone is not enough")})
    return record
