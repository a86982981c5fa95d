"""A plain-text e-mail's rendered text as headers and a body (``Rendered``), and a plain
substitution template split into them once (``PlainLayout``), for ``outreach.mail.templates``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from outreach import templating

SLOT = re.compile("\ue000([0-9]+)\ue001")
"""A value's place in a body: ``\ue000<n>\ue001`` (Markdown reads it as a plain letter)."""
_BLANK_LINES = re.compile(r"\n(?:[ \t]*\n)+")


@dataclass(frozen=True)
class Rendered:
    """One recipient's text: headers, the text/plain body and (for e-mails) the HTML body."""

    headers: dict[str, str]
    text: str
    html: str = ""


def plain_body(body: str) -> str:
    """A plain-text template's rendered body as the message's text: as written, trailing
    spaces off, runs of blank lines (left by ``{% if %}`` lines) folded into one."""
    lines = body.split("\n")
    ends = "".join([line[-1:] for line in lines])  # the last character of every line
    if "\n\n\n" not in body and "".join(ends.split()) == ends:  # none ends in a space
        text = body.strip("\n")  # the usual body: nothing to take out
        return text + "\n" if text else ""
    trimmed = "\n".join(line.rstrip() for line in lines)
    text = _BLANK_LINES.sub("\n\n", trimmed).strip("\n")
    return text + "\n" if text else ""


class PlainLayout:
    """A plain-text e-mail template of text and values, split once into its headers and its
    body as ``MessageTemplate._rendered`` splits a recipient's text, each a format string
    with a slot per value: a recipient's message is then its values put in the slots.

    That gives the same headers and body as rendering and splitting, for values as the
    substitution passes them (``_Values.at_line``: one line, no control character, nothing
    to strip at either end) and none of them empty (``render`` goes the usual way then):
    such a value cannot end a header block, start a line, make a line blank or end one in a
    space. ``of`` gives None for a template where a value
    could name a header (a slot before a header line's colon) or whose text holds a
    marker character."""

    _PLACE = "\ue000{}\ue001"  # what ``SLOT`` finds

    def __init__(self, headers: list[tuple[str, str]], body: str) -> None:
        self.headers = headers
        self.body = body

    @classmethod
    def of(cls, substitution: templating.Substitution) -> PlainLayout | None:
        texts = [before for before, _, _, _ in substitution.values] + [substitution.tail]
        if any(mark in text for text in texts for mark in ("\ue000", "\ue001", "\x00")):
            return None
        skeleton = "".join(before + cls._PLACE.format(index) for index, (before, _, _, _)
                           in enumerate(substitution.values)) + substitution.tail
        head = skeleton.partition("\n\n")[0]
        if any("\ue000" in line.partition(":")[0] for line in head.splitlines()):
            return None
        headers, body = templating.split_headers(skeleton)
        if not headers:
            return None
        if len(headers) > 1 or "Subject" not in headers:  # as ``_rendered`` keeps them
            headers = {n: v for n, v in headers.items() if n.lower() != "content-type"}
        return cls([(n, _format_string(v)) for n, v in headers.items()],
                   _format_string(plain_body(body)))

    def fill(self, values: list[str]) -> Rendered:
        return Rendered({name: text.format(*values) for name, text in self.headers},
                        self.body.format(*values))


def _format_string(skeleton: str) -> str:
    """``Hi \ue0000\ue001,`` → ``Hi {0},`` (the text's own braces doubled)."""
    text = skeleton.replace("{", "{{").replace("}", "}}")
    return SLOT.sub(lambda m: "{" + m.group(1) + "}", text)
