"""``outreach log`` and ``status``: the relationship ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from outreach.cli.common import (
    echo,
    emit,
    ledger_option,
    output_mode_options,
    report_json,
    select_people,
    tz_option,
)
from outreach.errors import OutreachError
from outreach.wording import sentence

today_option = click.option(
    "--today", "today_text", metavar="YYYY-MM-DD",
    help="Behave as if today were this day (as $OUTREACH_TODAY does for every command) "
    "[default: today].")


def _parse_day(text: str | None, option: str) -> Any:
    from datetime import date

    from outreach.times import today

    if not text:
        return today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise OutreachError(f"{option}: cannot read {text!r}; use YYYY-MM-DD") from None


def complete_peer_names(ctx: click.Context, param: click.Parameter,
                        incomplete: str) -> list[Any]:
    """Tab on WHO: the ledger's names whose name, or a word of it, starts with what was typed
    (any case, accents optional). The ledger is only read, never created; names that are
    not plain printable text (a stranger's terminal escapes) are left out."""
    from click.shell_completion import CompletionItem

    from outreach.ledger import Ledger, default_path
    from outreach.model import fold

    path = ctx.params.get("ledger_path") or default_path()
    if not Path(path).is_file():
        return []
    try:
        with Ledger.open(path, read_only=True, busy_seconds=0.5) as ledger:
            names = [p.full_name for p in ledger.all_people().values()]
    except (OutreachError, OSError):
        return []
    typed = fold(incomplete)
    found = [name for name in dict.fromkeys(names) if name and name.isprintable()
             and any(part.startswith(typed) for part in _name_starts(fold(name)))]
    return [CompletionItem(name) for name in found]


def _name_starts(folded: str) -> list[str]:
    """``"ana maria souza"`` → the whole name and from each word on: "maria souza", "souza"."""
    words = folded.split()
    return [" ".join(words[i:]) for i in range(len(words))]


@click.command("log")
@click.argument("kind", type=click.Choice(["met", "gave", "got", "replied", "thanked",
                                           "noted", "optout", "letgo"]))
@click.argument("who", shell_complete=complete_peer_names)
@click.option("--on", "on_text", metavar="YYYY-MM-DD", help="When  [default: today].")
@click.option("--note", default="", help="What happened, e.g. \"intro to their CFO\": "
              "for you; never printed on a card.")
@click.option("--card", metavar="LINE", help="met only: the line their thank-you card "
              "says, printed as written, e.g. \"Your point about brand budgets stays with "
              "me.\" Without it the card says a general thank-you.")
@ledger_option
@output_mode_options
def log_command(kind: str, who: str, on_text: str | None, note: str, card: str | None,
                ledger_path: Path | None) -> None:
    """Record what happened with a peer: met, gave (you helped), got (they helped), replied;
    noted: you sent their LinkedIn note (from linkedin.csv), so they count as told and get a
    follow-up note like an e-mail would; letgo: end the plan with them gently (no more
    meetings, updates or follow-ups; the next campaign frees their place and sends a kind
    closing note; you may invite them again later); optout: do not contact them again
    (every stage skips them from then on, and says so).

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
      outreach log letgo "Marcus Smith" --note "never found a date"
      outreach log optout "Jane Doe" --note "asked not to be contacted"
    """
    from outreach.ledger import Ledger
    from outreach.track import card_line, describe, let_go, log_event, opt_out

    on = _parse_day(on_text, "--on")
    line = card_line(card, kind) if card is not None else None  # checked before any write
    with Ledger.open(ledger_path) as ledger:
        if kind == "optout":
            person, new = opt_out(ledger, who, on, note)
            echo(sentence(f"{describe(person)}: do not contact"
                                + ("" if new else " (already so)")
                                + "; every stage skips them (campaign, rotation, forum, invite, "
                         "emails, followups, drafts, send)"))
            report_json("log", {"kind": kind, "person": describe(person), "on": on.isoformat(),
                                "note": note, "new": new})
            return
        if kind == "letgo":
            _key, person, new = let_go(ledger, who, on, note)
            echo(sentence(f"{describe(person)}: let go on {on.isoformat()}"
                          + ("" if new else " (already so)") + "; nothing more is due with "
                          "them, the next campaign frees their place with a closing note, and "
                          "you may invite them again later"))
            report_json("log", {"kind": kind, "person": describe(person), "on": on.isoformat(),
                                "note": note, "new": new})
            return
        person = log_event(ledger, kind, who, on, note, card=card)
    what = f"LinkedIn note sent to {describe(person)}" if kind == "noted" else \
        f"{kind} with {describe(person)}"
    echo(sentence(f"Logged {what} on {on.isoformat()}" + (f": {note}" if note else "")))
    if line is not None:
        echo(f"Their card will say: {line}")
    report_json("log", {"kind": kind, "person": describe(person), "on": on.isoformat(),
                        "note": note, "card": line})


@click.command()
@click.option("--expire-after", default="6m", show_default=True, metavar="AGE",
              help="Suggest letting go of peers not met for this long (d, w, m, y).")
@click.option("--no-reply-after", default="14d", show_default=True, metavar="AGE",
              help="List invitations still unanswered after this long.")
@tz_option("Show meeting times in this IANA zone.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="json: every person with what came back, and each "
              "section, for other tools.")
@today_option
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
    for line in attention_lines(report):
        echo(line)


def attention_lines(report: Any) -> list[str]:
    """What status asks of the user in one line each: the review, opt-outs to confirm."""
    from outreach.lifecycle import quoted_name

    lines = [f"Review: {report.review}." if report.review else ""]
    lines += [f"{p.full_name} asked to stop: outreach log optout {quoted_name(p)} confirms it."
              for p in report.asked_to_stop]
    return [line for line in lines if line]


@click.command()
@click.argument("input_path", metavar="[INPUT]", required=False,
                type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="json: rotation.peers, rotation.replacements and forum, "
              "for other tools.")
@today_option
@ledger_option
def review(input_path: Path | None, fmt: str, today_text: str | None,
           ledger_path: Path | None) -> None:
    """How the trial went, so far or at its end: for each rotation peer the dates planned,
    held (log met), missed (a date more than 3 days gone without a met near it), declined,
    what you gave and got, replies, and a verdict with its reason (continue, ask again, let
    go); for every place to free, the best replacements among the people you know who are
    not in the plan; the forum's invited, accepted and attended (a met near a forum date).

    INPUT (optional: your export, or a peers CSV from outreach peers) ranks the
    replacements by their peer score and offers peers the ledger does not know yet;
    without it the people in the ledger are ranked by how close their function and level
    are to the rotation's.

    \b
    Examples:
      outreach review
      outreach review export.zip
      OUTREACH_TODAY=2027-06-08 outreach review --format json
      outreach log letgo "Marcus Smith"    # then: outreach campaign --renew
    """
    import json

    from outreach.ledger import Ledger
    from outreach.review import review_data, trial_review

    today = _parse_day(today_text, "--today")
    peers = select_people(input_path).people if input_path else []  # read before the ledger
    with Ledger.open(ledger_path, read_only=True) as ledger:
        result = trial_review(ledger, today, peers)
    if fmt == "json":
        emit(json.dumps(review_data(result), ensure_ascii=False, indent=2) + "\n", None)
        return
    for renderable in review_tables(result):
        emit(renderable, None)


def review_tables(result: Any) -> list[Any]:
    """``outreach review`` as rich renderables: the rotation's peers, the replacements, the
    forum's numbers."""
    from rich.table import Table

    from outreach.cli.display import text
    from outreach.track import describe

    span = (f"{result.first.isoformat()} to {result.last.isoformat()}"
            if result.first and result.last else "no rotation dates planned")
    ended = "ended" if result.ended else "so far"
    peers = Table(title=text(f"Rotation, {span} ({ended}, as of {result.today.isoformat()})"),
                  title_justify="left")
    for column in ("Who", "Planned", "Held", "Missed", "Declined", "Gave", "Got", "Replies",
                   "Verdict", "Why"):
        peers.add_column(column, overflow="fold")
    for p in result.peers:
        peers.add_row(*(text(c) for c in (describe(p.person), p.planned, p.held, p.missed,
                                          p.declined, p.gave, p.got, p.replies, p.verdict,
                                          p.reason)))
    out: list[Any] = [peers if result.peers else text("Rotation: no rotation peers planned.")]
    if result.replacements:
        table = Table(title=text(f"To take the {result.places_to_free} freed "
                                 f"place{'s' if result.places_to_free != 1 else ''}"),
                      title_justify="left")
        for column in ("Who", "Score", "Why"):
            table.add_column(column, overflow="fold")
        for r in result.replacements:
            table.add_row(text(describe(r.person)), text(f"{r.score:g}"), text(r.reason))
        out.append(table)
    elif result.places_to_free:
        out.append(text("Replacements: nobody in the ledger is free to take the places."))
    forum = result.forum
    out.append(text(f"Forum: {forum.invited} invited, {forum.accepted} accepted, "
                    f"{forum.attended} attended."))
    if result.places_to_free:
        out.append(text("Next: outreach log letgo NAME for each peer to let go, then "
                        "outreach campaign --renew."))
    return out
