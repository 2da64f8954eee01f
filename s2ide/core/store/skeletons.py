"""Keypoint skeletons, one per label: the names of a keypoints shape's points, in order, and the
edges drawn between them (pairs of 0-based indices), as COCO's `categories[].keypoints` and
`skeleton` hold them. A keypoints annotation stores only coordinates and visibility; the names
come from its label's skeleton here.

The schema step (`allow_keypoints`) lets annotations be of kind 'keypoints' on both backends: a
CHECK constraint cannot be altered in SQLite, so there the table is rebuilt with its indexes and
triggers; PostgreSQL drops and adds the named constraint.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field

from s2ide.core.store.schema import ANNOTATION_KINDS

KINDS_WITH_KEYPOINTS = (*ANNOTATION_KINDS, "keypoints")
_KIND_CHECK = re.compile(r"CHECK\s*\(\s*kind\s+IN\s*\([^)]*\)\s*\)", re.IGNORECASE)

SKELETONS_DDL = """
CREATE TABLE IF NOT EXISTS label_skeletons (
    label_id INTEGER NOT NULL REFERENCES labels (id) ON DELETE CASCADE,
    keypoints TEXT NOT NULL,
    edges TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (label_id)
)
"""


def _kind_check() -> str:
    return "CHECK (kind IN (" + ", ".join(f"'{k}'" for k in KINDS_WITH_KEYPOINTS) + "))"


def allow_keypoints(conn: sqlite3.Connection) -> None:
    """Schema step: annotations may be keypoints; labels may carry a skeleton."""
    if getattr(conn, "dialect", "sqlite") == "postgresql":
        conn.execute("ALTER TABLE annotations DROP CONSTRAINT IF EXISTS annotations_kind_check")
        conn.execute(f"ALTER TABLE annotations ADD CONSTRAINT annotations_kind_check {_kind_check()}")
    else:
        _rebuild_sqlite_annotations(conn)
    conn.execute(SKELETONS_DDL)


def _rebuild_sqlite_annotations(conn: sqlite3.Connection) -> None:
    """SQLite's documented way to change a constraint: a new table, the rows copied, the indexes
    and triggers made again. Nothing references annotations, and the triggers are dropped with the
    old table before its rows go, so the running counts (annotation_tally) stay as they are."""
    table_sql = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'annotations'").fetchone()[
        0
    ]
    new_sql, found = _KIND_CHECK.subn(_kind_check(), table_sql, count=1)
    if not found:
        raise RuntimeError("annotations has no kind CHECK to widen")
    extras = [
        row[0]
        for row in conn.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'annotations' AND type IN ('index', 'trigger') "
            "AND sql IS NOT NULL ORDER BY type, name"
        )
    ]
    conn.execute("CREATE TEMP TABLE annotations_keep AS SELECT * FROM annotations")
    conn.execute("DROP TABLE annotations")
    conn.execute(new_sql)
    conn.execute("INSERT INTO annotations SELECT * FROM annotations_keep")
    conn.execute("DROP TABLE annotations_keep")
    for statement in extras:
        conn.execute(statement)


@dataclass(frozen=True)
class Skeleton:
    names: list[str]
    edges: list[tuple[int, int]] = field(default_factory=list)


class SkeletonRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def get(self, label_id: int) -> Skeleton | None:
        row = self._conn.execute(
            "SELECT keypoints, edges FROM label_skeletons WHERE label_id = ?", (label_id,)
        ).fetchone()
        return None if row is None else _skeleton(row[0], row[1])

    def all(self) -> dict[int, Skeleton]:
        rows = self._conn.execute("SELECT label_id, keypoints, edges FROM label_skeletons").fetchall()
        return {int(r[0]): _skeleton(r[1], r[2]) for r in rows}

    def set(self, label_id: int, skeleton: Skeleton) -> None:
        self._conn.execute(
            "INSERT INTO label_skeletons (label_id, keypoints, edges) VALUES (?, ?, ?) "
            "ON CONFLICT (label_id) DO UPDATE SET keypoints = excluded.keypoints, edges = excluded.edges",
            (label_id, json.dumps(list(skeleton.names)), json.dumps([list(e) for e in skeleton.edges])),
        )


def _skeleton(names: str, edges: str) -> Skeleton:
    return Skeleton([str(n) for n in json.loads(names)], [(int(a), int(b)) for a, b in json.loads(edges or "[]")])
