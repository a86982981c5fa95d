"""A scheduling link (a Calendly or cal.com page) offered instead of a proposed time.

One rule: the link is an ``https`` URL with a host and nothing a header, a calendar
property or HTML could be broken by (no spaces, quotes, angle brackets or control
characters). Invitations and follow-ups offer it through the ``booking_link`` template
variable; no calendar part goes with them.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from outreach.errors import OutreachError

_UNSAFE = re.compile(r"[\s\"'<>\\`{}|^\x00-\x1f\x7f]")


def booking_link(text: str | None) -> str:
    """The link as given, checked; '' when none. Raises ``OutreachError`` (field
    ``booking_link``) for anything but a plain https URL."""
    if not text:
        return ""
    link = text.strip()
    if _UNSAFE.search(link):
        raise OutreachError(
            f"booking link {link[:60]!r} has spaces, quotes or control characters",
            field="booking_link")
    parts = urlsplit(link)
    if parts.scheme.lower() != "https" or not parts.hostname:
        raise OutreachError(
            f"booking link {link[:60]!r} is not an https URL (like https://cal.com/you/coffee)",
            field="booking_link")
    return link


def refuse_with_start(link: str, start: object) -> None:
    """A booking link lets the peer choose the time: it cannot go with a proposed one."""
    if link and start:
        raise OutreachError("a booking link lets the peer pick the time; "
                            "give either it or a start, not both", field="booking_link")
