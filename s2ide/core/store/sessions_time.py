"""`sessions_time`: how long each sample was open, for whom, and what was done meanwhile.

One row per interval a sample was open in the app (closed when the labeler moves on): seconds,
tags set (and how many of those were accepted suggestions) and shapes drawn. The labeling
domain turns these into seconds per label and per shape per labeler and day. Portable SQL.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from s2ide.core.store import Store

DDL = """
CREATE TABLE IF NOT EXISTS sessions_time (
    id INTEGER PRIMARY KEY,
    sample_id INTEGER NOT NULL REFERENCES samples (id) ON DELETE CASCADE,
    user_name TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    closed_at TEXT NOT NULL,
    seconds REAL NOT NULL,
    tags INTEGER NOT NULL DEFAULT 0,
    accepted INTEGER NOT NULL DEFAULT 0,
    shapes INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS sessions_time_user_day ON sessions_time (user_name, opened_at);
"""


def add_sessions_time(conn: sqlite3.Connection) -> None:
    """Migration step: the sessions_time table (DESIGN.md §3, wave 2)."""
    for statement in DDL.split(";"):
        if statement.strip():
            conn.execute(statement)


@dataclass(frozen=True)
class OpenInterval:
    sample_id: int
    user: str
    opened_at: str
    closed_at: str
    seconds: float
    tags: int = 0
    accepted: int = 0
    shapes: int = 0


def record(store: Store, interval: OpenInterval) -> None:
    with store.transaction():
        store.conn.execute(
            "INSERT INTO sessions_time (sample_id, user_name, opened_at, closed_at, seconds, tags, accepted, shapes) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                interval.sample_id,
                interval.user,
                interval.opened_at,
                interval.closed_at,
                interval.seconds,
                interval.tags,
                interval.accepted,
                interval.shapes,
            ),
        )


def intervals(store: Store, since: str | None = None) -> list[OpenInterval]:
    sql = (
        "SELECT sample_id, user_name, opened_at, closed_at, seconds, tags, accepted, shapes FROM sessions_time"
        + (" WHERE opened_at >= ?" if since else "")
        + " ORDER BY opened_at"
    )
    return [OpenInterval(*row) for row in store.conn.execute(sql, (since,) if since else ())]
