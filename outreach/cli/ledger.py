"""``outreach log`` and ``status``: the relationship ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from outreach.cli.common import echo, emit, ledger_option, tz_option
from outreach.errors import OutreachError
from outreach.wording import sentence


def _parse_day(text: str | None, option: str) -> Any:
    from datetime import date

    if not text:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise OutreachError(f"{option}: cannot read {text!r}; use YYYY-MM-DD") from None


@click.command("log")
@click.argument("kind", type=click.Choice(["met", "gave", "got", "replied", "thanked",
                                           "noted", "optout"]))
@click.argument("who")
@click.option("--on", "on_text", metavar="YYYY-MM-DD", help="When  [default: today].")
@click.option("--note", default="", help="What happened, e.g. \"intro to their CFO\": "
              "for you; never printed on a card.")
@click.option("--card", metavar="LINE", help="met only: the line their thank-you card "
              "says, printed as written, e.g. \"Your point about brand budgets stays with "
              "me.\" Without it the card says a general thank-you.")
@ledger_option
def log_command(kind: str, who: str, on_text: str | None, note: str, card: str | None,
                ledger_path: Path | None) -> None:
    """Record what happened with a peer: met, gave (you helped), got (they helped), replied;
    noted: you sent their LinkedIn note (from linkedin.csv), so they count as told and get a
    follow-up note like an e-mail would; optout: do not contact them again (every stage
    skips them from then on, and says so).

    WHO is a name (any case, accents optional; part of a name if it is unique), a
    LinkedIn profile URL or an e-mail address of someone in the ledger. An ambiguous name
    is refused with the candidates; a typo gets suggestions.

    \b
    Examples:
      outreach log met "Jane Doe"
      outreach log met "Jane Doe" --card "Your point about brand budgets stays with me."
      outreach log gave "jane" --note "intro to our CFO"
      outreach log replied https://www.linkedin.com/in/janedoe --on 2027-01-12
      outreach log noted "Marcus Smith"
      outreach log optout "Jane Doe" --note "asked not to be contacted"
    """
    from outreach.ledger import Ledger
    from outreach.track import card_line, describe, log_event, opt_out

    on = _parse_day(on_text, "--on")
    line = card_line(card, kind) if card is not None else None  # checked before any write
    with Ledger.open(ledger_path) as ledger:
        if kind == "optout":
            person, new = opt_out(ledger, who, on, note)
            echo(sentence(f"{describe(person)}: do not contact"
                                + ("" if new else " (already so)")
                                + "; every stage skips them (campaign, rotation, forum, invite, "
                         "emails, followups, drafts, send)"))
            return
        person = log_event(ledger, kind, who, on, note, card=card)
    what = f"LinkedIn note sent to {describe(person)}" if kind == "noted" else \
        f"{kind} with {describe(person)}"
    echo(sentence(f"Logged {what} on {on.isoformat()}" + (f": {note}" if note else "")))
    if line is not None:
        echo(f"Their card will say: {line}")


@click.command()
@click.option("--expire-after", default="6m", show_default=True, metavar="AGE",
              help="Suggest letting go of peers not met for this long (d, w, m, y).")
@click.option("--no-reply-after", default="14d", show_default=True, metavar="AGE",
              help="List invitations still unanswered after this long.")
@tz_option("Show meeting times in this IANA zone.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="json: every person with what came back, and each "
              "section, for other tools.")
@click.option("--today", "today_text", metavar="YYYY-MM-DD", hidden=True)
@ledger_option
def status(expire_after: str, no_reply_after: str, tz: str | None, fmt: str,
           today_text: str | None, ledger_path: Path | None) -> None:
    """What needs you this week: meetings due, thank-yous owed, invitations without reply,
    one-way relationships, and peers to let go; then everyone's life cycle — told by e-mail
    or LinkedIn note, accepted, declined, proposed another time, replied, bounced, cancelled,
    do not contact, met, thanked — with their next step and when, and what came back (RSVPs,
    replies, proposed times, notes sent, bounces).

    Built from the ledger that campaign, send, inbox, cards and log keep.

    \b
    Examples:
      outreach status
      outreach status --expire-after 3m --no-reply-after 7d
      outreach status --format json
    """
    import json

    from outreach.cli.display import report_tables
    from outreach.ledger import Ledger
    from outreach.times import parse_zone
    from outreach.track import status_data, status_report

    today = _parse_day(today_text, "--today")
    zone = parse_zone(tz) if tz else None
    with Ledger.open(ledger_path, read_only=True) as ledger:  # reads only: a read-only file is fine
        report = status_report(ledger, today, expire_after=expire_after,
                               no_reply_after=no_reply_after, zone=zone)
        data = status_data(ledger, report)
    if fmt == "json":
        emit(json.dumps(data, ensure_ascii=False, indent=2) + "\n", None)
        return
    for renderable in report_tables(report):
        emit(renderable, None)
    from outreach.cli.mailbox import came_back_tables

    for renderable in came_back_tables(data):
        emit(renderable, None)
