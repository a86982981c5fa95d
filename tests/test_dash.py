"""``-`` for standard input and output wherever a command reads or writes a file."""

from __future__ import annotations

import json
import mailbox
from pathlib import Path

import pytest
from click.testing import CliRunner

from outreach.cli import cli

DATA = Path(__file__).resolve().parent / "data"
CSV = DATA / "exports" / "connections_2024.csv"
PEERS = DATA / "emails" / "peers.csv"
SAMPLE_ZIP = (Path(__file__).resolve().parent.parent / "sample_data"
              / "Basic_LinkedInDataExport_11-20-2026.zip")
ME = ["--title", "VP Marketing", "--company", "Acme"]
MEETING = ["--start", "2027-01-05T08:00", "--tz", "America/Toronto"]


def _folder_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_peers_reads_a_csv_from_standard_input() -> None:
    from_file = CliRunner().invoke(cli, ["peers", str(CSV), *ME, "--format", "csv"])
    piped = CliRunner().invoke(cli, ["peers", "-", *ME, "--format", "csv"],
                               input=CSV.read_bytes())
    assert piped.exit_code == 0, piped.output
    assert piped.stdout == from_file.stdout
    assert "3 peers for 'VP Marketing'" in piped.stderr


def test_peers_reads_an_export_zip_from_standard_input() -> None:
    from_file = CliRunner().invoke(cli, ["peers", str(SAMPLE_ZIP), "--format", "json"])
    piped = CliRunner().invoke(cli, ["peers", "-", "--format", "json"],
                               input=SAMPLE_ZIP.read_bytes())
    assert piped.exit_code == 0, piped.output
    assert json.loads(piped.stdout) == json.loads(from_file.stdout)
    assert len(json.loads(piped.stdout)) > 20  # the profile in the ZIP gave the title


def test_dash_output_is_standard_output_not_a_file_named_dash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    for command in (["peers", str(CSV), *ME], ["connections", str(CSV)]):
        result = CliRunner().invoke(cli, [*command, "--format", "json", "-o", "-"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)
    assert _folder_files(tmp_path) == []


def test_connections_from_standard_input_are_named_stdin() -> None:
    result = CliRunner().invoke(cli, ["connections", "-"], input=CSV.read_bytes())
    assert result.exit_code == 0, result.output
    assert "in <stdin>" in result.stdout


def test_an_empty_standard_input_is_a_one_line_error() -> None:
    result = CliRunner().invoke(cli, ["peers", "-", *ME], input=b"")
    assert result.exit_code == 2
    assert "<stdin>" in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


def test_titles_reads_one_title_a_line_from_standard_input() -> None:
    result = CliRunner().invoke(cli, ["titles", "-", "--format", "json"],
                                input="VP Marketing\n\nSr. Dir., Enterprise PMO\n")
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert [r["title"] for r in records] == ["VP Marketing", "Sr. Dir., Enterprise PMO"]
    assert [r["level"] for r in records] == ["vp", "director"]


def test_emails_write_the_mbox_to_standard_output(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, [
        "emails", "-", "--out", str(out), "--mbox", "-", "--from", "Dana <dana@example.com>",
        "--ledger", str(tmp_path / "l.sqlite"), *MEETING,
        "--date", "2026-11-23T12:00+00:00"], input=PEERS.read_bytes())
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.startswith(b"From ")
    (tmp_path / "got.mbox").write_bytes(result.stdout_bytes)
    messages = list(mailbox.mbox(tmp_path / "got.mbox"))
    emls = sorted(out.glob("*.eml"))
    assert len(messages) == len(emls) > 0
    assert sorted(m["To"] for m in messages) == sorted(
        mailbox.mboxMessage(p.read_bytes())["To"] for p in emls)
    assert "Wrote" in result.stderr and "Wrote" not in result.stdout
    assert not (tmp_path / "-").exists()


def test_emails_check_with_mbox_dash_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, [
        "emails", str(PEERS), "--out", str(tmp_path / "out"), "--mbox", "-", "--check",
        "--from", "Dana <dana@example.com>", "--ledger", str(tmp_path / "l.sqlite")])
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == b""
    assert "nothing written" in result.stderr


@pytest.mark.slow
def test_cards_write_the_pdf_to_standard_output(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["cards", "-", "-o", "-", "--sign", "Dana"],
                                input=PEERS.read_bytes())
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.startswith(b"%PDF-")
    assert result.stdout_bytes.rstrip().endswith(b"%%EOF")
    assert _folder_files(tmp_path) == []  # no out/, no file named -


def test_forum_writes_its_calendar_to_standard_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, [
        "forum", str(PEERS), *MEETING, "--out", "-", "--from", "Dana <dana@example.com>",
        "--ledger", str(tmp_path / "l.sqlite"), "--yes"])
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.startswith(b"BEGIN:VCALENDAR\r\n")
    assert "standard output: written." in result.stderr
    assert _folder_files(tmp_path) == ["l.sqlite"]


def test_standard_input_is_read_within_the_export_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    from outreach import ingest

    monkeypatch.setattr(ingest, "MAX_READ", 100)
    result = CliRunner().invoke(cli, ["peers", "-", *ME], input=CSV.read_bytes())
    assert result.exit_code == 2
    assert "<stdin>: more than the" in result.stderr
