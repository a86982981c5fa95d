"""One life cycle per person: what each peer was told, what came back, and what is next.

``lives(ledger, today)`` derives every person's ``Life`` from the ledger's facts
(``Ledger.life_facts``): their ``PersonState`` (``model.PersonState``) and their ``NextStep``,
decided by ``next_step`` and nowhere else. ``followups``, ``status``, ``report.html`` and
``send`` all ask it, so they agree on who is silent, who answered and who left the plan.

The states, and the events that move a person (the latest wins, in this order of strength):

- ``opted_out``: ``log optout`` — nothing is ever written to them again;
- ``let_go``: ``log letgo`` — the plan with them ended gently: nothing is due, but nothing
  blocks inviting them again (a later ``met`` or message that reached them wins);
- ``expired``: met, but not since ``expire_after`` ago; ``thanked``: a card after the last
  ``met``; ``met``: ``log met`` (next: the thank-you card);
- ``cancelled``: every series they were in ends in a cancellation (sent or written), or
  they were told by LinkedIn note and the plan holds them no longer;
- ``accepted``/``declined``/``tentative`` (an RSVP), ``countered`` (a proposed new time),
  ``replied`` (a reply, or ``log replied``): whichever came last, after they were told;
- ``bounced``: their address bounced and no LinkedIn note was sent since;
- ``told_note`` / ``told_email``: the last thing that reached them was a LinkedIn note
  (``log noted``) or an e-mail (next: a follow-up once ``after`` has passed, ``max`` times);
- ``planned``: the plan holds a message for them that has not reached them yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from outreach.model import Channel, MessageKind, Person, PersonState, Series

if TYPE_CHECKING:
    from outreach.ledger import Ledger, LifeFacts, PlanEntry, Rsvp


@dataclass(frozen=True)
class Policy:
    """How long to wait: a follow-up ``followup_after`` after the last word (at most
    ``max_followups``); people not met since ``expire_before`` have gone quiet."""

    followup_after: timedelta = timedelta(days=7)
    after_text: str = "7d"
    max_followups: int = 1
    expire_before: date | None = None


@dataclass(frozen=True)
class Told:
    """A message that reached the person: by e-mail (``message_id`` set) or a LinkedIn note
    the user logged as sent."""

    kind: MessageKind
    channel: Channel
    on: date
    series: str = Series.COFFEE
    subject: str = ""
    message_id: str = ""
    thread: str = ""
    facts: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    """Something that came back: an RSVP (``detail``: accepted, declined, tentative), a
    proposed time (``countered``, ``detail``: the start proposed) or a reply (``detail``:
    its subject, or the ``log replied`` note)."""

    state: PersonState
    on: date
    detail: str = ""
    comment: str = ""


@dataclass(frozen=True)
class NextStep:
    """What to do next with a person: a message of ``kind`` by ``channel`` due on ``due``,
    or nothing to send (``kind`` None) with ``due`` the day something happens (a meeting);
    ``reason`` says why, in words."""

    kind: MessageKind | None
    due: date | None
    reason: str
    channel: Channel | None = None


@dataclass(frozen=True)
class Life:
    """One person's life cycle, derived from the ledger."""

    key: str
    person: Person
    state: PersonState
    told: tuple[Told, ...] = ()
    answers: tuple[Answer, ...] = ()
    rsvps: tuple[Rsvp, ...] = ()  # every latest PARTSTAT per UID and occurrence
    proposed: str = ""
    auto_replied: bool = False
    bounced: str = ""  # the address that bounced
    opted_out: date | None = None
    met_on: date | None = None
    thanked_on: date | None = None
    followups: int = 0  # follow-ups that reached them
    followups_written: int = 0
    plan: tuple[PlanEntry, ...] = ()  # the plan's messages for them, sent or current
    left_plan: bool = False  # the plan held them once and holds them no longer
    pending: tuple[PlanEntry, ...] = ()  # of those, the ones that have not reached them
    meetings: tuple[datetime, ...] = ()
    met_days: tuple[date, ...] = ()  # every ``log met``, oldest first
    meeting_series: tuple[str, ...] = ()  # the series of their planned meetings
    gave: int = 0  # ``log gave``: you helped them
    got: int = 0  # ``log got``: they helped you
    let_go: date | None = None  # the last ``log letgo``
    asked_to_stop: date | None = None  # a reply that asks not to be written to again
    next: NextStep = NextStep(None, None, "")

    @property
    def invitation(self) -> Told | None:
        """The first invitation that reached them (what follow-ups reply to)."""
        return next((t for t in self.told if t.kind in (MessageKind.INVITATION,
                                                         MessageKind.LINKEDIN_NOTE)), None)

    @property
    def last_told(self) -> Told | None:
        return self.told[-1] if self.told else None

    @property
    def notes_sent(self) -> tuple[date, ...]:
        return tuple(t.on for t in self.told if t.channel is Channel.LINKEDIN)

    @property
    def replied_on(self) -> date | None:
        return max((a.on for a in self.answers if a.state is PersonState.REPLIED), default=None)


ASKED_TO_STOP = "asked-to-stop"
"""The ``detail`` of a reply (``mail.inbox``) whose words ask not to be written to again."""


def quoted_name(person: Person) -> str:
    """The person's name as one shell argument for a command to copy: ``"Jane Doe"``, or
    single-quoted (``shlex.quote``) when the name holds anything a shell would expand
    inside double quotes (``$``, backquotes, ``\\``, ``!``, ``"``): a stranger's name never
    runs as a command."""
    import shlex

    name = person.full_name or person.url or person.email or person.key
    if any(c in name for c in '$`\\!"'):
        return shlex.quote(name)
    return f'"{name}"'


_ANSWERED = {PersonState.ACCEPTED, PersonState.DECLINED, PersonState.TENTATIVE,
             PersonState.COUNTERED, PersonState.REPLIED}


# ---------------------------------------------------------------- from the ledger


def lives(ledger: Ledger, today: date, policy: Policy | None = None) -> dict[str, Life]:
    """Every person the ledger has a life-cycle fact about, by key, in name order."""
    return lives_from(ledger.life_facts(), today, policy or Policy())


def lives_from(facts: LifeFacts, today: date, policy: Policy) -> dict[str, Life]:
    """As ``lives``, from facts already read."""
    gathered = _gather(facts)
    out: dict[str, Life] = {}
    for key in facts.people:  # only those with facts: each person is built when asked for
        parts = gathered.get(key)
        if parts is None:
            continue
        life = _life(key, facts.people[key], parts, facts)
        life = _with_state(life, policy)
        out[key] = _replace_next(life, next_step(life, today, policy))
    return out


@dataclass
class _Parts:
    told: list[Told] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    rsvps: list[Rsvp] = field(default_factory=list)
    plan: list[PlanEntry] = field(default_factory=list)
    followups: int = 0
    met: date | None = None
    thanked: date | None = None
    proposed: str = ""
    auto: bool = False
    bounced: str = ""
    bounced_on: date | None = None
    withdrawn: bool = False  # the plan held them once and holds them no longer
    meetings: list[datetime] = field(default_factory=list)
    met_days: list[date] = field(default_factory=list)
    meeting_series: set[str] = field(default_factory=set)
    gave: int = 0
    got: int = 0
    asked_to_stop: date | None = None


def _gather(facts: LifeFacts) -> dict[str, _Parts]:
    parts: dict[str, _Parts] = {}

    def of(key: str) -> _Parts:
        return parts.setdefault(key, _Parts())

    sent_ids = {m.message_id for m in facts.sent}
    invitations: dict[str, PlanEntry] = {}  # what a LinkedIn note invited them to
    for entry in facts.plan:
        if entry.kind == MessageKind.INVITATION:
            invitations.setdefault(entry.person_key, entry)
    sent_days = set()
    for m in facts.sent:
        if not m.person_key:
            continue
        sent_days.add((m.person_key, m.on))
        if m.kind == "followup":
            of(m.person_key).followups += 1
            kind = MessageKind.FOLLOWUP
        else:
            kind = MessageKind(m.kind)
        told = of(m.person_key).told
        if not any(t.message_id == m.message_id for t in told):
            told.append(Told(kind, Channel.EMAIL, m.on, m.series, m.subject, m.message_id,
                             m.thread, m.facts))
    for event in facts.events:
        p = of(event.person_key)
        if event.kind == "invited" and (event.person_key, event.on) not in sent_days:
            p.told.append(Told(MessageKind.INVITATION, Channel.EMAIL, event.on,
                               subject=event.note))  # a delivery older than its record
        elif event.kind == "noted":
            first = not any(t.channel is Channel.LINKEDIN for t in p.told)
            planned = invitations.get(event.person_key)
            p.told.append(Told(MessageKind.LINKEDIN_NOTE if first else MessageKind.FOLLOWUP,
                               Channel.LINKEDIN, event.on,
                               planned.series if planned else Series.COFFEE,
                               event.note or (planned.subject if planned else ""),
                               facts=planned.facts if planned else {}))
            p.followups += 0 if first else 1
        elif event.kind == "replied":
            p.answers.append(Answer(PersonState.REPLIED, event.on, event.note))
        elif event.kind == "met":
            p.met = max(p.met or event.on, event.on)
            p.met_days.append(event.on)
        elif event.kind == "thanked":
            p.thanked = max(p.thanked or event.on, event.on)
        elif event.kind == "gave":
            p.gave += 1
        elif event.kind == "got":
            p.got += 1
    for rsvp in facts.rsvps:
        p = of(rsvp.person_key)
        p.rsvps.append(rsvp)
        if not rsvp.recurrence_id:
            state = {"accepted": PersonState.ACCEPTED, "declined": PersonState.DECLINED,
                     "tentative": PersonState.TENTATIVE}.get(rsvp.partstat.lower())
            if state is not None:
                p.answers.append(Answer(state, rsvp.on, rsvp.partstat.lower(), rsvp.comment))
    for rec in facts.inbox:
        if not rec.person_key:
            continue
        p = of(rec.person_key)
        if rec.kind == "counter":
            p.proposed = rec.detail
            p.answers.append(Answer(PersonState.COUNTERED, rec.on, rec.detail))
        elif rec.kind == "auto-reply":
            p.auto = True
        elif rec.kind == "bounce":
            p.bounced, p.bounced_on = rec.detail or p.bounced, rec.on
        elif rec.kind == "reply" and rec.detail == ASKED_TO_STOP and not rec.doubt:
            p.asked_to_stop = max(p.asked_to_stop or rec.on, rec.on)
    for entry in facts.plan:
        if entry.state == "current" or entry.message_id in sent_ids:
            of(entry.person_key).plan.append(entry)
    current = {e.person_key for e in facts.plan if e.state == "current"}
    for entry in facts.plan:
        if entry.state == "withdrawn" and entry.person_key not in current:
            of(entry.person_key).withdrawn = True
    for meeting in facts.meetings:
        of(meeting.person_key).meetings.append(meeting.start)
        of(meeting.person_key).meeting_series.add(meeting.series)
    for key, person in facts.people.items() if facts.bad_addresses else ():
        address = person.email.strip().lower()
        if address and address in facts.bad_addresses:
            of(key).bounced = address
    for key in (*facts.do_not_contact, *facts.let_go):
        of(key)
    return parts


def _life(key: str, person: Person, parts: _Parts, facts: LifeFacts) -> Life:
    sent_ids = {t.message_id for t in parts.told if t.message_id}
    return Life(
        key=key, person=person, state=PersonState.PLANNED,
        told=tuple(sorted(parts.told, key=lambda t: t.on)),
        answers=tuple(sorted(parts.answers, key=lambda a: a.on)),
        rsvps=tuple(parts.rsvps), proposed=parts.proposed, auto_replied=parts.auto,
        bounced=parts.bounced, opted_out=facts.do_not_contact.get(key),
        met_on=parts.met, thanked_on=parts.thanked, followups=parts.followups,
        followups_written=facts.followups_written.get(key, 0), plan=tuple(parts.plan),
        left_plan=parts.withdrawn,
        pending=tuple(e for e in parts.plan if e.message_id not in sent_ids
                      and e.state == "current"),
        meetings=tuple(sorted(parts.meetings)), met_days=tuple(sorted(parts.met_days)),
        meeting_series=tuple(sorted(parts.meeting_series)),
        gave=parts.gave, got=parts.got, let_go=facts.let_go.get(key),
        asked_to_stop=parts.asked_to_stop,
    )


def _with_state(life: Life, policy: Policy) -> Life:
    return _replace(life, state=person_state(life, policy))


def person_state(life: Life, policy: Policy) -> PersonState:
    """The one state a person is in (see the module docs for the order)."""
    if life.opted_out is not None:
        return PersonState.OPTED_OUT
    if life.let_go is not None and _still_let_go(life):
        return PersonState.LET_GO
    if life.met_on is not None:
        if policy.expire_before is not None and life.met_on < policy.expire_before:
            return PersonState.EXPIRED
        if life.thanked_on is not None and life.thanked_on >= life.met_on:
            return PersonState.THANKED
        return PersonState.MET
    if _cancelled(life):
        return PersonState.CANCELLED
    first = life.told[0].on if life.told else None
    answers = [a for a in life.answers if first is None or a.on >= first
               or a.state is not PersonState.REPLIED]
    if answers:
        return max(answers, key=lambda a: (a.on, a.state is not PersonState.REPLIED)).state
    last = life.last_told
    if life.bounced and not (last and last.channel is Channel.LINKEDIN):
        return PersonState.BOUNCED
    if last is not None:
        return PersonState.TOLD_NOTE if last.channel is Channel.LINKEDIN else \
            PersonState.TOLD_EMAIL
    return PersonState.PLANNED


def _still_let_go(life: Life) -> bool:
    """Let go, and nothing since: no meeting, and no message that reached them after."""
    assert life.let_go is not None
    return not any(day > life.let_go for day in life.met_days) and not any(
        t.on > life.let_go for t in life.told)


def _cancelled(life: Life) -> bool:
    """Every series the plan holds them in ends in a cancellation (sent or written), or
    they were told by LinkedIn note and the plan no longer holds them (``--skip``): no
    e-mail cancellation exists for a note, but nothing more may be proposed to them."""
    if life.left_plan and any(t.channel is Channel.LINKEDIN for t in life.told):
        return not any(e.state == "current" for e in life.plan)
    last: dict[str, PlanEntry] = {}
    for entry in life.plan:  # the ledger's order: a thread's later messages come later
        last[entry.series] = entry
    return bool(last) and all(e.kind == MessageKind.CANCELLATION for e in last.values())


# ---------------------------------------------------------------- the next step


def next_step(life: Life, today: date, policy: Policy) -> NextStep:
    """What to do next with this person, when, and why: the one place that decides it."""
    state = life.state
    person = life.person
    if state is PersonState.OPTED_OUT:
        return NextStep(None, None, "none: do not contact")
    if state is PersonState.LET_GO:
        return NextStep(None, None, "none: let go (you may invite them again)")
    if state is PersonState.EXPIRED:
        return NextStep(None, None, "let go, or invite again")
    if state is PersonState.THANKED:
        return NextStep(None, None, "none: met and thanked")
    if state is PersonState.MET:
        return NextStep(MessageKind.CARD, life.met_on, "thank-you card "
                        "(outreach cards --pending)", Channel.CARD)
    if state is PersonState.CANCELLED:
        cancel = next((e for e in life.pending if e.kind == MessageKind.CANCELLATION), None)
        if cancel is not None:
            return NextStep(MessageKind.CANCELLATION, today, "send the cancellation "
                            "(outreach send)", Channel.EMAIL)
        if life.left_plan and not life.plan:
            return NextStep(None, None, "none: left the plan after their LinkedIn note "
                            "(tell them there, if you like)")
        return NextStep(None, None, "none: cancelled")
    if state in _ANSWERED:
        return _after_answer(life, today)
    if state is PersonState.BOUNCED:
        if person.url:
            return NextStep(MessageKind.LINKEDIN_NOTE, today, "the LinkedIn note, then "
                            "outreach log noted", Channel.LINKEDIN)
        return NextStep(None, None, "none: no address or profile left")
    if life.pending:
        first = life.pending[0]
        if person.address and not life.bounced:
            return NextStep(MessageKind(first.kind), today, f"send the {first.kind} "
                            "(outreach send)", Channel.EMAIL)
    if state is PersonState.PLANNED:
        if life.pending and person.url:
            return NextStep(MessageKind.LINKEDIN_NOTE, today, "the LinkedIn note, then "
                            "outreach log noted", Channel.LINKEDIN)
        return NextStep(None, None, "not told yet")
    return _followup(life, today, policy)


def _after_answer(life: Life, today: date) -> NextStep:
    state = life.state
    if state is PersonState.COUNTERED:
        return NextStep(None, today, "answer their proposed time")
    if state is PersonState.REPLIED:
        if life.asked_to_stop is not None:
            return NextStep(None, life.asked_to_stop, "they asked to stop: outreach log "
                            f"optout {quoted_name(life.person)} confirms it")
        return NextStep(None, life.replied_on, "answer their reply")
    if state is PersonState.DECLINED:
        return NextStep(None, None, "none: declined")
    coming = [m for m in life.meetings if m.date() >= today]
    if coming:
        return NextStep(None, coming[0].date(), "meet")
    return NextStep(None, None, "none: no meeting planned")


def _followup(life: Life, today: date, policy: Policy) -> NextStep:
    """A follow-up to the silent, by the channel that told them."""
    last = life.last_told
    invitation = life.invitation or last
    assert last is not None and invitation is not None  # told_*: something reached them
    channel = Channel.LINKEDIN if life.state is PersonState.TOLD_NOTE else Channel.EMAIL
    sent = life.followups
    if sent >= policy.max_followups:
        return NextStep(None, None, f"none: already followed up {sent}×")
    since = last.on if sent else invitation.on
    # at most one follow-up per person per interval, whatever max says: never two on a day
    wait = max(policy.followup_after, timedelta(days=1)) if sent else policy.followup_after
    due = since + wait
    if due > today:
        return NextStep(MessageKind.FOLLOWUP, due, "follow-up if still silent", channel)
    how = "LinkedIn note" if channel is Channel.LINKEDIN else "e-mail"
    return NextStep(MessageKind.FOLLOWUP, due, f"follow-up {sent + 1} by {how}",
                    channel)


def _replace(life: Life, **changes: Any) -> Life:
    from dataclasses import replace

    return replace(life, **changes)


def _replace_next(life: Life, step: NextStep) -> Life:
    return _replace(life, next=step)


# ---------------------------------------------------------------- questions commands ask


def silent(life: Life) -> bool:
    """Told, and nothing came back: no answer, bounce, cancellation, opt-out or meeting."""
    return life.state in (PersonState.TOLD_EMAIL, PersonState.TOLD_NOTE)


_WHY_NOT = {
    PersonState.PLANNED: "not told yet", PersonState.OPTED_OUT: "do not contact "
    "(outreach log optout)", PersonState.EXPIRED: "met", PersonState.THANKED: "met",
    PersonState.MET: "met", PersonState.CANCELLED: "cancelled: no longer in the plan",
    PersonState.ACCEPTED: "answered the invitation (RSVP): accepted",
    PersonState.DECLINED: "answered the invitation (RSVP): declined",
    PersonState.TENTATIVE: "answered the invitation (RSVP): tentative",
    PersonState.COUNTERED: "proposed another time", PersonState.REPLIED: "replied",
    PersonState.LET_GO: "let go (outreach log letgo)",
}


def why_no_followup(life: Life, policy: Policy) -> str:
    """Why this person gets no follow-up now, in words (``followups`` lists it)."""
    if life.state is PersonState.BOUNCED:
        return f"{life.bounced} bounced"
    if life.state in _WHY_NOT:
        return _WHY_NOT[life.state]
    if life.next.kind is MessageKind.FOLLOWUP and life.next.due is not None:
        last = life.last_told
        told = last.on.isoformat() if last else "?"
        return f"told {told}, less than {policy.after_text} ago"
    if life.followups >= policy.max_followups:
        return f"already followed up {life.followups}× (at most {policy.max_followups})"
    return life.next.reason


def may_still_send(life: Life | None, kind: MessageKind) -> str:
    """Why a message of ``kind`` must no longer go to this person ("" when it may): a
    follow-up only to the silent; nothing at all to someone opted out."""
    if life is None:
        return ""
    if life.state is PersonState.OPTED_OUT:
        return life.next.reason
    if kind is MessageKind.FOLLOWUP and life.asked_to_stop is not None:
        return "follow-up no longer due: they asked to stop"
    if kind is MessageKind.FOLLOWUP and not silent(life):
        return f"follow-up no longer due: {_WHY_NOT.get(life.state, life.state.value)}"
    return ""
