"""Follow-ups only to the silent: who is due one (``outreach.lifecycle`` decides), and the
messages, built from what the invitation said.

A person is due a follow-up when the life cycle says their next step is one and its day has
come: they were told (an e-mail, or a LinkedIn note logged with ``log noted``) at least AGE
ago and nothing came back since — no reply, RSVP, proposed time or bounce; not cancelled,
not do-not-contact, not met — and fewer than ``max_count`` follow-ups reached them.

An e-mail follow-up replies to the invitation: ``In-Reply-To`` and ``References`` are its
Message-ID and the subject is ``Re: <its subject>``. A person told by LinkedIn note gets a
LinkedIn note row (``linkedin.csv``), not an e-mail. Each says what the invitation proposed
(``invitation.*``: "would Tuesday 19 January, 08:30 still work?", the forum's rhythm), from the
plan's record of it; the first nudge uses ``followup.email.j2``, later ones
``followup-last.email.j2`` (and their ``.linkedin.j2`` pairs). Message-IDs come from
``model.message_id`` (the invitation's and the follow-up's number), so a rerun writes the same
file and ``outreach send`` never sends one twice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from outreach.ledger import Ledger
from outreach.lifecycle import Life, lives_from, why_no_followup
from outreach.model import (
    KINDS,
    Channel,
    MessageKind,
    Person,
    Sender,
    Series,
    message_id,
    valid_address,
)

if TYPE_CHECKING:
    from outreach.mail.render import Batch

TEMPLATE = KINDS[MessageKind.FOLLOWUP].template
LAST_TEMPLATE = "followup-last.email.j2"


@dataclass(frozen=True)
class Due:
    """One person due a follow-up: the invitation it replies to, and which one it is."""

    key: str
    person: Person
    original_id: str
    subject: str
    invited_on: date
    number: int
    channel: Channel = Channel.EMAIL
    series: str = Series.COFFEE
    facts: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class FollowupPlan:
    due: list[Due] = field(default_factory=list)
    skipped: list[tuple[Person, str]] = field(default_factory=list)  # who, why not


def plan_followups(ledger: Ledger, today: date, *, after: str = "7d",
                   max_count: int = 1) -> FollowupPlan:
    """Who gets a follow-up now, and why each other person who was told does not."""
    from outreach.track import policy_for

    policy = policy_for(today, after, max_count=max_count)
    plan = FollowupPlan()
    for life in lives_from(ledger.life_facts(), today, policy).values():
        if not life.told:
            continue
        step = life.next
        if step.kind is MessageKind.FOLLOWUP and step.due is not None and step.due <= today:
            plan.due.append(_due(life))
        else:
            plan.skipped.append((life.person, why_no_followup(life, policy)))
    return plan


def _due(life: Life) -> Due:
    invitation = life.invitation or life.told[0]
    channel = life.next.channel or Channel.EMAIL
    person = life.person if channel is Channel.EMAIL else replace(life.person, email="")
    return Due(life.key, person, invitation.message_id, invitation.subject, invitation.on,
               life.followups + 1, channel, invitation.series, invitation.facts)


# The reply prefixes mail clients write, in the languages outreach speaks and their Outlooks:
# Re/RE (every client; RFC 5322 §3.6.5), AW (German Outlook), Réf/Ref (French), RES (Portuguese
# Outlook), Antw, SV, RIF; with or without the French space before the colon.
_REPLY_PREFIX = re.compile(r"^(?:re|aw|antw|r[ée]f|res|sv|rif)\s*:\s*", re.IGNORECASE)


def original_subject(subject: str) -> str:
    """The invitation's subject without any reply prefixes (``Re: AW: Coffee?`` → ``Coffee?``)."""
    text = subject.strip()
    while (found := _REPLY_PREFIX.match(text)) is not None:
        text = text[found.end():].strip()
    return text


def reply_subject(subject: str, locale: str = "en") -> str:
    """``Re: <subject>`` (one prefix, however many the subject had), as the locale's wording
    ``subject.reply`` writes it (``docs/languages.md`` says why every language keeps "Re:")."""
    from outreach.i18n import subject as worded

    return worded("reply", original_subject(subject), locale)


def invitation_values(series: str, facts: Mapping[str, Any], locale: str = "en",
                      ) -> dict[str, Any]:
    """``invitation.*`` for a follow-up template: what the invitation proposed, in words
    (empty strings where the plan did not record it, e.g. an ``outreach emails`` coffee),
    in ``locale``."""
    values = _invitation_values(series, facts)
    if locale.startswith("en") or not values["proposed"]:
        return values
    from zoneinfo import ZoneInfo

    from outreach import i18n
    from outreach.plan_words import every_in

    start = datetime.fromisoformat(str(facts["start"])).astimezone(
        ZoneInfo(str(facts.get("tz") or "UTC")))
    values["proposed"] = i18n.format_when(start, locale)
    values["every"] = every_in(values["every"], start, locale)
    if values["until"]:
        values["until"] = i18n.format_day(datetime.fromisoformat(str(facts["until"])), locale,
                                          "long")
    return values


def _invitation_values(series: str, facts: Mapping[str, Any]) -> dict[str, Any]:
    from zoneinfo import ZoneInfo

    values: dict[str, Any] = {"series": str(series), "proposed": "", "minutes": "", "every": "",
                              "count": "", "place": "", "until": ""}
    start_text = str(facts.get("start") or "")
    if not start_text:
        return values
    try:
        start = datetime.fromisoformat(start_text)
        start = start.astimezone(ZoneInfo(str(facts.get("tz") or "UTC")))
    except (ValueError, KeyError):
        return values
    values["proposed"] = f"{start:%A} {start.day} {start:%B, %H:%M}"
    values["minutes"] = str(facts.get("minutes") or "")
    values["every"] = str(facts.get("every") or "")
    values["count"] = str(facts.get("count") or "")
    values["place"] = str(facts.get("location") or facts.get("link") or "")
    until = str(facts.get("until") or "")
    if until:
        try:
            last = datetime.fromisoformat(until)
            values["until"] = f"{last.day} {last:%B %Y}"
        except ValueError:
            values["until"] = ""
    return values


def render_followups(due: list[Due], sender: Sender, template: str | Path = TEMPLATE,
                     sent_date: datetime | None = None, *, secret: bytes = b"",
                     locale: str = "en", templates: Path | None = None,
                     booking_link: str = "") -> tuple[Batch, dict[str, Due]]:
    """The batch of follow-ups (``outreach.mail.render``: e-mails, and LinkedIn notes for
    people told by note) and, by Message-ID, whom each is for. The built-in template is
    ``followup.email.j2`` for the first nudge, ``followup-last.email.j2`` after."""
    from outreach.mail.render import merge_batches

    batches, by_id = [], {}
    builtin = str(template) == TEMPLATE
    for step in sorted({item.number > 1 for item in due}):
        chosen = LAST_TEMPLATE if builtin and step else template
        items = [item for item in due if (item.number > 1) == step]
        batch, ids = _render(items, sender, chosen, sent_date, secret, (locale, templates),
                            booking_link)
        batches.append(batch)
        by_id.update(ids)
    return merge_batches(batches), by_id


def _render(due: list[Due], sender: Sender, template: str | Path,
            sent_date: datetime | None, secret: bytes,
            language: tuple[str, Path | None] = ("en", None), booking_link: str = "",
            ) -> tuple[Batch, dict[str, Due]]:
    from outreach.mail.render import RenderOptions, render_messages

    domain = (valid_address(sender.email) or "").rpartition("@")[2] or "outreach.invalid"
    people, ids, threads, values, by_id = [], {}, {}, {}, {}
    for item in due:
        person = replace(item.person)
        mid = message_id(secret, domain, "followup", item.original_id or item.key, item.number)
        ids[person.key] = mid
        if item.original_id:
            threads[person.key] = (item.original_id,)
        values[person.key] = {"original_subject": original_subject(item.subject),
                              "invited_on": item.invited_on.isoformat(),
                              "followup_number": item.number,
                              "invitation": invitation_values(item.series, item.facts,
                                                              language[0])}
        people.append(person)
        by_id[mid] = item
    name = Path(template).name
    linkedin = name.replace(".email.j2", ".linkedin.j2") if name.endswith(".email.j2") \
        else "followup.linkedin.j2"
    from outreach.mail.render import linkedin_template_for

    options = RenderOptions(message_ids=ids, replying_to=threads, values=values,
                            sent_date=sent_date, locale=language[0], templates=language[1],
                            booking_link=booking_link,
                            linkedin_template=linkedin if name.startswith("followup")
                            else linkedin_template_for(str(template)))
    return render_messages(people, sender, template, None, options), by_id
