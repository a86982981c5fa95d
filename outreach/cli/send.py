"""``outreach send``: deliver reviewed .eml files over SMTP, exactly once."""

from __future__ import annotations

import contextlib
import dataclasses
import sys
from pathlib import Path
from typing import Any

import click

from outreach.cli.common import (
    csv_dialect_option,
    echo,
    echo_err,
    emit,
    ledger_option,
    output_mode_options,
    report_json,
    tz_option,
)
from outreach.errors import OutreachError
from outreach.wording import noun, plural


@click.command()
@click.argument("source", metavar="DIR_OR_MBOX", type=click.Path(exists=True, path_type=Path))
@click.option("--smtp-host", default="localhost", show_default=True, help="SMTP server.")
@click.option("--port", type=click.IntRange(1, 65535),
              help="[default: 587 for starttls, 465 for ssl, 25 for none]")
@click.option("--security", type=click.Choice(["starttls", "ssl", "none"]), default="starttls",
              show_default=True, help="none only for a trusted local relay.")
@click.option("--user", help="Log in as USER. The password comes from OUTREACH_SMTP_PASSWORD, "
              "else the keyring (outreach login smtp), else --password-command, else a "
              "prompt; never from the command line.")
@click.option("--auth", type=click.Choice(["password", "xoauth2"]), default="password",
              show_default=True, help="xoauth2 for Gmail and Microsoft 365: --token-command "
              "prints an access token.")
@click.option("--password-command", metavar="COMMAND",
              help="A command that prints the password, e.g. \"pass show mail/work\".")
@click.option("--token-command", metavar="COMMAND",
              help="With --auth xoauth2: a command that prints an access token.")
@click.option("--ca-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Also trust this CA certificate (PEM), for a relay with a private CA.")
@click.option("--rate", metavar="N/min", help="At most N messages a minute (or N/s, N/h).")
@click.option("--limit", type=click.IntRange(min=1), help="Stop after N messages.")
@click.option("--timeout", type=click.FloatRange(1, 600), default=60.0, show_default=True,
              metavar="SECONDS", help="Give up on a silent SMTP server after this long.")
@click.option("--retries", type=click.IntRange(0, 10), default=3, show_default=True,
              help="Retries after a 4xx reply or a dropped connection.")
@click.option("--retry-wait", type=click.FloatRange(0, 600), default=1.0, show_default=True,
              metavar="SECONDS", help="First wait before a retry; doubles each time.")
@click.option("--retry-failed", is_flag=True,
              help="Also retry recipients that failed permanently (e.g. a fixed mailbox).")
@click.option("--send", "really_send", is_flag=True,
              help="Send for real. Without it: a dry run listing what would be sent.")
@tz_option("Zone of the Date: header, set when each message goes out.")
@ledger_option
@csv_dialect_option
@output_mode_options
def send(
    source: Path, smtp_host: str, port: int | None, security: str, user: str | None,
    auth: str, password_command: str | None, token_command: str | None, ca_file: Path | None,
    rate: str | None, limit: int | None, timeout: float, retries: int,
    retry_wait: float, retry_failed: bool, really_send: bool, tz: str,
    ledger_path: Path | None,
) -> None:
    """Send the messages in DIR_OR_MBOX (.eml files or an mbox), each exactly once.

    Dry run by default: lists each message with its state in the ledger (new, already
    sent, resend, retry). With --send, every delivery is recorded by Message-ID and
    recipient, so a rerun after a crash, Ctrl-C or a dropped connection sends only what is
    missing; a message cut off mid-transaction is resent with the same Message-ID, which
    mail servers and clients treat as one message. 4xx replies are retried with backoff;
    a 5xx for one recipient is recorded and the batch goes on; failures are listed in
    failed.csv beside the input. Ctrl-C once finishes the current message, then stops.

    Messages are known by Message-ID (a file edited by hand is still its message; one
    Message-ID in two files is an error). A message the campaign's plan no longer holds
    (superseded by a later one, or withdrawn) is never sent: the dry run lists it as
    refused, and --send refuses the whole run until it is deleted. The Date: header is
    set when the message goes out; the plan is made under the ledger's run lock, after
    the password prompt, so a second send started meanwhile repeats nothing.

    \b
    Examples:
      outreach send out/emails                          # dry run
      OUTREACH_SMTP_PASSWORD=... outreach send out/emails --send \\
          --smtp-host smtp.example.com --user me@example.com --rate 20/min
    """
    from outreach.ledger import Ledger
    from outreach.mail import outbox
    from outreach.mail.smtp import SendOptions, parse_rate
    from outreach.times import parse_zone

    per_second = parse_rate(rate)  # a bad --rate or --tz is an error in a dry run too
    zone = parse_zone(tz)
    from outreach.mail.contact import without_blocked

    messages = outbox.load_outbox(source)
    with Ledger.open(ledger_path) as ledger:
        plan, blocked = without_blocked(
            outbox.plan_batch(messages, ledger, retry_failed=retry_failed), ledger)
        for line in blocked:  # do not contact, or the address bounced: never sent
            echo(f"Skipped {line}")
        if not really_send:
            _dry_run(plan, limit)
            return
        outbox.check_sendable(plan)  # a stale file: refused before the password prompt
        settings = _smtp_settings(smtp_host, port, security, user, ca_file,
                                  (auth, password_command, token_command))
        settings = dataclasses.replace(settings, timeout=timeout)
        options = SendOptions(rate=per_second, limit=limit, max_attempts=retries + 1,
                              backoff=retry_wait, zone=zone)
        with ledger.exclusive():  # plan again under the run lock: what another run sent
            plan, _ = without_blocked(  # counts
                outbox.plan_batch(messages, ledger, retry_failed=retry_failed), ledger)
            summary = _send_with_progress(plan, ledger, settings, options)
        summary.failed_csv = outbox.write_failed_csv(
            messages, ledger, outbox.failed_csv_folder(source))
    _send_summary(summary)


def _dry_run(plan: list[Any], limit: int | None) -> None:
    from outreach.cli.display import plan_table

    emit(plan_table(plan), None)
    refused = [p.refused for p in plan if p.refused]
    for reason in refused:
        echo(f"Refused: {reason}")
    due = sum(1 for p in plan if p.pending)
    would = min(due, limit) if limit else due
    rest = len(plan) - due - len(refused)
    report_json("send", {"dry_run": True, "messages": len(plan), "would_send": would,
                         "refused": refused, "nothing_needed": rest})
    if refused:
        echo(f"Dry run: {plural(len(refused), 'message')} refused; --send sends nothing "
                   f"until {noun(len(refused), 'it is', 'they are')} deleted. Then "
                   f"{would} of {plural(len(plan) - len(refused), 'message')} would be sent; "
                   f"{rest} {noun(rest, 'needs', 'need')} nothing.")
        return
    echo(f"Dry run: {would} of {plural(len(plan), 'message')} would be sent"
               f"{f' (--limit {limit})' if limit and limit < due else ''}; "
               f"{rest} {noun(rest, 'needs', 'need')} nothing. "
               f"Add --send to send {noun(would, 'it', 'them')}.")


def _smtp_settings(host: str, port: int | None, security: str, user: str | None,
                   ca_file: Path | None, login: tuple[str, str | None, str | None] = (
                       "password", None, None)) -> Any:
    """Where to send and how to log in (``outreach.mail.credentials``: the environment, the
    keyring, password_command, a prompt; or an XOAUTH2 token from token_command)."""
    from outreach.mail.credentials import obtain
    from outreach.mail.smtp import SmtpSettings

    auth, password_command, token_command = login
    password = None
    if user:
        def ask(text: str) -> str:
            return str(click.prompt(text, hide_input=True, err=True))

        secret = obtain("smtp", user, auth=auth, password_command=password_command,
                        token_command=token_command, who=f"--user {user}",
                        prompt=ask if sys.stdin.isatty() else None)
        password = secret.value
    elif auth == "xoauth2":
        raise OutreachError("--auth xoauth2 needs --user (the account the token is for)")
    settings = SmtpSettings(host=host, port=port, security=security, user=user,
                            password=password, ca_file=ca_file, auth=auth)
    settings.check()
    return settings


def _send_with_progress(plan: list[Any], ledger: Any, settings: Any, options: Any) -> Any:
    """Run the batch with a progress bar (TTY only); the first Ctrl-C stops it cleanly."""
    import signal

    from outreach.mail.smtp import send_batch

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
    echo("Summary: " + ", ".join(parts) + ".")
    report_json("send", {
        "dry_run": False, "sent": summary.sent, "skipped_sent": summary.skipped_sent,
        "skipped_failed": summary.skipped_failed, "failed": summary.failed,
        "not_attempted": summary.not_attempted, "interrupted": summary.interrupted,
        "failed_csv": str(summary.failed_csv) if summary.failed_csv else None})
    if summary.failed_csv is not None:
        echo(f"Failures with the server's replies: {summary.failed_csv}")
    if summary.error is not None:
        raise summary.error
    if summary.interrupted:
        echo_err("Stopped by Ctrl-C; rerun to send the rest.")
        sys.exit(130)
    if summary.failed:
        sys.exit(1)
