"""Who must not be written to, for every stage that writes or sends mail: people marked
do-not-contact (``outreach log optout``) and addresses that bounced (``outreach inbox``) —
the rule lives in ``Ledger.contact_block`` — and, for a message that is only due while its
person stays silent (a follow-up), whether the life cycle still says so
(``outreach.lifecycle.may_still_send``): a follow-up written before the person answered, was
cancelled or met is not sent. This applies both to outgoing messages and people.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from outreach.times import today as times_today

if TYPE_CHECKING:
    from outreach.ledger import Ledger
    from outreach.lifecycle import Life
    from outreach.mail.outbox import OutboxMessage, PlannedMessage
    from outreach.model import Person


class _Lives:
    """The life cycle, read once and only when a message needs it."""

    def __init__(self, ledger: Ledger, today: date | None) -> None:
        self.ledger, self.today = ledger, today or times_today()
        self._lives: dict[str, Life] | None = None

    def get(self, key: str) -> Life | None:
        if self._lives is None:
            from outreach.lifecycle import lives

            self._lives = lives(self.ledger, self.today)
        return self._lives.get(key)


def blocked_recipients(item: OutboxMessage, ledger: Ledger, *, today: date | None = None,
                       known: _Lives | None = None) -> dict[str, str]:
    """Recipient → why not to write to them (do not contact, bounced, a follow-up to
    someone who is no longer silent)."""
    from outreach.lifecycle import may_still_send

    found = {}
    kind = ledger.message_kind(item.message_id)
    known = known or _Lives(ledger, today)
    for recipient in item.recipients:
        key = ledger.key_for_address(recipient)
        why = ledger.contact_block(key, recipient)
        if not why and kind is not None and key:
            why = may_still_send(known.get(key), kind)
        if why:
            found[recipient] = why
    return found


def without_blocked(plan: Iterable[PlannedMessage], ledger: Ledger, *,
                    today: date | None = None) -> tuple[list[PlannedMessage], list[str]]:
    """The plan with blocked recipients taken out of each message's pending ones, and one
    line per recipient skipped (``file: address: why``)."""
    kept, notes = [], []
    known = _Lives(ledger, today)
    for planned in plan:
        blocked = blocked_recipients(planned.item, ledger, known=known) \
            if planned.pending else {}
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
    people = list(people)
    blocked = ledger.do_not_contact()
    bad = ledger.bad_addresses()
    if not blocked and not bad:  # the usual ledger: nobody to leave out, nothing to say
        return people, []
    # Who each person is in the ledger matters only when someone is blocked (issue 23: it
    # was a fifth of writing 10,000 plain e-mails); the keys are then compared with both.
    keys = ledger.identify(people) if blocked else [person.key for person in people]
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
