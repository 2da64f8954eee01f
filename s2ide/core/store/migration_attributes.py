"""Schema step: annotations keep their source attributes (iscrowd, truncated, difficult,
occluded, group_id, free-form) as a JSON object, so an import -> export round trip loses none."""

from __future__ import annotations

import sqlite3


def add_annotation_attributes(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE annotations ADD COLUMN attributes TEXT")
