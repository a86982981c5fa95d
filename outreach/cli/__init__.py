"""The command line: parse options, call the library, print. No business logic lives here.

The commands live in ``outreach.commands``, one module per stage; this module is the group
they hang from and the console-script entry point. Heavy libraries (pandas, reportlab) are
imported inside the commands that need them so that ``outreach --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from outreach import __version__
from outreach import config as config_file
from outreach.cli import (
    calendar,
    campaign,
    cards,
    completion,
    emails,
    init,
    ledger,
    mailbox,
    people,
    send,
)
from outreach.cli.common import USUAL_SLOT, click_error
from outreach.errors import OutreachError
from outreach.terminal import visible


class OutreachGroup(click.Group):
    """Turns ``OutreachError`` into a one-line ``Error: ...`` and its exit code; no traceback.

    An ``OSError`` the library did not foresee (a full disk, a folder without write
    permission) is a one-line error too, naming the file, with exit code 1.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OutreachError as exc:
            name = ctx.invoked_subcommand
            command = self.get_command(ctx, name) if name else None
            raise click_error(exc, command) from None
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            raise click.ClickException(visible(f"{where}{exc.strerror or exc}")) from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)  # in the order of the workflow, not alphabetical


# Every option can come from OUTREACH_<COMMAND>_<OPTION> (click's auto_envvar_prefix, set here
# so that tests with CliRunner and ``python -m outreach`` behave as the console script does).
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "auto_envvar_prefix": "OUTREACH"}


@click.group(cls=OutreachGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="outreach")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar=config_file.ENV_VAR,
    help="Settings file [default: ./outreach.toml, else outreach.toml in your user config "
    "folder (outreach init --user)]. Options and OUTREACH_* environment variables override it.",
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
    if path is not None:  # an error (OutreachError) exits 2 naming the file, as others do
        settings = config_file.load(path)
        ctx.default_map = config_file.default_map(settings, source=path)
        ctx.meta[USUAL_SLOT] = config_file.usual_slot(settings)  # a date alone takes its time


def main() -> None:
    """Console-script entry point (``_OUTREACH_COMPLETE`` in the environment: completion)."""
    cli(prog_name="outreach", complete_var=completion.COMPLETE_VAR)


def _show_envvars(command: click.Command) -> None:
    """``--help`` shows each option's environment variable ("env var: OUTREACH_PEERS_TITLE").
    Set on the options rather than in every decorator, so no option can miss it."""
    for param in command.params:
        if isinstance(param, click.Option) and param.expose_value and not param.hidden:
            param.show_envvar = True


for command in (
    init.init, people.connections, people.peers, people.titles_command, campaign.campaign,
    emails.emails, send.send, mailbox.drafts, mailbox.inbox, mailbox.followups, calendar.invite,
    calendar.rotation, calendar.forum, cards.cards, ledger.log_command, ledger.status,
    mailbox.login, completion.completion,
):
    cli.add_command(command)
    _show_envvars(command)
_show_envvars(cli)
