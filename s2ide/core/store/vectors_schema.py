"""Schema step for similarity search: stored fallback embeddings and the priority slice.

`sample_embeddings` holds embeddings that do not come from a model (the fixed cheap embedding
computed after import), one row per sample and kind. `priority_samples` is the slice a lead
sends to the front of everyone's Next; a row leaves it once its sample is labeled.
"""

from __future__ import annotations

import sqlite3

VECTORS_SQL = """
CREATE TABLE IF NOT EXISTS sample_embeddings (
    sample_id INTEGER NOT NULL REFERENCES samples (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    vector BLOB NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (sample_id, kind)
);
CREATE TABLE IF NOT EXISTS priority_samples (
    sample_id INTEGER PRIMARY KEY REFERENCES samples (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    added_by TEXT NOT NULL,
    added_at TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS priority_samples_position ON priority_samples (position);
"""


def add_vector_tables(conn: sqlite3.Connection) -> None:
    """Migration step: create the two tables (idempotent, so a re-run after a crash is harmless)."""
    for statement in VECTORS_SQL.split(";"):
        if statement.strip():
            conn.execute(statement)
