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
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from outreach import fileio
from outreach.bulk import paused_gc
from outreach.campaign.declines import decline_notes, declined, newcomers
from outreach.campaign.messages import (
    build_calendar,
    decide_and_render,
    write_calendar,
    write_emails,
)
from outreach.campaign.options import CampaignOptions, CampaignResult, Output
from outreach.campaign.renew import (
    closings,
    ended,
    latest_series,
    met_counts,
    trial_end,
    verdicts,
)
from outreach.errors import OutreachError
from outreach.model import Person, Sender, merged_sender
from outreach.peers import Selection
from outreach.times import today as times_today
from outreach.wording import plural

if TYPE_CHECKING:
    from outreach.cards.preview import PreviewJob
    from outreach.ledger import Ledger, PlannedMessage
    from outreach.peers import PeerQuery
    from outreach.plan import Forum, Rotation

__all__ = ["STAGES", "CampaignOptions", "CampaignResult", "Output", "campaign_today",
           "first_start",
           "forum_start", "run_campaign"]

STAGES = ("peers", "schedule", "calendar", "emails", "cards", "report")


def first_start(options: CampaignOptions) -> datetime:
    """The first meeting: ``options.start`` (refused if in the past), else the first usual
    slot at least ``options.slot.lead`` from now (``times.first_slot``)."""
    from outreach.times import check_not_past, first_slot, now

    moment = options.now or now()
    for name, when in (("start", options.start), ("forum_start", options.forum_start)):
        if when is not None:
            check_not_past(when, moment, field=name)
    return options.start or first_slot(moment, options.tz, options.slot)


def forum_start(start: datetime) -> datetime:
    """The forum's first session: in the month after ``start``, at the same time, on the first
    weekday two days off the rotation's (Tuesday coffees → first Thursday), so a forum never
    lands on a rotation meeting."""
    weekday = start.weekday() + 2 if start.weekday() + 2 <= 4 else start.weekday() - 2
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    first = next(week[weekday] for week in monthcal.monthcalendar(year, month) if week[weekday])
    return start.replace(year=year, month=month, day=first)


def run_campaign(
    export: Path | bytes,  # a path, or a ZIP/CSV's bytes (standard input)
    options: CampaignOptions | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> CampaignResult:
    """Run every stage; raise ``OutreachError`` before writing anything if the input is bad."""
    with paused_gc():  # one bulk job: its few cycles are collected at its end (outreach.bulk)
        return _run_campaign(export, options or CampaignOptions(), on_stage)


def _run_campaign(export: Path | bytes, options: CampaignOptions,
                  on_stage: Callable[[str], None] | None) -> CampaignResult:
    from outreach.ledger import Ledger
    from outreach.peers import load_people

    stage = on_stage or (lambda name: None)
    result = CampaignResult()
    stage("peers")
    selection = load_people(export, _peer_query(options))
    result.selection = selection
    far = sum(1 for p in selection.people if p.extra.get("remote"))
    if far and not options.link:
        result.notes.append(f"{plural(far, 'peer')} far away (peers.csv's remote column): "
                            "give a video link to meet them by call rather than in person")
    sender = result.sender = _sender(selection, options.sender)
    start = first_start(options)
    with Ledger.open(options.ledger) as ledger:
        prior = ledger.planned_messages()
        if _trial_over(prior, options, result):
            return result  # a decision for the user (review, then --renew): nothing written
        with ledger.write():  # one transaction until all is checked: a problem leaves the
            ledger.remember_people(selection.people)  # ledger as it was, as it does the files
            stage("schedule")
            result.declines.series = declined(prior, ledger.rsvps())
            people, refused = _usable_addresses(_chosen(selection.people, options))
            people, screened = _reachable(people, ledger)
            people = [p for p in people if p.key not in result.declines.series]  # a freed place
            result.notes += screened
            people, places, forum_first = _renewal(people, prior, selection, options, result,
                                                   ledger)
            rotation, forum = _plan(people, start, options, result, places,
                                    _forum_members(prior), forum_first)
            result.notes += decline_notes(result.declines,
                                          {p.key: p for p in selection.people})
            result.warnings += [refused[p.key] for p in result.planned if p.key in refused]
            stage("calendar")
            calendar = build_calendar(rotation, forum, sender, options, ledger)
            stage("emails")
            decisions, batch = decide_and_render(rotation, forum, sender, calendar, prior,
                                                 ledger, options, result,
                                                 bounced=_bounced(selection.people, ledger))
        preview = None
        try:
            # checked: from here on files are written (peers and cards too, not before)
            _write_peers(selection, options.out, result)
            stage("cards")
            preview = _cards(ledger, sender, options, result)
            write_calendar(calendar, forum, decisions, prior, options, result)
            write_emails(batch, decisions, prior, ledger, options.out, result)
            ledger.save_rotation_positions(rotation.places)
            stage("report")
            _report(selection, sender, rotation, forum, options, result, ledger)
        except BaseException:
            if preview is not None:
                preview.cancel()
            raise
    if preview is not None:
        preview.finish()  # pdftoppm ran on the other core while the stages above did
    return result


def campaign_today(options: CampaignOptions) -> date:
    """The user's today: ``options.today``, else "now" (``times.now``) in their zone."""
    from outreach.times import now, parse_zone

    if options.today is not None:
        return options.today
    return (options.now or now()).astimezone(parse_zone(options.tz)).date()


def _trial_over(prior: list[PlannedMessage], options: CampaignOptions,
                result: CampaignResult) -> bool:
    """Whether the rotation's last date has passed and the user has not said ``renew``
    (then ``result.trial_ended`` says when); ``renew`` before that is refused."""
    end = trial_end(prior)
    over = end is not None and end < campaign_today(options)
    if options.renew and not over:
        raise OutreachError(
            f"the rotation's trial runs until {end.day} {end:%B %Y}; renew it after that day"
            if end else "there is no rotation to renew yet; plan one first", field="renew")
    if over and not options.renew:
        result.trial_ended = end
    return result.trial_ended is not None


def _renewal(people: list[Person], prior: list[PlannedMessage], selection: Selection,
             options: CampaignOptions, result: CampaignResult, ledger: Ledger,
             ) -> tuple[list[Person], Mapping[str, int], datetime | None]:
    """Who may be planned, the rotation places kept, and the forum's first session to keep.

    Whoever the user let go is out of the plan. With ``renew``: the rotation peers who go on
    (``renew.verdicts``) keep their places, the others leave it (and are not offered a forum
    seat in their place); the forum keeps its dates. Everyone leaving who was met, let go or
    at the end of their trial gets a closing note (``result.closing``)."""
    let_go = set(ledger.let_go_people())
    met = met_counts(ledger)
    places = dict(ledger.rotation_positions())
    renewed: set[str] = set()
    forum_first = None
    if options.renew:
        old = latest_series(prior, "rotation")
        opted = set(ledger.do_not_contact())
        result.verdicts = verdicts(old, met, let_go, result.declines.series, opted)
        renewed = {k for k, v in result.verdicts.items() if not v.stays}
        places = {k: i for k, i in places.items() if k not in renewed}
        forum_first = _forum_kept(prior, campaign_today(options))
    gone = let_go | renewed
    known = {r.person_key for r in prior}
    result.closing = closings(known, met, let_go, renewed, {p.key for p in selection.people})
    return [p for p in people if p.key not in gone], places, forum_first


def _forum_kept(prior: list[PlannedMessage], today: date) -> datetime | None:
    """The first session of a forum that still has sessions to come (renewing the rotation
    leaves it as it is), else None."""
    from outreach.times import parse_zone

    rows = [r for r in latest_series(prior, "forum").values()
            if r.facts.get("start") and not ended(r, today)]
    if not rows:
        return None
    facts = rows[0].facts
    return datetime.fromisoformat(str(facts["start"])).astimezone(
        parse_zone(str(facts.get("tz") or "UTC")))


def _peer_query(options: CampaignOptions) -> PeerQuery:
    """The peer query, with the user's time zone (their country, for peers far away) and the
    companies already in the plan: those of rotation peers already sent an invitation (a
    rerun before sending scores the same), read from an existing ledger."""
    from dataclasses import replace

    from outreach.ledger import Ledger, default_path

    planned: dict[str, str] = {}
    if (options.ledger or default_path()).is_file():
        with Ledger.open(options.ledger, read_only=True) as ledger:
            people = ledger.all_people()
            placed = [people[k] for k in ledger.rotation_positions() if k in people]
            sent = {d.recipient.lower() for d in ledger.sent_to(
                p.address for p in placed if p.address)}
            planned = {p.key: p.company for p in placed
                       if p.company and p.address and p.address.lower() in sent}
    return replace(options.query, zone=options.query.zone or options.tz, planned=planned)


def _reachable(people: list[Person], ledger: Ledger) -> tuple[list[Person], list[str]]:
    """Who may be planned: not do-not-contact (``outreach log optout``), and without an
    address that bounced (that peer gets the LinkedIn note): ``outreach.mail.contact``."""
    from outreach.mail.contact import screen_people

    return screen_people(people, ledger)


def _chosen(people: list[Person], options: CampaignOptions) -> list[Person]:
    """``options.pick`` (only those, in that order: ``plan.pick_people``, as ``rotation
    --pick``), without ``options.skip``; names are found as ``outreach log`` finds them
    (``track.resolve``)."""
    from outreach.plan import pick_people
    from outreach.track import resolve

    chosen = pick_people(people, options.pick) if options.pick else list(people)
    by_key = {p.key: p for p in people}
    left_out = set()
    for name in options.skip:
        try:
            key, _person = resolve(by_key, name, where="among the selected peers")
        except OutreachError as exc:
            raise OutreachError(exc.message, field="skip") from None
        left_out.add(key)
    return [p for p in chosen if p.key not in left_out]


def _usable_addresses(people: list[Person]) -> tuple[list[Person], dict[str, str]]:
    """Each person with only an address we may write to (``model.valid_address``): one that
    is not an address is dropped, so that peer is told by LinkedIn note (their profile URL
    is where it goes); the warning for each, by key, is said if the plan includes them."""
    from outreach.mail.results import describe_unnumbered

    kept, warnings = [], {}
    for person in people:
        if person.email.strip() and person.address is None and person.url.strip():
            warnings[person.key] = (f"{describe_unnumbered(person)}: invalid e-mail address "
                                    f"{person.email.strip()!r}; LinkedIn note instead")
            person = replace(person, email="")
        kept.append(person)  # without a profile URL either: skipped, with the reason
    return kept, warnings


def _bounced(people: list[Person], ledger: Ledger) -> set[str]:
    """The keys of people whose address bounced: what was e-mailed to them never arrived."""
    bad = ledger.bad_addresses()
    return {p.key for p in people if p.email.strip().lower() in bad}


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
    changed = fileio.write_if_changed(path, frame_to_csv(selection.columns).encode("utf-8"))
    result.add(path, f"{plural(len(selection.people), 'peer')} and why they match", changed)
    result.notes += selection.notes


def _check_skipped_dates(options: CampaignOptions, rotation: Rotation,
                         forum: Forum | None) -> None:
    """A ``--skip`` date must be a coffee's or a forum session's: a typo would otherwise keep
    the meeting it meant to skip."""
    asked = options.days_off.dates if options.days_off else frozenset()
    planned = {s.start.date() for s in rotation.slots}
    planned |= {s.date() for s in (forum.rule_days or forum.starts)} if forum else set()
    wrong = sorted(d for d in asked if d not in planned)
    if wrong:
        raise OutreachError(f"{', '.join(d.isoformat() for d in wrong)} is not the date of a "
                            "rotation coffee or a forum session", field="skip")


def _forum_members(prior: list[PlannedMessage]) -> set[str]:
    """Who holds a forum invitation from an earlier run (and has not been cancelled)."""
    latest = {r.person_key: r for r in prior if r.series == "forum"}
    return {key for key, row in latest.items()
            if row.state == "current" and row.kind != "cancellation"}


def _plan(people: list[Person], start: datetime, options: CampaignOptions,
          result: CampaignResult, places: Mapping[str, int], forum_members: set[str],
          forum_first: datetime | None = None) -> tuple[Rotation, Forum | None]:
    """The rotation, then the forum from the rest. Both stay stable across reruns: rotation
    peers keep their places, a freed place goes to the best peer not already invited to the
    forum, and forum members stay members (so one change sends one message, not three)."""
    from outreach.peers import spread_across_companies
    from outreach.plan import plan_forum, plan_rotation

    if not people:
        raise OutreachError("campaign: no peers found; widen the search with --levels or "
                            "--functions, or check --title")
    spread = (list(people) if options.pick  # picked: in the order given, as rotation does
              else spread_across_companies(people))  # one company per place while others remain
    by_preference = ([p for p in spread if p.key not in forum_members]
                     + [p for p in spread if p.key in forum_members])
    rotation = plan_rotation(by_preference, start, options.rotation_size,
                             options.rotation_every, options.rotation_months, places=places,
                             days_off=options.days_off)
    result.rotation_peers = rotation.peers
    result.declines.offered["rotation"] = newcomers(rotation.peers, places)
    chosen = {p.key for p in rotation.peers}
    rest = [p for p in spread if p.key not in chosen]
    keep = {p.key for p in rest if p.key in forum_members}
    others = [p.key for p in rest if p.key not in keep]
    keep.update(others[:max(0, options.forum_size - len(keep))])
    rest = [p for p in rest if p.key in keep]  # members and the best others, in rank order
    forum = None
    if len(rest) >= 2 and options.forum_size >= 2:
        first = options.forum_start or forum_first or forum_start(start)
        forum = plan_forum(rest, first, options.forum_every, options.forum_months,
                           options.forum_size, days_off=options.days_off)
        result.forum_peers = list(forum.peers)
        result.declines.offered["forum"] = newcomers(forum.peers, forum_members)
    else:
        result.notes.append("no forum: fewer than two peers beyond the rotation")
    _check_skipped_dates(options, rotation, forum)
    result.meetings = len(rotation.schedule()) + (len(forum.starts) if forum else 0)
    return rotation, forum


def _cards(ledger: Ledger, sender: Sender, options: CampaignOptions,
           result: CampaignResult) -> PreviewJob | None:
    """Write cards.pdf for the people met and not thanked yet (``outreach log met``), record
    them as thanked once it is written, and start rendering cards.png (the caller finishes
    it) if it changed. Nobody met: no cards (a cards.pdf of an earlier run is left alone)."""
    import shutil

    from outreach.cards.thanks import (
        REMINDER,
        due_now,
        exchanges,
        met_by_person,
        signature,
        thanked_note,
    )

    pdf = options.out / "cards.pdf"
    today = campaign_today(options)
    due, later = due_now(ledger.thanks_due(), today, options.card_every)
    if later:
        result.notes.append(f"{plural(len(later), 'card')} not due yet (one per person every "
                            f"{options.card_every.days} days): "
                            + ", ".join(d.person.full_name or d.key for d in later[:3])
                            + (f" and {plural(len(later) - 3, 'other')}" if len(later) > 3
                               else ""))
    if not due:
        earlier = f"; {pdf} is from an earlier run" if pdf.exists() else ""
        result.notes.append("no new thank-you cards: nobody you met is waiting for one "
                            f"({REMINDER}){earlier}")
        return None
    try:
        signature(None, sender)
    except OutreachError:  # the plan still goes out; the cards wait, nobody marked thanked
        result.warnings.append(
            f"no thank-you cards yet for {plural(len(due), 'person', 'people')} you met: a "
            "card needs your name to sign it; give it with your address (\"Your Name "
            "<address>\") or set name under [sender] in outreach.toml")
        return None
    from outreach.cards.layout import CardOptions, write_cards  # only when a card is due
    from outreach.cards.preview import start_preview

    card_options = CardOptions(size=options.card_size, sheet=options.card_sheet,
                               ink=options.card_ink, font=options.card_font,
                               seed=options.card_seed, today=today,
                               locale=options.locale, templates=options.templates,
                               met=met_by_person(due, options.location, coffee_only=True,
                                                 today=today, notes=exchanges(ledger)))
    folder = fileio.ensure_folder(options.out)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".cards-") as tmp:
        staged = Path(tmp) / "cards.pdf"
        cards = write_cards([d.person for d in due], sender, staged, card_options)
        changed = fileio.write_if_changed(pdf, staged.read_bytes())
    ledger.mark_thanked([d.key for d in due], today, thanked_note([pdf]))
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


def _report(selection: Selection, sender: Sender, rotation: Rotation, forum: Forum | None,
            options: CampaignOptions, result: CampaignResult, ledger: Ledger) -> None:
    from outreach.report import FileLink, ReportData, Slot, life_lines, render_report

    slots = [Slot(s.start, s.peer.full_name) for s in rotation.slots if not s.skipped]
    if forum is not None:
        slots += [Slot(start, "Peer forum", "forum") for start in forum.starts]
    path = options.out / "report.html"
    files = [FileLink(str(o.path.relative_to(options.out)), o.what) for o in result.outputs]
    target = selection.target
    data = ReportData(
        owner=sender.name, title=selection.title,
        function=target.function if target else "", level=target.level if target else "",
        peers=selection.people, slots=slots, files=files, notes=result.notes,
        rotation_peers=[p.full_name for p in result.rotation_peers],
        forum_peers=[p.full_name for p in result.forum_peers], messages=result.messages,
        lives=life_lines(ledger, options.today or times_today()),
    )
    changed = fileio.write_if_changed(path, render_report(data, options.locale).encode("utf-8"))
    result.add(path, "this plan as one page: open it in a browser", changed)
