"""Atomic writes: outputs are whole or absent, and unwritable paths are one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from outreach import fileio
from outreach.cli import cli
from outreach.errors import OutreachError

EXPORT = Path(__file__).parent / "data" / "exports" / "connections_2024.csv"


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "peers.csv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), fileio.atomic_open(target) as handle:
        handle.write(b"half of the new")
        raise RuntimeError("interrupted")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["peers.csv"]


def test_same_bytes_are_not_rewritten(tmp_path: Path) -> None:
    target = tmp_path / "a.ics"
    assert fileio.write_if_changed(target, b"x")
    mtime = target.stat().st_mtime_ns
    assert not fileio.write_if_changed(target, b"x")
    assert target.stat().st_mtime_ns == mtime
    assert fileio.write_if_changed(target, b"y") and target.read_bytes() == b"y"


def test_a_file_in_the_way_of_a_folder_is_named(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("")
    with pytest.raises(OutreachError, match=r"afile: cannot write into this folder: a file is in"):
        fileio.write_bytes(tmp_path / "afile" / "x.ics", b"x")
    with pytest.raises(OutreachError, match="afile/sub: cannot write into this folder"):
        fileio.write_if_changed(tmp_path / "afile" / "sub" / "x.ics", b"x")


@pytest.mark.parametrize("args", [
    ["peers", str(EXPORT), "--title", "VP Marketing", "--format", "csv", "-o", "{afile}/p.csv"],
    ["forum", str(EXPORT), "--title", "VP Marketing", "--start", "2027-01-05T08:00",
     "--from", "Pat Lee <pat@example.com>",
     "--out", "{afile}/forum.ics"],
    ["init", "{afile}/peers"],
])
def test_commands_report_an_unwritable_output_in_one_line(tmp_path: Path, args: list[str]) -> None:
    afile = tmp_path / "afile"
    afile.write_text("")
    result = CliRunner().invoke(cli, [a.format(afile=afile) for a in args])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1
    assert str(afile) in result.output


def test_cards_name_a_file_in_the_way_of_their_folder(tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("")
    result = CliRunner().invoke(cli, ["cards", str(EXPORT), "--title", "VP Marketing",
                                      "--sign", "Me", "-o", str(afile / "cards.pdf")])
    assert result.exit_code == 2, result.output
    assert f"{afile}: cannot write into this folder: a file is in the way" in result.output
