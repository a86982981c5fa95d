"""`outreach inbox` on a big mailbox (issue 19's targets, on this 2-core machine):

- a 100,000-message mbox read through the whole command: ≤ 30 s;
- the rerun with nothing new: ≤ 3 s;
- 2,000 messages from a real IMAP server (dovecot on loopback): ≤ 3 s.

Each figure is printed with its ratio to the target (≤ 1.00 is met). The mailbox is what a
leader's inbox holds: mostly newsletters and mail from strangers (about 2 KB each, half of
it with List-Id), and, for 500 invited peers, replies, out-of-office notes, Google Calendar
RSVPs and Postfix bounces. The ledger knows the 500 peers and what was sent to them.
"""

from __future__ import annotations

import mailbox
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from inbox_samples import sample  # noqa: E402

from outreach.ledger import Ledger, PlannedMessage  # noqa: E402
from outreach.model import Person  # noqa: E402

MESSAGES = 100_000
IMAP_MESSAGES = 2_000
PEERS = 500
BIN = Path(sys.executable).parent / "outreach"
FILLER = ("We have news for you this week: new arrivals, a sale on everything you looked at, "
          "and a story from our founders about why we started. Read more on our site.\r\n")


def ledger_with_peers(path: Path) -> None:
    with Ledger.open(path) as ledger:
        people = [Person(f"Peer{n}", "Lee", company=f"Co {n}", email=f"peer{n}@co{n}.example",
                         url=f"https://www.linkedin.com/in/peer-{n}") for n in range(PEERS)]
        ledger.remember_people(people)
        keys = ledger.identify(people)
        ledger.save_plan([PlannedMessage(f"<inv{n}@example.com>", key, "rotation",
                                         "invitation", f"<inv{n}@example.com>",
                                         uid=f"coffee-{n}@example.com", subject="Coffee")
                          for n, key in enumerate(keys)])
        for n, key in enumerate(keys):
            ledger.queue_message(f"<inv{n}@example.com>", [f"peer{n}@co{n}.example"], "Coffee",
                                 f"{n}.eml")
            ledger.mark_sent(f"<inv{n}@example.com>", [f"peer{n}@co{n}.example"], "250 OK")
            ledger.add_event(key, "invited", date(2027, 1, 1))


def stranger(n: int) -> bytes:
    bulk = f"List-Id: News <news.shop{n % 40}.example>\r\n" if n % 2 else ""
    return (f"From: Shop {n % 40} <news@shop{n % 40}.example>\r\nTo: dana@example.com\r\n"
            f"Subject: This week at shop {n % 40}, issue {n}\r\n"
            f"Date: Tue, 05 Jan 2027 08:00:00 +0000\r\nMessage-ID: <n{n}@shop.example>\r\n"
            f"{bulk}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            + FILLER * 12).encode()


def from_peer(n: int) -> bytes:
    peer = n % PEERS
    kind = ("reply", "out-of-office", "google-accepted", "bounce")[n % 4]
    return sample(kind, attendee=f"peer{peer}@co{peer}.example", uid=f"coffee-{peer}@example.com",
                  original_id=f"<inv{peer}@example.com>", message_id=f"p{n}@co.example",
                  when=datetime(2027, 1, 6, 9))


def messages(count: int) -> list[bytes]:
    return [from_peer(n) if n % 100 == 0 else stranger(n) for n in range(count)]


def write_mbox(path: Path, count: int) -> None:
    with path.open("wb") as out:
        for raw in messages(count):
            out.write(b"From MAILER-DAEMON Tue Jan  5 08:00:00 2027\n")
            out.write(raw.replace(b"\r\n", b"\n").replace(b"\nFrom ", b"\n>From "))
            out.write(b"\n\n")


def command(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run([str(BIN), *args], check=True, capture_output=True,
                   env={**os.environ, "OUTREACH_IMAP_PASSWORD": "s3cret-imap"})
    return time.perf_counter() - started


def figure(name: str, seconds: float, target: float, note: str = "") -> None:
    print(f"{name}: {seconds:.2f} s (target {target:g} s, ratio {seconds / target:.2f}){note}",
          flush=True)


def bench_mbox(base: Path) -> None:
    box = base / "inbox.mbox"
    write_mbox(box, MESSAGES)
    size = box.stat().st_size / 1024 / 1024
    ledger = base / "l.sqlite"
    ledger_with_peers(ledger)
    first = command("inbox", str(box), "--ledger", str(ledger), "--today", "2027-01-10")
    figure(f"inbox_mbox_{MESSAGES}", first, 30, f"; {size:.0f} MB")
    again = command("inbox", str(box), "--ledger", str(ledger), "--today", "2027-01-10")
    figure("inbox_mbox_rerun_nothing_new", again, 3)
    start = command("--help")
    print(f"interpreter_and_cli_start: {start:.2f} s (in each figure above)")


def bench_maildir(base: Path, count: int = 20_000) -> None:
    folder = base / "Maildir"
    box = mailbox.Maildir(str(folder))
    for raw in messages(count):
        box.add(raw)
    ledger = base / "m.sqlite"
    ledger_with_peers(ledger)
    first = command("inbox", str(folder), "--ledger", str(ledger), "--today", "2027-01-10")
    print(f"inbox_maildir_{count}: {first:.2f} s ({first / count * 1e3:.3f} ms per message)")
    again = command("inbox", str(folder), "--ledger", str(ledger), "--today", "2027-01-10")
    print(f"inbox_maildir_rerun_nothing_new: {again:.2f} s")


def bench_imap(base: Path) -> None:
    binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
    if not Path(binary).exists():
        print("inbox_imap: skipped (dovecot not installed)")
        return
    from imap_server import dovecot_server

    ledger = base / "i.sqlite"
    ledger_with_peers(ledger)
    with dovecot_server(binary) as server:
        client = server.client()
        try:
            for raw in messages(IMAP_MESSAGES):
                client.append("INBOX", raw)
        finally:
            client.logout()
        first = command("inbox", server.url(), "--ledger", str(ledger), "--today", "2027-01-10")
        figure(f"inbox_imap_{IMAP_MESSAGES}", first, 3)
        again = command("inbox", server.url(), "--ledger", str(ledger), "--today",
                        "2027-01-10")
        print(f"inbox_imap_rerun_nothing_new: {again:.2f} s")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="outreach-bench-inbox-") as tmp:
        base = Path(tmp)
        bench_mbox(base)
        bench_maildir(base)
        bench_imap(base)


if __name__ == "__main__":
    main()
