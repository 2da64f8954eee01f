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


def open_connection(path: Path | str) -> sqlite3.Connection:
    """Connect in autocommit mode; `transaction()` groups writes explicitly."""
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
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

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._depth = 0

    @contextmanager
    def __call__(self) -> Iterator[None]:
        if self._depth == 0:
            self._conn.execute("BEGIN IMMEDIATE")
        else:
            self._conn.execute(f"SAVEPOINT sp{self._depth}")
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            if self._depth == 0:
                self._conn.execute("ROLLBACK")
            else:
                self._conn.execute(f"ROLLBACK TO sp{self._depth}")
                self._conn.execute(f"RELEASE sp{self._depth}")
            raise
        else:
            self._depth -= 1
            if self._depth == 0:
                self._conn.execute("COMMIT")
            else:
                self._conn.execute(f"RELEASE sp{self._depth}")

    @property
    def active(self) -> bool:
        return self._depth > 0
