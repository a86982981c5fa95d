"""Reading what came back: RSVPs, replies, bounces and auto-replies, from an mbox file, a
Maildir folder or an IMAP folder (``outreach.mail.imap``), into the ledger.

``parse`` reads one message's bytes (untrusted: every value stays data) into a ``Parsed``;
``learn`` decides what it means for the people the ledger knows, in this order:

1. a delivery status notification (``multipart/report; report-type=delivery-status``) with
   ``Action: failed``: a bounce of its ``Final-Recipient`` (or ``Original-Recipient``), when
   that is an address we wrote to or the report names one of our Message-IDs;
2. an iTIP ``METHOD:REPLY`` (a ``text/calendar`` part or an ``.ics`` attachment): the
   ATTENDEE's PARTSTAT for that UID (and RECURRENCE-ID: one occurrence); ``METHOD:COUNTER``:
   a proposed new time;
3. an auto-reply (``Auto-Submitted`` other than ``no``, ``X-Autoreply``, ``X-Autorespond``,
   ``Precedence: auto_reply``, an out-of-office subject): noted, not a reply;
4. a reply: ``In-Reply-To``/``References`` naming a Message-ID we sent, or mail from a
   peer's address on or after the day they were invited.

Everything else is ``ignored``. Each message is recorded once, by Message-ID (a digest of its
bytes when it has none), so a second run over the same mailbox changes nothing. Reading the
mailbox itself (mbox, Maildir, IMAP; what was read before) is ``outreach.mail.sources``.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

from outreach.ledger import InboxRecord, Ledger

_MAX_CALENDAR = 1_000_000  # bytes of one calendar part worth parsing
_OUT_OF_OFFICE = re.compile(
    r"^\s*(out of (the )?office|automatic reply|auto(matic)?[- ]?(reply|response|antwort)|"
    r"auto:|abwesenheit|absence|r[ée]ponse automatique|respuesta autom[áa]tica|"
    r"risposta automatica|fuori sede|vacation|on leave|away from)", re.I)
_ID = re.compile(r"<[^<>\s]+>")


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
    failed: tuple[str, ...] = ()
    original_id: str = ""


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
    }
    bounce = _bounce(message)
    if bounce is not None:
        failed, original = bounce
        return Parsed(**base, kind="bounce", failed=failed, original_id=original)
    itip = _itip(message)
    if itip is not None:
        return Parsed(**base, **itip)
    if _auto_reply(message, base["subject"]):
        return Parsed(**base, kind="auto-reply")
    return Parsed(**base)


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, TypeError, IndexError, AttributeError):  # a malformed header
        return ""
    return str(value) if value is not None else ""


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
    except (TypeError, ValueError, IndexError):
        return None


def _auto_reply(message: Message, subject: str) -> bool:
    submitted = _header(message, "Auto-Submitted").strip().lower()
    if submitted and not submitted.startswith("no"):
        return True
    if _header(message, "X-Autoreply") or _header(message, "X-Autorespond"):
        return True
    if _header(message, "Precedence").strip().lower() == "auto_reply":
        return True
    return bool(_OUT_OF_OFFICE.match(subject))


def _bounce(message: Message) -> tuple[tuple[str, ...], str] | None:
    """(failed recipients, the original Message-ID) of a DSN (RFC 3464), else None."""
    if message.get_content_type() != "multipart/report" or (
            str(message.get_param("report-type", "") or "").lower() != "delivery-status"):
        return None
    failed: list[str] = []
    original = ""
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            failed += _failed_recipients(part)
        elif kind in ("text/rfc822-headers", "message/rfc822") and not original:
            original = _original_id(part)
    return tuple(dict.fromkeys(failed)), original


def _failed_recipients(part: Message) -> list[str]:
    blocks: Any = part.get_payload()
    if not isinstance(blocks, list):  # some MTAs: one text block; parse it as headers
        text = str(blocks or "")
        blocks = [email.message_from_string(chunk) for chunk in re.split(r"\r?\n\r?\n", text)]
    failed = []
    for block in blocks:
        if not isinstance(block, Message):
            continue
        action = _header(block, "Action").strip().lower()
        who = _header(block, "Final-Recipient") or _header(block, "Original-Recipient")
        if action != "failed" or not who:
            continue
        address = who.partition(";")[2].strip() if ";" in who else who.strip()
        address = address.strip("<> ").lower()
        if "@" in address:
            failed.append(address)
    return failed


def _original_id(part: Message) -> str:
    payload: Any = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return _first_id(_header(payload[0], "Message-ID"))
    if isinstance(payload, str):
        headers = email.message_from_string(payload.split("\n\n", 1)[0])
        return _first_id(_header(headers, "Message-ID"))
    return ""


def _calendar_parts(message: Message) -> Iterator[bytes]:
    for part in message.walk():
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        name = (part.get_filename() or "").lower()
        if kind in ("text/calendar", "application/ics") or name.endswith(".ics"):
            try:
                data = part.get_payload(decode=True)
            except (ValueError, TypeError, LookupError):
                continue
            if isinstance(data, bytes) and 0 < len(data) <= _MAX_CALENDAR:
                yield data


def _itip(message: Message) -> dict[str, Any] | None:
    """The first calendar part with METHOD:REPLY or COUNTER, as ``Parsed`` fields."""
    import icalendar

    for data in _calendar_parts(message):
        try:
            calendar = icalendar.Calendar.from_ical(data)
        except Exception:  # untrusted bytes: any failure to parse means "no calendar"
            continue
        method = str(calendar.get("METHOD", "")).strip().upper()
        if method not in ("REPLY", "COUNTER"):
            continue
        events = calendar.walk("VEVENT")
        if not events:
            continue
        events.sort(key=lambda e: "RECURRENCE-ID" in e)  # the series' reply first
        event = events[0]
        attendee = event.get("ATTENDEE")
        if isinstance(attendee, list):
            attendee = attendee[0] if attendee else None
        address = str(attendee or "").removeprefix("mailto:").removeprefix("MAILTO:").lower()
        partstat = str(attendee.params.get("PARTSTAT", "")).lower() if attendee is not None \
            and hasattr(attendee, "params") else ""
        recurrence = _when(event.get("RECURRENCE-ID"))
        fields: dict[str, Any] = {
                  "kind": "rsvp" if method == "REPLY" else "counter", "method": method,
                  "attendee": address.strip(), "partstat": partstat,
                  "uid": str(event.get("UID", "")).strip()[:300], "recurrence_id": recurrence}
        if method == "COUNTER":
            fields["proposed"] = _when(event.get("DTSTART"))
        return fields
    return None


def _when(prop: Any) -> str:
    value = getattr(prop, "dt", None)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return ""


# ---------------------------------------------------------------- what it means


class _People:
    """The ledger's people, sent messages and invitations, read once per run."""

    def __init__(self, ledger: Ledger) -> None:
        self.by_address: dict[str, str] = {}
        for row in ledger.query("SELECT key, email FROM people WHERE email != '' "
                                "ORDER BY last_seen"):
            self.by_address[str(row["email"]).lower()] = str(row["key"])
        self.sent: dict[str, set[str]] = {}  # our Message-ID → recipients
        for row in ledger.query("SELECT message_id, recipient FROM messages"):
            self.sent.setdefault(str(row[0]), set()).add(str(row[1]).lower())
        self.planned = {str(r[0]): str(r[1]) for r in ledger.query(
            "SELECT message_id, person_key FROM plan_messages")}
        self.uid_people: dict[str, set[str]] = {}
        for row in ledger.query("SELECT uid, person_key FROM plan_messages WHERE uid != '' "
                                "UNION SELECT uid, person_key FROM meetings"):
            self.uid_people.setdefault(str(row[0]), set()).add(str(row[1]))
        self.invited: dict[str, date] = {
            str(r[0]): date.fromisoformat(r[1]) for r in ledger.query(
                "SELECT person_key, MIN(on_date) FROM events WHERE kind = 'invited' "
                "GROUP BY person_key")}
        self.recipients = {r for rs in self.sent.values() for r in rs}

    def key_for(self, address: str) -> str:
        return self.by_address.get(address.lower(), "")

    def thread_person(self, references: Iterable[str]) -> str:
        for mid in references:
            if mid in self.planned:
                return self.planned[mid]
            for recipient in sorted(self.sent.get(mid, ())):
                if self.key_for(recipient):
                    return self.key_for(recipient)
        return ""


def learn(parsed: Parsed, people: _People, source: str, today: date) -> InboxRecord:
    """What one parsed message means for the ledger (``kind`` ``ignored`` when nothing)."""
    on = parsed.on or today
    base: dict[str, Any] = {"message_id": parsed.message_id, "source": source, "on": on,
            "subject": parsed.subject}
    if parsed.kind == "bounce":
        ours = parsed.original_id in people.sent
        for address in parsed.failed:
            if ours or address in people.recipients:
                return InboxRecord(**base, kind="bounce", person_key=people.key_for(address),
                                   detail=address)
        return InboxRecord(**base, kind="ignored")
    if parsed.kind in ("rsvp", "counter"):
        key = people.key_for(parsed.attendee) or people.key_for(parsed.sender)
        owners = people.uid_people.get(parsed.uid, set())
        if not key and len(owners) == 1:
            key = next(iter(owners))
        known = bool(owners) or key in people.invited
        partstat = parsed.partstat if parsed.partstat in ("accepted", "declined",
                                                          "tentative") else ""
        if not key or not known or (parsed.kind == "rsvp" and not partstat):
            return InboxRecord(**base, kind="ignored")
        detail = partstat if parsed.kind == "rsvp" else parsed.proposed
        return InboxRecord(**base, kind=parsed.kind, person_key=key, detail=detail,
                           uid=parsed.uid, recurrence_id=parsed.recurrence_id)
    key = people.thread_person(parsed.references)
    if not key:
        sender_key = people.key_for(parsed.sender)
        invited = people.invited.get(sender_key)
        key = sender_key if invited is not None and on >= invited else ""
    if not key:
        return InboxRecord(**base, kind="ignored")
    kind = "auto-reply" if parsed.kind == "auto-reply" else "reply"
    return InboxRecord(**base, kind=kind, person_key=key)
