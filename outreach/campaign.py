"""The main job: one LinkedIn export in, everything a peer-network plan needs out.

ingest → peers → rotation and forum schedule → thank-you cards for the rotation → calendar
invites → invitation e-mails with those invites attached (+ LinkedIn notes for peers without
an address) → ``report.html``, remembering people and meetings in the ledger. The cards come
early so that their PNG preview renders (in ``pdftoppm``, on the other core) while the
invites and e-mails are built.

Who gets what: the best ``rotation_size`` peers form the 1:1 rotation; the next
``forum_size`` are invited to the forum, so nobody receives two invitations in one run.
Every file is written only if its bytes changed, and invites keep their UID, SEQUENCE and
DTSTAMP in the ledger, so a rerun with the same inputs rewrites nothing and never issues a
second invitation for the same meeting.
"""

from __future__ import annotations

import calendar as monthcal
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from outreach import fileio
from outreach.errors import OutreachError
from outreach.model import Invite, Meeting, Person, Sender
from outreach.peers import PeerQuery, Selection
from outreach.wording import plural

if TYPE_CHECKING:
    from outreach.cards.preview import PreviewJob
    from outreach.ledger import Ledger
    from outreach.mail.render import Batch
    from outreach.plan import Forum, Rotation

STAGES = ("peers", "schedule", "cards", "calendar", "emails", "report")


@dataclass(frozen=True)
class CampaignOptions:
    """Everything ``outreach campaign`` can be told; defaults are the seeds' rhythm."""

    out: Path = Path("out")
    query: PeerQuery = field(default_factory=PeerQuery)
    sender: Sender | None = None
    start: datetime | None = None  # aware; None → next Tuesday 08:00 in ``tz``
    tz: str = "UTC"
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
    cards: int = 0
    outputs: list[Output] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add(self, path: Path, what: str, changed: bool) -> None:
        self.outputs.append(Output(path, what, changed))


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
    sender = _sender(selection.sender, options.sender)
    start = options.start or next_slot(options.today or date.today(), options.tz)
    with Ledger.open(options.ledger) as ledger:
        ledger.remember_people(selection.people)
        _write_peers(selection, options.out, result)
        stage("schedule")
        rotation, forum = _plan(selection.people, start, options, result)
        stage("cards")
        preview = _cards(result.rotation_peers, sender, options, result)
        try:
            stage("calendar")
            invites = _calendar(rotation, forum, sender, options, ledger, result)
            stage("emails")
            _emails(rotation, forum, sender, invites, options, result)
            stage("report")
            _report(selection, rotation, forum, options, result)
        except BaseException:
            if preview is not None:
                preview.cancel()
            raise
    if preview is not None:
        preview.finish()  # pdftoppm ran on the other core while the stages above did
    return result


def _sender(found: Sender, override: Sender | None) -> Sender:
    if override is None:
        return found
    return Sender(override.name or found.name, override.email or found.email,
                  override.title or found.title, override.company or found.company)


def _write_peers(selection: Selection, out: Path, result: CampaignResult) -> None:
    from outreach.ingest import frame_to_csv

    path = out / "peers.csv"
    changed = fileio.write_if_changed(path, frame_to_csv(selection.frame).encode("utf-8"))
    result.add(path, f"{plural(len(selection.people), 'peer')} and why they match", changed)
    result.notes += selection.notes


def _plan(people: list[Person], start: datetime, options: CampaignOptions,
          result: CampaignResult) -> tuple[Rotation, Forum | None]:
    from outreach.plan import plan_forum, plan_rotation

    if not people:
        raise OutreachError("campaign: no peers found; widen the search with --levels or "
                            "--functions, or check --title")
    rotation = plan_rotation(people, start, options.rotation_size, options.rotation_every,
                             options.rotation_months)
    result.rotation_peers = rotation.peers
    rest = people[len(rotation.peers):]
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


def _calendar(rotation: Rotation, forum: Forum | None, sender: Sender,
              options: CampaignOptions, ledger: Ledger, result: CampaignResult
              ) -> dict[str, Invite]:
    """Write calendar/*.ics; return each invited person's invite by person key."""
    from outreach.ical.events import write_files
    from outreach.ical.series import FORUM_FILE, ROTATION_FILE, forum_invite, rotation_output

    built = rotation_output(rotation, sender, duration=options.duration,
                            location=options.location, link=options.link, ledger=ledger,
                            remind=options.remind)
    files = built.files
    left = {name: person for person, name in built.dropped}
    invites = dict(built.invites)
    if forum is not None:
        invite = forum_invite(forum, sender, duration=options.forum_duration,
                              location=options.location, link=options.link, ledger=ledger,
                              remind=options.remind)
        files[FORUM_FILE] = invite.ics
        invites.update({p.key: invite for p in forum.peers})
    folder = options.out / "calendar"
    summary = write_files(files, folder)
    for name in files:
        what = ("every meeting, for your own calendar" if name == ROTATION_FILE else
                _forum_what(forum) if name == FORUM_FILE else
                f"cancels {left[name].full_name}'s series (left the rotation): send it"
                if name in left else "one peer's rotation series")
        result.add(folder / name, what, name in summary.written)
    return invites


def _forum_what(forum: Forum | None) -> str:
    """Only peers with a valid address can be attendees; the rest get a LinkedIn note."""
    invited = sum(1 for p in forum.peers if p.address) if forum else 0
    if not invited:
        return "the forum series, for your own calendar (no forum peer has an address)"
    return f"the forum series, {plural(invited, 'peer')} invited"


def _emails(rotation: Rotation, forum: Forum | None, sender: Sender,
            invites: dict[str, Invite], options: CampaignOptions, result: CampaignResult) -> None:
    """Rotation peers get invite.email.j2 with their series; forum peers forum.email.j2.
    Written by the e-mail stage's writer, so its checks (outputs, stale files, an unchanged
    message keeping its date) hold here too."""
    from outreach.mail import render as emails

    stamps = [invite.stamp for invite in invites.values() if invite.stamp is not None]
    base = emails.RenderOptions(invite=True, sent_date=max(stamps, default=None),
                                today=options.today, invites=invites)
    batches = []
    for series in rotation.series:
        meeting = Meeting(series.first, options.duration, options.location, options.link)
        batches.append(emails.render_messages([series.peer], sender, "invite.email.j2",
                                              meeting, replace(base, series="rotation")))
    if forum is not None:
        meeting = Meeting(forum.first, options.forum_duration, options.location, options.link)
        batches.append(emails.render_messages(
            list(forum.peers), sender, "forum.email.j2", meeting,
            replace(base, series="forum", linkedin_template="forum.linkedin.j2")))
    batch = emails.merge_batches(batches)
    if batch.problems:
        raise OutreachError("campaign: e-mails not written: " + "; ".join(batch.problems))
    _write_emails(batch, options.out, result)


def _write_emails(batch: Batch, out: Path, result: CampaignResult) -> None:
    from outreach.mail.batch import LINKEDIN_CSV, write_batch
    from outreach.mail.render import describe

    folder, mbox, notes = out / "emails", out / "outbox.mbox", out / LINKEDIN_CSV
    summary = write_batch(batch, folder, mbox, notes_csv=notes)
    for message in batch.messages:
        path = folder / message.filename
        result.add(path, f"invitation to {message.person.full_name}", summary.changed[path])
    result.add(mbox, "every invitation in one mailbox file", summary.changed[mbox])
    if batch.notes:
        result.add(notes, "LinkedIn notes for peers without an e-mail address",
                   summary.changed[notes])
    result.emails, result.linkedin_notes = len(batch.messages), len(batch.notes)
    result.warnings += [f"{describe(s.index, s.person)}: {s.reason}" for s in batch.skipped]
    result.warnings += [f"{path}: not in this plan; delete it before outreach send"
                        for path in summary.stale]


def _cards(people: list[Person], sender: Sender, options: CampaignOptions,
           result: CampaignResult) -> PreviewJob | None:
    """Write cards.pdf; start rendering cards.png (the caller finishes it) if it changed."""
    import shutil

    from outreach.cards.layout import CardOptions, write_cards
    from outreach.cards.preview import start_preview

    if not people:
        return None
    card_options = CardOptions(size=options.card_size, sheet=options.card_sheet,
                               ink=options.card_ink, font=options.card_font,
                               seed=options.card_seed, today=options.today)
    pdf = options.out / "cards.pdf"
    folder = fileio.ensure_folder(options.out)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".cards-") as tmp:
        staged = Path(tmp) / "cards.pdf"
        cards = write_cards(people, sender, staged, card_options)
        changed = fileio.write_if_changed(pdf, staged.read_bytes())
    result.cards = cards.cards
    result.warnings += cards.warnings
    result.add(pdf, f"{plural(cards.cards, 'thank-you card')} for the rotation, ready to print",
               changed)
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
        forum_peers=[p.full_name for p in result.forum_peers],
    )
    changed = fileio.write_if_changed(path, render_report(data).encode("utf-8"))
    result.add(path, "this plan as one page: open it in a browser", changed)
