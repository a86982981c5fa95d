"""A real SMTP server on 127.0.0.1 (aiosmtpd) that records what arrives, with fault injection.

``FaultyHandler`` answers like a normal server unless told to misbehave at a given RCPT or DATA
(each numbered from 1 across connections): reply 4xx/5xx to a RCPT (a ``421`` also hangs up, as
real servers do), hang up instead of answering a RCPT, reply 4xx/5xx to DATA, drop the connection
after acknowledging, drop it mid-DATA without answering (having kept the message, or not), or
stall (so a test can kill the sender while it waits for the reply).
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Received:
    """One message as the server accepted it."""

    message_id: str
    recipients: list[str]
    raw: bytes
    message: EmailMessage


@dataclass
class FaultyHandler:
    """aiosmtpd handler; every field is a fault to inject (empty: a well-behaved server)."""

    refuse_rcpt: dict[str, str] = field(default_factory=dict)  # address → reply, e.g. 550 ...
    rcpt_replies: dict[int, str] = field(default_factory=dict)  # RCPT number → reply (421: hang up)
    drop_on_rcpt: set[int] = field(default_factory=set)  # hang up instead of answering that RCPT
    data_replies: dict[int, str] = field(default_factory=dict)  # DATA number → reply (no record)
    drop_after: set[int] = field(default_factory=set)  # record, answer 250, then hang up
    drop_during: set[int] = field(default_factory=set)  # record, hang up without answering
    lose_during: set[int] = field(default_factory=set)  # hang up without answering or recording
    stall_on: int | None = None  # record, then wait for ``release`` before answering 250
    stall_seconds: float = 30.0
    received: list[Received] = field(default_factory=list)
    data_count: int = 0
    rcpt_count: int = 0
    stalled: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        self.rcpt_count += 1
        number = self.rcpt_count
        if number in self.drop_on_rcpt:
            server.transport.close()
            await asyncio.sleep(5)  # cancelled by connection_lost; never answers
            return "451 unreachable"
        reply = self.rcpt_replies.get(number) or self.refuse_rcpt.get(address.lower())
        if reply:
            if reply.startswith("421"):  # "closing the transmission channel"
                asyncio.get_running_loop().call_later(0.05, server.transport.close)
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.data_count += 1
        number = self.data_count
        if number in self.data_replies:
            return self.data_replies[number]
        if number in self.lose_during:
            server.transport.close()
            await asyncio.sleep(5)
            return "451 unreachable"
        self._record(envelope)
        if number in self.drop_during:
            server.transport.close()
            await asyncio.sleep(5)  # cancelled by connection_lost; never answers
            return "451 unreachable"
        if number in self.drop_after:
            asyncio.get_running_loop().call_later(0.05, server.transport.close)
        if number == self.stall_on:
            self.stalled.set()
            for _ in range(int(self.stall_seconds * 20)):
                if self.release.is_set():
                    break
                await asyncio.sleep(0.05)
        return f"250 2.0.0 OK queued as q{number}"

    def _record(self, envelope: Any) -> None:
        raw = bytes(envelope.original_content or envelope.content)
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(
            Received(str(parsed["Message-ID"]), [r.lower() for r in envelope.rcpt_tos], raw,
                     parsed)
        )

    def message_ids(self) -> Counter[str]:
        """Message-ID → how many DATA transactions carried it."""
        return Counter(r.message_id for r in self.received)

    def counts(self) -> Counter[str]:
        """Message-ID → how many times it arrived (per recipient delivery)."""
        return Counter(
            f"{r.message_id} {recipient}" for r in self.received for recipient in r.recipients
        )


@dataclass
class Server:
    host: str
    port: int
    handler: FaultyHandler


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Authenticator:
    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user.encode(), password.encode()

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str,
                 auth_data: Any) -> AuthResult:
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == self.user
              and auth_data.password == self.password)
        return AuthResult(success=ok, handled=False)


@contextlib.contextmanager
def smtp_server(
    handler: FaultyHandler | None = None,
    *,
    tls_context: Any = None,
    ssl_context: Any = None,
    login: tuple[str, str] | None = None,
    smtputf8: bool = False,
) -> Iterator[Server]:
    """Run a server on 127.0.0.1: STARTTLS with ``tls_context``, TLS from the first byte with
    ``ssl_context``, AUTH with ``login``, the SMTPUTF8 extension with ``smtputf8``."""
    handler = handler or FaultyHandler()
    kwargs: dict[str, Any] = {"ssl_context": ssl_context} if ssl_context is not None else {}
    if smtputf8:
        kwargs["enable_SMTPUTF8"] = True
    if tls_context is not None:
        kwargs.update(tls_context=tls_context, require_starttls=True)
    if login is not None:
        kwargs.update(authenticator=_Authenticator(*login), auth_required=True,
                      auth_require_tls=tls_context is not None)
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield Server("127.0.0.1", port, handler)
    finally:
        handler.release.set()
        controller.stop()


def write_outbox(folder: Path, count: int, *, extra_to: dict[int, str] | None = None) -> list[str]:
    """``count`` small .eml files (stdlib only) to peer1..N@example.org, ``extra_to[n]`` as
    message n's Cc; their Message-IDs."""
    folder.mkdir(parents=True, exist_ok=True)
    ids = []
    for number in range(1, count + 1):
        message = EmailMessage()
        message["From"] = "Ada Leader <ada@example.com>"
        message["To"] = f"Peer {number} <peer{number}@example.org>"
        if extra_to and number in extra_to:
            message["Cc"] = extra_to[number]
        message["Subject"] = f"Coffee and compare notes, Peer {number}?"
        message["Date"] = "Tue, 05 Jan 2027 08:00:00 +0000"
        message["Message-ID"] = f"<msg{number:03d}@outreach.test>"
        message.set_content(f"Hello Peer {number},\n\nCoffee next week?\n\nAda\n")
        (folder / f"{number:03d}-peer-{number}.eml").write_bytes(bytes(message))
        ids.append(str(message["Message-ID"]))
    return ids


def cli_args(folder: Path, server: Server, ledger_path: Path, *extra: str) -> list[str]:
    """``outreach send`` against ``server`` (no TLS on loopback, quick retries)."""
    return ["send", str(folder), "--smtp-host", server.host, "--port", str(server.port),
            "--security", "none", "--ledger", str(ledger_path), "--retry-wait", "0.01", *extra]


def states(ledger_path: Path) -> dict[str, str]:
    """``"<Message-ID> <recipient>"`` → the ledger's delivery state."""
    from outreach.ledger import Ledger

    with Ledger.open(ledger_path) as ledger:
        rows = ledger._query("SELECT message_id, recipient, state FROM messages")
    return {f"{r['message_id']} {r['recipient']}": r["state"] for r in rows}


def read_until(fd: int, marker: bytes, timeout: float) -> bytes:
    """Read a pty (or pipe) until ``marker`` appears (or EOF/timeout); returns all read."""
    import os
    import select
    import time

    seen = b""
    deadline = time.monotonic() + timeout
    while marker not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
    return seen


def start_on_a_terminal(argv: list[str], env: dict[str, str]) -> tuple[Any, int]:
    """Run ``argv`` with a pseudo-terminal as its controlling terminal (getpass reads from
    there); returns the process and the terminal's master end, to read and type into."""
    import fcntl
    import os
    import subprocess
    import termios

    master, slave = os.openpty()

    def controlling_terminal() -> None:
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    process = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                               preexec_fn=controlling_terminal)
    os.close(slave)
    return process, master
