"""Is this an automatic answer (out of office, vacation)? Headers first (RFC 3834
``Auto-Submitted``, ``X-Autoreply``, ``X-Autorespond``, ``Precedence: auto_reply``;
Microsoft's ``X-Auto-Response-Suppress`` is not one), then the subject and the first
lines of the body in every language of ``outreach/data/auto_replies.toml``."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from email.message import Message
from functools import cache
from importlib import resources
from typing import Any

_PREFIX = re.compile(r"^\s*((re|aw|sv|vs|rv|r|tr|wg|fw|fwd|enc|res)\s*:\s*)+", re.I)
_BODY_CHARS = 1500  # the opening of the body an auto-reply declares itself in


@cache
def _phrases() -> tuple[tuple[str, ...], tuple[str, ...]]:
    text = resources.files("outreach").joinpath("data/auto_replies.toml").read_text("utf-8")
    languages: dict[str, Any] = tomllib.loads(text)
    subjects = {_fold(s) for table in languages.values() for s in table.get("subjects", [])}
    bodies = {_fold(s) for table in languages.values() for s in table.get("bodies", [])}
    return tuple(sorted(subjects, key=len, reverse=True)), tuple(sorted(bodies))


def _fold(text: str) -> str:
    """Lower-cased, one space between words, NFC (so "automática" matches either way)."""
    return " ".join(unicodedata.normalize("NFC", text).lower().split())


def by_headers(message: Message, header: Any) -> bool:
    """RFC 3834 and the common vendor headers; ``header(message, name)`` reads one safely."""
    submitted = header(message, "Auto-Submitted").strip().lower()
    if submitted and not submitted.startswith("no"):
        return True
    if header(message, "X-Autoreply") or header(message, "X-Autorespond") or header(
            message, "X-Autoresponder"):
        return True
    return header(message, "Precedence").strip().lower() == "auto_reply"


def by_subject(subject: str) -> bool:
    """A subject that starts with an auto-reply phrase, after any "Re:"/"AW:"."""
    folded = _fold(_PREFIX.sub("", subject))
    return any(folded.startswith(phrase) for phrase in _phrases()[0])


def by_body(text: str) -> bool:
    """The opening lines declare an automatic answer ("Estoy fuera de la oficina")."""
    folded = _fold(text[:_BODY_CHARS])
    return any(phrase in folded for phrase in _phrases()[1])


def is_auto_reply(message: Message, subject: str, body: str, header: Any) -> bool:
    return by_headers(message, header) or by_subject(subject) or by_body(body)
