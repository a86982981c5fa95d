"""Benchmark ``outreach send``: SMTP throughput to a loopback server, ledger cost, dry-run plan.

Run: ``.venv/bin/python bench/bench_send.py`` — prints one ``name: value unit`` per line.
"""

from __future__ import annotations

import socket
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from outreach.ledger import Ledger
from outreach.mail.outbox import load_outbox, plan_batch
from outreach.mail.smtp import SendOptions, SmtpSettings, send_batch

SENT = 500
PLANNED = 5000


class _Counter:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        return "250 OK"


def _write_outbox(folder: Path, count: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        message = EmailMessage()
        message["From"] = "Ada Leader <ada@example.com>"
        message["To"] = f"Peer {number} <peer{number}@example.org>"
        message["Subject"] = f"Coffee and compare notes, Peer {number}?"
        message["Message-ID"] = f"<bench{number}@outreach.test>"
        message.set_content("Hello,\n\nCoffee next week?\n\nAda\n" * 5)
        (folder / f"{number:05d}.eml").write_bytes(bytes(message))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bench_send(work: Path) -> None:
    folder = work / "send"
    _write_outbox(folder, SENT)
    handler = _Counter()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with Ledger.open(work / "send.sqlite") as ledger:
            started = time.perf_counter()
            plan = plan_batch(load_outbox(folder), ledger)
            summary = send_batch(plan, ledger, SmtpSettings("127.0.0.1", port, "none"),
                                 SendOptions())
            elapsed = time.perf_counter() - started
    finally:
        controller.stop()
    assert summary.sent == SENT == handler.count
    print(f"send_{SENT}_messages_loopback: {elapsed:.2f} s")
    print(f"send_throughput_loopback: {SENT / elapsed:.0f} msg/s")


def bench_ledger(work: Path) -> None:
    with Ledger.open(work / "ledger.sqlite") as ledger:
        started = time.perf_counter()
        for number in range(SENT):
            message_id, recipient = f"<l{number}@x>", f"p{number}@example.org"
            ledger.queue_message(message_id, [recipient], "s", "f")
            ledger.mark_sending(message_id, [recipient])
            ledger.mark_sent(message_id, [recipient], "250 OK")
        elapsed = time.perf_counter() - started
    print(f"ledger_per_delivery_fsync: {elapsed / SENT * 1000:.2f} ms")


def bench_plan(work: Path) -> None:
    folder = work / "plan"
    _write_outbox(folder, PLANNED)
    with Ledger.open(work / "plan.sqlite") as ledger:
        started = time.perf_counter()
        plan = plan_batch(load_outbox(folder), ledger)
        elapsed = time.perf_counter() - started
    assert len(plan) == PLANNED
    print(f"dry_run_plan_{PLANNED}_eml: {elapsed:.2f} s")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        bench_send(work)
        bench_ledger(work)
        bench_plan(work)


if __name__ == "__main__":
    main()
