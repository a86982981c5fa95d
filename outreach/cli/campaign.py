"""``outreach campaign``: the main job, export to outbox, calendar and cards."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from outreach.cli.common import (
    EXPORT_ARG,
    booking_link_option,
    checked_link,
    csv_dialect_option,
    days_off,
    days_off_options,
    echo,
    echo_err,
    emit,
    language,
    language_options,
    meeting_options,
    output_mode_options,
    parse_from,
    peer_options,
    report_json,
    split_list,
    start_with_note,
    usual_slot,
    yes_option,
)
from outreach.i18n import wording
from outreach.wording import sentence


@click.command()
@EXPORT_ARG
@peer_options
@meeting_options
@booking_link_option
@click.option("--from", "from_address", metavar='"NAME <ADDR>"',
              help="Sender and organiser [default: your name and address from the export].")
@click.option("--pick", metavar='"NAME,NAME"',
              help="Plan only these peers, in this order (the first ones form the rotation), "
              "named as for `outreach log`.")
@click.option("--skip", metavar='"NAME,DATE"',
              help="Leave these peers out (one already sent an invitation gets a "
              "cancellation), and these dates (2027-01-06): no coffee or forum session then.")
@click.option("--lead", default="7d", show_default=True, metavar="SPAN",
              help="Without --start: the first meeting is your usual slot ([meeting] "
              "weekday and time, else Tuesday 08:00) at least this far from now.")
@click.option("--renew", is_flag=True,
              help="After the rotation's last date: plan the next trial, keeping the peers "
              "who continue (met at least twice), filling the other places and sending "
              "those who leave a closing note.")
@yes_option
@language_options
@click.option("--remind", default="15m", show_default=True,
              help="Calendar reminder before each meeting ('' for none).")
@click.option("--rotation-size", default=5, show_default=True,
              help="Peers in the 1:1 rotation (each met every size × every).")
@click.option("--rotation-every", default="1w", show_default=True,
              help="One rotation meeting per this span.")
@click.option("--rotation-months", type=click.IntRange(1, 120), default=6, show_default=True,
              help="Length of the rotation trial.")
@click.option("--forum-size", default=15, show_default=True, help="Peers invited to the forum.")
@click.option("--forum-every", type=click.Choice(["month", "quarter"]), default="month",
              show_default=True, help="How often the forum meets.")
@click.option("--forum-months", type=click.IntRange(1, 120), default=12, show_default=True,
              help="Forum series length.")
@click.option("--forum-duration", default="90m", show_default=True,
              help="Length of a forum session.")
@click.option("--forum-start", metavar="YYYY-MM-DDTHH:MM",
              help="First forum session, local time [default: in the month after --start, "
              "the first weekday two days off the rotation's (Tue → Thu), same time].")
@click.option("--card-size", type=click.Choice(["a2", "a6", "a7", "4x6", "5x7"]), default="a2",
              show_default=True, help="Thank-you card size.")
@click.option("--card-sheet", type=click.Choice(["single", "letter", "a4"]), default="letter",
              show_default=True, help="Paper the cards are printed on.")
@click.option("--card-ink", default="blue", show_default=True, help="blue, black or #hex.")
@click.option("--card-font", default=None, help="Handwriting font name or file.")
@click.option("--card-seed", default=0, show_default=True, help="Varies the handwriting.")
@click.option("--card-every", default="90d", show_default=True, metavar="SPAN",
              help="One thank-you card per person per this span, however often you meet.")
@click.option("--preview/--no-preview", default=True, show_default=True,
              help="Also render cards.png (needs pdftoppm).")
@click.option("--ledger", "ledger_path", envvar="OUTREACH_LEDGER",
              type=click.Path(dir_okay=False, path_type=Path),
              help="Ledger database [default: in your user data folder].")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("out"), show_default=True, help="Where everything is written.")
@csv_dialect_option
@days_off_options
@output_mode_options
def campaign(export: Path | bytes, out_dir: Path, ledger_path: Path | None, **options: Any) -> None:
    """The main job: from your LinkedIn export to invitations, calendar and cards.

    \b
    Runs every stage and writes under --out:
      peers.csv            your peers and why each one matches
      calendar/*.ics       each rotation peer's series, rotation.ics (all), forum.ics
      emails/*.eml         one invitation per peer with an address, invite attached
      outbox.mbox          the same messages in one mailbox file
      linkedin.csv         short notes for peers without an e-mail address
      cards.pdf, cards.png thank-you cards for people met (outreach log met), preview
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
    from outreach.bulk import whole_run

    with whole_run():  # the process ends after: no collections, what is left is frozen
        from outreach.campaign import STAGES, run_campaign

        settings = _campaign_options(out_dir, ledger_path, options)
        with _stage_progress(len(STAGES)) as on_stage:
            result = run_campaign(export, settings, on_stage)
    if result.trial_ended is not None:
        _trial_ended(result.trial_ended)
        return
    _campaign_summary(result, out_dir, settings.locale)


def _trial_ended(end: Any) -> None:
    echo(f"The rotation's trial ended on {end:%A} {end.day} {end:%B %Y}: nothing was planned "
         "or written (the forum keeps its dates).")
    echo("To continue: see how it went with `outreach review`, let go of whom you choose "
         "(`outreach log letgo NAME`), then run `outreach campaign --renew` with the same "
         "export.")


def check_shape(yes: bool, names: dict[str, str] | None = None, **sizes: int | None) -> None:
    """A rotation outside 4–5 or a forum outside 10–15 peers (``plan.unusual_shape``) is
    planned only with --yes; a size from outreach.toml or the environment is the user's own
    and not asked."""
    from click.core import ParameterSource

    from outreach.errors import OutreachError
    from outreach.plan import unusual_shape

    ctx = click.get_current_context(silent=True)
    for field, why in unusual_shape(**sizes):
        field = (names or {}).get(field, field)  # the command's own name for it (--size)
        configured = ctx is not None and ctx.get_parameter_source(field) in (
            ParameterSource.DEFAULT_MAP, ParameterSource.ENVIRONMENT)
        if not (yes or configured):
            raise OutreachError(f"{why}; pass --yes to plan it anyway", field=field)


def _campaign_options(out_dir: Path, ledger_path: Path | None, options: dict[str, Any]) -> Any:
    from dataclasses import replace

    from outreach.campaign import CampaignOptions
    from outreach.model import Sender
    from outreach.peers import PeerQuery
    from outreach.times import now, parse_dates, parse_span, parse_zone

    parse_zone(options["tz"])
    locale, templates = language(options["locale"], options["templates_dir"])
    yes = options["yes"]
    check_shape(yes, rotation_size=options["rotation_size"], forum_size=options["forum_size"])
    sender = None
    if options["from_address"]:
        name, address = parse_from(options["from_address"])
        sender = Sender(name=name, email=address)
    query = PeerQuery(options["title"], options["company"], split_list(options["levels"]),
                      split_list(options["functions"]), options["include_own_company"],
                      options["vocabulary"])
    return CampaignOptions(
        out=out_dir, query=query, sender=sender, pick=tuple(split_list(options["pick"]) or ()),
        skip=tuple(n for n in split_list(options["skip"]) or () if not _is_date(n)),
        days_off=days_off(parse_dates(",".join(
            d for d in split_list(options["skip"]) or () if _is_date(d)), field="skip")),
        start=(start_with_note(options["start"], options["tz"], yes=yes) if options["start"]
               else None),
        slot=replace(usual_slot(), lead=parse_span(options["lead"], field="lead")), now=now(),
        tz=options["tz"], duration=parse_span(options["duration"]),
        location=options["location"], link=options["link"],
        remind=parse_span(options["remind"], field="remind") if options["remind"] else None,
        rotation_size=options["rotation_size"],
        rotation_every=parse_span(options["rotation_every"], field="rotation_every"),
        rotation_months=options["rotation_months"], forum_size=options["forum_size"],
        forum_every=options["forum_every"], forum_months=options["forum_months"],
        forum_duration=parse_span(options["forum_duration"], field="forum_duration"),
        forum_start=(start_with_note(options["forum_start"], options["tz"], "--forum-start",
                                     yes=yes) if options["forum_start"] else None),
        card_size=options["card_size"], card_sheet=options["card_sheet"],
        card_ink=options["card_ink"], card_font=options["card_font"],
        card_seed=options["card_seed"], preview=options["preview"], ledger=ledger_path,
        card_every=parse_span(options["card_every"], field="card_every"),
        renew=options["renew"],
        locale=locale, templates=templates,
        booking_link=checked_link(options["booking_link"], options["start"]),
    )


def _is_date(text: str) -> bool:
    """A --skip item that is a date (2027-01-06) skips that meeting; any other is a peer."""
    return re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) is not None


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


def _campaign_summary(result: Any, out_dir: Path, locale: str = "en") -> None:
    from outreach.cli.display import outputs_table

    emit(outputs_table(result.outputs, out_dir), None)
    for line in _summary_lines(result, locale):
        echo(line)
    for note in result.notes:
        echo(f"note: {note}")
    for warning in result.warnings:
        echo_err(f"warning: {warning}")
    if result.without_title:
        echo_err(f"warning: {result.selection.source.name} is a peers list, which does not say "
                 "your title: the invitations cannot say \"people who hold the same job\", so "
                 "they are worded without it; pass --title and --company (or set [sender] title "
                 "and company in outreach.toml)")
    changed = sum(o.changed for o in result.outputs)
    echo(wording("campaign.files", locale, files=wording("summary.file", locale, count=changed),
                 unchanged=len(result.outputs) - changed, report=out_dir / "report.html"))
    report_json("campaign", {
        "out": str(out_dir), "report": str(out_dir / "report.html"),
        "outputs": [{"path": str(o.path), "what": o.what, "changed": o.changed}
                    for o in result.outputs],
        "rotation_peers": [p.full_name for p in result.rotation_peers],
        "forum_peers": [p.full_name for p in result.forum_peers],
        "meetings": result.meetings, "emails": result.emails,
        "notes": list(result.notes), "warnings": list(result.warnings)})


def _summary_lines(result: Any, locale: str = "en") -> list[str]:
    """What the run planned and what it wrote, counted truthfully: messages by kind, the
    forum's invitations by the way they go out, cards only for people met; in the run's
    locale (wording ``campaign`` and ``summary``)."""
    def say(key: str, **values: Any) -> str:
        return wording(f"campaign.{key}", locale, **values)

    def count(key: str, n: int) -> str:
        return wording(f"summary.{key}", locale, count=n)

    selection = result.selection
    found = (say("for_title", title=selection.title, quoted=repr(selection.title))
             if selection.title else say("from_source", source=selection.source.name))
    kinds = result.kinds
    written = [count(key, kinds[kind]) for kind, key in (
        ("invitation", "invitation"), ("update", "update"), ("cancellation", "cancellation"),
        ("closing note", "closing_note")) if kinds[kind]]
    messages = say("messages", emails=count("email", result.emails))
    if written:
        messages += say("messages_kinds", kinds=say("joiner").join(written))
    quiet = []
    if kinds["unchanged"]:
        quiet.append(say("unchanged", count=kinds["unchanged"]))
    if kinds["withdrawn"]:
        quiet.append(say("withdrawn", count=kinds["withdrawn"]))
    if quiet:
        messages += say("clauses", clauses=say("clause_joiner").join(quiet))
    lines = [
        say("peers", peers=count("peer", len(selection.people)), found=found,
            rotation=len(result.rotation_peers), meetings=count("meeting", result.meetings)),
        sentence(messages),
        say("forum", invitations=count("forum_invitation", len(result.forum_peers)),
            emails=count("email", len(result.told_by_email(result.forum_peers))),
            now=result.forum_emails, forum_notes=count("linkedin_note", result.forum_notes),
            notes=count("linkedin_note", result.linkedin_notes)),
        _told_line(result, locale),
    ]
    if result.cards:
        lines.append(say("cards", cards=count("thank_you_card", result.cards)))
    return lines


def _told_line(result: Any, locale: str = "en") -> str:
    """How everyone in the plan is told; the parts add up to the plan."""
    def say(key: str, **values: Any) -> str:
        return wording(f"campaign.{key}", locale, **values)

    planned = result.planned
    parts = [say("told_email", count=len(result.told_by_email())),
             say("told_note", count=len(result.told_by_note()))]
    untold = [p for p in planned if p.key in result.untold]
    if untold:
        names = say("joiner").join(f"{p.full_name or p.key} ({result.untold[p.key]})"
                                   for p in untold[:3])
        more = (say("untold_more", others=wording("summary.other", locale,
                                                   count=len(untold) - 3))
                if len(untold) > 3 else "")
        parts.append(say("untold", count=len(untold), names=names, more=more))
    return sentence(say("told", people=wording("summary.person", locale, count=len(planned)),
                        parts=say("joiner").join(parts)))
