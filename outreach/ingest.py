"""Ingest a LinkedIn data export: ``Connections.csv``, the export ZIP, or its unzipped folder.

``read_export`` returns an ``Export``: the connections a column at a time (``Export.table``, a
``columns.Columns``; ``Export.connections`` is the pandas DataFrame of them, built when asked)
plus the user's own ``Profile`` (current title, company, primary e-mail) when the ZIP/folder
has it.

Connections columns (one row per connection, duplicates and empty rows removed):

================  ==============================================================
``first_name``    str, may be ""
``last_name``     str, may be ""
``url``           profile URL, may be "" (exports before mid-2023 have no URL)
``email``         str, "" for most people (members must opt in to share it)
``company``       current company at export time, may be ""
``position``      current title at export time, may be ""
``connected_on``  ``datetime.date`` or None
``function``      classified from ``position`` (see ``outreach.titles``)
``level``         classified from ``position``
other columns     any extra input column, named as in the file
================  ==============================================================
"""

from __future__ import annotations

import functools
import io
import re
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from outreach import fileio
from outreach.bulk import paused_gc
from outreach.columns import Columns
from outreach.csvread import Table, decode, header_key, read_table
from outreach.errors import OutreachError
from outreach.ingest_columns import (
    identity_keys,
    parse_date,
    rows_left_out,
    table_columns,
    take,
    visible_rows,
)
from outreach.model import Profile
from outreach.tables import columns_to_csv, restore, to_json
from outreach.wording import plural

if TYPE_CHECKING:
    import pandas as pd

    from outreach.titles import Vocabulary

COLUMNS = ["first_name", "last_name", "url", "email", "company", "position", "connected_on"]
LINKEDIN_HEADER = [
    "First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On",
]
CONNECTION_ALIASES: dict[str, list[str]] = {
    "first_name": ["first name", "firstname", "given name"],
    "last_name": ["last name", "lastname", "surname", "family name"],
    "url": ["url", "profile url", "linkedin url", "public profile url"],
    "email": ["email address", "e-mail address", "email", "e-mail"],
    "company": ["company", "company name", "organization"],
    "position": ["position", "job title", "title"],
    "connected_on": ["connected on", "connected", "connection date"],
    "function": ["function"],
    "level": ["level"],
}
REQUIRED = ["first_name", "last_name", "company", "position"]
CLASS_COLUMNS = ("function", "level")
"""Columns a peers list carries; read back, they override the classifier (the review step)."""
_FUNCTION_NAME = re.compile(r"[a-z][a-z0-9_]*")
_ROW_FACTS = ("\0function", "\0level", "\0line")  # per-row facts after the frame's columns
PEERS_LIST_COLUMNS = ("function", "level", "score", "reason")
"""The columns that mark a CSV written by ``outreach peers`` (its cells are neutralised)."""
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")


@dataclass
class IngestStats:
    """What happened to the rows: reported to the user after every ingest."""

    rows: int = 0
    kept: int = 0
    duplicates: int = 0
    hidden: int = 0
    undated: int = 0
    encoding_note: str = ""

    def summary(self) -> str:
        parts = [plural(self.kept, "connection")]
        if self.duplicates:
            parts.append(f"{plural(self.duplicates, 'duplicate')} dropped")
        if self.hidden:
            parts.append(f"{plural(self.hidden, 'hidden/closed profile')} skipped")
        if self.undated:
            parts.append(plural(self.undated, "unreadable date"))
        return ", ".join(parts)


@dataclass
class Export:
    """The connections a column at a time (``table``; the DataFrame ``connections`` is built
    when first asked for), the user's profile and what happened to the rows."""

    source: Path
    table: Columns
    profile: Profile = field(default_factory=Profile)
    stats: IngestStats = field(default_factory=IngestStats)

    @functools.cached_property
    def connections(self) -> pd.DataFrame:
        """The connections DataFrame the module docstring describes."""
        return self.table.to_frame()


def read_export(path: Path | bytes, vocabulary: Vocabulary | None = None) -> Export:
    """Read Connections.csv (+ Profile, Positions, Email Addresses if present); classify titles.

    ``path`` is a ZIP, a folder or a CSV file, or the bytes of a ZIP or CSV (what a pipe
    gave: messages name it ``<stdin>``). Nothing here needs pandas: the DataFrame is built
    only when ``Export.connections`` is asked for."""
    files = (_ExportFiles.from_bytes(path) if isinstance(path, bytes)
             else _ExportFiles.open(Path(path)))
    table, stats = connection_columns(*files.text("Connections.csv", required=True), vocabulary)
    return Export(source=files.source, table=table, profile=read_profile(files), stats=stats)


def parse_connections(text: str, label: str, vocabulary: Vocabulary | None = None
                      ) -> tuple[pd.DataFrame, IngestStats]:
    """Parse the text of a Connections.csv into the documented DataFrame."""
    table, stats = connection_columns(text, label, vocabulary)
    return table.to_frame(), stats


def connection_columns(text: str, label: str, vocabulary: Vocabulary | None = None
                       ) -> tuple[Columns, IngestStats]:
    """Parse the text of a Connections.csv into the documented columns (without pandas)."""
    from outreach.titles import classify_many

    table = read_table(text, label, CONNECTION_ALIASES, REQUIRED, check_swallowed=True)
    columns, stats = _record_columns(table)
    *cells, functions, levels, lines, keys = columns
    result = Columns(_all_columns(table), cells, len(lines), keys=list(keys))
    given = _given_classes(table, list(functions), list(levels), list(lines))
    classes = classify_many(list(result["position"]), vocabulary)
    function, level = [c.function for c in classes], [c.level for c in classes]
    if given is not None:  # a peers list read back: the user's review (hand edits) stands
        function = [g or c for g, c in zip(given[0], function, strict=True)]
        level = [g or c for g, c in zip(given[1], level, strict=True)]
    result.set("function", function)
    result.set("level", level)
    return result, stats


def _given_classes(
    table: Table, functions: list[str], levels: list[str], lines: list[int]
) -> tuple[list[str], list[str]] | None:
    """The ``function``/``level`` columns of a file that has both (a peers list the user may
    have edited), checked: a level must be one of ``LEVELS``, a function a lower-case name.
    Blank cells are classified from the title as usual."""
    if not all(name in table.columns for name in CLASS_COLUMNS):
        return None
    from outreach.titles import LEVELS

    for function, level, line in zip(functions, levels, lines, strict=True):
        if level and level not in LEVELS and level != "unknown":
            raise OutreachError(f"{table.label}: line {line}: level: {level!r} is not one of "
                                f"{', '.join(LEVELS)}")
        if function and not _FUNCTION_NAME.fullmatch(function):
            raise OutreachError(f"{table.label}: line {line}: function: {function!r} is not a "
                                "function name (lower case, e.g. marketing)")
    return functions, levels


def is_peers_list(table: Table) -> bool:
    """Was this CSV written by ``outreach peers``? Then its formula guards are ours to undo."""
    names = {header_key(cell) for cell in table.header}
    return all(column in names for column in PEERS_LIST_COLUMNS)


def _all_columns(table: Table) -> list[str]:
    return COLUMNS + [name for name, _ in table.extra_columns()]


def _records(table: Table) -> tuple[list[list[Any]], IngestStats]:
    """The kept rows (normalised cells, then the row facts) and what happened to the rest:
    ``_record_columns`` a row at a time."""
    columns, stats = _record_columns(table)
    return list(map(list, zip(*columns[:-1], strict=True))), stats  # not the keys


def _record_columns(table: Table) -> tuple[list[Sequence[Any]], IngestStats]:
    """The kept rows a column at a time (normalised cells, then the row facts: function,
    level, line, identity key) and what happened to the rest.

    Works a column at a time: a column whose cells need no cleaning (nearly every one) is
    checked in a few passes over its joined text rather than cell by cell."""
    stats = IngestStats(rows=len(table.rows))
    width = len(table.header)
    wanted = [table.columns.get(name, width) for name in COLUMNS]  # ``width``: not in the file
    wanted += [i for _, i in table.extra_columns()]
    given = all(name in table.columns for name in CLASS_COLUMNS)  # a peers list read back
    if given:
        wanted += [table.columns[name] for name in CLASS_COLUMNS]
    if not table.rows:
        return [[] for _ in range(len(wanted) + 4 - 2 * given)], stats
    with paused_gc():  # ~10 lists a row, none in a cycle: collecting would only re-scan them
        return _kept_columns(table, table_columns(table, wanted), given, stats)


def _kept_columns(table: Table, columns: list[Sequence[str]], given: bool,
                  stats: IngestStats) -> tuple[list[Sequence[Any]], IngestStats]:
    """Hidden profiles and repeated identities left out; dates read; the row facts added
    (each kept row's identity key last: its person need not work it out again)."""
    if is_peers_list(table):
        columns = [[restore(v) for v in column] for column in columns]
    first, last, url, email, company, _position, _connected = columns[:7]
    visible = visible_rows(first, last, company)
    stats.hidden = len(first) - len(visible)
    keys = identity_keys(visible, first, last, url, email, company)
    # the first row of each identity: a dict built backwards keeps each key's first index
    first_rows = dict(zip(reversed(keys), reversed(visible), strict=True))
    stats.duplicates = len(visible) - len(first_rows)
    kept = visible if not stats.duplicates else sorted(first_rows.values())
    dropped = rows_left_out(len(first), kept)
    picked_columns = [take(column, kept, dropped) for column in columns]
    days = list(map(parse_date, picked_columns[6]))
    stats.undated = sum(map(bool, picked_columns[6])) - (len(days) - days.count(None))
    picked_columns[6] = days
    tail = [] if given else [[""] * len(kept)] * 2
    lines = take([line for line, _ in table.rows], kept, dropped)
    stats.kept = len(kept)
    return [*picked_columns, *tail, lines, take(_by_row(keys, visible, len(first)), kept,
                                                dropped)], stats


def _by_row(values: list[str], rows: list[int], count: int) -> list[str]:
    """``values`` (one for each of ``rows``) at their rows' places among ``count``."""
    if len(rows) == count:
        return values
    placed = [""] * count
    for row, value in zip(rows, values, strict=True):
        placed[row] = value
    return placed


def _cell(cells: list[str], index: int | None) -> str:
    """A cell with surrounding space removed and inner runs of whitespace (newlines) and
    control characters collapsed."""
    if index is None or index >= len(cells):
        return ""
    return " ".join(_CONTROLS.sub(" ", cells[index]).split())


# ---------------------------------------------------------------- writing the frame back

_CLASSIFIED = ["function", "level"]
_PEER = ["score", "reason"]


def export_columns(frame: pd.DataFrame | Columns) -> tuple[list[str], list[str]]:
    """(frame columns, header names) in output order: LinkedIn's, classification, peer, extras."""
    names = list(frame.names if isinstance(frame, Columns) else frame.columns)
    ordered = COLUMNS + _CLASSIFIED + [c for c in _PEER if c in names]
    extras = [c for c in names if c not in ordered]
    header = LINKEDIN_HEADER + ordered[len(COLUMNS):] + extras
    return ordered + extras, header


def frame_to_csv(frame: pd.DataFrame | Columns) -> str:
    """The connections or peers as CSV (``tables.columns_to_csv``), LinkedIn's header first;
    a ``Columns`` table needs no pandas."""
    table = frame if isinstance(frame, Columns) else Columns.from_frame(frame)
    columns, header = export_columns(table)
    return columns_to_csv(header, [table[name] for name in columns])


def frame_to_json(frame: pd.DataFrame) -> str:
    columns, _ = export_columns(frame)
    return to_json(columns, zip(*(frame[name].tolist() for name in columns), strict=True))


# ---------------------------------------------------------------- the user's own profile

def read_profile(files: _ExportFiles) -> Profile:
    """Own title/company: current Positions.csv row (latest start), else Profile.csv Headline;
    where they live, and the companies they worked at before."""
    first = last = headline = geo = ""
    text, label = files.text("Profile.csv")
    if text:
        table = read_table(text, label, {"first_name": ["first name"], "last_name": ["last name"],
                                         "headline": ["headline"], "geo": ["geo location"]},
                           ["first_name", "last_name"])
        if table.rows:
            cells = table.rows[0][1]
            first, last = _cell(cells, table.columns["first_name"]), _cell(
                cells, table.columns["last_name"])
            headline = _cell(cells, table.columns.get("headline"))
            geo = _cell(cells, table.columns.get("geo"))
    title, company, where, past = _positions(files)
    if not title and headline:
        title, company = _split_headline(headline)
    return Profile(first, last, headline, title, company, _primary_email(files),
                   location=geo or where, past_companies=past)


def _positions(files: _ExportFiles) -> tuple[str, str, str, tuple[str, ...]]:
    """(title, company, location) of the current position (latest start), and the companies
    of the positions that have ended."""
    text, label = files.text("Positions.csv")
    if not text:
        return "", "", "", ()
    aliases = {"company": ["company name", "company"], "title": ["title", "position"],
               "started": ["started on"], "finished": ["finished on"],
               "location": ["location"]}
    table = read_table(text, label, aliases, ["company", "title"])
    current, past = [], []
    for _line, cells in table.rows:
        if _cell(cells, table.columns.get("finished")):
            past.append(_cell(cells, table.columns["company"]))
            continue
        started = parse_date(_cell(cells, table.columns.get("started"))) or date.min
        current.append((started, _cell(cells, table.columns["title"]),
                        _cell(cells, table.columns["company"]),
                        _cell(cells, table.columns.get("location"))))
    ended = tuple(c for c in past if c)
    if not current:
        return "", "", "", ended
    _, title, company, where = max(current, key=lambda item: item[0])
    return title, company, where, ended


def _split_headline(headline: str) -> tuple[str, str]:
    """``"VP Marketing at Acme | Speaker"`` → ("VP Marketing", "Acme")."""
    first_part = re.split(r"\s[|•·]\s", headline)[0]
    match = re.match(r"(.+?)\s+(?:at|@|chez|bei|en|em)\s+(.+)", first_part)
    if match:
        return match.group(1).strip(), match.group(2).strip()
    return first_part.strip(), ""


def _primary_email(files: _ExportFiles) -> str:
    text, label = files.text("Email Addresses.csv")
    if not text:
        return ""
    table = read_table(text, label, {"email": ["email address"], "primary": ["primary"]},
                       ["email"])
    addresses = [(_cell(c, table.columns.get("primary")).lower() == "yes",
                  _cell(c, table.columns["email"])) for _, c in table.rows]
    addresses = [a for a in addresses if a[1]]
    return max(addresses, key=lambda a: a[0])[1] if addresses else ""


# ---------------------------------------------------------------- where the files live

MAX_READ = 200 * 10**6
STDIN_NAME = "<stdin>"  # an export read from standard input, in messages
"""At most this many bytes are read from an export (all its CSVs together, decompressed)."""
MAX_RATIO = 200
"""A member that decompresses to more than this many times its size is refused (CSV text
compresses 5-20 to 1; a zip bomb, thousands)."""
EXPORT_KINDS = "a LinkedIn export: its .zip, its folder or Connections.csv"


def _mb(size: int) -> str:
    return f"{size / 1e6:.3g} MB"


_READABLE_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2,
                     zipfile.ZIP_LZMA)
_METHOD_NAMES = {9: "Deflate64", 10: "PKWARE DCL Implode", 6: "Implode", 93: "Zstandard",
                 98: "PPMd", 99: "AES encryption"}

def _member_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Each member by its file name (casefolded); the shallowest of a name wins."""
    return {Path(n).name.casefold(): n for n in sorted(archive.namelist(), key=len,
                                                        reverse=True)}


class _ExportFiles:
    """Uniform access to the CSVs of an export, whether a ZIP, a folder or one CSV file."""

    def __init__(self, source: Path, names: dict[str, str], archive: zipfile.ZipFile | None,
                 data: bytes | None = None):
        self.source, self._names, self._archive = source, names, archive
        self._data = data  # a CSV given as bytes (standard input)
        self._read = 0  # bytes decompressed so far (MAX_READ in all)

    @classmethod
    def from_bytes(cls, data: bytes) -> _ExportFiles:
        """An export ZIP or a Connections/peers CSV given as bytes."""
        source = Path(STDIN_NAME)
        if len(data) > MAX_READ:
            raise OutreachError(f"{STDIN_NAME}: more than the {_mb(MAX_READ)} read from an "
                                "export; refused")
        if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
            try:
                archive = zipfile.ZipFile(io.BytesIO(data))
            except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError) as exc:
                raise OutreachError(f"{STDIN_NAME}: damaged ZIP file ({exc})") from None
            return cls(source, _member_names(archive), archive)
        return cls(source, {"connections.csv": STDIN_NAME}, None, data)

    @classmethod
    def open(cls, source: Path) -> _ExportFiles:
        if not source.exists():
            raise OutreachError(f"{source}: no such file or folder")
        if source.is_dir():
            paths = sorted(source.rglob("*.csv"), key=lambda p: len(p.parts), reverse=True)
            names = {p.name.casefold(): str(p) for p in paths}
            return cls(source, names, None)
        fileio.check_regular(source, EXPORT_KINDS)
        if zipfile.is_zipfile(source):
            try:
                archive = zipfile.ZipFile(source)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError,
                    NotImplementedError) as exc:
                raise OutreachError(f"{source}: damaged ZIP file ({exc})") from None
            return cls(source, _member_names(archive), archive)
        return cls(source, {"connections.csv": str(source)}, None)

    def text(self, name: str, required: bool = False) -> tuple[str, str]:
        """The decoded text of ``name`` ("" if absent) and a label for messages."""
        member = self._names.get(name.casefold())
        if member is None:
            if required:
                raise OutreachError(f"{self.source}: no {name} in this export")
            return "", name
        if self._data is not None:
            return decode(self._data), member
        if self._archive is None:
            return decode(self._read_file(Path(member))), member
        return decode(self._read_member(member)), f"{self.source}:{member}"

    def _read_file(self, path: Path) -> bytes:
        """A CSV of a folder export (or the one given): a regular file, within MAX_READ."""
        try:
            fileio.check_regular(path, EXPORT_KINDS)
            size = path.stat().st_size
            if size > MAX_READ:
                raise OutreachError(f"{path}: {_mb(size)} is more than a LinkedIn "
                                    f"export holds (at most {_mb(MAX_READ)} is read)")
            data = fileio.read_regular(path, EXPORT_KINDS, limit=MAX_READ)
        except FileNotFoundError:
            raise OutreachError(f"{path}: no such file") from None
        except OSError as exc:
            raise OutreachError(f"{path}: cannot read it: {exc.strerror or exc}") from None
        if len(data) > MAX_READ:
            raise OutreachError(f"{path}: more than the {_mb(MAX_READ)} read from an export "
                                "(it grew while being read); refused")
        return data

    def _read_member(self, member: str) -> bytes:
        """The bytes of one archive member, within the reading budget: encrypted members,
        compression methods Python cannot read (Deflate64, from Windows' zip tool for large
        files) and zip bombs (too large, or compressed too well to be text) are one-line
        errors before anything is decompressed."""
        assert self._archive is not None
        info = self._archive.getinfo(member)
        where = f"{self.source}: {member}"
        if info.flag_bits & 0x1:
            raise OutreachError(f"{where}: the ZIP is encrypted (password-protected); unzip it "
                                "and give the folder or Connections.csv")
        if info.compress_type not in _READABLE_METHODS:
            method = _METHOD_NAMES.get(info.compress_type, f"method {info.compress_type}")
            raise OutreachError(f"{where}: compressed with {method}, which cannot be read "
                                "here; unzip it (e.g. with 7-Zip) and give the folder")
        budget = MAX_READ - self._read
        if info.file_size > budget:
            raise OutreachError(f"{where}: {_mb(info.file_size)} uncompressed, more "
                                f"than the {_mb(MAX_READ)} read from an export")
        ratio = info.file_size // max(info.compress_size, 1)
        if info.file_size > 1_000_000 and ratio > MAX_RATIO:
            raise OutreachError(f"{where}: compressed {ratio} to 1, not a text file (a zip "
                                "bomb?); refused")
        try:
            with self._archive.open(info) as handle:
                data = handle.read(budget + 1)  # sizes in the directory may lie: bounded
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError,
                NotImplementedError, zlib.error) as exc:
            raise OutreachError(f"{where}: cannot read it: {exc}") from None
        if len(data) > budget:
            raise OutreachError(f"{where}: more than the {_mb(MAX_READ)} read from an "
                                "export (its declared size is wrong); refused")
        self._read += len(data)
        return data

