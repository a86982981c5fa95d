"""Invitation e-mails (and LinkedIn notes) from Jinja templates, reviewed before anything leaves.

A template file is ``Subject: ...`` (plus optional ``Reply-To``/``Cc``/``X-...``) lines, a
blank line, then a Markdown body. Each recipient's message is rendered twice from the same
template: once with raw values for the headers and the text/plain part (the Markdown source
reads well as text), once with every value backslash-escaped for Markdown before markdown-it
turns the body into HTML (with raw HTML off). So a value is inert in both parts: ``<script>``
prints literally in text and escaped in HTML, ``[x](http://evil)`` in a company name stays
text, and Jinja syntax inside a value is never evaluated. Every value is one line (control
characters become spaces), so no value can add a header.

``render_messages`` renders everything in memory and collects *all* problems (undefined
variables with file:line and the recipients affected, empty values in the subject or greeting,
invalid or duplicate addresses, LinkedIn notes over the limit); ``write_batch`` refuses a batch
with problems, else writes one ``.eml`` per recipient, ``linkedin.csv`` and an optional mbox,
each atomically. Message-IDs are derived from sender, recipient, template and meeting, so a
rerun produces the same IDs and ``outreach send`` can deliver exactly once.
"""

from __future__ import annotations

import hashlib
import html
import mailbox
import os
import string
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from email.utils import format_datetime, parsedate_to_datetime
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markdown_it import MarkdownIt

from outreach import fileio, mime, tables, templating
from outreach.errors import OutreachError
from outreach.meeting import Meeting
from outreach.models import Person, Sender

DEFAULT_TEMPLATE = "invite.email.j2"
LINKEDIN_TEMPLATE = "invite.linkedin.j2"
LINKEDIN_LIMIT = 300
LINKEDIN_CSV = "linkedin.csv"
ALLOWED_HEADERS = ("Subject", "Reply-To", "Cc")
_MARKDOWN_ESCAPES = str.maketrans({c: "\\" + c for c in string.punctuation})
_PARALLEL_FROM = 400
_NO_SENDER = (
    "no sender address: pass --from 'Name <you@example.com>' or set [sender] email in "
    "outreach.toml"
)
_CHUNK = 250


# ---------------------------------------------------------------- templates


class _Values:
    """Jinja ``finalize`` hook: every ``{{ value }}`` passes here before it is output.

    It makes the value one safe line for its destination and notes the template line of each
    value that printed empty (to catch "Hi ," greetings).
    """

    def __init__(self, escape: Callable[[str], str]) -> None:
        self.escape = escape
        self.empty_lines: list[tuple[str, int]] = []

    def __call__(self, value: Any) -> str:
        if value is None or value == "":
            self._note_empty()
            return ""
        return self.escape(mime.header_text(value))

    def _note_empty(self) -> None:
        frame = sys._getframe(2)
        while frame is not None:
            template = frame.f_globals.get("__jinja_template__")
            if template is not None:
                line = template.get_corresponding_lineno(frame.f_lineno)
                self.empty_lines.append((template.filename or template.name, line))
                return
            frame = frame.f_back  # type: ignore[assignment]


def markdown_escape(text: str) -> str:
    """Backslash-escape every ASCII punctuation mark: CommonMark then prints it literally."""
    return text.translate(_MARKDOWN_ESCAPES)


@dataclass(frozen=True)
class EmailTemplate:
    """One e-mail template compiled twice (plain values, Markdown-escaped values)."""

    source: str
    filename: str
    plain: jinja2.Template
    html: jinja2.Template
    plain_values: _Values
    html_values: _Values
    greeting_lines: Mapping[int, str]


def load_email_template(name_or_path: str | Path) -> EmailTemplate:
    """Load a built-in (``invite.email.j2``) or a template file; check its header block."""
    plain_values, html_values = _Values(str), _Values(markdown_escape)
    plain = templating.load(name_or_path, finalize=plain_values)
    html = templating.load(name_or_path, finalize=html_values)
    filename = plain.filename or str(name_or_path)
    text = Path(filename).read_text(encoding="utf-8")
    return EmailTemplate(
        source=str(name_or_path),
        filename=filename,
        plain=plain,
        html=html,
        plain_values=plain_values,
        html_values=html_values,
        greeting_lines=_greeting_lines(filename, text),
    )


def _greeting_lines(filename: str, text: str) -> dict[int, str]:
    """Template line numbers of the header lines and the first body line (the greeting)."""
    lines = text.splitlines()
    if not lines or not lines[0].lower().startswith("subject:"):
        raise OutreachError(
            f"{filename}:1: an e-mail template starts with a 'Subject: ...' line, "
            "then a blank line, then the body"
        )
    result: dict[int, str] = {}
    number = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            break
        name = line.partition(":")[0].strip()
        if not any(name.lower() == h.lower() for h in ALLOWED_HEADERS) and not name.startswith(
            ("X-", "x-")
        ):
            allowed = ", ".join(ALLOWED_HEADERS)
            raise OutreachError(
                f"{filename}:{number}: header {name!r} cannot be set by a template "
                f"(allowed: {allowed}, X-...)"
            )
        result[number] = "subject" if name.lower() == "subject" else name
    for later, line in enumerate(lines[number:], start=number + 1):
        stripped = line.strip()
        if stripped and not (stripped.startswith(("{%", "{#")) and stripped.endswith(("%}", "#}"))):
            result[later] = "greeting"
            break
    return result


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class RenderOptions:
    """How to render a batch; everything here is picklable (workers get a copy)."""

    template: str = DEFAULT_TEMPLATE
    linkedin_template: str = LINKEDIN_TEMPLATE
    linkedin_limit: int = LINKEDIN_LIMIT
    invite: bool = False
    series: str = "coffee"
    message_id_seed: str = ""
    sent_date: datetime | None = None
    today: date | None = None
    invite_versions: Mapping[str, tuple[int, datetime]] = field(default_factory=dict)
    workers: int = 0


@dataclass(frozen=True)
class Message:
    """One rendered e-mail. ``data`` is the whole RFC 5322 message, CRLF line endings."""

    index: int
    person: Person
    address: str
    subject: str
    message_id: str
    data: bytes
    filename: str = ""


@dataclass(frozen=True)
class LinkedInNote:
    index: int
    person: Person
    text: str


@dataclass(frozen=True)
class Skipped:
    index: int
    person: Person
    reason: str


@dataclass
class Batch:
    """Everything rendered, plus every problem found (``write_batch`` refuses if any)."""

    messages: list[Message] = field(default_factory=list)
    notes: list[LinkedInNote] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Problem:
    text: str
    index: int
    who: str


@dataclass
class _Chunk:
    messages: list[Message] = field(default_factory=list)
    notes: list[LinkedInNote] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    problems: list[_Problem] = field(default_factory=list)


def describe(index: int, person: Person) -> str:
    """``#3 Jane Doe <jane@example.com>``: how problems and summaries name a recipient."""
    name = mime.header_text(person.full_name) or "(no name)"
    email = mime.header_text(person.email)
    return f"#{index + 1} {name}" + (f" <{email}>" if email else "")


# ---------------------------------------------------------------- rendering


class _Renderer:
    """Renders recipients one by one; one per process."""

    def __init__(self, sender: Sender, meeting: Meeting | None, options: RenderOptions) -> None:
        self.sender = sender
        self.meeting = meeting
        self.options = options
        self.template = load_email_template(options.template)
        self._linkedin: EmailTemplate | None = None
        self.sender_address = mime.normalise_address(sender.email) or ""
        self.domain = self.sender_address.rpartition("@")[2] or "outreach.invalid"
        when = options.sent_date or datetime.now().astimezone()
        self.date = format_datetime(when if when.tzinfo else when.astimezone())
        self.stamp = when
        self.template_id = Path(self.template.filename).name

    @property
    def linkedin(self) -> jinja2.Template:
        if self._linkedin is None:
            values = _Values(str)
            template = templating.load(self.options.linkedin_template, finalize=values)
            filename = template.filename or self.options.linkedin_template
            text = Path(filename).read_text(encoding="utf-8")
            self._linkedin = EmailTemplate(
                source=self.options.linkedin_template, filename=filename, plain=template,
                html=template, plain_values=values, html_values=values,
                greeting_lines=_first_text_line(text),
            )
        return self._linkedin.plain

    def render(self, people: Sequence[tuple[int, Person]]) -> _Chunk:
        chunk = _Chunk()
        for index, person in people:
            self._render_one(index, person, chunk)
        return chunk

    def _render_one(self, index: int, person: Person, chunk: _Chunk) -> None:
        who = describe(index, person)
        values = templating.variables(person, self.sender, self.meeting, self.options.today)
        if person.email.strip():
            address = mime.normalise_address(person.email)
            if address is None:
                problem = f"invalid e-mail address {mime.header_text(person.email)!r}"
                chunk.problems.append(_Problem(problem, index, who))
                return
            message = self._email(index, person, address, values, who, chunk.problems)
            if message is not None:
                chunk.messages.append(message)
        elif person.url.strip():
            note = self._note(index, person, values, who, chunk.problems)
            if note is not None:
                chunk.notes.append(note)
        else:
            chunk.skipped.append(Skipped(index, person, "no e-mail address and no profile URL"))

    def _email(
        self, index: int, person: Person, address: str, values: dict[str, Any], who: str,
        problems: list[_Problem],
    ) -> Message | None:
        template = self.template
        plain = _render_checked(template, template.plain, template.plain_values, values)
        if isinstance(plain, list):
            problems.extend(_Problem(text, index, who) for text in plain)
            return None
        headers, text = templating.split_headers(plain)
        html_source = templating.split_headers(templating.render(template.html, values))[1]
        template.html_values.empty_lines.clear()
        subject = headers.pop("Subject", "")
        message_id = self.message_id(person)
        content = mime.Content(
            subject=subject,
            text=text,
            html=_html_document(html_source, subject),
            extra_headers=tuple(headers.items()),
        )
        envelope = mime.Envelope(
            sender_name=self.sender.name, sender_email=self.sender_address,
            to_name=person.full_name, to_email=address, date=self.date, message_id=message_id,
        )
        invite = self._invite(person) if self.options.invite and self.meeting else None
        data = mime.build(content, envelope, invite)
        return Message(index, person, address, mime.header_text(subject), message_id, data)

    def _note(
        self, index: int, person: Person, values: dict[str, Any], who: str,
        problems: list[_Problem],
    ) -> LinkedInNote | None:
        template = self.linkedin
        assert self._linkedin is not None
        text = _render_checked(self._linkedin, template, self._linkedin.plain_values, values)
        if isinstance(text, list):
            problems.extend(_Problem(t, index, who) for t in text)
            return None
        text = text.strip()
        if len(text) > self.options.linkedin_limit:
            problems.append(_Problem(
                f"LinkedIn note is {len(text)} characters, over the limit of "
                f"{self.options.linkedin_limit} (--linkedin-limit; shorten "
                f"{Path(self._linkedin.filename).name})", index, who,
            ))
            return None
        return LinkedInNote(index, person, text)

    def message_id(self, person: Person) -> str:
        """Stable across reruns: the same sender, recipient, template and meeting → same ID."""
        start = self.meeting.start.isoformat() if self.meeting else ""
        key = "\0".join(
            (self.options.message_id_seed, self.sender_address.lower(), person.key,
             self.template_id, start)
        )
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
        return f"<outreach.{digest}@{self.domain}>"

    def _invite(self, person: Person) -> mime.Invite:
        """The same invite ``outreach invite`` writes (one implementation: outreach.calendar)."""
        from outreach import calendar

        assert self.meeting is not None
        sequence, stamp = self.options.invite_versions.get(person.key, (0, self.stamp))
        ics = calendar.invite_ics(
            person, self.sender, self.meeting, series=self.options.series,
            sequence=sequence, stamp=stamp, method="REQUEST",
        )
        return mime.Invite(ics=ics if isinstance(ics, bytes) else ics.encode("utf-8"))


def _first_text_line(text: str) -> dict[int, str]:
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not (stripped.startswith(("{%", "{#")) and stripped.endswith(("%}", "#}"))):
            return {number: "greeting"}
    return {}


def _render_checked(
    template: EmailTemplate, compiled: jinja2.Template, values_hook: _Values,
    values: dict[str, Any],
) -> str | list[str]:
    """The rendered text, or the problems (a template error; empty subject/greeting values)."""
    values_hook.empty_lines.clear()
    try:
        text = templating.render(compiled, values)
    except OutreachError as exc:
        message = str(exc)
        if "'meeting' is undefined" in message:
            message += " (pass --start to set the meeting)"
        return [message]
    problems = []
    lines = template.greeting_lines
    for filename, line in dict.fromkeys(values_hook.empty_lines):
        if filename == template.filename and line in lines:
            source = _source_line(template.filename, line)
            problems.append(f"{filename}:{line}: the {lines[line]} {source!r} has an empty value")
    values_hook.empty_lines.clear()
    return problems or text


@cache
def _source_lines(filename: str) -> list[str]:
    return Path(filename).read_text(encoding="utf-8").splitlines()


def _source_line(filename: str, line: int) -> str:
    lines = _source_lines(filename)
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


@cache
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False})


def _html_document(markdown_source: str, title: str) -> str:
    body = _markdown().render(markdown_source)
    escaped_title = html.escape(mime.header_text(title), quote=False)
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{escaped_title}</title></head>\n<body>\n{body}</body></html>\n"
    )


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
    renderer = _Renderer(sender, meeting, options)
    chunks = _render_all(renderer, numbered, sender, meeting, options, progress)
    batch = _assemble(chunks)
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
    workers = options.workers or min(2, len(os.sched_getaffinity(0)))
    chunks: list[_Chunk] = []
    if workers > 1 and len(numbered) >= _PARALLEL_FROM:
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


def _assemble(chunks: list[_Chunk]) -> Batch:
    batch = Batch()
    problems: list[_Problem] = []
    for chunk in chunks:
        batch.messages += chunk.messages
        batch.notes += chunk.notes
        batch.skipped += chunk.skipped
        problems += chunk.problems
    problems += _duplicates(batch)
    batch.problems = _group(problems)
    batch.messages = _with_filenames(batch.messages)
    return batch


def _duplicates(batch: Batch) -> list[_Problem]:
    """Two rows for one address (or one person) would send twice: a problem, not a guess."""
    problems = []
    by_address: dict[str, list[Message]] = {}
    for message in batch.messages:
        by_address.setdefault(message.address.lower(), []).append(message)
    reported: set[int] = set()
    for address, group in by_address.items():
        if len(group) > 1:
            for message in group:
                reported.add(message.index)
                problems.append(_Problem(f"duplicate recipient {address}", message.index,
                                         describe(message.index, message.person)))
    by_key: dict[str, list[tuple[int, Person]]] = {}
    for index, person in [(m.index, m.person) for m in batch.messages] + [
        (n.index, n.person) for n in batch.notes
    ]:
        by_key.setdefault(person.key, []).append((index, person))
    for key, people in by_key.items():
        if len(people) > 1 and not all(index in reported for index, _ in people):
            for index, person in people:
                problems.append(_Problem(f"duplicate person {key}", index,
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
    """``<slug>.eml``; names shared by several people all get a suffix from the person key,
    so a file's name does not depend on the order of the input."""
    counts: dict[str, int] = {}
    for message in messages:
        counts[message.person.slug] = counts.get(message.person.slug, 0) + 1
    named = []
    for message in messages:
        slug = message.person.slug
        if counts[slug] > 1:
            digest = hashlib.sha256(message.person.key.encode("utf-8")).hexdigest()[:6]
            slug = f"{slug}-{digest}"
        named.append(replace(message, filename=f"{slug}.eml"))
    return named


def invite_versions(
    people: Iterable[Person],
    sender: Sender,
    meeting: Meeting,
    ledger_path: Path | None = None,
    *,
    series: str = "coffee",
    now: datetime | None = None,
) -> dict[str, tuple[int, datetime]]:
    """SEQUENCE and DTSTAMP per person key from the ledger, as ``outreach invite`` uses them:
    an unchanged invite keeps its bytes, a changed one (time, place) gets SEQUENCE + 1."""
    from outreach import calendar
    from outreach.ledger import Ledger

    versions = {}
    with Ledger.open(ledger_path) as ledger:
        for person in people:
            if mime.normalise_address(person.email) is None:
                continue
            spec = calendar.invite_spec(person, sender, meeting, series=series)
            versions[person.key] = ledger.invite_version(spec.uid, spec.fingerprint(), now=now)
    return versions


# ---------------------------------------------------------------- writing


@dataclass
class Summary:
    """What ``write_batch`` did, for the CLI's closing lines."""

    out_dir: Path
    written: int = 0
    unchanged: int = 0
    notes: int = 0
    linkedin_csv: Path | None = None
    mbox: Path | None = None
    skipped: list[str] = field(default_factory=list)
    stale: list[Path] = field(default_factory=list)


def write_batch(
    batch: Batch,
    out_dir: Path,
    mbox: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> Summary:
    """Write ``<slug>.eml`` files, ``linkedin.csv`` and the optional mbox, each atomically.

    A batch with problems is refused: nothing is written. Files whose bytes did not change
    are left alone, so a rerun touches nothing.
    """
    if batch.problems:
        raise OutreachError(
            f"{len(batch.problems)} problem(s) in the batch; nothing written "
            "(run with --check to list them)"
        )
    summary = Summary(out_dir=Path(out_dir))
    for message in batch.messages:
        if fileio.write_if_changed(summary.out_dir / message.filename, message.data):
            summary.written += 1
        else:
            summary.unchanged += 1
        if progress:
            progress(1)
    if batch.notes:
        summary.linkedin_csv = summary.out_dir / LINKEDIN_CSV
        fileio.write_if_changed(summary.linkedin_csv, linkedin_csv(batch.notes).encode("utf-8"))
        summary.notes = len(batch.notes)
    if mbox is not None:
        write_mbox(batch.messages, Path(mbox))
        summary.mbox = Path(mbox)
    summary.skipped = [f"{describe(s.index, s.person)}: {s.reason}" for s in batch.skipped]
    summary.stale = _stale_files(summary.out_dir, batch.messages)
    return summary


def linkedin_csv(notes: Iterable[LinkedInNote]) -> str:
    """``First Name,Last Name,URL,Message`` with spreadsheet formulas neutralised."""
    rows = [(n.person.first_name, n.person.last_name, n.person.url, n.text) for n in notes]
    return tables.to_csv(["First Name", "Last Name", "URL", "Message"], rows)


def write_mbox(messages: Iterable[Message], path: Path) -> None:
    """All messages in one mbox (as ``mailbox.mbox`` reads it), built aside then renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        box = mailbox.mbox(tmp, create=True)
        box.lock()
        try:
            for message in messages:
                box.add(_mbox_bytes(message))
            box.flush()
        finally:
            box.unlock()
            box.close()
        with tmp.open("rb") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _mbox_bytes(message: Message) -> bytes:
    """LF line endings (mailbox adds the platform's) and a ``From `` line from the Date."""
    try:
        when = parsedate_to_datetime(_header(message.data, b"Date").decode("ascii"))
        stamp = when.strftime("%a %b %d %H:%M:%S %Y")
    except (TypeError, ValueError):
        stamp = "Thu Jan  1 00:00:00 1970"
    from_line = f"From MAILER-DAEMON {stamp}\n".encode("ascii")
    return from_line + message.data.replace(b"\r\n", b"\n")


def _header(data: bytes, name: bytes) -> bytes:
    for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        if line.lower().startswith(name.lower() + b":"):
            return line.partition(b":")[2].strip()
    return b""


def _stale_files(out_dir: Path, messages: list[Message]) -> list[Path]:
    """``.eml`` files in the folder that this batch did not write (``send`` would send them)."""
    current = {m.filename for m in messages}
    return sorted(p for p in out_dir.glob("*.eml") if p.name not in current)
