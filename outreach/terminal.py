"""Text from strangers, made safe to print on a terminal.

Names, companies and titles come from other people's profiles; a ledger or a CSV can hold
anything. On a terminal, a control character is an instruction: ESC starts CSI/OSC sequences
(colours, cursor moves, an OSC 52 clipboard write, an OSC 8 hyperlink), BEL rings, CR
overwrites the line, and the C1 range (U+0080-U+009F) holds 8-bit forms of the same. The
bidirectional overrides (U+202A-U+202E, U+2066-U+2069) reorder what follows them.

``visible`` replaces each such character by its escape spelled out (``\\x1b``, ``\\u202e``),
so the user sees that it was there and the terminal never acts on it. Only terminal output
goes through here; files keep their own encodings (MIME, iCalendar escaping, CSV quoting).
Rich markup is a separate matter: ``outreach.cli.display`` prints data as ``Text`` objects.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_KEEP_LINES = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _spell(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(value: object, *, lines: bool = False) -> str:
    """``value`` as text with every control character spelled out (``"\\x1b]52;..."``).

    ``lines=True`` keeps line feeds (a message of several lines); otherwise the result is
    one line.
    """
    text = value if isinstance(value, str) else str(value)
    pattern = _UNSAFE_KEEP_LINES if lines else _UNSAFE
    if text.isprintable():  # the common case: nothing to do
        return text
    return pattern.sub(_spell, text)


def has_control(text: str) -> bool:
    """Does ``text`` hold anything ``visible`` would spell out (newlines included)?"""
    return _UNSAFE.search(text) is not None
