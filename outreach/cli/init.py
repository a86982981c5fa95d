"""``outreach init``: a commented outreach.toml and editable templates."""

from __future__ import annotations

from pathlib import Path

import click

from outreach import config as config_file


@click.command()
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
