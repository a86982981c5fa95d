"""Atomic file writes: a reader (or a crash) never sees a half-written output. Reading
inputs: only regular files (``read_regular``, ``check_regular``).

Every output goes to a temporary file in the target's folder, is flushed and fsync'ed, then
renamed over the target. ``write_if_changed`` also skips the rename when the bytes are the
same, so reruns leave unchanged files (and their mtimes) alone.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO

from outreach import portable
from outreach.errors import OutreachError

NAME_BYTES = 120
"""The longest name part (before a suffix and extension) given to a file, in UTF-8 bytes:
well under the 255 bytes file systems allow, whatever the suffix."""


def name_part(stem: str, limit: int = NAME_BYTES) -> str:
    """``stem`` cut to ``limit`` UTF-8 bytes at a character boundary (81 CJK characters are
    243 bytes: one character is up to 4). Callers keep the names unique (``-2``, a hash)."""
    data = stem.encode("utf-8")
    if len(data) <= limit:
        return stem
    return data[:limit].decode("utf-8", errors="ignore").rstrip("-_.") or "unnamed"


def ensure_folder(folder: Path) -> Path:
    """``mkdir -p``; a path that cannot be a folder is a one-line error naming it."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise OutreachError(
            f"{folder}: cannot write into this folder: a file is in the way") from None
    except OSError as exc:
        raise OutreachError(f"{folder}: cannot write into this folder: {exc.strerror}") from None
    return folder


def check_target(path: Path) -> None:
    """An output may replace a regular file or be new; a FIFO, a device (``/dev/full``), a
    socket or a folder in its place is refused, never swapped for a regular file."""
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):  # new (a file in the way: ensure_folder)
        return
    except OSError as exc:
        raise OutreachError(f"{path}: cannot write: {exc.strerror}") from None
    if not stat.S_ISREG(mode):
        raise OutreachError(f"{path}: is {_kind(mode)}, not a regular file; give a file name "
                            "to write")


def _kind(mode: int) -> str:
    return ("a folder" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket"
            if stat.S_ISSOCK(mode) else "not a regular file")


def _not_regular(path: Path, mode: int, what: str) -> OutreachError:
    via = " (through a link)" if os.path.islink(path) else ""
    return OutreachError(f"{path}: is {_kind(mode)}{via}, not a regular file; give {what}")


def check_regular(path: Path, what: str = "a file") -> None:
    """An input must be a regular file (links to one are fine): a device (``/dev/zero``), a
    FIFO or a socket, directly or through a link, is refused at once, before any read that
    could never end. A missing path raises ``FileNotFoundError`` as ``open`` would."""
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise _not_regular(Path(path), mode, what)


def read_regular(path: Path, what: str = "a file", limit: int | None = None) -> bytes:
    """The bytes of ``path``, which must be a regular file (see ``check_regular``); opened
    without blocking, so a FIFO swapped in after a check is refused too. At most ``limit``
    + 1 bytes are read (the caller refuses a file over its limit)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise _not_regular(Path(path), mode, what)
        return handle.read() if limit is None else handle.read(limit + 1)


def _write_error(path: Path, exc: OSError) -> OutreachError:
    """The target, not the temporary file, in the message (a full disk: ENOSPC)."""
    return OutreachError(f"{path}: cannot write: {exc.strerror or exc}")


@contextlib.contextmanager
def atomic_open(path: Path, mode: str = "wb", encoding: str | None = None) -> Iterator[IO]:
    """Open a temp file beside ``path``; on success rename it over ``path``, else delete it."""
    path = Path(path)
    ensure_folder(path.parent)
    check_target(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:100]}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _write_error(path, exc) from None
    try:
        newline = "" if "b" not in mode else None
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise _write_error(path, exc) from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_bytes(path: Path, data: bytes) -> None:
    with atomic_open(path, "wb") as handle:
        handle.write(data)


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` atomically unless ``path`` already holds exactly it. True if written."""
    path = Path(path)
    check_target(path)  # before reading: a FIFO would block
    try:
        if path.read_bytes() == data:
            return False
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        pass
    write_bytes(path, data)
    return True


def write_many(
    files: Iterable[tuple[Path, bytes]], progress: Callable[[int], None] | None = None
) -> list[bool]:
    """``write_if_changed`` for many files, with one ``os.sync()`` instead of an fsync each.

    Every file is still replaced by a rename (a reader sees the old bytes or the new, never a
    mix), and all new data reaches the disk before the first rename; on an error no target
    has been touched and the temporary files are removed. One fsync of each folder after
    the renames makes them durable too. (10,000 fsyncs cost 3-20 s here; one sync well under
    a second. Threads do not help: creating files in one folder is serialised by the kernel,
    and contention made it 8× slower.)

    Every file into one folder that is empty (new): the files are written into a sibling
    folder, synced, and that folder renamed over the empty one, so the batch appears whole
    or not at all, at one rename instead of one per file (``_write_fresh_folder``).
    """
    items = [(path if isinstance(path, Path) else Path(path), data) for path, data in files]
    folders = {Path(name) for name in {os.path.dirname(path) or "." for path, _ in items}}
    for folder in folders:
        ensure_folder(folder)
    if len(folders) == 1 and _write_fresh_folder(next(iter(folders)), items, progress):
        return [True] * len(items)
    existing = {folder: set(os.listdir(folder)) for folder in folders}
    temps: list[str | None] = []
    renamed = 0
    for target, _ in items:
        check_target(target)
    try:
        for target, data in items:
            try:
                temps.append(_stage(target, data, existing))
            except OSError as exc:
                raise _write_error(target, exc) from None
            if progress:
                progress(1)
        if any(temps) and portable.can_sync_all():  # else each was fsync'ed in _stage
            os.sync()
        for tmp, (target, _) in zip(temps, items, strict=True):
            if tmp is not None:
                os.replace(tmp, target)
            renamed += 1
        for folder in {target.parent for tmp, (target, _) in zip(temps, items, strict=True)
                       if tmp is not None}:
            _fsync_folder(folder)
    finally:
        for tmp in temps[renamed:]:
            if tmp is not None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
    return [tmp is not None for tmp in temps]


def _write_fresh_folder(folder: Path, items: list[tuple[Path, bytes]],
                        progress: Callable[[int], None] | None) -> bool:
    """Write ``items`` (all in ``folder``, if it is empty) as a whole: into a temporary
    sibling folder, synced, then renamed over the empty folder. False, nothing changed,
    where that cannot be done (files already there, a link, no folder renames over an empty
    one, the parent not writable, the folder filled meanwhile): the caller then writes file
    by file."""
    if not portable.can_replace_folder():
        return False
    try:
        if os.path.islink(folder) or os.listdir(folder) or _is_working_folder(folder):
            return False  # (renamed over, the working folder would be left a deleted one)
        mode = stat.S_IMODE(os.stat(folder).st_mode)
        aside = folder.parent / f".{folder.name[:100]}.{os.getpid()}.tmp"
        if aside.exists():  # left by a crashed run of this same pid
            _remove_folder(aside)
        os.mkdir(aside, 0o700)
    except OSError:
        return False
    try:
        _fill(aside, items, progress)
        if portable.can_sync_all():  # else each was fsync'ed as written
            os.sync()
        os.chmod(aside, mode)
        try:
            os.replace(aside, folder)
        except OSError:  # something arrived in the folder meanwhile: file by file, then
            _remove_folder(aside)
            return False
    except BaseException:
        _remove_folder(aside)
        raise
    _fsync_folder(folder.parent)
    return True


def _is_working_folder(folder: Path) -> bool:
    try:
        return os.path.samefile(folder, os.getcwd())
    except OSError:
        return True


def _fill(aside: Path, items: list[tuple[Path, bytes]],
          progress: Callable[[int], None] | None) -> None:
    """Each item's bytes into ``aside`` under its name (a name given twice: the last)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)
    sync_each = not portable.can_sync_all()
    where = str(aside) + os.sep
    for target, data in items:
        try:
            fd = os.open(where + target.name, flags, 0o644)
            try:
                _write_all(fd, data)
                if sync_each:
                    os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise _write_error(target, exc) from None
        if progress:
            progress(1)


def _write_all(fd: int, data: bytes) -> None:
    written = os.write(fd, data)
    if written < len(data):  # a short write (rare on a regular file): the rest
        view = memoryview(data)[written:]
        while view:
            view = view[os.write(fd, view):]


def _remove_folder(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


def _fsync_folder(folder: Path) -> None:
    """Make the renames in ``folder`` durable (one fsync of the folder, where supported)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # e.g. Windows cannot open a folder; its renames are journalled anyway
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _stage(target: Path, data: bytes, existing: dict[Path, set[str]]) -> str | None:
    """Write ``data`` to a temporary file beside ``target``; None if ``target`` has it already."""
    if target.name in existing[target.parent]:
        with contextlib.suppress(FileNotFoundError, IsADirectoryError):
            if target.read_bytes() == data:
                return None
    tmp = os.path.join(target.parent, f".{target.name}.{os.getpid()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(tmp, flags, 0o644)  # cheaper than mkstemp + chmod, 10,000 times over
    except FileExistsError:  # left by a crashed run of this same pid: start it afresh
        os.unlink(tmp)
        fd = os.open(tmp, flags, 0o644)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if not portable.can_sync_all():
                handle.flush()
                os.fsync(handle.fileno())
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def remove_if_present(path: Path) -> bool:
    """Delete ``path`` if it is there (a file this tool wrote that the plan no longer holds)."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True
