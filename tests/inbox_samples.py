"""The client-shaped samples in tests/data/inbox/, filled in for a test's own messages."""

from __future__ import annotations

from datetime import date, datetime
from email.utils import format_datetime
from pathlib import Path

from outreach.ledger import Ledger, PlannedMessage
from outreach.model import Person

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


def invited_jane(path: Path, address: str, invitation: str) -> Path:
    """A new ledger at ``path`` that invited Jane at ``address`` by ``invitation`` (sent)."""
    with Ledger.open(path) as ledger:
        jane = Person("Jane", "Doe", company="Peer Co", email=address,
                      url="https://www.linkedin.com/in/jane")
        ledger.remember_people([jane])
        key = ledger.identify([jane])[0]
        ledger.save_plan([PlannedMessage(invitation, key, "rotation", "invitation",
                                         invitation, uid="coffee-1@example.com",
                                         subject="Coffee")])
        ledger.queue_message(invitation, [address], "Coffee", "x.eml")
        ledger.mark_sent(invitation, [address], "250 OK")
        ledger.add_event(key, "invited", date(2027, 1, 1))
    return path
