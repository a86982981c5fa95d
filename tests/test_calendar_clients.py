"""The calendar stage's files as real clients see them: Mozilla's ical.js (Thunderbird),
libical (Evolution) and calcurse. Each must find every event in its zone (not floating), at
the right instants, with every recurrence expanded and skipped dates left out."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import subprocess
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import require_tool, tools_required
from ics_samples import Sample, corpus
from itip_lint import lint_ics

pytestmark = pytest.mark.integration  # real calendar clients: ical.js, libical, calcurse

HERE = Path(__file__).resolve().parent
JS = HERE / "js"
C_SOURCE = HERE / "c" / "ics_check.c"


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Sample, Path]]:
    folder = tmp_path_factory.mktemp("ics")
    written = []
    for sample in corpus():
        assert lint_ics(sample.data) == [], sample.name
        path = folder / sample.name
        path.write_bytes(sample.data)
        written.append((sample, path))
    return written


def _fail_or_skip(message: str) -> None:
    if tools_required():
        pytest.fail(message)
    pytest.skip(message)


@contextlib.contextmanager
def _locked(path: Path):
    """One pytest-xdist worker installs at a time; the others wait, then find it done."""
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def icaljs() -> list[str]:
    """``node tests/js/ics_check.mjs`` with ical.js installed from package-lock.json."""
    node = require_tool("node", "runs Mozilla's ical.js")
    npm = require_tool("npm", "installs ical.js")
    with _locked(Path(tempfile.gettempdir()) / "outreach-tests-icaljs.lock"):
        if not (JS / "node_modules" / "ical.js" / "package.json").exists():
            done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                                  cwd=JS, capture_output=True, text=True, timeout=300,
                                  check=False)
            if done.returncode:
                _fail_or_skip(f"npm ci in {JS} failed: {done.stderr.strip()[-300:]}")
    return [node, str(JS / "ics_check.mjs")]


@pytest.fixture(scope="session")
def libical(tmp_path_factory: pytest.TempPathFactory) -> str:
    """tests/c/ics_check.c compiled against libical (Debian libical-dev)."""
    gcc = require_tool("gcc", "compiles the libical check")
    pkg_config = require_tool("pkg-config", "finds libical")
    flags = subprocess.run([pkg_config, "--cflags", "--libs", "libical"], capture_output=True,
                           text=True, check=False)
    if flags.returncode:
        _fail_or_skip("libical not installed (Debian: libical-dev)")
    binary = tmp_path_factory.mktemp("libical") / "ics_check"
    subprocess.run([gcc, "-O1", "-Wall", "-Werror", "-o", str(binary), str(C_SOURCE),
                    *flags.stdout.split()], check=True, capture_output=True)
    return str(binary)


def _epochs(moments: list[datetime]) -> list[int]:
    return sorted(int(m.timestamp()) for m in moments)


def test_icaljs_sees_every_event_in_its_zone(icaljs, samples) -> None:
    done = subprocess.run([*icaljs, *(str(p) for _, p in samples)], capture_output=True,
                          text=True, check=True, timeout=60)
    seen = {Path(r["file"]).name: r for r in json.loads(done.stdout)}
    for sample, _ in samples:
        result = seen[sample.name]
        assert result["method"] == sample.method, sample.name
        events = {e["uid"]: e for e in result["events"]}
        assert set(events) == set(sample.occurrences), sample.name
        for uid, starts in sample.occurrences.items():
            event = events[uid]
            assert not event["floating"], sample.name
            assert event["tzid"] == (sample.tzid or "UTC"), sample.name
            assert event["occurrences"] == _epochs(starts), sample.name
            assert len(event["attendees"]) == sample.attendees[uid]
            if sample.method == "CANCEL":  # a cancellation asks nothing back
                assert all(a["rsvp"] in (None, "FALSE") and a["role"] == "REQ-PARTICIPANT"
                           for a in event["attendees"]), sample.name
            else:
                assert all(a["partstat"] == "NEEDS-ACTION" and a["rsvp"] == "TRUE"
                           and a["role"] == "REQ-PARTICIPANT" for a in event["attendees"])
            assert event["organizer"] == "mailto:pat@example.com"
            assert event["organizer_cn"] == "Pat Lee"
            if uid in sample.summaries:
                assert event["summary"] == sample.summaries[uid]
    toronto = seen["invite-toronto.ics"]["events"][0]
    assert toronto["alarms"] == ["-PT15M"]
    assert toronto["location"] == "Café Olimpico"
    assert toronto["end_utc"] - toronto["start_utc"] == 45 * 60
    assert seen["invite-cancel.ics"]["events"][0]["status"] == "CANCELLED"


def test_icaljs_keeps_hostile_text_inside_its_property(icaljs, samples) -> None:
    hostile = [(s, p) for s, p in samples if s.name.startswith("hostile-")]
    done = subprocess.run([*icaljs, *(str(p) for _, p in hostile)], capture_output=True,
                          text=True, check=True, timeout=60)
    for result in json.loads(done.stdout):
        (event,) = result["events"]  # exactly one VEVENT: nothing injected
        assert event["description"].startswith("Agenda:\n")
        assert event["description"].endswith("\nBEGIN:VALARM\n;,\\")
        assert event["alarms"] == []
        assert "\n" not in event["summary"] and '"' not in event["attendees"][0]["cn"]


def _libical_report(binary: str, paths: list[Path]) -> dict[str, dict]:
    done = subprocess.run([binary, *map(str, paths)], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    files: dict[str, dict] = {}
    current: dict = {}
    for line in done.stdout.splitlines():
        kind, _, rest = line.partition(" ")
        if kind == "FILE":
            path, method, errors, restrictions = rest.rsplit(" ", 3)
            current = {"method": method, "errors": errors, "restrictions": restrictions,
                       "events": {}, "messages": []}
            files[Path(path).name] = current
        elif kind == "EVENT":
            uid, *fields = rest.split(" ")
            current["events"][uid] = dict(f.split("=", 1) for f in fields) | {"occurrences": []}
        elif kind == "OCCURRENCE":
            uid, when = rest.split(" ")
            current["events"][uid]["occurrences"].append(int(when))
        elif kind == "ERROR":
            current["messages"].append(rest)
    return files


def test_libical_parses_every_file_with_its_zone_and_recurrences(libical, samples) -> None:
    report = _libical_report(libical, [p for _, p in samples])
    for sample, _ in samples:
        result = report[sample.name]
        assert (result["method"], result["errors"], result["messages"]) == (
            sample.method, "errors=0", []), sample.name
        assert result["restrictions"] == "restrictions=ok", sample.name  # iTIP rules per METHOD
        assert set(result["events"]) == set(sample.occurrences), sample.name
        for uid, starts in sample.occurrences.items():
            event = result["events"][uid]
            assert event["zone"] == (sample.tzid or "UTC"), sample.name
            assert int(event["start"]) == int(starts[0].timestamp()), sample.name
            assert sorted(event["occurrences"]) == _epochs(starts), sample.name
            assert int(event["attendees"]) == sample.attendees[uid]
    assert report["invite-cancel.ics"]["events"].popitem()[1]["status"] == "CANCELLED"


def _calcurse_import(calcurse: str, path: Path, folder: Path, tz: str) -> str:
    env = {**os.environ, "TZ": tz}
    done = subprocess.run([calcurse, "-D", str(folder), "-i", str(path)], capture_output=True,
                          text=True, env=env, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _calcurse_starts(calcurse: str, folder: Path, tz: str, first: datetime) -> list[str]:
    env = {**os.environ, "TZ": tz}
    done = subprocess.run(
        [calcurse, "-D", str(folder), "-Q", "--from", f"{first:%m/%d/%Y}", "--days", "500",
         "--format-apt", "START %(start:%Y-%m-%dT%H:%M)\\n",
         "--format-recur-apt", "START %(start:%Y-%m-%dT%H:%M)\\n"],
        capture_output=True, text=True, env=env, timeout=30, check=True)
    return re.findall(r"^START (\S+)$", done.stdout, re.M)


def test_calcurse_imports_every_file_without_skipping(samples, tmp_path: Path) -> None:
    calcurse = require_tool("calcurse", "imports .ics like a terminal user would")
    for number, (sample, path) in enumerate(samples):
        folder = tmp_path / str(number)
        folder.mkdir()
        tz = sample.tzid or "UTC"
        report = _calcurse_import(calcurse, path, folder, tz)
        count = len(sample.occurrences)
        assert re.search(rf"\b{count} apps? / 0 events / 0 todos / 0 skipped", report), (
            sample.name, report)
        if sample.method == "CANCEL":
            continue
        zone = ZoneInfo(tz)
        expected = sorted(f"{s.astimezone(zone):%Y-%m-%dT%H:%M}"
                          for starts in sample.occurrences.values() for s in starts)
        first = min(s for starts in sample.occurrences.values() for s in starts)
        seen = _calcurse_starts(calcurse, folder, tz, first.astimezone(zone) - timedelta(days=1))
        assert sorted(seen) == expected, sample.name


def test_samples_cover_a_dst_change_in_every_recurring_zone(samples) -> None:
    """Guard the corpus itself: the recurring samples really straddle DST changes."""
    for sample, _ in samples:
        for starts in sample.occurrences.values():
            if len(starts) > 1 and sample.tzid:
                offsets = {s.utcoffset() for s in starts}
                assert len(offsets) == 2, sample.name
                assert {s.astimezone(UTC).hour for s in starts} != {starts[0].hour}
