"""RFC 5322 / MIME bytes for one rendered message.

Assembled directly (the layout is fixed, so the stdlib's generic MIME classes would only add
cost: ~0.4 ms a message against ~0.03 ms here), using the stdlib for the delicate parts (RFC
2047 words, address quoting, quoted-printable, base64). Nothing varies between runs:
boundaries derive from the Message-ID, so the same input gives byte-identical files; the
parse round-trip tests check the result with the stdlib parser.

Header values come from strangers' profiles: ``header_text`` removes every control
character (CR and LF included) before a value reaches a header, so no value can ever start
a header line of its own. Non-ASCII names and subjects are encoded per RFC 2047.

``write_mbox`` puts finished messages into one mbox file, atomically.
"""

from __future__ import annotations

import base64
import binascii
import functools
import os
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from outreach import fileio
from outreach.model import Invite

_Q_SAFE = {c: c for c in string.ascii_letters + string.digits + "!*+-/"} | {" ": "_"}
_NAME_LIMIT = 120  # characters of a display name: keeps the header line far below 998
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


@dataclass(frozen=True)
class Content:
    """What a message says, already rendered: headers from the template, the text body and
    the HTML body ("" for a plain-text template: the message is then text/plain only)."""

    subject: str
    text: str
    html: str
    extra_headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Envelope:
    """Who, when and which: the headers the tool sets itself."""

    sender_name: str
    sender_email: str
    to_name: str
    to_email: str
    date: str
    message_id: str
    references: tuple[str, ...] = ()  # the thread, oldest first: In-Reply-To is the last


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def date_header(when: datetime) -> str:
    """RFC 5322 date-time, as ``email.utils.format_datetime`` writes it (``-0000`` for a
    naive one), without importing ``email.utils`` (and ``socket``) to write e-mails."""
    zone = when.strftime("%z") if when.tzinfo is not None else "-0000"
    return (f"{_DAYS[when.weekday()]}, {when.day:02d} {_MONTHS[when.month - 1]} "
            f"{when.year:04d} {when.hour:02d}:{when.minute:02d}:{when.second:02d} {zone}")


def header_text(value: object) -> str:
    """One header-safe line: control characters (CR, LF, tab, ...) become single spaces."""
    text = value if isinstance(value, str) else str(value)
    if text.isprintable() and "  " not in text and text == text.strip():
        return text  # the common case, 10× faster than the regex
    return " ".join(_CONTROL.sub(" ", text).split())


def build(content: Content, envelope: Envelope, invite: Invite | None = None) -> bytes:
    """The message as RFC 5322 bytes with CRLF line endings."""
    return message_bytes(
        (content.subject, content.text, content.html, content.extra_headers),
        (envelope.sender_name, envelope.sender_email, envelope.to_name, envelope.to_email,
         envelope.date, envelope.message_id, envelope.references), invite)


def message_bytes(content: tuple[str, str, str, tuple[tuple[str, str], ...]],
                  envelope: tuple[str, str, str, str, str, str, tuple[str, ...]],
                  invite: Invite | None = None) -> bytes:
    """``build`` for the fields of a ``Content`` and an ``Envelope``, in their order: a
    batch makes 10,000 messages, and the two objects cost a fifth of a plain one (issue 23;
    ``results.Message.fingerprint`` makes them when asked)."""
    subject, text, html, extra = content
    sender_name, sender_email, to_name, to_email, date, message_id, references = envelope
    lines = [
        _sender_line(sender_name, sender_email),
        _address("To", to_name, to_email),
        _unstructured("Subject", subject),
        f"Date: {date}",
        f"Message-ID: {message_id}",
    ]
    if references:  # Message-IDs we made ourselves: <outreach.HEX@domain>, no CR/LF
        lines += [f"In-Reply-To: {references[-1]}", _fold("References", " ".join(references))]
    if extra:
        lines += [_unstructured(name, value) for name, value in extra]
    lines.append("MIME-Version: 1.0\r\n")
    # UTF-8, not ASCII: an address may have a non-ASCII local part (RFC 6532; ``send``
    # speaks SMTPUTF8); every other header byte is ASCII (names and subjects are RFC 2047).
    head = "\r\n".join(lines).encode("utf-8")
    body = _text_part(text, "plain")
    if invite is None and not html:  # a plain-text message: one part
        return head + body
    boundary = "=_" + message_id.strip("<>").partition("@")[0][-24:]
    alternative = [body, _text_part(html, "html")] if html else [body]
    if invite is None:
        return head + _multipart("alternative", boundary + "_a", alternative)
    alternative.append(_calendar_part(invite))
    inner = _multipart("alternative", boundary + "_a", alternative)
    return head + _multipart("mixed", boundary + "_m", [inner, _ics_attachment(invite)])


@functools.lru_cache(maxsize=16)
def _sender_line(name: str, address: str) -> str:
    """``From:``, the same for a whole batch: made once."""
    return _address("From", name, address)


def _address(header: str, name: str, address: str) -> str:
    """``To: Name <address>``, the name quoted as needed or RFC 2047-encoded."""
    name = header_text(name)[:_NAME_LIMIT].strip()
    if name.isascii() and "=?" not in name:
        return _fold(header, _mailbox(name, address))
    word = encoded_words(name)
    if "\r\n" in word:  # parsers put spaces between a phrase's words: keep it one word
        data = base64.b64encode(name.encode("utf-8")).decode("ascii")
        word = f"=?utf-8?b?{data}?="
    return f"{header}: {word} <{address}>"


_SPECIALS = re.compile(r'[][\\()<>@,:;".]')  # email.utils' specialsre and escapesre
_ESCAPES = re.compile(r'[\\"]')


def _mailbox(name: str, address: str) -> str:
    """``Name <address>`` as ``email.utils.formataddr`` writes an ASCII name (quoted, with
    backslashes, when it holds a special), but for any address: formataddr refuses a
    non-ASCII local part, which the address rule allows (SMTPUTF8)."""
    if not name:
        return address
    if _SPECIALS.search(name):
        return '"' + _ESCAPES.sub(r"\\\g<0>", name) + f'" <{address}>'
    return f"{name} <{address}>"


@functools.lru_cache(maxsize=1024)  # a batch's subjects differ by a first name, if at all
def _unstructured(name: str, value: str) -> str:
    """``Name: value``, RFC 2047-encoded when not plain ASCII (or when it looks encoded)."""
    value = header_text(value)
    if value.isascii() and "=?" not in value:
        return _fold(name, value)
    return f"{name}: {encoded_words(value)}"


def encoded_words(text: str) -> str:
    """RFC 2047 ``=?utf-8?q?...?=`` words (Q keeps mostly-ASCII text readable in the raw
    file), each at most 75 characters, split between characters (never inside one), folded
    onto continuation lines. The stdlib's ``Header`` does the same at ~0.5 ms a header."""
    encoded = text.translate(_Q_TABLE)  # each character's piece, in one C pass
    if len(encoded) <= 63:  # a name, a short subject: one word
        return f"=?utf-8?q?{encoded}?="
    words: list[str] = []
    current = ""
    for piece in [_Q_TABLE[ord(char)] for char in text]:
        if len(current) + len(piece) > 63:  # + 12 of framing = 75
            words.append(current)
            current = ""
        current += piece
    words.append(current)
    return "\r\n ".join(f"=?utf-8?q?{word}?=" for word in words)


class _QTable(dict[int, str]):
    """Each character's Q encoding by code point (``str.translate``'s table), learnt as met."""

    def __missing__(self, ordinal: int) -> str:
        char = chr(ordinal)
        piece = _Q_SAFE.get(char) or "".join(f"={b:02X}" for b in char.encode("utf-8"))
        if len(self) < 4096:
            self[ordinal] = piece
        return piece


_Q_TABLE = _QTable()


def _fold(name: str, value: str) -> str:
    """Fold a long header at spaces so lines stay within 78 characters where possible."""
    line = f"{name}: {value}"
    if len(line) <= 78:
        return line
    lines, current = [], ""
    for word in line.split(" "):
        if current and len(current) + 1 + len(word) > 78:
            lines.append(current)
            current = " " + word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return "\r\n".join(lines)


def _multipart(subtype: str, boundary: str, parts: list[bytes]) -> bytes:
    head = f'Content-Type: multipart/{subtype}; boundary="{boundary}"\r\n\r\n'.encode("ascii")
    delimiter = f"\r\n--{boundary}\r\n".encode("ascii")
    closing = f"\r\n--{boundary}--\r\n".encode("ascii")
    return head + delimiter[2:] + delimiter.join(parts) + closing


def _text_part(text: str, subtype: str) -> bytes:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.isascii() and max(map(len, text.split("\n"))) <= 76:
        return _part_head(subtype, "us-ascii", "7bit") + text.replace(
            "\n", "\r\n").encode("ascii")
    encoded = binascii.b2a_qp(text.encode("utf-8"), istext=True)
    return _part_head(subtype, "utf-8", "quoted-printable") + encoded.replace(b"\n", b"\r\n")


@functools.cache
def _part_head(subtype: str, charset: str, encoding: str) -> bytes:
    return (f'Content-Type: text/{subtype}; charset="{charset}"\r\n'
            f"Content-Transfer-Encoding: {encoding}\r\n\r\n").encode("ascii")


def _calendar_part(invite: Invite) -> bytes:
    """Inline ``text/calendar``: what Gmail, Outlook and Apple Mail turn into RSVP buttons."""
    head = f'Content-Type: text/calendar; method={invite.method}; charset="utf-8"\r\n'
    return _base64_part(head, invite.ics)


def _ics_attachment(invite: Invite) -> bytes:
    """The same calendar object as a file, for clients that only import attachments."""
    head = (
        f'Content-Type: application/ics; name="{invite.filename}"\r\n'
        f'Content-Disposition: attachment; filename="{invite.filename}"\r\n'
    )
    return _base64_part(head, invite.ics)


def _base64_part(head: str, data: bytes) -> bytes:
    head += "Content-Transfer-Encoding: base64\r\n\r\n"
    return head.encode("ascii") + base64.encodebytes(data).replace(b"\n", b"\r\n")


def write_mbox(messages: Iterable[bytes], path: Path) -> bool:
    """Messages (CRLF bytes, as ``build`` makes them) in one mbox as ``mailbox.mbox`` reads
    it, built aside, then renamed over ``path`` unless that already holds the same bytes.
    True if written."""
    import filecmp
    import mailbox
    import tempfile

    fileio.ensure_folder(path.parent)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        box = mailbox.mbox(tmp, create=True)
        box.lock()
        try:
            for message in messages:
                box.add(_mbox_bytes(message))
            box.flush()
        finally:
            box.unlock()
            box.close()
        if path.is_file() and filecmp.cmp(tmp, path, shallow=False):
            tmp.unlink()
            return False
        with tmp.open("rb") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return True


def _mbox_bytes(data: bytes) -> bytes:
    """LF line endings (mailbox adds the platform's) and a ``From `` line from the Date."""
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(_header(data, b"Date").decode("ascii"))
        stamp = when.strftime("%a %b %d %H:%M:%S %Y")
    except (TypeError, ValueError):
        stamp = "Thu Jan  1 00:00:00 1970"
    from_line = f"From MAILER-DAEMON {stamp}\n".encode("ascii")
    return from_line + data.replace(b"\r\n", b"\n")


def _header(data: bytes, name: bytes) -> bytes:
    for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        if line.lower().startswith(name.lower() + b":"):
            return line.partition(b":")[2].strip()
    return b""
