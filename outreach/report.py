"""``report.html``: one self-contained page summarising a campaign.

The peers found and why, the rotation as month calendars, the forum dates, every person's life
cycle (as ``outreach status`` shows it: what they were told, what came back, the next step and
when) and links to every file written. Built from plain data with an autoescaping Jinja
template, so every name from the export is shown as text (a ``<script>`` in a company name is
displayed, never run).
"""

from __future__ import annotations

import calendar as monthcal
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
from markupsafe import Markup, escape

from outreach.model import Person

if TYPE_CHECKING:
    from outreach.ledger import Ledger

TEMPLATE = Path(__file__).resolve().parent / "data" / "report.html.j2"


@dataclass(frozen=True)
class Slot:
    """One meeting on the calendar grid."""

    when: datetime
    label: str
    kind: str = "rotation"  # or "forum"


@dataclass(frozen=True)
class FileLink:
    """A file the campaign wrote. No written/unchanged status: the page must not change
    between two runs with the same inputs."""

    path: str  # relative to the report
    what: str


@dataclass
class ReportData:
    owner: str
    title: str
    function: str
    level: str
    peers: list[Person]
    slots: list[Slot]
    files: list[FileLink]
    notes: list[str] = field(default_factory=list)
    rotation_peers: list[str] = field(default_factory=list)
    forum_peers: list[str] = field(default_factory=list)
    messages: list[MessageRow] = field(default_factory=list)
    lives: list[LifeLine] = field(default_factory=list)


@dataclass(frozen=True)
class LifeLine:
    """One person's life cycle in words (``track.life_words``), as the status table has it."""

    who: str
    state: str
    told: str
    came_back: str
    next_step: str
    when: str
    give_take: str = ""


def life_lines(ledger: Ledger, today: date) -> list[LifeLine]:
    """Every person's life cycle from the ledger (``outreach.lifecycle``), in name order."""
    from outreach.lifecycle import lives
    from outreach.track import life_words

    return [LifeLine(**life_words(life)) for life in lives(ledger, today).values()]


@dataclass(frozen=True)
class MessageRow:
    """One person's message this run: who, which series, what goes out, and why."""

    who: str
    series: str
    what: str
    why: str


@dataclass(frozen=True)
class Day:
    day: int  # 0 = padding outside the month
    slots: tuple[Slot, ...] = ()


@dataclass(frozen=True)
class Month:
    name: str
    weeks: list[list[Day]]


def month_grids(slots: list[Slot], locale: str = "en") -> list[Month]:
    """Monday-first month calendars covering every slot, with each day's meetings."""
    if not slots:
        return []
    by_day: dict[date, list[Slot]] = {}
    for slot in sorted(slots, key=lambda s: s.when):
        by_day.setdefault(slot.when.date(), []).append(slot)
    first, last = min(by_day), max(by_day)
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        weeks = [[Day(d, tuple(by_day.get(date(year, month, d), ())) if d else ()) for d in week]
                 for week in monthcal.Calendar(firstweekday=0).monthdayscalendar(year, month)]
        months.append(Month(_month_title(year, month, locale), weeks))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _month_title(year: int, month: int, locale: str) -> str:
    """``January 2027``; ``enero de 2027`` (CLDR's month-and-year in the locale)."""
    if locale.startswith("en"):
        return f"{monthcal.month_name[month]} {year}"
    from babel.dates import format_skeleton

    return str(format_skeleton("yMMMM", date(year, month, 1), locale=locale))


_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROLS_BUT_NUL = re.compile("[\x01-\x08\x0b-\x1f\x7f-\x9f]")


def _text(value: object) -> object:
    """Every value printed: control characters (NUL, ESC...) are not text a page can show;
    spaces instead. (Markup is escaped by autoescape.)"""
    if isinstance(value, str) and not isinstance(value, Markup) and not value.isprintable():
        return _CONTROLS.sub(" ", value)
    return value


def render_report(data: ReportData, locale: str = "en") -> str:
    """report.html: its words from the ``report`` wording (``i18n.wording``), weekday and
    month names in ``locale``."""
    from outreach.i18n import wording

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE.parent)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_text,
    )
    template = env.get_template(TEMPLATE.name)
    return template.render(data=data, peer_rows=peer_rows(data, locale),
                           months=month_grids(data.slots, locale),
                           weekdays=_weekday_heads(locale),
                           say=lambda key, **values: wording(key, locale, **values),
                           say_html=lambda key, **values: _say_html(key, locale, **values),
                           bold=lambda text: Markup("<b>{}</b>").format(text))


_PEER_ROW = ("  <tr>\n    <td>{}</td>\n    <td>{}</td>\n    <td>{}</td>\n    <td>{}{}</td>\n"
             '    <td class="why">{}</td>\n  </tr>')
"""One row of report.html's peers table: name (a link when there is one), company, position,
the plan's tags, why they match."""
_LINKED = '<a href="{}" rel="noopener noreferrer">{}</a>'


def peer_rows(data: ReportData, locale: str = "en") -> Markup:
    """The peers table's rows (``_PEER_ROW``, one a line), each value shown as the template
    shows one (``_text``, then escaped) but a column at a time: ten thousand peers in a few
    passes rather than the template's loop. Only http(s) profile links are links."""
    from outreach.i18n import wording

    people = data.peers
    rotation, forum = set(data.rotation_peers), set(data.forum_peers)
    in_rotation = f'<span class="tag rotation">{_shown(wording("report.rotation", locale))}</span>'
    in_forum = '<span class="tag forum">forum</span>'
    full = [p.full_name for p in people]
    links = [p.url if p.url.startswith(("https://", "http://")) else "" for p in people]
    names, urls, firms, titles, reasons = (_shown_column(column) for column in (
        [name or "(no name)" for name in full], links, [p.company for p in people],
        [p.position for p in people], [p.reason for p in people]))
    return Markup("\n".join(_PEER_ROW.format(
        _LINKED.format(url, name) if url else name, firm, title,
        in_rotation if who in rotation else "", in_forum if who in forum else "", why)
        for name, url, firm, title, who, why in zip(names, urls, firms, titles, full, reasons,
                                                    strict=True)))


def _shown(value: object) -> str:
    """A value as the template prints it: ``_text`` (its ``finalize``), then escaped."""
    return str(escape(_text(value)))


def _shown_column(values: list[str]) -> list[str]:
    """``_shown`` of each text, escaped in one pass over the column when no value holds a
    control character (nearly always): joined by NUL, which escaping leaves as it is."""
    joined = "\0".join(values)
    if _CONTROLS_BUT_NUL.search(joined) or joined.count("\0") != max(len(values) - 1, 0):
        return [_shown(value) for value in values]
    return str(escape(joined)).split("\0") if values else []


def _say_html(key: str, locale: str, **values: object) -> Markup:
    """A wording (plain text) with values that may be markup (``bold``): the wording and
    every plain value escaped, so a title from the export stays text."""
    from outreach.i18n.words import entry

    return escape(str(entry(key, locale))).format(**values)


def _weekday_heads(locale: str) -> list[str]:
    """``Mon`` … ``Sun``; another language's abbreviated names (``lun`` … ``dom``)."""
    if locale.startswith("en"):
        return ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    from babel.dates import get_day_names

    names = get_day_names("abbreviated", locale=locale)
    return [str(names[day]) for day in range(7)]
