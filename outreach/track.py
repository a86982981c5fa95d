"""Relationships over time, from the ledger: ``outreach log`` and ``outreach status``.

``resolve`` finds the person a user means: "jane doe", "Zoe Odegard", "sam", a profile URL
or an e-mail address, accent-, case- and punctuation-insensitively. One rule for every place
a user names people (``outreach log``, ``rotation --pick``): an exact identity (key, URL,
address) wins, then the whole name, then a unique set of name parts; an ambiguous match is
refused with the candidates, an unknown one suggests close names.

``status_report`` gathers the five lists a leader reviews each week, as plain rows (the CLI
prints them).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from outreach.errors import OutreachError
from outreach.ledger import Ledger, LifeFacts
from outreach.lifecycle import Life, Policy, lives_from, silent
from outreach.model import Person, PersonState, canonical_url, slugify
from outreach.wording import plural

LOG_KINDS = ("met", "gave", "got", "replied", "thanked", "noted")
_AGE_MOST = {"d": 36525, "w": 5218, "m": 1200, "y": 100}  # 100 years
_AGE = re.compile(r"^\s*(\d+)\s*(d|w|m|y)\s*$", re.I)


# ---------------------------------------------------------------- finding people


def resolve(people: Mapping[str, Person], query: str, *, where: str, hint: str = "",
            prefix: str = "") -> tuple[str, Person]:
    """The key and person ``query`` names among ``people`` (by key), or a one-line error.

    ``where`` ("in the ledger") and ``hint`` word the errors; ``prefix`` ("--pick: ") names
    the option the query came from.
    """
    text = query.strip()
    if not text:
        raise OutreachError(f"{prefix}name: empty; give a name, profile URL or e-mail address")
    matches = _matches(people, text)
    if len(matches) == 1:
        return matches[0]
    if matches:
        listed = "; ".join(describe(p) for _key, p in matches[:8])
        raise OutreachError(f"{prefix}{query!r} matches {len(matches)} people: {listed}; "
                            "use the profile URL or e-mail")
    raise OutreachError(prefix + _unknown_message(list(people.values()), text, where, hint))


def describe(person: Person) -> str:
    """``Jane Doe (Acme)``, or with the URL/e-mail when there is no company."""
    detail = person.company or person.url or person.email
    return f"{person.full_name or person.key} ({detail})" if detail else person.full_name


def _matches(people: Mapping[str, Person], text: str) -> list[tuple[str, Person]]:
    """An identity first (the stored key, the profile URL however it is spelled, the
    address in any case), then the whole name, then a unique set of name parts."""
    typed = text.strip().lower()
    wanted_identities = {typed, canonical_url(text), f"mailto:{typed}"}
    by_identity = [
        (k, p) for k, p in people.items()
        if wanted_identities & ({k, canonical_url(p.url), p.email.strip().lower()} - {""})
    ]
    if by_identity:
        return by_identity
    wanted = _loose(text)
    if not wanted:  # "%", "_", "*": no name part to match, never everyone
        return []
    exact = [(k, p) for k, p in people.items() if _loose(p.full_name) == wanted]
    if exact:
        return exact
    tokens = set(wanted.split())
    return [(k, p) for k, p in people.items() if tokens <= set(_loose(p.full_name).split())]


def _loose(name: str) -> str:
    """``"Zoë Ødegård"`` → ``"zoe odegard"``: case, accents and punctuation ignored."""
    return " ".join(part for part in re.split(r"[-_]+", slugify(name)) if part)


def _unknown_message(people: list[Person], text: str, where: str, hint: str) -> str:
    from rapidfuzz import fuzz, process

    names = {describe(p): _loose(p.full_name) for p in people}
    close = process.extract(_loose(text), names, scorer=fuzz.WRatio, limit=3, score_cutoff=70)
    if close:
        return f"no one called {text!r} {where}; did you mean: " + "; ".join(
            label for _choice, _score, label in close
        )
    known = f"{plural(len(people), 'person', 'people')} known" + (f"; {hint}" if hint else "")
    return f"no one called {text!r} {where} ({known})"



def find_person(ledger: Ledger, query: str) -> tuple[str, Person]:
    """The ledger key and person ``query`` names (full name, part of it, URL or e-mail)."""
    return resolve(ledger.all_people(), query, where="in the ledger",
                   hint="people are added by outreach campaign, send and cards")


def log_event(ledger: Ledger, kind: str, who: str, on: date, note: str = "",
              today: date | None = None, card: str | None = None) -> Person:
    """Record ``kind`` (met, gave, got, replied, thanked; noted: their LinkedIn note was
    sent, so the life cycle counts them told and due a follow-up) with the person ``who``
    names.

    Only what has happened: a future date would leave a meeting "met" before it was, and
    a card printed today could never count as the thank-you for it. ``card`` (``met``
    only) is the line their thank-you card will say, as written (``card_line``).
    """
    if kind not in LOG_KINDS:
        raise OutreachError(f"log: unknown kind {kind!r}; use one of {', '.join(LOG_KINDS)}")
    line = card_line(card, kind) if card is not None else ""
    today = today or date.today()
    if on > today:
        raise OutreachError(f"{on.isoformat()} is in the future (today is "
                            f"{today.isoformat()}); log what has happened", field="on")
    key, person = find_person(ledger, who)
    if kind == "noted":
        ledger.record_note_sent(key, on, note)
        return person
    with ledger.write():  # the meeting and its card line, together or not at all
        ledger.add_event(key, kind, on, note)
        if line:
            ledger.set_card_line(key, on, line)
    return person


CARD_LINE_MOST = 200  # characters: about three lines of handwriting on the smallest card


def card_line(text: str, kind: str = "met") -> str:
    """The line a thank-you card says, as the user wrote it, on one line (newlines and runs
    of spaces become one space); refused when empty, too long for a card, or logged with
    anything but a meeting (``kind``)."""
    if kind != "met":
        raise OutreachError(f"a card line belongs to a meeting: log met, not {kind}",
                            field="card")
    line = " ".join(text.split())
    if not line:
        raise OutreachError("the card line is empty; write the sentence the card should say",
                            field="card")
    if len(line) > CARD_LINE_MOST:
        raise OutreachError(f"the card line is {len(line)} characters; a card has room for "
                            f"about {CARD_LINE_MOST}: shorten it", field="card")
    return line


# ---------------------------------------------------------------- ages


def cutoff(text: str, today: date, *, field: str) -> date:
    """``6m`` (months), ``14d``, ``2w``, ``1y`` before ``today``; ``field`` names the input
    in errors."""
    found = _AGE.match(text)
    if not found:
        raise OutreachError(f"cannot read {text!r}; use e.g. 14d, 2w, 6m or 1y", field=field)
    count, unit = int(found.group(1)), found.group(2).lower()
    if count > _AGE_MOST[unit]:
        raise OutreachError(f"{text!r} is more than 100 years", field=field)
    if unit in "dw":
        return today - timedelta(days=count * (7 if unit == "w" else 1))
    months = count * (12 if unit == "y" else 1)
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    day = min(today.day, calendar.monthrange(year, month + 1)[1])
    return date(year, month + 1, day)


# ---------------------------------------------------------------- the report


@dataclass(frozen=True)
class StatusReport:
    """Rows of each section, as plain tuples (see ``report_tables`` for the columns), and
    every person's life cycle (``outreach.lifecycle``), which the sections are read from."""

    today: date
    due: list[tuple[datetime, Person, str, bool]]
    unthanked: list[tuple[Person, date]]
    unanswered: list[tuple[Person, date, str]]
    one_way: list[tuple[Person, int, int]]
    expired: list[tuple[Person, date]]
    no_reply_after: str
    expire_after: str
    lives: dict[str, Life] = field(default_factory=dict)


def status_report(
    ledger: Ledger,
    today: date,
    *,
    expire_after: str = "6m",
    no_reply_after: str = "14d",
    zone: tzinfo | None = None,
    followup_after: str = "7d",
) -> StatusReport:
    """Who is due this week, unthanked, unanswered, one-sided, and gone quiet, and each
    person's life cycle with their next step (``outreach.lifecycle``).

    Meeting times are shown in ``zone`` (default: the computer's local zone).
    """
    reply_cutoff = cutoff(no_reply_after, today, field="no_reply_after")
    policy = policy_for(today, followup_after, expire_after=expire_after)
    facts = ledger.life_facts()
    everyone = lives_from(facts, today, policy)
    return StatusReport(
        today=today,
        due=_due_this_week(facts, today, everyone, zone),
        unthanked=sorted(((life.person, life.met_on) for life in everyone.values()
                          if life.met_on is not None and (life.thanked_on or date.min)
                          < life.met_on), key=lambda row: row[1]),
        unanswered=sorted(((life.person, last.on, last.subject) for life in everyone.values()
                           if silent(life) and (last := life.last_told) is not None
                           and last.on <= reply_cutoff), key=lambda row: row[1]),
        one_way=_one_way(facts),
        expired=sorted(((life.person, life.met_on) for life in everyone.values()
                        if life.state is PersonState.EXPIRED and life.met_on is not None),
                       key=lambda row: row[1]),
        no_reply_after=no_reply_after,
        expire_after=expire_after,
        lives=everyone,
    )


def policy_for(today: date, after: str = "7d", *, max_count: int = 1,
               expire_after: str | None = None) -> Policy:
    """The life cycle's waiting times from the user's ages (``7d``, ``6m``)."""
    wait = today - cutoff(after, today, field="after")
    expire = cutoff(expire_after, today, field="expire_after") if expire_after else None
    return Policy(followup_after=wait, after_text=after, max_followups=max_count,
                  expire_before=expire)


def _due_this_week(facts: LifeFacts, today: date, everyone: dict[str, Life],
                   zone: tzinfo | None) -> list[tuple[datetime, Person, str, bool]]:
    monday = today - timedelta(days=today.weekday())
    due = []
    for meeting in facts.meetings:
        start = meeting.start.astimezone(zone)
        if not monday <= start.date() < monday + timedelta(days=7):
            continue
        life = everyone.get(meeting.person_key)
        person = life.person if life else facts.people.get(meeting.person_key) or Person(
            meeting.person_name, "")
        met = life.met_on if life else None
        due.append((start, person, meeting.series, met is not None and met >= start.date()))
    return sorted(due, key=lambda item: item[0])


def _one_way(facts: LifeFacts) -> list[tuple[Person, int, int]]:
    counts: dict[str, list[int]] = {}
    for event in facts.events:
        if event.kind in ("gave", "got"):
            counts.setdefault(event.person_key, [0, 0])[event.kind == "got"] += 1
    rows = [(facts.people[k], gave, got) for k, (gave, got) in counts.items()
            if (gave == 0 or got == 0) and k in facts.people]
    return sorted(rows, key=lambda row: -max(row[1], row[2]))


# ---------------------------------------------------------------- do not contact


def opt_out(ledger: Ledger, who: str, on: date, note: str = "") -> tuple[Person, bool]:
    """Mark the person ``who`` names do-not-contact (False: they already were)."""
    key, person = find_person(ledger, who)
    return person, ledger.opt_out(key, on, note)


# ---------------------------------------------------------------- status as data


def status_data(ledger: Ledger, report: StatusReport) -> dict[str, object]:
    """``outreach status --format json``: every person in the life cycle, with what they were
    told, what came back and their next step, and the table's sections."""
    rows = [life_row(life) for life in report.lives.values()]
    people = ledger.all_people()

    def who(person: Person) -> dict[str, str]:
        return {"name": person.full_name, "url": person.url, "email": person.email}

    return {
        "today": report.today.isoformat(),
        "people": rows,
        "due": [{**who(p), "start": start.isoformat(), "series": series, "met": met}
                for start, p, series, met in report.due],
        "unthanked": [{**who(p), "met_on": on.isoformat()} for p, on in report.unthanked],
        "unanswered": [{**who(p), "invited_on": on.isoformat(), "subject": note}
                       for p, on, note in report.unanswered],
        "one_way": [{**who(p), "gave": gave, "got": got} for p, gave, got in report.one_way],
        "expired": [{**who(p), "last_met": on.isoformat()} for p, on in report.expired],
        "proposed": [{**who(life.person), "start": life.proposed}
                     for life in report.lives.values() if life.proposed],
        "unverified": [
            {"kind": u.kind, "from": u.sender, "date": u.on.isoformat(), "names": u.names,
             "person": who(people[u.person_key]) if u.person_key in people else None,
             "reason": u.reason} for u in ledger.unverified()],
        "no_reply_after": report.no_reply_after,
        "expire_after": report.expire_after,
    }


def life_row(life: Life) -> dict[str, Any]:
    """One person's life cycle as JSON-ready data (``status --format json``, report.html)."""
    person, step = life.person, life.next

    def day(on: date | None) -> str | None:
        return on.isoformat() if on else None

    invitation = life.invitation
    series = [r for r in life.rsvps if not r.recurrence_id] or list(life.rsvps)
    return {
        "name": person.full_name, "url": person.url, "email": person.email,
        "company": person.company, "invited_on": day(invitation.on if invitation else None),
        "replied": life.replied_on is not None,
        "rsvp": series[-1].partstat if series else None,
        "rsvps": [{"uid": r.uid, "recurrence_id": r.recurrence_id or "",
                   "partstat": r.partstat, "on": r.on.isoformat(), "comment": r.comment}
                  for r in life.rsvps],
        "proposed": life.proposed or None, "auto_replied": life.auto_replied,
        "bounced": bool(life.bounced), "do_not_contact": life.opted_out is not None,
        "met_on": day(life.met_on), "thanked_on": day(life.thanked_on),
        "followups": life.followups_written,
        "state": life.state.value,
        "told": [{"kind": t.kind.value, "channel": t.channel.value, "on": t.on.isoformat(),
                  "series": t.series, "subject": t.subject} for t in life.told],
        "replies": [{"on": a.on.isoformat(), "subject": a.detail} for a in life.answers
                    if a.state is PersonState.REPLIED],
        "answers": [{"state": a.state.value, "on": a.on.isoformat(), "detail": a.detail,
                     "comment": a.comment} for a in life.answers],
        "notes_sent": [on.isoformat() for on in life.notes_sent],
        "bounced_address": life.bounced or None,
        "followups_sent": life.followups,
        "next_step": {"kind": step.kind.value if step.kind else None, "due": day(step.due),
                      "channel": step.channel.value if step.channel else None,
                      "reason": step.reason},
    }


# ---------------------------------------------------------------- the life cycle in words

STATE_WORDS = {
    "planned": "planned, not told yet", "told_email": "told by e-mail",
    "told_note": "told by LinkedIn note", "accepted": "accepted", "declined": "declined",
    "tentative": "tentative", "countered": "proposed another time", "replied": "replied",
    "bounced": "address bounced", "cancelled": "cancelled", "opted_out": "do not contact",
    "met": "met", "thanked": "thanked", "expired": "gone quiet",
}


def life_words(life: Life) -> dict[str, str]:
    """One person's life cycle as the status table and report.html show it: ``who``,
    ``state``, ``told``, ``came_back``, ``next_step``, ``when``."""
    row = life_row(life)
    step = row["next_step"]
    return {"who": describe(life.person), "state": STATE_WORDS.get(row["state"], row["state"]),
            "told": _told_words(row), "came_back": _came_back_words(row),
            "next_step": step["reason"], "when": step["due"] or ""}


def _told_words(row: dict[str, Any]) -> str:
    """``e-mail 2027-01-05, LinkedIn note 2027-01-06, 1 follow-up``."""
    words = {"email": "e-mail", "linkedin": "LinkedIn note", "card": "card"}
    parts = [f"{t['kind'] if t['kind'] in ('update', 'cancellation') else words[t['channel']]}"
             f" {t['on']}" for t in row["told"] if t["kind"] != "followup"]
    followups = sum(1 for t in row["told"] if t["kind"] == "followup")
    if followups:
        parts.append(plural(followups, "follow-up"))
    return ", ".join(parts)


def _came_back_words(row: dict[str, Any]) -> str:
    """RSVPs (with comments), proposed times, replies, bounces, auto-replies, meetings."""
    parts = []
    for answer in row["answers"]:
        what = {"countered": "proposed", "replied": "replied"}.get(answer["state"], "RSVP")
        detail = answer["detail"] if answer["state"] != "replied" else ""
        comment = f" ({answer['comment']})" if answer["comment"] else ""
        parts.append(" ".join(p for p in (what, detail, answer["on"]) if p) + comment)
    if row["bounced_address"]:
        parts.append(f"bounced: {row['bounced_address']}")
    if row["auto_replied"]:
        parts.append("auto-reply")
    if row["met_on"]:
        parts.append(f"met {row['met_on']}")
    if row["thanked_on"]:
        parts.append(f"thanked {row['thanked_on']}")
    return "; ".join(parts)
