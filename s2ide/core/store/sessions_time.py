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


@dataclass(frozen=True)
class DoneSampleTime:
    """One labeler's time on one sample that is done, with what it holds and what they took."""

    user: str
    sample_id: int
    seconds: float
    shapes: int  # the sample's shapes and masks now (tags left out)
    taken: int  # pre-labels this labeler took, unchanged or edited (prelabel_outcomes)
    model_version: str | None  # the version whose pre-labels were shown, if any


def done_sample_times(store: Store) -> list[DoneSampleTime]:
    """Per labeler and done (labeled or reviewed) sample: the seconds it was open for them, its
    shapes, and the pre-labels they took from prelabel_outcomes. Portable SQL."""
    sql = (
        "SELECT t.user_name, t.sample_id, SUM(t.seconds), "
        "(SELECT COUNT(*) FROM annotations a WHERE a.sample_id = t.sample_id AND a.kind <> 'tag'), "
        "(SELECT COUNT(*) FROM prelabel_outcomes o WHERE o.sample_id = t.sample_id AND o.labeler = t.user_name "
        "AND o.outcome IN ('accepted', 'edited')), "
        "(SELECT MIN(o.model_version) FROM prelabel_outcomes o WHERE o.sample_id = t.sample_id "
        "AND o.labeler = t.user_name) "
        "FROM sessions_time t JOIN samples s ON s.id = t.sample_id "
        "WHERE s.status IN ('labeled', 'reviewed') "
        "GROUP BY t.user_name, t.sample_id ORDER BY t.user_name, t.sample_id"
    )
    return [
        DoneSampleTime(str(row[0]), int(row[1]), float(row[2]), int(row[3]), int(row[4]), row[5])
        for row in store.conn.execute(sql)
    ]
