"""Schema versions and the steps between them.

Before any step changes a file, the database is copied beside it with the SQLite backup API
(consistent even in WAL mode), so a failed or unwanted migration can always be undone by hand.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from s2ide.core.errors import S2Error
from s2ide.core.store.schema import SCHEMA_V1, SCHEMA_VERSION
from s2ide.core.store.vectors_schema import add_vector_tables

# version reached -> step that brings version-1 to it. Add entries; never edit a shipped one.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    2: add_vector_tables,  # similarity search: fallback embeddings, priority slice
}


def create_schema(conn: sqlite3.Connection) -> None:
    conn.executescript("BEGIN;" + SCHEMA_V1 + "COMMIT;")
    target = max([SCHEMA_VERSION, *MIGRATIONS])
    for version in sorted(v for v in MIGRATIONS if v > 1):
        MIGRATIONS[version](conn)
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)", (str(target),))


def current_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def latest_version() -> int:
    return max([SCHEMA_VERSION, *MIGRATIONS])


def backup(conn: sqlite3.Connection, db_path: Path, version: int) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    target = db_path.with_name(f"{db_path.name}.v{version}-{stamp}.bak")
    dest = sqlite3.connect(str(target))
    try:
        conn.backup(dest)
    finally:
        dest.close()
    return target


def migrate(conn: sqlite3.Connection, db_path: Path) -> Path | None:
    """Bring the database to the latest version; returns the backup made, if any."""
    version = current_version(conn)
    latest = latest_version()
    if version > latest:
        raise S2Error(f"{db_path}: made by a newer s2ide (schema {version}, this one knows {latest}); upgrade s2ide")
    if version == latest:
        return None
    saved = backup(conn, db_path, version)
    for step in range(version + 1, latest + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            MIGRATIONS[step](conn)
            conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(step),))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    return saved
