"""The main job: one LinkedIn export in, everything a peer-network plan needs out.

ingest → peers → rotation and forum schedule → thank-you cards for the people met and not yet
thanked → calendar invites → the message plan (``plan.plan_messages``: who gets an invitation,
an update, a cancellation or nothing, from what the ledger says was sent) → those e-mails with
their calendar parts (+ LinkedIn notes for peers without an address) → ``report.html``. The
cards come early so that their PNG preview renders (in ``pdftoppm``, on the other core) while
the invites and e-mails are built. Orchestration only: each step is a stage's public function.

Who gets what: ``rotation_size`` peers form the 1:1 rotation (spread across companies; a peer
keeps their place across reruns); the best others are invited to the forum (members stay
members), so nobody receives two invitations in one run. Every file is written only if its
bytes changed, and invites keep their UID, SEQUENCE and DTSTAMP in the ledger, so a rerun with
the same inputs rewrites nothing and never issues a second invitation for the same meeting.
"""

from __future__ import annotations

import calendar as monthcal
import tempfile
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from outreach import fileio
from outreach.config import local_zone
from outreach.errors import OutreachError
from outreach.model import Invite, Meeting, Person, Sender, merged_sender
from outreach.peers import PeerQuery, Selection
from outreach.plan import (
    Intended,
    MessageDecision,
    every_text,
    plan_messages,
    series_facts,
    series_values,
)
from outreach.wording import plural

if TYPE_CHECKING:
    from outreach.cards.preview import PreviewJob
    from outreach.ledger import Ledger, PlannedMessage
    from outreach.mail.render import Batch, Message
    from outreach.mail.threads import SeriesMail
    from outreach.plan import Forum, Rotation
    from outreach.report import MessageRow

STAGES = ("peers", "schedule", "cards", "calendar", "emails", "report")


@dataclass(frozen=True)
class CampaignOptions:
    """Everything ``outreach campaign`` can be told; defaults are the seeds' rhythm."""

    out: Path = Path("out")
    query: PeerQuery = field(default_factory=PeerQuery)
    sender: Sender | None = None
    start: datetime | None = None  # aware; None → next Tuesday 08:00 in ``tz``
    tz: str = field(default_factory=local_zone)  # outreach.toml's, else the computer's
    duration: timedelta = timedelta(minutes=45)
    location: str = ""
    link: str = ""
    remind: timedelta | None = timedelta(minutes=15)
    rotation_size: int = 5
    rotation_every: timedelta = timedelta(weeks=1)
    rotation_months: int = 6
    forum_size: int = 15
    forum_every: str = "month"
    forum_months: int = 12
    forum_start: datetime | None = None  # aware; None → ``forum_start(start)``
    forum_duration: timedelta = timedelta(minutes=90)
    card_size: str = "a2"
    card_sheet: str = "letter"
    card_ink: str = "blue"
    card_font: str | None = None
    card_seed: int = 0
    preview: bool = True
    ledger: Path | None = None
    today: date | None = None


@dataclass(frozen=True)
class Output:
    """One file the campaign produced: where, what, and whether this run changed it."""

    path: Path
    what: str
    changed: bool


@dataclass
class CampaignResult:
    selection: Selection | None = None
    rotation_peers: list[Person] = field(default_factory=list)
    forum_peers: list[Person] = field(default_factory=list)
    meetings: int = 0
    emails: int = 0
    linkedin_notes: int = 0
    forum_emails: int = 0
    forum_notes: int = 0
    cards: int = 0
    kinds: Counter[str] = field(default_factory=Counter)  # invitation, update, cancellation,
    outputs: list[Output] = field(default_factory=list)  # unchanged, withdrawn
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    decisions: list[MessageDecision] = field(default_factory=list)
    messages: list[MessageRow] = field(default_factory=list)  # for the report

    def add(self, path: Path, what: str, changed: bool) -> None:
        self.outputs.append(Output(path, what, changed))

    def count(self, decision: MessageDecision) -> None:
        """Count one decision (e-mails are the decisions that wrote a message)."""
        self.kinds[decision.kind] += 1
        if decision.kind in ("invitation", "update", "cancellation"):
            self.emails += 1
            self.forum_emails += int(decision.series == "forum")


def next_slot(today: date, tz: str, weekday: int = 1, hour: int = 8) -> datetime:
    """The next ``weekday`` (Tuesday) at ``hour``:00 after ``today``, in ``tz``."""
    from outreach.times import parse_zone

    ahead = (weekday - today.weekday() - 1) % 7 + 1
    day = today + timedelta(days=ahead)
    return datetime(day.year, day.month, day.day, hour, tzinfo=parse_zone(tz))


def forum_start(start: datetime) -> datetime:
    """The forum's first session: in the month after ``start``, at the same time, on the first
    weekday two days off the rotation's (Tuesday coffees → first Thursday), so a forum never
    lands on a rotation meeting."""
    weekday = start.weekday() + 2 if start.weekday() + 2 <= 4 else start.weekday() - 2
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    first = next(week[weekday] for week in monthcal.monthcalendar(year, month) if week[weekday])
    return start.replace(year=year, month=month, day=first)


def run_campaign(
    export: Path,
    options: CampaignOptions = CampaignOptions(),
    on_stage: Callable[[str], None] | None = None,
) -> CampaignResult:
    """Run every stage; raise ``OutreachError`` before writing anything if the input is bad."""
    from outreach.ledger import Ledger
    from outreach.peers import load_people

    stage = on_stage or (lambda name: None)
    result = CampaignResult()
    stage("peers")
    selection = load_people(export, options.query)
    result.selection = selection
    sender = _sender(selection, options.sender)
    start = options.start or next_slot(options.today or date.today(), options.tz)
    with Ledger.open(options.ledger) as ledger:
        ledger.remember_people(selection.people)
        _write_peers(selection, options.out, result)
        stage("schedule")
        prior = ledger.planned_messages()
        rotation, forum = _plan(selection.people, start, options, result,
                                ledger.rotation_positions(), _forum_members(prior))
        stage("cards")
        preview = _cards(ledger, sender, options, result)
        try:
            stage("calendar")
            calendar = _calendar(rotation, forum, sender, options, ledger)
            stage("emails")
            decisions, batch = _emails(rotation, forum, sender, calendar, prior, ledger,
                                       options, result)
            _write_calendar(calendar, forum, decisions, prior, options, result)
            _write_emails(batch, decisions, prior, ledger, options.out, result)
            ledger.save_rotation_positions(rotation.places)
            stage("report")
            _report(selection, rotation, forum, options, result)
        except BaseException:
            if preview is not None:
                preview.cancel()
            raise
    if preview is not None:
        preview.finish()  # pdftoppm ran on the other core while the stages above did
    return result


def _sender(selection: Selection, override: Sender | None) -> Sender:
    """As ``outreach emails`` speaks: --from over the export, and the title and company the
    peers were found for (the e-mails must not claim the export's title after --title)."""
    given = override or Sender()
    return merged_sender(selection.sender, name=given.name, email=given.email,
                         title=given.title or selection.title,
                         company=given.company or selection.company)


def _write_peers(selection: Selection, out: Path, result: CampaignResult) -> None:
    from outreach.ingest import frame_to_csv

    path = out / "peers.csv"
    changed = fileio.write_if_changed(path, frame_to_csv(selection.frame).encode("utf-8"))
    result.add(path, f"{plural(len(selection.people), 'peer')} and why they match", changed)
    result.notes += selection.notes


def _forum_members(prior: list[PlannedMessage]) -> set[str]:
    """Who holds a forum invitation from an earlier run (and has not been cancelled)."""
    latest = {r.person_key: r for r in prior if r.series == "forum"}
    return {key for key, row in latest.items()
            if row.state == "current" and row.kind != "cancellation"}


def _plan(people: list[Person], start: datetime, options: CampaignOptions,
          result: CampaignResult, places: Mapping[str, int], forum_members: set[str],
          ) -> tuple[Rotation, Forum | None]:
    """The rotation, then the forum from the rest. Both stay stable across reruns: rotation
    peers keep their places, a freed place goes to the best peer not already invited to the
    forum, and forum members stay members (so one change sends one message, not three)."""
    from outreach.peers import spread_across_companies
    from outreach.plan import plan_forum, plan_rotation

    if not people:
        raise OutreachError("campaign: no peers found; widen the search with --levels or "
                            "--functions, or check --title")
    spread = spread_across_companies(people)  # one company per place while others remain
    by_preference = ([p for p in spread if p.key not in forum_members]
                     + [p for p in spread if p.key in forum_members])
    rotation = plan_rotation(by_preference, start, options.rotation_size,
                             options.rotation_every, options.rotation_months, places=places)
    result.rotation_peers = rotation.peers
    chosen = {p.key for p in rotation.peers}
    rest = [p for p in spread if p.key not in chosen]
    keep = {p.key for p in rest if p.key in forum_members}
    others = [p.key for p in rest if p.key not in keep]
    keep.update(others[:max(0, options.forum_size - len(keep))])
    rest = [p for p in rest if p.key in keep]  # members and the best others, in rank order
    forum = None
    if len(rest) >= 2 and options.forum_size >= 2:
        first = options.forum_start or forum_start(start)
        forum = plan_forum(rest, first, options.forum_every, options.forum_months,
                           options.forum_size)
        result.forum_peers = list(forum.peers)
    else:
        result.notes.append("no forum: fewer than two peers beyond the rotation")
    result.meetings = len(rotation.schedule()) + (len(forum.starts) if forum else 0)
    return rotation, forum


@dataclass
class _Calendar:
    """The calendar stage's output before it is written (the message plan may still withdraw
    or cancel): files by name, each person's invite by key, and their .ics file names."""

    files: dict[str, bytes]
    invites: dict[str, Invite]
    names: dict[str, str]


def _calendar(rotation: Rotation, forum: Forum | None, sender: Sender, options: CampaignOptions,
              ledger: Ledger) -> _Calendar:
    """Build calendar/*.ics. Who left is cancelled from what they were sent (``_cancels``),
    not from the ledger's meetings, so a rerun before sending writes the same cancellation."""
    from outreach.ical.series import FORUM_FILE, forum_invite, rotation_output

    built = rotation_output(rotation, sender, duration=options.duration,
                            location=options.location, link=options.link, ledger=ledger,
                            remind=options.remind, cancel_leavers=False)
    invites = dict(built.invites)
    if forum is not None:
        invite = forum_invite(forum, sender, duration=options.forum_duration,
                              location=options.location, link=options.link, ledger=ledger,
                              remind=options.remind)
        built.files[FORUM_FILE] = invite.ics
        invites.update({p.key: invite for p in forum.peers})
    return _Calendar(built.files, invites, dict(built.names))


def _cancels(decisions: list[MessageDecision], people: Mapping[str, Person], sender: Sender,
             calendar: _Calendar, ledger: Ledger) -> dict[str, Invite]:
    """METHOD:CANCEL for each cancellation, as last sent; rotation ones also go in calendar/."""
    from outreach.ical.series import series_cancel
    from outreach.times import parse_zone

    cancels = {}
    for decision in decisions:
        if decision.kind != "cancellation" or not decision.uid:
            continue
        facts, person = decision.sent_facts, people[decision.person_key]
        start = datetime.fromisoformat(str(facts["start"]))
        meeting = Meeting(start.astimezone(parse_zone(str(facts.get("tz") or "UTC"))),
                          timedelta(minutes=int(facts["minutes"])), str(facts["location"]),
                          str(facts["link"]))
        invite = series_cancel(decision.uid, decision.series, person, sender, meeting, ledger)
        cancels[decision.person_key] = invite
        if decision.series == "rotation":
            name = str(facts.get("ics") or f"{person.slug}.ics")
            calendar.files[name], calendar.names[decision.person_key] = invite.ics, name
    return cancels


def _write_calendar(calendar: _Calendar, forum: Forum | None, decisions: list[MessageDecision],
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
    invited = sum(1 for p in forum.peers if p.address) if forum else 0
    if not invited:
        return "the forum series, for your own calendar (no forum peer has an address)"
    return f"the forum series, {plural(invited, 'peer')} invited"


def _intended(rotation: Rotation, forum: Forum | None, calendar: _Calendar, sender: Sender,
              options: CampaignOptions) -> tuple[list[Intended], dict[str, SeriesMail]]:
    """What each planned person should hold now, and how each series is written."""
    from outreach.ical.events import uid_for
    from outreach.ical.series import forum_uid
    from outreach.mail.threads import SeriesMail

    intended, meetings, values = [], {}, {}
    for series in rotation.series:
        key, held = series.peer.key, series.held
        every = every_text(series.interval_days)
        facts = series_facts(series.first, every, len(held), held[-1], options.duration,
                             options.location, options.link)
        invite = calendar.invites.get(key)
        facts["ics"] = calendar.names.get(key, "")
        intended.append(Intended(series.peer, "rotation", uid_for(sender, series.peer, "rotation"),
                                 invite.sequence if invite else 0, facts))
        meetings[key] = Meeting(series.first, options.duration, options.location, options.link)
        values[key] = {"series": series_values("rotation", every, held)}
    rotation_mail = SeriesMail("invite.email.j2", "invite.linkedin.j2", meetings,
                               calendar.invites, values)
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
            forum_values[peer.key] = {"series": series_values("forum", forum.rule_text,
                                                              forum.starts)}
    forum_mail = SeriesMail("forum.email.j2", "forum.linkedin.j2", forum_meetings,
                            calendar.invites, forum_values)
    return intended, {"rotation": rotation_mail, "forum": forum_mail}


def _emails(rotation: Rotation, forum: Forum | None, sender: Sender, calendar: _Calendar,
            prior: list[PlannedMessage], ledger: Ledger, options: CampaignOptions,
            result: CampaignResult) -> tuple[list[MessageDecision], Batch]:
    """Decide each person's message from what was already sent (``plan.plan_messages``),
    render them (``mail.threads``) and check them; nothing is written here."""
    from outreach.mail.render import RenderOptions
    from outreach.mail.threads import render_decisions

    intended, series_mail = _intended(rotation, forum, calendar, sender, options)
    sent = ledger.sent_message_ids([r.message_id for r in prior])
    decisions = plan_messages(intended, prior, sent, sender.email.lower(), sender.domain,
                              ("rotation", "forum"))
    people = {i.person.key: i.person for i in intended}
    for decision in decisions:
        if decision.person_key not in people:
            people[decision.person_key] = ledger.person(decision.person_key) or Person("", "")
    cancels = _cancels(decisions, people, sender, calendar, ledger)
    series_mail = {name: replace(mail, invites={**mail.invites, **cancels})
                   for name, mail in series_mail.items()}
    stamps = [i.stamp for i in calendar.invites.values() if i.stamp is not None]
    base = RenderOptions(invite=True, sent_date=max(stamps, default=None), today=options.today)
    batch = render_decisions(decisions, people, sender, series_mail, base)
    if batch.problems:
        raise OutreachError("campaign: e-mails not written: " + "; ".join(batch.problems))
    result.decisions = decisions
    result.messages = [_message_row(d, people[d.person_key]) for d in decisions]
    return decisions, batch


def _write_emails(batch: Batch, decisions: list[MessageDecision], prior: list[PlannedMessage],
                  ledger: Ledger, out: Path, result: CampaignResult) -> None:
    """Write the e-mails through the e-mail stage's writer, remove the files of messages the
    plan retired, and record the plan in the ledger (what each message says, to whom)."""
    from outreach.mail.batch import LINKEDIN_CSV, write_batch
    from outreach.mail.render import describe

    folder, mbox, notes = out / "emails", out / "outbox.mbox", out / LINKEDIN_CSV
    by_id = {r.message_id: r for r in prior}
    batch.messages = [_keep_user_edits(m, by_id.get(m.message_id), folder)
                      for m in batch.messages]
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
    result.linkedin_notes = len(batch.notes)
    forum_keys = {p.key for p in result.forum_peers}
    result.forum_notes = sum(n.person.key in forum_keys for n in batch.notes)
    for decision in decisions:
        if decision.kind in ("unchanged", "withdrawn"):
            result.count(decision)
    written = {m.filename for m in batch.messages}
    kept = {Path(by_id[mid].path).name for mid in ledger.sent_message_ids(list(by_id))}
    retired = {mid for d in decisions for mid in d.retired}
    for mid in retired:
        name = Path(by_id[mid].path).name if mid in by_id else ""
        if name and name not in written:
            fileio.remove_if_present(folder / name)
    result.warnings += [f"{describe(s.index, s.person)}: {s.reason}" for s in batch.skipped]
    result.warnings += [f"{path}: not in this plan; delete it before outreach send"
                        for path in summary.stale if path.exists() and path.name not in kept]
    ledger.save_plan(_plan_rows(batch, decided, folder, out),
                     {mid: "withdrawn" if d.kind == "withdrawn" else "superseded"
                      for d in decisions for mid in d.retired})


def _keep_user_edits(message: Message, planned: PlannedMessage | None, folder: Path) -> Message:
    """A message the plan would write exactly as last time keeps the file on disk, which the
    user may have edited by hand (the review step): the plan knows it by Message-ID."""
    path = folder / message.filename
    if planned is None or planned.fingerprint != message.fingerprint or not path.is_file():
        return message
    return replace(message, data=path.read_bytes())


def _plan_rows(batch: Batch, decided: Mapping[tuple[str, str], MessageDecision],
               folder: Path, out: Path) -> list[PlannedMessage]:
    from outreach.ledger import PlannedMessage

    rows = []
    for message in batch.messages:
        decision = decided[(message.person.key, message.message_id)]
        want = decision.intended
        rows.append(PlannedMessage(
            message.message_id, message.person.key, decision.series, decision.kind,
            decision.references[0] if decision.references else message.message_id,
            uid=want.uid if want else decision.uid,
            sequence=want.sequence if want else 0, subject=message.subject,
            facts=dict(want.facts) if want else {}, fingerprint=message.fingerprint,
            path=str((folder / message.filename).relative_to(out))))
    return rows


def _message_row(decision: MessageDecision, person: Person) -> MessageRow:
    """What the report says of one decision, in the user's words."""
    from outreach.report import MessageRow

    kind, series = decision.kind, decision.series
    what = {"invitation": "invitation" if person.address else "LinkedIn note",
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
    if decision.kind == "cancellation":
        return f"cancellation for {name} (left the {decision.series})"
    return f"{decision.series} invitation to {name}"


def _cards(ledger: Ledger, sender: Sender, options: CampaignOptions,
           result: CampaignResult) -> PreviewJob | None:
    """Write cards.pdf for the people met and not thanked yet (``outreach log met``), record
    them as thanked once it is written, and start rendering cards.png (the caller finishes
    it) if it changed. Nobody met: no cards (a cards.pdf of an earlier run is left alone)."""
    import shutil

    from outreach.cards.layout import CardOptions, write_cards
    from outreach.cards.preview import start_preview
    from outreach.cards.thanks import REMINDER, met_by_person, thanked_note

    pdf = options.out / "cards.pdf"
    due = ledger.thanks_due()
    if not due:
        earlier = f"; {pdf} is from an earlier run" if pdf.exists() else ""
        result.notes.append("no new thank-you cards: nobody you met is waiting for one "
                            f"({REMINDER}){earlier}")
        return None
    card_options = CardOptions(size=options.card_size, sheet=options.card_sheet,
                               ink=options.card_ink, font=options.card_font,
                               seed=options.card_seed, today=options.today,
                               met=met_by_person(due, options.location))
    folder = fileio.ensure_folder(options.out)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".cards-") as tmp:
        staged = Path(tmp) / "cards.pdf"
        cards = write_cards([d.person for d in due], sender, staged, card_options)
        changed = fileio.write_if_changed(pdf, staged.read_bytes())
    ledger.mark_thanked([d.key for d in due], options.today or date.today(), thanked_note([pdf]))
    result.cards = cards.cards
    result.warnings += cards.warnings
    names = ", ".join(d.person.full_name or d.key for d in due[:3])
    names += f" and {plural(len(due) - 3, 'other')}" if len(due) > 3 else ""
    result.add(pdf, f"{plural(cards.cards, 'thank-you card')} for {names} (met, not thanked "
               "yet): ready to print, now recorded as thanked", changed)
    if options.preview and shutil.which("pdftoppm"):
        png = options.out / "cards.png"
        redo = changed or not png.exists()
        result.add(png, "preview of the first sheet", redo)
        return start_preview(pdf, png) if redo else None
    if options.preview:
        result.notes.append("no cards.png preview: pdftoppm (poppler-utils) is not installed")
    return None


def _report(selection: Selection, rotation: Rotation, forum: Forum | None,
            options: CampaignOptions, result: CampaignResult) -> None:
    from outreach.report import FileLink, ReportData, Slot, render_report

    slots = [Slot(s.start, s.peer.full_name) for s in rotation.slots if not s.skipped]
    if forum is not None:
        slots += [Slot(start, "Peer forum", "forum") for start in forum.starts]
    path = options.out / "report.html"
    files = [FileLink(str(o.path.relative_to(options.out)), o.what) for o in result.outputs]
    target = selection.target
    data = ReportData(
        owner=selection.sender.name, title=selection.title,
        function=target.function if target else "", level=target.level if target else "",
        peers=selection.people, slots=slots, files=files, notes=result.notes,
        rotation_peers=[p.full_name for p in result.rotation_peers],
        forum_peers=[p.full_name for p in result.forum_peers], messages=result.messages,
    )
    changed = fileio.write_if_changed(path, render_report(data).encode("utf-8"))
    result.add(path, "this plan as one page: open it in a browser", changed)
