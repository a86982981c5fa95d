"""The ledger: one SQLite file that remembers people, deliveries, invites, meetings and events.

Every command that must not repeat itself asks the ledger first: ``outreach send`` never sends
a Message-ID twice to a recipient, the calendar stage reuses an invite's SEQUENCE/DTSTAMP while
nothing changed, ``cards --pending`` knows who was met and not thanked. A person has one
record whichever stage met them first (``outreach.ledger.identity``).

Concurrency: WAL mode (readers never block the writer), ``busy_timeout`` so a short overlap
waits instead of failing, and every write is a ``BEGIN IMMEDIATE`` transaction so there is one
writer at a time. A writer that cannot get the lock within the timeout gets a one-line
``OutreachError`` saying the ledger is busy. ``Ledger.exclusive()`` additionally holds an
advisory lock file for the whole of a long run (``outreach send``) so two senders never work
on the same batch. Schema in ``outreach.ledger.schema`` (versioned migrations).
"""

# The public names are listed once, in outreach.ledger.store.__all__.
from outreach.ledger.store import *  # noqa: F403
from outreach.ledger.store import __all__ as __all__
