"""External models (bring your own ONNX files): which files a project knows, by checksum.

The files themselves live in the user's data folder (per machine, keyed by sha256); the
project keeps their names, kinds and checksums so every machine can check what it loads.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

from s2ide.core.errors import InvalidInputError

KINDS = ("sam", "yolo-detect", "yolo-segment")


def create_external_models(conn: sqlite3.Connection) -> None:
    """Migration step: the external_models table (portable SQL)."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS external_models ("
        " id INTEGER PRIMARY KEY,"
        " name TEXT NOT NULL UNIQUE,"
        " kind TEXT NOT NULL,"
        " files TEXT NOT NULL,"
        " source TEXT NOT NULL DEFAULT '',"
        " added_by TEXT NOT NULL DEFAULT '',"
        " added_at TEXT NOT NULL)"
    )


@dataclass(frozen=True)
class ExternalModel:
    id: int
    name: str
    kind: str  # one of KINDS
    files: dict[str, str]  # role ("model", "encoder", "decoder") -> sha256
    source: str  # where it came from: a local path or a URL
    added_by: str
    added_at: str


class ExternalModelRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def _record(self, row: tuple) -> ExternalModel:
        return ExternalModel(row[0], row[1], row[2], json.loads(row[3]), row[4], row[5], row[6])

    def add(self, name: str, kind: str, files: dict[str, str], source: str = "", added_by: str = "") -> ExternalModel:
        at = datetime.now(UTC).isoformat(timespec="seconds")
        cursor = self._conn.execute(
            "INSERT INTO external_models (name, kind, files, source, added_by, added_at) VALUES (?, ?, ?, ?, ?, ?)",
            (name, kind, json.dumps(files, sort_keys=True), source, added_by, at),
        )
        return self.get(int(cursor.lastrowid or 0))

    def get(self, model_id: int) -> ExternalModel:
        row = self._conn.execute(
            "SELECT id, name, kind, files, source, added_by, added_at FROM external_models WHERE id = ?", (model_id,)
        ).fetchone()
        if row is None:
            raise InvalidInputError(f"no external model {model_id}")
        return self._record(row)

    def by_name(self, name: str) -> ExternalModel | None:
        row = self._conn.execute(
            "SELECT id, name, kind, files, source, added_by, added_at FROM external_models WHERE name = ?", (name,)
        ).fetchone()
        return self._record(row) if row is not None else None

    def list(self) -> list[ExternalModel]:
        rows = self._conn.execute(
            "SELECT id, name, kind, files, source, added_by, added_at FROM external_models ORDER BY id"
        ).fetchall()
        return [self._record(row) for row in rows]

    def delete(self, model_id: int) -> None:
        self._conn.execute("DELETE FROM external_models WHERE id = ?", (model_id,))
