"""Is this message a bounce, and of which addresses? Read two ways, both tried on every
candidate: the RFC 3464 delivery status notification (wherever it sits: nested in
``multipart/mixed``, in a ``multipart/report`` without ``report-type``, or pasted as text),
and flufl.bounce, the Mailman project's detectors for the plain-text and non-standard
bounces real servers send (qmail, Exim, Gmail, Yahoo, ...).

``read_bounce`` answers with every address named as failed for good (Original-Recipient,
Final-Recipient, X-Actual-Recipient, X-Failed-Recipients and flufl.bounce's findings), the
Message-IDs the bounce quotes, and whether it comes from a mail system; which of the
addresses is ours, and whether to believe it, is ``outreach.mail.inbox``'s decision.
A delay warning (``Action: delayed``, ``Status: 4.x.x``) is never a bounce.
"""

from __future__ import annotations

import email
import re
from dataclasses import dataclass
from email.message import Message
from email.utils import getaddresses
from typing import Any

_ID = re.compile(r"<[^<>\s]+@[^<>\s]+>")
_ADDRESS = re.compile(r"[^\s<>;:\"'(),\[\]]+@[^\s<>;:\"'(),\[\]]+\.[A-Za-z0-9-]+")
_FIELD = re.compile(r"^\s*([A-Za-z-]+)\s*:\s*(.*)$")
_RECIPIENT_FIELDS = ("original-recipient", "final-recipient", "x-actual-recipient")
_MAIL_SYSTEM_LOCAL = re.compile(
    r"^(mailer-daemon|postmaster|mail-daemon|mailerdaemon|mdaemon|mail\.daemon|"
    r"bounces?|double-bounce|nobody|noreply-dsn|mail-delivery(-system)?)$", re.I)
_MAIL_SYSTEM_NAME = re.compile(
    r"mail delivery (system|subsystem|service)|mailer[- ]daemon|postmaster|"
    r"delivery status notification|mail administrator|mail system|system administrator",
    re.I)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|undelivered|delivery (status|fail|failure|problem|notification)|"
    r"returned mail|mail delivery|failure notice|not delivered|delivery has failed|"
    r"could not be delivered|nondeliverable|non-delivery|bounce|rejected|"
    r"unzustellbar|nicht zustellbar|non remis|no entregado|não entregue|mail failure|"
    r"permanent error|delivery report|unable to deliver", re.I)
_REJECTED = re.compile(r"(^|[\s(\[])(5[0-9][0-9]|5\.[0-9]{1,3}\.[0-9]{1,3})([\s\-:;,)]|$)")
_WARNING = re.compile(
    r"mailbox (is )?full|over quota|automatic reply|auto-?reply|out of (the )?office|"
    r"delay|warning|will (continue to |be )?(re)?tr(y|ied)|still trying|not yet been delivered|"
    r"no action is required|retrying|temporar(il)?y (deferred|failure)|deferred", re.I)
_MAX_TEXT = 200_000  # characters of one text part scanned for DSN fields


@dataclass(frozen=True)
class Bounce:
    """What a bounce says: ``failed`` addresses (lower-cased, the order found),
    ``quoted_ids`` (Message-IDs of the returned message), ``from_mail_system``."""

    failed: tuple[str, ...]
    quoted_ids: tuple[str, ...]
    from_mail_system: bool


def read_bounce(message: Message, raw: bytes) -> Bounce | None:
    """The bounce ``message`` is, or None (not one, or only delays/temporary failures)."""
    system = from_mail_system(message)
    if not system and not _looks_like_a_bounce(message):
        return None
    failed, temporary = _dsn_failures(message)
    if not failed and not temporary and re.search(rb"(?im)^\s*(final|original)-recipient\s*:",
                                                  raw[:_MAX_TEXT]):
        failed, temporary = _report_failures(raw[:_MAX_TEXT].decode("utf-8", "replace"))
    failed += _header_failures(message)
    if not failed and not temporary:
        failed += _flufl_failures(raw)
    if not failed and not temporary and system:
        failed += _rejected_in_the_transcript(message)
        if not failed and not _is_a_warning(message) and from_mail_system(message, strict=True):
            failed += _named_in_the_notice(message)
    failed = list(dict.fromkeys(failed))
    if not failed:
        return None
    own = _first(_header(message, "Message-ID"))
    quoted = tuple(i for i in dict.fromkeys(_quoted_ids(message)) if i != own)
    return Bounce(tuple(failed), quoted, system)


def from_mail_system(message: Message, *, strict: bool = False) -> bool:
    """A null Return-Path (unless ``strict``: auto-replies have one too), or a sender such
    as MAILER-DAEMON, postmaster or "Mail Delivery System"."""
    return_path = _header(message, "Return-Path").strip()
    if not strict and return_path in ("<>", "< >"):
        return True
    if _MAIL_SYSTEM_LOCAL.match(return_path.strip("<>").partition("@")[0]):
        return True
    sender = _header(message, "From").strip()
    if sender in ("<>", "< >"):
        return True
    for name, address in getaddresses([sender]):
        local = address.partition("@")[0].strip('"')
        if _MAIL_SYSTEM_LOCAL.match(local) or _MAIL_SYSTEM_NAME.search(f"{name} {local}"):
            return True
    return False


def _looks_like_a_bounce(message: Message) -> bool:
    if message.get_content_type() == "multipart/report" or _header(message,
                                                                      "X-Failed-Recipients"):
        return True
    if any(p.get_content_type() == "message/delivery-status" for p in _walk(message)):
        return True
    return bool(_BOUNCE_SUBJECT.search(_header(message, "Subject")))


# ---------------------------------------------------------------- RFC 3464


def _dsn_failures(message: Message) -> tuple[list[str], set[str]]:
    """(failed for good, only delayed or temporarily failed) from every per-recipient block
    of every delivery-status part; a text part that reads like one counts too."""
    failed: list[str] = []
    temporary: set[str] = set()
    for part in _walk(message):
        kind = part.get_content_type()
        if kind in ("message/delivery-status", "message/global-delivery-status"):
            text = _part_text(part)
        elif kind == "text/plain" and not part.get_filename():
            text = _part_text(part)
            if "recipient" not in text.lower() or not re.search(r"(?im)^\s*status\s*:", text):
                continue
        else:
            continue
        found, delayed = _report_failures(text)
        failed += found
        temporary |= delayed
    return failed, temporary


def _report_failures(text: str) -> tuple[list[str], set[str]]:
    """(failed, delayed) recipients of the DSN field blocks in ``text`` (also the raw
    message, when a broken MIME boundary hides the report part)."""
    failed: list[str] = []
    temporary: set[str] = set()
    for block in _blocks(text):
        addresses = [a for f in _RECIPIENT_FIELDS for a in _field_addresses(block.get(f, ""))]
        verdict = _verdict(block)
        if verdict == "failed":
            failed += addresses
        elif verdict == "temporary":
            temporary.update(addresses)
    return failed, temporary


def _blocks(text: str) -> list[dict[str, str]]:
    """The DSN's field blocks (separated by blank lines), field names lower-cased."""
    blocks: list[dict[str, str]] = []
    for chunk in re.split(r"\r?\n[ \t]*\r?\n", text[:_MAX_TEXT]):
        fields: dict[str, str] = {}
        for line in chunk.splitlines():
            found = _FIELD.match(line)
            if found:
                fields.setdefault(found.group(1).lower(), found.group(2).strip())
        if fields:
            blocks.append(fields)
    return blocks


def _verdict(block: dict[str, str]) -> str:
    """``failed``, ``temporary`` or "" for one recipient's block. ``Action: failed`` (also
    ``failed (…)``, ``failure``, ``Action : failed``) is final whatever the Status (4.4.7:
    the server gave up); with no Action a 5.x.x Status fails and a 4.x.x one is a delay."""
    action = block.get("action", "").lower().split("(")[0].strip()
    status = block.get("status", "").strip()
    if action.startswith("fail") or (not action and status.startswith("5")):
        return "failed"
    if action.startswith("delay") or (not action and status.startswith("4")):
        return "temporary"
    return ""


def _field_addresses(value: str) -> list[str]:
    address = value.partition(";")[2] if ";" in value else value
    return [a.lower().strip(".") for a in _ADDRESS.findall(address)]


# ---------------------------------------------------------------- other MTAs


def _header_failures(message: Message) -> list[str]:
    """Exim's ``X-Failed-Recipients``."""
    value = " ".join(str(v) for v in message.get_all("X-Failed-Recipients", []) or [])
    return [a.lower() for a in _ADDRESS.findall(value)]


def _flufl_failures(raw: bytes) -> list[str]:
    """flufl.bounce's permanent failures (its detectors read a compat32 message)."""
    from flufl.bounce import all_failures

    try:
        _temporary, permanent = all_failures(email.message_from_bytes(raw))
    except Exception:  # untrusted bytes: a detector that trips means "nothing found"
        return []
    found = []
    for item in permanent:
        text = item.decode("utf-8", "replace") if isinstance(item, bytes) else str(item)
        found += [a.lower() for a in _ADDRESS.findall(text)]
    return sorted(found)


def _is_a_warning(message: Message) -> bool:
    """A delay warning's subject or notice ("will retry", "not yet been delivered")."""
    if _WARNING.search(_header(message, "Subject")):
        return True
    return bool(_WARNING.search(_notice(message)[:3000]))


def _rejected_in_the_transcript(message: Message) -> list[str]:
    """Addresses on a line of the notice that carries a 5xx reply or a 5.x.x status (an
    SMTP transcript: ``550 <jane@example.org>... User unknown``)."""
    own = _own_addresses(message)
    found = []
    for line in _notice(message).splitlines()[:400]:
        if _REJECTED.search(line):
            found += [a.lower().strip(".") for a in _ADDRESS.findall(line)]
    return [a for a in found if a not in own]


def _own_addresses(message: Message) -> set[str]:
    return {a.lower() for _n, a in getaddresses(
        [_header(message, h) for h in ("From", "To", "Return-Path", "Sender")])}


def _named_in_the_notice(message: Message) -> list[str]:
    """The last resort for a mail system's plain-text notice that no detector knows: the
    addresses its text names and the returned message's To/Cc, less the bounce's own
    From/To (the caller keeps only addresses we sent to)."""
    own = _own_addresses(message)
    found = [a.lower().strip(".") for a in _ADDRESS.findall(_notice(message))]
    for part in _walk(message):
        if part.get_content_type() in ("message/rfc822", "message/global"):
            payload: Any = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if isinstance(inner, Message):
                found += [a.lower() for _n, a in getaddresses(
                    [_header(inner, "To"), _header(inner, "Cc")]) if "@" in a]
    return [a for a in found if a not in own and not _MAIL_SYSTEM_LOCAL.match(
        a.partition("@")[0])]


def _notice(message: Message) -> str:
    """The human-readable text of a bounce: its first text part (a single-part bounce's
    body), which usually quotes the returned message after the explanation."""
    for part in _walk(message):
        if part.get_content_type() == "message/rfc822":
            break
        if part.get_content_maintype() == "text" and not part.get_filename():
            return _part_text(part)
    return ""


# ---------------------------------------------------------------- what it returns


def _quoted_ids(message: Message) -> list[str]:
    """Message-IDs of the returned message: its headers (``message/rfc822``,
    ``text/rfc822-headers``) or a ``Message-ID:`` line quoted in a text part."""
    found: list[str] = []
    for part in _walk(message):
        kind = part.get_content_type()
        if kind in ("message/rfc822", "message/global"):
            payload: Any = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if isinstance(inner, Message):
                found += _ID.findall(_header(inner, "Message-ID"))
        elif kind in ("text/rfc822-headers", "text/plain", "message/delivery-status"):
            text = _part_text(part)
            found += _ID.findall(" ".join(re.findall(r"(?im)^\s*message-id\s*:\s*(.*)$", text)))
    return found


def _walk(message: Message) -> list[Message]:
    try:
        return list(message.walk())
    except (RecursionError, TypeError, AttributeError):
        return [message]


def _part_text(part: Message) -> str:
    payload: Any = part.get_payload()
    if isinstance(payload, list):  # email parsed a delivery-status part into header blocks
        return "\n\n".join(_block_text(block) for block in payload if isinstance(block, Message))
    try:
        data = part.get_payload(decode=True)
    except (ValueError, TypeError, LookupError):
        data = None
    if isinstance(data, bytes):
        return data[:_MAX_TEXT].decode(part.get_content_charset() or "utf-8", "replace") \
            if _known_charset(part) else data[:_MAX_TEXT].decode("utf-8", "replace")
    return str(payload or "")[:_MAX_TEXT]


def _known_charset(part: Message) -> bool:
    import codecs

    try:
        codecs.lookup(part.get_content_charset() or "utf-8")
    except LookupError:
        return False
    return True


def _block_text(block: Message) -> str:
    lines = []
    for name in block:
        lines.append(f"{name}: {_header(block, name)}")
    return "\n".join(lines)


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, TypeError, IndexError, AttributeError):  # a malformed header
        return ""
    return " ".join(str(value).split()) if value is not None else ""


def _first(value: str) -> str:
    found = _ID.search(value)
    return found.group(0) if found else ""
