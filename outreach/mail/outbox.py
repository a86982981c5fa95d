"""The outbox: messages read from a folder of ``.eml`` files or an mbox, and the send plan.

``load_outbox`` checks every message before anything is sent (Message-ID, From, recipients);
``plan_batch`` asks the ledger which recipients each message still has to reach, and whether the
campaign's plan still holds it (a superseded or withdrawn message is refused, never sent);
``write_failed_csv`` reports what failed, with the server's reply.
"""

from __future__ import annotations

import email.errors
import email.header
import email.policy
import email.utils
import mailbox
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from email.parser import HeaderParser
from pathlib import Path

from outreach.errors import OutreachError
from outreach.fileio import write_text
from outreach.ledger import Delivery, Ledger
from outreach.model import valid_address
from outreach.tables import to_csv

FAILED_CSV = "failed.csv"
FAILED_COLUMNS = (
    "recipient", "subject", "state", "attempts", "server_reply", "message_id", "source",
)
_HEADERS = HeaderParser(policy=email.policy.compat32)
"""Reads the header block as text: UTF-8 header bytes (RFC 6532, a ``zoë@…`` recipient) stay
those characters; bytes that are not UTF-8 become lone surrogates, which no address accepts
(a bytes parser would turn both into U+FFFD, and ``send`` would write to that address)."""

# ---------------------------------------------------------------- the outbox


@dataclass(frozen=True)
class OutboxMessage:
    """One message to send, as read from a ``.eml`` file or an mbox entry.

    ``wire`` is the file's bytes as they go to the server: CRLF line ends, Bcc/Resent-Bcc
    headers removed, nothing else touched, so what was reviewed is what is sent; only the
    ``Date:`` header is set again at send time (``with_date``).
    ``recipients`` keep their spelling (local parts may be case-sensitive); the ledger
    compares them lower-cased.
    """

    source: str
    wire: bytes = field(repr=False)
    message_id: str
    subject: str
    sender: str
    recipients: tuple[str, ...]
    names: dict[str, str] = field(default_factory=dict, repr=False, compare=False)


def load_outbox(path: Path) -> list[OutboxMessage]:
    """Every message in a folder of ``.eml`` files (sorted by name) or an mbox file.

    All messages are checked before anything is sent: a message without Message-ID, From or
    recipients is an error naming the file (or ``mbox#N``) and the header.
    """
    path = Path(path)
    if path.is_dir():
        files = sorted(path.glob("*.eml"))
        if not files:
            raise OutreachError(f"{path}: no .eml files to send")
        return [_outbox_message(str(f), _read(f)) for f in files]
    if not path.is_file():
        raise OutreachError(f"{path}: no such folder or mbox file")
    return _load_mbox(path)


def _read(path: Path) -> bytes:
    from outreach.fileio import read_regular

    try:
        return read_regular(path, "an .eml file or an mbox")
    except OSError as exc:
        raise OutreachError(f"{path}: cannot read: {exc.strerror}") from None


def _load_mbox(path: Path) -> list[OutboxMessage]:
    if not _read(path)[:5] == b"From ":
        raise OutreachError(f"{path}: not an mbox file (it must start with a 'From ' line)")
    box = mailbox.mbox(path, create=False)
    try:
        messages = [
            _outbox_message(f"{path}#{number}", box.get_bytes(key))
            for number, key in enumerate(box.iterkeys(), start=1)
        ]
    except OSError as exc:
        raise OutreachError(f"{path}: cannot read: {exc.strerror}") from None
    finally:
        box.close()
    if not messages:
        raise OutreachError(f"{path}: the mbox holds no messages")
    return messages


def _header_text(raw: bytes) -> str:
    """The header block of ``raw`` (up to the first empty line), decoded as UTF-8."""
    from outreach.mail.sources import body_start  # the one rule for where a header ends

    return raw[:body_start(raw)].decode("utf-8", "surrogateescape")


def _outbox_message(source: str, raw: bytes) -> OutboxMessage:
    headers = _HEADERS.parsestr(_header_text(raw))
    message_id = _text(headers.get("Message-ID")).strip()
    if not message_id:
        raise OutreachError(f"{source}: Message-ID: missing (needed to send exactly once)")
    from_header = _text(headers.get("Sender") or headers.get("From"))
    sender = email.utils.parseaddr(from_header)[1]
    if valid_address(sender) is None:
        raise OutreachError(f"{source}: From: {from_header!r} is not an e-mail address")
    addressed = [_text(v) for h in ("To", "Cc", "Bcc") for v in headers.get_all(h, [])]
    names: dict[str, str] = {}
    recipients: list[str] = []
    for name, address in email.utils.getaddresses(addressed):
        if valid_address(address) is None:
            raise OutreachError(f"{source}: To/Cc: {address or name!r} is not an e-mail address")
        if address.lower() not in names:
            names[address.lower()] = _decoded(name)
            recipients.append(address)
    if not recipients:
        raise OutreachError(f"{source}: To: no recipient")
    subject = _decoded(_text(headers.get("Subject")))
    return OutboxMessage(source, wire_format(raw), message_id, subject, sender,
                         tuple(recipients), names)


def _text(value: object) -> str:
    """A compat32 header value as str (8-bit bytes come back as ``Header`` objects)."""
    return "" if value is None else str(value)


def _decoded(value: str) -> str:
    """RFC 2047 ``=?utf-8?...?=`` words decoded, for display and the ledger."""
    try:
        return " ".join(str(email.header.make_header(email.header.decode_header(value))).split())
    except (ValueError, LookupError, email.errors.HeaderParseError):
        return value


def wire_format(raw: bytes) -> bytes:
    """CRLF line ends, Bcc and Resent-Bcc dropped (with their folded lines); else unchanged."""
    head, blank, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    kept: list[bytes] = []
    hidden = False
    for line in head.split(b"\n"):
        if not line.startswith((b" ", b"\t")):
            hidden = line.split(b":", 1)[0].strip().lower() in (b"bcc", b"resent-bcc")
        if not hidden:
            kept.append(line)
    return (b"\n".join(kept) + blank + body).replace(b"\n", b"\r\n")


def with_date(wire: bytes, moment: datetime) -> bytes:
    """``wire`` with its ``Date:`` header (and any folded lines of it) replaced by ``moment``,
    or one added at the end of the header when the file has none: a message reviewed for a
    week does not go out dated the day it was written."""
    head, blank, body = wire.partition(b"\r\n\r\n")
    stamp = b"Date: " + email.utils.format_datetime(moment).encode("ascii")
    kept: list[bytes] = []
    in_date = placed = False
    for line in head.split(b"\r\n"):
        if not line.startswith((b" ", b"\t")):
            in_date = line.split(b":", 1)[0].strip().lower() == b"date"
            if in_date and not placed:
                kept.append(stamp)
                placed = True
        if not in_date:
            kept.append(line)
    if not placed:
        kept.append(stamp)
    return b"\r\n".join(kept) + (blank or b"\r\n\r\n") + body


# ---------------------------------------------------------------- the plan


@dataclass(frozen=True)
class PlannedMessage:
    """A message with the recipients still to be sent to, and why (for the dry run).

    ``refused`` says why a message must not be sent at all (the campaign's plan no longer
    holds it); such a message has no pending recipients, and ``send_batch`` refuses a plan
    that contains one.
    """

    item: OutboxMessage
    pending: tuple[str, ...]
    status: str
    already_sent: int = 0
    failed_permanently: int = 0
    refused: str = ""


_STALE = {
    "superseded": "no longer in the plan: superseded by a later message{later}; delete it",
    "withdrawn": "no longer in the plan: withdrawn (the person left the plan); delete it",
}


def plan_batch(
    messages: Iterable[OutboxMessage], ledger: Ledger, *, retry_failed: bool = False
) -> list[PlannedMessage]:
    """What a ``--send`` would do with each message, from the ledger's records.

    Status: ``new``, ``already sent``, ``resend (interrupted)`` (ambiguous ``sending``, same
    Message-ID), ``retry (temporary failure)``, ``failed permanently`` (skipped unless
    ``retry_failed``), ``refused (no longer in the plan)`` (the campaign's plan marks the
    Message-ID superseded or withdrawn; ``refused`` says why). Messages are known by
    Message-ID, so a file the user edited by hand is still the plan's message. One Message-ID
    in two files is an error naming both: which of the two texts was meant cannot be guessed.
    """
    items = list(messages)
    check_unique(items)
    records = ledger.deliveries_of(item.message_id for item in items)  # one read per batch
    plan = []
    for item in items:
        known = records[item.message_id]
        pending = tuple(r for r in item.recipients if _due(known.get(r.lower()), retry_failed))
        skipped = [known[r.lower()].state for r in item.recipients if r not in pending]
        stale = _STALE.get(ledger.plan_state(item.message_id) or "") if pending else None
        if stale:
            reason = stale.format(later=_later(ledger, item.message_id))
            plan.append(PlannedMessage(item, (), "refused (no longer in the plan)",
                                       refused=f"{item.source}: {reason}"))
            continue
        plan.append(PlannedMessage(
            item, pending, _status(item, known, pending),
            already_sent=skipped.count("sent"),
            failed_permanently=skipped.count("failed-permanent"),
        ))
    return plan


def check_unique(messages: Iterable[OutboxMessage]) -> None:
    """One Message-ID in two files (or mbox entries) is an error naming both."""
    seen: dict[str, str] = {}
    for item in messages:
        first = seen.setdefault(item.message_id, item.source)
        if first != item.source:
            raise OutreachError(
                f"{item.source}: Message-ID {item.message_id} is also in {first}; one "
                "Message-ID is one message (delete the copy, or give it its own Message-ID)"
            )


def check_sendable(plan: Iterable[PlannedMessage]) -> None:
    """Refuse the whole run when any planned message is refused (a stale file).

    The whole run, not only that file: a stale file means the folder is not what the plan
    last wrote (an old copy, a file the campaign could not remove), so its other messages
    deserve a look too; deleting a file and rerunning costs less than one wrong message.
    """
    refused = [p.refused for p in plan if p.refused]
    if refused:
        more = f" (and {len(refused) - 1} more: see the dry run)" if len(refused) > 1 else ""
        raise OutreachError(f"nothing sent: {refused[0]}{more}")


def _later(ledger: Ledger, message_id: str) -> str:
    """`` (PATH)``: the plan's current message that replaced ``message_id``, when known."""
    planned = ledger.planned_messages()
    old = next((m for m in planned if m.message_id == message_id), None)
    if old is None:
        return ""
    later = [m for m in planned if m.state == "current" and m.person_key == old.person_key
             and m.series == old.series and m.message_id != message_id and m.path]
    return f" ({later[-1].path})" if later else ""


def _due(delivery: Delivery | None, retry_failed: bool) -> bool:
    if delivery is None:
        return True
    if delivery.state == "failed-permanent":
        return retry_failed
    return delivery.state != "sent"


def _status(item: OutboxMessage, known: dict[str, Delivery], pending: tuple[str, ...]) -> str:
    states = [known[r.lower()].state for r in item.recipients if r.lower() in known]
    if not pending:
        failed = states.count("failed-permanent")
        if not failed:
            return "already sent"
        return "failed permanently" if failed == len(states) else f"sent; {failed} failed"
    pending_states = {known[r.lower()].state for r in pending if r.lower() in known}
    if "sending" in pending_states:
        return "resend (interrupted)"
    if "failed-temporary" in pending_states:
        return "retry (temporary failure)"
    if "failed-permanent" in pending_states:
        return "retry (failed permanently)"
    return "new" if not states else "new recipients"


def write_failed_csv(
    messages: Iterable[OutboxMessage], ledger: Ledger, folder: Path
) -> Path | None:
    """``FOLDER/failed.csv`` (``./failed.csv`` if FOLDER is read-only): this outbox's failed
    deliveries with the server's reply.

    Rewritten atomically after every run; removed when nothing is failed any more, so it
    always describes the ledger's current state. Cells are neutralised against formulas.
    """
    rows = []
    items = list(messages)
    records = ledger.deliveries_of(item.message_id for item in items)
    for item in items:
        for recipient, delivery in sorted(records[item.message_id].items()):
            if delivery.state.startswith("failed-") and recipient in item.names:
                rows.append([
                    recipient, delivery.subject, delivery.state, delivery.attempts,
                    delivery.last_reply, delivery.message_id, item.source,
                ])
    for candidate in dict.fromkeys([folder, Path.cwd()]):  # a read-only input: the cwd
        target = candidate / FAILED_CSV
        try:
            if not rows:
                target.unlink(missing_ok=True)
                return None
            write_text(target, to_csv(FAILED_COLUMNS, rows))
            return target
        except OSError as exc:
            problem = f"{target}: cannot write: {exc.strerror}"
    raise OutreachError(problem, exit_code=1)


def failed_csv_folder(source: Path) -> Path:
    """Where ``failed.csv`` goes: the input folder, or the mbox's folder (else the cwd)."""
    return source if source.is_dir() else source.parent
