"""Bounces that real servers sent, which nobody here wrote (tests/data/inbox-flufl: flufl.bounce
6.0.0's test data; sisimai's set-of-emails, see tests/data/inbox-sisimai/README.md), through
the CLI: a ledger that sent to each corpus address (``outreach send`` to aiosmtpd, the
returned message's Message-ID when the bounce quotes one), then ``outreach inbox`` over a
Maildir of the corpus. Targets: ≥ 98% of flufl.bounce's permanent failures and ≥ 95% of
sisimai's ``maildir/bsd`` permanent failures bounced for the right person; no bounce at all
from the delay warnings, feedback reports, auto-replies and ordinary mail."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from smtp_server import smtp_server

from outreach.cli import cli
from outreach.ledger import Ledger
from outreach.mail.inbox import parse
from outreach.model import valid_address

DATA = Path(__file__).resolve().parent / "data"
FLUFL = DATA / "inbox-flufl"
SHARED_SISIMAI = Path(__file__).resolve().parents[2] / "shared" / "data" / "set-of-emails"
SISIMAI = Path(os.environ.get("OUTREACH_SISIMAI_MAILDIR", SHARED_SISIMAI / "maildir"))
_QUOTED_ID = re.compile(r"(?im)^\s*message-id\s*:\s*(<[^<>\s]+@[^<>\s]+>)")
_ANY_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")

pytestmark = [pytest.mark.slow, pytest.mark.integration]


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def outbox_for(files: dict[Path, list[str]], folder: Path) -> None:
    """One .eml per returned message: the Message-ID the bounce quotes (else a new one),
    addressed to the corpus file's recipients, as `send` reads it."""
    by_id: dict[str, list[str]] = {}
    for number, (path, addresses) in enumerate(sorted(files.items())):
        top = parse(path.read_bytes()).message_id
        quoted = [i for i in _QUOTED_ID.findall(path.read_text("utf-8", "replace")) if i != top]
        message_id = quoted[0] if quoted else f"<corpus-{number}@dana.example>"
        usable = [a for a in addresses if valid_address(a) is not None]
        by_id.setdefault(message_id, [])
        by_id[message_id] += [a for a in usable if a not in by_id[message_id]]
    folder.mkdir(parents=True)
    for number, (message_id, addresses) in enumerate(by_id.items()):
        if not addresses:
            continue
        (folder / f"{number:04d}.eml").write_text(
            f"From: Dana <dana@dana.example>\r\nTo: {', '.join(addresses)}\r\n"
            f"Subject: Coffee\r\nMessage-ID: {message_id}\r\n\r\nHello\r\n", encoding="utf-8")


def sent_and_read(tmp_path: Path, files: dict[Path, list[str]]) -> dict[Path, str]:
    """Each file → the address its bounce was recorded for (absent: none). The corpora
    reuse Message-IDs (every run reads a Message-ID once), so files go in rounds, each
    with its own ledger, none repeating a Message-ID."""
    rounds: list[dict[Path, list[str]]] = []
    ids: list[set[str]] = []
    for path, addresses in sorted(files.items()):
        message_id = parse(path.read_bytes()).message_id
        free = next((n for n, seen in enumerate(ids) if message_id not in seen), None)
        if free is None:
            rounds.append({})
            ids.append(set())
            free = len(rounds) - 1
        rounds[free][path] = addresses
        ids[free].add(message_id)
    bounced: dict[Path, str] = {}
    for number, batch in enumerate(rounds):
        by_id = one_round(tmp_path / str(number), batch)
        for path in batch:
            address = by_id.get(parse(path.read_bytes()).message_id)
            if address is not None:
                bounced[path] = address
    return bounced


def one_round(tmp_path: Path, files: dict[Path, list[str]]) -> dict[str, str]:
    """Send to ``files``' addresses, read the files as a Maildir: Message-ID → bounced
    address."""
    ledger = tmp_path / "l.sqlite"
    outbox_for(files, tmp_path / "outbox")
    with smtp_server() as server:
        run("send", str(tmp_path / "outbox"), "--smtp-host", server.host, "--port",
            str(server.port), "--security", "none", "--ledger", str(ledger), "--send",
            "--rate", "1000/s")
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    for number, path in enumerate(sorted(files)):
        shutil.copy(path, maildir / "new" / f"{number:05d}.corpus:2,")
    run("inbox", str(maildir), "--ledger", str(ledger), "--today", "2026-12-31")
    with Ledger.open(ledger) as opened:
        return {r.message_id: r.detail for r in opened.inbox_records(("bounce",))}


def right_person(files: dict[Path, list[str]], bounced: dict[Path, str]) -> list[str]:
    return [p.name for p, addresses in files.items() if bounced.get(p, "").lower() in addresses]


def every_address(paths: list[Path]) -> dict[Path, list[str]]:
    """Each message's every address, so that a false bounce would find someone we wrote to."""
    return {p: sorted({m.group(0).lower() for m in _ANY_ADDRESS.finditer(
        p.read_text("utf-8", "replace"))}) for p in paths}


def test_flufl_bounce_corpus(tmp_path: Path) -> None:
    answers = json.loads((FLUFL / "answers.json").read_text("utf-8"))
    permanent = {FLUFL / name: addresses for name, addresses in answers["permanent"].items()}
    bounced = sent_and_read(tmp_path / "p", permanent)
    found = right_person(permanent, bounced)
    assert len(found) >= 0.98 * len(permanent), sorted(set(answers["permanent"]) - set(found))
    warnings = every_address([FLUFL / name for name in answers["warnings"]])
    assert sent_and_read(tmp_path / "w", warnings) == {}


@pytest.mark.skipif(not (SISIMAI / "bsd").is_dir(), reason=(
    "sisimai's set-of-emails is not here: see tests/data/inbox-sisimai/README.md"))
def test_sisimai_set_of_emails(tmp_path: Path) -> None:
    answers = json.loads((DATA / "inbox-sisimai" / "answers.json").read_text("utf-8"))
    permanent = {SISIMAI / "bsd" / name: addresses
                 for name, addresses in answers["permanent"].items()}
    bounced = sent_and_read(tmp_path / "p", permanent)
    found = right_person(permanent, bounced)
    assert len(found) >= 0.95 * len(permanent), (len(found), len(permanent))
    others = every_address([SISIMAI / ("bsd/" + n if "/" not in n else n)
                            for n in answers["not_bounces"]])
    assert sent_and_read(tmp_path / "n", others) == {}
