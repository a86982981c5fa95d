"""An IMAP session for ``outreach inbox`` (read what is new) and ``outreach drafts`` (APPEND
with ``\\Draft``), on the standard library's ``imaplib``.

Why imaplib: it speaks every command we need (STARTTLS, LOGIN, AUTHENTICATE with any SASL
mechanism, EXAMINE, UID SEARCH/FETCH, APPEND with flags) and is kept with Python itself, so
no dependency is added for the few calls a client library would only wrap.

``imaps://user@host[:port]/FOLDER`` is TLS from the first byte (993); ``imap://`` upgrades
with STARTTLS (143) and refuses a server without it, except on loopback (a local test or
bridge server never leaves the machine). Certificates and host names are verified. Folders
are read with EXAMINE and ``BODY.PEEK[]``: reading marks nothing as seen.
"""

from __future__ import annotations

import base64
import contextlib
import imaplib
import ipaddress
import re
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from outreach.errors import OutreachError
from outreach.mail.credentials import Secret, xoauth2_string

DEFAULT_PORTS = {"imaps": 993, "imap": 143}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_SAFE_ID = re.compile(r"^<[\x21-\x7e]+>$")


@dataclass(frozen=True)
class ImapUrl:
    scheme: str
    user: str
    host: str
    port: int
    folder: str

    @property
    def source(self) -> str:
        """The folder's name in the ledger: ``imaps://user@host:port/FOLDER``."""
        return (f"{self.scheme}://{quote(self.user, safe='@')}@{self.host}:{self.port}/"
                f"{quote(self.folder, safe='/')}")


def parse_url(text: str, *, option: str = "SOURCE", default_folder: str = "INBOX") -> ImapUrl:
    """``imaps://user@host[:port]/FOLDER`` (or ``imap://``); a user that is an address may
    keep its ``@`` or spell it ``%40``."""
    parts = urlsplit(text.strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise OutreachError(f"{option}: {text!r}: use imaps://user@host/FOLDER or imap://...")
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        raise OutreachError(f"{option}: {text!r}: the port is not a number 1-65535") from None
    user = unquote(parts.username or "")
    if not parts.hostname or not user:
        raise OutreachError(f"{option}: {text!r}: name the user and host, "
                            "e.g. imaps://me@example.com@imap.example.com/INBOX")
    if parts.password is not None:
        raise OutreachError(f"{option}: a password does not belong in the URL (it would be on "
                            "the command line); see outreach login imap")
    folder = unquote(parts.path.lstrip("/")) or default_folder
    return ImapUrl(scheme, user, parts.hostname, port, folder)


def is_loopback(host: str) -> bool:
    """Is ``host`` this machine (plaintext is allowed only there: a local test or bridge)?
    The one rule for SMTP and IMAP."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _quoted(name: str) -> str:
    if any(c in name for c in "\r\n\0"):
        raise OutreachError(f"IMAP folder {name!r}: control characters are not allowed")
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ImapSession:
    """One logged-in connection; use as a context manager."""

    def __init__(self, url: ImapUrl, secret: Secret, *, ca_file: Path | None = None,
                 timeout: float = 60.0) -> None:
        self.url = url
        self._secret = secret
        self._ca_file = ca_file
        self._timeout = timeout
        self._imap: imaplib.IMAP4 | None = None

    @property
    def address(self) -> str:
        return f"{self.url.host}:{self.url.port}"

    def _context(self) -> ssl.SSLContext:
        try:
            return ssl.create_default_context(cafile=str(self._ca_file) if self._ca_file
                                              else None)
        except (OSError, ssl.SSLError) as exc:
            raise OutreachError(f"--ca-file {self._ca_file}: cannot load: {exc}") from None

    def open(self) -> ImapSession:
        url = self.url
        try:
            if url.scheme == "imaps":
                imap: imaplib.IMAP4 = imaplib.IMAP4_SSL(url.host, url.port,
                                                        ssl_context=self._context(),
                                                        timeout=self._timeout)
            else:
                imap = imaplib.IMAP4(url.host, url.port, timeout=self._timeout)
                if "STARTTLS" in imap.capabilities:
                    imap.starttls(ssl_context=self._context())
                elif not is_loopback(url.host):
                    imap.shutdown()
                    raise OutreachError(
                        f"IMAP server {self.address} does not offer STARTTLS; use imaps://")
        except ssl.SSLCertVerificationError as exc:
            raise OutreachError(f"IMAP server {self.address}: TLS certificate not trusted "
                                f"({exc.verify_message}); use --ca-file for a private CA"
                                ) from None
        except (OSError, imaplib.IMAP4.error) as exc:
            raise OutreachError(f"cannot reach IMAP server {self.address}: {exc}") from None
        self._imap = imap
        self._login(imap)
        return self

    def _login(self, imap: imaplib.IMAP4) -> None:
        secret, user = self._secret, self.url.user
        try:
            if secret.kind == "xoauth2":
                sasl = xoauth2_string(user, secret.value).encode("utf-8")
                imap.authenticate("XOAUTH2", lambda _challenge: sasl)
            else:
                imap.login(user, secret.value)
        except (imaplib.IMAP4.error, OSError) as exc:
            self.close()
            text = str(exc).replace(secret.value, "***") if secret.value else str(exc)
            raise OutreachError(f"IMAP server {self.address} refused the login for {user}: "
                                f"{text}") from None

    @property
    def imap(self) -> imaplib.IMAP4:
        if self._imap is None:
            raise OutreachError("IMAP session is not open")
        return self._imap

    def _ok(self, answer: tuple[str, Any], what: str) -> Any:
        status, data = answer
        if status != "OK":
            detail = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8",
                                                                                "replace")
            raise OutreachError(f"IMAP server {self.address}: {what}: {detail or status}")
        return data

    def examine(self, folder: str | None = None) -> int:
        """Open ``folder`` read-only; its UIDVALIDITY."""
        name = folder or self.url.folder
        try:
            self._ok(self.imap.select(_quoted(name), readonly=True), f"cannot open {name!r}")
            value = self.imap.response("UIDVALIDITY")[1]
        except (imaplib.IMAP4.error, OSError) as exc:
            raise OutreachError(f"IMAP server {self.address}: {name!r}: {exc}") from None
        try:
            return int(value[0]) if value and value[0] else 0
        except ValueError:
            return 0

    def search(self, *criteria: str) -> list[int]:
        """UIDs matching ``criteria`` in the open folder, ascending."""
        try:
            data = self._ok(self.imap.uid("SEARCH", *criteria), "SEARCH")
        except (imaplib.IMAP4.error, OSError) as exc:
            raise OutreachError(f"IMAP server {self.address}: SEARCH: {exc}") from None
        return sorted(int(n) for n in b" ".join(d for d in data if d).split() if n.isdigit())

    def fetch(self, uid: int) -> bytes:
        """One message's bytes, without setting ``\\Seen``."""
        try:
            data = self._ok(self.imap.uid("FETCH", str(uid), "(BODY.PEEK[])"), "FETCH")
        except (imaplib.IMAP4.error, OSError) as exc:
            raise OutreachError(f"IMAP server {self.address}: FETCH {uid}: {exc}") from None
        for item in data:
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
                return item[1]
        return b""

    def has_message_id(self, message_id: str) -> bool:
        """Does the open folder hold a message with this Message-ID?"""
        if not _SAFE_ID.match(message_id) or '"' in message_id or "\\" in message_id:
            raise OutreachError(f"Message-ID {message_id!r}: cannot be searched for")
        return bool(self.search("HEADER", "Message-ID", f'"{message_id}"'))

    def append(self, folder: str, raw: bytes, flags: str = "(\\Draft)") -> None:
        try:
            self._ok(self.imap.append(_quoted(folder), flags, None, raw),
                     f"APPEND to {folder!r}")
        except (imaplib.IMAP4.error, OSError) as exc:
            raise OutreachError(f"IMAP server {self.address}: APPEND to {folder!r}: {exc}"
                                ) from None

    def close(self) -> None:
        imap, self._imap = self._imap, None
        if imap is None:
            return
        try:
            imap.logout()
        except (imaplib.IMAP4.error, OSError):
            with contextlib.suppress(OSError):
                imap.shutdown()

    def __enter__(self) -> ImapSession:
        return self.open() if self._imap is None else self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()


def since_criterion(day: date) -> str:
    return f"{day.day}-{_MONTHS[day.month - 1]}-{day.year}"


def read_new(session: ImapSession, state: tuple[int, int] | None, since: date | None,
             ) -> tuple[int, list[int], Callable[[int], bytes]]:
    """(UIDVALIDITY, the UIDs not read yet, a fetcher): after the highest UID seen while
    UIDVALIDITY is unchanged, else every message (Message-IDs keep the ledger right)."""
    uidvalidity = session.examine()
    last = state[1] if state is not None and state[0] == uidvalidity else 0
    criteria = ["UID", f"{last + 1}:*"] if last else ["ALL"]
    if since is not None:
        criteria += ["SINCE", since_criterion(since)]
    uids = [uid for uid in session.search(*criteria) if uid > last]  # n:* always holds the last
    return uidvalidity, uids, session.fetch


def sasl_initial(user: str, token: str) -> str:
    """The base64 XOAUTH2 response as it goes on the wire (for tests and debugging)."""
    return base64.b64encode(xoauth2_string(user, token).encode("utf-8")).decode("ascii")
