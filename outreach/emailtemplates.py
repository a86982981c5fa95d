"""E-mail and LinkedIn-note templates: rendered twice so recipients' values stay inert.

An e-mail template is ``Subject: ...`` (plus optional ``Reply-To``/``Cc``/``X-...``) lines, a
blank line, then a Markdown body. Each recipient's message is rendered twice from the same
file: once with raw values for the headers and the text/plain part (the Markdown source reads
well as text), once with every value backslash-escaped for Markdown before markdown-it turns
the body into HTML (raw HTML off). So a value is inert in both parts: ``<script>`` prints
literally in text and escaped in HTML, ``[x](http://evil)`` in a company name stays text, and
Jinja syntax inside a value is never evaluated (values are data, not template source). Every
value is made one line (control characters become spaces), so none can add a header.

While rendering, each ``{{ value }}`` that prints empty is noted with its template line; an
empty value in the subject or the greeting (the first body line) is a problem to report
("Hi ," is worse than no e-mail).
"""

from __future__ import annotations

import html
import string
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt

from outreach import mime, templating
from outreach.errors import OutreachError

ALLOWED_HEADERS = ("Subject", "Reply-To", "Cc")
_MARKDOWN_ESCAPES = str.maketrans({c: "\\" + c for c in string.punctuation})


def markdown_escape(text: str) -> str:
    """Backslash-escape every ASCII punctuation mark: CommonMark then prints it literally."""
    return text.translate(_MARKDOWN_ESCAPES)


class _Values:
    """Jinja ``finalize`` hook: every ``{{ value }}`` passes here before it is output.

    It makes the value one safe line for its destination and notes the template line of each
    value that printed empty.
    """

    def __init__(self, escape: Callable[[str], str]) -> None:
        self.escape = escape
        self.empty_lines: list[tuple[str, int]] = []

    def __call__(self, value: Any) -> str:
        if value is None or value == "":
            self._note_empty()
            return ""
        return self.escape(mime.header_text(value))

    def _note_empty(self) -> None:
        frame = sys._getframe(2)
        while frame is not None:
            template = frame.f_globals.get("__jinja_template__")
            if template is not None:
                line = template.get_corresponding_lineno(frame.f_lineno)
                self.empty_lines.append((template.filename or template.name, line))
                return
            frame = frame.f_back  # type: ignore[assignment]


@dataclass(frozen=True)
class Rendered:
    """One recipient's text: headers, the text/plain body and (for e-mails) the HTML body."""

    headers: dict[str, str]
    text: str
    html: str = ""


class MessageTemplate:
    """One template file, compiled once with plain values and once with Markdown-escaped ones.

    ``render`` returns the rendered text, or the list of problems for this recipient
    (template errors with file:line; empty values in the subject or greeting).
    """

    def __init__(self, name_or_path: str | Path, *, email: bool) -> None:
        self._plain_values = _Values(str)
        self._plain = templating.load(name_or_path, finalize=self._plain_values)
        self.filename = self._plain.filename or str(name_or_path)
        self.email = email
        text = Path(self.filename).read_text(encoding="utf-8")
        self.greeting_lines = _header_lines(self.filename, text) if email else {}
        self.greeting_lines.update(_first_body_line(text, after=max(self.greeting_lines,
                                                                    default=0)))
        self._html_values = _Values(markdown_escape)
        self._html = templating.load(name_or_path, finalize=self._html_values) if email else None

    @property
    def name(self) -> str:
        return Path(self.filename).name

    def render(self, values: dict[str, Any]) -> Rendered | list[str]:
        """This recipient's message, or every problem found while rendering it."""
        problems = []
        self._plain_values.empty_lines.clear()
        try:
            text = templating.render(self._plain, values)
        except OutreachError as exc:
            message = str(exc)
            if "'meeting' is undefined" in message:
                message += " (pass --start to set the meeting)"
            problems.append(message)
            text = ""
        problems += self._empty_greetings()
        if problems:
            return problems
        if self._html is None:
            return Rendered({}, text)
        headers, body = templating.split_headers(text)
        markdown = templating.split_headers(templating.render(self._html, values))[1]
        self._html_values.empty_lines.clear()
        return Rendered(headers, body, html_document(markdown, headers.get("Subject", "")))

    def _empty_greetings(self) -> list[str]:
        problems = []
        for filename, line in dict.fromkeys(self._plain_values.empty_lines):
            if filename == self.filename and line in self.greeting_lines:
                source = _source_line(self.filename, line)
                where = self.greeting_lines[line]
                problems.append(f"{filename}:{line}: the {where} {source!r} has an empty value")
        self._plain_values.empty_lines.clear()
        return problems


def _header_lines(filename: str, text: str) -> dict[int, str]:
    """Line numbers of the template's header lines; only safe headers may be set."""
    lines = text.splitlines()
    if not lines or not lines[0].lower().startswith("subject:"):
        raise OutreachError(
            f"{filename}:1: an e-mail template starts with a 'Subject: ...' line, "
            "then a blank line, then the body"
        )
    result: dict[int, str] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            break
        name = line.partition(":")[0].strip()
        allowed = any(name.lower() == h.lower() for h in ALLOWED_HEADERS)
        if not allowed and not name.lower().startswith("x-"):
            raise OutreachError(
                f"{filename}:{number}: header {name!r} cannot be set by a template "
                f"(allowed: {', '.join(ALLOWED_HEADERS)}, X-...)"
            )
        result[number] = "subject" if name.lower() == "subject" else name
    return result


def _first_body_line(text: str, after: int) -> dict[int, str]:
    """The greeting: the first line after the headers with text (not only a Jinja tag)."""
    for number, line in enumerate(text.splitlines()[after:], start=after + 1):
        stripped = line.strip()
        if stripped and not (stripped.startswith(("{%", "{#")) and stripped.endswith(("%}", "#}"))):
            return {number: "greeting"}
    return {}


@cache
def _source_lines(filename: str) -> list[str]:
    return Path(filename).read_text(encoding="utf-8").splitlines()


def _source_line(filename: str, line: int) -> str:
    lines = _source_lines(filename)
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


@cache
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False})


def html_document(markdown_source: str, title: str) -> str:
    """The HTML part: Markdown rendered with raw HTML disabled, in a minimal document."""
    body = _markdown().render(markdown_source)
    escaped_title = html.escape(mime.header_text(title), quote=False)
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{escaped_title}</title></head>\n<body>\n{body}</body></html>\n"
    )
