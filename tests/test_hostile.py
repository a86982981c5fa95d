"""Hostile and extreme input (issue 14): never a traceback, never a lost row, never a live
escape on the terminal. Every case goes through the command line and asserts the exact
one-line error or the handled output."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from outreach.cli import cli

HOSTILE = Path(__file__).resolve().parent / "data" / "hostile"
HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On"
PEER = ["--title", "VP Marketing", "--company", "Me Inc"]


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exc_info)
    return result.exit_code, result.stdout, result.stderr


def export(tmp_path: Path, *rows: str, newline: str = "\n") -> Path:
    path = tmp_path / "Connections.csv"
    path.write_bytes(newline.join([HEADER, *rows, ""]).encode("utf-8"))
    return path


def row(first: str, last: str = "Doe", company: str = "Globex", email: str = "",
        slug: str = "", position: str = "VP Marketing") -> str:
    def q(cell: str) -> str:
        return '"' + cell.replace('"', '""') + '"'
    url = f"https://www.linkedin.com/in/{slug or re.sub(r'[^a-z]', '', first.lower()) or 'x'}"
    return ",".join(q(c) for c in (first, last, url, email, company, position, "01 Jan 2024"))


# ---------------------------------------------------------------- valid CSV refused


def test_a_line_break_in_the_first_column_is_one_name(tmp_path: Path) -> None:
    path = export(tmp_path, row("Ana\nMaria", "Souza"), row("Ben", "Okafor", "Hooli"))
    code, out, err = invoke("connections", str(path), "--format", "csv")
    assert code == 0, err
    assert out.splitlines()[1].startswith("Ana Maria,Souza,")
    assert err == "2 connections\n"


def test_crlf_inside_a_quoted_field_of_an_lf_file(tmp_path: Path) -> None:
    path = export(tmp_path, row("Ana\r\nMaria", "Souza"), row("Ben\r\nJr", "Okafor", "Hooli"))
    code, out, err = invoke("connections", str(path), "--format", "csv")
    assert code == 0, err
    assert [line.split(",")[0] for line in out.splitlines()[1:]] == ["Ana Maria", "Ben Jr"]


def test_a_really_unterminated_quote_is_still_refused(tmp_path: Path) -> None:
    path = export(tmp_path, row("Ana"), 'Carla,Reyes,u2,,"Acme,CIO,01 Jan 2024',
                  "Dev,Patel,u3,,Hooli,CFO,01 Jan 2024", row("Eva", company="Umbrella, Inc."))
    code, _, err = invoke("connections", str(path))
    assert code == 2
    assert err == (f"Error: {path}: line 3: unterminated quote (the rows after it would be "
                   "one field)\n")


def test_two_exports_pasted_together_repeat_no_header_as_a_person(tmp_path: Path) -> None:
    notes = 'Notes:\n"When exporting your connection data, you may notice..."\n'
    path = export(tmp_path, row("Ana"), notes, HEADER, row("Ben", company="Hooli"))
    code, out, err = invoke("connections", str(path), "--format", "csv")
    assert code == 0, err
    names = [line.split(",")[0] for line in out.splitlines()[1:]]
    assert names == ["Ana", "Ben"]


# ---------------------------------------------------------------- rich markup in data

MARKUP = ["[/]", "[link=https://evil.example]Trusted Bank[/link]", "[bold red]x", "[/bold]"]


@pytest.mark.parametrize("command", ["connections", "peers"])
def test_markup_in_names_and_companies_prints_as_text(tmp_path: Path, command: str) -> None:
    path = export(tmp_path, *(row(m, company=m, slug=f"p{i}") for i, m in enumerate(MARKUP)))
    extra = PEER if command == "peers" else []
    result = CliRunner().invoke(cli, [command, str(path), *extra],
                                env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    assert result.exception is None
    for markup in MARKUP:
        assert markup in result.stdout  # shown as written, not interpreted
    assert "\x1b]8;" not in result.stdout  # no live hyperlink


# ---------------------------------------------------------------- ZIP input


@pytest.mark.parametrize(("name", "message"), [
    ("encrypted.zip", "Connections.csv: the ZIP is encrypted (password-protected); unzip it "
                      "and give the folder or Connections.csv"),
    ("deflate64.zip", "Connections.csv: compressed with Deflate64, which cannot be read here; "
                      "unzip it (e.g. with 7-Zip) and give the folder"),
    ("bomb.zip", "Connections.csv: compressed 1025 to 1, not a text file (a zip bomb?); "
                 "refused"),
])
def test_unreadable_zips_are_one_line_errors(name: str, message: str) -> None:
    path = HOSTILE / name
    code, out, err = invoke("connections", str(path))
    assert (code, out, err) == (2, "", f"Error: {path}: {message}\n")


def test_what_is_read_from_an_archive_is_capped(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import zipfile

    from outreach import ingest

    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Connections.csv", HEADER + "\n" + row("Ana") * 2000)
    monkeypatch.setattr(ingest, "MAX_READ", 100_000)
    code, _, err = invoke("connections", str(path))
    size = (HEADER + "\n" + row("Ana") * 2000).encode()
    assert code == 2
    assert err == (f"Error: {path}: Connections.csv: {len(size) / 1e6:.3g} MB uncompressed, "
                   "more than the 0.1 MB read from an export\n")


# ---------------------------------------------------------------- template runtime errors

RUNTIME = [
    ("{{ 1/0 }}", "template error: ZeroDivisionError: division by zero"),
    ('{{ "%d"|format("x") }}',
     "template error: TypeError: %d format: a real number is required, not str"),
    ("{% for i in range(10**8) %}x{% endfor %}",
     "template over its limits: the number 100000000 is over the limit of 100,000"),
    ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
     "template over its limits: more than 1,000,000 loop steps"),
    ('{{ "x" * 100000000 }}',
     "template over its limits: a text or list of over 1,000,000 items"),
    ('{{ "{:100000000}".format(1) }}',
     "template over its limits: the number 100000000 is over the limit of 100,000"),
]
ANA = row("Ana", "Souza", email="ana@globex.example")


@pytest.mark.parametrize(("body", "message"), RUNTIME)
def test_template_runtime_errors_in_emails_name_file_line_and_recipient(
        tmp_path: Path, body: str, message: str) -> None:
    template = tmp_path / "t.email.j2"
    template.write_text(f"Subject: Hi {{{{ first_name }}}}\n\nHello {{{{ first_name }}}},\n"
                        f"{body}\n", encoding="utf-8")
    code, _, err = invoke("emails", str(export(tmp_path, ANA)), *PEER, "-t", str(template),
                          "--from", "Me <me@example.org>", "--out", str(tmp_path / "out"))
    assert code == 2
    assert err == (f"problem: {template}:4: {message} — #1 Ana Souza <ana@globex.example>\n"
                   "Error: 1 problem found; nothing written\n")
    assert not list((tmp_path / "out").rglob("*"))  # nothing written


def test_template_output_is_bounded(tmp_path: Path) -> None:
    template = tmp_path / "t.email.j2"
    template.write_text('Subject: Hi\n\nHello {{ first_name }},\n{% for i in range(100000) %}'
                        '{{ "y" * 100 }}{% endfor %}\n', encoding="utf-8")
    code, _, err = invoke("emails", str(export(tmp_path, ANA)), *PEER, "-t", str(template),
                          "--from", "Me <me@example.org>", "--out", str(tmp_path / "out"))
    assert code == 2
    assert err.splitlines()[0] == (f"problem: {template}: template over its limits: output over "
                                   "1,000,000 characters — #1 Ana Souza <ana@globex.example>")


@pytest.mark.parametrize("command", ["invite", "rotation", "cards"])
def test_template_runtime_errors_in_invites_and_cards(tmp_path: Path, command: str) -> None:
    template = tmp_path / "bad.j2"
    template.write_text("Dear {{ first_name }},\n{{ 1/0 }}\n", encoding="utf-8")
    args = [command, str(export(tmp_path, ANA)), *PEER]
    if command == "cards":
        args += ["--template", str(template), "-o", str(tmp_path / "cards.pdf")]
    else:
        args += ["--start", "2027-01-05T08:00", "--tz", "UTC", "-t", str(template),
                 "--out", str(tmp_path / "out"), "--from", "Me <me@example.org>"]
    code, out, err = invoke(*args)
    assert (code, out) == (2, "")
    assert err == (f"Error: {template}:2: template error: ZeroDivisionError: division by zero"
                   " — for Ana Souza (Globex)\n")
