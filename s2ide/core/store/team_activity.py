"""What the team dashboard counts: recent activity per person, tags per hour, open escalations.

All of it is read from the audit table (every change writes a row there, with who and when) and
the escalations table, in GROUP BYs over indexed columns.
"""

from __future__ import annotations

import sqlite3

ACTIVE_STATES = ("open", "in_review", "returned")


class TeamActivityRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def last_seen(self, since: str) -> dict[str, tuple[str, int]]:
        """person -> (time of their last change, changes) since `since`."""
        rows = self._conn.execute('SELECT "user", MAX(at), COUNT(*) FROM audit WHERE at >= ? GROUP BY "user"', (since,))
        return {r[0]: (r[1], int(r[2])) for r in rows}

    def tags_by_hour(self, since: str) -> dict[str, dict[int, int]]:
        """person -> {hour of day (UTC, 0-23): tags set} since `since` (one row per label saved)."""
        rows = self._conn.execute(
            "SELECT \"user\", substr(at, 12, 2), COUNT(*) FROM audit WHERE action = 'tag' AND at >= ?"
            ' GROUP BY "user", substr(at, 12, 2)',
            (since,),
        )
        out: dict[str, dict[int, int]] = {}
        for user, hour, count in rows:
            out.setdefault(user, {})[int(hour)] = int(count)
        return out

    def open_escalations(self) -> dict[str, tuple[int, int]]:
        """person -> (escalations they raised still open, open ones assigned to them)."""
        marks = ", ".join("?" for _ in ACTIVE_STATES)
        raised = self._conn.execute(
            f"SELECT raised_by, COUNT(*) FROM escalations WHERE state IN ({marks}) GROUP BY raised_by", ACTIVE_STATES
        )
        out = {r[0]: (int(r[1]), 0) for r in raised}
        assigned = self._conn.execute(
            f"SELECT assignee, COUNT(*) FROM escalations WHERE state IN ({marks}) AND assignee IS NOT NULL"
            " GROUP BY assignee",
            ACTIVE_STATES,
        )
        for user, count in assigned:
            out[user] = (out.get(user, (0, 0))[0], int(count))
        return out
