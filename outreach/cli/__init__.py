"""The command line: parse options, call the library, print. No business logic lives here.

The commands live in ``outreach.commands``, one module per stage; this module is the group
they hang from and the console-script entry point. Heavy libraries (pandas, reportlab) are
imported inside the commands that need them, and each command's module is imported only when
that command runs (``OutreachGroup.get_command``), so ``outreach status`` loads what ``status``
uses and nothing of ``campaign`` or ``cards``.
"""

from __future__ import annotations

import functools
import importlib
from pathlib import Path
from typing import Any

import click

from outreach import __version__
from outreach import config as config_file
from outreach.cli import completion
from outreach.cli.common import CONFIG_LOCALE, USUAL_SLOT, click_error
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._lazy: dict[str, str] = {}  # name → "module:attribute", not imported yet
        super().__init__(*args, **kwargs)

    @property  # type: ignore[override]
    def commands(self) -> dict[str, click.Command]:
        """Every command, imported (for tools and tests that walk them all)."""
        for name in list(self._lazy):
            self._load(name)
        return self._commands

    @commands.setter
    def commands(self, value: dict[str, click.Command]) -> None:
        self._commands = dict(value)

    def add_lazy(self, name: str, where: str) -> None:
        """Register ``name`` as ``module:attribute``, imported on first use."""
        self._lazy[name] = where
        self._commands.pop(name, None)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self._lazy:
            self._load(cmd_name)
        return self._commands.get(cmd_name)

    def _load(self, name: str) -> None:
        module, _, attribute = self._lazy.pop(name).partition(":")
        command = getattr(importlib.import_module(module), attribute)
        self._commands[name] = command
        _name_envvars(command, name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self._order)  # in the order of the workflow, not alphabetical

    @property
    def _order(self) -> list[str]:
        return [n for n, _ in WORKFLOW if n in self._lazy or n in self._commands] + [
            n for n in self._commands if n not in dict(WORKFLOW)]


# Every option can come from OUTREACH_<COMMAND>_<OPTION> (named by _name_envvars below; the
# prefix stays for anything click adds on its own).
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
        defaults = config_file.default_map(settings, source=path)
        for command_name, param_name in COMMAND_LINE_ONLY:
            defaults.get(command_name, {}).pop(param_name, None)
        ctx.default_map = defaults
        ctx.meta[USUAL_SLOT] = config_file.usual_slot(settings)  # a date alone takes its time
        ctx.meta[CONFIG_LOCALE] = config_file.locale_of(settings)


def main() -> None:
    """Console-script entry point (``_OUTREACH_COMPLETE`` in the environment: completion)."""
    cli(prog_name="outreach", complete_var=completion.COMPLETE_VAR)


# Options only the command line may set: no environment variable and no config key can turn
# them on, so a shell profile or a settings file never makes a dry run send.
COMMAND_LINE_ONLY = frozenset({("send", "really_send")})


def envvar_name(command: str, option: click.Option) -> str:
    """``OUTREACH_<COMMAND>_<OPTION>`` exactly as the option is spelled: ``--no-reply-after``
    of ``status`` is ``OUTREACH_STATUS_NO_REPLY_AFTER`` (not the parameter's inner name)."""
    flag = next((o for o in option.opts if o.startswith("--")), option.opts[0])
    word = flag.lstrip("-").replace("-", "_").upper()
    return f"OUTREACH_{command.upper()}_{word}" if command else f"OUTREACH_{word}"


def _name_envvars(command: click.Command, name: str) -> None:
    """Give each option its environment variable, shown in ``--help`` ("env var:
    OUTREACH_PEERS_TITLE"). Set here rather than in every decorator, so no option can miss it;
    an option that names its own (``OUTREACH_LEDGER``, shared by every command) keeps it."""
    for param in command.params:
        if not isinstance(param, click.Option) or not param.expose_value or param.hidden:
            continue
        if (name, param.name) in COMMAND_LINE_ONLY:
            param.envvar = None
            param.allow_from_autoenv = False
            continue
        if not param.envvar:
            param.envvar = envvar_name(name, param)
        param.show_envvar = True
        setattr(param, "get_error_hint", functools.partial(_error_hint, param))  # noqa: B010


def _error_hint(option: click.Option, ctx: click.Context | None) -> str:
    """``'--months'``, and its environment variable only when the bad value came from there
    (click names the variable whenever one is set, even for a value typed on the line)."""
    hint = click.Parameter.get_error_hint(option, ctx)
    source = ctx.get_parameter_source(option.name) if ctx and option.name else None
    if source is click.core.ParameterSource.ENVIRONMENT:
        hint += f" (env var: '{option.envvar}')"
    return hint


# Each command: its name and where it lives, in the order of the workflow (``--help`` lists
# them so). A command's module is imported when the command is run, listed or completed.
WORKFLOW = (
    ("init", "outreach.cli.init:init"),
    ("connections", "outreach.cli.people:connections"),
    ("peers", "outreach.cli.people:peers"),
    ("titles", "outreach.cli.people:titles_command"),
    ("campaign", "outreach.cli.campaign:campaign"),
    ("emails", "outreach.cli.emails:emails"),
    ("send", "outreach.cli.send:send"),
    ("drafts", "outreach.cli.mailbox:drafts"),
    ("inbox", "outreach.cli.mailbox:inbox"),
    ("followups", "outreach.cli.mailbox:followups"),
    ("invite", "outreach.cli.calendar:invite"),
    ("rotation", "outreach.cli.calendar:rotation"),
    ("forum", "outreach.cli.calendar:forum"),
    ("cards", "outreach.cli.cards:cards"),
    ("log", "outreach.cli.ledger:log_command"),
    ("status", "outreach.cli.ledger:status"),
    ("review", "outreach.cli.ledger:review"),
    ("login", "outreach.cli.mailbox:login"),
    ("completion", "outreach.cli.completion:completion"),
)
for _name, _where in WORKFLOW:
    cli.add_lazy(_name, _where)
_name_envvars(cli, "")
