"""Rows of a folder opened as a project (`core/io/folder_project.py`): file names first, facts later.

A folder's samples are written by name at once with a placeholder hash (`PENDING_PREFIX` + a
digest of the path, unique like the real one) and a size of 0x0; the background indexer fills
in the real sha256 and size as it reads each file. Portable SQL, `?` placeholders.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from s2ide.core.clock import now_iso

if TYPE_CHECKING:
    from s2ide.core.store import Store

PENDING_PREFIX = "pending-"


def add_names(store: Store, rows: Iterable[tuple[str, str]]) -> int:
    """Insert (path, placeholder sha256) rows, unlabeled and 0x0, in the caller's transaction."""
    now = now_iso()
    cur = store.conn.executemany(
        "INSERT INTO samples (path, sha256, width, height, split, status, added_at) "
        "VALUES (?, ?, 0, 0, 'none', 'unlabeled', ?)",
        ((path, sha, now) for path, sha in rows),
    )
    return int(cur.rowcount)


def known_paths(store: Store) -> set[str]:
    return {row[0] for row in store.conn.execute("SELECT path FROM samples")}


def pending(store: Store) -> list[tuple[int, str]]:
    """(id, path) of the samples not read yet, in id (= name) order."""
    rows = store.conn.execute("SELECT id, path FROM samples WHERE sha256 LIKE ? ORDER BY id", (PENDING_PREFIX + "%",))
    return [(int(row[0]), str(row[1])) for row in rows]


def is_pending(sha256: str) -> bool:
    return sha256.startswith(PENDING_PREFIX)


def set_facts(store: Store, sample_id: int, sha256: str, width: int, height: int) -> None:
    store.conn.execute(
        "UPDATE samples SET sha256 = ?, width = ?, height = ? WHERE id = ?",
        (sha256, width, height, sample_id),
    )


def has_annotations(store: Store, sample_id: int) -> bool:
    row = store.conn.execute("SELECT 1 FROM annotations WHERE sample_id = ? LIMIT 1", (sample_id,)).fetchone()
    return row is not None


def delete_sample(store: Store, sample_id: int) -> None:
    store.conn.execute("DELETE FROM samples WHERE id = ?", (sample_id,))
