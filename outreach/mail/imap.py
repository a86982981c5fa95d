"""An IMAP session for ``outreach inbox`` (read what is new) and ``outreach drafts`` (APPEND
with ``\\Draft``), on ``imapclient``.

Why imapclient and not the standard library's imaplib alone: folder names are modified
UTF-7 on the wire (``Entwürfe`` is ``Entw&APw-rfe``), which imaplib leaves to the caller and
then fails to encode; FETCH answers for many messages come back parsed per UID, so one round
trip carries a whole batch; SPECIAL-USE folders (``\\Drafts``, ``\\Sent``) are found from
LIST; ``AUTHENTICATE PLAIN`` carries a UTF-8 password where LOGIN cannot.

``imaps://user@host[:port]/FOLDER`` is TLS from the first byte (993); ``imap://`` upgrades
with STARTTLS (143) and refuses a server without it, except on loopback (a local test or
bridge server never leaves the machine). Certificates and host names are verified (a private
CA: ``ca_file``). Folders are read with EXAMINE and ``BODY.PEEK[]``: reading marks nothing as
seen. Every server text shown or raised has the password, token and SASL strings masked.
"""

from __future__ import annotations

import base64
import contextlib
import ipaddress
import re
import ssl
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from outreach.errors import OutreachError
from outreach.mail.credentials import Secret, mask_secrets, secret_forms, xoauth2_string

DEFAULT_PORTS = {"imaps": 993, "imap": 143}
MAX_MESSAGE = 25 * 1024 * 1024  # bytes of one message worth reading
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_SAFE_ID = re.compile(r"^<[\x21-\x7e]+>$")
_SPECIAL = {"drafts": b"\\Drafts", "sent": b"\\Sent"}  # a folder named so may be the role
_BATCH_MESSAGES = 500  # UIDs per FETCH of sizes and of bodies
_BATCH_BYTES = 16 * 1024 * 1024  # bytes of bodies per FETCH


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


def parse_url(text: str, *, field: str | None = None, default_folder: str = "INBOX") -> ImapUrl:
    """``imaps://user@host[:port]/FOLDER`` (or ``imap://``); a user that is an address may
    keep its ``@`` or spell it ``%40``. ``field`` names the input in errors."""
    parts = urlsplit(text.strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise OutreachError(f"{text!r}: use imaps://user@host/FOLDER or imap://...",
                            field=field)
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        raise OutreachError(f"{text!r}: the port is not a number 1-65535",
                            field=field) from None
    user = unquote(parts.username or "")
    if not parts.hostname or not user:
        raise OutreachError(f"{text!r}: name the user and host, "
                            "e.g. imaps://me@example.com@imap.example.com/INBOX", field=field)
    if parts.password is not None:
        raise OutreachError("a password does not belong in the URL (it would be on the "
                            "command line); see outreach login imap", field=field)
    folder = unquote(parts.path.lstrip("/")) or default_folder
    if any(c in folder for c in "\r\n\0"):
        raise OutreachError(f"IMAP folder {folder!r}: control characters are not allowed",
                            field=field)
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


@dataclass(frozen=True)
class Fetched:
    """One UID's answer to a FETCH: its bytes, or why there are none (``too large``: over
    ``MAX_MESSAGE``; ``missing``: the server answered without them)."""

    uid: int
    data: bytes = b""
    size: int = 0
    problem: str = ""


class ImapSession:
    """One logged-in connection; use as a context manager."""

    def __init__(self, url: ImapUrl, secret: Secret, *, ca_file: Path | None = None,
                 timeout: float = 60.0) -> None:
        self.url = url
        self._secret = secret
        self._ca_file = ca_file
        self._timeout = timeout
        self._client: Any = None

    @property
    def address(self) -> str:
        return f"{self.url.host}:{self.url.port}"

    def _secrets(self) -> tuple[str, ...]:
        return secret_forms(self.url.user, self._secret.value)

    def _masked(self, exc: BaseException | str) -> str:
        return mask_secrets(str(exc), self._secrets())

    def _fail(self, what: str, exc: BaseException | str) -> OutreachError:
        return OutreachError(f"IMAP server {self.address}: {what}: {self._masked(exc)}")

    def _context(self) -> ssl.SSLContext:
        try:
            return ssl.create_default_context(cafile=str(self._ca_file) if self._ca_file
                                              else None)
        except (OSError, ssl.SSLError) as exc:
            raise OutreachError(f"{self._ca_file}: cannot load: {exc}",
                                field="ca_file") from None

    def open(self) -> ImapSession:
        from imapclient import IMAPClient
        from imapclient.exceptions import IMAPClientError

        url = self.url
        try:
            if url.scheme == "imaps":
                client = IMAPClient(url.host, url.port, ssl=True, ssl_context=self._context(),
                                    timeout=self._timeout)
            else:
                client = IMAPClient(url.host, url.port, ssl=False, timeout=self._timeout)
                if client.has_capability("STARTTLS"):
                    client.starttls(ssl_context=self._context())
                elif not is_loopback(url.host):
                    with contextlib.suppress(OSError):
                        client.shutdown()
                    raise OutreachError(
                        f"IMAP server {self.address} does not offer STARTTLS; use imaps://")
        except ssl.SSLCertVerificationError as exc:
            raise OutreachError(f"IMAP server {self.address}: TLS certificate not trusted "
                                f"({exc.verify_message}); use --ca-file for a private CA"
                                ) from None
        except (OSError, IMAPClientError) as exc:
            raise OutreachError(f"cannot reach IMAP server {self.address}: "
                                f"{self._masked(exc)}") from None
        self._client = client
        self._login(client)
        return self

    def _login(self, client: Any) -> None:
        from imapclient.exceptions import IMAPClientError

        secret, user = self._secret, self.url.user
        try:
            if secret.kind == "xoauth2":
                client.oauth2_login(user, secret.value)
            elif client.has_capability("AUTH=PLAIN"):
                client.plain_login(user, secret.value)  # UTF-8 on the wire
            elif not secret.value.isascii() or not user.isascii():
                raise OutreachError(
                    f"IMAP server {self.address} offers no AUTHENTICATE PLAIN, and LOGIN "
                    "cannot carry a non-ASCII user name or password")
            else:
                client.login(user, secret.value)
        except (IMAPClientError, OSError, UnicodeError) as exc:
            self.close()
            raise OutreachError(f"IMAP server {self.address} refused the login for {user}: "
                                f"{self._masked(exc)}") from None
        except OutreachError:
            self.close()
            raise

    @property
    def client(self) -> Any:
        if self._client is None:
            raise OutreachError("IMAP session is not open")
        return self._client

    def _call(self, what: str, method: str, *args: Any, **kwargs: Any) -> Any:
        from imapclient.exceptions import IMAPClientError

        try:
            return getattr(self.client, method)(*args, **kwargs)
        except (IMAPClientError, OSError) as exc:  # TimeoutError is an OSError
            raise self._fail(what, exc) from None

    def special_folder(self, role: str) -> str | None:
        """The folder the server marks ``\\Drafts`` or ``\\Sent`` (SPECIAL-USE), or None."""
        flag = _SPECIAL[role.lower()]
        for flags, _delimiter, name in self._call("LIST", "list_folders"):
            if flag in flags:
                return str(name)
        return None

    def resolve_folder(self, name: str) -> str:
        """``name`` as the server has it; ``Drafts`` or ``Sent`` when no folder is called so:
        the one SPECIAL-USE marks (``[Gmail]/Entwürfe``, ``Gesendete Objekte``)."""
        if name.lower() not in _SPECIAL or self._call("LIST", "folder_exists", name):
            return name
        return self.special_folder(name) or name

    def use_folder_role(self) -> ImapSession:
        """Point ``url`` at the folder ``resolve_folder`` finds for its folder name."""
        found = self.resolve_folder(self.url.folder)
        if found != self.url.folder:
            self.url = replace(self.url, folder=found)
        return self

    def examine(self, folder: str | None = None) -> int:
        """Open ``folder`` read-only; its UIDVALIDITY (any unsigned 64-bit value)."""
        name = folder or self.url.folder
        info = self._call(f"cannot open {name!r}", "select_folder", name, readonly=True)
        try:
            return int(info.get(b"UIDVALIDITY", 0))
        except (TypeError, ValueError):
            return 0

    def search(self, *criteria: str) -> list[int]:
        """UIDs matching ``criteria`` in the open folder, ascending."""
        found = self._call("SEARCH", "search", list(criteria) or ["ALL"])
        return sorted(int(n) for n in found)

    def sizes(self, uids: list[int]) -> dict[int, int]:
        """RFC822.SIZE of each UID (batched); a UID the server leaves out is absent."""
        out: dict[int, int] = {}
        for start in range(0, len(uids), _BATCH_MESSAGES):
            chunk = uids[start:start + _BATCH_MESSAGES]
            answer = self._call("FETCH RFC822.SIZE", "fetch", chunk, ["RFC822.SIZE"])
            for uid, item in answer.items():
                size = item.get(b"RFC822.SIZE")
                if isinstance(size, int):
                    out[int(uid)] = size
        return out

    def fetch_many(self, uids: list[int], limit: int = MAX_MESSAGE) -> Iterator[Fetched]:
        """Each UID's bytes, in order, many per round trip, without setting ``\\Seen``; a
        message over ``limit`` bytes is not fetched (and never more than ``limit`` + 1 bytes
        of any: a server that understated the size is cut off)."""
        sizes = self.sizes(uids)
        batch: list[int] = []
        held = 0
        for uid in uids:
            size = sizes.get(uid, 0)
            if size > limit:
                yield Fetched(uid, size=size, problem="too large")
                continue
            if batch and (len(batch) >= _BATCH_MESSAGES or held + size > _BATCH_BYTES):
                yield from self._bodies(batch, sizes, limit)
                batch, held = [], 0
            batch.append(uid)
            held += size
        if batch:
            yield from self._bodies(batch, sizes, limit)

    def _bodies(self, uids: list[int], sizes: dict[int, int], limit: int) -> Iterator[Fetched]:
        part = f"BODY.PEEK[]<0.{limit + 1}>"
        answer = self._call("FETCH", "fetch", uids, [part])
        for uid in uids:
            item = answer.get(uid, {})
            data = next((v for k, v in item.items() if isinstance(k, bytes)
                         and k.startswith(b"BODY[]") and isinstance(v, bytes)), None)
            if data is None:
                yield Fetched(uid, size=sizes.get(uid, 0), problem="missing")
            elif len(data) > limit:
                yield Fetched(uid, size=len(data), problem="too large")
            else:
                yield Fetched(uid, data=data, size=len(data))

    def fetch(self, uid: int) -> bytes:
        """One message's bytes (b"" when the server sends none)."""
        return next(iter(self.fetch_many([uid])), Fetched(uid)).data

    def has_message_id(self, message_id: str) -> bool:
        """Does the open folder hold a message with this Message-ID?"""
        if not _SAFE_ID.match(message_id) or '"' in message_id or "\\" in message_id:
            raise OutreachError(f"Message-ID {message_id!r}: cannot be searched for")
        return bool(self.search("HEADER", "Message-ID", message_id))

    def append(self, folder: str, raw: bytes, flags: Iterable[bytes] = (b"\\Draft",)) -> None:
        self._call(f"APPEND to {folder!r}", "append", folder, raw, tuple(flags))

    def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.logout()
        except Exception:  # any failure to say goodbye: just hang up
            with contextlib.suppress(Exception):
                client.shutdown()

    def __enter__(self) -> ImapSession:
        return self.open() if self._client is None else self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()


def since_criterion(day: date) -> str:
    return f"{day.day}-{_MONTHS[day.month - 1]}-{day.year}"


def new_uids(session: ImapSession, state: tuple[int, int] | None, since: date | None,
             ) -> tuple[int, list[int]]:
    """(UIDVALIDITY, the UIDs not read yet): after the highest UID seen while UIDVALIDITY is
    unchanged, else every message (Message-IDs keep the ledger right)."""
    uidvalidity = session.examine()
    last = state[1] if state is not None and state[0] == uidvalidity else 0
    criteria = ["UID", f"{last + 1}:*"] if last else ["ALL"]
    if since is not None:
        criteria += ["SINCE", since_criterion(since)]
    uids = [uid for uid in session.search(*criteria) if uid > last]  # n:* always holds the last
    return uidvalidity, uids


def sasl_initial(user: str, token: str) -> str:
    """The base64 XOAUTH2 response as it goes on the wire (for tests and debugging)."""
    return base64.b64encode(xoauth2_string(user, token).encode("utf-8")).decode("ascii")
