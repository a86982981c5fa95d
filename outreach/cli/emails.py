"""``outreach emails``: one reviewable .eml per peer, an mbox, LinkedIn notes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from outreach.cli.common import (
    booking_link_option,
    checked_link,
    csv_dialect_option,
    echo,
    echo_err,
    language,
    language_options,
    ledger_option,
    meeting_options,
    meeting_or_none,
    peer_options,
    progress_bar,
    select_people,
    sender_for,
    yes_option,
)
from outreach.cli.streams import InputPath, dash_output, output_path
from outreach.errors import OutreachError
from outreach.wording import noun, plural, sentence


@click.command()
@click.argument("input_path", metavar="INPUT", type=InputPath())
@click.option("-t", "--template", default="invite.email.j2", show_default=True,
              help="A built-in (invite.email.j2, forum.email.j2, followup.email.j2, "
              "thanks.email.j2) or your own template file.")
@click.option("--from", "from_address", metavar='"NAME <ADDR>"',
              help="Sender [default: your name and primary address from the export].")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("out/emails"), show_default=True,
              help="Folder for the .eml files and linkedin.csv.")
@click.option("--mbox", type=output_path(),
              help="Also write every message into this mbox file (- for standard output).")
@click.option("--invite/--no-invite", default=None,
              help="Attach the meeting as a calendar invitation with RSVP buttons "
              "[default: on when --start is given here or in OUTREACH_EMAILS_START; the usual "
              "slot from outreach.toml only fills the template's meeting.*].")
@meeting_options
@click.option("--slots", type=click.Choice(["weekday", "week"]), is_flag=False,
              flag_value="weekday", default=None,
              help="Spread the meetings: one peer per weekday (bare --slots) or one per week "
              "from --start, as `outreach invite --slots` does; each e-mail carries its "
              "peer's own time.")
@click.option("--remind", metavar="SPAN",
              help="Add a reminder this long before the meeting to each invitation, "
              "e.g. 15m or 1h (as `outreach invite --remind`).")
@click.option("--linkedin-template", metavar="NAME|FILE",
              help="Note for recipients without an e-mail address [default: the template's "
              "pair, e.g. forum.linkedin.j2 for forum.email.j2, else invite.linkedin.j2].")
@click.option("--linkedin-limit", type=click.IntRange(min=1), default=300, show_default=True,
              help="Maximum length of a LinkedIn note (300 for a connection request).")
@click.option("--check", is_flag=True,
              help="Render everything in memory, list every problem, write nothing.")
@click.option("--message-id-seed", default="", metavar="TEXT",
              help="Reruns keep each message's Message-ID so `outreach send` never sends one "
              "twice; a new seed makes new IDs (a new campaign with the same template).")
@click.option("--date", "date_text", metavar="ISO-DATETIME",
              help="Date header, e.g. 2027-01-04T09:00+00:00 [default: now].")
@ledger_option
@yes_option
@booking_link_option
@language_options
@peer_options
@click.pass_context
@csv_dialect_option
def emails(
    ctx: click.Context, input_path: Path | bytes, template: str, from_address: str | None,
    out_dir: Path,
    mbox: Path | None, invite: bool | None, start: str | None, duration: str, tz: str,
    location: str, link: str, slots: str | None, remind: str | None,
    linkedin_template: str | None, linkedin_limit: int, check: bool,
    message_id_seed: str, date_text: str | None, ledger_path: Path | None, yes: bool,
    locale: str | None, templates_dir: Path | None, booking_link: str | None = None,
    **peer_kwargs: Any,
) -> None:
    """Write one invitation e-mail per peer in INPUT, to review before anything is sent.

    INPUT is a LinkedIn export (ZIP, folder, Connections.csv) or a peers CSV from
    `outreach peers`. Each peer with an address gets OUT/<name>.eml (open it in your mail
    client); peers without one get a short note in OUT/linkedin.csv to paste into LinkedIn.
    Every recipient is rendered and checked first (undefined variables, empty names in the
    greeting, duplicates, notes over the LinkedIn limit); any problem means nothing is written.
    A row with an invalid address is skipped (listed with the reason); the rest are written.

    \b
    Examples:
      outreach emails export.zip --check
      outreach emails peers.csv --from "Pat Lee <pat@example.com>" \\
          --start 2027-01-05T08:00 --duration 45m --tz America/Toronto --location "Café Olimpico"
      outreach emails peers.csv --start 2027-01-05T08:00 --tz America/Toronto --slots \
          --remind 15m --location "Café Olimpico"   # one peer per weekday from Jan 5
      outreach emails export.zip -t forum.email.j2 --mbox out/forum.mbox
    Then: outreach send out/emails
    """
    from outreach.mail import batch as mail
    from outreach.mail import render
    from outreach.names import changed_names
    from outreach.times import parse_span

    mbox = ctx.with_resource(dash_output(mbox, "messages.mbox"))  # --mbox -: to stdout
    offered = checked_link(booking_link, start if _start_given(ctx) else None)
    selection = select_people(input_path, **peer_kwargs)
    secret = _screen(selection, ledger_path)  # do not contact / bounced: skipped, said so
    sender = sender_for(selection, from_address)
    with_invite = (_start_given(ctx) and bool(start) and not offered if invite is None
                   else invite)
    meeting = meeting_or_none(start, duration, tz, location, link,
                              yes if with_invite else None)  # only an invitation is checked
    if with_invite and meeting is None:
        raise click.UsageError("--invite needs --start (when the meeting is)")
    if with_invite and Path(template).name.startswith("forum."):
        raise click.UsageError(
            f"{Path(template).name} invites to the forum, whose invitation is the forum series, "
            "not one coffee: run outreach campaign (it attaches the series), or pass --no-invite "
            "to send the text alone")
    if slots and meeting is None:
        raise click.UsageError("--slots needs --start (when the first meeting is)")
    if remind and not with_invite and _typed(ctx, "remind"):
        raise click.UsageError("--remind needs an invitation: pass --start (or --invite)")
    reminder = parse_span(remind, field="remind") if remind and with_invite else None
    when = _emails_date(date_text)
    if not check:  # before the ledger or any file changes: nothing half-written
        mail.prepare_outputs(out_dir, mbox)
    said, folder = language(locale, templates_dir)
    versions = {} if check or not with_invite or meeting is None else render.invite_versions(
        selection.people, sender, meeting, ledger_path, now=when, slots=slots, remind=reminder,
        language=(said, folder))
    options = render.RenderOptions(
        locale=said, templates=folder,
        linkedin_template=linkedin_template or render.linkedin_template_for(template),
        linkedin_limit=linkedin_limit,
        invite=with_invite, message_id_seed=message_id_seed, message_id_secret=secret,
        sent_date=when,
        invite_versions=versions, slots=slots, remind=reminder, booking_link=offered,
    )
    people = selection.people
    with progress_bar(len(people), "Rendering") as advance:
        batch = render.render_messages(people, sender, template, meeting, options, advance)
    problems = batch.problems + (mail.output_problems(out_dir, mbox) if check else [])
    if problems:
        for problem in problems:
            echo_err(f"problem: {problem}")
        _skipped_report(mail.skipped_lines(batch))
        raise OutreachError(f"{plural(len(problems), 'problem')} found; nothing written")
    if check:
        for line in changed_names(people):
            echo(f"name: {line}")
        echo(f"Checked {plural(len(people), 'recipient')}: "
                   f"{plural(len(batch.messages), 'e-mail')}, "
                   f"{plural(len(batch.notes), 'LinkedIn note')}, {len(batch.skipped)} skipped. "
                   "No problems; nothing written (--check).")
        _skipped_report(mail.skipped_lines(batch))
        return
    with progress_bar(len(batch.messages), "Writing") as advance:
        summary = mail.write_batch(batch, out_dir, mbox, advance)
    _emails_summary(summary)


def _screen(selection: Any, ledger_path: Path | None) -> bytes:
    """Leave out people marked do-not-contact; a bounced address gets the LinkedIn note.
    Returns the ledger's Message-ID secret."""
    from outreach.ledger import Ledger
    from outreach.mail.contact import screen_people

    with Ledger.open(ledger_path) as ledger:
        selection.people, notes = screen_people(selection.people, ledger)
        secret = ledger.message_id_secret()
    for note in notes:
        echo_err(f"note: {note}")
    return secret


def _typed(ctx: click.Context, name: str) -> bool:
    """True when option ``name`` was typed on the command line. Only such an option may be
    refused for what it needs: a default from outreach.toml (``init`` writes ``remind``) is
    used when it applies and ignored when not, so the starter config fails no command."""
    from click.core import ParameterSource

    return ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE


def _start_given(ctx: click.Context) -> bool:
    """True when --start came from the command line or the environment. A start from
    outreach.toml is the user's usual slot, not a meeting to attach to every e-mail
    (a thank-you or follow-up must not carry an invitation)."""
    from click.core import ParameterSource

    return ctx.get_parameter_source("start") in (ParameterSource.COMMANDLINE,
                                                 ParameterSource.ENVIRONMENT)


def _emails_date(text: str | None) -> Any:
    from datetime import datetime

    if not text:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"cannot read {text!r}; use e.g. 2027-01-04T09:00+00:00",
                                 param_hint="--date") from None
    return when if when.tzinfo else when.astimezone()


def _skipped_report(lines: list[str]) -> None:
    if lines:
        echo(f"Skipped {len(lines)}:")
        for line in lines:
            echo(f"  {line}")


def _emails_summary(summary: Any) -> None:
    unchanged = f" ({summary.unchanged} unchanged)" if summary.unchanged else ""
    echo(sentence(f"Wrote {plural(summary.written, 'e-mail')} to {summary.out_dir}"
                        f"{unchanged}"))
    if summary.linkedin_csv is not None:
        echo(f"{noun(summary.notes, 'LinkedIn note')} for "
                   f"{plural(summary.notes, 'person', 'people')} without an address: "
                   f"{summary.linkedin_csv}")
    if summary.mbox is not None:
        echo(f"mbox: {summary.mbox}")
    _skipped_report(summary.skipped)
    if summary.stale:
        stale = len(summary.stale)
        echo_err(f"Note: {plural(stale, 'other .eml file')} in {summary.out_dir} "
                 f"{noun(stale, 'is', 'are')} not from this run (e.g. {summary.stale[0].name}); "
                 f"`outreach send` would send {noun(stale, 'it', 'them')} too. Delete "
                 f"{noun(stale, 'it', 'them')} if {noun(stale, 'it is', 'they are')} stale.")
    if summary.written or summary.unchanged:
        echo(f"Review them, then: outreach send {summary.out_dir}")
