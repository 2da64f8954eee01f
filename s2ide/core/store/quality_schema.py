"""Schema step: model tests (pinned samples) and named slices (issue 22).

A model test pins one sample: it must be predicted as a label, must not be, or (detection)
must hold a found object of a label in a region. A slice is a named set of samples (a list,
or a saved gallery filter) that carries a minimum metric. Each version's results are kept
with the version (models.metrics["suite"]), so a report still reads after a test is removed.
"""

from __future__ import annotations

import sqlite3

TEST_KINDS = ("must_be", "must_not_be", "must_find")
SLICE_KINDS = ("samples", "filter")

QUALITY_SQL = """
CREATE TABLE IF NOT EXISTS model_tests (
    id INTEGER PRIMARY KEY,
    sample_id INTEGER NOT NULL REFERENCES samples (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('must_be', 'must_not_be', 'must_find')),
    label_id INTEGER NOT NULL REFERENCES labels (id) ON DELETE CASCADE,
    region TEXT,
    note TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS model_tests_sample ON model_tests (sample_id);
CREATE TABLE IF NOT EXISTS slices (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('samples', 'filter')),
    definition TEXT NOT NULL,
    metric TEXT NOT NULL DEFAULT 'accuracy',
    minimum REAL,
    note TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
"""


def add_quality_tables(conn: sqlite3.Connection) -> None:
    """Migration step: create model_tests and slices (statements run one by one, so the step
    stays inside the migration's transaction)."""
    for statement in QUALITY_SQL.split(";"):
        if statement.strip():
            conn.execute(statement)
