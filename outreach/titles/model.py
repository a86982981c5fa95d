"""The values passed between the stages: what a word means, and what a title was classified as."""

from __future__ import annotations

from dataclasses import dataclass

UNKNOWN = "unknown"
"""The function or level given when nothing in a title says."""

LEVELS: tuple[str, ...] = ("owner", "cxo", "vp", "director", "manager", "senior", "ic", "entry")
"""LinkedIn-style seniority, most senior first. ``unknown`` is used when nothing fires."""

FUNCTIONS: tuple[str, ...] = (
    "marketing", "sales", "engineering", "product", "it", "data", "design", "finance", "hr",
    "legal", "operations", "customer_success", "project_management", "general_management",
    "education", "other", "unknown",
)
"""Built-in functions; a user vocabulary may add its own names."""

# Which role wins in a multi-title: an officer title describes the job better than founding it.
PICK_RANK = {"cxo": 8, "owner": 7, "vp": 6, "director": 5, "manager": 4, "senior": 3,
             "ic": 2, "entry": 1, UNKNOWN: 0}


@dataclass(frozen=True)
class TitleClass:
    """How one title was classified, and why (``rule`` is meant for people)."""

    title: str
    normalized: str
    function: str
    level: str
    rule: str


@dataclass(frozen=True, slots=True)
class Term:
    """What a word or phrase means. ``level`` is a seniority hit; ``role`` marks a role noun.

    ``tier`` says how strongly the word names its function: the highest tier in a role wins.
    The flags come from ``[rules]`` in the vocabulary.
    """

    level: str | None = None
    role: bool = False
    function: str | None = None
    tier: int = 0
    entry_dominant: bool = False
    owner_contextual: bool = False
    assistant: bool = False
    former: bool = False
    conjunction: bool = False
    company: bool = False
    noise: bool = False
    status: bool = False
    chief: bool = False
    officer: bool = False
