"""Reading the mailbox for ``outreach inbox``: the messages of an mbox file, a Maildir folder
or an IMAP folder (``outreach.mail.imap``), what was read before skipped, each new message
handed to ``outreach.mail.inbox`` (``parse``, ``learn``) and recorded in the ledger.
"""

from __future__ import annotations

import mailbox
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from outreach.errors import OutreachError
from outreach.ledger import InboxRecord, Ledger
from outreach.mail.inbox import _People, learn, parse


@dataclass
class InboxReport:
    """One run: what was learned (new records), how many messages were read and ignored."""

    source: str
    read: int = 0
    ignored: int = 0
    already_seen: int = 0
    learned: list[InboxRecord] = field(default_factory=list)


def is_imap(source: str) -> bool:
    return source.lower().startswith(("imap://", "imaps://"))


def file_messages(path: Path) -> Iterator[bytes]:
    """Every message of an mbox file or a Maildir folder, as bytes."""
    box: mailbox.Mailbox
    if path.is_dir():
        if not (path / "cur").is_dir() and not (path / "new").is_dir():
            raise OutreachError(f"{path}: not a Maildir folder (no cur/ or new/ in it)")
        box = mailbox.Maildir(path, factory=None, create=False)
    elif path.is_file():
        box = mailbox.mbox(path, factory=None, create=False)
    else:
        raise OutreachError(f"{path}: no such mbox file or Maildir folder")
    try:
        keys = sorted(box.keys()) if isinstance(box, mailbox.Maildir) else list(box.keys())
        for key in keys:
            try:
                yield box.get_bytes(key)
            except (KeyError, OSError):  # removed meanwhile: the next run sees the rest
                continue
    finally:
        box.close()


def read_messages(ledger: Ledger, source: str, messages: Iterable[bytes],
                  since: date | None = None, today: date | None = None) -> InboxReport:
    """Parse and record ``messages`` from ``source``; each Message-ID once."""
    report = InboxReport(source)
    people = _People(ledger)
    today = today or date.today()
    records: list[InboxRecord] = []
    fresh: set[str] = set()
    for raw in messages:
        parsed = parse(raw)
        if since is not None and parsed.on is not None and parsed.on < since:
            continue
        report.read += 1
        if parsed.message_id in fresh:
            report.already_seen += 1
            continue
        fresh.add(parsed.message_id)
        records.append(learn(parsed, people, source, today))
    seen = ledger.inbox_seen([r.message_id for r in records])
    report.already_seen += len(seen)
    new = ledger.record_inbox([r for r in records if r.message_id not in seen])
    report.learned = [r for r in new if r.kind != "ignored"]
    report.ignored = sum(r.kind == "ignored" for r in new)
    return report


def read_inbox(ledger: Ledger, source: str, *, since: date | None = None,
               session: Any = None, today: date | None = None) -> InboxReport:
    """Read what is new in ``source`` (a path, or an IMAP URL with an open ``session``
    from ``outreach.mail.imap``) and record it."""
    if is_imap(source):
        if session is None:
            raise OutreachError(f"{source}: an IMAP source needs a session")
        from outreach.mail.imap import read_new

        folder = session.url.source
        state = ledger.folder_state(folder)
        uidvalidity, uids, fetch = read_new(session, state, since)
        report = read_messages(ledger, folder, (fetch(uid) for uid in uids), since, today)
        last = max(uids, default=state[1] if state and state[0] == uidvalidity else 0)
        ledger.save_folder_state(folder, uidvalidity, last)
        return report
    path = Path(source)
    return read_messages(ledger, str(path), file_messages(path), since, today)

