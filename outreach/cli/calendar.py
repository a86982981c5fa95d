"""``outreach invite``, ``rotation`` and ``forum``: .ics invites real calendars accept."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from outreach.cli.common import (
    INPUT_ARG,
    F,
    echo,
    echo_err,
    emit,
    forum_meeting_options,
    ledger_option,
    meeting_options,
    meeting_or_none,
    peer_options,
    progress_bar,
    select_people,
    sender_for,
    split_list,
    yes_option,
)
from outreach.cli.streams import dash_output, is_dash, output_path
from outreach.errors import OutreachError
from outreach.wording import noun, plural, sentence


def calendar_options(func: F) -> F:
    """Options invite, rotation and forum share (after the command's own ones)."""
    options = [
        click.option("--remind", metavar="SPAN",
                     help="Add a reminder this long before each meeting, e.g. 15m or 1h."),
        click.option("--cancel", is_flag=True,
                     help="Write cancellations (METHOD:CANCEL) for the same meetings instead."),
        click.option("-t", "--template", default="invite.ics.j2", show_default=True,
                     help="Template of the invite's description (built-in name or file)."),
        click.option("--from", "from_address", metavar='"NAME <ADDR>"',
                     help="Organiser [default: your name and address from the export]."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@contextlib.contextmanager
def _busy(label: str, size: int) -> Iterator[None]:
    """Say on stderr (a terminal only) that a big batch is being built. A plain line, not a
    spinner: a spinner's thread would make forking the build's worker processes unsafe."""
    if size >= 200 and sys.stderr.isatty():
        echo_err(f"{label}...")
    yield


def _calendar_meeting(start: str | None, duration: str, tz: str, location: str,
                      link: str, yes: bool | None) -> Any:
    """The first meeting; ``yes``: None for a cancellation (a series already planned, and
    maybe begun, is not asked about again), else as ``start_with_note``."""
    if not start:
        raise OutreachError("required: when the first meeting is, e.g. "
                            "--start 2027-01-05T08:00 --tz America/Toronto", field="start")
    return meeting_or_none(start, duration, tz, location, link, yes)


def _span_or_none(text: str | None, field: str) -> Any:
    from outreach.times import parse_span

    return parse_span(text, field=field) if text else None


def _calendar_summary(summary: Any, what: str) -> None:
    unchanged = f", {len(summary.unchanged)} unchanged" if summary.unchanged else ""
    echo(sentence(f"{what}: wrote {plural(len(summary.written), 'file')} to "
                        f"{summary.folder}{unchanged}"))
    if summary.stale:
        stale = len(summary.stale)
        echo_err(f"Note: {plural(stale, 'other .ics file')} in {summary.folder} "
                 f"{noun(stale, 'is', 'are')} not from this run (e.g. {summary.stale[0]}); "
                 f"delete {noun(stale, 'it', 'them')} if {noun(stale, 'it is', 'they are')} "
                 "stale.")


def _reachable(people: Any, ledger: Any) -> list[Any]:
    """The people a calendar command may invite, screened as every stage screens them
    (``mail.contact.screen_people``: do-not-contact people are left out, a bounced address
    is not written to); says who was skipped and why."""
    from outreach.mail.contact import screen_people

    kept, notes = screen_people(people, ledger)
    for note in notes:
        echo_err(f"note: {note}")
    return kept


def _no_address_note(people: Any) -> None:
    if people:
        echo_err(f"Note: no e-mail address for {plural(len(people), 'peer')} ("
                 + ", ".join(p.full_name for p in people[:3]) + ("..." if len(people) > 3
                                                                 else "")
                 + f"): {noun(len(people), 'their file is an event', 'their files are events')}"
                 " for your own calendar (METHOD:PUBLISH) to share another way.")


@click.command()
@INPUT_ARG
@meeting_options
@click.option("--slots", type=click.Choice(["weekday", "week"]), is_flag=False,
              flag_value="weekday", default=None,
              help="Spread the invites: one per weekday (bare --slots) or one per week "
              "from --start, instead of all at the same time.")
@calendar_options
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("out/invites"), show_default=True, help="Folder for the .ics files.")
@ledger_option
@yes_option
@peer_options
def invite(
    input_path: Path | bytes, start: str | None, duration: str, tz: str, location: str, link: str,
    slots: str | None, remind: str | None, cancel: bool, template: str,
    from_address: str | None, out_dir: Path, ledger_path: Path | None, yes: bool,
    **peer_kwargs: Any,
) -> None:
    """Write one calendar invite (.ics, with Accept/Decline) per peer in INPUT.

    Reruns update the same meetings (stable UIDs; SEQUENCE goes up only when something
    changed, unchanged files are left alone); --cancel withdraws them.

    \b
    Examples:
      outreach invite export.zip --start 2027-01-05T08:00 --tz America/Toronto \\
          --location "Café Olimpico" --remind 15m
      outreach invite peers.csv --start 2027-01-05T08:00 --slots --link https://meet.example/x
      outreach invite peers.csv --start 2027-01-05T08:00 --cancel
    """
    from outreach.ical.events import invite_files, write_files
    from outreach.ledger import Ledger

    meeting = _calendar_meeting(start, duration, tz, location, link, None if cancel else yes)
    reminder = _span_or_none(remind, "remind")
    selection = select_people(input_path, **peer_kwargs)
    sender = sender_for(selection, from_address)
    with Ledger.open(ledger_path) as ledger:
        people = _reachable(selection.people, ledger)
        with _busy(f"Building {len(people):,} invites", len(people)):
            files = invite_files(people, sender, meeting, slots=slots, ledger=ledger,
                                 cancel=cancel, remind=reminder, template=template)
    with progress_bar(len(files), "Writing invites") as advance:
        summary = write_files(files, out_dir, advance)
    _no_address_note([p for p in people if not p.address])
    _calendar_summary(summary, "Cancellations" if cancel else "Invites")


@click.command()
@INPUT_ARG
@meeting_options
@click.option("--size", type=int, default=5, show_default=True,
              help="How many peers take turns (best matches first, or --pick).")
@click.option("--every", default="1w", show_default=True, metavar="SPAN",
              help="One meeting per SPAN (whole days or weeks: 1w, 2w, 10d).")
@click.option("--months", type=click.IntRange(1, 120), default=6, show_default=True,
              help="How long to try the rotation.")
@click.option("--skip", metavar="DATES",
              help="Meeting dates to leave out, e.g. 2027-02-16,2027-04-13 (holidays); "
              "nothing else moves.")
@click.option("--pick", metavar='"NAME,NAME"', help="Choose the peers by name instead.")
@calendar_options
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("out/rotation"), show_default=True,
              help="Folder for the peers' .ics files and your rotation.ics.")
@ledger_option
@yes_option
@peer_options
def rotation(
    input_path: Path | bytes, start: str | None, duration: str, tz: str, location: str, link: str,
    size: int, every: str, months: int, skip: str | None, pick: str | None,
    remind: str | None, cancel: bool, template: str, from_address: str | None,
    out_dir: Path, ledger_path: Path | None, yes: bool, **peer_kwargs: Any,
) -> None:
    """Plan a rotation: SIZE peers take turns, one meeting every SPAN, for MONTHS.

    Each peer gets one recurring invite (every SIZE × SPAN); you get rotation.ics with
    every meeting for your own calendar. The schedule is printed as a table.

    \b
    Examples:
      outreach rotation export.zip --start 2027-01-05T08:00 --tz America/Toronto
      outreach rotation peers.csv --start 2027-01-05T08:00 --size 4 --every 2w \\
          --skip 2027-02-16 --pick "Jane Doe,Sam Lee,Ana Lima,Wei Chen"
      outreach rotation peers.csv --start 2027-01-05T08:00 --cancel
    """
    from outreach.cli.display import schedule_table
    from outreach.ical.events import write_files
    from outreach.ical.series import rotation_output
    from outreach.ledger import Ledger
    from outreach.peers import spread_across_companies
    from outreach.plan import pick_people, plan_rotation, whole_days
    from outreach.times import parse_dates, parse_span

    meeting = _calendar_meeting(start, duration, tz, location, link, None if cancel else yes)
    step = parse_span(every, field="every")
    whole_days(step)  # checked before the ledger is opened
    skipped = parse_dates(skip or "", field="skip")
    reminder = _span_or_none(remind, "remind")
    selection = select_people(input_path, **peer_kwargs)
    sender = sender_for(selection, from_address)
    people = (pick_people(selection.people, split_list(pick) or []) if pick
              else spread_across_companies(selection.people))
    with Ledger.open(ledger_path) as ledger:
        plan = plan_rotation(_reachable(people, ledger), meeting.start, size, step, months,
                             skipped)
        built = rotation_output(plan, sender, duration=meeting.duration,
                                location=meeting.location, link=meeting.link, ledger=ledger,
                                cancel=cancel, remind=reminder, template=template)
    summary = write_files(built.files, out_dir)
    emit(schedule_table(plan), None)
    _no_address_note([p for p in plan.peers if not p.address])
    _calendar_summary(summary, "Rotation cancelled" if cancel else "Rotation")
    for person, name in built.dropped:
        send = "send it to them" if person.address else "no e-mail address known: " \
            "let them know another way"
        echo(f"{person.full_name} left the rotation: {name} cancels their series; {send}.")


@click.command()
@INPUT_ARG
@forum_meeting_options
@click.option("--every", default="month", show_default=True, metavar="month|quarter",
              help="How often the forum meets (same weekday of the month as --start).")
@click.option("--months", type=click.IntRange(1, 120), default=12, show_default=True,
              help="For how long.")
@click.option("--size", type=int, default=15, show_default=True,
              help="How many peers to invite (best matches first).")
@calendar_options
@click.option("--out", "out_file", type=output_path(), default=Path("out/forum.ics"),
              show_default=True, help="The forum's .ics file (- for standard output).")
@ledger_option
@yes_option
@peer_options
def forum(
    input_path: Path | bytes, start: str | None, duration: str, tz: str,
    location: str, link: str, every: str, months: int, size: int, remind: str | None,
    cancel: bool, template: str, from_address: str | None, out_file: Path,
    ledger_path: Path | None, yes: bool, **peer_kwargs: Any,
) -> None:
    """Invite SIZE peers to a recurring peer forum: one group event, every peer an attendee.

    It repeats monthly or quarterly on the weekday-of-month of --start (a first Tuesday
    stays a first Tuesday). Sessions last 90 minutes unless --duration (or [forum]
    duration in outreach.toml) says otherwise.

    \b
    Examples:
      outreach forum export.zip --start 2027-01-05T07:30 --tz America/Toronto \\
          --location "Board room, 5th floor"
      outreach forum peers.csv --start 2027-01-05T07:30 --every quarter --size 12
    """
    from outreach.ical.events import write_files
    from outreach.ical.series import forum_ics, forum_no_email
    from outreach.ledger import Ledger
    from outreach.peers import spread_across_companies
    from outreach.plan import forum_period, plan_forum

    meeting = _calendar_meeting(start, duration, tz, location, link, None if cancel else yes)
    reminder = _span_or_none(remind, "remind")
    shown = out_file
    out_file = click.get_current_context().with_resource(dash_output(out_file, "forum.ics"))
    selection = select_people(input_path, **peer_kwargs)
    sender = sender_for(selection, from_address)
    forum_period(every)  # checked before the ledger is opened
    with Ledger.open(ledger_path) as ledger:
        people = _reachable(spread_across_companies(selection.people), ledger)
        plan = plan_forum(people, meeting.start, every, months, size)
        data = forum_ics(plan, sender, duration=meeting.duration, location=meeting.location,
                         link=meeting.link, ledger=ledger, cancel=cancel, remind=reminder,
                         template=template)
    summary = write_files({out_file.name: data}, out_file.parent)
    missing = forum_no_email(plan)
    invited = len(plan.peers) - len(missing)
    echo(f"Forum {plan.rule_text}: {plural(len(plan.starts), 'session')}, "
               f"{plan.first:%Y-%m-%d} to {plan.starts[-1]:%Y-%m-%d}, "
               f"{plural(invited, 'peer')} invited.")
    if missing:
        echo_err("Note: not invited, no e-mail address: "
                 + ", ".join(p.full_name for p in missing))
    verb = "cancelled" if cancel else ("written" if summary.written else "unchanged")
    echo(f"{'standard output' if is_dash(shown) else shown}: {verb}.")
