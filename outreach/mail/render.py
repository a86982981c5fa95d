"""Rendering a batch of invitation e-mails (and LinkedIn notes), reviewed before anything leaves.

``render_messages`` renders every recipient in memory (templates: ``outreach.mail.templates``;
bytes: ``outreach.mail.mime``) and collects *all* problems at once: template errors with
file:line and the recipients affected (every undefined name, not just the first), empty values
in the subject or greeting, duplicate addresses, LinkedIn notes over the limit. A row whose
address is invalid (``outreach.model.valid_address``) is skipped with the reason, not a
problem: one bad row must not stop the batch. ``outreach.mail.batch.write_batch`` writes it.

Message-IDs derive from sender, recipient, template and meeting, so a rerun produces the same
IDs (and, with the same ``--date``, the same bytes); ``outreach send`` keys exactly-once
delivery on them. Invites come from ``outreach.ical`` (the one VEVENT implementation) with
SEQUENCE/DTSTAMP from the ledger, so they match what ``outreach invite`` writes.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from outreach import fileio, portable, templating
from outreach.bulk import paused_gc
from outreach.mail import mime
from outreach.mail.results import (
    DEFAULT_TEMPLATE,
    LINKEDIN_TEMPLATE,
    Batch,
    LinkedInNote,
    Message,
    RenderOptions,
    Skipped,
    _Chunk,
    _Problem,
    describe,
    shorten,
)
from outreach.mail.templates import PLAIN, MessageTemplate, Rendered
from outreach.model import Invite, Meeting, Person, Sender, message_id, valid_address
from outreach.times import clock as times_clock
from outreach.times import today as times_today

_PARALLEL_FROM = 400
_SPAWN_FROM = 6000  # spawned workers import outreach first: 10,000 e-mails 5.8 s alone, 5.1 s on 2
_NO_SENDER = (
    "no sender address: pass --from 'Name <you@example.com>' or set [sender] email in "
    "outreach.toml"
)
_CHUNK = 250


def linkedin_template_for(template: str | Path) -> str:
    """The LinkedIn note that goes with an e-mail template: ``forum.email.j2`` pairs with
    ``forum.linkedin.j2`` (next to it, or built in) so a forum invitation never becomes a
    coffee note; anything without a pair gets ``invite.linkedin.j2``."""
    path = Path(template)
    if not path.name.endswith(".email.j2"):
        return LINKEDIN_TEMPLATE
    pair = path.name.removesuffix(".email.j2") + ".linkedin.j2"
    if path.is_file():
        sibling = path.with_name(pair)
        return str(sibling) if sibling.is_file() else LINKEDIN_TEMPLATE
    return pair if (templating.BUILTIN_DIR / pair).is_file() else LINKEDIN_TEMPLATE


# ---------------------------------------------------------------- rendering


class _Renderer:
    """Renders recipients one by one; one per process."""

    def __init__(self, sender: Sender, meeting: Meeting | None, options: RenderOptions) -> None:
        self.sender = sender
        self.meeting = meeting
        self.options = options
        self.template = compiled_template(
            templating.resolve(options.template, options.locale, options.templates), email=True)
        self._linkedin: MessageTemplate | None = None
        self.sender_address = valid_address(sender.email) or ""
        self.domain = self.sender_address.rpartition("@")[2] or "outreach.invalid"
        self.sender_lower = self.sender_address.lower()
        when = options.sent_date or times_clock().astimezone()
        self.date = mime.date_header(when if when.tzinfo else when.astimezone())
        self.stamp = when
        self.today = options.today or times_today()  # one day for the whole batch
        names = self.template.value_names  # a template of text and values: only those
        given_here = {"invite_attached"}  # set below for every recipient
        self.only = names - given_here if names is not None and not options.values and (
            names <= templating.RECIPIENT_NAMES | given_here) else None

    @property
    def linkedin(self) -> MessageTemplate:
        if self._linkedin is None:
            self._linkedin = compiled_template(templating.resolve(
                self.options.linkedin_template, self.options.locale, self.options.templates),
                email=False)
        return self._linkedin

    def render(self, people: Sequence[tuple[int, Person]]) -> _Chunk:
        chunk = _Chunk()
        for index, person in people:
            self._render_one(index, person, chunk)
        return chunk

    def meeting_for(self, index: int) -> Meeting | None:
        """The batch's meeting, at this recipient's own slot with ``--slots``."""
        if self.meeting is None or not self.options.starts:
            return self.meeting
        return replace(self.meeting, start=self.options.starts[index])

    def _render_one(self, index: int, person: Person, chunk: _Chunk) -> None:
        meeting = self.meeting_for(index) if self.options.starts else self.meeting
        values = templating.variables(  # a LinkedIn note (no address) may need any value
            person, self.sender, meeting, self.today, locale=self.options.locale,
            only=self.only if person.email.strip() else None)
        values["invite_attached"] = attached = self.attaches(person, meeting)
        values["booking_link"] = self.options.booking_link
        if self.options.values:
            values.update(self.options.values.get(person.key, {}))
        if person.email.strip():
            address = valid_address(person.email)
            if address is None:  # skipped, not blocking: one bad row must not stop the batch
                reason = f"invalid e-mail address {mime.header_text(person.email)!r}"
                chunk.skipped.append(Skipped(index, person, reason))
                return
            rendered = self.template.render(values)
            if isinstance(rendered, list):
                who = describe(index, person)
                chunk.problems += [_Problem(text, index, who) for text in rendered]
            else:
                chunk.messages.append(self._message(index, person, address, rendered, meeting,
                                                    attached))
        elif person.url.strip():
            note = self._note(values)
            if isinstance(note, list):
                who = describe(index, person)
                chunk.problems += [_Problem(text, index, who) for text in note]
            else:
                chunk.notes.append(LinkedInNote(index, person, note))
        else:
            chunk.skipped.append(Skipped(index, person, "no e-mail address and no profile URL"))

    def _note(self, values: dict[str, Any]) -> str | list[str]:
        """The LinkedIn note, or its problems (template errors, over the length limit)."""
        rendered = self.linkedin.render(values)
        if isinstance(rendered, list):
            return rendered
        text, limit = rendered.text.strip(), self.options.linkedin_limit
        if len(text) > limit and self.options.shorten_notes:
            return self._shortened(values, text, limit)
        if len(text) > limit:
            return [f"LinkedIn note is {len(text)} characters, over the limit of {limit} "
                    f"(--linkedin-limit; shorten {self.linkedin.name})"]
        return text

    def _shortened(self, values: dict[str, Any], text: str, limit: int) -> str | list[str]:
        """A note made long by the recipient's own data (an 80-character company): without
        the company clause, else cut at the last word that fits, with an ellipsis."""
        if values.get("company"):
            again = self.linkedin.render({**values, "company": ""})
            if not isinstance(again, list):
                text = again.text.strip()
                if len(text) <= limit:
                    return text
        return shorten(text, limit)

    def _message(
        self, index: int, person: Person, address: str, rendered: Rendered,
        meeting: Meeting | None, attached: bool,
    ) -> Message:
        subject = rendered.headers.get("Subject", "")
        extra = tuple((n, v) for n, v in rendered.headers.items() if n != "Subject") \
            if len(rendered.headers) > 1 or not subject else ()
        options = self.options
        message_id = (options.message_ids and options.message_ids.get(person.key)) \
            or self.message_id(person, meeting)
        content = (subject, rendered.text, rendered.html, extra)  # mime.Content's fields
        envelope = (self.sender.name, self.sender_address, person.written.full_name, address,
                    self.date, message_id,
                    options.replying_to.get(person.key, ()) if options.replying_to else ())
        invite = self._invite(person, meeting) if attached else None
        data = mime.message_bytes(content, envelope, invite)
        stem = fileio.name_part(person.slug) + self.options.file_suffix
        return Message(index, person, address, mime.header_text(subject), message_id, data,
                       filename=f"{stem}.eml", stem=stem,
                       said=(content, envelope, invite.ics if invite else b""))

    def message_id(self, person: Person, meeting: Meeting | None) -> str:
        """Stable across reruns: the same sender, recipient, template and meeting → same ID
        (``model.message_id``, keyed by the ledger's secret)."""
        start = meeting.start.isoformat() if meeting else ""
        return message_id(self.options.message_id_secret, self.domain,
                          self.options.message_id_seed, self.sender_lower, person.key,
                          self.template.name, start)

    def attaches(self, person: Person, meeting: Meeting | None) -> bool:
        """Does this person's message carry a calendar part (one given for them, or the
        batch's meeting)?"""
        return self.options.invite and (meeting is not None or person.key in self.options.invites)

    def _invite(self, person: Person, meeting: Meeting | None) -> Invite:
        """The invite given for this person (e.g. their rotation series, built by the
        calendar stage), else the one ``outreach invite`` writes for this meeting (one
        implementation: ``outreach.ical``), with SEQUENCE/DTSTAMP from ``invite_versions``."""
        from outreach.ical import events as calendar

        given = self.options.invites.get(person.key)
        if given is not None:
            return given
        assert meeting is not None  # attaches() said so
        sequence, stamp = self.options.invite_versions.get(person.key, (0, self.stamp))
        return calendar.invite(person, self.sender, meeting, series=self.options.series,
                               sequence=sequence, stamp=stamp, method="REQUEST",
                               remind=self.options.remind, locale=self.options.locale,
                               templates=self.options.templates)


_COMPILED: dict[tuple[str, bool, int, int], MessageTemplate] = {}


def compiled_template(name_or_path: str, *, email: bool) -> MessageTemplate:
    """The template compiled once per process: a campaign renders one batch per person and
    series, and compiling the same file each time cost more than rendering. A file edited
    since (another size or mtime) is compiled again."""
    path = Path(name_or_path)
    stat = path.stat() if path.is_file() else None
    key = (str(path.resolve()) if stat else name_or_path, email,
           stat.st_mtime_ns if stat else 0, stat.st_size if stat else 0)
    template = _COMPILED.get(key)
    if template is None:
        if len(_COMPILED) > 64:
            _COMPILED.clear()
        template = _COMPILED[key] = MessageTemplate(name_or_path, email=email)
    return template


_WORKER: _Renderer | None = None


def _init_worker(sender: Sender, meeting: Meeting | None, options: RenderOptions) -> None:
    global _WORKER
    _WORKER = _Renderer(sender, meeting, options)


def _render_chunk(people: Sequence[tuple[int, Person]]) -> _Chunk:
    assert _WORKER is not None
    return _WORKER.render(people)


def render_messages(
    people: Iterable[Person],
    sender: Sender,
    template: str | Path = DEFAULT_TEMPLATE,
    meeting: Meeting | None = None,
    options: RenderOptions | None = None,
    progress: Callable[[int], None] | None = None,
) -> Batch:
    """Render every recipient in memory; problems are collected, never raised one by one.

    ``progress(n)`` is called as recipients are done. Large batches use a process per core.
    A template that cannot be loaded (syntax error, bad header) raises ``OutreachError``.
    """
    options = replace(options or RenderOptions(), template=str(template))
    numbered = list(enumerate(people))
    if meeting is not None and options.slots:
        options = replace(options, starts=tuple(slot_starts(meeting, len(numbered),
                                                            options.slots)))
    renderer = _Renderer(sender, meeting, options)
    with paused_gc():  # thousands of messages, no cycles: collecting would only re-scan them
        chunks = _render_all(renderer, numbered, sender, meeting, options, progress)
        if options.skip_problem_rows:
            chunks = [_skip_problem_rows(chunk, dict(numbered)) for chunk in chunks]
        batch = _assemble(chunks, _duplicates(numbered))
    if batch.messages and not renderer.sender_address:
        batch.problems.insert(0, _NO_SENDER if not sender.email else (
            f"invalid sender address {mime.header_text(sender.email)!r} (--from)"
        ))
    return batch


def _render_all(
    renderer: _Renderer, numbered: list[tuple[int, Person]], sender: Sender,
    meeting: Meeting | None, options: RenderOptions, progress: Callable[[int], None] | None,
) -> list[_Chunk]:
    pieces = [numbered[i : i + _CHUNK] for i in range(0, len(numbered), _CHUNK)]
    workers = options.workers or min(2, portable.usable_cpus())
    chunks: list[_Chunk] = []
    if workers > 1 and _pool_pays(renderer, options) and len(numbered) >= _pool_from():
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(
            max_workers=workers, initializer=_init_worker, initargs=(sender, meeting, options)
        ) as pool:
            for piece, chunk in zip(pieces, pool.map(_render_chunk, pieces), strict=True):
                chunks.append(chunk)
                if progress:
                    progress(len(piece))
        return chunks
    for piece in pieces:
        chunks.append(renderer.render(piece))
        if progress:
            progress(len(piece))
    return chunks


def _pool_from() -> int:
    """The smallest batch worth a pool: spawned workers import outreach first."""
    import multiprocessing

    return _PARALLEL_FROM if multiprocessing.get_start_method() == "fork" else _SPAWN_FROM


def _pool_pays(renderer: _Renderer, options: RenderOptions) -> bool:
    """Whether a worker per core is worth its cost: only for messages that are slow to make
    (a Markdown body converted for its HTML part, a calendar part). A plain-text message
    costs ~50 µs, less than a pool spends starting workers and pickling the batch to them
    and back: 10,000 of them took 1.4 s CPU more on two workers than in this process, and
    no less wall-clock time (issue 23)."""
    return renderer.template.body_type != PLAIN or options.invite


def _skip_problem_rows(chunk: _Chunk, people: Mapping[int, Person]) -> _Chunk:
    """Each recipient with a problem of their own (e.g. no first name for "Hi ,") skipped,
    the problem as the reason, instead of stopping the batch."""
    reasons: dict[int, list[str]] = {}
    for problem in chunk.problems:
        reasons.setdefault(problem.index, []).append(problem.text)
    if not reasons:
        return chunk
    return _Chunk(
        messages=[m for m in chunk.messages if m.index not in reasons],
        notes=[n for n in chunk.notes if n.index not in reasons],
        skipped=chunk.skipped + [Skipped(i, people[i], "; ".join(texts))
                                 for i, texts in reasons.items()])


def _assemble(chunks: list[_Chunk], duplicates: list[_Problem]) -> Batch:
    batch = Batch()
    problems: list[_Problem] = []
    for chunk in chunks:
        batch.messages += chunk.messages
        batch.notes += chunk.notes
        batch.skipped += chunk.skipped
        problems += chunk.problems
    batch.problems = _group(problems + duplicates)
    batch.messages = _with_filenames(batch.messages)
    return batch


def _duplicates(numbered: list[tuple[int, Person]]) -> list[_Problem]:
    """Two rows for one address (or one person) would send twice: a problem, not a guess."""
    by_address: dict[str, list[tuple[int, Person]]] = {}
    by_key: dict[str, list[tuple[int, Person]]] = {}
    for index, person in numbered:
        address = valid_address(person.email) if person.email.strip() else None
        if address:
            by_address.setdefault(address.lower(), []).append((index, person))
        if address or person.url.strip():
            by_key.setdefault(person.key, []).append((index, person))
    problems, reported = [], set()
    for label, groups in (("recipient", by_address), ("person", by_key)):
        for value, group in groups.items():
            if len(group) < 2 or all(index in reported for index, _ in group):
                continue
            for index, person in group:
                reported.add(index)
                problems.append(_Problem(f"duplicate {label} {value}", index,
                                         describe(index, person)))
    return problems


def _group(problems: list[_Problem], shown: int = 5) -> list[str]:
    """One line per distinct problem, naming the recipients it affects."""
    grouped: dict[str, list[_Problem]] = {}
    for problem in problems:
        grouped.setdefault(problem.text, []).append(problem)
    lines = []
    for text, group in grouped.items():
        group.sort(key=lambda p: p.index)
        names = "; ".join(p.who for p in group[:shown])
        more = f"; and {len(group) - shown} more" if len(group) > shown else ""
        count = f"{len(group)} recipients: " if len(group) > 1 else ""
        lines.append(f"{text} — {count}{names}{more}")
    return lines


def _with_filenames(messages: list[Message]) -> list[Message]:
    """``<slug>.eml``; names shared by several people all get a suffix from the person key
    (from the Message-ID for one person's several messages), so a file's name does not
    depend on the order of the input."""

    def stem(message: Message) -> str:
        return message.stem or fileio.name_part(message.person.slug)

    def suffixed(message: Message, text: str) -> Message:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:6]
        return replace(message, filename=f"{stem(message)}-{digest}.eml")

    named = [m if m.filename == f"{stem(m)}.eml" else replace(m, filename=f"{stem(m)}.eml")
             for m in messages]
    for identity in (lambda m: m.person.key, lambda m: m.person.key + m.message_id):
        counts = Counter(m.filename for m in named)
        named = [suffixed(m, identity(m)) if counts[m.filename] > 1 else m for m in named]
    return named


def merge_batches(batches: Iterable[Batch]) -> Batch:
    """Several rendered batches (e.g. rotation and forum invitations) as one to write."""
    merged = Batch()
    owners: dict[str, str] = {}
    for batch in batches:
        for message in batch.messages:  # two peers, one address: one message, one skipped
            owner = owners.setdefault(message.address.lower(), message.person.key)
            if owner == message.person.key:
                merged.messages.append(message)
            else:
                merged.skipped.append(Skipped(message.index, message.person, (
                    f"the same e-mail address as another peer ({message.address}): one "
                    "message per address")))
        merged.notes += batch.notes
        merged.skipped += batch.skipped
        merged.problems += batch.problems
    merged.messages = _with_filenames(merged.messages)
    return merged


def slot_starts(meeting: Meeting, count: int, slots: str | None) -> list[datetime]:
    """Each recipient's start with ``--slots weekday|week``, as ``outreach invite`` spreads
    them (the same code: ``outreach.calendar.slot_starts``), so both give a peer one time."""
    from outreach.ical import events as calendar

    return calendar.slot_starts(meeting.start, count, slots)


def invite_versions(
    people: Sequence[Person],
    sender: Sender,
    meeting: Meeting,
    ledger_path: Path | None = None,
    *,
    series: str = "coffee",
    now: datetime | None = None,
    slots: str | None = None,
    remind: timedelta | None = None,
    language: tuple[str, Path | None] = ("en", None),
) -> dict[str, tuple[int, datetime]]:
    """SEQUENCE and DTSTAMP per person key from the ledger, as ``outreach invite`` uses them:
    an unchanged invite keeps its bytes, a changed one (time, place) gets SEQUENCE + 1.
    ``people`` in the order given to ``render_messages`` (``slots`` assigns times by it)."""
    from outreach.ical import events as calendar
    from outreach.ledger import Ledger

    starts = slot_starts(meeting, len(people), slots)
    invitees = [(p, replace(meeting, start=start)) for p, start in zip(people, starts, strict=True)
                if valid_address(p.email) is not None]
    specs = [calendar.invite_spec(p, sender, at, series=series, remind=remind,
                                  locale=language[0], templates=language[1])
             for p, at in invitees]
    with Ledger.open(ledger_path) as ledger:
        versioned = calendar.versioned_all(specs, ledger, False, now)
    return {
        person.key: (spec.sequence, spec.stamp or now or times_clock().astimezone())
        for (person, _), spec in zip(invitees, versioned, strict=True)
    }
