"""``send_batch`` against the floor, side by side in one run: a one-connection smtplib loop
over the same .eml files (read, ``sendmail``, nothing recorded), to the same loopback aiosmtpd.

Run: ``.venv/bin/python bench/bench_send_floor.py [--messages N] [--runs R] [--profile]`` —
prints one ``name: value unit`` per line, best of R (A B A B), the goal beside the figure:
≥ 250 msg/s or ≥ 0.5× the smtplib floor (issue 23). Ours includes loading the outbox,
planning against the ledger and recording every delivery (one durable commit per message).
"""

from __future__ import annotations

import argparse
import smtplib
import tempfile
import time
from pathlib import Path

from aiosmtpd.controller import Controller
from loopback import Counter, free_port, send_ours, write_outbox


def floor(folder: Path, port: int) -> float:
    """Seconds for a bare smtplib loop: one connection, each file read and sent."""
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for path in sorted(folder.glob("*.eml")):
            data = path.read_bytes()
            number = path.stem.lstrip("0") or "0"
            smtp.sendmail("ada@example.com", [f"peer{number}@example.org"], data)
    return time.perf_counter() - started


def ours(folder: Path, port: int, ledger_path: Path) -> float:
    """Seconds for load + plan + send_batch into a new ledger."""
    elapsed, planned, summary = send_ours(folder, ledger_path, port)
    assert summary.sent == planned and summary.error is None, summary
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    port = free_port()
    handler = Counter()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            write_outbox(work / "out", args.messages)
            if args.profile:
                import cProfile
                import pstats

                with cProfile.Profile() as profile:
                    ours(work / "out", port, work / "profile.sqlite")
                pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
                return
            best_floor = best_ours = float("inf")
            for run in range(args.runs):
                best_floor = min(best_floor, floor(work / "out", port))
                best_ours = min(best_ours, ours(work / "out", port, work / f"l{run}.sqlite"))
    finally:
        controller.stop()
    n = args.messages
    rate, floor_rate = n / best_ours, n / best_floor
    met = rate >= 250 or rate >= 0.5 * floor_rate
    print(f"send_floor_smtplib_loop: {floor_rate:.0f} msg/s ({n} messages, best of {args.runs})")
    print(f"send_outreach: {rate:.0f} msg/s ({rate / floor_rate:.2f}× the floor; goal ≥ 250 "
          f"msg/s or ≥ 0.5× the floor: {'met' if met else 'NOT met'})")


if __name__ == "__main__":
    main()
