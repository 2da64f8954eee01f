"""The prelabel_outcomes table: what became of each pre-label a labeler was shown.

One row per suggested shape when its sample is marked done: accepted unchanged, edited (with
the IoU between the suggestion and the shape kept) or rejected, by whom and for which model
version; `rates()` gives the acceptance rate per labeler and version.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from s2ide.core.clock import now_iso

OUTCOMES = ("accepted", "edited", "rejected")

PRELABEL_OUTCOMES_DDL = """
CREATE TABLE IF NOT EXISTS prelabel_outcomes (
    id INTEGER PRIMARY KEY,
    sample_id INTEGER NOT NULL REFERENCES samples (id) ON DELETE CASCADE,
    model_version TEXT NOT NULL,
    labeler TEXT NOT NULL,
    label_id INTEGER,
    kind TEXT NOT NULL,
    score REAL,
    outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'edited', 'rejected')),
    iou REAL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS prelabel_outcomes_model ON prelabel_outcomes (model_version, labeler);
CREATE INDEX IF NOT EXISTS prelabel_outcomes_sample ON prelabel_outcomes (sample_id);
"""


def create_prelabel_outcomes(conn: sqlite3.Connection) -> None:
    """Migration step: the prelabel_outcomes table and its indexes."""
    for statement in PRELABEL_OUTCOMES_DDL.split(";"):
        if statement.strip():
            conn.execute(statement)


class PrelabelOutcomeRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def replace_for_sample(self, sample_id: int, rows: Iterable[dict[str, Any]]) -> int:
        """The outcomes of one sample's pre-labels (a sample marked done again replaces them)."""
        self._conn.execute("DELETE FROM prelabel_outcomes WHERE sample_id = ?", (sample_id,))
        at = now_iso()
        params = [
            (
                sample_id,
                row["model_version"],
                row["labeler"],
                row.get("label_id"),
                row["kind"],
                row.get("score"),
                row["outcome"],
                row.get("iou"),
                at,
            )
            for row in rows
        ]
        self._conn.executemany(
            "INSERT INTO prelabel_outcomes (sample_id, model_version, labeler, label_id, kind, score, outcome, "
            "iou, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            params,
        )
        return len(params)

    def for_sample(self, sample_id: int) -> list[dict[str, Any]]:
        cur = self._conn.execute(
            "SELECT model_version, labeler, label_id, kind, score, outcome, iou FROM prelabel_outcomes "
            "WHERE sample_id = ? ORDER BY id",
            (sample_id,),
        )
        names = ("model_version", "labeler", "label_id", "kind", "score", "outcome", "iou")
        return [dict(zip(names, row)) for row in cur]

    def rates(self) -> list[dict[str, Any]]:
        """Per (labeler, model version): counts of each outcome, the acceptance rate (accepted
        unchanged / all shown), and the mean IoU of the edited ones."""
        cur = self._conn.execute(
            "SELECT labeler, model_version, outcome, COUNT(*), AVG(iou), COUNT(DISTINCT sample_id) "
            "FROM prelabel_outcomes GROUP BY labeler, model_version, outcome ORDER BY labeler, model_version"
        )
        table: dict[tuple[str, str], dict[str, Any]] = {}
        for labeler, version, outcome, count, mean_iou, _samples in cur:
            entry = table.setdefault(
                (labeler, version),
                {"labeler": labeler, "model_version": version, "accepted": 0, "edited": 0, "rejected": 0},
            )
            entry[outcome] = int(count)
            if outcome == "edited":
                entry["edited_mean_iou"] = None if mean_iou is None else float(mean_iou)
        out = []
        for entry in table.values():
            shown = entry["accepted"] + entry["edited"] + entry["rejected"]
            entry["shown"] = shown
            entry["acceptance_rate"] = entry["accepted"] / shown if shown else None
            entry.setdefault("edited_mean_iou", None)
            out.append(entry)
        return out
