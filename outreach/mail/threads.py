"""The e-mails of a plan's decisions (``outreach.plan.plan_messages``): each invitation,
update and cancellation rendered with the Message-ID the plan chose, threaded to the first
invitation, and carrying the calendar part that says the same thing.

- an invitation uses the series' template (``invite.email.j2``, ``forum.email.j2``) and, for
  a peer without an address, its LinkedIn note;
- an update (``update.email.j2``, file ``<slug>-updated.eml``) says what changed, with the
  new invite (same UID, SEQUENCE + 1);
- a cancellation (``cancel.email.j2``, ``<slug>-cancelled.eml``) carries METHOD:CANCEL.

Updates and cancellations reply to what the person already received: ``In-Reply-To`` is the
last message sent in the thread, ``References`` all of them, and the subject is the first
invitation's with ``Updated:`` or ``Cancelled:`` before it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from outreach.mail.render import Batch, RenderOptions, merge_batches, render_messages
from outreach.model import KINDS, Invite, Meeting, MessageKind, Person, Sender
from outreach.plan import MessageDecision

UPDATE_TEMPLATE = KINDS[MessageKind.UPDATE].template
CANCEL_TEMPLATE = KINDS[MessageKind.CANCELLATION].template
_WRITTEN = (MessageKind.INVITATION, MessageKind.UPDATE, MessageKind.CANCELLATION)


@dataclass(frozen=True)
class SeriesMail:
    """How one series is written: its invitation and LinkedIn templates, and per person key
    the first meeting, the calendar part and the ``series`` template values."""

    template: str
    linkedin_template: str
    meetings: Mapping[str, Meeting] = field(default_factory=dict)
    invites: Mapping[str, Invite] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


def render_decisions(
    decisions: Sequence[MessageDecision],
    people: Mapping[str, Person],
    sender: Sender,
    series: Mapping[str, SeriesMail],
    base: RenderOptions,
) -> Batch:
    """One batch with every message the decisions call for (unchanged and withdrawn ones
    need none)."""
    batches = []
    for decision in decisions:
        if decision.kind not in _WRITTEN:
            continue
        person, mail = people[decision.person_key], series[decision.series]
        batches.append(_render(decision, person, sender, mail, base))
    return merge_batches(batches)


def _render(decision: MessageDecision, person: Person, sender: Sender, mail: SeriesMail,
            base: RenderOptions) -> Batch:
    key = person.key
    values = {"series": {"kind": decision.series}, **mail.values.get(key, {}),
              "original_subject": decision.original_subject, "change": decision.change}
    options = replace(
        base, series=decision.series, linkedin_template=mail.linkedin_template,
        message_ids={key: decision.message_id}, replying_to={key: decision.references},
        values={key: values}, invites={key: mail.invites[key]} if key in mail.invites else {},
        invite=key in mail.invites, file_suffix=KINDS[MessageKind(decision.kind)].file_suffix)
    template = mail.template if decision.kind == MessageKind.INVITATION else KINDS[
        MessageKind(decision.kind)].template
    return render_messages([person], sender, template, mail.meetings.get(key), options)
