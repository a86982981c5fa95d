"""The ``Ledger`` class: one SQLite file that remembers people, deliveries, invites, meetings
and events, composed from one part per table group over ``db.LedgerBase``:

- ``outreach.ledger.db``: opening, WAL and busy timeout, migrations, ``write``/``query``, the
  run lock;
- ``outreach.ledger.people`` (people, merged by identity: ``outreach.ledger.identity``);
- ``outreach.ledger.invites``, ``outreach.ledger.meetings`` (meetings and events),
  ``outreach.ledger.deliveries``, ``outreach.ledger.inbox`` (what came back: replies,
  RSVPs, bounces, do-not-contact, follow-ups, drafts), ``outreach.ledger.lifecycle`` (the
  Message-ID secret, LinkedIn notes sent, and every fact the life cycle reads, at once).

The names other modules use are re-exported here and from ``outreach.ledger``.
"""

from __future__ import annotations

from outreach.ledger.db import DEFAULT_BUSY_SECONDS, LEDGER_NAME, default_path, utc_now
from outreach.ledger.deliveries import STATES, DeliveriesMixin, Delivery
from outreach.ledger.inbox import (
    INBOX_KINDS,
    InboxMixin,
    InboxRecord,
    MailboxFacts,
    Relevance,
    Rsvp,
    SourceState,
    Unverified,
)
from outreach.ledger.invites import InvitesMixin, StoredInvite, next_invite_version
from outreach.ledger.lifecycle import (
    LifecycleMixin,
    LifeFacts,
    PersonEvent,
    PlanEntry,
    SentMessage,
)
from outreach.ledger.meetings import EVENT_KINDS, MeetingsMixin, PlannedMeeting
from outreach.ledger.people import PeopleMixin, person_from_row
from outreach.ledger.plans import PLAN_KINDS, PLAN_STATES, PlannedMessage, PlansMixin
from outreach.ledger.series import SeriesMixin, SeriesShape

__all__ = [
    "DEFAULT_BUSY_SECONDS",
    "EVENT_KINDS",
    "INBOX_KINDS",
    "LEDGER_NAME",
    "PLAN_KINDS",
    "PLAN_STATES",
    "STATES",
    "Delivery",
    "InboxRecord",
    "Ledger",
    "LifeFacts",
    "MailboxFacts",
    "PersonEvent",
    "PlanEntry",
    "PlannedMeeting",
    "PlannedMessage",
    "Relevance",
    "Rsvp",
    "SentMessage",
    "SeriesShape",
    "SourceState",
    "StoredInvite",
    "Unverified",
    "default_path",
    "next_invite_version",
    "person_from_row",
    "utc_now",
]


class Ledger(PeopleMixin, InvitesMixin, MeetingsMixin, DeliveriesMixin, PlansMixin,
             LifecycleMixin, InboxMixin, SeriesMixin):
    """An open ledger. Use ``Ledger.open(path)`` as a context manager."""
