"""``outreach drafts``: put reviewed messages in the user's IMAP Drafts folder instead of
sending them (many leaders send personal notes from their own mail client).

The folder is the URL's; ``Drafts`` (also when the URL names none) is the folder the server
marks ``\\Drafts`` (SPECIAL-USE) when none is called so, e.g. ``[Gmail]/Entwürfe``. Each
message is appended with the ``\\Draft`` flag once per Message-ID: before appending,
the folder itself is searched for that Message-ID (a draft the ledger does not know of, say
from another computer, is not appended twice), and the ledger records what was appended.
Messages to someone do-not-contact or to an address that bounced are skipped, as ``send``
skips them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from outreach.ledger import Ledger
from outreach.mail.contact import blocked_recipients
from outreach.mail.outbox import OutboxMessage


@dataclass
class DraftsReport:
    folder: str
    appended: list[OutboxMessage] = field(default_factory=list)
    present: list[OutboxMessage] = field(default_factory=list)
    skipped: list[tuple[OutboxMessage, str]] = field(default_factory=list)


def append_drafts(messages: Iterable[OutboxMessage], session: Any, ledger: Ledger,
                  ) -> DraftsReport:
    """Append each message not yet in ``session``'s folder (``outreach.mail.imap``)."""
    session.use_folder_role()  # "Drafts": the server's \\Drafts folder, whatever its name
    folder = session.url.folder
    source = session.url.source
    report = DraftsReport(source)
    session.examine(folder)
    for item in messages:
        blocked = blocked_recipients(item, ledger)
        if blocked:
            report.skipped.append((item, "; ".join(sorted(set(blocked.values())))))
            continue
        if session.has_message_id(item.message_id):
            ledger.record_draft(item.message_id, source)
            report.present.append(item)
            continue
        session.append(folder, item.wire)
        ledger.record_draft(item.message_id, source)
        report.appended.append(item)
    return report
