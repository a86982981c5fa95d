"""outreach: find peers in a LinkedIn export, invite them, keep the rhythm, thank them.

The library, usable without the command line (``outreach.cli`` is a thin layer over it)::

    from pathlib import Path
    import outreach

    export = outreach.read_export(Path("Basic_LinkedInDataExport.zip"))
    peers, target = outreach.find_peers(export.connections, "VP Marketing", "Acme")
    result = outreach.run_campaign(Path("Basic_LinkedInDataExport.zip"))

One module or sub-package per stage — ``ingest``, ``titles``, ``peers``, ``plan``, ``ical``,
``mail``, ``cards``, ``ledger``, ``track``, ``report``, ``campaign`` — passing the plain data of
``outreach.model``; see docs/architecture.md. Names are imported on first use, so
``import outreach`` (and ``outreach --help``) stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "OutreachError": "outreach.errors",
    "Person": "outreach.model", "Sender": "outreach.model", "Profile": "outreach.model",
    "Meeting": "outreach.model", "Invite": "outreach.model",
    "valid_address": "outreach.model", "identity_key": "outreach.model",
    "canonical_url": "outreach.model",
    "read_export": "outreach.ingest", "Export": "outreach.ingest",
    "classify": "outreach.titles", "classify_many": "outreach.titles",
    "Vocabulary": "outreach.titles",
    "find_peers": "outreach.peers", "load_people": "outreach.peers",
    "PeerQuery": "outreach.peers",
    "plan_rotation": "outreach.plan", "plan_forum": "outreach.plan",
    "Rotation": "outreach.plan", "Forum": "outreach.plan",
    "render_messages": "outreach.mail.render", "write_batch": "outreach.mail.batch",
    "write_cards": "outreach.cards.layout", "CardOptions": "outreach.cards.layout",
    "Ledger": "outreach.ledger",
    "run_campaign": "outreach.campaign", "CampaignOptions": "outreach.campaign",
}

__all__ = [
    "CampaignOptions",
    "CardOptions",
    "Export",
    "Forum",
    "Invite",
    "Ledger",
    "Meeting",
    "OutreachError",
    "PeerQuery",
    "Person",
    "Profile",
    "Rotation",
    "Sender",
    "Vocabulary",
    "__version__",
    "canonical_url",
    "classify",
    "classify_many",
    "find_peers",
    "identity_key",
    "load_people",
    "plan_forum",
    "plan_rotation",
    "read_export",
    "render_messages",
    "run_campaign",
    "valid_address",
    "write_batch",
    "write_cards",
]

if TYPE_CHECKING:
    from outreach.campaign import CampaignOptions, run_campaign
    from outreach.cards.layout import CardOptions, write_cards
    from outreach.errors import OutreachError
    from outreach.ingest import Export, read_export
    from outreach.ledger import Ledger
    from outreach.mail.batch import write_batch
    from outreach.mail.render import render_messages
    from outreach.model import (
        Invite,
        Meeting,
        Person,
        Profile,
        Sender,
        canonical_url,
        identity_key,
        valid_address,
    )
    from outreach.peers import PeerQuery, find_peers, load_people
    from outreach.plan import Forum, Rotation, plan_forum, plan_rotation
    from outreach.titles import Vocabulary, classify, classify_many


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'outreach' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
