"""E-mail and LinkedIn-note templates: rendered twice so recipients' values stay inert.

An e-mail template is ``Subject: ...`` (plus optional ``Reply-To``/``Cc``/``X-...`` and
``Content-Type``) lines, a blank line, then the body: plain text, or Markdown.

Plain or Markdown (``body_type``): a ``Content-Type: text/plain`` line in the template's header
block makes it plain text, ``text/markdown`` (or ``text/html``) Markdown; without one, the body
decides: it is plain text when, with its Jinja tags taken out (each ``{{ value }}`` counted as a
word, so no recipient's value can change the answer), it holds no Markdown and no HTML, i.e.
CommonMark reads it as nothing but paragraphs of text, unchanged (no emphasis, link, list,
heading, quote, code, escape, entity or hard break), and it has no HTML tag. A plain-text
template writes a plain-text message, as mailmerge does: one ``text/plain`` part (beside the
calendar part when an invitation is attached), the body as written, values as they are, blank
lines left by ``{% if %}`` lines folded into one; it renders once per recipient, with no
Markdown conversion. Otherwise the message carries an HTML part too, as follows.

Each recipient's message is rendered twice from the same file: once with raw values for the
headers (and the checks below), once for the body, where every value is kept out of Markdown's
reach (a placeholder, filled after markdown-it has parsed the body with raw HTML off; or, where
that cannot work, the value backslash-escaped for Markdown). The parsed body becomes both
parts: HTML (values HTML-escaped) and text/plain (``plain_text``: the same words without the
template's markup, ``**bold**`` → bold, ``[text](url)`` → ``text (url)``, list items as lines;
values as they are). So a value is inert in both parts: ``<script>`` prints literally in text
and escaped in HTML, ``[x](http://evil)`` in a company name stays text, and Jinja syntax inside
a value is never evaluated (values are data, not template source). Every value is made one line
(control characters become spaces), so none can add a header. Converting Markdown once per
layout rather than once per recipient is also what makes 10,000 messages fast.

While rendering, each ``{{ value }}`` that prints empty leaves a marker naming its template
line; an empty value in the subject or in the greeting (the first body line, up to its first
punctuation mark) is a problem to report: "Hi ," is worse than no e-mail.
"""

from __future__ import annotations

import html
import re
import string
import sys
from collections.abc import Callable, Sequence
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from outreach import templating
from outreach.errors import OutreachError
from outreach.mail import mime
from outreach.mail.layout import SLOT as _SLOT
from outreach.mail.layout import PlainLayout as _PlainLayout
from outreach.mail.layout import Rendered as Rendered
from outreach.mail.layout import plain_body as plain_body

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

ALLOWED_HEADERS = ("Subject", "Reply-To", "Cc", "Content-Type")
PLAIN, MARKDOWN = "text/plain", "text/markdown"
BODY_TYPES = {"text/plain": PLAIN, "text/markdown": MARKDOWN, "text/html": MARKDOWN}
_JINJA_VALUE = re.compile(r"\{\{.*?\}\}", re.DOTALL)
_JINJA_TAG = re.compile(r"\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>|<!--")
_PLAIN_TOKENS = frozenset({"paragraph_open", "paragraph_close", "inline"})
_MARKER = re.compile("\x00([0-9]+)\x00")
_GREETING = re.compile(r"[^,.!?;:]*[,.!?;:]?")
_MARKDOWN_ESCAPES = str.maketrans({c: "\\" + c for c in string.punctuation})


def markdown_escape(text: str) -> str:
    """Backslash-escape every ASCII punctuation mark: CommonMark then prints it literally."""
    return text.translate(_MARKDOWN_ESCAPES)


class _Values:
    """Jinja ``finalize`` hook: every ``{{ value }}`` passes here before it is output.

    It makes the value one safe line for its destination. With ``mark``, a value that prints
    empty leaves a marker (``\\x00<n>\\x00``, n indexing ``empty_lines``, which holds its
    template file and line) so the caller can see *where* in the output it was empty.
    """

    def __init__(self, escape: Callable[[str], str], mark: bool = False) -> None:
        self.escape = escape
        self.mark = mark
        self.empty_lines: list[tuple[str, int]] = []
        self.filename = ""  # the template's, for ``at_line``

    def at_line(self, value: Any, line: int) -> str:
        """The same, for a value whose template line is known (``templating.Substitution``)."""
        if value is None or value == "":
            if self.mark:
                self.empty_lines.append((self.filename, line))
                return f"\x00{len(self.empty_lines) - 1}\x00"
            return ""
        return self.escape(mime.header_text(value))

    def __call__(self, value: Any) -> str:
        if value is None or value == "":
            if self.mark and self._note_empty():
                return f"\x00{len(self.empty_lines) - 1}\x00"
            return ""
        return self.escape(mime.header_text(value))

    def _note_empty(self) -> bool:
        frame = sys._getframe(2)
        while frame is not None:
            template = frame.f_globals.get("__jinja_template__")
            if template is not None:
                line = template.get_corresponding_lineno(frame.f_lineno)
                self.empty_lines.append((template.filename or template.name, line))
                return True
            frame = frame.f_back  # type: ignore[assignment]
        return False  # a constant, finalized while compiling


class _Slots:
    """Jinja ``finalize`` hook for the body pass: each value becomes a placeholder that
    Markdown treats as a plain letter; ``values`` holds the HTML-escaped values by number,
    ``raw`` the values as text (for the text/plain part)."""

    def __init__(self) -> None:
        self.values: list[str] = []
        self.raw: list[str] = []

    def __call__(self, value: Any) -> str:
        if value is None or value == "":
            return ""
        text = mime.header_text(value)
        self.raw.append(text)
        self.values.append(html.escape(text))
        return f"\ue000{len(self.values) - 1}\ue001"


class MessageTemplate:
    """One template file, compiled once with plain values and once with Markdown-escaped ones.

    ``render`` returns the rendered text, or the list of problems for this recipient
    (template errors with file:line; empty values in the subject or greeting).
    """

    def __init__(self, name_or_path: str | Path, *, email: bool) -> None:
        self._plain_values = _Values(str, mark=True)
        try:
            self._plain = templating.load(name_or_path, finalize=self._plain_values)
        except UnicodeDecodeError as exc:
            raise OutreachError(f"{name_or_path}: not UTF-8 text ({exc.reason})") from None
        self.filename = self._plain.filename or str(name_or_path)
        self._plain_values.filename = self._plain.filename or self._plain.name or ""
        self._substitution = templating.Substitution.of(self._plain)  # text and values only
        self.email = email
        self.body_type = PLAIN
        if email:
            source = Path(self.filename).read_text(encoding="utf-8")
            _check_header_lines(self.filename, source)
            self.body_type = body_type(source)
        self._source = name_or_path
        self._slots = _Slots()
        markdown = email and self.body_type == MARKDOWN
        self._html = templating.load(name_or_path, finalize=self._slots) if markdown else None
        self._split = _PlainLayout.of(self._substitution) if (
            email and self._html is None and self._substitution is not None) else None
        self._escaped: jinja2.Template | None = None
        self._recording: jinja2.Template | None = None
        self._undefined = templating.recording_undefined()
        self._bodies: dict[str, tuple[str, str, bool]] = {}

    @property
    def name(self) -> str:
        return self._name

    @property
    def value_names(self) -> frozenset[str] | None:
        """Every name the template reads, when it is a substitution (else None: any)."""
        return None if self._substitution is None else self._substitution.names

    @cached_property
    def _name(self) -> str:  # asked once per message (for its Message-ID)
        return Path(self.filename).name

    def render(self, values: dict[str, Any]) -> Rendered | list[str]:
        """This recipient's message, or every problem found while rendering it."""
        problems = []
        if self._split is not None and self._substitution is not None:  # a plain e-mail's
            self._plain_values.empty_lines.clear()                      # values put in
            filled = self._substitution.finalized(values, self._plain_values.at_line)
            if filled is not None and all(filled) and not self._plain_values.empty_lines:
                return self._split.fill(filled)  # (an empty one: rendered and split)
        if self._substitution is not None:
            self._plain_values.empty_lines.clear()
            quick = self._substitution.render(values, self._plain_values.at_line)
            if quick is not None:
                return self._empty_greetings(quick) or self._rendered(quick, values)
        self._plain_values.empty_lines.clear()
        output: list[str] = []
        try:
            text = templating.render(self._plain, values, output)
        except templating.UndefinedVariable as exc:
            undefined, text = self._every_undefined(values)
            problems += [_hinted(p) for p in undefined or [str(exc)]]
        except OutreachError as exc:
            problems.append(str(exc))
            text = "".join(output)  # what rendered before the error: check its greeting too
        problems += self._empty_greetings(text)
        return problems or self._rendered(text, values)

    def _rendered(self, text: str, values: dict[str, Any]) -> Rendered:
        """The rendered text (its problems found) as headers and bodies."""
        text = _MARKER.sub("", text) if "\x00" in text else text
        if not self.email:
            return Rendered({}, text)
        headers, body = templating.split_headers(text)
        if len(headers) > 1 or "Subject" not in headers:  # a Content-Type line: not a header
            headers = {n: v for n, v in headers.items() if n.lower() != "content-type"}
        if self._html is None:  # a plain-text template: the body as written, one part
            return Rendered(headers, plain_body(body))
        plain, converted = self._bodies_for(values)
        return Rendered(headers, plain, html_document(converted, headers.get("Subject", "")))

    def _every_undefined(self, values: dict[str, Any]) -> tuple[list[str], str]:
        """Every undefined name this recipient's rendering uses (file:line: message), and
        the text rendered with them empty. Only run once the strict rendering has failed, so
        the usual path pays nothing for it; still in the sandbox."""
        if self._recording is None:
            self._recording = templating.load(self._source, finalize=self._plain_values,
                                              undefined=self._undefined)
        self._undefined.uses.clear()
        self._plain_values.empty_lines.clear()
        output: list[str] = []
        problems = []
        try:
            templating.render(self._recording, values, output)
        except Exception as exc:  # a consequence of an undefined value: report it, go on
            problems.append(str(exc) if isinstance(exc, OutreachError)
                            else f"{self.filename}: template error: {exc}")
        uses = [f"{file}:{line}: {message}" for file, line, message in self._undefined.uses]
        return uses + problems, "".join(output)

    def _bodies_for(self, values: dict[str, Any]) -> tuple[str, str]:
        """The text/plain body and the HTML body, both from the Markdown: converted once per
        distinct layout and filled with the values (as text in the one, HTML-escaped in the
        other), so the template's markup never reaches the text part and a value's markup is
        never read as Markdown in either.

        The body is rendered with a placeholder per value; its conversions are cached, and
        each placeholder replaced by the value. Where a placeholder did not survive Markdown
        as text (e.g. inside a link target), the body is converted again for this recipient
        with Markdown-escaped values instead.
        """
        assert self._html is not None
        self._slots.values.clear()
        self._slots.raw.clear()
        skeleton = templating.split_headers(templating.render(self._html, values))[1]
        cached = self._bodies.get(skeleton)
        if cached is None:
            if len(self._bodies) > 256:
                self._bodies.clear()
            tokens = _markdown().parse(skeleton)
            converted = _markdown().renderer.render(tokens, _markdown().options, {})
            plain = plain_text(tokens)
            slots = sorted(_SLOT.findall(skeleton))
            intact = sorted(_SLOT.findall(converted)) == slots == sorted(_SLOT.findall(plain))
            cached = self._bodies[skeleton] = (plain, converted, intact)
        plain, converted, intact = cached
        if intact:
            raw, filled = self._slots.raw, self._slots.values
            return (_SLOT.sub(lambda m: raw[int(m.group(1))], plain),
                    _SLOT.sub(lambda m: filled[int(m.group(1))], converted))
        if self._escaped is None:
            self._escaped = templating.load(self._source, finalize=_Values(markdown_escape))
        markdown = templating.split_headers(templating.render(self._escaped, values))[1]
        tokens = _markdown().parse(markdown)
        return plain_text(tokens), _markdown().renderer.render(tokens, _markdown().options, {})

    def _empty_greetings(self, text: str) -> list[str]:
        """Empty values in the subject or the greeting ("Hi ,"), with their template line."""
        if not self._plain_values.empty_lines:  # the usual recipient: nothing empty
            return []
        empties, self._plain_values.empty_lines = self._plain_values.empty_lines, []
        head, body = text.partition("\n\n")[::2] if self.email else ("", text)
        places = [("subject", line.partition(":")[2]) for line in head.splitlines()
                  if line.lower().startswith("subject:")]
        first = next((line for line in body.splitlines() if line.strip()), "")
        greeting = _GREETING.match(first)
        places.append(("greeting", greeting.group(0) if greeting else first))
        problems = []
        for where, segment in places:
            for number in dict.fromkeys(_MARKER.findall(segment)):
                filename, line = empties[int(number)]
                shown = _MARKER.sub("", segment).strip()
                problems.append(f"{filename}:{line}: empty value in the {where} {shown!r}")
        return problems


def _hinted(problem: str) -> str:
    if "'meeting' is undefined" in problem:
        return problem + " (pass --start to set the meeting)"
    return problem


def body_type(source: str) -> str:
    """``PLAIN`` or ``MARKDOWN`` for an e-mail template's text (see the module doc): its
    ``Content-Type`` line if it has one, else whether its body holds Markdown or HTML."""
    head, _, body = source.replace("\r\n", "\n").partition("\n\n")
    for line in head.splitlines():
        if not line.strip():  # the header block ends here, as ``_check_header_lines`` reads it
            break
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-type":
            return BODY_TYPES[value.split(";")[0].strip().lower()]
    return PLAIN if is_plain_text(body) else MARKDOWN


def is_plain_text(body: str) -> bool:
    """True when a template body, Jinja tags out (a value counts as a word), holds no
    Markdown (CommonMark reads it as paragraphs of unchanged text) and no HTML tag."""
    text = _JINJA_TAG.sub("", _JINJA_VALUE.sub("value", body))
    if _surely_plain(text):  # without loading markdown-it
        return True
    if _HTML_TAG.search(text):
        return False
    for token in _markdown().parse(text):
        if token.type not in _PLAIN_TOKENS:
            return False
        if token.type == "inline" and not _unchanged(token):
            return False
    return True


def _surely_plain(text: str) -> bool:
    """True for text CommonMark cannot read as anything but itself: every line starts with
    a letter and ends without a space, and no character anywhere can start markup (``*_`\\
    [] <> & ~ |``, controls). Such text needs no parse to be called plain (in doubt: False,
    and markdown-it decides)."""
    if _MARKUP_CHARACTER.search(text):
        return False
    return all(not line or (line[0].isalpha() and not line[-1].isspace())
               for line in text.split("\n"))


_MARKUP_CHARACTER = re.compile(r"[*_`\\\[\]<>&~|\x00-\x09\x0b-\x1f\x7f]")


def _unchanged(token: Token) -> bool:
    """An inline run read as its own text: only text and soft line breaks, nothing taken
    out or decoded (an escape, an entity or a mark would change it)."""
    parts = []
    for child in token.children or []:
        if child.type == "text":
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append("\n")
        else:
            return False
    return "".join(parts) == re.sub(r"[ \t]+\n", "\n", token.content)


def _check_header_lines(filename: str, text: str) -> None:
    """An e-mail template starts with a Subject line; only safe headers may be set."""
    lines = text.splitlines()
    if not lines or not lines[0].lower().startswith("subject:"):
        raise OutreachError(
            f"{filename}:1: an e-mail template starts with a 'Subject: ...' line, "
            "then a blank line, then the body"
        )
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
        kind = line.partition(":")[2].split(";")[0].strip().lower()
        if name.lower() == "content-type" and kind not in BODY_TYPES:
            raise OutreachError(
                f"{filename}:{number}: Content-Type {kind!r}: use one of "
                f"{', '.join(BODY_TYPES)} (the body as plain text, or Markdown)")


def plain_text(tokens: Sequence[Token]) -> str:
    """Parsed Markdown as the text it says, for a text/plain part: no markup left.
    Paragraphs and headings are separated by a blank line, line breaks kept; emphasis and
    code lose their marks; a link reads ``text (url)`` (just the url when that is its text);
    each list item is a line of its own (numbered lists keep their numbers, nested ones are
    indented); quotes and code blocks are their text."""
    blocks: list[str] = []
    lines: list[str] = []  # the lines of the (outermost) list being read
    numbers: list[int | None] = []  # per open list: its next number, or None (bullets)
    new_item = False
    for token in tokens:
        if token.type in ("bullet_list_open", "ordered_list_open"):
            ordered = token.type == "ordered_list_open"
            numbers.append(int(str(token.attrGet("start") or 1)) if ordered else None)
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            numbers.pop()
            if not numbers:
                blocks.append("\n".join(lines))
                lines = []
        elif token.type == "list_item_open":
            new_item = True
        elif token.type in ("inline", "fence", "code_block"):
            text = (_inline_text(token.children or []) if token.type == "inline"
                    else token.content.rstrip("\n"))
            indent = "  " * max(0, len(numbers) - 1)
            if not numbers:
                blocks.append(text)
            elif new_item:
                lines.append(indent + _item_mark(numbers) + text)
                new_item = False
            else:  # an item's second paragraph
                lines.append(indent + text)
    text = "\n\n".join(block for block in blocks if block)
    return text + "\n" if text else ""


def _item_mark(numbers: list[int | None]) -> str:
    """``3. `` for an item of a numbered list (and counts on), "" for a bullet."""
    number = numbers[-1] if numbers else None
    if number is None:
        return ""
    numbers[-1] = number + 1
    return f"{number}. "


def _inline_text(children: Sequence[Token]) -> str:
    parts: list[str] = []
    hrefs: list[tuple[str, int]] = []  # open links: their target, where their text starts
    for child in children:
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "link_open":
            hrefs.append((str(child.attrGet("href") or ""), len(parts)))
        elif child.type == "link_close" and hrefs:
            href, begin = hrefs.pop()
            label = "".join(parts[begin:])
            if href and href not in (label, "mailto:" + label):
                parts.append(f" ({href})")
        elif child.type == "image":
            alt, src = child.content, str(child.attrGet("src") or "")
            parts.append(f"{alt} ({src})" if alt and src else alt or src)
    return "".join(parts)


@cache
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False})


def html_document(body: str, title: str) -> str:
    """The HTML part: the body (Markdown already converted) in a minimal document."""
    escaped_title = html.escape(mime.header_text(title), quote=False)
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{escaped_title}</title></head>\n<body>\n{body}</body></html>\n"
    )
