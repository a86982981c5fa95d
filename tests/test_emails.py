"""Invitation e-mails: what a recipient's mail client sees, and what a reviewer sees first."""

from __future__ import annotations

import email
import mailbox
import os
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from outreach.errors import OutreachError
from outreach.mail import batch as emails
from outreach.mail import render as rendering
from outreach.mail import templates as emailtemplates
from outreach.mail.batch import write_batch
from outreach.mail.render import RenderOptions, render_messages
from outreach.model import Meeting, Person, Sender, slugify
from outreach.times import parse_span, parse_start

DATA = Path(__file__).resolve().parent / "data"
TEMPLATES = DATA / "emails"
GOLDEN = DATA / "golden"
WHEN = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
SENDER = Sender(name="Pat Lee", email="pat@example.com", title="VP Marketing", company="Acme")


def person(first: str = "Zoë", last: str = "Ødegård", **fields: str) -> Person:
    slug = slugify(f"{first} {last}") or "someone"
    values = {
        "url": f"https://www.linkedin.com/in/{slug}",
        "email": f"{slug}@example.org",
        "company": "Nordlys AS",
        "position": "VP Marketing",
    }
    values.update(fields)
    return Person(first_name=first, last_name=last, **values)  # type: ignore[arg-type]


def meeting() -> Meeting:
    start = parse_start("2027-01-05T08:00", "America/Toronto")
    return Meeting(start, parse_span("45m"), location="Café Olimpico")


def render(people: list[Person], template: str | Path = "invite.email.j2", **options):
    with_meeting = options.pop("meeting", None)
    opts = RenderOptions(sent_date=WHEN, **options)
    return render_messages(people, SENDER, template, with_meeting, opts)


def parsed(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


# ---------------------------------------------------------------- golden file and round trip


def test_rendered_message_matches_the_golden_file() -> None:
    batch = render([person()], message_id_seed="golden")
    assert batch.problems == []
    data = batch.messages[0].data
    golden = GOLDEN / "invite.eml"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_bytes(data)
    assert data == golden.read_bytes()


def test_every_written_file_parses_back_with_the_stdlib(tmp_path: Path) -> None:
    people = [person(), person("Sam", "Okafor"), person("王", "伟", email="wang@example.cn")]
    batch = render(people, meeting=meeting(), invite=True)
    summary = write_batch(batch, tmp_path / "out")
    files = sorted((tmp_path / "out").glob("*.eml"))
    assert summary.written == len(files) == 3
    for path in files:
        message = parsed(path.read_bytes())
        assert message.defects == []
        for name in ("From", "To", "Subject", "Date", "Message-ID", "MIME-Version"):
            assert message[name], f"{path.name} lacks {name}"
        assert message["From"].addresses[0].addr_spec == "pat@example.com"
        text, html = parts(message)
        assert message["To"].addresses[0].display_name.split()[0] in text
        assert "<p>" in html
        for part in message.walk():
            assert part.defects == []
    names = {parsed(p.read_bytes())["To"].addresses[0].display_name for p in files}
    assert names == {"Zoë Ødegård", "Sam Okafor", "王 伟"}


def test_non_ascii_names_are_rfc2047_encoded_in_the_raw_headers() -> None:
    data = render([person()]).messages[0].data
    head = data.split(b"\r\n\r\n", 1)[0]
    head.decode("ascii")  # raises if any raw 8-bit byte reached a header
    assert b"=?utf-8?" in head
    assert parsed(data)["Subject"] == "Coffee and compare notes, Zoë?"


def test_invite_has_the_mime_layout_mail_clients_turn_into_rsvp_buttons() -> None:
    message = parsed(render([person()], meeting=meeting(), invite=True).messages[0].data)
    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = message.get_payload()  # type: ignore[misc]
    assert alternative.get_content_type() == "multipart/alternative"
    plain, html, calendar = alternative.get_payload()
    assert [plain.get_content_type(), html.get_content_type()] == ["text/plain", "text/html"]
    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_param("method") == "REQUEST"
    assert calendar.get_content_charset() == "utf-8"
    assert calendar["Content-Transfer-Encoding"] == "base64"
    assert calendar["Content-Disposition"] is None
    assert attachment.get_content_type() == "application/ics"
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_content_disposition() == "attachment"
    ics = calendar.get_payload(decode=True)
    assert ics == attachment.get_payload(decode=True)
    parsed_ics = Calendar.from_ical(ics)
    assert parsed_ics["METHOD"] == "REQUEST"
    event = parsed_ics.walk("VEVENT")[0]
    assert str(event["ATTENDEE"]).lower() == "mailto:zoe-odegard@example.org"
    assert event["DTSTART"].dt == meeting().start


def test_without_a_meeting_the_message_is_just_text_and_html() -> None:
    message = parsed(render([person()]).messages[0].data)
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]


# ---------------------------------------------------------------- hostile rows and templates


def test_crlf_and_bcc_in_a_first_name_never_make_a_header() -> None:
    hostile = person("Eve\r\nBcc: victim@example.com\r\nX-Evil: 1", "Doe", email="eve@example.org")
    data = render([hostile]).messages[0].data
    message = parsed(data)
    assert message["Bcc"] is None and message["X-Evil"] is None
    assert "\n" not in str(message["To"]) and "\n" not in str(message["Subject"])
    head = data.split(b"\r\n\r\n", 1)[0].decode("ascii")
    names = [line.split(":")[0] for line in head.split("\r\n") if not line.startswith(" ")]
    assert names == ["From", "To", "Subject", "Date", "Message-ID", "MIME-Version",
                     "Content-Type"]
    text, _ = parts(message)
    assert "Hi Eve Bcc: victim@example.com X-Evil: 1," in text


def test_script_in_a_company_is_escaped_in_html_and_literal_in_text() -> None:
    row = person(company="<script>alert(1)</script> & [win](http://evil.example)")
    text, html = parts(parsed(render([row]).messages[0].data))
    assert "<script>alert(1)</script> & [win](http://evil.example)" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; [win](http://evil.example)" in html
    assert "<script" not in html and "<a " not in html


def test_jinja_syntax_in_a_name_is_printed_not_run() -> None:
    row = person("{{ 7*7 }}", "{% for x in range(3) %}x{% endfor %}", email="j@example.org")
    batch = render([row])
    message = parsed(batch.messages[0].data)
    text, html = parts(message)
    assert "Hi {{ 7*7 }}," in text and "49" not in text
    assert "{{ 7*7 }}" in html
    assert message["Subject"] == "Coffee and compare notes, {{ 7*7 }}?"


def test_sandbox_escape_in_a_template_is_refused_with_file_and_line() -> None:
    batch = render([person()], TEMPLATES / "escape.email.j2")
    assert batch.messages == []
    [problem] = batch.problems
    assert "escape.email.j2:5: refused by the template sandbox" in problem
    assert "__class__" in problem
    with pytest.raises(OutreachError, match="nothing written"):
        write_batch(batch, Path("/nonexistent/never-created"))


def test_a_jinja_syntax_error_names_file_and_line() -> None:
    with pytest.raises(OutreachError, match=r"syntax\.email\.j2:4: template syntax error"):
        render([person()], TEMPLATES / "syntax.email.j2")


def test_a_template_cannot_set_envelope_headers() -> None:
    with pytest.raises(OutreachError, match=r"badheader\.email\.j2:2: header 'Bcc' cannot be set"):
        render([person()], TEMPLATES / "badheader.email.j2")


# ---------------------------------------------------------------- checks: all problems at once


def test_check_reports_every_problem_at_once_with_file_line_and_rows() -> None:
    people = [
        person("Ann", "One"),
        person("", "Nofirst", email="nofirst@example.org"),
        person("Bob", "Two", email="shared@example.org"),
        person("Bea", "Three", email="SHARED@example.org"),
        person("Cy", "Four", email="not an address"),
    ]
    problems = render(people, TEMPLATES / "problems.email.j2").problems
    text = "\n".join(problems)
    assert "problems.email.j2:6: 'team_size' is undefined — 4 recipients: #1 Ann One" in text
    assert "problems.email.j2:1: empty value in the subject 'Notes, ?' — #2 Nofirst" in text
    assert "problems.email.j2:3: empty value in the greeting 'Hi ,' — #2 Nofirst" in text
    assert "#2 Nofirst <nofirst@example.org>" in text
    assert "duplicate recipient shared@example.org — 2 recipients: #3 Bob Two" in text
    assert "#4 Bea Three" in text
    assert "Cy Four" not in text  # an invalid address is a skip, not a problem
    assert emails.skipped_lines(render(people, TEMPLATES / "problems.email.j2")) == [
        "#5 Cy Four (https://www.linkedin.com/in/cy-four): invalid e-mail address "
        "'not an address'"]


def test_every_undefined_name_is_reported_with_its_line_not_just_the_first() -> None:
    people = [person("Ann", "One"), person("Bob", "Two")]
    problems = render(people, TEMPLATES / "undefined.email.j2").problems
    assert [p.split(" — ")[0].rsplit("/", 1)[1] for p in problems] == [
        "undefined.email.j2:5: 'nosuchvar' is undefined",
        "undefined.email.j2:6: 'dict object' has no attribute 'nope'",
    ]
    assert all(p.endswith("2 recipients: #1 Ann One <ann-one@example.org>; "
                          "#2 Bob Two <bob-two@example.org>") for p in problems)


def test_a_guarded_name_is_not_reported_as_undefined(tmp_path: Path) -> None:
    template = tmp_path / "guarded.email.j2"
    template.write_text("Subject: Hi {{ first_name }}\n\nHi {{ first_name }},\n\n"
                        "{% if team is defined %}{{ team }}{% endif %}{{ size | default(3) }}\n"
                        "{{ nosuchvar.deeper }} and {{ other + 1 }}\n")
    problems = [p.split(" — ")[0] for p in render([person()], template).problems]
    assert problems == [f"{template}:6: 'nosuchvar' is undefined",
                        f"{template}:6: 'other' is undefined"]


def test_meeting_variables_without_a_meeting_say_which_option_is_missing(tmp_path: Path) -> None:
    template = tmp_path / "when.email.j2"
    template.write_text("Subject: Hi\n\nHi {{ first_name }},\n\nSee you {{ meeting.start }}.\n")
    [problem] = render([person()], template).problems
    assert "when.email.j2:5: 'meeting' is undefined (pass --start to set the meeting)" in problem


def test_missing_sender_address_is_a_problem() -> None:
    batch = render_messages([person()], Sender(name="Pat"), options=RenderOptions(sent_date=WHEN))
    assert any("no sender address" in p for p in batch.problems)


# ---------------------------------------------------------------- LinkedIn notes


def test_recipients_without_an_address_get_a_linkedin_note(tmp_path: Path) -> None:
    people = [person(), person("=cmd|'/c calc'!A1", "Formula", email=""), person("No", "One",
              email="", url="")]
    batch = render(people)
    summary = write_batch(batch, tmp_path)
    lines = (tmp_path / "linkedin.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "First Name,Last Name,URL,Message"
    assert lines[1].startswith("'=cmd|'/c calc'!A1,Formula,https://www.linkedin.com/in/")
    assert "Would you be up for a coffee" in lines[1]
    assert summary.notes == 1 and summary.written == 1
    assert summary.skipped == ["#3 No One: no e-mail address and no profile URL"]


def test_a_linkedin_note_over_the_limit_names_the_recipient_and_length() -> None:
    row = person("Li", "Wei", email="", company="A" * 200)
    [problem] = render([row], linkedin_limit=300).problems
    assert "LinkedIn note is 3" in problem and "over the limit of 300" in problem
    assert problem.endswith("#1 Li Wei")
    assert render([person("Li", "Wei", email="")], linkedin_limit=300).problems == []


# ---------------------------------------------------------------- files, reruns, mbox


def test_reruns_keep_message_ids_and_bytes(tmp_path: Path) -> None:
    people = [person(), person("Sam", "Okafor")]
    first = write_batch(render(people, meeting=meeting(), invite=True), tmp_path)
    second_batch = render(people, meeting=meeting(), invite=True)
    second = write_batch(second_batch, tmp_path)
    assert (first.written, second.written, second.unchanged) == (2, 0, 2)
    reseeded = render(people, message_id_seed="spring campaign")
    assert {m.message_id for m in reseeded.messages}.isdisjoint(
        m.message_id for m in second_batch.messages)
    assert all(m.message_id.endswith("@example.com>") for m in reseeded.messages)


def test_same_names_get_distinct_files_whatever_the_order(tmp_path: Path) -> None:
    a = person("John", "Smith", url="https://www.linkedin.com/in/js1", email="js1@example.org")
    b = person("John", "Smith", url="https://www.linkedin.com/in/js2", email="js2@example.org")
    forward = {m.person.url: m.filename for m in render([a, b]).messages}
    backward = {m.person.url: m.filename for m in render([b, a]).messages}
    assert forward == backward
    assert len(set(forward.values())) == 2
    assert all(name.startswith("john-smith-") for name in forward.values())


def test_mbox_is_readable_by_the_stdlib(tmp_path: Path) -> None:
    template = tmp_path / "from.email.j2"
    template.write_text("Subject: Hi {{ first_name }}\n\nHi {{ first_name }},\n\n"
                        "From the desk of {{ sender.name }}.\n")
    batch = render([person(), person("Sam", "Okafor")], template)
    write_batch(batch, tmp_path / "out", tmp_path / "all.mbox")
    box = mailbox.mbox(tmp_path / "all.mbox")
    messages = list(box)
    assert [m["Message-ID"] for m in messages] == [m.message_id for m in batch.messages]
    assert messages[0].get_content_type() == "text/plain"  # a plain template: one part
    body = messages[0].get_payload(decode=True).decode()
    assert "From the desk of Pat Lee." in body
    assert not list(tmp_path.glob(".all.mbox.*"))


def test_stale_eml_files_are_reported(tmp_path: Path) -> None:
    (tmp_path / "someone-else.eml").write_bytes(b"Subject: old\r\n\r\nold\r\n")
    summary = write_batch(render([person()]), tmp_path)
    assert [p.name for p in summary.stale] == ["someone-else.eml"]


def test_large_batches_render_the_same_in_parallel(monkeypatch: pytest.MonkeyPatch) -> None:
    from outreach.mail import render as rendering

    monkeypatch.setattr(rendering, "_PARALLEL_FROM", 30)  # a small batch takes the same path,
    monkeypatch.setattr(rendering, "_CHUNK", 8)  # in several chunks, as a big one does
    people = [person(f"P{i}", "Peer", email=f"p{i}@example.org") for i in range(32)]
    serial = render(people, workers=1, meeting=meeting(), invite=True)
    parallel = render(people, workers=2, meeting=meeting(), invite=True)
    assert [m.data for m in parallel.messages] == [m.data for m in serial.messages]
    assert len(parallel.messages) == 32


def test_default_templates_render_for_a_typical_peer() -> None:
    for name in ("invite.email.j2", "forum.email.j2", "followup.email.j2", "thanks.email.j2"):
        for with_meeting in (None, meeting()):
            batch = render([person()], name, meeting=with_meeting)
            assert batch.problems == [], name
            message = parsed(batch.messages[0].data)
            if name == "thanks.email.j2":  # plain text, no Markdown: one text/plain part
                assert message.get_content_type() == "text/plain", name
                text, html = message.get_content(), ""
            else:
                text, html = parts(message)
            assert text.startswith("Hi Zoë,") and "Pat Lee" in text, name
            assert "{{" not in text and "{%" not in text, name
            if with_meeting is not None and name != "thanks.email.j2":
                assert "Tuesday 5 January 2027, 08:00 EST" in text, name
                assert "<strong>Tuesday 5 January 2027, 08:00 EST</strong>" in html, name


def test_markdown_escape_makes_punctuation_literal() -> None:
    assert emailtemplates.markdown_escape("*a* [b](c) <d>") == r"\*a\* \[b\]\(c\) \<d\>"


# ---------------------------------------------------------------- the command


def run_cli(*args: str, cwd: Path):
    from click.testing import CliRunner

    from outreach.cli import cli

    out = cwd / "out" / "emails"
    for old in out.glob("*") if out.is_dir() else []:
        old.unlink()
    result = CliRunner().invoke(cli, ["emails", str(TEMPLATES / "peers.csv"), "--out", str(out),
                                      *args])
    written = {p.name: p.read_bytes() for p in out.glob("*")} if out.is_dir() else {}
    return result, written


FROM = ("--from", "Pat Lee <pat@example.com>", "--date", "2026-11-23T09:30+00:00")


def test_cli_writes_one_eml_per_address_and_linkedin_notes(tmp_path: Path) -> None:
    result, written = run_cli(*FROM, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert sorted(written) == ["linkedin.csv", "sam-okafor.eml", "zoe-odegard.eml"]
    assert "Wrote 2 e-mails to " in result.stdout
    assert "LinkedIn note for 1 person without an address" in result.stdout
    message = parsed(written["sam-okafor.eml"])
    assert message["Date"] == "Mon, 23 Nov 2026 09:30:00 +0000"
    _, html = parts(message)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert b"Li,Wei,https://www.linkedin.com/in/li-wei" in written["linkedin.csv"]


def test_cli_check_lists_every_problem_and_writes_nothing(tmp_path: Path) -> None:
    result, written = run_cli("--template", str(TEMPLATES / "problems.email.j2"),
                              "--linkedin-limit", "40", *FROM, cwd=tmp_path)
    assert result.exit_code == 2
    assert written == {}
    problems = [line for line in result.stderr.splitlines() if line.startswith("problem: ")]
    assert len(problems) == 2
    assert "problems.email.j2:6: 'team_size' is undefined — 2 recipients" in problems[0]
    assert "LinkedIn note is" in problems[1] and "#3 Li Wei" in problems[1]
    assert "Error: 2 problems found; nothing written" in result.stderr
    assert "Traceback" not in result.output


def test_cli_check_passes_without_writing(tmp_path: Path) -> None:
    result, written = run_cli("--check", *FROM, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "Checked 3 recipients: 2 e-mails, 1 LinkedIn note, 0 skipped" in result.stdout
    assert written == {}


def test_cli_invites_keep_their_sequence_until_the_meeting_changes(tmp_path: Path) -> None:
    when = ("--start", "2027-01-05T08:00", "--tz", "America/Toronto")
    first, files = run_cli(*FROM, *when, "--location", "Café Olimpico", cwd=tmp_path)
    again, same = run_cli(*FROM, *when, "--location", "Café Olimpico", cwd=tmp_path)
    moved, changed = run_cli(*FROM, *when, "--location", "Pilot Coffee", cwd=tmp_path)
    assert first.exit_code == again.exit_code == moved.exit_code == 0, moved.output
    assert files["zoe-odegard.eml"] == same["zoe-odegard.eml"]

    def sequence(data: bytes) -> int:
        ics = next(p for p in parsed(data).walk() if p.get_content_type() == "text/calendar")
        return int(Calendar.from_ical(ics.get_payload(decode=True)).walk("VEVENT")[0]["SEQUENCE"])

    assert sequence(files["zoe-odegard.eml"]) == 0
    assert sequence(changed["zoe-odegard.eml"]) == 1


def test_cli_invite_without_a_start_is_a_usage_error(tmp_path: Path) -> None:
    result, written = run_cli("--invite", *FROM, cwd=tmp_path)
    assert result.exit_code == 2 and "--invite needs --start" in result.output
    assert written == {}


def test_values_in_link_targets_become_safe_links(tmp_path: Path) -> None:
    template = tmp_path / "link.email.j2"
    template.write_text("Subject: Hi\n\nHi {{ first_name }},\n\n"
                        "[Your profile]({{ url }}) and **{{ company }}**.\n")
    good = person(url="https://www.linkedin.com/in/zoe?x=1&y=<2>")
    evil = person("Mal", "Lory", url="javascript:alert(1)", email="mal@example.org")
    batch = render([good, evil], template)
    _, html = parts(parsed(batch.messages[0].data))
    assert '<a href="https://www.linkedin.com/in/zoe?x=1&amp;y=%3C2%3E">Your profile</a>' in html
    assert "<strong>Nordlys AS</strong>" in html
    _, html = parts(parsed(batch.messages[1].data))
    assert 'href="javascript' not in html and "<a " not in html


@settings(max_examples=200, deadline=None)
@given(name=st.text(min_size=1, max_size=150), subject=st.text(max_size=200))
def test_any_name_and_subject_round_trip_through_the_headers(name: str, subject: str) -> None:
    from outreach.mail import mime

    content = mime.Content(subject=subject, text="Hi\n", html="<p>Hi</p>\n")
    envelope = mime.Envelope("Pat Lee", "pat@example.com", name, "peer@example.org",
                             "Mon, 23 Nov 2026 09:30:00 +0000", "<outreach.1234567890@example.com>")
    message = parsed(mime.build(content, envelope))
    assert message.defects == []
    assert message.keys()[:5] == ["From", "To", "Subject", "Date", "Message-ID"]
    assert len(message.keys()) == 7
    assert message["To"].addresses[0].display_name == mime.header_text(name)[:120].strip()
    assert message["To"].addresses[0].addr_spec == "peer@example.org"
    assert message["Subject"] == mime.header_text(subject)


def test_merged_batches_keep_one_file_per_message() -> None:
    from outreach.mail.render import merge_batches

    zoe = person()
    invite = render([zoe], meeting=meeting())
    forum = render([zoe], "forum.email.j2", meeting=meeting())
    merged = merge_batches([invite, forum])
    names = [m.filename for m in merged.messages]
    assert len(set(names)) == 2 and all(n.startswith("zoe-odegard-") for n in names)
    assert merged.messages[0].message_id != merged.messages[1].message_id


def test_given_calendar_bytes_are_attached_as_they_are() -> None:
    """The calendar stage says which METHOD it wrote; the MIME part announces the same."""
    from outreach.model import Invite

    series = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nMETHOD:PUBLISH\r\n"
              b"END:VCALENDAR\r\n")
    zoe = person()
    batch = render([zoe], meeting=meeting(), invite=True,
                   invites={zoe.key: Invite(series, "PUBLISH")})
    calendar = next(p for p in parsed(batch.messages[0].data).walk()
                    if p.get_content_type() == "text/calendar")
    assert calendar.get_payload(decode=True) == series
    assert calendar.get_param("method") == "PUBLISH"


def test_cli_sender_comes_from_outreach_toml(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from outreach.cli import cli

    config = tmp_path / "outreach.toml"
    config.write_text('[sender]\nname = "Cee Fig"\nemail = "cee@example.net"\n')
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["--config", str(config), "emails",
                                      str(TEMPLATES / "peers.csv"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    message = parsed((out / "zoe-odegard.eml").read_bytes())
    assert str(message["From"]) == "Cee Fig <cee@example.net>"
    assert message["Message-ID"].endswith("@example.net>")


@settings(max_examples=100, deadline=None)
@given(company=st.text(min_size=1, max_size=80))
def test_any_company_is_literal_in_text_and_escaped_in_html(company: str) -> None:
    import html as html_lib

    from outreach.mail import mime

    shown = mime.header_text(company)
    batch = render([person(company=company)])
    assert batch.problems == []
    text, html = parts(parsed(batch.messages[0].data))
    if shown:
        assert f"same job at {shown}." in text
        assert f"same job at {html_lib.escape(shown)}." in html


def test_an_unwritable_folder_is_a_one_line_error(tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    with pytest.raises(OutreachError, match=r"file-not-folder.*cannot write"):
        write_batch(render([person()]), blocked / "emails")


def test_a_template_that_is_not_utf8_is_a_clear_error(tmp_path: Path) -> None:
    template = tmp_path / "latin1.email.j2"
    template.write_bytes("Subject: Café\n\nHi {{ first_name }},\n".encode("latin-1"))
    with pytest.raises(OutreachError, match=r"latin1\.email\.j2: not UTF-8 text"):
        render([person()], template)


def test_templates_mention_the_attachment_only_when_there_is_one() -> None:
    for name in ("invite.email.j2", "forum.email.j2"):
        attached = parts(parsed(render([person()], name, meeting=meeting(),
                                       invite=True).messages[0].data))[0]
        plain = parts(parsed(render([person()], name, meeting=meeting()).messages[0].data))[0]
        assert "invitation is attached" in attached.lower(), name
        assert "attached" not in plain, name


def test_a_rerun_later_leaves_unchanged_messages_alone(tmp_path: Path) -> None:
    people = [person(), person("Sam", "Okafor")]
    write_batch(render(people), tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.glob("*.eml")}
    later = render_messages(people, SENDER, options=RenderOptions(
        sent_date=datetime(2026, 12, 1, 8, 0, tzinfo=UTC)))
    summary = write_batch(later, tmp_path, tmp_path / "all.mbox")
    assert (summary.written, summary.unchanged) == (0, 2)
    assert {p.name: p.read_bytes() for p in tmp_path.glob("*.eml")} == before
    assert [m["Date"] for m in mailbox.mbox(tmp_path / "all.mbox")] == [
        "Mon, 23 Nov 2026 09:30:00 +0000"] * 2


def test_linkedin_note_pairs_with_the_email_template(tmp_path: Path) -> None:
    assert rendering.linkedin_template_for("forum.email.j2") == "forum.linkedin.j2"
    assert rendering.linkedin_template_for("invite.email.j2") == "invite.linkedin.j2"
    assert rendering.linkedin_template_for("thanks.email.j2") == rendering.LINKEDIN_TEMPLATE
    own = tmp_path / "kickoff.email.j2"
    own.write_text("Subject: hi\n\nbody\n")
    assert rendering.linkedin_template_for(own) == rendering.LINKEDIN_TEMPLATE
    (tmp_path / "kickoff.linkedin.j2").write_text("Hi {{ first_name }}\n")
    assert rendering.linkedin_template_for(own) == str(tmp_path / "kickoff.linkedin.j2")


# ---------------------------------------------------------------- bad rows, all problems, slots


def invoke(*args: str):
    from click.testing import CliRunner

    from outreach.cli import cli

    return CliRunner().invoke(cli, [*args])


def test_cli_skips_an_invalid_address_and_writes_the_rest(tmp_path: Path) -> None:
    out = tmp_path / "out"
    source = str(TEMPLATES / "badaddress.csv")
    checked = invoke("emails", source, "--out", str(out), "--check", *FROM)
    result = invoke("emails", source, "--out", str(out), *FROM)
    skipped = ("  #2 Bob Bcc (https://www.linkedin.com/in/bob-bcc): invalid e-mail address "
               "'bob@example.com Bcc: z@z.z'")
    assert checked.exit_code == 0, checked.output
    assert "2 e-mails, 0 LinkedIn notes, 1 skipped" in checked.stdout
    assert skipped in checked.stdout.splitlines()
    assert result.exit_code == 0, result.output
    assert "Wrote 2 e-mails" in result.stdout
    assert ["Skipped 1:", skipped] == result.stdout.splitlines()[1:3]
    written = sorted(p.name for p in out.iterdir())
    assert written == ["sam-okafor.eml", "zoe-odegard.eml"]
    for name in written:
        message = parsed((out / name).read_bytes())
        assert message["Bcc"] is None
        assert [a.addr_spec for a in message["To"].addresses] in (
            ["zoe@example.org"], ["sam@example.net"])


def test_cli_reports_every_undefined_name_at_once(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke("emails", str(TEMPLATES / "peers.csv"), "--out", str(out), "--check",
                    "--template", str(TEMPLATES / "undefined.email.j2"), *FROM)
    assert result.exit_code == 2
    problems = [line for line in result.stderr.splitlines() if line.startswith("problem: ")]
    assert len(problems) == 2, result.stderr
    assert "undefined.email.j2:5: 'nosuchvar' is undefined — 2 recipients" in problems[0]
    assert "undefined.email.j2:6: 'dict object' has no attribute 'nope'" in problems[1]
    assert "#1 Zoë Ødegård" in problems[1] and "#2 Sam Okafor" in problems[1]
    assert not out.exists()


def test_cli_checks_the_mbox_folder_before_writing_anything(tmp_path: Path) -> None:
    blocker = tmp_path / "miss.csv"
    blocker.write_text("a,b\n")
    out = tmp_path / "e10"
    result = invoke("emails", str(TEMPLATES / "peers.csv"), "--out", str(out),
                    "--mbox", str(blocker / "x.mbox"), *FROM)
    checked = invoke("emails", str(TEMPLATES / "peers.csv"), "--out", str(out), "--check",
                     "--mbox", str(blocker / "x.mbox"), *FROM)
    in_the_way = f"{blocker}: cannot write into this folder: a file is in the way"
    assert result.exit_code == checked.exit_code == 2
    assert result.stderr.strip().splitlines() == [f"Error: {in_the_way}"]
    assert f"problem: {in_the_way}" in checked.stderr.splitlines()
    assert not out.exists()
    assert blocker.read_text() == "a,b\n"


def calendar_part(data: bytes) -> Calendar:
    part = next(p for p in parsed(data).walk() if p.get_content_type() == "text/calendar")
    return Calendar.from_ical(part.get_payload(decode=True))


def test_cli_slots_give_each_peer_its_own_meeting_like_outreach_invite(tmp_path: Path) -> None:
    when = ("--start", "2027-01-08T08:00", "--tz", "America/Toronto", "--location", "Café")
    source = str(TEMPLATES / "badaddress.csv")
    result = invoke("emails", source, "--out", str(tmp_path / "mail"), "--slots",
                    "--remind", "15m", *when, *FROM)
    assert result.exit_code == 0, result.output
    invites = invoke("invite", source, "--out", str(tmp_path / "ics"), "--slots",
                     "--remind", "15m", *when, "--from", "Pat Lee <pat@example.com>")
    assert invites.exit_code == 0, invites.output
    expected = {"zoe-odegard": "Friday 8 January 2027, 08:00 EST",  # Fri, then Mon, Tue:
                "sam-okafor": "Tuesday 12 January 2027, 08:00 EST"}  # row 2 (Bob) has Mon
    for slug, shown in expected.items():
        data = (tmp_path / "mail" / f"{slug}.eml").read_bytes()
        event = calendar_part(data).walk("VEVENT")[0]
        ics = Calendar.from_ical((tmp_path / "ics" / f"{slug}.ics").read_bytes())
        assert event["DTSTART"].dt == ics.walk("VEVENT")[0]["DTSTART"].dt
        assert f"{event['DTSTART'].dt:%A %-d %B %Y, %H:%M %Z}" == shown
        assert f"Would {shown} work, at Café?" in parts(parsed(data))[0].replace("**", "")
        [alarm] = event.walk("VALARM")
        assert alarm.decoded("TRIGGER") == -parse_span("15m")


def test_cli_slots_and_remind_need_a_meeting(tmp_path: Path) -> None:
    source = str(TEMPLATES / "peers.csv")
    slots = invoke("emails", source, "--out", str(tmp_path), "--slots", "week", *FROM)
    remind = invoke("emails", source, "--out", str(tmp_path), "--remind", "1h", *FROM)
    assert slots.exit_code == remind.exit_code == 2
    assert "--slots needs --start" in slots.output
    assert "--remind needs an invitation" in remind.output


def test_cli_forum_template_never_attaches_a_single_coffee(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from outreach.cli import cli

    result = CliRunner().invoke(cli, [
        "emails", str(TEMPLATES / "peers.csv"), "-t", "forum.email.j2", "--from",
        "Pat Lee <pat@example.com>", "--start", "2027-01-05T08:00", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "forum.email.j2 invites to the forum, whose invitation is the forum series" in \
        " ".join(result.output.split())
    assert not list(tmp_path.glob("*.eml"))


def test_a_fingerprint_is_what_earlier_versions_stored() -> None:
    """The campaign compares it with the plan's stored one: worked out only when asked, it
    must still be the same digest (else every planned message would look changed)."""
    with_invite = render([person()], meeting=meeting(), invite=True).messages[0]
    plain = render([person()]).messages[0]
    assert with_invite.fingerprint == "6dd40985b7ddf36d5923491b1fcd2340"
    assert plain.fingerprint == "5f50ea15f2b7e9a5a49492b56b2a5565"
    later = render_messages([person()], SENDER, "invite.email.j2", None,
                            RenderOptions(sent_date=datetime(2027, 2, 1, tzinfo=UTC)))
    assert later.messages[0].data != plain.data  # another Date header, the same words
    assert later.messages[0].fingerprint == plain.fingerprint


def test_an_address_with_a_non_ascii_local_part_is_written_not_a_traceback(
        tmp_path: Path) -> None:
    """The address rule allows ``zoë@…`` (``send`` speaks SMTPUTF8): ``outreach emails``
    writes it into To as UTF-8 (RFC 6532), beside an ASCII name quoted as formataddr would."""
    from click.testing import CliRunner

    from outreach.cli import cli

    peers = tmp_path / "peers.csv"
    peers.write_text(
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On,score,reason\n"
        "Zoe,\"Smith, Jr.\",https://www.linkedin.com/in/zoe,zoë@bücher.example,Acme,"
        "VP Marketing,01 Jan 2025,0.9,same job\n", encoding="utf-8")
    template = tmp_path / "plain.email.j2"
    template.write_text("Subject: Hi {{ first_name }}\n\nHi {{ first_name }},\n\nCoffee?\n",
                        encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, [
        "emails", str(peers), "--template", str(template), "--out", str(out),
        "--from", "Pat Lee <pat@example.com>", "--ledger", str(tmp_path / "l.sqlite")])
    assert result.exit_code == 0, result.output
    (written,) = out.glob("*.eml")
    data = written.read_bytes()
    assert '\r\nTo: "Zoe Smith, Jr." <zoë@xn--bcher-kva.example>\r\n'.encode() in data
    to = email.message_from_string(data.decode("utf-8"), policy=policy.default)["To"]
    assert (to.addresses[0].display_name, to.addresses[0].username) == ("Zoe Smith, Jr.", "zoë")


@settings(max_examples=200, deadline=None)
@given(st.datetimes(timezones=st.one_of(st.none(), st.timezones())))
def test_the_date_header_is_written_as_the_stdlib_writes_it(when: datetime) -> None:
    from email.utils import format_datetime

    from outreach.mail.mime import date_header

    assert date_header(when) == format_datetime(when)
