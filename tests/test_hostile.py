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
     "template over its limits: more than 1,000,000 steps of work (each loop step, call and "
     "filter, and each 100 characters built or written, is one)"),
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
        args += ["--template", str(template), "--sign", "Me", "-o", str(tmp_path / "cards.pdf")]
    else:
        args += ["--start", "2027-01-05T08:00", "--tz", "UTC", "-t", str(template),
                 "--out", str(tmp_path / "out"), "--from", "Me <me@example.org>"]
    code, out, err = invoke(*args)
    assert (code, out) == (2, "")
    assert err == (f"Error: {template}:2: template error: ZeroDivisionError: division by zero"
                   " — for Ana Souza (Globex)\n")


# ---------------------------------------------------------------- extremes


@pytest.mark.parametrize(("args", "message"), [
    (["rotation", "--start", "9999-12-31T23:59"],
     "Error: --start: 9999-12-31T23:59 is out of range; give a date from 1970 to 2199"),
    (["rotation", "--start", "2027-01-05T08:00", "--months", "100000"],
     "Error: Invalid value for '--months': 100000 is not in the range 1<=x<=120."),
    (["forum", "--start", "2027-01-05T08:00", "--months", "100000"],
     "Error: Invalid value for '--months': 100000 is not in the range 1<=x<=120."),
    (["rotation", "--start", "2027-01-05T08:00", "--every", "99999w"],
     "Error: --every: '99999w' is too long (at most 52w)"),
    (["invite", "--start", "2027-01-05T08:00", "--duration", "99999999999999"],
     "Error: --duration: '99999999999999' is too long (at most 52w)"),
    (["campaign", "--start", "9999-12-31T23:59"],
     "Error: --start: 9999-12-31T23:59 is out of range; give a date from 1970 to 2199"),
    (["campaign", "--rotation-months", "100000"],
     "Error: Invalid value for '--rotation-months': 100000 is not in the range 1<=x<=120."),
])
def test_extreme_options_are_refused_at_the_option(tmp_path: Path, args: list[str],
                                                   message: str) -> None:
    command, *rest = args
    path = export(tmp_path, ANA)
    out = ["--out", str(tmp_path / "out")] if command != "forum" else [
        "--out", str(tmp_path / "forum.ics")]
    code, _, err = invoke(command, str(path), *PEER, "--tz", "UTC", *out, *rest)
    assert code == 2
    assert err.splitlines()[-1] == message
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("option", "value"), [("--no-reply-after", "99999y"),
                                               ("--expire-after", "1201m")])
def test_status_ages_over_a_century_are_refused(option: str, value: str) -> None:
    code, out, err = invoke("status", option, value)
    assert (code, out, err) == (2, "", f"Error: {option}: {value!r} is more than 100 years\n")


@pytest.mark.parametrize("rate", ["1e-300/s", "1e308/s", "nan/s"])
def test_send_rate_out_of_range(tmp_path: Path, rate: str) -> None:
    (tmp_path / "emails").mkdir()
    code, _, err = invoke("send", str(tmp_path / "emails"), "--rate", rate)
    expected = (f"Error: --rate: {rate!r} is out of range; from 1/h to 1000/s\n" if rate[0] != "n"
                else f"Error: --rate: cannot read {rate!r}; use e.g. 30/min, 2/s or 500/h\n")
    assert (code, err) == (2, expected)


def test_a_config_file_that_is_not_utf8(tmp_path: Path) -> None:
    config = tmp_path / "outreach.toml"
    config.write_bytes(b'[meeting]\nlocation = "Caf\xe9"\n')
    code, out, err = invoke("--config", str(config), "status")
    assert (code, out, err) == (2, "", f"Error: {config}: line 2 is not UTF-8 text; save the "
                                "file as UTF-8\n")


# ---------------------------------------------------------------- SMTP causes and timeout


def _outbox(tmp_path: Path) -> Path:
    from smtp_server import write_outbox

    write_outbox(tmp_path / "emails", 1)
    return tmp_path / "emails"


def _send(folder: Path, port: int, *extra: str) -> tuple[int, str, str]:
    return invoke("send", str(folder), "--smtp-host", "127.0.0.1", "--port", str(port),
                  "--retries", "0", "--retry-wait", "0", "--send", *extra)


def test_smtp_without_auth_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from smtp_server import smtp_server

    monkeypatch.setenv("OUTREACH_SMTP_PASSWORD", "secret")
    folder = _outbox(tmp_path)
    with smtp_server() as server:
        code, _, err = _send(folder, server.port, "--security", "none", "--user", "ada")
    assert code == 2
    assert err.splitlines()[-1] == (
        f"Error: SMTP server 127.0.0.1:{server.port} does not offer a login (no AUTH); leave "
        "out --user for a relay that needs none, or check --smtp-host and --port")


def test_smtp_without_starttls_says_so(tmp_path: Path) -> None:
    from smtp_server import smtp_server

    folder = _outbox(tmp_path)
    with smtp_server() as server:
        code, _, err = _send(folder, server.port)  # --security starttls is the default
    assert code == 2
    assert err.splitlines()[-1] == (
        f"Error: SMTP server 127.0.0.1:{server.port} does not offer STARTTLS; use --security "
        "ssl, or --security none on a trusted local relay")


def test_a_server_requiring_starttls_is_named_as_such(tmp_path: Path) -> None:
    import ssl

    from smtp_server import smtp_server

    folder = _outbox(tmp_path)
    with smtp_server(tls_context=ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)) as server:
        code, _, err = _send(folder, server.port, "--security", "none")
    assert code == 2
    assert err.splitlines()[-1] == (
        f"Error: SMTP server 127.0.0.1:{server.port} requires STARTTLS before mail (530 Must "
        "issue a STARTTLS command first); use --security starttls")


@pytest.mark.slow
def test_send_timeout_is_an_option(tmp_path: Path) -> None:
    import socket
    import time

    folder = _outbox(tmp_path)
    with socket.socket() as silent:  # accepts, never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        began = time.monotonic()
        code, _, err = _send(folder, port, "--security", "none", "--timeout", "1")
        took = time.monotonic() - began
    assert code == 1
    assert err.splitlines()[-1] == (f"Error: cannot reach SMTP server 127.0.0.1:{port}: "
                                    "Connection unexpectedly closed: timed out; rerun to send "
                                    "the rest")
    assert took < 10


# ---------------------------------------------------------------- one stranger stops the job

LONG_COMPANY = "International Consolidated Holdings of Greater Metropolitan Regions and Partners"


def campaign(tmp_path: Path, path: Path, *extra: str) -> tuple[int, str, str]:
    return invoke("campaign", str(path), *PEER, "--from", "Me <me@example.org>", "--tz", "UTC",
                  "--start", "2027-01-05T08:00", "--out", str(tmp_path / "out"),
                  "--rotation-size", "1", "--yes", "--no-preview", *extra)


def test_a_long_company_shortens_the_linkedin_note_and_the_run_completes(tmp_path: Path) -> None:
    import csv

    assert len(LONG_COMPANY) == 80
    path = export(tmp_path, ANA, row("Ben", "Okafor", "Hooli", email="ben@hooli.example"),
                  row("Wilhelmina-Alexandra", "Featherstonehaugh-Montgomery", LONG_COMPANY),
                  row("Dev", "Patel", "Initech", email="dev@initech.example"))
    code, out, err = campaign(tmp_path, path)
    assert code == 0, err
    with (tmp_path / "out" / "linkedin.csv").open(encoding="utf-8-sig", newline="") as handle:
        notes = {r["First Name"]: r for r in csv.DictReader(handle)}
    note = next(v for k, v in notes["Wilhelmina-Alexandra"].items() if "forum" in (v or ""))
    assert len(note) <= 300
    assert LONG_COMPANY not in note  # the company clause went first
    assert note.startswith("Hi Wilhelmina-Alexandra, I'm VP Marketing at Me Inc. I'm starting")
    assert "1 LinkedIn note in all." in out


def test_one_strangers_empty_first_name_skips_only_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # not the repository's ./templates: the built-in one is named
    path = export(tmp_path, ANA, row("", "Okafor", "Hooli", email="ben@hooli.example",
                                     slug="ben"),
                  row("Dev", "Patel", "Initech", email="dev@initech.example"))
    code, out, err = campaign(tmp_path, path, "--rotation-size", "3", "--yes")
    assert code == 0, err
    template = Path(__file__).resolve().parent.parent / "outreach" / "templates"
    assert (f"warning: Okafor (https://www.linkedin.com/in/ben): {template}/invite.email.j2:1: "
            "empty value in the subject 'Coffee and compare notes, ?'; "
            f"{template}/invite.email.j2:3: empty value in the greeting 'Hi ,'") in err
    assert "Messages: 2 e-mails to send (2 invitations)." in out
    assert len(list((tmp_path / "out" / "emails").glob("*.eml"))) == 2


def test_campaign_checks_before_writing_anything(tmp_path: Path) -> None:
    # No sender address (no --from, none in the export): found while building the invites,
    # before peers.csv, cards or calendars are written.
    path = export(tmp_path, ANA, row("Dev", "Patel", "Initech", email="dev@initech.example"))
    code, out, err = invoke("campaign", str(path), *PEER, "--tz", "UTC", "--start",
                            "2027-01-05T08:00", "--out", str(tmp_path / "out"),
                            "--rotation-size", "1", "--yes", "--no-preview")
    assert (code, out) == (2, "")
    assert err == ("Error: --from: invites need the organiser's e-mail address (got 'none'); "
                   'pass --from "Your Name <you@example.com>"\n')
    assert not (tmp_path / "out").exists()
    import os

    from outreach.ledger import Ledger

    with Ledger.open(Path(os.environ["OUTREACH_LEDGER"])) as ledger:
        assert ledger.all_people() == {}  # the ledger is as it was too


# ---------------------------------------------------------------- file names


@pytest.mark.parametrize("first", ["A" * 301, "王" * 81])
def test_long_names_make_files_cut_by_bytes(tmp_path: Path, first: str) -> None:
    path = export(tmp_path, row(first, "One", email="one@globex.example", slug="one"),
                  row(first, "Two", "Hooli", email="two@hooli.example", slug="two"))
    code, _, err = invoke("emails", str(path), *PEER, "--from", "Me <me@example.org>",
                          "--start", "2027-01-05T08:00", "--tz", "UTC",
                          "--out", str(tmp_path / "emails"))
    assert code == 0, err
    code, _, err = invoke("invite", str(path), *PEER, "--from", "Me <me@example.org>",
                          "--start", "2027-01-05T08:00", "--tz", "UTC",
                          "--out", str(tmp_path / "invites"))
    assert code == 0, err
    for folder, suffix in (("emails", ".eml"), ("invites", ".ics")):
        names = sorted(p.name for p in (tmp_path / folder).glob(f"*{suffix}"))
        assert len(names) == 2 and len(set(names)) == 2  # still one file each
        for name in names:
            assert len(name.removesuffix(suffix).encode("utf-8")) <= 120 + 7  # + "-2"/hash


# ---------------------------------------------------------------- special files


def test_output_onto_a_fifo_is_refused(tmp_path: Path) -> None:
    import os
    import stat

    fifo = tmp_path / "peers.csv"
    os.mkfifo(fifo)
    code, out, err = invoke("peers", str(export(tmp_path, ANA)), *PEER, "--format", "csv",
                            "-o", str(fifo))
    assert (code, out) == (2, "")
    assert err == f"Error: {fifo}: is a FIFO, not a regular file; give a file name to write\n"
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_output_onto_a_device_is_refused(tmp_path: Path) -> None:
    device = Path("/dev/null")
    code, _, err = invoke("connections", str(export(tmp_path, ANA)), "--format", "csv",
                          "-o", str(device))
    assert code == 2
    assert err == f"Error: {device}: is a device, not a regular file; give a file name to write\n"
    assert device.is_char_device()


def test_a_full_disk_names_the_output_not_a_temporary_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno
    import os

    target = tmp_path / "peers.csv"
    real_fsync = os.fsync

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    code, _, err = invoke("peers", str(export(tmp_path, ANA)), *PEER, "--format", "csv",
                          "-o", str(target))
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert code == 2
    assert err == f"Error: {target}: cannot write: No space left on device\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Connections.csv"]


# ---------------------------------------------------------------- small ones


def _seed_ledger(*people: object) -> None:
    import os

    from outreach.ledger import Ledger

    with Ledger.open(Path(os.environ["OUTREACH_LEDGER"])) as ledger:
        ledger.remember_people(list(people))  # type: ignore[arg-type]


@pytest.mark.parametrize("pattern", ["%", "_", "*", "%%"])
def test_log_with_a_wildcard_matches_nobody(pattern: str) -> None:
    from outreach.model import Person

    _seed_ledger(Person("Ana", "Souza", company="Globex", url="https://www.linkedin.com/in/a"),
                 Person("Ben", "Okafor", company="Hooli", url="https://www.linkedin.com/in/b"))
    code, out, err = invoke("log", "met", pattern)
    assert (code, out) == (2, "")
    assert err == (f"Error: no one called {pattern!r} in the ledger (2 people known; people "
                   "are added by outreach campaign, send and cards)\n")


def test_skipped_recipients_are_not_all_number_one(tmp_path: Path) -> None:
    path = export(tmp_path, ANA, row("Ben", "Okafor", "Hooli", email="ben(at)hooli"),
                  row("Dev", "Patel", "Initech", email="dev@@initech"))
    code, _, err = campaign(tmp_path, path, "--rotation-size", "3", "--yes")
    assert code == 0, err
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: Ben Okafor (https://www.linkedin.com/in/ben): invalid e-mail address "
        "'ben(at)hooli'; LinkedIn note instead",
        "warning: Dev Patel (https://www.linkedin.com/in/dev): invalid e-mail address "
        "'dev@@initech'; LinkedIn note instead"]


def test_nul_bytes_reach_neither_peers_csv_nor_report(tmp_path: Path) -> None:
    path = export(tmp_path, row("Ana\0", "Sou\0za", "Glo\0bex", email="ana@globex.example"),
                  row("Ben", "Okafor", "Hooli", email="ben@hooli.example"))
    code, _, err = campaign(tmp_path, path)
    assert code == 0, err
    for name in ("peers.csv", "report.html"):
        data = (tmp_path / "out" / name).read_bytes()
        assert b"\0" not in data
    assert "Ana,Sou za,https://www.linkedin.com/in/ana,ana@globex.example,Glo bex" in (
        tmp_path / "out" / "peers.csv").read_text(encoding="utf-8-sig")


def test_status_opens_the_ledger_read_only(monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import sqlite3

    from outreach.model import Person

    _seed_ledger(Person("Ana", "Souza", company="Globex", url="https://www.linkedin.com/in/a"))
    ledger = Path(os.environ["OUTREACH_LEDGER"])
    before = ledger.read_bytes()
    opened: list[str] = []
    connect = sqlite3.connect

    def spy(target: object, *args: object, **kwargs: object) -> sqlite3.Connection:
        opened.append(str(target))
        return connect(target, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sqlite3, "connect", spy)
    code, out, err = invoke("status")
    assert code == 0, err
    assert len(opened) == 1 and opened[0].endswith("?mode=ro")  # writing would fail
    assert "Met, not yet thanked: everyone you met has been thanked." in out
    assert ledger.read_bytes() == before


def test_an_ambiguous_local_time_says_which_one_was_taken(tmp_path: Path) -> None:
    code, _, err = invoke("invite", str(export(tmp_path, ANA)), *PEER,
                            "--from", "Me <me@example.org>", "--tz", "America/Toronto",
                            "--start", "2027-11-07T01:30", "--yes",  # a Sunday, 01:30
                            "--out", str(tmp_path / "out"))
    assert code == 0, err
    assert err.splitlines()[0] == (
        "note: --start: 2027-11-07 01:30 happens twice in America/Toronto (clocks go back); "
        "using the first, 01:30-0400 (EDT); for the second give 2027-11-07T01:30-05:00")
    code, _, err = invoke("invite", str(export(tmp_path, ANA)), *PEER,
                          "--from", "Me <me@example.org>", "--tz", "America/Toronto",
                          "--start", "2027-11-07T01:30-05:00", "--yes",
                          "--out", str(tmp_path / "out"))
    assert code == 0 and "happens twice" not in err


# ---------------------------------------------------------------- terminal escapes (a real pty)

OSC52 = "\x1b]52;c;ZXZpbA==\x07"
HOSTILE_NAMES = [f"Eve{OSC52}", "Mal\x1b[2J\x1b[31mlory", "Bel\x07la", "Csi\x9b31mcat",
                 "Rtl\u202eevil"]
_SGR = re.compile(rb"\x1b\[[0-9;]*m")  # rich's own colours are fine; nothing else may pass


def on_a_terminal(*args: str) -> bytes:
    """Run the installed ``outreach`` on a pseudo-terminal; everything it wrote there."""
    import os
    import subprocess
    import sys

    binary = Path(sys.executable).with_name("outreach")
    primary, secondary = os.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "200"}
    with subprocess.Popen([str(binary), *args], stdin=secondary, stdout=secondary,
                          stderr=secondary, env=env) as process:
        os.close(secondary)
        chunks = []
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # EIO: the other side closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait(timeout=60)
    os.close(primary)
    return b"".join(chunks)


def assert_inert(output: bytes) -> None:
    rest = _SGR.sub(b"", output)
    assert b"\x1b" not in rest and b"\x07" not in rest, rest
    assert "\x9b" not in rest.decode("utf-8", "replace") and "\u202e" not in rest.decode()


def test_control_characters_in_ledger_names_never_reach_the_terminal(tmp_path: Path) -> None:
    from datetime import timedelta

    from outreach import times
    from outreach.ledger import Ledger
    from outreach.model import Person
    from outreach.track import log_event

    people = [Person(name, "Doe", company=f"Co{OSC52}", url=f"https://www.linkedin.com/in/p{i}")
              for i, name in enumerate(HOSTILE_NAMES)]
    _seed_ledger(*people)
    import os

    with Ledger.open(Path(os.environ["OUTREACH_LEDGER"])) as ledger:
        for person in people[1:]:
            log_event(ledger, "met", person.url, times.today() - timedelta(days=1))
    logged = on_a_terminal("log", "met", "https://www.linkedin.com/in/p0")
    assert_inert(logged)
    assert b"Logged met with Eve\\x1b]52;c;ZXZpbA==\\x07 Doe (Co\\x1b]52;c;ZXZpbA==\\x07)" in logged
    status = on_a_terminal("status")
    assert_inert(status)
    assert b"Csi\\x9b31mcat Doe" in status and b"Rtl\\u202eevil Doe" in status
    unknown = on_a_terminal("log", "met", f"Zed{OSC52}")
    assert_inert(unknown)
    assert b"Error: no one called 'Zed\\x1b]52;c;ZXZpbA==\\x07'" in unknown


@pytest.mark.slow
def test_hostile_names_in_an_export_print_inert_in_every_table(tmp_path: Path) -> None:
    rows = [row(name, company=f"[link=https://evil.example]Bank{i}[/link]{OSC52}",
                slug=f"h{i}") for i, name in enumerate(HOSTILE_NAMES)]
    path = export(tmp_path, *rows)
    for args in (["connections", str(path)], ["peers", str(path), *PEER],
                 ["rotation", str(path), *PEER, "--start", "2027-01-05T08:00", "--tz", "UTC",
                  "--from", "Me <me@example.org>", "--out", str(tmp_path / "rot")]):
        output = on_a_terminal(*args)
        assert_inert(output)
        assert b"Traceback" not in output
        assert b"[link=https://evil.example]Bank0[/link]" in output
    assert b"Note: no e-mail address for 5 peers" in output  # the note line, inert too


def test_two_peers_with_one_address_get_one_message(tmp_path: Path) -> None:
    path = export(tmp_path, ANA, row("Ana", "Souza-Lima", "Initech", email="ANA@globex.example",
                                     slug="ana2"),
                  row("Dev", "Patel", "Hooli", email="dev@hooli.example"))
    code, _, err = campaign(tmp_path, path, "--rotation-size", "3", "--yes")
    assert code == 0, err
    sent_to = sorted(p.read_text(encoding="utf-8").split("\nTo: ")[1].split("\n")[0]
                     for p in (tmp_path / "out" / "emails").glob("*.eml"))
    assert len(sent_to) == 2 and sum("globex.example" in to.lower() for to in sent_to) == 1
    assert ("warning: Ana Souza-Lima (https://www.linkedin.com/in/ana2): the same e-mail "
            "address as another peer (ANA@globex.example): one message per address") in err
