"""Atomic writes: outputs are whole or absent, and unwritable paths are one-line errors."""

from __future__ import annotations

import os
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


def test_a_new_folder_of_files_appears_whole_at_one_rename(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    renames: list[tuple[str, str]] = []
    real_replace = fileio.os.replace

    def replace(source: str, target: str) -> None:
        renames.append((Path(source).name, Path(target).name))
        real_replace(source, target)

    monkeypatch.setattr(fileio.os, "replace", replace)
    files = [(out / f"{n}.eml", b"message %d" % n) for n in range(50)]
    assert fileio.write_many(files) == [True] * 50
    assert renames == [(f".out.{fileio.os.getpid()}.tmp", "out")]  # one, for the folder
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.eml" for n in range(50))
    assert (out / "7.eml").read_bytes() == b"message 7"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary folder left


def test_a_folder_with_files_is_written_file_by_file(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_bytes(b"mine")
    (tmp_path / "a.eml").write_bytes(b"old")
    assert fileio.write_many([(tmp_path / "a.eml", b"new"), (tmp_path / "b.eml", b"b")]) == [
        True, True]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.eml", "b.eml", "keep.txt"]
    assert (tmp_path / "a.eml").read_bytes() == b"new"


def test_a_failed_write_into_a_new_folder_leaves_it_empty(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    real_write = fileio.os.write
    calls = iter(range(100))

    def full_disk(fd: int, data: bytes) -> int:
        if next(calls) == 3:
            raise OSError(28, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(fileio.os, "write", full_disk)
    with pytest.raises(OutreachError, match=r"out/3\.eml: cannot write: No space left"):
        fileio.write_many([(out / f"{n}.eml", b"x") for n in range(10)])
    assert list(out.iterdir()) == []
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_the_working_folder_is_written_file_by_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Renamed over, the folder a shell stands in would become a deleted one there."""
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.chdir(out)
    assert fileio.write_many([(out / "a.eml", b"a")]) == [True]
    assert os.path.samefile(out, os.getcwd())  # still the same folder
    assert os.listdir(".") == ["a.eml"]
