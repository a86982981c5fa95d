"""``outreach inbox``, ``followups``, ``drafts`` and ``login``: closing the loop through the
user's mailbox (the library: ``outreach.mail.inbox``, ``outreach.followups``,
``outreach.mail.drafts``, ``outreach.mail.imap``, ``outreach.mail.credentials``)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

from outreach.cli.common import (
    booking_link_option,
    checked_link,
    csv_dialect_option,
    echo,
    echo_err,
    emit,
    language,
    language_options,
    ledger_option,
    output_mode_options,
    report_json,
)
from outreach.errors import OutreachError
from outreach.times import today as times_today
from outreach.wording import plural, sentence

F = TypeVar("F", bound=Callable[..., Any])

_KIND_WORDS = {"rsvp": "RSVP", "counter": "proposed a new time", "reply": "replied",
               "bounce": "bounced", "auto-reply": "auto-reply (not a reply)"}


def imap_login_options(func: F) -> F:
    """How to log in to IMAP ([imap] in outreach.toml); the password is never an option."""
    for option in reversed([
        click.option("--auth", type=click.Choice(["password", "xoauth2"]), default="password",
                     show_default=True, help="xoauth2 for Gmail and Microsoft 365: "
                     "--token-command prints an access token."),
        click.option("--password-command", metavar="COMMAND",
                     help="A command that prints the password, e.g. \"pass show mail/work\" "
                     "[default: OUTREACH_IMAP_PASSWORD, else the keyring (outreach login "
                     "imap), else this, else a prompt]."),
        click.option("--token-command", metavar="COMMAND",
                     help="With --auth xoauth2: a command that prints an access token."),
        click.option("--ca-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="Also trust this CA certificate (PEM)."),
    ]):
        func = option(func)
    return func


def _session(url_text: str, auth: str, password_command: str | None,
             token_command: str | None, ca_file: Path | None, *, field: str | None,
             default_folder: str = "INBOX") -> Any:
    from outreach.mail.credentials import obtain, terminal_prompt
    from outreach.mail.imap import ImapSession, parse_url

    url = parse_url(url_text, field=field, default_folder=default_folder)
    secret = obtain("imap", url.user, auth=auth, password_command=password_command,
                    token_command=token_command, prompt=terminal_prompt())
    return ImapSession(url, secret, ca_file=ca_file)


@contextlib.contextmanager
def _reading_progress(label: str) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar on stderr once a source holds 200 new messages or more, only
    when stderr is a terminal (the library calls back with done and total)."""
    bar: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if "progress" not in bar:
            if total < 200 or not sys.stderr.isatty():
                bar["progress"] = None
            else:
                from rich.console import Console
                from rich.progress import Progress

                bar["progress"] = Progress(console=Console(stderr=True), transient=True)
                bar["progress"].start()
                bar["task"] = bar["progress"].add_task(label, total=total)
        if bar["progress"] is not None and (done % 100 == 0 or done >= total):
            bar["progress"].update(bar["task"], completed=done)

    try:
        yield update
    finally:
        if bar.get("progress") is not None:
            bar["progress"].stop()


def _day(text: str | None, option: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise OutreachError(f"{option}: cannot read {text!r}; use YYYY-MM-DD") from None


@click.command()
@click.argument("source")
@click.option("--since", "since_text", metavar="YYYY-MM-DD",
              help="Only messages dated on or after this day.")
@imap_login_options
@click.option("--today", "today_text", metavar="YYYY-MM-DD", hidden=True)
@ledger_option
@output_mode_options
def inbox(source: str, since_text: str | None, auth: str, password_command: str | None,
          token_command: str | None, ca_file: Path | None, today_text: str | None,
          ledger_path: Path | None) -> None:
    """Read replies, RSVPs and bounces from your mailbox into the ledger.

    SOURCE is imaps://user@host[:port]/FOLDER (imap:// upgrades with STARTTLS), an mbox
    file, a Maildir folder (…/Sent, …/Drafts: the server's SPECIAL-USE folder), or - for an
    mbox on standard input (known again by Message-ID only). Only what
    is new since the last run is read (an IMAP folder by UIDVALIDITY and UID, an mbox by
    the offset read up to, a Maildir by file name), and each message is recorded once:
    Accept/Decline/Tentative from Gmail, Outlook, Apple Calendar or Thunderbird (iTIP
    REPLY; COUNTER: a proposed new time), replies to what you sent, bounces (the address
    is never used again; the peer gets the LinkedIn note instead) and auto-replies (noted,
    not replies). Reading marks nothing as read. A message that cannot be read (over 25 MB,
    nested too deep, a huge header, a link out of the Maildir) is skipped and named.

    \b
    Examples:
      outreach inbox ~/Mail/inbox.mbox
      ssh mailhost cat Mail/inbox | outreach inbox -
      outreach inbox imaps://dana@example.com@imap.example.com/INBOX
      outreach inbox imaps://dana@gmail.com@imap.gmail.com/INBOX --auth xoauth2 \\
          --token-command "oauth2l fetch --scope mail"
    """
    from outreach.cli.streams import is_dash
    from outreach.ledger import Ledger
    from outreach.mail.sources import is_imap, read_inbox, read_stream

    since = _day(since_text, "--since")
    today = _day(today_text, "--today")
    data = sys.stdin.buffer.read() if is_dash(source) else None  # before the ledger opens
    with Ledger.open(ledger_path) as ledger, _reading_progress("Reading mail") as progress:
        if data is not None:
            report = read_stream(ledger, data, since=since, today=today, progress=progress)
        elif is_imap(source):
            with _session(source, auth, password_command, token_command, ca_file,
                          field=None) as session:
                report = read_inbox(ledger, source, since=since, session=session, today=today,
                                    progress=progress)
        else:
            report = read_inbox(ledger, source, since=since, today=today, progress=progress)
        people = ledger.all_people() if report.learned or report.unverified else {}
    _inbox_table(report, people)


def _inbox_table(report: Any, people: dict[str, Any]) -> None:
    if report.learned or report.unverified:  # a rerun with nothing new needs no table
        from rich.table import Table

        from outreach.cli.display import text
        from outreach.track import describe
    if report.learned:
        table = Table(title=text(f"Learned from {report.source} ({len(report.learned)})"),
                      title_justify="left")
        for column in ("Who", "What", "When", "Detail"):
            table.add_column(column, overflow="fold")
        for rec in report.learned:
            person = people.get(rec.person_key)
            who = describe(person) if person is not None else rec.detail or rec.person_key
            detail = _answer(rec.detail, rec.comment) if rec.kind == "rsvp" else (
                rec.detail if rec.kind == "counter" else
                f"{rec.detail}: never used again" if rec.kind == "bounce" else rec.subject)
            if rec.recurrence_id:
                detail += f" (occurrence {rec.recurrence_id})"
            table.add_row(text(who), text(_KIND_WORDS.get(rec.kind, rec.kind)),
                          text(rec.on.isoformat()), text(detail))
        emit(table, None)
    else:
        echo("Nothing new learned.")
    if report.unverified:
        doubted = Table(title=text(f"Not believed ({len(report.unverified)}): kept, see "
                                   "outreach status"), title_justify="left")
        for column in ("Would concern", "What", "From", "Why not"):
            doubted.add_column(column, overflow="fold")
        for rec in report.unverified:
            person = people.get(rec.person_key)
            doubted.add_row(text(describe(person) if person is not None else ""),
                            text(_KIND_WORDS.get(rec.kind, rec.kind)), text(rec.sender),
                            text(rec.doubt))
        emit(doubted, None)
    for where, why in report.skipped:
        echo(f"Skipped {where}: {why}")
    seen = f", {report.already_seen} already read" if report.already_seen else ""
    kept = f", {len(report.unverified)} not believed" if report.unverified else ""
    echo(sentence(f"Read {plural(report.read, 'message')}: {len(report.learned)} "
                  f"learned, {report.ignored} ignored{kept}{seen}"))
    report_json("inbox", {
        "source": str(report.source), "read": report.read, "ignored": report.ignored,
        "already_read": report.already_seen, "not_believed": len(report.unverified),
        "learned": [{"person": (describe(people[r.person_key]) if r.person_key in people
                                else r.person_key), "kind": r.kind, "on": r.on.isoformat(),
                     "detail": r.detail} for r in report.learned],
        "skipped": [{"what": str(where), "why": why} for where, why in report.skipped]})


def came_back_tables(data: dict[str, Any]) -> list[Any]:
    """The ``status`` sections of what came back (RSVPs, proposed times, bounced,
    do-not-contact), from ``track.status_data``."""
    from rich.table import Table

    from outreach.cli.display import text

    def section(title: str, columns: tuple[str, ...], rows: list[Any]) -> Any:
        table = Table(title=text(f"{title} ({len(rows)})"), title_justify="left")
        for column in columns:
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*(text(cell) for cell in row))
        return table

    people = data["people"]
    out = []
    rsvps = [(p["name"], _answer(p["rsvp"], p["rsvps"][-1]["comment"] if p["rsvps"] else ""),
              p["rsvps"][-1]["on"] if p["rsvps"] else "") for p in people if p["rsvp"]]
    if rsvps:
        out.append(section("RSVPs", ("Who", "Answer", "On"), rsvps))
    replies = [(p["name"], r["on"], r["subject"]) for p in people for r in p["replies"]]
    if replies:
        out.append(section("Replies", ("Who", "On", "Subject"), replies))
    notes = [(p["name"], on) for p in people for on in p["notes_sent"]]
    if notes:
        out.append(section("LinkedIn notes sent", ("Who", "On"), notes))
    proposed = [(p["name"], p["proposed"]) for p in people if p["proposed"]]
    if proposed:
        out.append(section("Proposed new times", ("Who", "Proposed start"), proposed))
    bounced = [(p["name"], p["email"]) for p in people if p["bounced"]]
    if bounced:
        out.append(section("Bounced: LinkedIn note instead", ("Who", "Address"), bounced))
    blocked = [(p["name"], p["url"] or p["email"]) for p in people if p["do_not_contact"]]
    if blocked:
        out.append(section("Do not contact", ("Who", "Profile"), blocked))
    doubted = [(u["person"]["name"] if u["person"] else "", _KIND_WORDS.get(u["kind"], u["kind"]),
                u["from"], u["date"], u["names"], u["reason"]) for u in data.get("unverified", [])]
    if doubted:
        out.append(section("Not believed (outreach log it if it is true)",
                           ("Would concern", "What", "From", "On", "About", "Why not"), doubted))
    return out


def _answer(partstat: str, comment: str) -> str:
    return f"{partstat}: {comment}" if comment else partstat


@click.command()
@click.option("--after", default="7d", show_default=True, metavar="AGE",
              help="Only people told at least this long ago (d, w, m, y).")
@click.option("--max", "max_count", type=click.IntRange(min=1), default=1, show_default=True,
              help="Follow up at most this many times.")
@click.option("-t", "--template", default="followup.email.j2", show_default=True,
              help="A built-in or your own template; original_subject is the invitation's, "
              "invitation.* what it proposed [default: followup.email.j2 for the first nudge, "
              "followup-last.email.j2 after].")
@click.option("--from", "from_address", metavar='"NAME <ADDR>"', required=False,
              help="Sender [default: [sender] in outreach.toml].")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("out/followups"), show_default=True,
              help="Folder for the follow-up .eml files and linkedin.csv.")
@click.option("--today", "today_text", metavar="YYYY-MM-DD", hidden=True)
@booking_link_option
@language_options
@ledger_option
@csv_dialect_option
@output_mode_options
def followups(after: str, max_count: int, template: str, from_address: str | None,
              out_dir: Path, today_text: str | None, ledger_path: Path | None,
              locale: str | None, templates_dir: Path | None,
              booking_link: str | None = None) -> None:
    """Write a follow-up only to people who have not answered.

    Who is silent is the life cycle's answer (as `outreach status` shows it): told at least
    --after ago (by e-mail, or by a LinkedIn note logged with `outreach log noted`), no reply,
    RSVP, proposed time or bounce since, not cancelled, not do-not-contact (log optout), not
    met, and fewer than --max follow-ups. Each follow-up says what the invitation proposed.
    E-mails go to OUT as .eml, threaded to the invitation (In-Reply-To and References are
    its Message-ID; the subject is "Re: " and its subject); people told by LinkedIn note get
    a row in OUT/linkedin.csv instead. Run `outreach inbox` first so answers are known; then
    send them as usual.

    \b
    Examples:
      outreach inbox ~/Mail/inbox.mbox && outreach followups --after 7d
      outreach send out/followups --send
    """
    from outreach.cli.common import parse_from
    from outreach.followups import plan_followups, render_followups
    from outreach.ledger import Ledger
    from outreach.mail.batch import write_batch
    from outreach.model import Sender
    from outreach.track import describe

    if not from_address:
        raise click.UsageError("followups needs a sender: --from 'Name <you@example.com>' "
                               "or [sender] name and email in outreach.toml")
    name, address = parse_from(from_address)
    language_said = language(locale, templates_dir)
    today = _day(today_text, "--today") or times_today()
    with Ledger.open(ledger_path) as ledger:
        plan = plan_followups(ledger, today, after=after, max_count=max_count)
        for person, why in plan.skipped:
            echo(f"Skipped {describe(person)}: {why}")
        if not plan.due:
            echo("No follow-ups due.")
            report_json("followups", {"written": 0, "unchanged": 0, "out": str(out_dir),
                                      "emails": [], "linkedin_notes": [],
                                      "skipped": _skipped_json(plan.skipped)})
            return
        batch, by_id = render_followups(plan.due, Sender(name=name, email=address), template,
                                        secret=ledger.message_id_secret(),
                                        locale=language_said[0], templates=language_said[1],
                                        booking_link=checked_link(booking_link))
        if batch.problems:
            for problem in batch.problems:
                echo_err(f"problem: {problem}")
            raise OutreachError(f"{plural(len(batch.problems), 'problem')} found; "
                                "nothing written")
        summary = write_batch(batch, out_dir)
        ledger.record_followups(
            (m.message_id, by_id[m.message_id].key, by_id[m.message_id].original_id,
             by_id[m.message_id].number, m.subject)
            for m in batch.messages)
    for message in batch.messages:
        echo(f"Follow-up for {describe(message.person)}: {out_dir / message.filename}")
    for note in batch.notes:
        echo(f"Follow-up note for {describe(note.person)}: {summary.linkedin_csv} "
             "(send it on LinkedIn, then: outreach log noted)")
    unchanged = f" ({summary.unchanged} unchanged)" if summary.unchanged else ""
    notes = f" and {plural(len(batch.notes), 'LinkedIn note')}" if batch.notes else ""
    then = (f"outreach send {out_dir}" if batch.messages
            else "send them on LinkedIn and log each with outreach log noted NAME")
    echo(sentence(f"Wrote {plural(summary.written, 'follow-up')}{notes} to {out_dir}"
                  f"{unchanged}; review, then: {then}"))
    report_json("followups", {
        "written": summary.written, "unchanged": summary.unchanged, "out": str(out_dir),
        "emails": [{"person": describe(m.person), "file": str(out_dir / m.filename)}
                   for m in batch.messages],
        "linkedin_notes": [describe(n.person) for n in batch.notes],
        "skipped": _skipped_json(plan.skipped)})


def _skipped_json(skipped: Any) -> list[dict[str, str]]:
    from outreach.track import describe

    return [{"person": describe(person), "why": why} for person, why in skipped]


@click.command()
@click.argument("source", metavar="DIR_OR_MBOX", type=click.Path(exists=True, path_type=Path))
@click.option("--imap", "imap_url", required=True, metavar="URL",
              help="The Drafts folder: imaps://user@host/Drafts (imap:// for STARTTLS).")
@imap_login_options
@ledger_option
@output_mode_options
def drafts(source: Path, imap_url: str, auth: str, password_command: str | None,
           token_command: str | None, ca_file: Path | None, ledger_path: Path | None) -> None:
    """Put the messages in DIR_OR_MBOX into your Drafts folder instead of sending them.

    The folder is the URL's; without one, or when none is called Drafts, the one the
    server marks \\Drafts (SPECIAL-USE). Each message is appended with the \\Draft flag
    once per Message-ID: the folder is
    searched first, so a rerun appends nothing new. Then open your mail client, read each
    one and press Send yourself. People marked do-not-contact and addresses that bounced
    are skipped.

    \b
    Examples:
      outreach drafts out/emails --imap imaps://dana@example.com@imap.example.com/Drafts
    """
    from outreach.ledger import Ledger
    from outreach.mail import outbox
    from outreach.mail.drafts import append_drafts

    messages = outbox.load_outbox(source)
    with Ledger.open(ledger_path) as ledger, _session(
            imap_url, auth, password_command, token_command, ca_file, field="imap_url",
            default_folder="Drafts") as session:
        report = append_drafts(messages, session, ledger)
    for item, why in report.skipped:
        echo(f"Skipped {item.source}: {why}")
    echo(sentence(f"Appended {plural(len(report.appended), 'draft')} to "
                  f"{session.url.folder}; {len(report.present)} already there"))
    report_json("drafts", {
        "folder": session.url.folder, "appended": [m.message_id for m in report.appended],
        "already_there": [m.message_id for m in report.present],
        "skipped": [{"what": str(item.source), "why": why} for item, why in report.skipped]}
    )


@click.command()
@click.argument("service", type=click.Choice(["smtp", "imap"]))
@click.option("--user", required=True, help="The login name the password is for.")
def login(service: str, user: str) -> None:
    """Store the SMTP or IMAP password for USER in the system keyring (asked, hidden).

    `send`, `inbox` and `drafts` then find it; OUTREACH_SMTP_PASSWORD /
    OUTREACH_IMAP_PASSWORD still win when set.
    """
    import sys

    from outreach.mail.credentials import keyring_name, store_in_keyring

    if not sys.stdin.isatty():
        raise OutreachError("login: no terminal to ask for the password")
    password = click.prompt(f"{service.upper()} password for {user}", hide_input=True,
                            confirmation_prompt=True, err=True)
    store_in_keyring(service, user, password)
    click.echo(f"Stored in the system keyring as {keyring_name(service)} / {user}.")
