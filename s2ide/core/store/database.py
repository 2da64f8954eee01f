"""Open a project database with the settings every connection needs.

WAL lets readers (the gallery, the trainer's snapshot) run beside a writer; the busy timeout
lets two windows on one project wait for each other instead of failing; foreign keys keep
annotations from pointing at deleted samples. Each thread opens its own connection.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils

BUSY_TIMEOUT_MS = 10_000


def open_connection(path: Path | str, read_only: bool = False) -> sqlite3.Connection:
    """Connect in autocommit mode; `transaction()` groups writes explicitly."""
    if read_only:
        return open_read_only(Path(path))
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def open_read_only(path: Path) -> sqlite3.Connection:
    """A project on a read-only disk or an unwritable project.db: reads work, writes fail cleanly.

    `mode=ro` still needs the WAL's -shm file; where it cannot be created (a read-only mount)
    the file is opened immutable, which is right there because nothing can change it.
    """
    uri = path.resolve().as_uri()
    kwargs = {"timeout": BUSY_TIMEOUT_MS / 1000, "isolation_level": None, "check_same_thread": False, "uri": True}
    try:
        conn = sqlite3.connect(f"{uri}?mode=ro", **kwargs)  # type: ignore[call-overload]
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError as exc:
        if "unable to open" not in str(exc):  # busy, damaged...: not a case for immutable reads
            raise
        conn = sqlite3.connect(f"{uri}?mode=ro&immutable=1", **kwargs)  # type: ignore[call-overload]
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA query_only = ON")
    return conn


def open_database(path: Path | str) -> sqlite_utils.Database:
    """The same connection wrapped by sqlite-utils (imported here only: it costs ~0.2 s of start-up)."""
    import sqlite_utils

    return sqlite_utils.Database(open_connection(path))


class Transactions:
    """Nestable transactions: the outermost is BEGIN IMMEDIATE, inner ones are savepoints.

    BEGIN IMMEDIATE takes the write lock up front so two writers queue on the busy timeout
    rather than failing half-way with SQLITE_BUSY on upgrade.
    """

    def __init__(self, conn: sqlite3.Connection, db_path: Path | None = None) -> None:
        self._conn = conn
        self._depth = 0
        self._db_path = db_path

    @contextmanager
    def __call__(self) -> Iterator[None]:
        try:
            self._begin()
        except sqlite3.Error as exc:
            explained = self._explained(exc)
            if explained is exc:
                raise
            raise explained from exc
        try:
            yield
        except BaseException as exc:
            self._depth -= 1
            self._undo()
            explained = self._explained(exc)
            if explained is exc:
                raise
            raise explained from exc
        else:
            self._depth -= 1
            try:
                self._conn.execute("COMMIT" if self._depth == 0 else f"RELEASE sp{self._depth}")
            except sqlite3.Error as exc:
                if self._depth == 0:
                    self._undo()
                explained = self._explained(exc)
                if explained is exc:
                    raise
                raise explained from exc

    def _begin(self) -> None:
        self._conn.execute("BEGIN IMMEDIATE" if self._depth == 0 else f"SAVEPOINT sp{self._depth}")
        self._depth += 1

    def _undo(self) -> None:
        """Roll back; SQLite may already have done so itself (disk full, I/O error)."""
        try:
            if self._depth == 0:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
            else:
                self._conn.execute(f"ROLLBACK TO sp{self._depth}")
                self._conn.execute(f"RELEASE sp{self._depth}")
        except sqlite3.Error:
            if self._depth == 0 and self._conn.in_transaction:
                raise

    def _explained(self, exc: BaseException) -> BaseException:
        """A storage failure as a message that says what to do (disk full, read-only, damaged)."""
        if self._db_path is None:
            return exc
        from s2ide.core.store.storage_errors import translate

        return translate(exc, self._db_path) or exc

    @property
    def active(self) -> bool:
        return self._depth > 0
