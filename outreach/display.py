"""Presenting tables of people: CSV/JSON for tools, rich tables for people.

The CSV keeps LinkedIn's own column names so the file opens like the export it came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from outreach import tables
from outreach.ingest import COLUMNS, LINKEDIN_HEADER

if TYPE_CHECKING:
    import pandas as pd
    from rich.table import Table

_CLASSIFIED = ["function", "level"]
_PEER = ["score", "reason"]


def export_columns(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    """(frame columns, header names) in output order: LinkedIn's, classification, peer, extras."""
    ordered = COLUMNS + _CLASSIFIED + [c for c in _PEER if c in frame.columns]
    extras = [c for c in frame.columns if c not in ordered]
    names = LINKEDIN_HEADER + ordered[len(COLUMNS):] + extras
    return ordered + extras, names


def frame_to_csv(frame: pd.DataFrame) -> str:
    columns, header = export_columns(frame)
    return tables.to_csv(header, frame[columns].itertuples(index=False, name=None))


def frame_to_json(frame: pd.DataFrame) -> str:
    columns, _ = export_columns(frame)
    return tables.to_json(columns, frame[columns].itertuples(index=False, name=None))


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
        table.add_row(_name(row), row["company"], row["position"], row["function"], row["level"],
                      connected.isoformat() if connected else "")
    return table


def peers_table(frame: pd.DataFrame, title: str = "") -> Table:
    """Peers grouped by company (companies ordered by their best peer), best first in each.

    Function and level get a column only where they vary (``--levels vp,cxo``): otherwise the
    title already says them, and a narrow table keeps names and companies on one line.
    """
    varying = [c for c in _CLASSIFIED if frame[c].nunique() > 1]
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
        table.add_row(company, _name(row), row["position"], *[row[c] for c in varying],
                      f"{row['score']:.2f}", "yes" if row["email"] else "")
    return table


def _table(title: str, headers: Sequence[str]) -> Table:
    from rich.table import Table

    table = Table(title=title or None, title_justify="left", show_lines=False, expand=False)
    for header in headers:
        table.add_column(header, overflow="fold")
    return table


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in record.items()} for record in frame.to_dict("records")]


def _name(row: dict[str, Any]) -> str:
    return " ".join(p for p in (row["first_name"], row["last_name"]) if p) or "(no name)"
