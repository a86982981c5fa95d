"""Counts and sentences in what outreach prints: "1 e-mail", "2 e-mails", one full stop.

Every summary line goes through these helpers, so no line says "1 peers", "1 file(s)"
or ends in "..".
"""

from __future__ import annotations


def plural(count: int, singular: str, irregular: str | None = None) -> str:
    """``plural(1, "e-mail")`` → "1 e-mail"; ``plural(2, "e-mail")`` → "2 e-mails";
    ``plural(2, "person", "people")`` → "2 people". Thousands get a separator: "1,200 peers"."""
    return f"{count:,} {noun(count, singular, irregular)}"


def noun(count: int, singular: str, irregular: str | None = None) -> str:
    """The word alone: ``noun(1, "peer")`` → "peer", ``noun(3, "peer")`` → "peers"."""
    if count == 1:
        return singular
    if irregular is not None:
        return irregular
    if singular.endswith(("s", "x", "ch", "sh")):
        return singular + "es"
    return singular + "s"


def sentence(text: str) -> str:
    """``text`` ending in exactly one full stop: a text that already ends in ".", "!", "?" or
    "…" (a note such as "swapped notes."; a folder named ".") gets no second one."""
    stripped = text.rstrip()
    return stripped if stripped.endswith((".", "!", "?", "…")) else stripped + "."


_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                 "ten", "eleven", "twelve")


def number_word(count: int) -> str:
    """``number_word(6)`` → "six" (up to twelve, as prose writes them), else digits."""
    return _NUMBER_WORDS[count] if 0 <= count < len(_NUMBER_WORDS) else f"{count:,}"
