"""CSV outputs open right in the user's spreadsheet: a BOM, `;` where the locale's Excel
expects it, `--csv-dialect` to choose; and every reader takes them back."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from outreach.cli import cli
from outreach.tables import CsvDialect, dialect_for_locale, to_csv

EXPORT = str((Path(__file__).parent / "data" / "exports" / "connections_2024.csv").resolve())
BOM = b"\xef\xbb\xbf"


def run(*args: str, env: dict[str, str] | None = None) -> str:
    result = CliRunner().invoke(cli, list(args), env={"OUTREACH_LOCALE": "", **(env or {})})
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize(("locale", "dialect"), [
    ("en", CsvDialect.EXCEL), ("en_US", CsvDialect.EXCEL), ("es_ES", CsvDialect.EXCEL_SEMICOLON),
    ("de", CsvDialect.EXCEL_SEMICOLON), ("fr_FR", CsvDialect.EXCEL_SEMICOLON),
    ("pt_BR", CsvDialect.EXCEL_SEMICOLON), ("nl", CsvDialect.EXCEL_SEMICOLON),
    ("es_MX", CsvDialect.EXCEL),  # Mexico writes 1.5: its Excel splits at commas
])
def test_the_locale_decides_the_separator(locale: str, dialect: CsvDialect) -> None:
    assert dialect_for_locale(locale) is dialect


def test_every_dialect_keeps_the_formula_guard() -> None:
    for dialect in CsvDialect:
        text = to_csv(["Name"], [["=HYPERLINK(1)"]], dialect)
        assert "'=HYPERLINK(1)" in text


def test_peers_file_in_spanish_has_a_bom_and_semicolons(tmp_path: Path) -> None:
    out = tmp_path / "peers.csv"
    run("peers", EXPORT, "--title", "VP Marketing", "--format", "csv", "-o", str(out),
        env={"LANG": "es_ES.UTF-8"})
    data = out.read_bytes()
    assert data.startswith(BOM + b"First Name;Last Name;URL;")


def test_english_gets_a_bom_and_commas_and_plain_gets_neither(tmp_path: Path) -> None:
    excel, plain = tmp_path / "excel.csv", tmp_path / "plain.csv"
    run("peers", EXPORT, "--title", "VP Marketing", "--format", "csv", "-o", str(excel),
        env={"LANG": "en_US.UTF-8"})
    run("peers", EXPORT, "--title", "VP Marketing", "--format", "csv", "-o", str(plain),
        "--csv-dialect", "plain", env={"LANG": "es_ES.UTF-8"})
    assert excel.read_bytes().startswith(BOM + b"First Name,Last Name,")
    assert plain.read_bytes().startswith(b"First Name,Last Name,")


def test_a_pipe_gets_no_bom() -> None:
    output = run("peers", EXPORT, "--title", "VP Marketing", "--format", "csv",
                 "--csv-dialect", "excel-semicolon")
    assert output.startswith("First Name;Last Name;")


def test_connections_choose_the_semicolon_dialect(tmp_path: Path) -> None:
    out = tmp_path / "c.csv"
    run("connections", EXPORT, "--format", "csv", "-o", str(out),
        "--csv-dialect", "excel-semicolon")
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["First Name", "Last Name", "URL"]


@pytest.mark.slow
def test_peers_csv_with_bom_and_semicolons_reads_back_as_input(tmp_path: Path) -> None:
    out = tmp_path / "peers.csv"
    run("peers", EXPORT, "--title", "VP Marketing", "--format", "csv", "-o", str(out),
        "--csv-dialect", "excel-semicolon")
    direct = run("peers", EXPORT, "--title", "VP Marketing", "--format", "json")
    again = run("peers", str(out), "--title", "VP Marketing", "--format", "json")
    assert again == direct


@pytest.mark.slow
def test_emails_linkedin_csv_follows_the_dialect(tmp_path: Path) -> None:
    run("emails", EXPORT, "--title", "VP Marketing", "--from", "Pat Lee <pat@example.com>",
        "--out", str(tmp_path / "out"), env={"LANG": "de_DE.UTF-8"})
    notes = tmp_path / "out" / "linkedin.csv"
    assert notes.read_bytes().startswith(BOM + b"First Name;Last Name;URL;Message")


@pytest.mark.slow
def test_campaign_peers_csv_in_semicolons_feeds_the_next_commands(tmp_path: Path) -> None:
    zipped = Path(__file__).resolve().parent.parent / "sample_data"
    export = str(next(zipped.glob("*.zip")))
    out = tmp_path / "out"
    run("campaign", export, "--out", str(out), "--ledger", str(tmp_path / "l.sqlite"),
        "--start", "2027-01-05T08:00", "--tz", "America/Toronto", "--no-preview",
        "--csv-dialect", "excel-semicolon")
    peers = out / "peers.csv"
    assert peers.read_bytes().startswith(BOM + b"First Name;Last Name;URL;")
    assert (out / "linkedin.csv").read_bytes().startswith(BOM + b"First Name;Last Name;")
    from_file = run("peers", str(peers), "--format", "json")
    assert from_file.count('"first_name"') == len(peers.read_text("utf-8-sig").splitlines()) - 1
