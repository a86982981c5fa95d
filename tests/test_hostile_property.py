"""Property: an export full of hostile cells never breaks ``campaign`` (issue 14).

Cells mix control characters, rich markup, Jinja, iCalendar and MIME syntax, formulas, very
long values and mixed scripts. Whatever the cells: no traceback, the run completes, every
row is accounted for (a peer in peers.csv; each planned person's invitation, LinkedIn note or
warning with its reason), and no output carries a live header, property, formula or escape.
"""

from __future__ import annotations

import csv
import email
import email.policy
import io
import re
import tempfile
from pathlib import Path

import icalendar
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outreach.cli import cli

HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On"
EVIL = "evil@evil.example"
PIECES = [
    "\x00", "\x1b]52;c;ZXZpbA==\x07", "\x1b[2J", "\x07", "\x9b", "\r\n", "\n", "\t", "\u202e",
    "[/]", "[link=https://evil.example]Bank[/link]", "[bold]", "{{ 7*7 }}", "{% raw %}",
    "{{ range(10**8)|list }}", "\r\nATTENDEE:mailto:" + EVIL, "\nX-INJECTED:1", "BEGIN:VEVENT",
    "END:VCALENDAR", "\r\nBcc: " + EVIL, "\nSubject: pwned", "=HYPERLINK(\"http://x\")",
    "+1", "-2", "@SUM(A1)", "<script>alert(1)</script>", "王伟", "Зоя", "محمد", "e\u0301",
    "🙂", "; ", ",", '"', "\\", "x" * 300, "Ł" * 90,
]
hostile = st.lists(st.sampled_from(PIECES) | st.text(max_size=8), max_size=4).map("".join)


@st.composite
def exports(draw: st.DrawFn) -> tuple[str, list[dict[str, str]]]:
    count = draw(st.integers(min_value=2, max_value=6))
    rows = []
    for number in range(count):
        address = draw(st.sampled_from(["ok", "none", "bad"]))
        rows.append({
            "first": "Ana" + draw(hostile),  # a first name, so every greeting has one
            "last": draw(hostile),
            "url": f"https://www.linkedin.com/in/peer{number}",
            "email": {"ok": f"peer{number}@example{number}.org", "none": "",
                      "bad": "not an address" + draw(hostile)}[address],
            "company": f"Co{number} " + draw(hostile),
        })
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)  # as Excel
    writer.writerow(HEADER.split(","))
    for r in rows:
        writer.writerow([r["first"], r["last"], r["url"], r["email"], r["company"],
                         "VP Marketing", "01 Jan 2024"])
    return buffer.getvalue(), rows


_HEADERS = {"from", "to", "subject", "date", "message-id", "mime-version", "content-type",
            "in-reply-to", "references", "reply-to", "cc", "content-transfer-encoding"}
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


@pytest.mark.slow
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(exports())
def test_campaign_on_hostile_exports(case: tuple[str, list[dict[str, str]]]) -> None:
    text, rows = case
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        (base / "Connections.csv").write_text(text, encoding="utf-8")
        out = base / "out"
        result = CliRunner().invoke(cli, [
            "campaign", str(base / "Connections.csv"), "--title", "VP Marketing",
            "--company", "Me Inc", "--from", "Me <me@example.org>", "--tz", "UTC",
            "--start", "2027-01-05T08:00", "--out", str(out), "--ledger",
            str(base / "ledger.sqlite"), "--rotation-size", "2", "--no-preview"])
        assert result.exception is None, result.exc_info
        assert result.exit_code == 0, result.output
        _accounted_for(out, rows, result.stderr)
        for path in out.rglob("*"):
            if path.is_file() and path.suffix not in (".pdf", ".png"):
                data = path.read_bytes()
                assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", data), path
                assert "\x9b" not in data.decode("utf-8"), path  # C1 CSI
        for path in (out / "emails").glob("*.eml"):
            _inert_message(path.read_bytes())
        for path in (out / "calendar").glob("*.ics"):
            _inert_calendar(path.read_bytes())
        for name in ("peers.csv", "linkedin.csv"):
            if (out / name).exists():
                _no_formulas(out / name)


def _accounted_for(out: Path, rows: list[dict[str, str]], stderr: str) -> None:
    """Every row is a peer in peers.csv; every planned one (the rotation's two, and with
    two or more left the forum) has its e-mail, its LinkedIn note, or a warning saying why
    it got neither."""
    with (out / "peers.csv").open(encoding="utf-8", newline="") as handle:
        listed = {r["URL"] for r in csv.DictReader(handle)}
    assert listed == {r["url"] for r in rows}  # none lost, none merged
    notes: set[str] = set()
    if (out / "linkedin.csv").exists():
        with (out / "linkedin.csv").open(encoding="utf-8", newline="") as handle:
            notes = {r["URL"] for r in csv.DictReader(handle)}
    mails = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
             for p in (out / "emails").glob("*.eml")]
    to = {m["To"].addresses[0].addr_spec for m in mails}
    accounted = [r for r in rows if r["email"] in to or r["url"] in notes
                 or f"({r['url']}): invalid e-mail address" in stderr]
    planned = len(rows) if len(rows) >= 4 else 2
    assert len(accounted) == planned, (accounted, to, notes, stderr)
    for r in accounted:  # and each by the way its address says
        if r["email"].startswith("peer"):
            assert r["email"] in to
        elif r["email"]:
            assert f"({r['url']}): invalid e-mail address" in stderr
        else:
            assert r["url"] in notes


def _inert_message(data: bytes) -> None:
    message = email.message_from_bytes(data, policy=email.policy.default)
    names = {key.lower() for key in message}
    assert names <= _HEADERS | {n for n in names if n.startswith("x-")}, names
    assert "bcc" not in names
    for key in ("To", "Cc", "Reply-To"):  # a display name may say anything; no address
        if message.get(key) is not None:
            assert EVIL not in {a.addr_spec for a in message[key].addresses}
    assert len(message.get_all("Subject") or []) == 1


def _inert_calendar(data: bytes) -> None:
    lines = data.decode("utf-8").replace("\r\n ", "").split("\r\n")
    assert not any(line.startswith(("X-INJECTED", "BCC")) for line in lines)
    calendar = icalendar.Calendar.from_ical(data)
    for event in calendar.walk("VEVENT"):
        attendees = event.get("ATTENDEE", [])
        attendees = attendees if isinstance(attendees, list) else [attendees]
        assert f"mailto:{EVIL}" not in {str(a).lower() for a in attendees}
    once = ("SUMMARY", "DESCRIPTION", "LOCATION", "DTSTART", "UID", "ORGANIZER")
    counts: dict[str, int] = {}
    for line in lines:  # one of each per VEVENT: no property added by a value
        if line.startswith("BEGIN:"):  # each component (VEVENT, VALARM) on its own
            counts = {}
        name = re.split("[:;]", line, maxsplit=1)[0]
        if name in once:
            counts[name] = counts.get(name, 0) + 1
            assert counts[name] == 1, line
    begins = [line for line in lines if line.startswith("BEGIN:")]
    ends = [line for line in lines if line.startswith("END:")]
    assert len(begins) == len(ends)
    assert all(":" in line or ";" in line for line in lines if line)


def _no_formulas(path: Path) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        for record in csv.reader(handle):
            for cell in record:
                assert not cell.startswith(_FORMULA), (path.name, cell)
