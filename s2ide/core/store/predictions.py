"""Per-sample predictions of each model version: label, score, uncertainty, loss, embedding.

Probabilities are stored as float32 blobs in the model's label order (its `label_map`), the
embedding (penultimate features) as a float16 blob. `in_training` says whether the model saw
the sample while training, so tools that need out-of-sample probabilities (confident
learning) can keep to the rows where it is 0.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from s2ide.core.clock import now_iso


@dataclass(frozen=True)
class Prediction:
    sample_id: int
    model_version: str
    label_id: int | None
    score: float | None
    probabilities: np.ndarray | None  # float32, in the model's label order
    least_confidence: float | None
    margin: float | None
    entropy: float | None
    loss: float | None
    embedding: np.ndarray | None  # float16
    in_training: bool
    created_at: str


@dataclass(frozen=True)
class PredictionArrays:
    """Every prediction of one model as columns, aligned by row (for sampling and plots)."""

    model_version: str
    sample_ids: np.ndarray  # int64 (n,)
    label_ids: np.ndarray  # int64 (n,), -1 where none
    scores: np.ndarray  # float32 (n,)
    probabilities: np.ndarray  # float32 (n, k)
    least_confidence: np.ndarray  # float32 (n,)
    margin: np.ndarray  # float32 (n,)
    entropy: np.ndarray  # float32 (n,)
    loss: np.ndarray  # float32 (n,), nan where the sample has no label
    embeddings: np.ndarray | None  # float32 (n, d) or None when not stored
    in_training: np.ndarray  # bool (n,)

    def __len__(self) -> int:
        return len(self.sample_ids)


def encode_array(values: np.ndarray | None, dtype: type) -> bytes | None:
    return None if values is None else np.ascontiguousarray(values, dtype=dtype).tobytes()


def _decode(blob: bytes | None, dtype: type) -> np.ndarray | None:
    return None if blob is None else np.frombuffer(blob, dtype=dtype).copy()


_COLUMNS = (
    "sample_id, model_version, label_id, score, probabilities, least_confidence, margin, entropy, loss, "
    "embedding, in_training, created_at"
)

# Every column but the key takes the new row's value (what INSERT OR REPLACE did, portably).
_REPLACE = ", ".join(
    f"{c} = excluded.{c}" for c in (c.strip() for c in _COLUMNS.split(",")) if c not in ("sample_id", "model_version")
)


def _record(row: tuple[Any, ...]) -> Prediction:
    return Prediction(
        sample_id=row[0],
        model_version=row[1],
        label_id=row[2],
        score=row[3],
        probabilities=_decode(row[4], np.float32),
        least_confidence=row[5],
        margin=row[6],
        entropy=row[7],
        loss=row[8],
        embedding=_decode(row[9], np.float16),
        in_training=bool(row[10]),
        created_at=row[11],
    )


def add_localisation_column(conn: sqlite3.Connection) -> None:
    """Migration step: `localisation`, a detector's or segmenter's disagreement with itself under
    a horizontal flip (core/engine/tta_disagreement.py), the localisation queue's key. Runs again
    harmlessly on a database that has the column (a step replayed from an earlier version)."""
    cursor = conn.execute("SELECT * FROM predictions WHERE 1 = 0")
    if "localisation" not in [column[0] for column in cursor.description or ()]:
        conn.execute("ALTER TABLE predictions ADD COLUMN localisation REAL")


class PredictionRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    # -- writing ---------------------------------------------------------------------------
    def put_many(self, model_version: str, rows: Iterable[dict[str, Any]]) -> int:
        """Insert or replace predictions of one model. Each row: sample_id, label_id, score,
        probabilities (array), least_confidence, margin, entropy, loss, embedding (array), in_training."""
        now = now_iso()
        params = [
            (
                int(row["sample_id"]),
                model_version,
                None if row.get("label_id") is None else int(row["label_id"]),
                _float(row.get("score")),
                encode_array(row.get("probabilities"), np.float32),
                _float(row.get("least_confidence")),
                _float(row.get("margin")),
                _float(row.get("entropy")),
                _float(row.get("loss")),
                encode_array(row.get("embedding"), np.float16),
                int(bool(row.get("in_training", False))),
                now,
            )
            for row in rows
        ]
        self._conn.executemany(
            f"INSERT INTO predictions ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            f"ON CONFLICT (sample_id, model_version) DO UPDATE SET {_REPLACE}",
            params,
        )
        return len(params)

    def put_geometry(self, model_version: str, rows: Iterable[tuple[int, str | None]]) -> None:
        """Set the predicted shapes (JSON, core/labeling/prediction_shapes.py) of rows written by
        `put_many`: a detector's boxes, a segmenter's masks."""
        self._conn.executemany(
            "UPDATE predictions SET geometry = ? WHERE model_version = ? AND sample_id = ?",
            [(text, model_version, int(sample_id)) for sample_id, text in rows],
        )

    def put_localisation(self, model_version: str, rows: Iterable[tuple[int, float]]) -> None:
        """Set the flip disagreement of rows written by `put_many` (detect and segment models)."""
        self._conn.executemany(
            "UPDATE predictions SET localisation = ? WHERE model_version = ? AND sample_id = ?",
            [(float(value), model_version, int(sample_id)) for sample_id, value in rows],
        )

    def localisation_of(self, model_version: str) -> dict[int, float]:
        """sample id -> flip disagreement, for the rows that have one."""
        cur = self._conn.execute(
            "SELECT sample_id, localisation FROM predictions WHERE model_version = ? AND localisation IS NOT NULL",
            (model_version,),
        )
        return {int(row[0]): float(row[1]) for row in cur.fetchall()}

    def geometry_of(self, model_version: str) -> dict[int, str]:
        """sample id -> the predicted shapes' JSON, for the rows that have shapes."""
        cur = self._conn.execute(
            "SELECT sample_id, geometry FROM predictions WHERE model_version = ? AND geometry IS NOT NULL",
            (model_version,),
        )
        return {int(row[0]): str(row[1]) for row in cur}

    def delete_for_model(self, model_version: str) -> None:
        self._conn.execute("DELETE FROM predictions WHERE model_version = ?", (model_version,))

    # -- reading one -----------------------------------------------------------------------
    def get(self, sample_id: int, model_version: str) -> Prediction | None:
        row = self._conn.execute(
            f"SELECT {_COLUMNS} FROM predictions WHERE sample_id = ? AND model_version = ?",
            (sample_id, model_version),
        ).fetchone()
        return None if row is None else _record(row)

    def active_for_sample(self, sample_id: int) -> Prediction | None:
        """The active model's prediction for a sample (what pre-labels show)."""
        cols = ", ".join(f"p.{c.strip()}" for c in _COLUMNS.split(","))
        row = self._conn.execute(
            f"SELECT {cols} FROM predictions p JOIN models m ON m.version = p.model_version "
            "WHERE p.sample_id = ? AND m.state = 'active'",
            (sample_id,),
        ).fetchone()
        return None if row is None else _record(row)

    def active_label(self, sample_id: int) -> int | None:
        """Just the active model's predicted label id (cheap: used on every label save)."""
        row = self._conn.execute(
            "SELECT p.label_id FROM predictions p JOIN models m ON m.version = p.model_version "
            "WHERE p.sample_id = ? AND m.state = 'active'",
            (sample_id,),
        ).fetchone()
        return None if row is None else row[0]

    # -- reading many ----------------------------------------------------------------------
    def count(self, model_version: str) -> int:
        return int(
            self._conn.execute("SELECT COUNT(*) FROM predictions WHERE model_version = ?", (model_version,)).fetchone()[
                0
            ]
        )

    def arrays(self, model_version: str, with_embeddings: bool = True) -> PredictionArrays:
        """All predictions of a model as numpy columns, ordered by sample id."""
        emb = "embedding" if with_embeddings else "NULL"
        cur = self._conn.execute(
            "SELECT sample_id, label_id, score, probabilities, least_confidence, margin, entropy, loss, "
            f"{emb}, in_training FROM predictions WHERE model_version = ? ORDER BY sample_id",
            (model_version,),
        )
        rows = cur.fetchall()
        n = len(rows)
        probs = [np.frombuffer(r[3], dtype=np.float32) if r[3] is not None else None for r in rows]
        width = max((len(p) for p in probs if p is not None), default=0)
        matrix = np.zeros((n, width), dtype=np.float32)
        for i, p in enumerate(probs):
            if p is not None:
                matrix[i, : len(p)] = p
        embeddings: np.ndarray | None = None
        if with_embeddings and n and all(r[8] is not None for r in rows):
            embeddings = np.stack([np.frombuffer(r[8], dtype=np.float16) for r in rows]).astype(np.float32)

        def column(index: int, fill: float = np.nan) -> np.ndarray:
            return np.array([fill if r[index] is None else r[index] for r in rows], dtype=np.float32)

        return PredictionArrays(
            model_version=model_version,
            sample_ids=np.array([r[0] for r in rows], dtype=np.int64),
            label_ids=np.array([-1 if r[1] is None else r[1] for r in rows], dtype=np.int64),
            scores=column(2),
            probabilities=matrix,
            least_confidence=column(4),
            margin=column(5),
            entropy=column(6),
            loss=column(7),
            embeddings=embeddings,
            in_training=np.array([bool(r[9]) for r in rows], dtype=bool),
        )

    def embeddings_of(self, model_version: str, sample_ids: Sequence[int]) -> np.ndarray | None:
        """The embeddings of these samples, in this order (float32 rows); None when any is missing.

        A few hundred rows out of a large project, without decoding every stored embedding.
        """
        found: dict[int, np.ndarray] = {}
        ids = [int(s) for s in sample_ids]
        for start in range(0, len(ids), 500):  # stay under SQLite's bound-parameter limit
            chunk = ids[start : start + 500]
            cur = self._conn.execute(
                f"SELECT sample_id, embedding FROM predictions WHERE model_version = ? "
                f"AND sample_id IN ({','.join('?' * len(chunk))})",
                [model_version, *chunk],
            )
            for sample_id, blob in cur:
                if blob is not None:
                    found[sample_id] = np.frombuffer(blob, dtype=np.float16)
        if not ids or any(i not in found for i in ids) or len({len(v) for v in found.values()}) != 1:
            return None
        return np.stack([found[i] for i in ids]).astype(np.float32)

    def rows(
        self, model_version: str, sample_ids: Sequence[int] | None = None, limit: int | None = None
    ) -> list[dict[str, Any]]:
        """Predictions joined with the sample's path, status and current tag, by sample id:
        id, path, status, split, label_id (tag), predicted_id, score, least_confidence, margin,
        entropy, loss, in_training."""
        params: list[Any] = [model_version]
        where = ""
        if sample_ids is not None:
            where = f" AND s.id IN ({','.join('?' * len(sample_ids))})"
            params.extend(sample_ids)
        sql = (
            "SELECT s.id, s.path, s.status, s.split, t.label_id, p.label_id, p.score, p.least_confidence, "
            "p.margin, p.entropy, p.loss, p.in_training FROM predictions p JOIN samples s ON s.id = p.sample_id "
            "LEFT JOIN annotations t ON t.sample_id = s.id AND t.kind = 'tag' "
            f"WHERE p.model_version = ?{where} ORDER BY s.id"
        )
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        names = (
            "id",
            "path",
            "status",
            "split",
            "label_id",
            "predicted_id",
            "score",
            "least_confidence",
            "margin",
            "entropy",
            "loss",
            "in_training",
        )
        return [dict(zip(names, row)) for row in self._conn.execute(sql, params)]

    def mistakes(self, model_version: str, limit: int | None = None) -> list[dict[str, Any]]:
        """Labeled samples whose tag differs from the model's prediction, highest loss first."""
        sql = (
            "SELECT s.id, s.path, t.label_id, p.label_id, p.score, p.loss FROM predictions p "
            "JOIN samples s ON s.id = p.sample_id "
            "JOIN annotations t ON t.sample_id = s.id AND t.kind = 'tag' "
            "WHERE p.model_version = ? AND t.label_id IS NOT NULL AND t.label_id != p.label_id "
            "ORDER BY p.loss DESC, s.id"
        )
        params: list[Any] = [model_version]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        names = ("id", "path", "label_id", "predicted_id", "score", "loss")
        return [dict(zip(names, row)) for row in self._conn.execute(sql, params)]


def _float(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if np.isnan(number) else number
