"""``outreach connections``, ``peers`` and ``titles``: who is in the export, who is a peer."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from outreach.cli.common import (
    EXPORT_ARG,
    echo_err,
    emit,
    format_options,
    peer_options,
    select_people,
)
from outreach.cli.streams import output_path
from outreach.wording import plural


@click.command()
@EXPORT_ARG
@format_options
@click.option("--vocabulary", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Extra title vocabulary (TOML) merged over the built-in one.")
def connections(
    export: Path | bytes, fmt: str, output: Path | None, vocabulary: Path | None,
) -> None:
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
    emit(_render(frame, fmt, f"{plural(len(frame), 'connection')} in {result.source.name}"), output)
    echo_err(result.stats.summary())


@click.command()
@EXPORT_ARG
@peer_options
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "csv-all",
                                                    "json-all"]),
              default="table", show_default=True,
              help="table for reading; csv/json for tools; csv-all/json-all also list the "
              "rows left out (former roles, colleagues), each saying why in 'excluded'.")
@click.option("-o", "--output", type=output_path(),
              help="Write to FILE (atomically) instead of the terminal; - for standard "
              "output.")
def peers(export: Path | bytes, fmt: str, output: Path | None, **peer_kwargs: Any) -> None:
    """Find your peers in EXPORT: same function and level as you, at other companies.

    Your title and company default to your current position in the export
    (Positions.csv, else Profile.csv's headline). Every match says why; a former role
    ("Ex-", "Retired", "until 2022") is never a peer, and a peer in another country is
    marked remote.

    \b
    Examples:
      outreach peers export.zip
      outreach peers Connections.csv --title "Director of Enterprise PMO" --company Acme
      outreach peers export.zip --levels vp,cxo --format csv -o peers.csv
    """
    with_excluded = fmt.endswith("-all")
    selection = select_people(export, with_excluded=with_excluded, **peer_kwargs)
    heading = selection.heading()
    emit(_render(selection.frame, fmt.removesuffix("-all"), heading), output)
    echo_err(f"{heading}. From " + "; ".join(selection.notes))


def _render(frame: Any, fmt: str, title: str) -> Any:
    from outreach.cli import display

    return display.render(frame, fmt, title)


@click.command("titles")
@click.argument("title_texts", metavar="TITLE...", nargs=-1, required=True)
@click.option("--vocabulary", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Extra title vocabulary (TOML) merged over the built-in one.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="table for reading; json for tools.")
def titles_command(title_texts: tuple[str, ...], vocabulary: Path | None, fmt: str) -> None:
    """Explain how each job TITLE is classified: its normalised form, function, level and
    the rule that fired. Peers share the function and level shown here.

    TITLE - reads one title a line from standard input.

    Levels: owner, cxo, vp, director, manager, senior, ic, entry (or unknown).
    Add words your industry uses with --vocabulary FILE (same shape as the
    built-in outreach/titles/vocabulary.toml; see docs/titles.md).

    \b
    Examples:
      outreach titles "Sr. Dir., Enterprise PMO"
      outreach titles "VP Marketing | Growth" "Assistant to the CFO" "Gerente de Ventas"
      outreach titles "Head of Platform" --vocabulary my-words.toml --format json
      cut -d, -f6 Connections.csv | outreach titles - --format json
    """
    import dataclasses
    import json

    from outreach.titles import Vocabulary, classify_many

    if title_texts == ("-",):  # one title a line from standard input
        title_texts = tuple(line.strip() for line in sys.stdin
                            if line.strip())
    vocab = Vocabulary.load(vocabulary) if vocabulary else None
    results = classify_many(title_texts, vocab)
    if fmt == "json":
        records = [dataclasses.asdict(result) for result in results]
        click.echo(json.dumps(records, ensure_ascii=False, indent=2))
        return
    from rich.table import Table

    from outreach.cli.display import text

    table = Table(title=plural(len(results), "title"), show_lines=True)
    for column in ("title", "normalised", "function", "level", "rule"):
        table.add_column(column, overflow="fold", no_wrap=column in ("function", "level"))
    for result in results:
        table.add_row(*(text(value) for value in (result.title, result.normalized,
                                                  result.function, result.level, result.rule)))
    emit(table, None)
