"""Repositories of model tests (pinned samples) and named slices (see quality_schema.py)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from s2ide.core.clock import now_iso
from s2ide.core.errors import InvalidInputError, S2Error
from s2ide.core.store.quality_schema import SLICE_KINDS, TEST_KINDS


class UnknownSliceError(S2Error):
    """A slice name or id the project does not have."""


@dataclass(frozen=True)
class ModelTest:
    id: int
    sample_id: int
    kind: str  # must_be, must_not_be, must_find
    label_id: int
    region: list[float] | None  # [x, y, w, h] in image pixels, for must_find
    note: str
    created_by: str
    created_at: str


@dataclass(frozen=True)
class Slice:
    id: int
    name: str
    kind: str  # samples (definition: {"sample_ids": [...]}) or filter ({"split", "status", "label_id", "search"})
    definition: dict[str, Any]
    metric: str
    minimum: float | None
    note: str
    created_by: str
    created_at: str


class ModelTestRepository:
    _COLUMNS = "id, sample_id, kind, label_id, region, note, created_by, created_at"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    @staticmethod
    def _record(row: tuple[Any, ...]) -> ModelTest:
        return ModelTest(row[0], row[1], row[2], row[3], json.loads(row[4]) if row[4] else None, *row[5:])

    def add(
        self, sample_id: int, kind: str, label_id: int, user: str, note: str = "", region: list[float] | None = None
    ) -> ModelTest:
        if kind not in TEST_KINDS:
            raise InvalidInputError(f"unknown model test kind {kind!r} (use one of {', '.join(TEST_KINDS)})")
        cursor = self._conn.execute(
            "INSERT INTO model_tests (sample_id, kind, label_id, region, note, created_by, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (sample_id, kind, label_id, None if region is None else json.dumps(region), note, user, now_iso()),
        )
        return self.get(int(cursor.lastrowid or 0))

    def get(self, test_id: int) -> ModelTest:
        row = self._conn.execute(f"SELECT {self._COLUMNS} FROM model_tests WHERE id = ?", (test_id,)).fetchone()
        if row is None:
            raise S2Error(f"no model test with id {test_id}")
        return self._record(row)

    def list(self, sample_id: int | None = None) -> list[ModelTest]:
        if sample_id is None:
            rows = self._conn.execute(f"SELECT {self._COLUMNS} FROM model_tests ORDER BY id")
        else:
            rows = self._conn.execute(
                f"SELECT {self._COLUMNS} FROM model_tests WHERE sample_id = ? ORDER BY id", (sample_id,)
            )
        return [self._record(row) for row in rows]

    def delete(self, test_id: int) -> None:
        self._conn.execute("DELETE FROM model_tests WHERE id = ?", (test_id,))


class SliceRepository:
    _COLUMNS = "id, name, kind, definition, metric, minimum, note, created_by, created_at"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    @staticmethod
    def _record(row: tuple[Any, ...]) -> Slice:
        minimum = None if row[5] is None else float(row[5])
        return Slice(row[0], row[1], row[2], json.loads(row[3] or "{}"), row[4], minimum, *row[6:])

    def upsert(
        self,
        name: str,
        kind: str,
        definition: dict[str, Any],
        user: str,
        *,
        metric: str = "accuracy",
        minimum: float | None = None,
        note: str = "",
    ) -> Slice:
        """Create the slice, or replace the definition of the one with that name."""
        if kind not in SLICE_KINDS:
            raise InvalidInputError(f"unknown slice kind {kind!r} (use one of {', '.join(SLICE_KINDS)})")
        if not name.strip():
            raise InvalidInputError("a slice needs a name")
        self._conn.execute(
            "INSERT INTO slices (name, kind, definition, metric, minimum, note, created_by, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, definition = excluded.definition,"
            " metric = excluded.metric, minimum = excluded.minimum, note = excluded.note",
            (name.strip(), kind, json.dumps(definition), metric, minimum, note, user, now_iso()),
        )
        return self.by_name(name.strip())

    def by_name(self, name: str) -> Slice:
        row = self._conn.execute(f"SELECT {self._COLUMNS} FROM slices WHERE name = ?", (name,)).fetchone()
        if row is None:
            known = ", ".join(s.name for s in self.list()) or "none yet"
            raise UnknownSliceError(f"no slice named {name!r} (the project has: {known})")
        return self._record(row)

    def list(self) -> list[Slice]:
        return [self._record(row) for row in self._conn.execute(f"SELECT {self._COLUMNS} FROM slices ORDER BY name")]

    def delete(self, slice_id: int) -> None:
        self._conn.execute("DELETE FROM slices WHERE id = ?", (slice_id,))

    def audit_position(self) -> int:
        """The id of the newest audit row: where the label history stood (for a model card)."""
        row = self._conn.execute("SELECT MAX(id) FROM audit").fetchone()
        return int(row[0] or 0)


class CheckReadRepository:
    """What the data checks read beyond samples and predictions: the history of tags."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def tag_history(self) -> list[tuple[int, str, int | None, str]]:
        """(sample id, user, label id given, source) for every tag change, oldest first."""
        rows = self._conn.execute(
            "SELECT entity_id, user, after FROM audit WHERE action = 'tag' AND entity = 'sample' ORDER BY id"
        )
        out: list[tuple[int, str, int | None, str]] = []
        for entity_id, user, after in rows:
            try:
                data = json.loads(after or "{}")
                out.append((int(entity_id), str(user), data.get("label_id"), str(data.get("source", "human"))))
            except (TypeError, ValueError):
                continue
        return out
