"""Turn SQLite and OS storage failures into messages that say what happened and what to do.

"database or disk is full", "attempt to write a readonly database", "database disk image is
malformed" and "disk I/O error" reach the user otherwise as `unexpected OperationalError`.
`translate()` names the folder, the free space and the next step; anything it does not
recognise is returned as None so the caller re-raises the original error unchanged.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
from pathlib import Path

from s2ide.core.errors import CorruptDatabaseError, DiskFullError, ReadOnlyProjectError, StorageError

# Below this much free space an I/O error at open is the disk's fault, not the file's.
LOW_SPACE_BYTES = 1024 * 1024

_FULL = ("database or disk is full", "no space left on device")
_READ_ONLY = ("attempt to write a readonly database", "readonly database", "read-only file system")
_CORRUPT = ("database disk image is malformed", "file is not a database", "malformed database schema")
_FULL_ERRNOS = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


def human_bytes(count: int) -> str:
    value = float(count)
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{count} bytes"  # pragma: no cover


def free_bytes(folder: Path) -> int | None:
    """Free space where `folder` lives (its nearest existing parent), None when unknown."""
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        return shutil.disk_usage(probe).free
    except OSError:
        return None


def disk_full(folder: Path, outcome: str = "the change was rolled back and nothing saved was lost") -> DiskFullError:
    free = free_bytes(folder)
    room = "" if free is None else f", {human_bytes(free)} free"
    return DiskFullError(
        f"disk full: no space left in {folder}{room}; {outcome}. "
        "Free some space on that disk (or move the project) and try again"
    )


def last_backup(db_path: Path) -> Path | None:
    """The newest copy the migration step made beside the database (`project.db.vN-STAMP.bak`)."""
    backups = sorted(db_path.parent.glob(f"{db_path.name}.v*.bak"), key=lambda p: p.stat().st_mtime)
    return backups[-1] if backups else None


def corrupt(db_path: Path, detail: str) -> CorruptDatabaseError:
    backup = last_backup(db_path)
    where = f"the last backup is {backup}" if backup else "no backup from a migration step exists beside it"
    return CorruptDatabaseError(
        f"{db_path}: the database is damaged ({detail}); {where}. "
        f"Run `s2ide check-db {db_path.parent}` to check it and "
        f"`s2ide check-db {db_path.parent} --recover NEW_FOLDER` to rescue what is readable"
    )


def read_only(db_path: Path) -> ReadOnlyProjectError:
    return ReadOnlyProjectError(
        f"{db_path.parent}: the project is read-only (the disk, folder or {db_path.name} cannot be written); "
        "browsing, stats, samples and export work, edits need write access"
    )


def _text(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc).lower()


def _sqlite_header(db_path: Path) -> bool:
    try:
        with db_path.open("rb") as handle:
            return handle.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS:
        return True
    return any(key in _text(exc) for key in _FULL)


def translate(exc: BaseException, db_path: Path, *, opening: bool = False) -> StorageError | None:
    """A StorageError for `exc` (raised while using the database at `db_path`), or None."""
    if isinstance(exc, StorageError):
        return exc
    if not isinstance(exc, (sqlite3.Error, OSError)):
        return None
    text = _text(exc)
    folder = db_path.parent
    if is_disk_full(exc):
        return disk_full(folder)
    if any(key in text for key in _READ_ONLY) or (isinstance(exc, OSError) and exc.errno == errno.EROFS):
        return read_only(db_path)
    if any(key in text for key in _CORRUPT):
        if "file is not a database" in text and not _sqlite_header(db_path):
            return None  # not SQLite at all: the caller says "not an s2ide database"
        return corrupt(db_path, str(exc))
    if "disk i/o error" in text or (opening and "unable to open database file" in text):
        free = free_bytes(folder)
        if free is not None and free < LOW_SPACE_BYTES:
            return disk_full(folder, "the project could not be opened (nothing was changed)")
    if text.startswith("no such table") or text.startswith("no such column"):
        return corrupt(db_path, f"{exc}: a table or column s2ide needs is missing")
    return None
