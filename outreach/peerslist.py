"""A peers list (the CSV ``outreach peers`` writes) read without pandas.

``outreach emails peers.csv`` only needs the people in it: importing pandas and building a
DataFrame to read them cost more than rendering 10,000 plain e-mails (issue 23). The rows go
through the same steps as any export (``outreach.ingest``: ``csvread.read_table``, the cells
cleaned, hidden and repeated rows left out, titles classified, the user's ``function``/
``level`` kept), then the list's own (``excluded`` rows stay out, best ``score`` first), and
become ``Person`` objects as ``model.people_from_frame`` makes them. The DataFrame is built
only when asked (``PeersList.frame``: ``outreach peers``, ``campaign``), the same as before.

An input that is not a peers list (an export, a ZIP, a folder) gives ``None``: the caller
reads it as an export, having paid for a look at the file's first bytes at most.
"""

from __future__ import annotations

import math
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from outreach import ingest
from outreach.csvread import read_table
from outreach.model import _PERSON_COLUMNS, Person, Profile, _people, _text, slugify
from outreach.wording import plural

if TYPE_CHECKING:
    import pandas as pd

    from outreach.titles import Vocabulary

LIST_COLUMNS = ("score", "reason")
"""A CSV with both is a peers list (as ``peers.load_people`` decides)."""
_LOOK = 64 * 1024  # bytes looked at for the header before reading a CSV as a peers list


@dataclass
class PeersList:
    """A peers list's rows as ``ingest`` keeps them (``columns``, one ``records`` row per
    person kept, ``function`` and ``level`` last), and what to say about it."""

    source: Path
    profile: Profile
    columns: list[str]
    records: list[list[Any]]
    stats: ingest.IngestStats

    @classmethod
    def from_frame(cls, source: Path, profile: Profile, frame: pd.DataFrame) -> PeersList:
        """A list whose first bytes did not show it (``read_peers_list`` said None) but
        whose columns, read as an export, do: the same rows, from the DataFrame."""
        records = frame.astype(object).values.tolist()
        return cls(source, profile, [str(c) for c in frame.columns], records,
                   ingest.IngestStats())

    def people(self) -> tuple[list[Person], list[str]]:
        """The people, best score first (ties in the file's order), without the rows marked
        ``excluded``; and the notes to show (how many peers, how many rows left out)."""
        index = _last_index(self.columns)
        rows = self.records
        notes = []
        if "excluded" in index:
            at = index.pop("excluded")  # read, then dropped: not a template value
            rows = [row for row in rows if not _text(row[at]).strip()]
            if len(rows) < len(self.records):
                notes.append(f"left out {plural(len(self.records) - len(rows), 'excluded row')}")
        scores = [as_float(row[index["score"]]) for row in rows]
        order = sorted(range(len(rows)), key=lambda i: _descending(scores[i]))
        rows = [rows[i] for i in order]
        scores = [scores[i] for i in order]
        people = _people_from_rows(index, rows, scores)
        return people, [f"{plural(len(people), 'peer')} from a peers list", *notes]

    def frame(self) -> pd.DataFrame:
        """The list as ``outreach peers`` and ``campaign`` use it: the DataFrame ``ingest``
        builds, ``excluded`` rows out, sorted by score (built only when asked)."""
        import pandas as pd

        frame = pd.DataFrame(self.records, columns=self.columns)
        if "excluded" in frame.columns:
            kept = frame["excluded"].fillna("").astype(str).str.strip() == ""
            frame = frame[kept].drop(columns=["excluded"])
        frame = frame.assign(score=frame["score"].map(as_float))
        return frame.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)


def read_peers_list(path: Path | bytes, vocabulary: Vocabulary | None = None
                    ) -> PeersList | None:
    """The peers list at ``path`` (a CSV file, or its bytes), or None when ``path`` is not
    one: an export (ZIP, folder, Connections.csv), which the caller reads with ``ingest``."""
    if not _may_be_a_list(path):
        return None
    files = (ingest._ExportFiles.from_bytes(path) if isinstance(path, bytes)
             else ingest._ExportFiles.open(Path(path)))
    text, label = files.text("Connections.csv", required=True)
    table = read_table(text, label, ingest.CONNECTION_ALIASES, ingest.REQUIRED,
                       check_swallowed=True)
    columns = ingest._all_columns(table)
    if not all(name in columns for name in LIST_COLUMNS):
        return None
    records, stats = ingest._records(table)
    width = len(columns)
    facts = [[row[width + i] for row in records] for i in range(len(ingest._ROW_FACTS))]
    given = ingest._given_classes(table, *facts)
    from outreach.titles import classify_many

    classes = classify_many([row[5] for row in records], vocabulary)  # COLUMNS[5]: position
    functions = [c.function for c in classes]
    levels = [c.level for c in classes]
    if given is not None:  # the user's review (hand edits) stands, as in ingest
        functions = [g or c for g, c in zip(given[0], functions, strict=True)]
        levels = [g or c for g, c in zip(given[1], levels, strict=True)]
    rows = [[*row[:width], f, lv] for row, f, lv in zip(records, functions, levels, strict=True)]
    return PeersList(files.source, ingest.read_profile(files), [*columns, "function", "level"],
                     rows, stats)


def as_float(value: object) -> float:
    """``0.9``, or ``0,9`` after a spreadsheet in a European locale re-saved the list."""
    try:
        return float(str(value).replace(",", "."))
    except ValueError:
        return 0.0


def _may_be_a_list(path: Path | bytes) -> bool:
    """Cheap: a CSV (not a ZIP or a folder) whose first bytes name a score and a reason."""
    if isinstance(path, bytes):
        head = path[:_LOOK]
        if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
            return False
    else:
        try:
            if not Path(path).is_file() or zipfile.is_zipfile(path):
                return False
            with open(path, "rb") as handle:
                head = handle.read(_LOOK)
        except OSError:
            return False  # the export reader says what is wrong with it
    lowered = head.lower()
    return any(all(name.encode(encoding) in lowered for name in LIST_COLUMNS)
               for encoding in ("utf-8", "utf-16-le", "utf-16-be"))


def _last_index(columns: Sequence[str]) -> dict[str, int]:
    """Each column name's index, in the order ``people_from_frame`` reads them: a name given
    twice is the last one of that name."""
    return {name: i for i, name in enumerate(columns) if name not in columns[i + 1:]}


def _descending(score: float) -> tuple[bool, float]:
    """Sort key: the highest score first, an unreadable (NaN) one last, as pandas sorts."""
    return (True, 0.0) if math.isnan(score) else (False, -score)


def _people_from_rows(index: dict[str, int], rows: list[list[Any]],
                      scores: list[float]) -> list[Person]:
    """``model.people_from_frame`` for rows: the same ``Person`` for the same cells."""
    count = len(rows)

    def column(name: str, default: object = None) -> list[Any]:
        if name == "score":
            return list(scores)
        at = index.get(name)
        return [row[at] for row in rows] if at is not None else [default] * count

    def texts(name: str) -> list[str]:
        cells = column(name)
        if all(type(v) is str for v in cells):  # as read: nothing to make text
            return cells
        return [_text(v) for v in cells]

    extra_columns = [c for c in index if c not in _PERSON_COLUMNS]
    extra_names = [slugify(c).replace("-", "_") for c in extra_columns]
    extras = list(zip(*(texts(c) for c in extra_columns), strict=True)) or [()] * count
    return _people(extra_names, extras, texts, column)
