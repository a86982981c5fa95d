"""The loopback send shared by the bench scripts: an outbox of .eml files, a counting
aiosmtpd handler, a free port, and ``send_batch`` timed from loading to the last delivery.
"""

from __future__ import annotations

import socket
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from outreach.ledger import Ledger
from outreach.mail.outbox import load_outbox, plan_batch
from outreach.mail.smtp import BatchSummary, SendOptions, SmtpSettings, send_batch


class Counter:
    """An aiosmtpd handler that accepts every message and counts them."""

    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        return "250 OK"


def write_outbox(folder: Path, count: int) -> None:
    """``count`` numbered .eml files in ``folder``, one peer each."""
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        message = EmailMessage()
        message["From"] = "Ada Leader <ada@example.com>"
        message["To"] = f"Peer {number} <peer{number}@example.org>"
        message["Subject"] = f"Coffee and compare notes, Peer {number}?"
        message["Message-ID"] = f"<bench{number}@outreach.test>"
        message.set_content("Hello,\n\nCoffee next week?\n\nAda\n" * 5)
        (folder / f"{number:05d}.eml").write_bytes(bytes(message))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def send_ours(folder: Path, ledger_path: Path, port: int) -> tuple[float, int, BatchSummary]:
    """(seconds, messages planned, summary) for load + plan + send_batch into a new ledger."""
    with Ledger.open(ledger_path) as ledger:
        started = time.perf_counter()
        plan = plan_batch(load_outbox(folder), ledger)
        summary = send_batch(plan, ledger, SmtpSettings("127.0.0.1", port, "none"),
                             SendOptions())
        elapsed = time.perf_counter() - started
    return elapsed, len(plan), summary
