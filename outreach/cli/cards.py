"""``outreach cards``: handwritten-style thank-you cards as a print-ready PDF."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from outreach.cli.common import (
    echo,
    echo_err,
    language,
    language_options,
    ledger_option,
    meeting_options,
    peer_options,
    select_people,
)
from outreach.cli.streams import InputPath, dash_output, is_dash, output_path
from outreach.times import today as times_today
from outreach.wording import plural


@click.command()
@click.argument("input_path", metavar="[INPUT]", required=False,
                type=InputPath())
@peer_options
@meeting_options
@click.option("--pending", is_flag=True,
              help="Write to the people the ledger says you met and have not thanked yet "
              "(`outreach log met NAME --card \"LINE\"`: the card says LINE), then "
              "record them as thanked. Writes cards-YYYY-MM-DD.pdf in the current folder "
              "(-2, -3... if that exists), never out/cards.pdf; INPUT, if given, only "
              "supplies your name.")
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
@click.option("--sign", metavar="NAME", help="Signature [default: your first name from "
              "outreach.toml's [sender] name, else the export]. A card is never printed "
              "unsigned: without either, nothing is written and nobody is marked thanked.")
@click.option("--preview", type=click.Path(dir_okay=False, path_type=Path), metavar="PNG",
              help="Also render the first sheet to PNG to check before printing.")
@click.option("-o", "--output", type=output_path(),
              help="PDF to write, - for standard output [default: out/cards.pdf; with "
              "--pending ./cards-YYYY-MM-DD.pdf].")
@click.option("--per-file", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Cards per PDF; larger batches are split into NAME-1.pdf, NAME-2.pdf...")
@click.option("--every", default="90d", show_default=True, metavar="SPAN",
              help="With --pending: one card per person per this span (a rotation peer "
              "met every five weeks is thanked once a quarter, not after every coffee).")
@click.option("--dry-run", is_flag=True, help="Check every card (signature, template, fit) "
              "and show what each would say; write nothing and mark nobody thanked.")
@language_options
def cards(
    input_path: Path | bytes | None, start: str | None, duration: str, tz: str, location: str,
    link: str, pending: bool, ledger_path: Path | None, template: str, size: str,
    sheet: str, fold: str, font: str | None, ink: str, seed: int, sign: str | None,
    preview: Path | None, output: Path | None, per_file: int, every: str, dry_run: bool,
    locale: str | None, templates_dir: Path | None, **peer_kwargs: Any,
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
      outreach cards --pending --dry-run                      # what each card would say

    With --pending, each card gets met.on, met.series, met.place and met.card (see the
    template): the default card thanks a forum peer for the forum and a rotation peer for
    the coffee, and says the line you wrote with `log met --card`, as written (else a
    general thank-you); your private `log met --note` is never printed.
    """

    from outreach.cards.layout import CardOptions, write_cards
    from outreach.cards.preview import write_preview
    from outreach.cards.thanks import (
        dated_output,
        due_now,
        exchanges,
        met_by_person,
        thanked_note,
    )
    from outreach.model import Sender
    from outreach.times import parse_span

    if input_path is None and not pending:
        raise click.UsageError("give INPUT (an export or a peers CSV), or --pending")
    selection = select_people(input_path, **peer_kwargs) if input_path else None
    sender = selection.sender if selection is not None else Sender()
    people = selection.people if selection is not None and not pending else []
    period = parse_span(every, field="every")
    today = times_today()
    due: list[Any] = []
    notes = None
    if pending:
        from outreach.ledger import Ledger

        with Ledger.open(ledger_path) as ledger:
            due, later = due_now(ledger.thanks_due(), today, period)
            notes = exchanges(ledger)
        for one in later:
            sent = one.thanked
            assert sent is not None  # everyone waiting had a card (``due_now``)
            echo(f"Not yet for {one.person.full_name or one.key}: a card went on "
                 f"{sent.day} {sent:%B %Y} (one every {period.days} days, --every).")
        if not due:
            echo("Nobody to thank: everyone you met has a card already "
                       "(log a meeting with `outreach log met NAME`).")
            return
        people = [d.person for d in due]
    if output is None:
        output = dated_output(Path("."), today) if pending else Path("out/cards.pdf")
    to_stdout = is_dash(output)
    output = click.get_current_context().with_resource(dash_output(output, "cards.pdf"))
    said, folder = language(locale, templates_dir)
    options = CardOptions(
        template=template, size=size, sheet=sheet, fold=fold, font=font, ink=ink, seed=seed,
        sign=sign, meeting=_cards_meeting(start, duration, tz, location, link),
        per_file=per_file, met=met_by_person(due, location, today=today, notes=notes),
        today=today, locale=said, templates=folder,
    )
    if dry_run:
        _dry_run(people, sender, options)
        return
    result = _cards_with_progress(people, sender, output, options, write_cards)
    if to_stdout and len(result.files) > 1:
        raise click.UsageError(f"-o - writes one PDF, and {len(people)} cards make "
                               f"{len(result.files)}: raise --per-file, or give a file name")
    for warning in result.warnings:
        echo_err(f"Warning: {warning}")
    if pending:
        from outreach.ledger import Ledger

        with Ledger.open(ledger_path) as ledger:
            ledger.mark_thanked([d.key for d in due], today, thanked_note(result.files))
    _cards_summary(result, pending)
    if preview is not None:
        echo(f"Preview of the first sheet: {write_preview(result.files[0], preview)}")


def _dry_run(people: list[Any], sender: Any, options: Any) -> None:
    """``--dry-run``: each card's words under its recipient, then what printing would take."""
    from outreach.cards.layout import check_cards

    result = check_cards(people, sender, options)
    for person, text in zip(people, result.texts, strict=True):
        who = f"{person.full_name} ({person.company})" if person.company else person.full_name
        echo(f"Card for {who}:")
        echo("\n".join(f"    {line}" if line else "" for line in text.split("\n")) + "\n")
    for warning in result.warnings:
        echo_err(f"Warning: {warning}")
    lay = result.layout
    assert lay is not None  # check_cards sets it
    echo(f"Checked {plural(result.cards, 'card')} ({lay.size.label}, "
         f"{plural(result.pages, lay.sheet + ' sheet' if lay.sheet != 'single' else 'page')})"
         ": nothing written, nobody marked thanked.")


def _cards_meeting(start: str | None, duration: str, tz: str, location: str, link: str) -> Any:
    """``meeting.*`` for the card template: when --start, --location or --link is given."""
    from datetime import datetime, time

    from outreach.model import Meeting
    from outreach.times import parse_span, parse_start, parse_zone

    if not (start or location or link):
        return None
    when = (parse_start(start, tz) if start
            else datetime.combine(times_today(), time(12),
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
    echo(f"Wrote {plural(result.cards, 'card')} ({lay.size.label}"
               f"{', half-fold' if lay.fold == 'half' else ''}, {per}) on "
               f"{plural(result.pages, 'page')}, handwriting {hand}: {files}")
    echo("Print at 100% / actual size (not 'fit to page')"
               + (", then cut along the ticks." if lay.sheet != "single" else "."))
    if pending:
        echo(f"Marked {result.cards} as thanked in the ledger.")
