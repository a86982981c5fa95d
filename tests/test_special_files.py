"""Only regular files are read as exports, templates, configs and outboxes (issue 21): a device,
a FIFO, or a link to one is refused at once with one line (it used to hang or fill the memory:
the size check read ``st_size``, 0 for a device). And the spreadsheet-formula guard covers
look-alikes (fullwidth ``＝ ＋ － ＠``) and invisible prefixes (zero-width space, BOM, bidi)."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_hostile import ANA, HEADER, PEER, export, invoke, row

from outreach.tables import neutralise, restore

OUTREACH = Path(sys.executable).with_name("outreach")


def run_binary(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """The installed binary with a timeout: a read that never ends fails the test, not hangs."""
    return subprocess.run([str(OUTREACH), *args], capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL, check=False)


def one_line_error(done: subprocess.CompletedProcess[str], *needles: str) -> str:
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, done.stderr
    for needle in needles:
        assert needle in errors[0], errors[0]
    return errors[0]


def test_peers_of_a_device_is_refused_at_once() -> None:
    one_line_error(run_binary("peers", "/dev/zero", *PEER), "/dev/zero: is a device",
                   "not a regular file")


def test_an_export_folder_whose_connections_link_to_a_device(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "Connections.csv").symlink_to("/dev/zero")
    one_line_error(run_binary("peers", str(folder), *PEER),
                   "Connections.csv: is a device (through a link), not a regular file")


def test_a_fifo_as_the_export_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "Connections.csv"
    os.mkfifo(fifo)  # nobody writes: reading it would wait for ever
    one_line_error(run_binary("peers", str(fifo), *PEER), "is a FIFO")
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "Connections.csv").symlink_to(fifo)
    one_line_error(run_binary("peers", str(folder), *PEER), "is a FIFO (through a link)")


def test_a_device_as_the_config_file() -> None:
    one_line_error(run_binary("--config", "/dev/zero", "peers", "/dev/null"),
                   "/dev/zero: is a device")


@pytest.mark.parametrize("target", ["/dev/zero", "fifo"])
def test_a_device_or_fifo_as_a_template(tmp_path: Path, target: str) -> None:
    if target == "fifo":
        target = str(tmp_path / "t.email.j2")
        os.mkfifo(target)
    done = run_binary("emails", str(export(tmp_path, ANA)), *PEER, "-t", target,
                      "--from", "Me <me@example.org>", "--out", str(tmp_path / "out"))
    one_line_error(done, f"{target}: is a", "not a regular file")


def test_an_outbox_message_linking_to_a_device(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    (outbox / "001.eml").symlink_to("/dev/zero")
    one_line_error(run_binary("send", str(outbox), "--ledger", str(tmp_path / "l.sqlite")),
                   "001.eml: is a device (through a link)")


LOOK_ALIKES = ["＝HYPERLINK(\"http://x\")", "＋Plus", "－VP", "＠Bob", "\u200b=1+1",
               "\ufeff+SUM(A1)", "\u200e-2", "\u200f@x", "\u2066=x", "\u00a0=1", "−1", "﹦1"]


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alikes_and_invisible_prefixes_are_guarded_and_restored(text: str) -> None:
    assert neutralise(text) == "'" + text
    assert restore(neutralise(text)) == text
    assert neutralise("Jean-Luc") == "Jean-Luc" and neutralise("O'Neil") == "O'Neil"


def test_peers_csv_guards_look_alikes(tmp_path: Path) -> None:
    rows = [row(first, "Doe", "Globex") for first in LOOK_ALIKES[:6]]
    path = export(tmp_path, *rows)
    output = tmp_path / "peers.csv"
    code, _, err = invoke("peers", str(path), *PEER, "--format", "csv", "-o", str(output))
    assert code == 0, err
    with output.open(encoding="utf-8", newline="") as handle:
        firsts = [r["First Name"] for r in csv.DictReader(handle)]
    assert sorted(firsts) == sorted("'" + t for t in LOOK_ALIKES[:6])


def test_linkedin_csv_guards_look_alikes(tmp_path: Path) -> None:
    path = export(tmp_path, row("＝cmd", "Doe", "Globex"), row("\u200b@SUM", "Roe", "Hooli"))
    assert HEADER in path.read_text(encoding="utf-8")
    code, _, err = invoke("emails", str(path), *PEER, "--from", "Me <me@example.org>",
                          "--out", str(tmp_path / "out"))
    assert code == 0, err
    with (tmp_path / "out" / "linkedin.csv").open(encoding="utf-8", newline="") as handle:
        firsts = sorted(r["First Name"] for r in csv.DictReader(handle))
    assert firsts == sorted(["'＝cmd", "'\u200b@SUM"])
