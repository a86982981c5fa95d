"""``outreach completion SHELL``: the shell's tab-completion script, from click's machinery."""

from __future__ import annotations

import click

SHELLS = ("bash", "zsh", "fish")
COMPLETE_VAR = "_OUTREACH_COMPLETE"  # what click reads in ``outreach`` (see cli.main)


@click.command()
@click.argument("shell", type=click.Choice(SHELLS))
@click.pass_context
def completion(ctx: click.Context, shell: str) -> None:
    """Print the tab-completion script for SHELL (bash, zsh or fish).

    Commands, options, choices (--format csv) and file names then complete on Tab.
    The script runs `_OUTREACH_COMPLETE=SHELL_complete outreach` on each Tab, so
    outreach must be on your PATH.

    \b
    Install it once:
      outreach completion bash > ~/.local/share/bash-completion/completions/outreach
      outreach completion zsh  > "${fpath[1]}/_outreach"
      outreach completion fish > ~/.config/fish/completions/outreach.fish
    Or load it in each new shell: eval "$(outreach completion bash)" in ~/.bashrc.
    """
    from click.shell_completion import get_completion_class

    completer = get_completion_class(shell)
    assert completer is not None  # every name in SHELLS is one click knows
    root = ctx.find_root().command
    click.echo(completer(root, {}, "outreach", COMPLETE_VAR).source(), nl=False)
