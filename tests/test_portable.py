"""macOS and Windows: the main job without Linux-only calls, under ``spawn``; no ``%-d``;
the local zone from tzlocal."""

from __future__ import annotations

import email
import email.policy
import hashlib
import mailbox
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from outreach import config

ROOT = Path(__file__).resolve().parent.parent
EXPORT = ROOT / "sample_data" / "Basic_LinkedInDataExport_11-20-2026.zip"
BIN = Path(sys.executable).parent
MEETING = ["--start", "2027-01-05T08:00", "--tz", "America/Toronto", "--location", "Café"]

# What a macOS or Windows Python lacks, taken away before outreach starts; the pools' size
# thresholds lowered so spawned workers really run on the small sample export (the
# e-mails' pool in `emails`, ical's in `invite`; `campaign` renders one thread at a time).
SITECUSTOMIZE = '''
import sys
sys.modules["fcntl"] = None  # Windows has no fcntl: `import fcntl` raises ImportError
import multiprocessing, os
for name in ("sched_getaffinity", "sync"):
    if hasattr(os, name):
        delattr(os, name)
multiprocessing.set_start_method("spawn", force=True)
import outreach.ical.events, outreach.mail.render
outreach.ical.events.SPAWN_FROM = outreach.ical.events.PARALLEL_FROM = 2
outreach.mail.render._PARALLEL_FROM = outreach.mail.render._SPAWN_FROM = 2
'''


def _run_main_job(base: Path, env: dict[str, str], ledger: Path) -> tuple[dict[str, str], str]:
    """``campaign``, ``emails`` and ``invite`` on the sample export, each with its own copy of
    ``ledger`` (one random Message-ID secret for both runs compared)."""
    out = base / "out"
    base.mkdir(exist_ok=True)
    for name in ("campaign", "emails", "invite"):
        shutil.copyfile(ledger, base / f"{name}.sqlite")
    env = {**env, "OUTREACH_NOW": "2026-11-23T12:00:00+00:00", "HOME": str(base)}
    commands = [
        ["campaign", str(EXPORT), "--out", str(out / "campaign"), "--ledger",
         str(base / "campaign.sqlite"), *MEETING],
        ["emails", str(EXPORT), "--out", str(out / "emails"), "--mbox", str(out / "all.mbox"),
         "--ledger", str(base / "emails.sqlite"), "--date", "2026-11-23T12:00+00:00",
         *MEETING],
        ["invite", str(EXPORT), "--out", str(out / "invites"), "--ledger",
         str(base / "invite.sqlite"), *MEETING],  # ical's worker pool
    ]
    stderr = ""
    for args in commands:
        done = subprocess.run([str(BIN / "outreach"), *args], env=env, cwd=base,
                              capture_output=True, text=True, timeout=600, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        stderr += done.stderr + done.stdout
    files = {str(p.relative_to(out)): _without_clock(p) for p in sorted(out.rglob("*"))
             if p.is_file()}
    return files, stderr


_STAMP = re.compile(rb"^(DTSTAMP:|Date: ).*$", re.MULTILINE)


def _without_clock(path: Path) -> str:
    """A digest of the file with the wall clock masked: ``campaign`` stamps Date and DTSTAMP
    with the time it runs (two runs seconds apart differ there and nowhere else). In an
    e-mail the calendar part is base64, so each part is compared decoded."""
    data = path.read_bytes()
    if path.suffix in {".eml", ".mbox"}:
        messages = ([m.as_bytes() for m in mailbox.mbox(path)] if path.suffix == ".mbox"
                    else [data])
        data = b"\0".join(_decoded(message) for message in messages)
    return hashlib.sha256(_STAMP.sub(rb"\1-", data)).hexdigest()


def _decoded(data: bytes) -> bytes:
    message = email.message_from_bytes(data, policy=email.policy.default)
    head = data.split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    parts = [part.get_payload(decode=True) or b"" for part in message.walk()
             if not part.is_multipart()]
    return b"\n".join([head, *parts]).replace(b"\r\n", b"\n")


def _path_without(tool: str, base: Path) -> str:
    """$PATH with every folder holding ``tool`` replaced by a copy of it without ``tool``."""
    folders = []
    for index, folder in enumerate(os.environ.get("PATH", "").split(os.pathsep)):
        if not (Path(folder) / tool).exists():
            folders.append(folder)
            continue
        copy = base / f"bin{index}"
        copy.mkdir()
        for entry in Path(folder).iterdir():
            if entry.name != tool:
                (copy / entry.name).symlink_to(entry)
        folders.append(str(copy))
    return os.pathsep.join(folders)


@pytest.mark.slow
def test_the_main_job_runs_as_on_macos_and_windows(tmp_path: Path) -> None:
    from outreach.ledger import Ledger

    ledger = tmp_path / "fresh.sqlite"
    with Ledger.open(ledger):
        pass
    plain = dict(os.environ)
    expected, _ = _run_main_job(tmp_path / "linux", plain, ledger)
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    (tmp_path / "other").mkdir()
    other = {**plain, "PYTHONPATH": os.pathsep.join(filter(None, [str(site),
                                                                  plain.get("PYTHONPATH")])),
             "PATH": _path_without("fc-match", tmp_path / "other")}
    got, output = _run_main_job(tmp_path / "other", other, ledger)
    assert "Traceback" not in output
    assert got == expected
    assert any(name.endswith(".eml") for name in got) and "all.mbox" in got


def test_the_sitecustomize_takes_the_linux_calls_away(tmp_path: Path) -> None:
    """The test above tests something: without those calls, under spawn."""
    (tmp_path / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    probe = ("import os, multiprocessing, shutil, importlib.util as u; print(hasattr(os, "
             "'sched_getaffinity'), hasattr(os, 'sync'), multiprocessing.get_start_method(), "
             "shutil.which('fc-match'), u.find_spec('fcntl') is None)")
    env = {**os.environ, "PYTHONPATH": str(tmp_path),
           "PATH": _path_without("fc-match", tmp_path)}
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                          text=True, check=True)
    assert done.stdout.split() == ["False", "False", "spawn", "None", "True"]


def test_no_strftime_pattern_only_glibc_knows() -> None:
    """``%-d`` (and ``%-m``, ``%-H``…) fails on Windows; ``{d.day}`` says the same."""
    found = []
    for path in sorted((ROOT / "outreach").rglob("*")):
        if path.suffix not in {".py", ".j2", ".toml", ".html"}:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"%-[a-zA-Z]", line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


def test_dates_read_as_before() -> None:
    from datetime import datetime

    from outreach.plan import describe_change

    old = {"start": "2027-01-05T08:00:00-05:00", "every": "weekly", "count": 4}
    new = {**old, "start": "2027-01-07T08:00:00-05:00"}
    assert "Thursday 7 January" in describe_change(old, new)
    assert f"{datetime(2027, 1, 7):%A} 7" == "Thursday 7"


def test_the_local_zone_comes_from_tzlocal(monkeypatch: pytest.MonkeyPatch) -> None:
    import tzlocal

    monkeypatch.delenv("TZ", raising=False)
    monkeypatch.setattr(tzlocal, "get_localzone_name", lambda: "Europe/Madrid")
    assert config.local_zone() == "Europe/Madrid"
    monkeypatch.setenv("TZ", "Asia/Tokyo")  # $TZ first, as before
    assert config.local_zone() == "Asia/Tokyo"
    monkeypatch.delenv("TZ")
    monkeypatch.setattr(tzlocal, "get_localzone_name", lambda: None)  # names none: UTC
    assert config.local_zone() == "UTC"

    def broken() -> str:
        raise LookupError("no zone configured")

    monkeypatch.setattr(tzlocal, "get_localzone_name", broken)
    assert config.local_zone() == "UTC"


def test_the_cpu_count_without_an_affinity_mask(monkeypatch: pytest.MonkeyPatch) -> None:
    from outreach import portable

    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 6)
    assert portable.usable_cpus() == 6
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert portable.usable_cpus() == 1


def test_files_are_still_written_without_os_sync(monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    from outreach import fileio

    monkeypatch.delattr(os, "sync", raising=False)
    assert fileio.write_many([(tmp_path / "a.txt", b"a"), (tmp_path / "b.txt", b"b")]) == [
        True, True]
    assert (tmp_path / "a.txt").read_bytes() == b"a"


def test_a_font_family_is_found_without_fc_match(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    """macOS and Windows have no fontconfig: ``--font "Family Name"`` is looked up in the
    platform's font folders by the family names inside each font."""
    from outreach.cards import fonts, installed

    user_fonts = tmp_path / "share" / "fonts" / "handwriting"
    user_fonts.mkdir(parents=True)
    copy = user_fonts / "MyHand.ttf"  # the file name says nothing: the name table does
    copy.write_bytes(fonts.BUNDLED["dejavu-oblique"].read_bytes())
    (user_fonts / "broken.ttf").write_bytes(b"not a font")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    monkeypatch.setenv("PATH", _path_without("fc-match", tmp_path))
    installed.family_index.cache_clear()
    assert fonts.resolve_font("dejavu sans condensed") == copy
    from outreach.errors import OutreachError

    with pytest.raises(OutreachError, match="no such file, nor a bundled"):
        fonts.resolve_font("No Such Family")


def test_the_font_folders_of_macos_and_windows(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    from outreach.cards import installed

    monkeypatch.setattr(installed.sys, "platform", "darwin")
    assert Path("/Library/Fonts") in installed.font_folders()
    assert Path.home() / "Library" / "Fonts" in installed.font_folders()
    monkeypatch.setattr(installed.sys, "platform", "win32")
    monkeypatch.setenv("WINDIR", str(tmp_path / "Windows"))
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "Local"))
    assert installed.font_folders() == [tmp_path / "Local" / "Microsoft" / "Windows" / "Fonts",
                                        tmp_path / "Windows" / "Fonts"]
