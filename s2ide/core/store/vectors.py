"""Embeddings for similarity search and the priority slice (the SQL behind core/engine/similarity).

Vectors are float16 blobs: a model's come from its predictions (one per sample and version), the
fixed fallback embedding from `sample_embeddings`. Both are read as one (ids, matrix) pair with a
single query and one `frombuffer`, so 100,000 rows load without a Python object per value.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterable, Sequence

import numpy as np

from s2ide.core.clock import now_iso

_STAMP_KEY = "vectors_written:"  # + kind, in meta


def _matrix(rows: list[tuple[int, bytes]]) -> tuple[np.ndarray, np.ndarray]:
    """(ids int64 ascending, float16 matrix) from (id, blob) rows in any order; rows of another
    width than the first are dropped. Sorting here lets the query scan the table in storage order
    instead of visiting 100,000 rows through an index."""
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float16)
    width = len(rows[0][1])
    kept = [r for r in rows if len(r[1]) == width]
    ids = np.fromiter((r[0] for r in kept), dtype=np.int64, count=len(kept))
    flat = np.frombuffer(b"".join(r[1] for r in kept), dtype=np.float16).reshape(len(kept), width // 2)
    order = np.argsort(ids, kind="stable")
    return ids[order], flat[order]


class VectorRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    # -- fallback embeddings ---------------------------------------------------------------
    def put_many(self, kind: str, rows: Iterable[tuple[int, np.ndarray]]) -> int:
        """Store (sample_id, vector) rows of one kind as float16, replacing older ones."""
        now = now_iso()
        params = [
            (int(sample_id), kind, np.ascontiguousarray(vector, dtype=np.float16).tobytes(), now)
            for sample_id, vector in rows
        ]
        self._conn.executemany(
            "INSERT INTO sample_embeddings (sample_id, kind, vector, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (sample_id, kind) DO UPDATE SET vector = excluded.vector, created_at = excluded.created_at",
            params,
        )
        if params:  # one small row says "these vectors changed": readers compare it instead of scanning
            self._conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (_STAMP_KEY + kind, f"{now}/{uuid.uuid4().hex[:8]}"),
            )
        return len(params)

    def missing(self, kind: str) -> list[tuple[int, str]]:
        """(id, path) of the samples without an embedding of this kind, by id."""
        return list(
            self._conn.execute(
                "SELECT s.id, s.path FROM samples s WHERE NOT EXISTS "
                "(SELECT 1 FROM sample_embeddings e WHERE e.sample_id = s.id AND e.kind = ?) ORDER BY s.id",
                (kind,),
            )
        )

    def count(self, kind: str) -> int:
        row = self._conn.execute("SELECT COUNT(*) FROM sample_embeddings WHERE kind = ?", (kind,)).fetchone()
        return int(row[0])

    def stamp(self, kind: str) -> str:
        """Changes whenever vectors of this kind are written (a cache key; one row read)."""
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (_STAMP_KEY + kind,)).fetchone()
        return "" if row is None else str(row[0])

    def matrix(self, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """(sample ids, float16 rows) of every stored embedding of this kind, by sample id."""
        cur = self._conn.execute("SELECT sample_id, vector FROM sample_embeddings WHERE kind = ?", (kind,))
        return _matrix(cur.fetchall())

    def one(self, kind: str, sample_id: int) -> np.ndarray | None:
        row = self._conn.execute(
            "SELECT vector FROM sample_embeddings WHERE kind = ? AND sample_id = ?", (kind, sample_id)
        ).fetchone()
        return None if row is None else np.frombuffer(row[0], dtype=np.float16).copy()

    # -- a model's embeddings (stored with its predictions) --------------------------------
    def model_stamp(self, model_version: str) -> str:
        """Changes when the model's predictions are written again (each write gets new row ids);
        "" when the model stored no embeddings. Read from the index alone, plus one row."""
        row = self._conn.execute(
            "SELECT COUNT(*), MAX(id) FROM predictions WHERE model_version = ?", (model_version,)
        ).fetchone()
        if not row[0]:
            return ""
        has = self._conn.execute("SELECT embedding IS NOT NULL FROM predictions WHERE id = ?", (row[1],)).fetchone()
        return f"{model_version}/{row[0]}/{row[1]}" if has and has[0] else ""

    def model_matrix(self, model_version: str) -> tuple[np.ndarray, np.ndarray]:
        """(sample ids, float16 rows) of a model's stored embeddings, by sample id."""
        cur = self._conn.execute(
            "SELECT sample_id, embedding FROM predictions WHERE model_version = ? AND embedding IS NOT NULL",
            (model_version,),
        )
        return _matrix(cur.fetchall())

    def model_one(self, model_version: str, sample_id: int) -> np.ndarray | None:
        row = self._conn.execute(
            "SELECT embedding FROM predictions WHERE model_version = ? AND sample_id = ?", (model_version, sample_id)
        ).fetchone()
        return None if row is None or row[0] is None else np.frombuffer(row[0], dtype=np.float16).copy()

    # -- which samples a search may return -------------------------------------------------
    def unlabeled_ids(self) -> np.ndarray:
        """Samples with status unlabeled and no tag: what `--unlabeled` keeps."""
        cur = self._conn.execute(
            "SELECT s.id FROM samples s WHERE s.status = 'unlabeled' AND NOT EXISTS "
            "(SELECT 1 FROM annotations t WHERE t.sample_id = s.id AND t.kind = 'tag' AND t.label_id IS NOT NULL)"
        )
        return np.array([r[0] for r in cur], dtype=np.int64)


class PriorityRepository:
    """The priority slice: samples served before the strategy's choice, in the order they were sent."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def add(self, sample_ids: Sequence[int], user: str, note: str = "") -> list[int]:
        """Append these samples (those not in the slice yet) after its last one; returns the ids added."""
        present = set(self.ids())
        start = self._conn.execute("SELECT COALESCE(MAX(position), 0) FROM priority_samples").fetchone()[0]
        fresh: list[int] = []
        for sample_id in sample_ids:
            if int(sample_id) not in present and int(sample_id) not in fresh:
                fresh.append(int(sample_id))
        now = now_iso()
        self._conn.executemany(
            "INSERT INTO priority_samples (sample_id, position, added_by, added_at, note) VALUES (?, ?, ?, ?, ?)",
            [(sample_id, start + i + 1, user, now, note) for i, sample_id in enumerate(fresh)],
        )
        return fresh

    def ids(self) -> list[int]:
        return [r[0] for r in self._conn.execute("SELECT sample_id FROM priority_samples ORDER BY position")]

    def pending(self) -> list[tuple[int, str]]:
        """(id, path) of the slice's samples still to label (unlabeled, untagged), in order."""
        return list(
            self._conn.execute(
                "SELECT s.id, s.path FROM priority_samples p JOIN samples s ON s.id = p.sample_id "
                "WHERE s.status = 'unlabeled' AND NOT EXISTS (SELECT 1 FROM annotations t WHERE "
                "t.sample_id = s.id AND t.kind = 'tag' AND t.label_id IS NOT NULL) ORDER BY p.position"
            )
        )

    def done(self) -> list[int]:
        """Samples in the slice that are labeled (or escalated, skipped) by now: to drop from it."""
        return [
            r[0]
            for r in self._conn.execute(
                "SELECT p.sample_id FROM priority_samples p JOIN samples s ON s.id = p.sample_id "
                "WHERE s.status <> 'unlabeled' OR EXISTS (SELECT 1 FROM annotations t WHERE "
                "t.sample_id = s.id AND t.kind = 'tag' AND t.label_id IS NOT NULL)"
            )
        ]

    def remove(self, sample_ids: Sequence[int]) -> int:
        ids = [int(i) for i in sample_ids]
        removed = 0
        for start in range(0, len(ids), 500):  # portable IN lists, under SQLite's bound-variable limit
            chunk = ids[start : start + 500]
            cur = self._conn.execute(
                f"DELETE FROM priority_samples WHERE sample_id IN ({','.join('?' * len(chunk))})", chunk
            )
            removed += int(cur.rowcount)
        return removed
