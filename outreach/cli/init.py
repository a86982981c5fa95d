"""``outreach init``: a commented outreach.toml and editable templates."""

from __future__ import annotations

from pathlib import Path

import click

from outreach import config as config_file


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--user", "for_user", is_flag=True,
              help="Write only outreach.toml, into your user config folder (read wherever "
              "there is no ./outreach.toml), instead of FOLDER.")
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
@click.option("--locale", metavar="LANG", envvar="OUTREACH_LOCALE",
              help="Write the templates in this language, e.g. es [default: "
              "$OUTREACH_LOCALE, else your computer's].")
@click.pass_context
def init(ctx: click.Context, folder: Path, for_user: bool, force: bool,
         locale: str | None) -> None:
    """Write a commented outreach.toml and editable copies of the templates into FOLDER.

    Every command then reads ./outreach.toml (or --config FILE) for your name, time zone,
    meeting slot, rotation, forum, card and SMTP defaults; where there is none, the one in
    your user config folder (~/.config/outreach/ on Linux), which --user writes. The
    templates in FOLDER/templates are in your language (--locale); every command run in
    FOLDER reads them first.

    \b
    Examples:
      outreach init ~/peers && cd ~/peers && $EDITOR outreach.toml
      outreach init --user      # your defaults for every folder
    """
    from click.core import ParameterSource

    if for_user:
        if ctx.get_parameter_source("folder") is not ParameterSource.DEFAULT:
            raise click.UsageError("give FOLDER or --user, not both")
        target = config_file.init_user(force=force)
        if target is None:
            click.echo(f"{config_file.user_config_path()}: already there "
                       "(use --force to overwrite)")
        else:
            click.echo(f"wrote {target}")
        return
    from outreach.cli.common import language

    written = config_file.init_folder(folder, force=force, locale=language(locale, None)[0])
    for path in written:
        click.echo(f"wrote {path}")
    if not written:
        click.echo(f"{folder}: everything is already there (use --force to overwrite)")
