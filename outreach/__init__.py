"""outreach: find peers in a LinkedIn export, invite them, keep the rhythm, thank them.

Each stage is a module usable from Python without the CLI:
``ingest`` (read exports), ``titles`` (classify job titles), ``peers`` (match peers),
``emails`` (render messages), ``calendar`` (.ics invites), ``cards`` (thank-you PDF),
``send`` (SMTP), ``ledger`` (SQLite memory), ``campaign`` (all of it in one run).
"""

__version__ = "0.1.0"
