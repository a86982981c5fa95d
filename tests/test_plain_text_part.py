"""The text/plain alternative says what the HTML part says, without Markdown markup: bold
and emphasis lose their marks, a link reads ``text (url)``, list items are plain lines. The
HTML part is unchanged, and a value's own markup stays the recipient's text in both. Through
``outreach emails`` and the stdlib's parser, as a mail client reads the .eml."""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from outreach.cli import cli

HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On,score,reason\n"
TEMPLATE = """Subject: Coffee, {{ first_name }}?

Hi {{ first_name }},

Would **{{ meeting.start }}** work, *at* `{{ meeting.location }}`? My diary is
[on my page](https://cal.example/dana), or see <https://dana.example>.

What I'd bring:

- a *real* problem;
- what worked at {{ company }};
  - and what didn't

1. coffee
2. notes

Thanks,
{{ sender.name }}
"""


def _emails(tmp_path: Path, *args: str) -> dict[str, EmailMessage]:
    peers = tmp_path / "peers.csv"
    peers.write_text(HEADER + "Ana,Souza,https://www.linkedin.com/in/ana,ana@globex.example,"
                     "**Globex** [x](http://evil.example),VP Marketing,01 Jan 2025,0.9,same job\n",
                     encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, [
        "emails", str(peers), "--out", str(out), "--from", "Dana Whitfield <dana@acme.example>",
        "--start", "2027-01-19T08:30", "--tz", "Europe/Berlin", "--location", "Café Einstein",
        "--date", "2026-12-01T09:30+00:00", *args])
    assert result.exit_code == 0, result.output
    found = {}
    for path in out.glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(message, EmailMessage)
        found[path.name] = message
    return found


def _parts(message: EmailMessage) -> tuple[str, str]:
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content().replace("\r\n", "\n"), html.get_content()


def test_the_default_invitation_has_no_markdown_in_its_text_part(tmp_path: Path) -> None:
    [message] = _emails(tmp_path).values()
    text, html = _parts(message)
    assert "Would Tuesday 19 January 2027, 08:30 CET work, at Café Einstein?" in text
    assert "**" not in text.replace("**Globex**", "")  # the company's own stays
    assert "Would <strong>Tuesday 19 January 2027, 08:30 CET</strong> work" in html


def test_links_read_as_text_and_url_and_lists_as_lines(tmp_path: Path) -> None:
    template = tmp_path / "mine.email.j2"
    template.write_text(TEMPLATE, encoding="utf-8")
    [message] = _emails(tmp_path, "--template", str(template)).values()
    text, html = _parts(message)
    company = "**Globex** [x](http://evil.example)"  # the recipient's data: as it is
    assert text == (
        "Hi Ana,\n\n"
        "Would Tuesday 19 January 2027, 08:30 CET work, at Café Einstein? My diary is\n"
        "on my page (https://cal.example/dana), or see https://dana.example.\n\n"
        "What I'd bring:\n\n"
        "a real problem;\n"
        f"what worked at {company};\n"
        "  and what didn't\n\n"
        "1. coffee\n"
        "2. notes\n\n"
        "Thanks,\n"
        "Dana Whitfield\n")
    assert '<a href="https://cal.example/dana">on my page</a>' in html
    assert "<em>real</em>" in html and "<code>Café Einstein</code>" in html
    assert "**Globex** [x](http://evil.example)" in html and "evil.example\"" not in html


@settings(max_examples=60, deadline=None)
@given(company=st.text(alphabet=st.characters(categories=("L", "N", "P", "S", "Zs")),
                       min_size=1, max_size=40))
def test_a_value_reaches_the_text_part_as_it_is(company: str) -> None:
    """Whatever markup a stranger's company holds, the text part prints it verbatim (only
    the template's own markup goes), and the HTML part never turns it into a link."""
    from outreach import templating
    from outreach.mail import mime
    from outreach.mail.render import compiled_template
    from outreach.model import Person, Sender

    template = compiled_template("invite.email.j2", email=True)
    values = templating.variables(Person("Ana", "Souza", company=company),
                                  Sender("Dana Whitfield", title="VP", company="Acme"))
    rendered = template.render(values)
    assert not isinstance(rendered, list), rendered
    shown = mime.header_text(company)
    assert f"much the same job at {shown}. I suspect" in rendered.text
    assert "<a " not in rendered.html
