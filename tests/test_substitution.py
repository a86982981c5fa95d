"""A template of text and ``{{ name }}`` values renders without a Jinja context per
recipient (``templating.Substitution``), to the same text and the same problems (issue 23)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outreach import templating
from outreach.mail.templates import MessageTemplate

SIMPLE = ("Subject: Coffee, {{ first_name }}?\n\nHi {{ first_name }},\n\n"
          "Your work at {{ company }} for {{ sender.company }}.\n\n{{ sender.name }}\n")


def _template(tmp_path: Path, text: str, quick: bool = True) -> MessageTemplate:
    path = tmp_path / "t.email.j2"
    path.write_text(text, encoding="utf-8")
    template = MessageTemplate(path, email=True)
    if not quick:
        template._substitution = None  # the Jinja path, as before issue 23
        template._split = None  # (and split after rendering, not before)
    return template


def _values(first: Any = "Ana", company: Any = "Acme") -> dict[str, Any]:
    return {"first_name": first, "company": company,
            "sender": {"name": "Pat Lee", "company": "Initech"}}


def test_a_text_and_values_template_is_a_substitution(tmp_path: Path) -> None:
    assert _template(tmp_path, SIMPLE)._substitution is not None
    for tagged in ("{% if company %}x{% endif %}", "{{ company | upper }}", "{{ 'a' }}",
                   "{{ sender['name'] }}", "{{ f() }}"):
        assert _template(tmp_path, f"Subject: s\n\n{tagged}\n")._substitution is None, tagged


@pytest.mark.parametrize("values", [
    _values(), _values(first=""), _values(first=None), _values(company=""),
    _values(first="A\r\nBcc: x@evil.example"), _values(company=12.5),
    _values(first="{{ 7*7 }}", company="{% raw %}<script>"),
    {"first_name": "Ana", "sender": {"name": "P"}},  # company undefined, sender.company too
    {**_values(), "sender": "not a dict"},
], ids=["usual", "empty-first", "none-first", "empty-company", "crlf", "number", "jinja",
        "undefined", "string-sender"])
def test_the_substitution_says_what_jinja_says(tmp_path: Path, values: dict[str, Any]) -> None:
    quick, slow = _template(tmp_path, SIMPLE), _template(tmp_path, SIMPLE, quick=False)
    assert quick.render(dict(values)) == slow.render(dict(values))


def test_values_stay_data_in_the_substitution(tmp_path: Path) -> None:
    rendered = _template(tmp_path, SIMPLE).render(_values(first="{{ 7*7 }}\r\nBcc: x@evil"))
    assert not isinstance(rendered, list)
    assert rendered.headers == {"Subject": "Coffee, {{ 7*7 }} Bcc: x@evil?"}
    assert rendered.text.startswith("Hi {{ 7*7 }} Bcc: x@evil,\n")


def test_an_empty_greeting_names_its_template_line(tmp_path: Path) -> None:
    problems = _template(tmp_path, SIMPLE).render(_values(first=""))
    assert problems == [f"{tmp_path / 't.email.j2'}:1: empty value in the subject 'Coffee, ?'",
                        f"{tmp_path / 't.email.j2'}:3: empty value in the greeting 'Hi ,'"]


@settings(max_examples=60, deadline=None)
@given(first=st.text(max_size=12), company=st.one_of(st.none(), st.text(max_size=12)))
def test_any_values_render_as_with_jinja(tmp_path_factory: pytest.TempPathFactory,
                                         first: str, company: str | None) -> None:
    folder = tmp_path_factory.mktemp("t")
    quick, slow = _template(folder, SIMPLE), _template(folder, SIMPLE, quick=False)
    assert quick.render(_values(first, company)) == slow.render(_values(first, company))


def test_output_over_the_limit_is_left_to_the_template(tmp_path: Path) -> None:
    huge = "x" * (templating.MAX_OUTPUT + 1)
    problems = _template(tmp_path, SIMPLE).render(_values(company=huge))
    assert isinstance(problems, list) and "over its limits" in problems[0]


def _tidied(body: str) -> str:
    """``plain_body`` as it was: every line's end trimmed, runs of blank lines folded."""
    import re

    lines = "\n".join(line.rstrip() for line in body.split("\n"))
    text = re.sub(r"\n(?:[ \t]*\n)+", "\n\n", lines).strip("\n")
    return text + "\n" if text else ""


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab \t\n\r\x0b\x0c\u00a0\u3000\x1c\u2028")),
               max_size=30))
def test_a_tidy_body_is_kept_as_the_tidying_would_make_it(body: str) -> None:
    from outreach.mail.templates import plain_body

    assert plain_body(body) == _tidied(body)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*"aZé王 \t\n\r*_`\\[]<>&~|#-+=.1)!:@/\"'(\u00a0\x0c", "  \n",
                                 "\n\n", "1. ", "- ", "# ", "<b>", "&amp;"]),
                max_size=14).map("".join))
def test_text_called_plain_without_markdown_it_is_plain_to_markdown_it(text: str) -> None:
    from outreach.mail import templates

    if templates._surely_plain(text):  # what markdown-it would say, checked the long way
        assert not templates._HTML_TAG.search(text)
        for token in templates._markdown().parse(text):
            assert token.type in templates._PLAIN_TOKENS
            assert token.type != "inline" or templates._unchanged(token)


def test_a_plain_template_loads_no_markdown_it(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "t.email.j2").write_text(SIMPLE, encoding="utf-8")
    code = ("import sys; from outreach.mail.templates import MessageTemplate; "
            f"t = MessageTemplate({str(tmp_path / 't.email.j2')!r}, email=True); "
            "print(t.body_type, 'markdown_it' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.split() == ["text/plain", "False"]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from([*"aZ9_-: \t\né٣²Ⅰ½\u0301王"]), max_size=8))
def test_a_header_line_is_told_as_before(line: str) -> None:
    name, colon, _ = line.partition(":")
    was = bool(colon) and bool(name) and all(c.isalnum() or c == "-" for c in name)
    assert templating._is_header(line) == was


_PIECES = ["{{ first_name }}", "{{ company }}", "{{ sender.name }}", ":", " ", "\t", "\n",
           "\n\n", "a", "Zé", "}", "{ x", "X-Note: ", "Cc: b@example.org", "Content-Type: ",
           "text/plain", "\ue000", "  \n"]


@settings(max_examples=300, deadline=None)
@given(head=st.lists(st.sampled_from(_PIECES), max_size=6),
       body=st.lists(st.sampled_from(_PIECES), max_size=12),
       first=st.one_of(st.none(), st.text(alphabet="aZ :\t\n\r\x00{}\ue000\u2028é", max_size=6)),
       company=st.one_of(st.none(), st.text(alphabet="b :\x0b}{ \x85", max_size=6)))
def test_a_plain_template_split_once_renders_as_when_split_after(
        tmp_path_factory: pytest.TempPathFactory, head: list[str], body: list[str],
        first: str | None, company: str | None) -> None:
    """A plain template's headers and body are split once, its values then put in their
    places (``_PlainLayout``): the same headers, body and problems as rendering the whole
    text and splitting it, for any layout of text and values and any values."""
    from outreach.errors import OutreachError

    text = "Subject: " + "".join(head) + "\n\n" + "".join(body)
    folder = tmp_path_factory.mktemp("t")
    try:
        quick, slow = _template(folder, text), _template(folder, text, quick=False)
    except OutreachError:  # not an e-mail template (a header that may not be set...)
        return
    assert quick.render(_values(first, company)) == slow.render(_values(first, company))


def test_the_usual_plain_template_is_split_once(tmp_path: Path) -> None:
    template = _template(tmp_path, SIMPLE)
    assert template._split is not None
    rendered = template.render(_values(first="Zoë", company="{0} Acme"))
    assert not isinstance(rendered, list)
    assert rendered.headers == {"Subject": "Coffee, Zoë?"}
    assert rendered.text == "Hi Zoë,\n\nYour work at {0} Acme for Initech.\n\nPat Lee\n"


def test_a_content_type_line_past_the_header_block_is_not_read_as_one() -> None:
    """The header block ends at its first blank line (spaces only included), for the type
    as for the allowed headers: an empty Content-Type line after it was a KeyError."""
    from outreach.mail.templates import PLAIN, body_type

    assert body_type("Subject: s\n  \nContent-Type: \n\nHi\n") == PLAIN
