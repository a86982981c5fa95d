"""The client-shaped samples in tests/data/inbox/, filled in for a test's own messages."""

from __future__ import annotations

from datetime import datetime
from email.utils import format_datetime
from pathlib import Path

INBOX = Path(__file__).resolve().parent / "data" / "inbox"


def sample(name: str, *, name_of: str = "Peer", attendee: str = "peer@example.org",
           organizer: str = "dana.whitfield@example.com", uid: str = "uid@example.com",
           subject: str = "Coffee", original_id: str = "<orig@example.com>",
           message_id: str | None = None, when: datetime | None = None) -> bytes:
    """The sample ``name`` (e.g. ``google-accepted``) with its placeholders filled; CRLF."""
    text = (INBOX / f"{name}.eml").read_text(encoding="utf-8")
    values = {
        "{name}": name_of, "{attendee}": attendee, "{organizer}": organizer, "{uid}": uid,
        "{subject}": subject, "{original_id}": original_id,
        "{message_id}": message_id or f"{name}.{attendee}@mail.example.net",
        "{date}": format_datetime((when or datetime.now()).astimezone()),
    }
    for key, value in values.items():
        text = text.replace(key, value)
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")
