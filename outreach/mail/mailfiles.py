"""The mailboxes ``outreach inbox`` reads, each as a ``MailSource``: its new messages as
``Item``s (bytes, or why a message was not read) and, once they are recorded, how far it was
read (``remember``), so the next run starts there.

- ``MboxFile``: the file is mapped, not read line by line; messages start at ``From `` lines
  (as ``mailbox.mbox`` splits them). A rerun starts at the byte offset read up to, while the
  4 KB before it are unchanged (a rewritten or compacted file is read again from the start:
  Message-IDs keep the ledger right).
- ``MboxStream``: an mbox on standard input (``outreach inbox -``), split the same way; it
  has no offset to resume at, so a message read before is known by its Message-ID alone.
- ``MaildirFolder``: ``new/`` and ``cur/``; a file is read once by its unique name (the part
  before ``:2,``, which a mail client changes when it sets flags). An entry that is a link out
  of the folder, or not a regular file (a device such as ``/dev/zero``, a pipe), is skipped.
- ``ImapFolder``: UIDs after the highest read while UIDVALIDITY holds, fetched in batches
  (``outreach.mail.imap``); the highest UID read moves only past messages whose bytes arrived.

Every message over ``MAX_MESSAGE`` bytes is skipped without being read into memory.
"""

from __future__ import annotations

import hashlib
import mmap
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from outreach.errors import OutreachError
from outreach.ledger import Ledger, SourceState

MAX_MESSAGE = 25 * 1024 * 1024  # bytes; the same cap as outreach.mail.imap.MAX_MESSAGE
_FINGERPRINT = 4096  # bytes before the offset an mbox rerun checks


@dataclass(frozen=True)
class Item:
    """One message of a source: its ``data``, or the ``problem`` why it was not read;
    ``where`` names it for the user."""

    where: str
    data: bytes = b""
    problem: str = ""


class MailSource(Protocol):
    name: str  # the source's name in the ledger
    total: int  # how many messages ``items`` will yield (about: for progress)

    def items(self) -> Iterator[Item]: ...

    def remember(self, ledger: Ledger) -> None: ...


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def too_large(size: int) -> str:
    return f"{_megabytes(size)}, larger than {MAX_MESSAGE // 1024 // 1024} MB"


def open_source(path: Path, ledger: Ledger) -> MailSource:
    """The mbox file or Maildir folder at ``path``."""
    if path.is_dir():
        if not (path / "cur").is_dir() and not (path / "new").is_dir():
            raise OutreachError(f"{path}: not a Maildir folder (no cur/ or new/ in it)")
        return MaildirFolder(path, ledger)
    if path.is_file():
        return MboxFile(path, ledger)
    raise OutreachError(f"{path}: no such mbox file or Maildir folder")


# ---------------------------------------------------------------- mbox


class MboxFile:
    def __init__(self, path: Path, ledger: Ledger) -> None:
        self.path = path
        self.name = str(path)
        self._state = ledger.source_state(self.name)
        self._size = path.stat().st_size
        self._start = self._resume_at()
        self._end = self._start
        self.total = self._count()
        _check_mbox(self.name, self._size if self._start == 0 else 0, self.total)

    def _count(self) -> int:
        """How many messages start after the offset (a fast scan: for progress)."""
        if self._start >= self._size:
            return 0
        with self.path.open("rb") as handle, mmap.mmap(handle.fileno(), 0,
                                                       access=mmap.ACCESS_READ) as view:
            return self._starts(view, self._start)

    @staticmethod
    def _starts(view: Any, position: int) -> int:
        """How many messages start at or after ``position`` (at ``From `` lines)."""
        count = int(view[position:position + 5] == b"From ")
        at = view.find(b"\nFrom ", position)
        while at >= 0:
            count += 1
            at = view.find(b"\nFrom ", at + 6)
        return count

    def _fingerprint(self, view: Any, offset: int) -> str:
        return hashlib.sha256(view[max(0, offset - _FINGERPRINT):offset]).hexdigest()

    def _resume_at(self) -> int:
        state = self._state
        if state is None or not state.position.isdigit():
            return 0
        offset = int(state.position)
        if offset > self._size or offset == 0:
            return 0
        with self.path.open("rb") as handle:
            handle.seek(max(0, offset - _FINGERPRINT))
            before = handle.read(min(offset, _FINGERPRINT))
        return offset if hashlib.sha256(before).hexdigest() == state.fingerprint else 0

    def items(self) -> Iterator[Item]:
        if self._size == 0 or self._start >= self._size:
            return
        with self.path.open("rb") as handle, mmap.mmap(handle.fileno(), 0,
                                                       access=mmap.ACCESS_READ) as view:
            yield from self._split(view)
            self._fingerprint_now = self._fingerprint(view, self._end)

    def _split(self, view: Any) -> Iterator[Item]:
        size = len(view)
        start = self._start if view[self._start:self._start + 5] == b"From " else (
            self._next_from(view, self._start))
        while 0 <= start < size:
            following = self._next_from(view, start + 1)
            stop = following if following >= 0 else size
            body = view.find(b"\n", start, stop) + 1 or stop
            end = stop - 1 if stop - 2 >= body and view[stop - 2:stop] == b"\n\n" else stop
            where = f"{self.path.name}, the message at byte {start}"
            length = end - body
            if length > MAX_MESSAGE:
                yield Item(where, problem=too_large(length))
            else:
                yield Item(where, bytes(view[body:end]))
            self._end = stop
            start = following

    @staticmethod
    def _next_from(view: Any, position: int) -> int:
        found = view.find(b"\nFrom ", max(0, position - 1))
        return found + 1 if found >= 0 else -1

    def remember(self, ledger: Ledger) -> None:
        if self._end == self._start:
            return
        fingerprint = getattr(self, "_fingerprint_now", "")
        ledger.save_source_state(self.name, SourceState("", str(self._end), fingerprint))


def _check_mbox(name: str, size: int, messages: int) -> None:
    """Bytes in which no message starts (no ``From `` line) are not an mbox: say so."""
    if size and not messages:
        raise OutreachError(f"{name}: not an mbox (no message starts with a 'From ' line)")


class MboxStream(MboxFile):
    """An mbox given as bytes (standard input): split as a file is, remembered by nothing."""

    def __init__(self, data: bytes, name: str = "standard input") -> None:
        self.path = Path(name)  # only its name is shown: "standard input, the message at…"
        self.name = name
        self._data = data
        self._state = None
        self._size = len(data)
        self._start = self._end = 0
        self.total = self._starts(data, 0)
        _check_mbox(name, self._size, self.total)

    def items(self) -> Iterator[Item]:
        if self._data:
            yield from self._split(self._data)

    def remember(self, ledger: Ledger) -> None:
        """Nothing to remember: the next stream is another one."""


# ---------------------------------------------------------------- Maildir


def maildir_key(name: str) -> str:
    """A Maildir file's unique part: what stays when flags change (``1700.M1P2.host``)."""
    return name.split(":", 1)[0].split("!", 1)[0]


class MaildirFolder:
    def __init__(self, path: Path, ledger: Ledger) -> None:
        self.path = path
        self.name = str(path)
        self._root = path.resolve()
        read = ledger.files_read(self.name)
        self._new: list[tuple[str, str]] = []  # (key, sub/name)
        for sub in ("new", "cur"):
            try:
                entries = os.listdir(path / sub)
            except OSError:
                continue
            for entry in entries:
                key = maildir_key(entry)
                if not entry.startswith(".") and key not in read:
                    self._new.append((key, f"{sub}/{entry}"))
        self._new.sort()
        self._done: list[str] = []
        self.total = len(self._new)

    def items(self) -> Iterator[Item]:
        seen: set[str] = set()
        for key, relative in self._new:
            if key in seen:
                continue
            seen.add(key)
            item = self._read(relative)
            if item is not None:
                self._done.append(key)
                yield item

    def _read(self, relative: str) -> Item | None:
        """The file's bytes, or why not; None when it vanished (the next run sees it)."""
        path = self.path / relative
        where = f"{self.path.name}/{relative}"
        try:
            if path.is_symlink() and not path.resolve().is_relative_to(self._root):
                return Item(where, problem="a link out of the Maildir folder")
            descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        except FileNotFoundError:
            return None
        except OSError as exc:
            return Item(where, problem=f"cannot be opened ({exc.strerror})")
        with os.fdopen(descriptor, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                return Item(where, problem="not a regular file (a device, pipe or folder)")
            if info.st_size > MAX_MESSAGE:
                return Item(where, problem=too_large(info.st_size))
            data = handle.read(MAX_MESSAGE + 1)
        if len(data) > MAX_MESSAGE:
            return Item(where, problem=too_large(len(data)))
        return Item(where, data)

    def remember(self, ledger: Ledger) -> None:
        if self._done:
            ledger.record_files_read(self.name, self._done)


# ---------------------------------------------------------------- IMAP


class ImapFolder:
    """The new messages of the folder an ``outreach.mail.imap.ImapSession`` points at."""

    def __init__(self, session: Any, ledger: Ledger, since: date | None) -> None:
        from outreach.mail.imap import new_uids

        self.session = session
        self.name = session.url.source
        state = ledger.folder_state(self.name)
        self._validity, self._uids = new_uids(session, state, since)
        held = state is not None and state[0] == self._validity
        self._last = state[1] if held and state is not None else 0
        self._blocked = False
        self.total = len(self._uids)

    def items(self) -> Iterator[Item]:
        for fetched in self.session.fetch_many(self._uids, MAX_MESSAGE):
            where = f"{self.session.url.folder} UID {fetched.uid}"
            if fetched.problem == "missing":
                self._blocked = True  # read again next run: last_uid stays before it
                yield Item(where, problem="the server sent no bytes for it; it is read "
                           "again next run")
                continue
            if not self._blocked:
                self._last = max(self._last, fetched.uid)
            if fetched.problem:
                yield Item(where, problem=too_large(fetched.size))
            else:
                yield Item(where, fetched.data)

    def remember(self, ledger: Ledger) -> None:
        ledger.save_folder_state(self.name, self._validity, self._last)
