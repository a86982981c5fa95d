"""Opening the ledger file: WAL and busy-timeout set-up, migrations, transactions, the run lock.

``LedgerBase`` is what every part of ``Ledger`` (people, invites, meetings, deliveries) builds
on: ``write()`` is one ``BEGIN IMMEDIATE`` transaction (nested calls join it), ``_query()``
reads (for the ledger's own methods only), and SQLite's "locked"/"busy" answers become a
one-line ``OutreachError``.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from outreach.errors import OutreachError
from outreach.ledger.schema import CREATE_VERSION_TABLE, MIGRATIONS, SCHEMA_VERSION
from outreach.ledger.trust import check_trustworthy_file, quick_check, write_backup

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows has no flock; the SQLite lock still holds
    fcntl = None  # type: ignore[assignment]

LEDGER_NAME = "ledger.sqlite"
DEFAULT_BUSY_SECONDS = 5.0
IN_CHUNK = 500  # values per ``IN (...)`` query (SQLite allows 999+ variables)


def default_path() -> Path:
    """``$OUTREACH_LEDGER``, else ``ledger.sqlite`` in the platform's user data folder."""
    env = os.environ.get("OUTREACH_LEDGER")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("outreach")) / LEDGER_NAME


def chunks(values: Sequence[str]) -> Iterator[tuple[Sequence[str], str]]:
    """``values`` in slices for ``IN (...)`` queries: each slice and its ``?, ?, ...``."""
    for first in range(0, len(values), IN_CHUNK):
        chunk = values[first:first + IN_CHUNK]
        yield chunk, ", ".join("?" * len(chunk))


def utc_now() -> datetime:
    """Now, in UTC, to the second (what iCalendar and the ledger store)."""
    return datetime.now(UTC).replace(microsecond=0)


def as_utc(moment: datetime) -> datetime:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).replace(microsecond=0)


def iso(moment: datetime) -> str:
    return as_utc(moment).isoformat()


def _file_identity(path: Path, *, missing_ok: bool = True) -> tuple[int, int] | None:
    """(device, inode) of ``path``: the same name may come to mean another file."""
    try:
        status = os.stat(path)
    except FileNotFoundError:
        if missing_ok:
            return None
        raise
    except OSError:
        return None
    return status.st_dev, status.st_ino


class LedgerBase:
    """An open ledger file. Use ``Ledger.open(path)`` as a context manager."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self._db = connection
        self._depth = 0
        self._exclusive_depth = 0
        self._identity: tuple[int, int] | None = None

    @classmethod
    def open(
        cls, path: Path | None = None, *, busy_seconds: float = DEFAULT_BUSY_SECONDS,
        read_only: bool = False,
    ) -> Self:
        """Open (creating and migrating as needed) the ledger at ``path`` or the default.

        ``read_only`` (for commands that only read, such as ``status``): an existing ledger
        is opened for reading only, so a ledger on a read-only disk or without write
        permission can still be read. A missing or older ledger is opened as usual."""
        target = Path(path) if path is not None else default_path()
        existed = check_trustworthy_file(target)
        if read_only and existed:
            ledger = cls._open_read_only(target, busy_seconds)
            if ledger is not None:
                return ledger
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutreachError(
                f"ledger {target}: cannot create its folder: {exc.strerror}"
            ) from None
        if not existed:
            cls._create(target, busy_seconds)
        try:
            connection = sqlite3.connect(target, timeout=busy_seconds, isolation_level=None)
        except sqlite3.Error as exc:
            raise OutreachError(f"ledger {target}: cannot open: {exc}") from None
        connection.row_factory = sqlite3.Row
        ledger = cls(target, connection)
        try:
            ledger._configure(busy_seconds)
            if existed:
                ledger._quick_check()
            ledger._migrate()
            if existed and not read_only:
                ledger._backup()
        except BaseException:
            connection.close()
            raise
        ledger._identity = _file_identity(target)
        return ledger

    @classmethod
    def _create(cls, target: Path, busy_seconds: float) -> None:
        """A new, migrated ledger put in place whole (made beside it, then hard-linked to its
        name), so no run ever sees a half-made or empty ledger file (an empty one is refused
        as untrustworthy). If another run created it meanwhile, theirs is kept."""
        try:
            handle, name = tempfile.mkstemp(prefix=f".{target.name}.new.", dir=target.parent)
        except OSError as exc:
            raise OutreachError(f"ledger {target}: cannot create it: {exc.strerror}") from None
        os.close(handle)
        try:
            connection = sqlite3.connect(name, timeout=busy_seconds, isolation_level=None)
            try:
                fresh = cls(target, connection)  # messages name the ledger, not the temporary
                fresh._configure(busy_seconds)
                fresh._migrate()
            finally:
                connection.close()
            try:
                os.link(name, target)
            except FileExistsError:
                pass  # another run created it first: use theirs
            except OSError:  # no hard links on this file system
                if not target.exists():
                    os.replace(name, target)
        except sqlite3.Error as exc:
            raise OutreachError(f"ledger {target}: cannot create it: {exc}") from None
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name)

    @classmethod
    def _open_read_only(cls, target: Path, busy_seconds: float) -> Self | None:
        """The ledger opened with SQLite's ``mode=ro``; None if it needs migrating first."""
        from urllib.parse import quote

        try:
            connection = sqlite3.connect(f"file:{quote(str(target.resolve()))}?mode=ro",
                                         uri=True, timeout=busy_seconds, isolation_level=None)
            connection.row_factory = sqlite3.Row
            connection.execute(f"PRAGMA busy_timeout = {int(busy_seconds * 1000)}")
            ledger = cls(target, connection)
            ledger._quick_check()
            current = ledger.schema_version()
        except OutreachError:
            connection.close()
            raise
        except sqlite3.Error as exc:
            raise OutreachError(f"ledger {target}: cannot open it for reading: {exc}") from None
        if current != SCHEMA_VERSION:
            connection.close()
            return None
        ledger._identity = _file_identity(target)
        return ledger

    def _configure(self, busy_seconds: float) -> None:
        try:
            self._db.execute(f"PRAGMA busy_timeout = {int(busy_seconds * 1000)}")
            mode = self._db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        except sqlite3.OperationalError as exc:
            raise self._translate(exc) from None
        except sqlite3.DatabaseError as exc:
            raise OutreachError(f"ledger {self.path}: not an outreach ledger ({exc})") from None
        if str(mode).lower() != "wal":
            raise OutreachError(f"ledger {self.path}: cannot switch to WAL mode (got {mode})")
        self._db.execute("PRAGMA synchronous = FULL")

    def _quick_check(self) -> None:
        try:
            quick_check(self._db, self.path)
        except sqlite3.OperationalError as exc:
            raise self._translate(exc) from None

    def _backup(self) -> None:
        """The rolling ``ledger.sqlite.bak``, taken before this run writes anything."""
        write_backup(self._db, self.path)

    def _migrate(self) -> None:
        current = self.schema_version()
        if current > SCHEMA_VERSION:
            raise OutreachError(
                f"ledger {self.path}: schema version {current} is newer than this outreach "
                f"understands ({SCHEMA_VERSION}); upgrade outreach"
            )
        if current == SCHEMA_VERSION:
            return
        with self.write() as db:
            db.execute(CREATE_VERSION_TABLE)
            current = self.schema_version()  # another process may have migrated meanwhile
            for version in range(current + 1, SCHEMA_VERSION + 1):
                step = MIGRATIONS[version - 1]
                if callable(step):
                    step(db)  # inside this transaction: it must not COMMIT
                else:
                    for statement in step.split(";"):
                        if statement.strip():
                            db.execute(statement)
                db.execute(
                    "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                    (version, iso(utc_now())),
                )

    def schema_version(self) -> int:
        """The highest migration applied (0 for a new, empty file)."""
        try:
            exists = self._db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
            ).fetchone()
            if not exists:
                return 0
            row = self._db.execute("SELECT MAX(version) FROM schema_version").fetchone()
        except sqlite3.OperationalError as exc:
            raise self._translate(exc) from None
        except sqlite3.DatabaseError as exc:
            raise OutreachError(f"ledger {self.path}: not an outreach ledger ({exc})") from None
        return int(row[0] or 0)

    def _busy_error(self) -> OutreachError:
        return OutreachError(
            f"ledger {self.path} is busy: another outreach run is writing; try again",
            exit_code=3,
        )

    def _translate(self, exc: sqlite3.Error, *, writing: bool = False) -> OutreachError:
        text = str(exc).lower()
        if "locked" in text or "busy" in text:
            return self._busy_error()
        if not writing:
            return OutreachError(f"ledger {self.path}: {exc}")
        full = "full" in text
        return OutreachError(
            f"ledger {self.path}: cannot record: {'the disk is full' if full else exc}; "
            "this step was not recorded and what it was about stays pending"
            f"{' (free some space, then rerun)' if full else ''}")

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One ``BEGIN IMMEDIATE`` transaction (nested calls join the outer one)."""
        if self._depth:
            self._depth += 1
            try:
                yield self._db
            finally:
                self._depth -= 1
            return
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise self._translate(exc) from None
        self._depth = 1
        try:
            yield self._db
        except sqlite3.Error as exc:  # disk full, I/O error, damage met mid-way
            self._rollback_quietly()
            raise self._translate(exc, writing=True) from None
        except BaseException:
            self._rollback_quietly()
            raise
        else:
            try:
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:  # SQLite may have rolled back already (SQLITE_FULL)
                self._rollback_quietly()
                raise self._translate(exc, writing=True) from None
        finally:
            self._depth = 0

    def _rollback_quietly(self) -> None:
        """Undo the open transaction, if SQLite has not already; never hide the cause."""
        if self._db.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")

    def _query(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        """Read rows, for the ledger's own methods: the tables are private to
        ``outreach.ledger``, whose methods return dataclasses."""
        try:
            return self._db.execute(sql, tuple(params)).fetchall()
        except sqlite3.Error as exc:
            raise self._translate(exc) from None

    def check_same_file(self) -> None:
        """Refuse to go on when the ledger file was deleted or replaced since it was opened.

        SQLite keeps writing to a deleted file's inode: without this check a long run would
        record its deliveries where no later run looks, and the rerun would repeat them.
        """
        if self._identity is None:
            return
        try:
            now = _file_identity(self.path, missing_ok=False)
        except FileNotFoundError:
            raise OutreachError(
                f"ledger {self.path} disappeared during the run; stopped, nothing more sent "
                "(restore it before rerunning, or what this run sent is sent again)"
            ) from None
        if now != self._identity:
            raise OutreachError(
                f"ledger {self.path} was replaced by another file during the run; stopped, "
                "nothing more sent (what this run sent is recorded in the old file only)"
            )

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold ``PATH.lock`` for a whole run, so two ``outreach send`` never overlap.

        Re-entrant for one ``Ledger``: the CLI takes it before planning, ``send_batch`` again.
        """
        if fcntl is None:  # pragma: no cover
            yield
            return
        if self._exclusive_depth:
            self._exclusive_depth += 1
            try:
                yield
            finally:
                self._exclusive_depth -= 1
            return
        lock_path = self.path.with_name(self.path.name + ".lock")
        handle: IO[bytes] = lock_path.open("a+b")
        try:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise self._busy_error() from None
            self._exclusive_depth = 1
            try:
                yield
            finally:
                self._exclusive_depth = 0
        finally:
            handle.close()

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
