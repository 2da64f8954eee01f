"""Is this file an s2ide database, is it intact, and rescuing what a damaged one still holds.

`verify_s2ide` runs before any migration so a foreign SQLite file (one that happens to have a
`meta` table) is refused without a backup or anything else written beside it. `check` is
`PRAGMA integrity_check`; `recover` copies what is readable into a new database, with the
sqlite3 command line's `.recover` when it is installed, else row by row in Python.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from s2ide.core.errors import InvalidInputError, NotAProjectError
from s2ide.core.store.schema import SCHEMA_V1
from s2ide.core.store.storage_errors import corrupt

REQUIRED_TABLES = tuple(re.findall(r"CREATE TABLE (\w+)", SCHEMA_V1))


def table_names(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def verify_s2ide(conn: sqlite3.Connection, db_path: Path) -> None:
    """NotAProjectError for a foreign database; CorruptDatabaseError for one missing s2ide tables."""
    tables = table_names(conn)
    version = None
    if "meta" in tables:
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.OperationalError:  # a `meta` without key/value columns
            row = None
        version = row[0] if row else None
    if version is None or not str(version).isdigit():
        raise NotAProjectError(
            f"{db_path}: an SQLite database, but not an s2ide project (no schema version in a meta table); "
            "nothing was changed"
        )
    missing = [name for name in REQUIRED_TABLES if name not in tables]
    if missing:
        raise corrupt(db_path, f"the {', '.join(missing)} table{'s are' if len(missing) > 1 else ' is'} missing")


@dataclass
class Recovery:
    method: str
    dest: Path
    tables: dict[str, int] = field(default_factory=dict)
    lost: dict[str, int] = field(default_factory=dict)
    integrity: list[str] = field(default_factory=list)


def check(db_path: Path, limit: int = 100) -> list[str]:
    """`PRAGMA integrity_check`: ["ok"] for a sound file, else the problems it names."""
    uri = db_path.resolve().as_uri()
    try:
        conn = sqlite3.connect(f"{uri}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return [f"cannot open it ({exc})"]
    try:
        return [str(row[0]) for row in conn.execute(f"PRAGMA integrity_check({int(limit)})")]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    finally:
        conn.close()


def recover(db_path: Path, dest: Path, *, use_cli: bool = True) -> Recovery:
    """Copy what is readable from `db_path` into `dest`/project.db (a new folder)."""
    if dest.exists() and any(dest.iterdir()):
        raise InvalidInputError(f"{dest}: exists and is not empty; name a new folder")
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / db_path.name
    cli = shutil.which("sqlite3") if use_cli else None
    recovery = _recover_with_cli(cli, db_path, target) if cli else _recover_in_python(db_path, target)
    recovery.integrity = check(target)
    return recovery


def _recover_with_cli(cli: str, db_path: Path, target: Path) -> Recovery:
    dump = subprocess.run([cli, str(db_path), ".recover"], capture_output=True, check=False)
    load = subprocess.run([cli, str(target)], input=dump.stdout, capture_output=True, check=False)
    recovery = Recovery(method="sqlite3 .recover", dest=target)
    failed = dump.returncode != 0 or load.returncode != 0
    if not failed:
        conn = sqlite3.connect(str(target))
        try:
            for name in sorted(table_names(conn)):
                if not name.startswith("sqlite_"):
                    recovery.tables[name] = conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
        except sqlite3.Error:
            failed = True
        finally:
            conn.close()
    if failed or "samples" not in recovery.tables:
        # Older sqlite3 builds stop on some schemas ("SQL logic error"): copy row by row instead.
        why = (dump.stderr or load.stderr).decode(errors="replace").strip().splitlines()
        target.unlink(missing_ok=True)
        fallback = _recover_in_python(db_path, target)
        fallback.method += f" (sqlite3 .recover failed: {why[-1] if why else 'no tables'})"
        return fallback
    return recovery


def _recover_in_python(db_path: Path, target: Path) -> Recovery:
    """Schema first, then every table row by row by rowid; rows that fail to read are counted."""
    recovery = Recovery(method="row-by-row copy in Python", dest=target)
    source = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
    out = sqlite3.connect(str(target), isolation_level=None)
    try:
        schema = source.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
        out.execute("BEGIN")
        for kind, _name, sql in schema:
            if kind == "table":
                out.execute(sql)
        for kind, name, _sql in schema:
            if kind == "table":
                copied, lost = _copy_table(source, out, name)
                recovery.tables[name] = copied
                if lost:
                    recovery.lost[name] = lost
        for kind, _name, sql in schema:
            if kind in ("index", "trigger", "view"):
                try:
                    out.execute(sql)
                except sqlite3.Error:
                    pass  # a unique index the rescued rows no longer satisfy: the data matters more
        out.execute("COMMIT")
    finally:
        source.close()
        out.close()
    return recovery


def _copy_table(source: sqlite3.Connection, out: sqlite3.Connection, name: str) -> tuple[int, int]:
    quoted = '"' + name.replace('"', '""') + '"'
    try:
        columns = [row[1] for row in source.execute(f"PRAGMA table_info({quoted})")]
    except sqlite3.DatabaseError:
        return 0, 1
    placeholders = ", ".join("?" for _ in columns)
    insert = f"INSERT INTO {quoted} VALUES ({placeholders})"
    copied = lost = 0
    try:
        high = source.execute(f"SELECT max(rowid) FROM {quoted}").fetchone()[0] or 0
    except sqlite3.OperationalError:  # a WITHOUT ROWID table: all of it, or nothing
        try:
            rows = source.execute(f"SELECT * FROM {quoted}").fetchall()
        except sqlite3.DatabaseError:
            return 0, 1
        for row in rows:
            try:
                out.execute(insert, row)
                copied += 1
            except sqlite3.Error:
                lost += 1
        return copied, lost
    except sqlite3.DatabaseError:
        return 0, 1
    step = 512
    for start in range(0, high + 1, step):
        try:
            rows = source.execute(
                f"SELECT * FROM {quoted} WHERE rowid >= ? AND rowid < ?", (start, start + step)
            ).fetchall()
        except sqlite3.DatabaseError:
            rows = []
            for rowid in range(start, start + step):
                try:
                    rows.extend(source.execute(f"SELECT * FROM {quoted} WHERE rowid = ?", (rowid,)).fetchall())
                except sqlite3.DatabaseError:
                    lost += 1
        for row in rows:
            try:
                out.execute(insert, row)
                copied += 1
            except sqlite3.Error:
                lost += 1
    return copied, lost
