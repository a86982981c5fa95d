"""Whether to believe what a message says about who sent it.

Anyone can put any From, ATTENDEE or In-Reply-To in a message, so ``outreach inbox`` only lets
mail change a person's state when its own facts hold together (``outreach.mail.inbox``), and
never when the user's own server says the sender failed authentication: the top-most
``Authentication-Results`` header (RFC 8601; the one the receiving server added last, above
anything a sender could have written) with ``dmarc=fail``, or with a DKIM or SPF ``fail`` and
no DKIM/SPF ``pass``.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from email.message import Message

_RESULT = re.compile(r"\b(dmarc|dkim|spf)\s*=\s*([a-z]+)", re.I)
FUTURE_DAYS = 2  # a Date header further ahead than this is not believed


def authentication_failure(message: Message) -> str:
    """Why the receiving server's verdict rules the message out ("" when it does not)."""
    try:
        values = message.get_all("Authentication-Results") or []
    except (ValueError, TypeError, IndexError, AttributeError):
        return ""
    if not values:
        return ""
    results: dict[str, set[str]] = {}
    for method, verdict in _RESULT.findall(" ".join(str(values[0]).split())):
        results.setdefault(method.lower(), set()).add(verdict.lower())
    if "fail" in results.get("dmarc", set()):
        return "its server's Authentication-Results says dmarc=fail"
    passed = "pass" in results.get("dkim", set()) | results.get("spf", set())
    failed = [m for m in ("dkim", "spf") if "fail" in results.get(m, set())]
    if failed and not passed:
        return f"its server's Authentication-Results says {failed[0]}=fail and nothing passed"
    return ""


def believable_day(on: date | None, today: date) -> date | None:
    """The Date header's day, unless it is further in the future than ``FUTURE_DAYS``."""
    if on is None or on > today + timedelta(days=FUTURE_DAYS):
        return None
    return on
