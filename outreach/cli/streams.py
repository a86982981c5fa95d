"""``-`` for standard input and output, wherever a command reads or writes a file.

``INPUT`` given as ``-`` is read from standard input (an export ZIP or a CSV: the library
takes its bytes); ``-o -``/``--mbox -`` write to standard output, and everything the command
says meanwhile goes to standard error, so a pipe receives only the data.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar, cast

import click

DASH = "-"
P = TypeVar("P", Path, Path | None)


def is_dash(value: object) -> bool:
    return value is not None and str(value) == DASH


class InputPath(click.Path):
    """A file or folder that must exist, or ``-``: standard input, read whole (bytes)."""

    name = "path"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(exists=True, allow_dash=True, path_type=Path, **kwargs)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None,
                ) -> Any:
        if isinstance(value, bytes):
            return value
        if is_dash(value):  # read within the export budget: the library refuses more
            from outreach.ingest import MAX_READ

            return sys.stdin.buffer.read(MAX_READ + 1)
        return super().convert(value, param, ctx)


def output_path(**kwargs: Any) -> click.Path:
    """A file to write, or ``-`` for standard output."""
    return click.Path(dir_okay=False, allow_dash=True, path_type=Path, **kwargs)


@contextlib.contextmanager
def dash_output(path: P, name: str) -> Iterator[P]:
    """``path`` itself, or for ``-`` a temporary file named ``name`` whose bytes go to
    standard output once the block succeeds; meanwhile ``echo`` prints to standard error."""
    if not is_dash(path):
        yield path
        return
    stdout = sys.stdout.buffer
    with tempfile.TemporaryDirectory(prefix="outreach-") as folder:
        target = Path(folder) / name
        with contextlib.redirect_stdout(sys.stderr):
            yield cast(P, target)
        if target.is_file():
            stdout.write(target.read_bytes())
            stdout.flush()
