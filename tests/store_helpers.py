"""Test-only shortcuts into a project's database: fake models and predictions, many sample rows."""

from __future__ import annotations

MODEL_SQL = (
    "INSERT INTO models (version, created_at, task, architecture, state) VALUES (?, 'now', 'classify', 'cnn', ?)"
)
PREDICTION_SQL = (
    "INSERT INTO predictions (sample_id, model_version, label_id, score, created_at) VALUES (?, ?, ?, ?, 'now')"
)


def add_model(store, version: str, state: str) -> None:
    with store.transaction():
        store.conn.execute(MODEL_SQL, (version, state))


def add_prediction(store, sample_id: int, version: str, label_id: int, score: float) -> None:
    with store.transaction():
        store.conn.execute(PREDICTION_SQL, (sample_id, version, label_id, score))


def add_synthetic_samples(store, count: int, start: int = 0) -> None:
    """Sample rows with no image files behind them, through the repository's bulk insert."""
    with store.transaction():
        store.samples.add_many(
            (f"synthetic/{i:07d}.jpg", f"{i:064x}", 640, 480, "train") for i in range(start, start + count)
        )
