"""Follow-ups only to the silent: who is due one, and the threaded e-mails.

A person is due a follow-up when their invitation (the first message the ledger sent them
that is not itself a follow-up, an update or a cancellation) went out at least AGE ago, and
since then nothing came back: no reply, no RSVP, no bounce; they are not do-not-contact, not
met, and have fewer than ``max_count`` follow-ups sent. Each follow-up replies to the
invitation: ``In-Reply-To`` and ``References`` are its Message-ID and the subject is
``Re: <its subject>`` (the built-in ``followup.email.j2`` gets it as ``original_subject``).
Message-IDs are stable (the invitation's and the follow-up's number), so a rerun writes the
same file and ``outreach send`` never sends one twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from outreach.ledger import Ledger
from outreach.model import Person, Sender, message_id, valid_address
from outreach.track import cutoff

if TYPE_CHECKING:
    from outreach.mail.render import Batch

TEMPLATE = "followup.email.j2"


@dataclass(frozen=True)
class Due:
    """One person due a follow-up: the invitation it replies to, and which one it is."""

    key: str
    person: Person
    original_id: str
    subject: str
    invited_on: date
    number: int


@dataclass
class FollowupPlan:
    due: list[Due] = field(default_factory=list)
    skipped: list[tuple[Person, str]] = field(default_factory=list)  # who, why not


def _invitations(ledger: Ledger) -> dict[str, tuple[str, str, str, date]]:
    """Address → (Message-ID, subject, recipient, day sent) of the first invitation sent."""
    followup_ids = {row[0] for row in ledger.followups()}
    not_invitations = {str(r[0]) for r in ledger.query(
        "SELECT message_id FROM plan_messages WHERE kind != 'invitation'")}
    first: dict[str, tuple[str, str, str, date]] = {}
    for row in ledger.query("SELECT message_id, recipient, subject, sent_at FROM messages "
                            "WHERE state = 'sent' AND sent_at IS NOT NULL ORDER BY sent_at"):
        mid = str(row["message_id"])
        if mid in followup_ids or mid in not_invitations:
            continue
        on = datetime.fromisoformat(row["sent_at"]).date()
        first.setdefault(str(row["recipient"]).lower(),
                         (mid, str(row["subject"]), str(row["recipient"]), on))
    return first


def plan_followups(ledger: Ledger, today: date, *, after: str = "7d",
                   max_count: int = 1) -> FollowupPlan:
    """Who gets a follow-up now, and why each other invited person does not."""
    latest = cutoff(after, today, option="--after")
    plan = FollowupPlan()
    people = ledger.all_people()
    by_address = {p.email.strip().lower(): k for k, p in people.items() if p.email.strip()}
    blocked = ledger.do_not_contact()
    bad = ledger.bad_addresses()
    rsvp = {r.person_key for r in ledger.rsvps()}
    events: dict[tuple[str, str], date] = {
        (str(r[0]), str(r[1])): date.fromisoformat(r[2]) for r in ledger.query(
            "SELECT person_key, kind, MAX(on_date) FROM events GROUP BY person_key, kind")}
    sent_followups: dict[str, int] = {}
    for row in ledger.query("SELECT f.person_key, COUNT(DISTINCT f.message_id) FROM followups f "
                            "JOIN messages m ON m.message_id = f.message_id AND "
                            "m.state = 'sent' GROUP BY f.person_key"):
        sent_followups[str(row[0])] = int(row[1])
    for address, (mid, subject, _recipient, on) in _invitations(ledger).items():
        key = by_address.get(address)
        if key is None:
            continue
        person = people[key]
        count = sent_followups.get(key, 0)
        why = ""
        if key in blocked:
            why = "do not contact (outreach log optout)"
        elif address in bad:
            why = f"{address} bounced"
        elif events.get((key, "replied"), date.min) >= on:
            why = "replied"
        elif key in rsvp:
            why = "answered the invitation (RSVP)"
        elif events.get((key, "met"), date.min) >= on:
            why = "met"
        elif count >= max_count:
            why = f"already followed up {count}× (--max {max_count})"
        elif on > latest:
            why = f"invited {on.isoformat()}, less than {after} ago"
        if why:
            plan.skipped.append((person, why))
            continue
        plan.due.append(Due(key, person, mid, subject, on, count + 1))
    return plan


def reply_subject(subject: str) -> str:
    """``Re: <subject>`` (one ``Re:``, however many the subject had)."""
    text = subject.strip()
    while text.lower().startswith("re:"):
        text = text[3:].strip()
    return f"Re: {text}"


def render_followups(due: list[Due], sender: Sender, template: str | Path = TEMPLATE,
                     sent_date: datetime | None = None, *, secret: bytes = b"",
                     ) -> tuple[Batch, dict[str, Due]]:
    """The batch of follow-ups (``outreach.mail.render``) and, by Message-ID, whom each is for."""
    from outreach.mail.render import RenderOptions, render_messages

    domain = (valid_address(sender.email) or "").rpartition("@")[2] or "outreach.invalid"
    people, ids, threads, values, by_id = [], {}, {}, {}, {}
    for item in due:
        person = replace(item.person)
        mid = message_id(secret, domain, "followup", item.original_id, item.number)
        ids[person.key] = mid
        threads[person.key] = (item.original_id,)
        values[person.key] = {"original_subject": reply_subject(item.subject)[4:],
                              "invited_on": item.invited_on.isoformat(),
                              "followup_number": item.number}
        people.append(person)
        by_id[mid] = item
    options = RenderOptions(message_ids=ids, replying_to=threads, values=values,
                            sent_date=sent_date, linkedin_template="invite.linkedin.j2")
    return render_messages(people, sender, template, None, options), by_id
