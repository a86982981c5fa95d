"""Benchmark ``outreach send``: SMTP throughput to a loopback server, ledger cost, dry-run plan.

Run: ``.venv/bin/python bench/bench_send.py`` — prints one ``name: value unit`` per line.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from aiosmtpd.controller import Controller
from loopback import Counter, free_port, send_ours, write_outbox

from outreach.ledger import Ledger
from outreach.mail.outbox import load_outbox, plan_batch

SENT = 500
PLANNED = 5000


def bench_send(work: Path) -> None:
    folder = work / "send"
    write_outbox(folder, SENT)
    handler = Counter()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        elapsed, _, summary = send_ours(folder, work / "send.sqlite", port)
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
    write_outbox(folder, PLANNED)
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
