"""Presenting tables of people: CSV/JSON for tools, rich tables for people.

The CSV keeps LinkedIn's own column names so the file opens like the export it came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from outreach.ingest import frame_to_csv, frame_to_json
from outreach.plan import span_text
from outreach.terminal import visible
from outreach.track import describe
from outreach.wording import plural

if TYPE_CHECKING:
    import pandas as pd
    from rich.table import Table
    from rich.text import Text

    from outreach.mail.outbox import PlannedMessage
    from outreach.plan import Rotation
    from outreach.track import StatusReport

def text(value: object, style: str = "") -> Text:
    """A cell or title from data: shown as written (never rich markup), controls spelled out."""
    from rich.text import Text

    return Text(visible("" if value is None else value), style=style)


def render(frame: pd.DataFrame, fmt: str, title: str = "") -> Any:
    """The text (csv/json) or a rich renderable (table) for ``frame``."""
    if fmt == "csv":
        return frame_to_csv(frame)
    if fmt == "json":
        return frame_to_json(frame)
    if "score" in frame.columns:
        return peers_table(frame, title)
    return connections_table(frame, title)


def connections_table(frame: pd.DataFrame, title: str = "") -> Table:
    table = _table(title, ["Name", "Company", "Position", "Function", "Level", "Connected"])
    for row in _rows(frame):
        connected = row["connected_on"]
        table.add_row(*(text(v) for v in (
            _name(row), row["company"], row["position"], row["function"], row["level"],
            connected.isoformat() if connected else "")))
    return table


def peers_table(frame: pd.DataFrame, title: str = "") -> Table:
    """Peers grouped by company (companies ordered by their best peer), best first in each.

    Function and level get a column only where they vary (``--levels vp,cxo``): otherwise the
    title already says them, and a narrow table keeps names and companies on one line.
    """
    varying = [c for c in ("function", "level") if frame[c].nunique() > 1]
    table = _table(title, ["Company", "Name", "Position", *[c.title() for c in varying],
                           "Score", "E-mail"])
    best = frame.groupby("company", sort=False)["score"].transform("max")
    ordered = frame.assign(_best=best).sort_values(["_best", "company", "score"],
                                                   ascending=[False, True, False], kind="stable")
    previous = None
    for row in _rows(ordered):
        company = row["company"] if row["company"] != previous else ""
        if previous is not None and company:
            table.add_section()
        previous = row["company"]
        table.add_row(*(text(v) for v in (
            company, _name(row), row["position"], *[row[c] for c in varying],
            f"{row['score']:.2f}", "yes" if row["email"] else "")))
    return table


def _table(title: str, headers: Sequence[str]) -> Table:
    from rich.table import Table

    table = Table(title=text(title) if title else None, title_justify="left", show_lines=False,
                  expand=False)
    for header in headers:
        table.add_column(text(header), overflow="fold")
    return table


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in record.items()} for record in frame.to_dict("records")]


def _name(row: dict[str, Any]) -> str:
    return " ".join(p for p in (row["first_name"], row["last_name"]) if p) or "(no name)"


# ---------------------------------------------------------------- other stages' tables


def plan_table(plan: list[PlannedMessage]) -> Any:
    """The dry run as a rich table (cells as ``Text``, so a subject is never markup)."""
    from rich.table import Table

    table = Table(title=plural(len(plan), "message"), title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("To", overflow="fold")
    table.add_column("Subject", overflow="fold")
    table.add_column("Ledger", no_wrap=True)
    for number, planned in enumerate(plan, start=1):
        recipients = planned.pending or planned.item.recipients
        style = "green" if planned.pending else "dim"
        table.add_row(
            str(number),
            text(", ".join(recipients)),
            text(planned.item.subject),
            text(planned.status, style=style),
        )
    return table


def schedule_table(rotation: Rotation) -> Any:
    """The rotation as a rich table: #, date, weekday, time, peer, company (skips marked)."""
    from rich.table import Table

    table = Table(title=f"Rotation: {plural(len(rotation.series), 'peer')}, every "
                  f"{span_text(rotation.every)}, {rotation.start:%d %b %Y} to "
                  f"{rotation.end:%d %b %Y}")
    for column in ("#", "Date", "Weekday", "Time", "Peer", "Company"):
        table.add_column(column, justify="right" if column == "#" else "left")
    number = 0
    for slot in rotation.slots:
        if slot.skipped:
            table.add_row("", f"{slot.start:%Y-%m-%d}", slot.weekday, "", "(skipped)", "",
                          style="dim")
            continue
        number += 1
        table.add_row(str(number), f"{slot.start:%Y-%m-%d}", slot.weekday,
                      f"{slot.start:%H:%M %Z}", text(slot.peer.full_name),  # names are data,
                      text(slot.peer.company))                               # not rich markup
    return table


def report_tables(report: StatusReport) -> list[Any]:
    """One rich renderable per section: a table, or a one-line empty-state message."""
    from rich.table import Table

    def section(title: str, columns: tuple[str, ...], rows: list[tuple[str, ...]],
                empty: str) -> Any:
        if not rows:
            return text(f"{title}: {empty}")
        table = Table(title=text(f"{title} ({len(rows)})"), title_justify="left")
        for column in columns:
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*(text(cell) for cell in row))
        return table

    today = report.today
    return [
        section("Due this week", ("When", "Who", "Series", "Met"), [
            (start.strftime("%a %d %b %H:%M"), describe(p), series, "yes" if met else "")
            for start, p, series, met in report.due
        ], "no rotation or forum meetings this week."),
        section("Met, not yet thanked", ("Who", "Met on"), [
            (describe(p), on.isoformat()) for p, on in report.unthanked
        ], "everyone you met has been thanked."),
        section(f"No reply after {report.no_reply_after}", ("Who", "Invited", "Days", "Subject"), [
            (describe(p), on.isoformat(), str((today - on).days), note)
            for p, on, note in report.unanswered
        ], "no invitation is waiting for a reply."),
        section("One-way relationships", ("Who", "You gave", "You got", "Sign"), [
            (describe(p), str(gave), str(got), "only you give" if gave else "only you take")
            for p, gave, got in report.one_way
        ], "every exchange goes both ways (or none is logged yet)."),
        section(f"Not met for over {report.expire_after}: let go?", ("Who", "Last met"), [
            (describe(p), on.isoformat()) for p, on in report.expired
        ], "no relationship has gone quiet."),
        *([life_cycle_table(report)] if report.lives else []),
    ]


def life_cycle_table(report: StatusReport) -> Any:
    """Every person's life cycle (``outreach.lifecycle``): where they stand, what they were
    told, what came back, and the next step with its day."""
    from rich.table import Table

    from outreach.track import life_words

    table = Table(title=text(f"Life cycle ({len(report.lives)})"), title_justify="left")
    for column in ("Who", "State", "Told", "Came back", "Next step", "When"):
        table.add_column(column, overflow="fold")
    for life in report.lives.values():
        words = life_words(life)
        table.add_row(*(text(words[k]) for k in ("who", "state", "told", "came_back",
                                                   "next_step", "when")))
    return table


def outputs_table(outputs: Sequence[Any], out_dir: Any) -> Any:
    """What ``campaign`` wrote: file, what it is (names in it are data), written/unchanged."""
    from rich.table import Table

    table = Table(title=text(f"Written under {out_dir}/"), title_justify="left")
    for column in ("File", "What", "This run"):
        table.add_column(column, overflow="fold")
    for output in outputs:
        table.add_row(text(output.path.relative_to(out_dir)), text(output.what),
                      "written" if output.changed else "unchanged")
    return table
