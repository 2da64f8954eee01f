"""Queries the canvas needs: the active model's prediction shapes, and the samples that come
next in the gallery's order (to decode them ahead of time)."""

from __future__ import annotations

import sqlite3


class OverlayRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def active_prediction_geometry(self, sample_id: int) -> list[tuple[int | None, float | None, str]]:
        """(label_id, score, geometry JSON) of the active model's predictions that have geometry."""
        rows = self._conn.execute(
            "SELECT p.label_id, p.score, p.geometry FROM predictions p "
            "JOIN models m ON m.version = p.model_version "
            "WHERE m.state = 'active' AND p.sample_id = ? AND p.geometry IS NOT NULL",
            (sample_id,),
        )
        return [(row[0], row[1], row[2]) for row in rows]

    def ids_after(self, sample_id: int, limit: int, unlabeled_only: bool = False) -> list[int]:
        """The next `limit` sample ids after `sample_id` in id order (untagged ones only if asked)."""
        if unlabeled_only:
            sql = (
                "SELECT s.id FROM samples s WHERE s.id > ? AND NOT EXISTS "
                "(SELECT 1 FROM annotations t WHERE t.sample_id = s.id AND t.kind = 'tag') ORDER BY s.id LIMIT ?"
            )
        else:
            sql = "SELECT id FROM samples WHERE id > ? ORDER BY id LIMIT ?"
        return [row[0] for row in self._conn.execute(sql, (sample_id, limit))]

    def ids_before(self, sample_id: int, limit: int) -> list[int]:
        rows = self._conn.execute("SELECT id FROM samples WHERE id < ? ORDER BY id DESC LIMIT ?", (sample_id, limit))
        return [row[0] for row in rows]

    def paths(self, ids: list[int]) -> dict[int, str]:
        if not ids:
            return {}
        rows = self._conn.execute(f"SELECT id, path FROM samples WHERE id IN ({','.join('?' * len(ids))})", ids)
        return {row[0]: row[1] for row in rows}
