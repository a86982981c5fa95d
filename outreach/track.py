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
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from outreach.errors import OutreachError
from outreach.ledger import Ledger
from outreach.model import Person, canonical_url, slugify
from outreach.wording import plural

LOG_KINDS = ("met", "gave", "got", "replied", "thanked")
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
              today: date | None = None) -> Person:
    """Record ``kind`` (met, gave, got, replied, thanked) with the person ``who`` names.

    Only what has happened: a future date would leave a meeting "met" before it was, and
    a card printed today could never count as the thank-you for it.
    """
    if kind not in LOG_KINDS:
        raise OutreachError(f"log: unknown kind {kind!r}; use one of {', '.join(LOG_KINDS)}")
    today = today or date.today()
    if on > today:
        raise OutreachError(f"--on: {on.isoformat()} is in the future (today is "
                            f"{today.isoformat()}); log what has happened")
    key, person = find_person(ledger, who)
    ledger.add_event(key, kind, on, note)
    return person


# ---------------------------------------------------------------- ages


def cutoff(text: str, today: date, *, option: str) -> date:
    """``6m`` (months), ``14d``, ``2w``, ``1y`` before ``today``."""
    found = _AGE.match(text)
    if not found:
        raise OutreachError(f"{option}: cannot read {text!r}; use e.g. 14d, 2w, 6m or 1y")
    count, unit = int(found.group(1)), found.group(2).lower()
    if count > _AGE_MOST[unit]:
        raise OutreachError(f"{option}: {text!r} is more than 100 years")
    if unit in "dw":
        return today - timedelta(days=count * (7 if unit == "w" else 1))
    months = count * (12 if unit == "y" else 1)
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    day = min(today.day, calendar.monthrange(year, month + 1)[1])
    return date(year, month + 1, day)


# ---------------------------------------------------------------- the report


@dataclass(frozen=True)
class StatusReport:
    """Rows of each section, as plain tuples (see ``report_tables`` for the columns)."""

    today: date
    due: list[tuple[datetime, Person, str, bool]]
    unthanked: list[tuple[Person, date]]
    unanswered: list[tuple[Person, date, str]]
    one_way: list[tuple[Person, int, int]]
    expired: list[tuple[Person, date]]
    no_reply_after: str
    expire_after: str


def status_report(
    ledger: Ledger,
    today: date,
    *,
    expire_after: str = "6m",
    no_reply_after: str = "14d",
    zone: tzinfo | None = None,
) -> StatusReport:
    """Who is due this week, unthanked, unanswered, one-sided, and gone quiet.

    Meeting times are shown in ``zone`` (default: the computer's local zone).
    """
    reply_cutoff = cutoff(no_reply_after, today, option="--no-reply-after")
    expire_cutoff = cutoff(expire_after, today, option="--expire-after")
    people = ledger.all_people()
    last = _last_events(ledger)
    return StatusReport(
        today=today,
        due=_due_this_week(ledger, today, people, last, zone),
        unthanked=_unthanked(people, last),
        unanswered=_unanswered(ledger, reply_cutoff, people, last),
        one_way=_one_way(ledger, people),
        expired=sorted(
            ((people[k], on) for (k, kind), on in last.items()
             if kind == "met" and on < expire_cutoff and k in people),
            key=lambda row: row[1],
        ),
        no_reply_after=no_reply_after,
        expire_after=expire_after,
    )


def _last_events(ledger: Ledger) -> dict[tuple[str, str], date]:
    rows = ledger.query(
        "SELECT person_key, kind, MAX(on_date) AS last FROM events GROUP BY person_key, kind"
    )
    return {(r["person_key"], r["kind"]): date.fromisoformat(r["last"]) for r in rows}


def _unthanked(
    people: dict[str, Person], last: dict[tuple[str, str], date]
) -> list[tuple[Person, date]]:
    """As ``Ledger.pending_thanks``, with the day they were met."""
    rows = []
    for key, person in people.items():
        met = last.get((key, "met"))
        if met is not None and last.get((key, "thanked"), date.min) < met:
            rows.append((person, met))
    return sorted(rows, key=lambda row: row[1])


def _due_this_week(
    ledger: Ledger, today: date, people: dict[str, Person], last: dict[tuple[str, str], date],
    zone: tzinfo | None,
) -> list[tuple[datetime, Person, str, bool]]:
    monday = today - timedelta(days=today.weekday())
    due = []
    for row in ledger.query("SELECT person_key, person_name, series, start FROM meetings"):
        start = datetime.fromisoformat(row["start"]).astimezone(zone)
        if not monday <= start.date() < monday + timedelta(days=7):
            continue
        person = people.get(row["person_key"]) or Person(row["person_name"], "")
        met = last.get((row["person_key"], "met"))
        due.append((start, person, row["series"], met is not None and met >= start.date()))
    return sorted(due, key=lambda item: item[0])


def _unanswered(
    ledger: Ledger, reply_cutoff: date, people: dict[str, Person],
    last: dict[tuple[str, str], date],
) -> list[tuple[Person, date, str]]:
    rows = ledger.query(
        "SELECT person_key, on_date, note FROM events e WHERE kind = 'invited' AND id = "
        "(SELECT MAX(id) FROM events WHERE person_key = e.person_key AND kind = 'invited')"
    )
    waiting = []
    answered_otherwise = _answered_otherwise(ledger, people)
    for row in rows:
        invited = date.fromisoformat(row["on_date"])
        answered = max(
            (last.get((row["person_key"], kind), date.min) for kind in ("replied", "met")),
        )
        if invited <= reply_cutoff and answered < invited and row["person_key"] in people \
                and row["person_key"] not in answered_otherwise:
            waiting.append((people[row["person_key"]], invited, row["note"]))
    return sorted(waiting, key=lambda item: item[1])


def _one_way(ledger: Ledger, people: dict[str, Person]) -> list[tuple[Person, int, int]]:
    rows = ledger.query(
        "SELECT person_key, SUM(kind = 'gave') AS gave, SUM(kind = 'got') AS got FROM events "
        "WHERE kind IN ('gave', 'got') GROUP BY person_key HAVING gave = 0 OR got = 0 "
        "ORDER BY MAX(gave, got) DESC"
    )
    return [(people[r["person_key"]], int(r["gave"]), int(r["got"]))
            for r in rows if r["person_key"] in people]


def _answered_otherwise(ledger: Ledger, people: dict[str, Person]) -> set[str]:
    """People not waiting for a reply: they answered the invitation (RSVP), their address
    bounced, or they asked not to be contacted."""
    bad = ledger.bad_addresses()
    keys = {r.person_key for r in ledger.rsvps()} | set(ledger.do_not_contact())
    keys |= {k for k, p in people.items() if p.email.strip().lower() in bad}
    return keys


# ---------------------------------------------------------------- do not contact


def opt_out(ledger: Ledger, who: str, on: date, note: str = "") -> tuple[Person, bool]:
    """Mark the person ``who`` names do-not-contact (False: they already were)."""
    key, person = find_person(ledger, who)
    return person, ledger.opt_out(key, on, note)


# ---------------------------------------------------------------- status as data


def status_data(ledger: Ledger, report: StatusReport) -> dict[str, object]:
    """``outreach status --format json``: every person the ledger has a fact about, with
    what came back, and the table's sections."""
    people = ledger.all_people()
    last = _last_events(ledger)
    first_invited = {str(r[0]): str(r[1]) for r in ledger.query(
        "SELECT person_key, MIN(on_date) FROM events WHERE kind = 'invited' GROUP BY person_key")}
    rsvps: dict[str, list[dict[str, str]]] = {}
    for rsvp in ledger.rsvps():
        rsvps.setdefault(rsvp.person_key, []).append(
            {"uid": rsvp.uid, "recurrence_id": rsvp.recurrence_id or "",
             "partstat": rsvp.partstat, "on": rsvp.on.isoformat(), "comment": rsvp.comment})
    records = ledger.inbox_records(("counter", "auto-reply", "bounce"))
    proposed = {r.person_key: r.detail for r in records if r.kind == "counter"}
    auto = {r.person_key for r in records if r.kind == "auto-reply"}
    bounced_keys = {r.person_key for r in records if r.kind == "bounce"}
    bad = ledger.bad_addresses()
    blocked = ledger.do_not_contact()
    followups: dict[str, int] = {}
    for _mid, key, _thread, _number in ledger.followups():
        followups[key] = followups.get(key, 0) + 1
    active = ({k for k, _kind in last} | set(rsvps) | set(proposed) | auto | bounced_keys
              | set(blocked) | set(followups)
              | {str(r[0]) for r in ledger.query("SELECT DISTINCT person_key FROM plan_messages")})

    def day(key: str, kind: str) -> str | None:
        on = last.get((key, kind))
        return on.isoformat() if on else None

    rows = []
    for key, person in people.items():
        if key not in active:
            continue
        answers = rsvps.get(key, [])
        series = [a for a in answers if not a["recurrence_id"]] or answers
        rows.append({
            "name": person.full_name, "url": person.url, "email": person.email,
            "company": person.company, "invited_on": first_invited.get(key),
            "replied": (key, "replied") in last,
            "rsvp": series[-1]["partstat"] if series else None, "rsvps": answers,
            "proposed": proposed.get(key), "auto_replied": key in auto,
            "bounced": key in bounced_keys or person.email.strip().lower() in bad,
            "do_not_contact": key in blocked, "met_on": day(key, "met"),
            "thanked_on": day(key, "thanked"), "followups": followups.get(key, 0),
        })

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
        "proposed": [{**who(people[k]), "start": v} for k, v in proposed.items() if k in people],
        "unverified": [
            {"kind": u.kind, "from": u.sender, "date": u.on.isoformat(), "names": u.names,
             "person": who(people[u.person_key]) if u.person_key in people else None,
             "reason": u.reason} for u in ledger.unverified()],
        "no_reply_after": report.no_reply_after,
        "expire_after": report.expire_after,
    }
