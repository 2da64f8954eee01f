"""Leases: which labeler holds which sample until when, so Next never hands one sample to two.

A lease is taken by one statement, an upsert that only overwrites a row when the old lease has
expired or is the taker's own; the database serialises it (SQLite's write lock, PostgreSQL's
row lock on the conflicting key), so two processes can never both win the same sample.
"""

from __future__ import annotations

import sqlite3

LEASES_DDL = """
CREATE TABLE IF NOT EXISTS leases (
    sample_id INTEGER PRIMARY KEY REFERENCES samples (id) ON DELETE CASCADE,
    holder TEXT NOT NULL,
    taken_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS leases_expiry ON leases (expires_at);
"""


class LeaseRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def take(self, sample_id: int, holder: str, now: str, expires_at: str) -> bool:
        """Hold `sample_id` for `holder` until `expires_at`, unless someone else holds it now or it
        is no longer unlabeled (a caller's queue may be a moment old: the sample was labeled and
        its lease released since it was read)."""
        cur = self._conn.execute(
            "INSERT INTO leases (sample_id, holder, taken_at, expires_at)"
            " SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM samples WHERE id = ? AND status = 'unlabeled')"
            " ON CONFLICT (sample_id) DO UPDATE SET holder = excluded.holder, taken_at = excluded.taken_at,"
            " expires_at = excluded.expires_at WHERE leases.expires_at <= ? OR leases.holder = excluded.holder",
            (sample_id, holder, now, expires_at, sample_id, now),
        )
        return cur.rowcount == 1

    def renew(self, sample_id: int, holder: str, expires_at: str) -> bool:
        cur = self._conn.execute(
            "UPDATE leases SET expires_at = ? WHERE sample_id = ? AND holder = ?", (expires_at, sample_id, holder)
        )
        return cur.rowcount == 1

    def release(self, sample_id: int, holder: str) -> None:
        self._conn.execute("DELETE FROM leases WHERE sample_id = ? AND holder = ?", (sample_id, holder))

    def held_by_others(self, holder: str, now: str) -> set[int]:
        rows = self._conn.execute("SELECT sample_id FROM leases WHERE holder <> ? AND expires_at > ?", (holder, now))
        return {int(r[0]) for r in rows}

    def active(self, now: str) -> list[tuple[int, str, str, str]]:
        """(sample_id, holder, taken_at, expires_at) of every lease not yet expired, for leads."""
        rows = self._conn.execute(
            "SELECT sample_id, holder, taken_at, expires_at FROM leases WHERE expires_at > ? ORDER BY holder, taken_at",
            (now,),
        )
        return [(int(r[0]), r[1], r[2], r[3]) for r in rows]
