"""The one e-mail writer: a rendered batch (``outreach.mail.render``) to files on disk.

``write_batch`` refuses a batch with problems, else checks every output location, then writes
one ``.eml`` per recipient, ``linkedin.csv`` and an optional mbox, each atomically, leaving
files whose bytes did not change alone. ``outreach emails`` and ``outreach campaign`` both
write through it.
"""


from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from outreach import fileio, tables
from outreach.bulk import paused_gc
from outreach.errors import OutreachError
from outreach.mail import mime
from outreach.mail.render import Batch, LinkedInNote, Message
from outreach.mail.results import describe_skipped
from outreach.wording import plural

LINKEDIN_CSV = "linkedin.csv"
_DATE = re.compile(rb"^Date: [^\r\n]*\r\n", re.MULTILINE)


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
    changed: dict[Path, bool] = field(default_factory=dict)  # every file: did this run change it


def write_batch(
    batch: Batch,
    out_dir: Path,
    mbox: Path | None = None,
    progress: Callable[[int], None] | None = None,
    *,
    notes_csv: Path | None = None,
) -> Summary:
    """Write ``<slug>.eml`` files, ``linkedin.csv`` (in ``out_dir``, or at ``notes_csv``) and
    the optional mbox, each atomically. This is the one e-mail writer: ``outreach emails`` and
    ``outreach campaign`` both write through it.

    A batch with problems is refused: nothing is written. Files whose bytes did not change
    are left alone, so a rerun touches nothing.
    """
    if batch.problems:
        raise OutreachError(
            f"{plural(len(batch.problems), 'problem')} in the batch; nothing written "
            "(run with --check to list them)"
        )
    notes_path = Path(notes_csv) if notes_csv is not None else Path(out_dir) / LINKEDIN_CSV
    prepare_outputs(out_dir, mbox, notes_path)
    summary = Summary(out_dir=Path(out_dir))
    try:
        with paused_gc():  # a path and a flag per file, no cycles (outreach.bulk)
            _write_files(batch, summary, None if mbox is None else Path(mbox), notes_path,
                         progress)
    except OSError as exc:
        where = exc.filename or summary.out_dir
        raise OutreachError(f"{where}: cannot write: {exc.strerror or exc}") from None
    summary.skipped = skipped_lines(batch)
    summary.stale = _stale_files(summary.out_dir, batch.messages)
    return summary


def output_problems(
    out_dir: Path, mbox: Path | None = None, notes_csv: Path | None = None
) -> list[str]:
    """Why the batch's files could not be written there (a file where a folder must go, a
    folder where a file must go), found without creating anything: ``--check`` lists these."""
    problems = []
    for folder, target in _output_targets(Path(out_dir), mbox, notes_csv):
        blocker = next((p for p in (folder, *folder.parents) if p.exists()), folder)
        if blocker.exists() and not blocker.is_dir():
            problems.append(f"{folder}: cannot write into this folder: a file is in the way")
        elif target.is_dir():
            problems.append(f"{target}: cannot write this file: a folder is in the way")
        elif not os.access(blocker, os.W_OK | os.X_OK):
            problems.append(f"{blocker}: cannot write into this folder: permission denied")
    return problems


def prepare_outputs(
    out_dir: Path, mbox: Path | None = None, notes_csv: Path | None = None
) -> None:
    """Check every place a batch writes to, then create the folders, before anything is
    written, so a batch is never left half-written (the .eml files there but no mbox)."""
    problems = output_problems(out_dir, mbox, notes_csv)
    if problems:
        raise OutreachError(problems[0])
    for folder, _target in _output_targets(Path(out_dir), mbox, notes_csv):
        fileio.ensure_folder(folder)


def _output_targets(
    out_dir: Path, mbox: Path | None, notes_csv: Path | None = None
) -> list[tuple[Path, Path]]:
    """(folder, file) pairs a batch writes: OUT/linkedin.csv (and the .eml files), the mbox."""
    targets = [(out_dir, out_dir / LINKEDIN_CSV)]
    if notes_csv is not None and notes_csv != out_dir / LINKEDIN_CSV:
        targets.append((notes_csv.parent, notes_csv))
    if mbox is not None:
        targets.append((Path(mbox).parent, Path(mbox)))
    return targets


def skipped_lines(batch: Batch) -> list[str]:
    """``#3 Jane Doe (URL): reason`` per recipient left out, in INPUT's order."""
    skipped = sorted(batch.skipped, key=lambda s: s.index)
    return [f"{describe_skipped(s.index, s.person)}: {s.reason}" for s in skipped]


def _write_files(
    batch: Batch, summary: Summary, mbox: Path | None, notes_csv: Path,
    progress: Callable[[int], None] | None,
) -> None:
    paths = [summary.out_dir / m.filename for m in batch.messages]
    there = _file_names(summary.out_dir)  # a new folder: no earlier file to compare with
    messages = [_keep_earlier_date(m, path) if m.filename in there else m
                for m, path in zip(batch.messages, paths, strict=True)]
    changed = fileio.write_many(zip(paths, (m.data for m in messages), strict=True), progress)
    summary.changed.update(zip(paths, changed, strict=True))
    summary.written = sum(changed)
    summary.unchanged = len(changed) - summary.written
    if batch.notes:
        summary.linkedin_csv = notes_csv
        summary.changed[notes_csv] = fileio.write_if_changed(
            notes_csv, linkedin_csv(batch.notes).encode("utf-8"))
        summary.notes = len(batch.notes)
    if mbox is not None:
        summary.changed[mbox] = write_mbox(messages, mbox)
        summary.mbox = mbox


def _file_names(folder: Path) -> set[str]:
    try:
        return set(os.listdir(folder))
    except OSError:
        return set()


def _keep_earlier_date(message: Message, path: Path) -> Message:
    """A rerun that differs from the file only in its Date header keeps the file as it is."""
    try:
        old = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return message
    if old != message.data and _DATE.sub(b"", old, 1) == _DATE.sub(b"", message.data, 1):
        return replace(message, data=old)
    return message


def linkedin_csv(notes: Iterable[LinkedInNote]) -> str:
    """``First Name,Last Name,URL,Message`` with spreadsheet formulas neutralised."""
    rows = [(n.person.first_name, n.person.last_name, n.person.url, n.text) for n in notes]
    return tables.to_csv(["First Name", "Last Name", "URL", "Message"], rows)


def write_mbox(messages: Iterable[Message], path: Path) -> bool:
    """All messages in one mbox (``mime.write_mbox``); True if written."""
    return mime.write_mbox((message.data for message in messages), Path(path))


def _stale_files(out_dir: Path, messages: list[Message]) -> list[Path]:
    """``.eml`` files in the folder that this batch did not write (``send`` would send them)."""
    current = {m.filename for m in messages}
    return sorted(out_dir / name for name in _file_names(out_dir)  # as glob("*.eml") does
                  if os.path.normcase(name).endswith(".eml") and name not in current)
