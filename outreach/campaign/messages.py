"""The campaign's calendar and e-mail steps: build the invites, decide each person's message
from what was already sent (``plan.plan_messages``), render them (``mail.threads``), write them
through the e-mail stage's writer and record the plan in the ledger."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from outreach import fileio, i18n
from outreach.errors import OutreachError
from outreach.model import Invite, Meeting, Person, Sender
from outreach.plan import (
    Intended,
    MessageDecision,
    every_text,
    group_values,
    plan_messages,
    series_facts,
    series_values,
)
from outreach.wording import plural

if TYPE_CHECKING:
    from outreach.ledger import Ledger, PlannedMessage
    from outreach.mail.render import Batch, Message
    from outreach.mail.threads import SeriesMail
    from outreach.plan import Forum, Rotation
    from outreach.report import MessageRow
from outreach.campaign.declines import without_cancellations
from outreach.campaign.options import CampaignOptions, CampaignResult
from outreach.campaign.renew import CLOSING_TEMPLATE, is_closing


@dataclass
class Calendar:
    """The calendar stage's output before it is written (the message plan may still withdraw
    or cancel): files by name, each person's invite by key (a forum peer's is their own
    copy), their .ics file names, the cancellation of each series whose peer left (by UID)
    and the forum's shape (what a forum cancellation repeats)."""

    files: dict[str, bytes]
    invites: dict[str, Invite]
    names: dict[str, str]
    cancels: dict[str, Invite] = field(default_factory=dict)
    forum_shape: dict[str, Any] | None = None


def build_calendar(rotation: Rotation, forum: Forum | None, sender: Sender,
                   options: CampaignOptions, ledger: Ledger) -> Calendar:
    """Build calendar/*.ics: the rotation (a series whose peer left stays in rotation.ics as
    cancelled) and the forum (forum.ics with everyone; each peer's e-mail gets their own
    copy). With no forum any more, forum.ics keeps the last one as cancelled."""
    from outreach.ical.series import (
        FORUM_FILE,
        forum_cancelled,
        forum_output,
        rotation_output,
        stored_forum_shape,
    )

    built = rotation_output(rotation, sender, duration=options.duration,
                            location=options.location, link=options.link, ledger=ledger,
                            remind=options.remind, cancel_leavers=False, now=options.now,
                            locale=options.locale, templates=options.templates)
    calendar = Calendar(built.files, dict(built.invites), dict(built.names),
                        dict(built.cancels))
    if forum is not None:
        made = forum_output(forum, sender, duration=options.forum_duration,
                            location=options.location, link=options.link, ledger=ledger,
                            remind=options.remind, locale=options.locale,
                            templates=options.templates)
        calendar.files[FORUM_FILE] = made.organiser.ics
        calendar.invites.update(made.copies)
        calendar.forum_shape = made.shape
    else:
        calendar.forum_shape = stored_forum_shape(sender, ledger)
        gone = forum_cancelled(sender, ledger)
        if gone is not None:
            calendar.files[FORUM_FILE] = gone.ics
    return calendar


def _cancels(decisions: list[MessageDecision], people: Mapping[str, Person], sender: Sender,
             calendar: Calendar, ledger: Ledger) -> dict[str, Invite]:
    """METHOD:CANCEL for each cancellation, in the shape of the series it cancels (its
    RRULE and EXDATEs): a rotation one is the one ``rotation.ics`` holds as cancelled, and
    also goes in calendar/."""
    from outreach.ical.series import series_cancel
    from outreach.times import parse_zone

    cancels = {}
    for decision in decisions:
        if decision.kind != "cancellation" or not decision.uid:
            continue
        facts, person = decision.sent_facts, people[decision.person_key]
        invite = calendar.cancels.get(decision.uid) if decision.series == "rotation" else None
        if invite is None:
            start = datetime.fromisoformat(str(facts["start"]))
            meeting = Meeting(start.astimezone(parse_zone(str(facts.get("tz") or "UTC"))),
                              timedelta(minutes=int(facts["minutes"])),
                              str(facts["location"]), str(facts["link"]))
            shape = calendar.forum_shape if decision.series == "forum" else None
            invite = series_cancel(decision.uid, decision.series, person, sender, meeting,
                                   ledger, shape=shape)
        cancels[decision.person_key] = invite
        if decision.series == "rotation":
            name = str(facts.get("ics") or f"{person.slug}.ics")
            calendar.files[name], calendar.names[decision.person_key] = invite.ics, name
    return cancels


def write_calendar(calendar: Calendar, forum: Forum | None, decisions: list[MessageDecision],
                    prior: list[PlannedMessage], options: CampaignOptions,
                    result: CampaignResult) -> None:
    """Write calendar/*.ics; the invite file of someone who left before anything was sent
    goes (nothing needs cancelling)."""
    from outreach.ical.events import write_files
    from outreach.ical.series import FORUM_FILE, ROTATION_FILE

    folder = options.out / "calendar"
    withdrawn = {d.person_key for d in decisions if d.kind == "withdrawn"}
    for row in prior:
        name = row.facts.get("ics")
        if row.person_key in withdrawn and name and name not in calendar.files:
            fileio.remove_if_present(folder / str(name))
    cancelled = {calendar.names[d.person_key]: d for d in decisions
                 if d.kind == "cancellation" and d.series == "rotation"
                 and d.person_key in calendar.names}
    summary = write_files(calendar.files, folder)
    for name in calendar.files:
        what = ("every meeting, for your own calendar" if name == ROTATION_FILE else
                _forum_what(forum) if name == FORUM_FILE else
                "cancels a series (the peer left the rotation)" if name in cancelled else
                "one peer's rotation series")
        result.add(folder / name, what, name in summary.written)


def _forum_what(forum: Forum | None) -> str:
    """Only peers with a valid address can be attendees; the rest get a LinkedIn note."""
    if forum is None:
        return "the forum, cancelled (no forum in this plan), for your own calendar"
    invited = sum(1 for p in forum.peers if p.address) if forum else 0
    if not invited:
        return "the forum series, for your own calendar (no forum peer has an address)"
    return f"the forum series, {plural(invited, 'peer')} invited"


def _intended(rotation: Rotation, forum: Forum | None, calendar: Calendar, sender: Sender,
              options: CampaignOptions) -> tuple[list[Intended], dict[str, SeriesMail]]:
    """What each planned person should hold now, and how each series is written."""
    from outreach.ical.events import uid_for
    from outreach.ical.series import forum_uid
    from outreach.mail.threads import SeriesMail
    from outreach.peers import meeting_place

    intended, meetings, values = [], {}, {}
    for series in rotation.series:
        key, held = series.peer.key, series.held
        every = every_text(series.interval_days)
        place = meeting_place(series.peer, options.location, options.link)  # remote: video
        facts = series_facts(series.first, every, len(held), held[-1], options.duration, *place)
        invite = calendar.invites.get(key)
        facts["ics"] = calendar.names.get(key, "")
        intended.append(Intended(series.peer, "rotation", uid_for(sender, series.peer, "rotation"),
                                 invite.sequence if invite else 0, facts))
        meetings[key] = Meeting(series.first, options.duration, *place)
        said = i18n.every_text(series.interval_days, options.locale) if not \
            options.locale.startswith("en") else every
        values[key] = {"series": series_values("rotation", said, held, options.locale),
                       "renewal": options.renew,  # the next round, not a moved date
                       "booking_link": options.booking_link}
    rotation_mail = SeriesMail("invite.email.j2", "invite.linkedin.j2", meetings,
                               {} if options.booking_link else calendar.invites, values)
    forum_meetings, forum_values = {}, {}
    if forum is not None:
        facts = series_facts(forum.first, forum.rule_text, len(forum.starts), forum.starts[-1],
                             options.forum_duration, options.location, options.link)
        meeting = Meeting(forum.first, options.forum_duration, options.location, options.link)
        for peer in forum.peers:
            invite = calendar.invites.get(peer.key)
            intended.append(Intended(peer, "forum", forum_uid(sender),
                                     invite.sequence if invite else 0, facts))
            forum_meetings[peer.key] = meeting
            forum_values[peer.key] = {"series": series_values(
                "forum", forum.rule_in(options.locale), forum.starts, options.locale),
                                      "group": group_values(len(forum.peers))}
    forum_mail = SeriesMail("forum.email.j2", "forum.linkedin.j2", forum_meetings,
                            calendar.invites, forum_values)
    return intended, {"rotation": rotation_mail, "forum": forum_mail}


def decide_and_render(rotation: Rotation, forum: Forum | None, sender: Sender, calendar: Calendar,
            prior: list[PlannedMessage], ledger: Ledger, options: CampaignOptions,
            result: CampaignResult, bounced: set[str] | frozenset[str] = frozenset(),
            ) -> tuple[list[MessageDecision], Batch]:
    """Decide each person's message from what was already sent (``plan.plan_messages``),
    render them (``mail.threads``) and check them; nothing is written here. What was
    e-mailed to a ``bounced`` person never reached them: they are told again, by note."""
    from outreach.mail.render import RenderOptions
    from outreach.mail.threads import render_decisions

    intended, series_mail = _intended(rotation, forum, calendar, sender, options)
    prior = _received_elsewhere(intended, prior, ledger) + prior
    sent = ledger.sent_message_ids([r.message_id for r in prior if r.person_key not in bounced])
    decisions = without_cancellations(  # who declined said no already: no "I have to cancel"
        plan_messages(intended, prior, sent, sender.email.lower(), sender.domain,
                      ("rotation", "forum"), secret=ledger.message_id_secret(),
                      locale=options.locale),
        result.declines.series)
    decisions, closing_values = _as_closings(decisions, result, options)
    decisions = [_in_colleague_words(d, {i.person.key: i.person for i in intended})
                 for d in decisions]
    people = {i.person.key: i.person for i in intended}
    for decision in decisions:
        if decision.person_key not in people:
            people[decision.person_key] = ledger.person(decision.person_key) or Person("", "")
    cancels = _cancels(decisions, people, sender, calendar, ledger)
    series_mail = {name: replace(mail, invites={**mail.invites, **cancels},
                                 values={**mail.values, **closing_values.get(name, {})})
                   for name, mail in series_mail.items()}
    stamps = [i.stamp for i in calendar.invites.values() if i.stamp is not None]
    base = RenderOptions(invite=True, sent_date=max(stamps, default=None), today=options.today,
                         shorten_notes=True,  # one stranger's long company never stops the run
                         skip_problem_rows=True,  # nor their empty first name: skipped, named
                         locale=options.locale, templates=options.templates)
    batch = render_decisions(decisions, people, sender, series_mail, base)
    if batch.problems:
        raise OutreachError("campaign: e-mails not written: " + "; ".join(batch.problems))
    result.decisions = decisions
    result.noted = {e.person_key for e in ledger.person_events() if e.kind == "noted"}
    result.messages = [_message_row(d, people[d.person_key], d.person_key in result.noted)
                       for d in decisions]
    return decisions, batch


COLLEAGUE_TEMPLATE = "colleague.email.j2"


def _in_colleague_words(decision: MessageDecision, people: Mapping[str, Person],
                        ) -> MessageDecision:
    """An invitation to a colleague (``--include-own-company``: peers.csv's ``colleague``
    column) is written in a colleague's words: no "at other companies"."""
    person = people.get(decision.person_key)
    if decision.kind != "invitation" or person is None or not person.extra.get("colleague"):
        return decision
    return replace(decision, template=COLLEAGUE_TEMPLATE)


def _as_closings(decisions: list[MessageDecision], result: CampaignResult,
                 options: CampaignOptions,
                 ) -> tuple[list[MessageDecision], dict[str, dict[str, Any]]]:
    """The cancellations of people who get a closing note (``result.closing``) written with
    ``closing.email.j2``; a series whose last date has passed needs no calendar CANCEL (it
    would only wipe the meetings held from their calendar): its ``uid`` goes. Also the
    ``closing`` template values, per series and person key."""
    from outreach.campaign import campaign_today
    from outreach.wording import number_word

    today = campaign_today(options)
    out: list[MessageDecision] = []
    values: dict[str, dict[str, Any]] = {}
    for decision in decisions:
        why = result.closing.get(decision.person_key)
        if decision.kind != "cancellation" or why is None:
            out.append(decision)
            continue
        until = str(decision.sent_facts.get("until") or "")
        over = bool(until) and datetime.fromisoformat(until).date() < today
        out.append(replace(decision, template=CLOSING_TEMPLATE, uid="" if over else decision.uid))
        values.setdefault(decision.series, {})[decision.person_key] = {"closing": {
            "reason": why.reason, "met": why.met, "met_words": number_word(why.met),
            "ended": over}}
    return out, values


def _received_elsewhere(intended: list[Intended], prior: list[PlannedMessage],
                        ledger: Ledger) -> list[PlannedMessage]:
    """What planned people already received outside this plan (``outreach emails`` then
    ``send``), as the start of their thread: they get an update threaded to it, never a
    second cold invitation."""
    from outreach.ledger import PlannedMessage

    planned = {r.message_id for r in prior}
    by_address = {i.person.address.lower(): i for i in intended if i.person.address}
    return [PlannedMessage(d.message_id, by_address[d.recipient].person.key,
                           by_address[d.recipient].series, "invitation", d.message_id,
                           subject=d.subject)
            for d in ledger.sent_to(by_address) if d.message_id not in planned]


def write_emails(batch: Batch, decisions: list[MessageDecision], prior: list[PlannedMessage],
                  ledger: Ledger, out: Path, result: CampaignResult) -> None:
    """Write the e-mails through the e-mail stage's writer, remove the files of messages the
    plan retired, and record the plan in the ledger (what each message says, to whom)."""
    from outreach.mail.batch import LINKEDIN_CSV, write_batch
    from outreach.mail.results import describe_unnumbered

    folder, mbox, notes = out / "emails", out / "outbox.mbox", out / LINKEDIN_CSV
    by_id = {r.message_id: r for r in prior}
    kept_edits = [_keep_user_edits(m, by_id.get(m.message_id), folder) for m in batch.messages]
    batch.messages = [message for message, _replaced in kept_edits]
    result.warnings += [f"{folder / m.filename}: your edits were replaced, because the plan "
                        "for this message changed; edit the new text before sending"
                        for m, replaced in kept_edits if replaced]
    summary = write_batch(batch, folder, mbox, notes_csv=notes)
    decided = {(d.person_key, d.message_id): d for d in decisions}
    for message in batch.messages:
        decision = decided[(message.person.key, message.message_id)]
        result.add(folder / message.filename, _message_what(decision, message.person),
                   summary.changed[folder / message.filename])
        result.count(decision)
    result.add(mbox, "every message to send, in one mailbox file", summary.changed[mbox])
    if batch.notes:
        result.add(notes, "LinkedIn notes for peers without an e-mail address",
                   summary.changed[notes])
    result.untold = {s.person.key: s.reason for s in batch.skipped}
    result.untold.update({p.key: "no e-mail address and no profile URL"
                          for p in result.planned if not p.address and not p.url.strip()})
    result.linkedin_notes = len(result.told_by_note())
    result.forum_notes = len(result.told_by_note(result.forum_peers))
    for decision in decisions:
        if decision.kind == "withdrawn" and decision.person_key in result.noted:
            result.notes.append(_left_after_note(decision, ledger))
        elif decision.kind in ("unchanged", "withdrawn"):
            result.count(decision)
    written = {m.filename for m in batch.messages}
    kept = {Path(by_id[mid].path).name for mid in ledger.sent_message_ids(list(by_id))}
    retired = {mid for d in decisions for mid in d.retired}
    for mid in retired:  # files of ours only: an e-mail under emails/, never linkedin.csv
        path = by_id[mid].path if mid in by_id else ""
        if path.startswith("emails/") and Path(path).name not in written:
            fileio.remove_if_present(folder / Path(path).name)
    result.warnings += [f"{describe_unnumbered(s.person)}: {s.reason}"  # rendered one by one:
                        for s in batch.skipped]                       # no "#1" for each
    result.warnings += [f"{path}: not in this plan; delete it before outreach send"
                        for path in summary.stale if path.exists() and path.name not in kept]
    ledger.save_plan(_plan_rows(batch, decided, folder, out),
                     {mid: "withdrawn" if d.kind == "withdrawn" else "superseded"
                      for d in decisions for mid in d.retired})


def _keep_user_edits(message: Message, planned: PlannedMessage | None,
                     folder: Path) -> tuple[Message, bool]:
    """A message the plan would write exactly as last time keeps the file on disk, which the
    user may have edited by hand (the review step): the plan knows it by Message-ID. Also
    says whether an edited file is about to be replaced (the plan for it changed)."""
    path = folder / message.filename
    if planned is None or not path.is_file():
        return message, False
    on_disk = path.read_bytes()
    if planned.fingerprint == message.fingerprint:
        return replace(message, data=on_disk), False
    edited = planned.facts.get("sha") not in (None, _digest(on_disk))
    return message, edited


def _digest(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()[:32]


def _plan_rows(batch: Batch, decided: Mapping[tuple[str, str], MessageDecision],
               folder: Path, out: Path) -> list[PlannedMessage]:
    from outreach.ledger import PlannedMessage
    from outreach.mail.batch import LINKEDIN_CSV

    rows = []
    for message in batch.messages:
        decision = decided[(message.person.key, message.message_id)]
        want = decision.intended
        rows.append(PlannedMessage(
            message.message_id, message.person.key, decision.series, decision.kind,
            decision.references[0] if decision.references else message.message_id,
            uid=want.uid if want else decision.uid,
            sequence=want.sequence if want else 0, subject=message.subject,
            facts={**(want.facts if want else {}), "sha": _digest(message.data)},
            fingerprint=message.fingerprint,
            path=str((folder / message.filename).relative_to(out))))
    invitations = {d.person_key: d for d in decided.values() if d.kind == "invitation"}
    for note in batch.notes:  # recorded too: a LinkedIn-note peer is in the plan as well
        invitation = invitations.get(note.person.key)
        if invitation is None:
            continue
        want = invitation.intended
        rows.append(PlannedMessage(
            invitation.message_id, note.person.key, invitation.series, "invitation",
            invitation.message_id, uid=want.uid if want else "",
            sequence=want.sequence if want else 0, subject="LinkedIn note",
            facts=dict(want.facts) if want else {}, path=LINKEDIN_CSV))
    return rows


def _left_after_note(decision: MessageDecision, ledger: Ledger) -> str:
    """``Marcus Smith left the rotation after their LinkedIn note: …`` (a note cannot be
    withdrawn, and no cancellation goes by LinkedIn: the user tells them, if they like)."""
    person = ledger.person(decision.person_key)
    name = (person.full_name if person else "") or decision.person_key
    return (f"{name} left the {decision.series} after their LinkedIn note: nothing more is "
            "sent to them; tell them on LinkedIn, if you like")


def _message_row(decision: MessageDecision, person: Person, noted: bool = False) -> MessageRow:
    """What the report says of one decision, in the user's words (``noted``: they were told
    by a LinkedIn note the user logged as sent)."""
    from outreach.report import MessageRow

    kind, series = decision.kind, decision.series
    if kind == "withdrawn" and noted:
        return MessageRow(person.full_name or "(no name)", series, "nothing more to send",
                          f"left the {series} after their LinkedIn note; tell them there, "
                          "if you like")
    told = ("invitation" if person.address else "LinkedIn note" if person.url.strip()
            else "nothing: no e-mail address and no profile URL")
    if is_closing(decision):
        return MessageRow(person.full_name or "(no name)", series, "closing note",
                          f"leaves the {series}: a thank-you, not a cancellation")
    what = {"invitation": told,
            "update": "update", "cancellation": "cancellation",
            "unchanged": "nothing to send", "withdrawn": "nothing to send"}[kind]
    why = {
        "invitation": f"in the {series}, not sent yet (a rerun rewrites it with the plan)",
        "update": f"sent earlier; since then {decision.change}",
        "cancellation": f"sent earlier; no longer in the {series}",
        "unchanged": "already sent, and still what the plan says",
        "withdrawn": f"left the {series} before anything was sent; its files are gone",
    }[kind]
    return MessageRow(person.full_name or "(no name)", series, what, why)


def _message_what(decision: MessageDecision, person: Person) -> str:
    name = person.full_name
    if decision.kind == "update":
        return f"update for {name}: {decision.change}"
    if is_closing(decision):
        return f"closing note for {name} (leaves the {decision.series}, kindly)"
    if decision.kind == "cancellation":
        return f"cancellation for {name} (left the {decision.series})"
    return f"{decision.series} invitation to {name}"
