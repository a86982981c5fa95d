"""The command line: parse options, call the library, print. No business logic lives here.

Heavy libraries (pandas, reportlab) are imported inside the commands that need them so that
``outreach --help`` stays fast.
"""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click

from outreach import __version__
from outreach import config as config_file
from outreach.errors import OutreachError

F = TypeVar("F", bound=Callable[..., Any])


def click_error(exc: OutreachError) -> click.ClickException:
    """The library's error as click's: printed as one ``Error: ...`` line, exit code kept."""
    error = click.ClickException(str(exc))
    setattr(error, "exit_code", exc.exit_code)  # noqa: B010 (a ClassVar in click's stubs)
    return error


class OutreachGroup(click.Group):
    """Turns ``OutreachError`` into a one-line ``Error: ...`` and its exit code; no traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OutreachError as exc:
            raise click_error(exc) from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)  # in the order of the workflow, not alphabetical


@click.group(cls=OutreachGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="outreach")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Settings file (default: ./outreach.toml if present). Options and OUTREACH_* "
    "environment variables override it.",
)
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None) -> None:
    """Build and keep a network of peers from your LinkedIn data export.

    \b
    Typical flow:
      outreach init                         # write outreach.toml + editable templates
      outreach peers  export.zip            # who does your job elsewhere, and why
      outreach campaign export.zip          # peers, invites, rotation, forum, cards, report
      outreach send out/emails --send       # deliver, exactly once
      outreach log met "Jane Doe"           # after the coffee
      outreach status                       # who is due, who needs a thank-you card

    Get your export at LinkedIn: Settings > Data privacy > Get a copy of your data.
    """
    path = config_file.find(config_path)
    if path is not None:
        try:
            ctx.default_map = config_file.default_map(config_file.load(path))
        except OutreachError as exc:
            raise click.ClickException(str(exc)) from None


def main() -> None:
    """Console-script entry point."""
    cli(auto_envvar_prefix="OUTREACH", prog_name="outreach")


# ---------------------------------------------------------------- shared options

def peer_options(func: F) -> F:
    """The peer-selection options every INPUT-taking command shares (as ``outreach peers``)."""
    options = [
        click.option("--title", help="Your title; peers share its function and level "
                     "[default: your current position from the export]."),
        click.option("--company", help="Your company; peers work elsewhere "
                     "[default: from the export]."),
        click.option("--levels", metavar="L1,L2", help="Accept these levels instead of "
                     "your own (owner,cxo,vp,director,manager,senior,ic,entry)."),
        click.option("--functions", metavar="F1,F2", help="Accept these functions instead "
                     "of your own (marketing,it,project_management,...)."),
        click.option("--include-own-company", is_flag=True, help="Also list colleagues."),
        click.option("--vocabulary", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="Extra title vocabulary (TOML) merged over the built-in one."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def meeting_options(func: F) -> F:
    """When and where: spelled the same for invite, rotation, forum, emails and campaign."""
    options = [
        click.option("--start", metavar="YYYY-MM-DDTHH:MM", help="First meeting, local time."),
        click.option("--duration", default="45m", show_default=True, help="e.g. 30m, 1h."),
        click.option("--tz", default="UTC", show_default=True,
                     help="IANA time zone of --start, e.g. America/Toronto."),
        click.option("--location", default="", help="Where to meet (café, office)."),
        click.option("--link", default="", help="Video-call URL instead of a place."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def format_options(func: F) -> F:
    func = click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
                        help="Write to FILE (atomically) instead of the terminal.")(func)
    return click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]),
                        default="table", show_default=True,
                        help="table for reading; csv/json for tools.")(func)


def split_list(value: str | None) -> list[str] | None:
    return [part.strip() for part in value.split(",") if part.strip()] if value else None


def handles_errors(func: F) -> F:
    """For library calls outside the group's invoke (e.g. callbacks)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except OutreachError as exc:
            raise click_error(exc) from None

    return wrapper  # type: ignore[return-value]


def echo_err(message: str) -> None:
    click.echo(message, err=True)


def is_tty() -> bool:
    return sys.stdout.isatty()


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
def init(folder: Path, force: bool) -> None:
    """Write a commented outreach.toml and editable copies of the templates into FOLDER.

    Every command then reads ./outreach.toml (or --config FILE) for your name, time zone,
    meeting slot, rotation, forum, card and SMTP defaults. Edit the templates in
    FOLDER/templates and pass them with --template.

    \b
    Example:
      outreach init ~/peers && cd ~/peers && $EDITOR outreach.toml
    """
    written = config_file.init_folder(folder, force=force)
    for path in written:
        click.echo(f"wrote {path}")
    if not written:
        click.echo(f"{folder}: everything is already there (use --force to overwrite)")


# ---------------------------------------------------------------- ingest and peers

def select_people(
    input_path: Path,
    title: str | None = None,
    company: str | None = None,
    levels: str | None = None,
    functions: str | None = None,
    include_own_company: bool = False,
    vocabulary: Path | None = None,
) -> Any:
    """The peers of INPUT (an export or a peers CSV) per the shared ``peer_options``."""
    from outreach.peers import PeerQuery, load_people

    query = PeerQuery(title, company, split_list(levels), split_list(functions),
                      include_own_company, vocabulary)
    return load_people(input_path, query)


def emit(renderable: Any, output: Path | None) -> None:
    """Print text or a rich renderable, or write text atomically to ``output``."""
    from outreach import fileio

    if output is not None:
        if not isinstance(renderable, str):
            raise click.UsageError("-o/--output needs --format csv or json")
        fileio.write_text(output, renderable)
        echo_err(f"Wrote {output}")
    elif isinstance(renderable, str):
        click.echo(renderable, nl=False)
    else:
        from rich.console import Console

        Console().print(renderable)


_EXPORT_ARG = click.argument("export", type=click.Path(exists=True, path_type=Path))


@cli.command()
@_EXPORT_ARG
@format_options
@click.option("--vocabulary", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Extra title vocabulary (TOML) merged over the built-in one.")
def connections(export: Path, fmt: str, output: Path | None, vocabulary: Path | None) -> None:
    """List every connection in EXPORT, with the function and level of each title.

    EXPORT is Connections.csv, the ZIP LinkedIn mails you
    (Basic_LinkedInDataExport_*.zip / Complete_...), or the folder it unzips to.

    \b
    Examples:
      outreach connections Basic_LinkedInDataExport_11-20-2026.zip
      outreach connections Connections.csv --format csv -o connections.csv
    """
    from outreach.ingest import read_export
    from outreach.titles import Vocabulary

    vocab = Vocabulary.load(vocabulary) if vocabulary else None
    result = read_export(export, vocab)
    frame = result.connections
    emit(_render(frame, fmt, f"{len(frame):,} connections in {export.name}"), output)
    echo_err(result.stats.summary())


@cli.command()
@_EXPORT_ARG
@peer_options
@format_options
def peers(export: Path, fmt: str, output: Path | None, **peer_kwargs: Any) -> None:
    """Find your peers in EXPORT: same function and level as you, at other companies.

    Your title and company default to your current position in the export
    (Positions.csv, else Profile.csv's headline). Every match says why.

    \b
    Examples:
      outreach peers export.zip
      outreach peers Connections.csv --title "Director of Enterprise PMO" --company Acme
      outreach peers export.zip --levels vp,cxo --format csv -o peers.csv
    """
    selection = select_people(export, **peer_kwargs)
    heading = selection.heading()
    emit(_render(selection.frame, fmt, heading), output)
    echo_err(f"{heading}. From " + "; ".join(selection.notes))


def _render(frame: Any, fmt: str, title: str) -> Any:
    from outreach import display

    return display.render(frame, fmt, title)


# ---------------------------------------------------------------- send, log, status (ledger)

def ledger_option(func: F) -> F:
    return click.option(
        "--ledger", "ledger_path", type=click.Path(dir_okay=False, path_type=Path),
        envvar="OUTREACH_LEDGER",
        help="Ledger database [default: $OUTREACH_LEDGER, else outreach/ledger.sqlite in "
        "your user data folder].",
    )(func)


@cli.command()
@click.argument("source", metavar="DIR_OR_MBOX", type=click.Path(exists=True, path_type=Path))
@click.option("--smtp-host", default="localhost", show_default=True, help="SMTP server.")
@click.option("--port", type=click.IntRange(1, 65535),
              help="[default: 587 for starttls, 465 for ssl, 25 for none]")
@click.option("--security", type=click.Choice(["starttls", "ssl", "none"]), default="starttls",
              show_default=True, help="none only for a trusted local relay.")
@click.option("--user", help="Log in as USER. The password comes from OUTREACH_SMTP_PASSWORD, "
              "else a prompt; never from the command line.")
@click.option("--ca-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Also trust this CA certificate (PEM), for a relay with a private CA.")
@click.option("--rate", metavar="N/min", help="At most N messages a minute (or N/s, N/h).")
@click.option("--limit", type=click.IntRange(min=1), help="Stop after N messages.")
@click.option("--retries", type=click.IntRange(0, 10), default=3, show_default=True,
              help="Retries after a 4xx reply or a dropped connection.")
@click.option("--retry-wait", type=click.FloatRange(0, 600), default=1.0, show_default=True,
              metavar="SECONDS", help="First wait before a retry; doubles each time.")
@click.option("--retry-failed", is_flag=True,
              help="Also retry recipients that failed permanently (e.g. a fixed mailbox).")
@click.option("--send", "really_send", is_flag=True,
              help="Send for real. Without it: a dry run listing what would be sent.")
@ledger_option
def send(
    source: Path, smtp_host: str, port: int | None, security: str, user: str | None,
    ca_file: Path | None, rate: str | None, limit: int | None, retries: int,
    retry_wait: float, retry_failed: bool, really_send: bool, ledger_path: Path | None,
) -> None:
    """Send the messages in DIR_OR_MBOX (.eml files or an mbox), each exactly once.

    Dry run by default: lists each message with its state in the ledger (new, already
    sent, resend, retry). With --send, every delivery is recorded by Message-ID and
    recipient, so a rerun after a crash, Ctrl-C or a dropped connection sends only what is
    missing; a message cut off mid-transaction is resent with the same Message-ID, which
    mail servers and clients treat as one message. 4xx replies are retried with backoff;
    a 5xx for one recipient is recorded and the batch goes on; failures are listed in
    failed.csv beside the input. Ctrl-C once finishes the current message, then stops.

    \b
    Examples:
      outreach send out/emails                          # dry run
      OUTREACH_SMTP_PASSWORD=... outreach send out/emails --send \\
          --smtp-host smtp.example.com --user me@example.com --rate 20/min
    """
    from outreach import outbox
    from outreach.ledger import Ledger
    from outreach.send import SendOptions, parse_rate

    messages = outbox.load_outbox(source)
    with Ledger.open(ledger_path) as ledger:
        plan = outbox.plan_batch(messages, ledger, retry_failed=retry_failed)
        if not really_send:
            _dry_run(plan, limit)
            return
        settings = _smtp_settings(smtp_host, port, security, user, ca_file)
        options = SendOptions(rate=parse_rate(rate), limit=limit, max_attempts=retries + 1,
                              backoff=retry_wait)
        summary = _send_with_progress(plan, ledger, settings, options)
        summary.failed_csv = outbox.write_failed_csv(
            messages, ledger, outbox.failed_csv_folder(source))
    _send_summary(summary)


def _dry_run(plan: list[Any], limit: int | None) -> None:
    from outreach.outbox import plan_table

    emit(plan_table(plan), None)
    due = sum(1 for p in plan if p.pending)
    would = min(due, limit) if limit else due
    click.echo(f"Dry run: {would} of {len(plan)} messages would be sent"
               f"{f' (--limit {limit})' if limit and limit < due else ''}; "
               f"{len(plan) - due} need nothing. Add --send to send them.")


def _smtp_settings(host: str, port: int | None, security: str, user: str | None,
                   ca_file: Path | None) -> Any:
    import os

    from outreach.send import SmtpSettings

    password = None
    if user:
        password = os.environ.get("OUTREACH_SMTP_PASSWORD")
        if not password:
            if not sys.stdin.isatty():
                raise OutreachError(f"--user {user}: set OUTREACH_SMTP_PASSWORD "
                                    "(no terminal to ask for the password)")
            password = click.prompt(f"SMTP password for {user}", hide_input=True, err=True)
    settings = SmtpSettings(host=host, port=port, security=security, user=user,
                            password=password, ca_file=ca_file)
    settings.check()
    return settings


def _send_with_progress(plan: list[Any], ledger: Any, settings: Any, options: Any) -> Any:
    """Run the batch with a progress bar (TTY only); the first Ctrl-C stops it cleanly."""
    import contextlib
    import signal

    from outreach.send import send_batch

    todo = sum(1 for p in plan if p.pending)
    todo = min(todo, options.limit) if options.limit else todo
    stop = {"requested": False}

    def on_sigint(signum: int, frame: Any) -> None:
        if stop["requested"]:
            raise KeyboardInterrupt
        stop["requested"] = True
        echo_err("Stopping after the current message (Ctrl-C again to abort it)...")

    previous = signal.signal(signal.SIGINT, on_sigint)
    progress: Any = None
    if sys.stderr.isatty() and todo:
        from rich.console import Console
        from rich.progress import Progress

        progress = Progress(console=Console(stderr=True), transient=True)
    try:
        with progress or contextlib.nullcontext():
            task = progress.add_task("Sending", total=todo) if progress else None

            def on_outcome(outcome: Any) -> None:
                for recipient, reply in outcome.failed.items():
                    echo_err(f"failed: {recipient} ({outcome.item.source}): {reply}")
                if progress is not None:
                    progress.advance(task)

            return send_batch(plan, ledger, settings, options, on_outcome=on_outcome,
                              should_stop=lambda: stop["requested"])
    except KeyboardInterrupt:
        echo_err("Aborted mid-message. Rerun to resume: the interrupted message is resent "
                 "with the same Message-ID; nothing already sent is sent again.")
        sys.exit(130)
    finally:
        signal.signal(signal.SIGINT, previous)


def _send_summary(summary: Any) -> None:
    parts = [f"sent {summary.sent}", f"skipped {summary.skipped_sent} already sent"]
    if summary.skipped_failed:
        parts.append(f"skipped {summary.skipped_failed} failed permanently "
                     "(--retry-failed to retry)")
    if summary.failed:
        parts.append(f"failed {summary.failed}")
    if summary.not_attempted:
        parts.append(f"{summary.not_attempted} left for the next run")
    click.echo("Summary: " + ", ".join(parts) + ".")
    if summary.failed_csv is not None:
        click.echo(f"Failures with the server's replies: {summary.failed_csv}")
    if summary.error is not None:
        raise summary.error
    if summary.interrupted:
        echo_err("Stopped by Ctrl-C; rerun to send the rest.")
        sys.exit(130)
    if summary.failed:
        sys.exit(1)


# ---------------------------------------------------------------- emails

@cli.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(exists=True, path_type=Path))
@click.option("-t", "--template", default="invite.email.j2", show_default=True,
              help="A built-in (invite.email.j2, forum.email.j2, followup.email.j2, "
              "thanks.email.j2) or your own template file.")
@click.option("--from", "from_address", metavar='"NAME <ADDR>"',
              help="Sender [default: your name and primary address from the export].")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("out/emails"), show_default=True,
              help="Folder for the .eml files and linkedin.csv.")
@click.option("--mbox", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write every message into this mbox file.")
@click.option("--invite/--no-invite", default=None,
              help="Attach the meeting as a calendar invitation with RSVP buttons "
              "[default: on when --start is given].")
@meeting_options
@click.option("--linkedin-template", default="invite.linkedin.j2", show_default=True,
              help="Note for recipients without an e-mail address.")
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
@peer_options
def emails(
    input_path: Path, template: str, from_address: str | None, out_dir: Path,
    mbox: Path | None, invite: bool | None, start: str | None, duration: str, tz: str,
    location: str, link: str, linkedin_template: str, linkedin_limit: int, check: bool,
    message_id_seed: str, date_text: str | None, ledger_path: Path | None,
    **peer_kwargs: Any,
) -> None:
    """Write one invitation e-mail per peer in INPUT, to review before anything is sent.

    INPUT is a LinkedIn export (ZIP, folder, Connections.csv) or a peers CSV from
    `outreach peers`. Each peer with an address gets OUT/<name>.eml (open it in your mail
    client); peers without one get a short note in OUT/linkedin.csv to paste into LinkedIn.
    Every recipient is rendered and checked first (undefined variables, empty names in the
    greeting, duplicates, notes over the LinkedIn limit); any problem means nothing is written.

    \b
    Examples:
      outreach emails export.zip --check
      outreach emails peers.csv --from "Pat Lee <pat@example.com>" \\
          --start 2027-01-05T08:00 --duration 45m --tz America/Toronto --location "Café Olimpico"
      outreach emails export.zip -t forum.email.j2 --mbox out/forum.mbox
    Then: outreach send out/emails
    """
    from outreach import emails as mail

    selection = select_people(input_path, **peer_kwargs)
    sender = _emails_sender(selection, from_address)
    meeting = _emails_meeting(start, duration, tz, location, link)
    with_invite = bool(meeting) if invite is None else invite
    if with_invite and meeting is None:
        raise click.UsageError("--invite needs --start (when the meeting is)")
    when = _emails_date(date_text)
    versions = {} if check or not with_invite or meeting is None else mail.invite_versions(
        selection.people, sender, meeting, ledger_path, now=when)
    options = mail.RenderOptions(
        linkedin_template=linkedin_template, linkedin_limit=linkedin_limit,
        invite=with_invite, message_id_seed=message_id_seed, sent_date=when,
        invite_versions=versions,
    )
    people = selection.people
    with _progress_bar(len(people), "Rendering") as advance:
        batch = mail.render_messages(people, sender, template, meeting, options, advance)
    if batch.problems:
        for problem in batch.problems:
            echo_err(f"problem: {problem}")
        raise OutreachError(f"{len(batch.problems)} problem(s) found; nothing written")
    if check:
        click.echo(f"Checked {len(people)} recipients: {len(batch.messages)} e-mails, "
                   f"{len(batch.notes)} LinkedIn notes, {len(batch.skipped)} skipped. "
                   "No problems; nothing written (--check).")
        return
    with _progress_bar(len(batch.messages), "Writing") as advance:
        summary = mail.write_batch(batch, out_dir, mbox, advance)
    _emails_summary(summary)


def _emails_sender(selection: Any, from_address: str | None) -> Any:
    from email.utils import parseaddr

    from outreach.models import Sender

    sender = selection.sender
    name, email = sender.name, sender.email
    if from_address:
        parsed_name, parsed_email = parseaddr(from_address)
        if "@" not in parsed_email:
            raise click.BadParameter(f"{from_address!r} is not 'Name <address>'",
                                     param_hint="--from")
        name, email = parsed_name or name, parsed_email
    return Sender(name=name, email=email, title=selection.title or sender.title,
                  company=selection.company or sender.company)


def _emails_meeting(start: str | None, duration: str, tz: str, location: str,
                    link: str) -> Any:
    from outreach.meeting import Meeting, parse_span, parse_start

    if not start:
        return None
    return Meeting(parse_start(start, tz), parse_span(duration), location, link)


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


@contextlib.contextmanager
def _progress_bar(total: int, label: str) -> Iterator[Callable[[int], None] | None]:
    """A rich progress bar on stderr for long batches, only when stderr is a terminal."""
    if total < 200 or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(label, total=total)
        yield lambda n: progress.advance(task, n)


def _emails_summary(summary: Any) -> None:
    click.echo(f"Wrote {summary.written} e-mails to {summary.out_dir}"
               + (f" ({summary.unchanged} unchanged)" if summary.unchanged else "") + ".")
    if summary.linkedin_csv is not None:
        click.echo(f"LinkedIn notes for {summary.notes} people without an address: "
                   f"{summary.linkedin_csv}")
    if summary.mbox is not None:
        click.echo(f"mbox: {summary.mbox}")
    if summary.skipped:
        click.echo(f"Skipped {len(summary.skipped)}:")
        for line in summary.skipped:
            click.echo(f"  {line}")
    if summary.stale:
        echo_err(f"Note: {len(summary.stale)} other .eml file(s) in {summary.out_dir} are not "
                 f"from this run (e.g. {summary.stale[0].name}); `outreach send` would send "
                 "them too. Delete them if they are stale.")
    if summary.written or summary.unchanged:
        click.echo(f"Review them, then: outreach send {summary.out_dir}")


# ---------------------------------------------------------------- log and status (ledger)

def _parse_day(text: str | None, option: str) -> Any:
    from datetime import date

    if not text:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise OutreachError(f"{option}: cannot read {text!r}; use YYYY-MM-DD") from None


@cli.command("log")
@click.argument("kind", type=click.Choice(["met", "gave", "got", "replied", "thanked"]))
@click.argument("who")
@click.option("--on", "on_text", metavar="YYYY-MM-DD", help="When  [default: today].")
@click.option("--note", default="", help="What happened, e.g. \"intro to their CFO\".")
@ledger_option
def log_command(kind: str, who: str, on_text: str | None, note: str,
                ledger_path: Path | None) -> None:
    """Record what happened with a peer: met, gave (you helped), got (they helped), replied.

    WHO is a name (any case, accents optional; part of a name if it is unique), a
    LinkedIn profile URL or an e-mail address of someone in the ledger. An ambiguous name
    is refused with the candidates; a typo gets suggestions.

    \b
    Examples:
      outreach log met "Jane Doe"
      outreach log gave "jane" --note "intro to our CFO"
      outreach log replied https://www.linkedin.com/in/janedoe --on 2027-01-12
    """
    from outreach.ledger import Ledger
    from outreach.status import describe, log_event

    on = _parse_day(on_text, "--on")
    with Ledger.open(ledger_path) as ledger:
        person = log_event(ledger, kind, who, on, note)
    click.echo(f"Logged {kind} with {describe(person)} on {on.isoformat()}"
               + (f": {note}" if note else "") + ".")


@cli.command()
@click.option("--expire-after", default="6m", show_default=True, metavar="AGE",
              help="Suggest letting go of peers not met for this long (d, w, m, y).")
@click.option("--no-reply-after", default="14d", show_default=True, metavar="AGE",
              help="List invitations still unanswered after this long.")
@click.option("--tz", help="Show meeting times in this IANA zone [default: this computer's].")
@click.option("--today", "today_text", metavar="YYYY-MM-DD", hidden=True)
@ledger_option
def status(expire_after: str, no_reply_after: str, tz: str | None, today_text: str | None,
           ledger_path: Path | None) -> None:
    """What needs you this week: meetings due, thank-yous owed, invitations without reply,
    one-way relationships, and peers to let go.

    Built from the ledger that campaign, send, cards and log keep.

    \b
    Examples:
      outreach status
      outreach status --expire-after 3m --no-reply-after 7d
    """
    from outreach.ledger import Ledger
    from outreach.meeting import parse_zone
    from outreach.status import report_tables, status_report

    today = _parse_day(today_text, "--today")
    zone = parse_zone(tz) if tz else None
    with Ledger.open(ledger_path) as ledger:
        report = status_report(ledger, today, expire_after=expire_after,
                               no_reply_after=no_reply_after, zone=zone)
    for renderable in report_tables(report):
        emit(renderable, None)


@cli.command("titles")
@click.argument("title_texts", metavar="TITLE...", nargs=-1, required=True)
@click.option("--vocabulary", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Extra title vocabulary (TOML) merged over the built-in one.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="table for reading; json for tools.")
def titles_command(title_texts: tuple[str, ...], vocabulary: Path | None, fmt: str) -> None:
    """Explain how each job TITLE is classified: its normalised form, function, level and
    the rule that fired. Peers share the function and level shown here.

    Levels: owner, cxo, vp, director, manager, senior, ic, entry (or unknown).
    Add words your industry uses with --vocabulary FILE (same shape as the
    built-in outreach/data/vocabulary.toml).

    \b
    Examples:
      outreach titles "Sr. Dir., Enterprise PMO"
      outreach titles "VP Marketing | Growth" "Assistant to the CFO" "Gerente de Ventas"
      outreach titles "Head of Platform" --vocabulary my-words.toml --format json
    """
    import dataclasses
    import json

    from outreach.titles import Vocabulary, classify_many

    vocab = Vocabulary.load(vocabulary) if vocabulary else None
    results = classify_many(title_texts, vocab)
    if fmt == "json":
        records = [dataclasses.asdict(result) for result in results]
        click.echo(json.dumps(records, ensure_ascii=False, indent=2))
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"{len(results)} title(s)", show_lines=True)
    for column in ("title", "normalised", "function", "level", "rule"):
        table.add_column(column, overflow="fold", no_wrap=column in ("function", "level"))
    for result in results:
        table.add_row(*(Text(value) for value in (result.title, result.normalized,
                                                  result.function, result.level, result.rule)))
    emit(table, None)


# ---------------------------------------------------------------- calendar: invite, rotation, forum

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


_INPUT_ARG = click.argument("input_path", metavar="INPUT",
                            type=click.Path(exists=True, path_type=Path))


@contextlib.contextmanager
def _busy(label: str, size: int) -> Iterator[None]:
    """Say on stderr (a terminal only) that a big batch is being built. A plain line, not a
    spinner: a spinner's thread would make forking the build's worker processes unsafe."""
    if size >= 200 and sys.stderr.isatty():
        echo_err(f"{label}...")
    yield


def _calendar_meeting(start: str | None, duration: str, tz: str, location: str,
                      link: str) -> Any:
    if not start:
        raise OutreachError("--start: required: when the first meeting is, e.g. "
                            "--start 2027-01-05T08:00 --tz America/Toronto")
    return _emails_meeting(start, duration, tz, location, link)


def _span_or_none(text: str | None, option: str) -> Any:
    from outreach.meeting import parse_span

    return parse_span(text, option=option) if text else None


def _calendar_summary(summary: Any, what: str) -> None:
    click.echo(f"{what}: wrote {len(summary.written)} file(s) to {summary.folder}"
               + (f", {len(summary.unchanged)} unchanged" if summary.unchanged else "") + ".")
    if summary.stale:
        echo_err(f"Note: {len(summary.stale)} other .ics file(s) in {summary.folder} are not "
                 f"from this run (e.g. {summary.stale[0]}); delete them if they are stale.")


def _no_address_note(people: Any) -> None:
    if people:
        echo_err(f"Note: no e-mail address for {len(people)} peer(s) ("
                 + ", ".join(p.full_name for p in people[:3]) + ("..." if len(people) > 3
                                                                 else "")
                 + "): their files are events for your own calendar (METHOD:PUBLISH) "
                 "to share another way.")


@cli.command()
@_INPUT_ARG
@meeting_options
@click.option("--slots", type=click.Choice(["weekday", "week"]), is_flag=False,
              flag_value="weekday", default=None,
              help="Spread the invites: one per weekday (bare --slots) or one per week "
              "from --start, instead of all at the same time.")
@calendar_options
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("out/invites"), show_default=True, help="Folder for the .ics files.")
@ledger_option
@peer_options
def invite(
    input_path: Path, start: str | None, duration: str, tz: str, location: str, link: str,
    slots: str | None, remind: str | None, cancel: bool, template: str,
    from_address: str | None, out_dir: Path, ledger_path: Path | None, **peer_kwargs: Any,
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
    from outreach.calendar import invite_files, valid_email, write_files
    from outreach.ledger import Ledger

    meeting = _calendar_meeting(start, duration, tz, location, link)
    reminder = _span_or_none(remind, "--remind")
    selection = select_people(input_path, **peer_kwargs)
    sender = _emails_sender(selection, from_address)
    with Ledger.open(ledger_path) as ledger, _busy(f"Building {len(selection.people):,} "
                                                    "invites", len(selection.people)):
        files = invite_files(selection.people, sender, meeting, slots=slots, ledger=ledger,
                             cancel=cancel, remind=reminder, template=template)
    with _progress_bar(len(files), "Writing invites") as advance:
        summary = write_files(files, out_dir, advance)
    _no_address_note([p for p in selection.people if not valid_email(p.email)])
    _calendar_summary(summary, "Cancellations" if cancel else "Invites")


@cli.command()
@_INPUT_ARG
@meeting_options
@click.option("--size", type=int, default=5, show_default=True,
              help="How many peers take turns (best matches first, or --pick).")
@click.option("--every", default="1w", show_default=True, metavar="SPAN",
              help="One meeting per SPAN (whole days or weeks: 1w, 2w, 10d).")
@click.option("--months", type=int, default=6, show_default=True,
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
@peer_options
def rotation(
    input_path: Path, start: str | None, duration: str, tz: str, location: str, link: str,
    size: int, every: str, months: int, skip: str | None, pick: str | None,
    remind: str | None, cancel: bool, template: str, from_address: str | None,
    out_dir: Path, ledger_path: Path | None, **peer_kwargs: Any,
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
    from outreach.calendar import valid_email, write_files
    from outreach.ledger import Ledger
    from outreach.meeting import parse_dates, parse_span
    from outreach.schedule import pick_people, plan_rotation, rotation_files, schedule_table

    meeting = _calendar_meeting(start, duration, tz, location, link)
    step = parse_span(every, option="--every")
    skipped = parse_dates(skip or "", option="--skip")
    reminder = _span_or_none(remind, "--remind")
    selection = select_people(input_path, **peer_kwargs)
    sender = _emails_sender(selection, from_address)
    people = pick_people(selection.people, split_list(pick) or []) if pick else selection.people
    plan = plan_rotation(people, meeting.start, size, step, months, skipped)
    with Ledger.open(ledger_path) as ledger:
        files = rotation_files(plan, sender, duration=meeting.duration,
                               location=meeting.location, link=meeting.link, ledger=ledger,
                               cancel=cancel, remind=reminder, template=template)
    summary = write_files(files, out_dir)
    emit(schedule_table(plan), None)
    _no_address_note([p for p in plan.peers if not valid_email(p.email)])
    _calendar_summary(summary, "Rotation cancelled" if cancel else "Rotation")


@cli.command()
@_INPUT_ARG
@meeting_options
@click.option("--every", default="month", show_default=True, metavar="month|quarter",
              help="How often the forum meets (same weekday of the month as --start).")
@click.option("--months", type=int, default=12, show_default=True, help="For how long.")
@click.option("--size", type=int, default=15, show_default=True,
              help="How many peers to invite (best matches first).")
@calendar_options
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("out/forum.ics"), show_default=True, help="The forum's .ics file.")
@ledger_option
@peer_options
@click.pass_context
def forum(
    ctx: click.Context, input_path: Path, start: str | None, duration: str, tz: str,
    location: str, link: str, every: str, months: int, size: int, remind: str | None,
    cancel: bool, template: str, from_address: str | None, out_file: Path,
    ledger_path: Path | None, **peer_kwargs: Any,
) -> None:
    """Invite SIZE peers to a recurring peer forum: one group event, every peer an attendee.

    It repeats monthly or quarterly on the weekday-of-month of --start (a first Tuesday
    stays a first Tuesday). Sessions last 90 minutes unless --duration says otherwise.

    \b
    Examples:
      outreach forum export.zip --start 2027-01-05T07:30 --tz America/Toronto \\
          --location "Board room, 5th floor"
      outreach forum peers.csv --start 2027-01-05T07:30 --every quarter --size 12
    """
    from outreach.calendar import write_files
    from outreach.ledger import Ledger
    from outreach.schedule import forum_ics, forum_no_email, plan_forum

    if ctx.get_parameter_source("duration") == click.core.ParameterSource.DEFAULT:
        duration = "90m"
    meeting = _calendar_meeting(start, duration, tz, location, link)
    reminder = _span_or_none(remind, "--remind")
    selection = select_people(input_path, **peer_kwargs)
    sender = _emails_sender(selection, from_address)
    plan = plan_forum(selection.people, meeting.start, every, months, size)
    with Ledger.open(ledger_path) as ledger:
        data = forum_ics(plan, sender, duration=meeting.duration, location=meeting.location,
                         link=meeting.link, ledger=ledger, cancel=cancel, remind=reminder,
                         template=template)
    summary = write_files({out_file.name: data}, out_file.parent)
    missing = forum_no_email(plan)
    click.echo(f"Forum {plan.rule_text}: {len(plan.starts)} sessions, "
               f"{plan.first:%Y-%m-%d} to {plan.starts[-1]:%Y-%m-%d}, "
               f"{len(plan.peers) - len(missing)} peers invited.")
    if missing:
        echo_err("Note: not invited, no e-mail address: "
                 + ", ".join(p.full_name for p in missing))
    verb = "cancelled" if cancel else ("written" if summary.written else "unchanged")
    click.echo(f"{out_file}: {verb}.")


# ---------------------------------------------------------------- cards

@cli.command()
@click.argument("input_path", metavar="[INPUT]", required=False,
                type=click.Path(exists=True, path_type=Path))
@peer_options
@meeting_options
@click.option("--pending", is_flag=True,
              help="Write to the people the ledger says you met and have not thanked yet, "
              "then record them as thanked (INPUT, if given, only supplies your name).")
@ledger_option
@click.option("--template", default="thanks.card.j2", show_default=True,
              help="Card text: a built-in template name or a .j2 file (greeting, body, "
              "sign-off; blank lines between paragraphs; {{ signature }} is --sign).")
@click.option("--size", type=click.Choice(["a2", "a6", "a7", "4x6", "5x7"]), default="a2",
              show_default=True, help="Card: a2 = US A2 4.25×5.5 in, a6 = ISO A6, "
              "a7 = US A7 5×7 in (same as 5x7), 4x6 in.")
@click.option("--sheet", type=click.Choice(["single", "letter", "a4"]), default="letter",
              show_default=True, help="Paper: as many cards per sheet as fit, with crop "
              "marks; single = one card per page at card size (for blank cards).")
@click.option("--fold", type=click.Choice(["none", "half"]), default="none",
              show_default=True, help="half = a side-fold card twice as wide; the message "
              "goes on the inside right panel, turned to read right once folded.")
@click.option("--font", metavar="NAME|PATH", help="Handwriting font: caveat (bundled, "
              "default) or a TrueType .ttf/.ttc file.")
@click.option("--ink", default="blue", show_default=True, metavar="COLOUR",
              help="blue, black, blue-black, royal, or #rrggbb.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Changes every card's hand; the same seed redraws the same cards.")
@click.option("--sign", metavar="NAME", help="Signature [default: your name from the "
              "export or outreach.toml].")
@click.option("--preview", type=click.Path(dir_okay=False, path_type=Path), metavar="PNG",
              help="Also render the first sheet to PNG to check before printing.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("out/cards.pdf"), show_default=True, help="PDF to write.")
@click.option("--per-file", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Cards per PDF; larger batches are split into NAME-1.pdf, NAME-2.pdf...")
def cards(
    input_path: Path | None, start: str | None, duration: str, tz: str, location: str,
    link: str, pending: bool, ledger_path: Path | None, template: str, size: str,
    sheet: str, fold: str, font: str | None, ink: str, seed: int, sign: str | None,
    preview: Path | None, output: Path, per_file: int, **peer_kwargs: Any,
) -> None:
    """Print thank-you cards in a handwritten style: one per peer, ready to cut or fold.

    Each card is written in a handwriting font whose every letter varies a little (size,
    angle, baseline, spacing; repeated letters most), with ink that looks like a ballpoint.
    Names in Greek, Cyrillic, Chinese... use a matching fallback font. Print at 100%
    ("actual size"), then cut along the ticks in the margin.

    \b
    Examples:
      outreach cards peers.csv --sign "Dana" --preview out/cards.png
      outreach cards export.zip --size a6 --sheet a4 --ink black -o out/cards-a6.pdf
      outreach cards --pending --sheet single --fold half     # after `outreach log met`
    """
    from datetime import date

    from outreach.cards import CardOptions, write_cards, write_preview
    from outreach.models import Sender

    if input_path is None and not pending:
        raise click.UsageError("give INPUT (an export or a peers CSV), or --pending")
    selection = select_people(input_path, **peer_kwargs) if input_path else None
    sender = selection.sender if selection is not None else Sender()
    people = selection.people if selection is not None and not pending else []
    if pending:
        from outreach.ledger import Ledger

        with Ledger.open(ledger_path) as ledger:
            people = ledger.pending_thanks()
        if not people:
            click.echo("Nobody to thank: everyone you met has a card already.")
            return
    options = CardOptions(
        template=template, size=size, sheet=sheet, fold=fold, font=font, ink=ink, seed=seed,
        sign=sign, meeting=_cards_meeting(start, duration, tz, location, link),
        per_file=per_file,
    )
    result = _cards_with_progress(people, sender, output, options, write_cards)
    for warning in result.warnings:
        echo_err(f"Warning: {warning}")
    if pending:
        from outreach.ledger import Ledger

        with Ledger.open(ledger_path) as ledger:
            ledger.mark_thanked([p.key for p in people], date.today())
    _cards_summary(result, pending)
    if preview is not None:
        click.echo(f"Preview of the first sheet: {write_preview(result.files[0], preview)}")


def _cards_meeting(start: str | None, duration: str, tz: str, location: str, link: str) -> Any:
    """``meeting.*`` for the card template: when --start, --location or --link is given."""
    from datetime import datetime, time

    from outreach.meeting import Meeting, parse_span, parse_start, parse_zone

    if not (start or location or link):
        return None
    when = (parse_start(start, tz) if start
            else datetime.combine(datetime.now(parse_zone(tz)).date(), time(12),
                                  parse_zone(tz)))
    return Meeting(when, parse_span(duration), location, link)


def _cards_with_progress(people: list[Any], sender: Any, output: Path, options: Any,
                         write: Callable[..., Any]) -> Any:
    if not sys.stderr.isatty() or len(people) < 50:
        return write(people, sender, output, options)
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("Writing cards", total=len(people))
        return write(people, sender, output, options,
                     on_card=lambda n: progress.advance(task, n))


def _cards_summary(result: Any, pending: bool) -> None:
    lay = result.layout
    per = f"{lay.per_page} per {lay.sheet} sheet" if lay.sheet != "single" else "one per page"
    sizes = sorted(set(result.sizes))
    hand = f"{sizes[0]:g} pt" if len(sizes) == 1 else f"{sizes[0]:g}–{sizes[-1]:g} pt"
    files = ", ".join(str(f) for f in result.files)
    click.echo(f"Wrote {result.cards} card(s) ({lay.size.label}"
               f"{', half-fold' if lay.fold == 'half' else ''}, {per}) on {result.pages} "
               f"page(s), handwriting {hand}: {files}")
    click.echo("Print at 100% / actual size (not 'fit to page')"
               + (", then cut along the ticks." if lay.sheet != "single" else "."))
    if pending:
        click.echo(f"Marked {result.cards} as thanked in the ledger.")


# ---------------------------------------------------------------- campaign

@cli.command()
@_EXPORT_ARG
@peer_options
@meeting_options
@click.option("--from", "from_address", metavar='"NAME <ADDR>"',
              help="Sender and organiser [default: your name and address from the export].")
@click.option("--remind", default="15m", show_default=True,
              help="Calendar reminder before each meeting ('' for none).")
@click.option("--rotation-size", default=5, show_default=True,
              help="Peers in the 1:1 rotation (each met every size × every).")
@click.option("--rotation-every", default="1w", show_default=True,
              help="One rotation meeting per this span.")
@click.option("--rotation-months", default=6, show_default=True,
              help="Length of the rotation trial.")
@click.option("--forum-size", default=15, show_default=True, help="Peers invited to the forum.")
@click.option("--forum-every", type=click.Choice(["month", "quarter"]), default="month",
              show_default=True, help="How often the forum meets.")
@click.option("--forum-months", default=12, show_default=True, help="Forum series length.")
@click.option("--card-size", type=click.Choice(["a2", "a6", "a7", "4x6", "5x7"]), default="a2",
              show_default=True, help="Thank-you card size.")
@click.option("--card-sheet", type=click.Choice(["single", "letter", "a4"]), default="letter",
              show_default=True, help="Paper the cards are printed on.")
@click.option("--card-ink", default="blue", show_default=True, help="blue, black or #hex.")
@click.option("--card-font", default=None, help="Handwriting font name or file.")
@click.option("--card-seed", default=0, show_default=True, help="Varies the handwriting.")
@click.option("--preview/--no-preview", default=True, show_default=True,
              help="Also render cards.png (needs pdftoppm).")
@click.option("--ledger", "ledger_path", envvar="OUTREACH_LEDGER",
              type=click.Path(dir_okay=False, path_type=Path),
              help="Ledger database [default: in your user data folder].")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("out"), show_default=True, help="Where everything is written.")
def campaign(export: Path, out_dir: Path, ledger_path: Path | None, **options: Any) -> None:
    """The main job: from your LinkedIn export to invitations, calendar and cards.

    \b
    Runs every stage and writes under --out:
      peers.csv            your peers and why each one matches
      calendar/*.ics       each rotation peer's series, rotation.ics (all), forum.ics
      emails/*.eml         one invitation per peer with an address, invite attached
      outbox.mbox          the same messages in one mailbox file
      linkedin.csv         short notes for peers without an e-mail address
      cards.pdf, cards.png thank-you cards for the rotation, and a preview
      report.html          the plan on one page: open it in a browser

    The best --rotation-size peers form a 1:1 rotation (one coffee a week, each
    peer every size × every, for --rotation-months); the next --forum-size are
    invited to a recurring peer forum. Nothing is sent: review emails/, then run
    `outreach send out/emails --send`. Rerunning rewrites only what changed and
    never issues a second invitation for the same meeting.

    \b
    Example:
      outreach campaign Basic_LinkedInDataExport_11-20-2026.zip \\
          --start 2027-01-05T08:00 --tz America/Toronto --location "Café Olimpico"
    """
    from outreach.campaign import STAGES, run_campaign

    settings = _campaign_options(out_dir, ledger_path, options)
    with _stage_progress(len(STAGES)) as on_stage:
        result = run_campaign(export, settings, on_stage)
    _campaign_summary(result, out_dir)


def _campaign_options(out_dir: Path, ledger_path: Path | None, options: dict[str, Any]) -> Any:
    from outreach.campaign import CampaignOptions
    from outreach.meeting import parse_span, parse_start, parse_zone
    from outreach.models import Sender
    from outreach.peers import PeerQuery

    parse_zone(options["tz"])
    sender = None
    if options["from_address"]:
        from email.utils import parseaddr

        name, address = parseaddr(options["from_address"])
        if "@" not in address:
            raise click.BadParameter(f"{options['from_address']!r} is not 'Name <address>'",
                                     param_hint="--from")
        sender = Sender(name=name, email=address)
    query = PeerQuery(options["title"], options["company"], split_list(options["levels"]),
                      split_list(options["functions"]), options["include_own_company"],
                      options["vocabulary"])
    return CampaignOptions(
        out=out_dir, query=query, sender=sender,
        start=parse_start(options["start"], options["tz"]) if options["start"] else None,
        tz=options["tz"], duration=parse_span(options["duration"]),
        location=options["location"], link=options["link"],
        remind=parse_span(options["remind"], option="--remind") if options["remind"] else None,
        rotation_size=options["rotation_size"],
        rotation_every=parse_span(options["rotation_every"], option="--rotation-every"),
        rotation_months=options["rotation_months"], forum_size=options["forum_size"],
        forum_every=options["forum_every"], forum_months=options["forum_months"],
        card_size=options["card_size"], card_sheet=options["card_sheet"],
        card_ink=options["card_ink"], card_font=options["card_font"],
        card_seed=options["card_seed"], preview=options["preview"], ledger=ledger_path,
    )


class _StageProgress:
    """A bar across the campaign's stages (on a terminal only); yields ``on_stage(name)``."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.progress: Any = None
        self.task: Any = None
        self.started = False

    def __enter__(self) -> Callable[[str], None]:
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import Progress

            self.progress = Progress(console=Console(stderr=True), transient=True)
            self.progress.__enter__()
            self.task = self.progress.add_task("campaign", total=self.total)
        return self.advance

    def advance(self, name: str) -> None:
        if self.progress is None:
            return
        if self.started:
            self.progress.advance(self.task)
        self.started = True
        self.progress.update(self.task, description=name)

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.__exit__(*exc)


def _stage_progress(total: int) -> _StageProgress:
    return _StageProgress(total)


def _campaign_summary(result: Any, out_dir: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Written under {out_dir}/", title_justify="left")
    for column in ("File", "What", "This run"):
        table.add_column(column, overflow="fold")
    for output in result.outputs:
        table.add_row(str(output.path.relative_to(out_dir)), output.what,
                      "written" if output.changed else "unchanged")
    Console().print(table)
    selection = result.selection
    click.echo(
        f"{len(selection.people)} peers for {selection.title!r}: {len(result.rotation_peers)} in "
        f"the rotation, {len(result.forum_peers)} invited to the forum, {result.meetings} "
        f"meetings, {result.emails} e-mails, {result.linkedin_notes} LinkedIn notes, "
        f"{result.cards} cards."
    )
    for note in result.notes:
        click.echo(f"note: {note}")
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    changed = sum(o.changed for o in result.outputs)
    click.echo(f"{changed} file(s) written, {len(result.outputs) - changed} unchanged. "
               f"Open {out_dir / 'report.html'}; nothing was sent.")
