"""Jinja templates in a sandbox: recipients' data is rendered as text, never executed.

One environment serves every stage (e-mails, LinkedIn notes, .ics descriptions, cards) so
the variables are the same everywhere:

============================  ==========================================================
``first_name`` ``last_name``  the recipient's name (``full_name`` both, space-joined), as
                              people write it: ``MARÍA JOSÉ`` is María José, ``Dra. Pilar``
                              is Pilar (``outreach.names``)
``honorific``                 a title typed before the first name (``Dra.``), or empty
``email`` ``company``         as in the export (often empty: check with ``{% if email %}``)
``position`` ``url``          current title and profile URL
``connected_on``              date you connected (a ``date``, or empty)
``function`` ``level``        classified from the title (e.g. ``marketing``, ``vp``)
``score`` ``reason``          why this person is a peer (empty outside peer lists)
any other input column        slugified: ``Team Name`` → ``team_name``
``sender.*``                  ``name`` ``email`` ``title`` ``company`` ``first_name``
``meeting.*``                 ``start`` ``end`` ``date`` ``time`` (formatted strings),
                              ``start_at`` ``end_at`` (datetimes), ``duration``
                              (e.g. "45 minutes"), ``minutes``, ``location``, ``link``,
                              ``place`` (location, else link), ``tz``
``today``                     today's date
``invite_attached``           e-mails only: true when the meeting goes along as an invitation
``booking_link``              a scheduling page (``--booking-link``) the peer picks a time
                              on, instead of a proposed one; else empty
``met.*``                     cards only: ``on`` (the day you met, a ``date``, or empty),
                              ``card`` (the line written for the card: ``log met --card``,
                              or empty), ``note`` (your private ``log met --note``: the
                              built-in card never prints it), ``place`` (where: the
                              ledger's meeting, else ``--location``/config), ``series``
                              (``rotation``, ``coffee``, ``forum``, or empty)
============================  ==========================================================

Templates use ``StrictUndefined``: a misspelt variable is an error naming file:line, not an
empty string. A template file may begin with ``Header: value`` lines and a blank line
(``split_headers``).
"""

from __future__ import annotations

import functools
import re
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from outreach.errors import OutreachError
from outreach.model import Meeting, Person, Sender
from outreach.sandbox import MAX_OUTPUT, TemplateLimit, _Sandbox, start_budget
from outreach.sandbox import MAX_WORK as MAX_WORK  # the limits, re-exported
from outreach.substitution import Substitution as Substitution  # re-exported
from outreach.times import today as times_today

BUILTIN_DIR = Path(__file__).resolve().parent / "templates"


class UndefinedVariable(OutreachError):
    """A template used a name (or attribute) that the values do not have."""


class RecordingUndefined(jinja2.Undefined):
    """For a check pass: every use that ``StrictUndefined`` would refuse is noted in ``uses``
    as (template file, line, message) and the value behaves as empty, so one rendering
    finds every undefined name instead of stopping at the first. Make a subclass per
    template with ``recording_undefined()`` (``uses`` is per class)."""

    __slots__ = ()
    uses: ClassVar[list[tuple[str, int, str]]] = []

    def _note(self) -> None:
        frame = sys._getframe(1)
        while frame is not None:
            template = frame.f_globals.get("__jinja_template__")
            if template is not None:
                line = template.get_corresponding_lineno(frame.f_lineno)
                use = (template.filename or template.name or "<template>", line,
                       self._undefined_message)
                if use not in self.uses:
                    self.uses.append(use)
                return
            frame = frame.f_back  # type: ignore[assignment]

    def _fail_with_undefined_error(self, *args: Any, **kwargs: Any) -> Any:
        self._note()
        return self

    def __getattr__(self, name: str) -> Any:
        if name[:2] == "__" and name[-2:] == "__":
            raise AttributeError(name)
        self._note()
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = _fail_with_undefined_error
    __mul__ = __rmul__ = __div__ = __rdiv__ = _fail_with_undefined_error
    __truediv__ = __rtruediv__ = _fail_with_undefined_error
    __floordiv__ = __rfloordiv__ = _fail_with_undefined_error
    __mod__ = __rmod__ = __pos__ = __neg__ = _fail_with_undefined_error
    __call__ = __getitem__ = __pow__ = __rpow__ = _fail_with_undefined_error
    __lt__ = __le__ = __gt__ = __ge__ = _fail_with_undefined_error

    def __str__(self) -> str:
        self._note()
        return ""

    def __bool__(self) -> bool:
        self._note()
        return False

    def __len__(self) -> int:
        self._note()
        return 0

    def __iter__(self) -> Any:
        self._note()
        return iter(())

    def __int__(self) -> int:  # type: ignore[override]
        self._note()
        return 0

    def __float__(self) -> float:  # type: ignore[override]
        self._note()
        return 0.0

    def __eq__(self, other: Any) -> bool:
        self._note()
        return type(self) is type(other)

    def __ne__(self, other: Any) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return id(type(self))


def recording_undefined() -> type[RecordingUndefined]:
    """A ``RecordingUndefined`` class with its own (empty) ``uses`` list."""
    return type("Recording", (RecordingUndefined,), {"__slots__": (), "uses": []})


def environment(
    extra_dirs: list[Path] | None = None,
    finalize: Callable[[Any], Any] | None = None,
    undefined: type[jinja2.Undefined] = jinja2.StrictUndefined,
) -> SandboxedEnvironment:
    """A sandboxed, strict environment searching ``extra_dirs`` first, then the built-ins.

    ``finalize`` is applied to every ``{{ expression }}`` result (e.g. to escape values);
    ``undefined`` is only ever changed for a check pass (``RecordingUndefined``).
    """
    search = [str(d) for d in (extra_dirs or [])] + [str(BUILTIN_DIR)]
    env = _Sandbox(
        loader=jinja2.FileSystemLoader(search),
        undefined=undefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=finalize,
    )
    from outreach.i18n.filters import FILTERS  # date, time, duration, daypart in ``locale``
    from outreach.sandbox import _bounded  # counted like the built-in filters

    env.filters.update({name: _bounded(f) for name, f in FILTERS.items()})
    return env


def resolve(name_or_path: str | Path, locale: str = "en", user_dir: Path | None = None) -> str:
    """The file to read for a template: a path to a file as given; a built-in name
    (``invite.email.j2``) through ``i18n.template_path``: the user's templates folder (its
    ``<locale>/`` first), then the built-in one in ``locale``, then the built-in English."""
    path = Path(name_or_path)
    if path.is_file() or path.name != str(name_or_path):
        return str(name_or_path)
    from outreach.i18n import template_path
    from outreach.i18n.templates import BUILTIN_DIR as BUILTIN_FILES

    found = template_path(str(name_or_path), locale, user_dir)
    return str(name_or_path) if found == BUILTIN_FILES / path.name else str(found)


def load(
    name_or_path: str | Path,
    env: SandboxedEnvironment | None = None,
    finalize: Callable[[Any], Any] | None = None,
    undefined: type[jinja2.Undefined] = jinja2.StrictUndefined,
) -> jinja2.Template:
    """A built-in template by name (``invite.email.j2``) or any template file by path."""
    path = Path(name_or_path)
    if path.exists() and not path.is_dir():
        from outreach import fileio

        fileio.check_regular(path, "a template file")  # a device or FIFO: refused at once
    if path.is_file():
        env = environment([path.resolve().parent], finalize, undefined)
        name = path.name
    else:
        env = env or environment(finalize=finalize, undefined=undefined)
        name = str(name_or_path)
    try:
        return env.get_template(name)
    except jinja2.TemplateNotFound:
        raise OutreachError(
            f"{name_or_path}: template not found (not a file, nor a built-in in {BUILTIN_DIR})"
        ) from None
    except jinja2.TemplateSyntaxError as exc:
        raise OutreachError(
            f"{exc.filename or name}:{exc.lineno}: template syntax error: {exc.message}"
        ) from None


def render(template: jinja2.Template, variables: dict[str, Any],
           output: list[str] | None = None, *, who: str = "") -> str:
    """Render; every failure is an ``OutreachError`` with file:line (undefined variables:
    ``UndefinedVariable``): sandbox refusals, limits (``TemplateLimit``) and runtime errors
    such as ``{{ 1/0 }}`` alike. ``output``, if given, keeps what was rendered before a
    failure; ``who`` (the recipient) ends the message: "— for Jane Doe (Acme)"."""
    if who:
        try:
            return render(template, variables, output)
        except OutreachError as exc:
            raise type(exc)(f"{exc} — for {who}") from None
    pieces = [] if output is None else output
    start_budget()
    size = 0
    try:
        for piece in template.generate(variables):
            size += len(piece)
            if size > MAX_OUTPUT:
                raise TemplateLimit(f"output over {MAX_OUTPUT:,} characters")
            pieces.append(piece)
    except jinja2.UndefinedError as exc:
        raise UndefinedVariable(f"{where(template, exc)}: {exc.message}") from None
    except jinja2.exceptions.SecurityError as exc:
        message = f"{where(template, exc)}: refused by the template sandbox: {exc}"
        raise OutreachError(message) from None
    except TemplateLimit as exc:
        raise TemplateLimit(f"{where(template, exc)}: template over its limits: {exc}") from None
    except jinja2.TemplateError as exc:
        raise OutreachError(f"{where(template, exc)}: template error: {exc}") from None
    except (ArithmeticError, TypeError, ValueError, LookupError, AttributeError,
            RecursionError, MemoryError, UnicodeError) as exc:
        detail = str(exc) or type(exc).__name__
        raise OutreachError(f"{where(template, exc)}: template error: "
                            f"{type(exc).__name__}: {detail}") from None
    return "".join(pieces)


def where(template: jinja2.Template, exc: BaseException) -> str:
    """``file:line`` of the template frame that raised ``exc``."""
    filename = template.filename or template.name or "<template>"
    line = getattr(exc, "lineno", None)
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == template.filename:
            line = frame.lineno
    return f"{filename}:{line}" if line else filename


@dataclass(frozen=True)
class MeetingVars:
    """``meeting.*`` in templates: formatted strings plus the datetimes themselves."""

    start: str
    end: str
    date: str
    time: str
    start_at: Any
    end_at: Any
    duration: str
    minutes: int
    location: str
    link: str
    place: str
    tz: str
    part_of_day: str = ""


def part_of_day(start: Any) -> str:
    """How the body may speak of the time: never "early, before the day fills up" at 17:30."""
    hour = start.hour + start.minute / 60
    if hour < 10:
        return "early, before the day fills up"
    if hour < 11.5:
        return "in the morning"
    if hour < 14:
        return "around lunchtime"
    if hour < 17:
        return "in the afternoon"
    if hour < 19:
        return "at the end of the working day"
    return "in the evening"


def meeting_vars(meeting: Meeting) -> MeetingVars:
    start, end = meeting.start, meeting.end
    minutes = int(meeting.duration.total_seconds() // 60)
    return MeetingVars(
        start=f"{start:%A} {start.day} {start:%B %Y}, {start:%H:%M} {start.tzname()}",
        end=f"{end:%H:%M} {end.tzname()}",
        date=f"{start:%A} {start.day} {start:%B}",
        time=f"{start:%H:%M}",
        start_at=start,
        end_at=end,
        duration=_minutes_text(minutes),
        minutes=minutes,
        location=meeting.location,
        link=meeting.link,
        place=meeting.place,
        tz=meeting.tzid,
        part_of_day=part_of_day(start),
    )


@dataclass(frozen=True)
class MetVars:
    """``met.*`` in card templates: the meeting being thanked for (empty when unknown).
    ``note`` is the user's own text but still data: it is rendered, never evaluated."""

    on: date | str = ""
    note: str = ""
    place: str = ""
    series: str = ""
    card: str = ""
    days_ago: int = 0  # from the meeting to the day the card is printed
    late: bool = False  # printed more than ``cards.thanks.LATE_AFTER`` after the meeting
    got: str = ""  # the latest ``log got --note`` since the last card: help to thank for
    gave: str = ""  # the latest ``log gave --note`` since the last card


_Getter = Callable[[Person, Any, Sender, date, str], Any]
_RECIPIENT_VALUES: dict[str, _Getter] = {  # (person, written name, sender, today, locale)
    "first_name": lambda p, n, s, t, lc: n.first_name,
    "last_name": lambda p, n, s, t, lc: n.last_name,
    "full_name": lambda p, n, s, t, lc: n.full_name,
    "honorific": lambda p, n, s, t, lc: n.honorific,
    "email": lambda p, n, s, t, lc: p.email,
    "company": lambda p, n, s, t, lc: p.company,
    "position": lambda p, n, s, t, lc: p.position,
    "url": lambda p, n, s, t, lc: p.url,
    "connected_on": lambda p, n, s, t, lc: p.connected_on or "",
    "function": lambda p, n, s, t, lc: p.function,
    "level": lambda p, n, s, t, lc: p.level,
    "score": lambda p, n, s, t, lc: p.score,
    "reason": lambda p, n, s, t, lc: p.reason,
    "sender": lambda p, n, s, t, lc: _sender_copy(s),  # a copy each: one template cannot
    "today": lambda p, n, s, t, lc: t,                  # change it
    "booking_link": lambda p, n, s, t, lc: "",
    "locale": lambda p, n, s, t, lc: lc,
}
RECIPIENT_NAMES = frozenset(_RECIPIENT_VALUES)
"""The names ``variables`` gives whatever the person's own columns (they cannot hide one)."""


def variables(
    person: Person,
    sender: Sender,
    meeting: Meeting | None = None,
    today: date | None = None,
    met: MetVars | None = None,
    locale: str = "en",
    *,
    only: frozenset[str] | None = None,
) -> dict[str, Any]:
    """Everything a template can use for one recipient (see the module docstring), with
    ``locale`` (set after the person's own columns) and ``meeting.*`` written in it.

    ``only`` (a subset of ``RECIPIENT_NAMES``): just those values, the same as the whole
    set has them, for a template known to use no other name (``Substitution.names``)."""
    name = person.written
    day = today or times_today()
    if only is not None:
        return {key: _RECIPIENT_VALUES[key](person, name, sender, day, locale) for key in only}
    values: dict[str, Any] = {key: get(person, name, sender, day, locale)
                              for key, get in _RECIPIENT_VALUES.items()}
    if person.extra:  # the person's own columns, under the names above
        values = {**person.extra, **values}
    if meeting is not None:
        values["meeting"] = meeting_vars(meeting)
        if not locale.startswith("en"):
            from outreach.i18n import localized_meeting

            values["meeting"] = localized_meeting(values["meeting"], locale)
    if met is not None:
        values["met"] = met
    return values


def _sender_copy(sender: Sender) -> dict[str, Any]:
    return dict(_sender_values(sender))


@functools.lru_cache(maxsize=8)
def _sender_values(sender: Sender) -> dict[str, Any]:
    """``sender.*``: the same for every recipient of a batch, worked out once."""
    return {**vars(sender), "first_name": sender.first_name}


def split_headers(text: str) -> tuple[dict[str, str], str]:
    """``Subject: Hi\\n\\nBody`` → ({"Subject": "Hi"}, "Body"). No header block → ({}, text)."""
    head, sep, body = text.partition("\n\n")
    lines = head.splitlines()
    if not sep or not lines or not all(_is_header(line) for line in lines):
        return {}, text
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip()] = value.strip()
    return headers, body


def _is_header(line: str) -> bool:
    name, colon, _ = line.partition(":")
    return bool(colon) and _HEADER_NAME.fullmatch(name) is not None


_HEADER_NAME = re.compile(r"(?:[^\W_]|-)+")  # letters, digits (``str.isalnum``) and "-"


def _minutes_text(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    if hours:
        return f"{hours} hour{'s' if hours > 1 else ''}"
    return f"{minutes} minutes"
