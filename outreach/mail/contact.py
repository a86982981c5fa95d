"""Who must not be written to, for every stage that writes or sends mail: people marked
do-not-contact (``outreach log optout``) and addresses that bounced (``outreach inbox``).
The rule lives in ``Ledger.contact_block``; this applies it to outgoing messages and people.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from outreach.ledger import Ledger
    from outreach.mail.outbox import OutboxMessage, PlannedMessage
    from outreach.model import Person


def blocked_recipients(item: OutboxMessage, ledger: Ledger) -> dict[str, str]:
    """Recipient → why not to write to them (do not contact, bounced)."""
    found = {}
    for recipient in item.recipients:
        rows = ledger.query("SELECT key FROM people WHERE email = ? COLLATE NOCASE",
                            (recipient,))
        why = ledger.contact_block(str(rows[0][0]) if rows else "", recipient)
        if why:
            found[recipient] = why
    return found


def without_blocked(plan: Iterable[PlannedMessage], ledger: Ledger,
                    ) -> tuple[list[PlannedMessage], list[str]]:
    """The plan with blocked recipients taken out of each message's pending ones, and one
    line per recipient skipped (``file: address: why``)."""
    kept, notes = [], []
    for planned in plan:
        blocked = blocked_recipients(planned.item, ledger)
        pending = tuple(r for r in planned.pending if r not in blocked)
        for recipient in planned.pending:
            if recipient in blocked:
                notes.append(f"{planned.item.source}: {recipient}: {blocked[recipient]}")
        kept.append(planned if pending == planned.pending else replace(
            planned, pending=pending, status="skipped" if not pending else planned.status))
    return kept, notes


def screen_people(people: Iterable[Person], ledger: Ledger,
                  ) -> tuple[list[Person], list[str]]:
    """People a stage may write to: do-not-contact people are left out; a bounced address
    is dropped, so the person falls back to the LinkedIn note. One note per change."""
    keys = ledger.identify(list(people := list(people)))
    blocked = ledger.do_not_contact()
    bad = ledger.bad_addresses()
    kept, notes = [], []
    for person, key in zip(people, keys, strict=True):
        name = person.full_name or person.url or person.email
        if key in blocked or person.key in blocked:
            notes.append(f"skipped {name}: do not contact (outreach log optout)")
            continue
        address = person.email.strip().lower()
        if address and address in bad:
            notes.append(f"{name}: {address} bounced; "
                         + ("LinkedIn note instead" if person.url else "not written to"))
            person = replace(person, email="")
        kept.append(person)
    return kept, notes
