"""The values passed between the stages: what a word means, and what a title was classified as."""

from __future__ import annotations

from dataclasses import dataclass

UNKNOWN = "unknown"
"""The function or level given when nothing in a title says."""


@dataclass(frozen=True)
class TitleClass:
    """How one title was classified, and why (``rule`` is meant for people)."""

    title: str
    normalized: str
    function: str
    level: str
    rule: str
    former: bool = False
    """Only a former role is left ("Ex-CFO", "Head of Sales (until 2022)"): never a peer."""


@dataclass(frozen=True, slots=True)
class Term:
    """What a word or phrase means. ``level`` is a seniority hit; ``role`` marks a role noun.

    ``tier`` says how strongly the word names its function: the highest tier in a role wins.
    The flags come from ``[rules]`` in the vocabulary; ``grade`` marks a numeral grade
    ("Engineer II"), ``sector`` a word that sets the title's sector ("Goldman Sachs": banking) and
    ``lang`` the language section the word came from ("nl"), for explanations.
    """

    level: str | None = None
    role: bool = False
    function: str | None = None
    tier: int = 0
    entry_dominant: bool = False
    owner_contextual: bool = False
    assistant: bool = False
    former: bool = False
    retired: bool = False
    member: bool = False
    board: bool = False
    non_equity: bool = False
    conjunction: bool = False
    company: bool = False
    noise: bool = False
    status: bool = False
    chief: bool = False
    officer: bool = False
    deputy: bool = False
    grade: bool = False
    sector: str = ""
    lang: str = ""
