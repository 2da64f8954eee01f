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
from s2ide.core.store.external_models import create_external_models
from s2ide.core.store.jobs import add_job_tables
from s2ide.core.store.leases import LEASES_DDL
from s2ide.core.store.migration_attributes import add_annotation_attributes
from s2ide.core.store.predictions import add_localisation_column
from s2ide.core.store.prelabels import create_prelabel_outcomes
from s2ide.core.store.quality_schema import add_quality_tables
from s2ide.core.store.schema import SCHEMA_V1, SCHEMA_VERSION
from s2ide.core.store.sessions_time import add_sessions_time
from s2ide.core.store.skeletons import allow_keypoints
from s2ide.core.store.vectors_schema import add_vector_tables


def _add_leases(conn: sqlite3.Connection) -> None:
    """v2: leases, so Next hands each sample to one labeler at a time (store/leases.py), and an
    index on the audit's time for the team dashboard's "today" (store/team_activity.py)."""
    for statement in [*LEASES_DDL.split(";"), "CREATE INDEX IF NOT EXISTS audit_at ON audit (at)"]:
        if statement.strip():
            conn.execute(statement)


# version reached -> step that brings version-1 to it. Add entries; never edit a shipped one.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    2: _add_leases,
    3: add_annotation_attributes,
    4: create_external_models,  # bring-your-own ONNX models (issue 19)
    5: create_prelabel_outcomes,  # issue 18: what became of each pre-label
    6: add_sessions_time,  # sample open intervals per user (time telemetry)
    7: add_quality_tables,  # model_tests and slices (issue 22)
    8: add_vector_tables,  # similarity search: fallback embeddings, priority slice (issue 25)
    9: add_job_tables,  # the job queue `s2ide worker` runs, workers' stamps, weights in the database (issue 17)
    10: allow_keypoints,  # a keypoints kind and per-label skeletons (issue 20)
    11: add_localisation_column,  # issue 18: flip disagreement of detect/segment predictions
}


def create_schema(conn: sqlite3.Connection) -> None:
    """The whole schema. On PostgreSQL (a `PgConnection`) the same script and steps run translated,
    inside the caller's transaction."""
    if getattr(conn, "dialect", "sqlite") == "postgresql":
        conn.executescript(SCHEMA_V1)
    else:
        conn.executescript("BEGIN;" + SCHEMA_V1 + "COMMIT;")
    target = max([SCHEMA_VERSION, *MIGRATIONS])
    for version in sorted(v for v in MIGRATIONS if v > 1):
        MIGRATIONS[version](conn)
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('schema_version', ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (str(target),),
    )


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


def check_not_newer(conn: sqlite3.Connection, where: object) -> int:
    """The schema version; refuses a project made by a newer s2ide."""
    version = current_version(conn)
    latest = latest_version()
    if version > latest:
        raise S2Error(f"{where}: made by a newer s2ide (schema {version}, this one knows {latest}); upgrade s2ide")
    return version


def migrate(conn: sqlite3.Connection, db_path: Path | str) -> Path | None:
    """Bring the database to the latest version; returns the backup made, if any.

    On PostgreSQL there is no file to copy (the server's own backups, pg_dump, serve), and every
    step runs translated; the caller re-applies the team roles afterwards.
    """
    version = check_not_newer(conn, db_path)
    latest = latest_version()
    if version == latest:
        return None
    saved = None if getattr(conn, "dialect", "sqlite") == "postgresql" else backup(conn, Path(db_path), version)
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
