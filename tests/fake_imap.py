"""A scripted IMAP server on loopback for the faults a real server (dovecot) will not commit:
a UID FETCH answered OK without the message's bytes, UIDVALIDITY and UIDs near 2^64, a server
that echoes the password it was sent. It speaks just what ``outreach inbox`` says:
CAPABILITY, AUTHENTICATE PLAIN, EXAMINE, UID SEARCH, UID FETCH, LOGOUT."""

from __future__ import annotations

import base64
import contextlib
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from smtp_server import free_port


@dataclass
class Script:
    """What the server holds and how it misbehaves."""

    messages: dict[int, bytes] = field(default_factory=dict)  # UID → bytes
    uidvalidity: int = 1
    no_literal: set[int] = field(default_factory=set)  # UIDs fetched OK without bytes
    echo_password: bool = False  # refuse the login, quoting what was sent
    fetches: list[str] = field(default_factory=list)  # each UID FETCH's UID set, as sent


def _uids(spec: str, held: list[int]) -> list[int]:
    out: list[int] = []
    for part in spec.split(","):
        if ":" in part:
            low, high = part.split(":")
            top = max(held, default=0) if high == "*" else int(high)
            out += [u for u in held if int(low) <= u <= top]
        elif part.isdigit():
            out += [u for u in held if u == int(part)]
    return sorted(set(out))


class _Connection:
    def __init__(self, sock: socket.socket, script: Script) -> None:
        self.sock, self.script = sock, script
        self.file = sock.makefile("rb")

    def send(self, line: str | bytes) -> None:
        self.sock.sendall(line if isinstance(line, bytes) else line.encode() + b"\r\n")

    def serve(self) -> None:
        self.send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] fake ready")
        while True:
            line = self.file.readline()
            if not line:
                return
            tag, _, rest = line.decode("utf-8", "replace").strip().partition(" ")
            command, _, args = rest.partition(" ")
            if not self.answer(tag, command.upper(), args):
                return

    def answer(self, tag: str, command: str, args: str) -> bool:
        script = self.script
        if command == "CAPABILITY":
            self.send("* CAPABILITY IMAP4rev1 AUTH=PLAIN")
        elif command == "AUTHENTICATE":
            self.send("+ ")
            sent = self.file.readline().strip()
            if script.echo_password:
                decoded = base64.b64decode(sent).decode("utf-8", "replace").replace("\0", " ")
                self.send(f"{tag} NO [AUTHENTICATIONFAILED] rejected {sent.decode()} ({decoded})")
                return True
        elif command == "EXAMINE" or command == "SELECT":
            self.send(f"* {len(script.messages)} EXISTS")
            self.send(f"* OK [UIDVALIDITY {script.uidvalidity}] UIDs valid")
            self.send(f"{tag} OK [READ-ONLY] done")
            return True
        elif command == "UID":
            self.uid_command(args)
        elif command == "LOGOUT":
            self.send("* BYE bye")
            self.send(f"{tag} OK done")
            return False
        self.send(f"{tag} OK done")
        return True

    def uid_command(self, args: str) -> None:
        script = self.script
        held = sorted(script.messages)
        sub, _, rest = args.partition(" ")
        if sub.upper() == "SEARCH":
            found = re.search(r"UID (\S+)", rest)
            uids = _uids(found.group(1), held) if found else held
            self.send("* SEARCH " + " ".join(map(str, uids)))
            return
        spec, _, items = rest.partition(" ")
        script.fetches.append(spec)
        for number, uid in enumerate(_uids(spec, held), 1):
            raw = script.messages[uid]
            if "RFC822.SIZE" in items.upper():
                self.send(f"* {number} FETCH (UID {uid} RFC822.SIZE {len(raw)})")
            elif uid in script.no_literal:
                self.send(f"* {number} FETCH (UID {uid})")
            else:
                self.send(f"* {number} FETCH (UID {uid} BODY[]<0> {{{len(raw)}}}\r\n".encode()
                          + raw + b")\r\n")


@contextlib.contextmanager
def fake_imap(script: Script) -> Iterator[int]:
    """Serve ``script`` on a free loopback port (yielded) until the block ends."""
    port = free_port()
    listener = socket.create_server(("127.0.0.1", port))
    listener.settimeout(0.2)
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            try:
                sock, _ = listener.accept()
            except TimeoutError:
                continue
            with sock:
                sock.settimeout(10)
                with contextlib.suppress(OSError):
                    _Connection(sock, script).serve()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        stop.set()
        thread.join(5)
        listener.close()
