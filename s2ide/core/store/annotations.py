"""Annotations of samples: tags and shapes, one row each, with who made them and from what source."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from s2ide.core.clock import now_iso
from s2ide.core.errors import InvalidInputError
from s2ide.core.store.records import Annotation
from s2ide.core.store.repositories import dict_rows, insert_many_ids


class AnnotationRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    _COLUMNS = (
        "id, sample_id, kind, label_id, geometry, data, author, source, agreed_with_prediction, created_at, updated_at,"
        " attributes"
    )

    def get(self, annotation_id: int) -> Annotation | None:
        cur = self._conn.execute(f"SELECT {self._COLUMNS} FROM annotations WHERE id = ?", (annotation_id,))
        rows = dict_rows(cur)
        return Annotation.from_row(rows[0]) if rows else None

    def for_sample(self, sample_id: int) -> list[Annotation]:
        cur = self._conn.execute(
            f"SELECT {self._COLUMNS} FROM annotations WHERE sample_id = ? ORDER BY id", (sample_id,)
        )
        return [Annotation.from_row(row) for row in dict_rows(cur)]

    def samples_with_kind(self, kind: str, limit: int, exclude: int | None = None) -> list[int]:
        """Up to `limit` sample ids holding an annotation of `kind`, most recently edited first."""
        cur = self._conn.execute(
            "SELECT sample_id FROM annotations WHERE kind = ? AND sample_id <> ? "
            "GROUP BY sample_id ORDER BY MAX(updated_at) DESC LIMIT ?",
            (kind, -1 if exclude is None else exclude, limit),
        )
        return [row[0] for row in cur]

    def tag_of(self, sample_id: int) -> Annotation | None:
        cur = self._conn.execute(
            f"SELECT {self._COLUMNS} FROM annotations WHERE sample_id = ? AND kind = 'tag'", (sample_id,)
        )
        rows = dict_rows(cur)
        return Annotation.from_row(rows[0]) if rows else None

    def add(
        self,
        sample_id: int,
        kind: str,
        label_id: int | None,
        author: str,
        *,
        geometry: dict[str, Any] | None = None,
        data: bytes | None = None,
        source: str = "human",
        agreed_with_prediction: bool | None = None,
        attributes: dict[str, Any] | None = None,
    ) -> int:
        now = now_iso()
        cur = self._conn.execute(
            "INSERT INTO annotations (sample_id, kind, label_id, geometry, data, author, source, "
            "agreed_with_prediction, created_at, updated_at, attributes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                sample_id,
                kind,
                label_id,
                json.dumps(geometry) if geometry is not None else None,
                data,
                author,
                source,
                None if agreed_with_prediction is None else int(agreed_with_prediction),
                now,
                now,
                json.dumps(attributes) if attributes else None,
            ),
        )
        return int(cur.lastrowid or 0)

    def add_many(
        self,
        rows: Sequence[tuple[int, str, int, dict[str, Any] | None, bytes | None, dict[str, Any] | None]],
        author: str,
        source: str = "import",
    ) -> list[int]:
        """Insert many shapes at once: (sample_id, kind, label_id, geometry, data, attributes) each.

        One executemany instead of a statement per row (an import of 100,000 boxes); returns
        the new ids in order (`insert_many_ids`: right beside concurrent writers on PostgreSQL).
        """
        if not rows:
            return []
        now = now_iso()
        return insert_many_ids(
            self._conn,
            "annotations",
            "INSERT INTO annotations (sample_id, kind, label_id, geometry, data, author, source, "
            "created_at, updated_at, attributes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    sample_id,
                    kind,
                    label_id,
                    json.dumps(geom) if geom is not None else None,
                    data,
                    author,
                    source,
                    now,
                    now,
                    json.dumps(attrs) if attrs else None,
                )
                for sample_id, kind, label_id, geom, data, attrs in rows
            ],
        )

    def update(self, annotation_id: int, **fields: Any) -> None:
        allowed = {"label_id", "geometry", "data", "author", "source", "agreed_with_prediction", "attributes"}
        unknown = set(fields) - allowed
        if unknown:
            raise InvalidInputError(f"annotations have no field(s) {sorted(unknown)}")
        if "geometry" in fields and fields["geometry"] is not None:
            fields["geometry"] = json.dumps(fields["geometry"])
        if "attributes" in fields:
            fields["attributes"] = json.dumps(fields["attributes"]) if fields["attributes"] else None
        if "agreed_with_prediction" in fields and fields["agreed_with_prediction"] is not None:
            fields["agreed_with_prediction"] = int(fields["agreed_with_prediction"])
        fields["updated_at"] = now_iso()
        sets = ", ".join(f"{key} = ?" for key in fields)
        cur = self._conn.execute(f"UPDATE annotations SET {sets} WHERE id = ?", (*fields.values(), annotation_id))
        self._check_changed(cur, annotation_id, "change")

    def delete(self, annotation_id: int) -> None:
        cur = self._conn.execute("DELETE FROM annotations WHERE id = ?", (annotation_id,))
        self._check_changed(cur, annotation_id, "delete")

    def _check_changed(self, cur: Any, annotation_id: int, verb: str) -> None:
        """On a team project row-level security hides rows the user may not touch: an edit that changed
        nothing must fail, never be shown as saved."""
        if cur.rowcount == 0 and getattr(self._conn, "dialect", "sqlite") == "postgresql":
            from s2ide.core.errors import PermissionDenied

            raise PermissionDenied(f"the database refused: annotation #{annotation_id} is not yours to {verb}")

    def restore(self, annotation: Annotation) -> None:
        """Put back a deleted annotation with its original id (undo of a delete)."""
        self._conn.execute(
            f"INSERT INTO annotations ({self._COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                annotation.id,
                annotation.sample_id,
                annotation.kind,
                annotation.label_id,
                json.dumps(annotation.geometry) if annotation.geometry is not None else None,
                annotation.data,
                annotation.author,
                annotation.source,
                None if annotation.agreed_with_prediction is None else int(annotation.agreed_with_prediction),
                annotation.created_at,
                annotation.updated_at,
                json.dumps(annotation.attributes) if annotation.attributes else None,
            ),
        )

    def count_for_sample(self, sample_id: int, kind: str | None = None) -> int:
        """The sample's annotations (of one kind when given), without reading them."""
        if kind is None:
            cur = self._conn.execute("SELECT COUNT(*) FROM annotations WHERE sample_id = ?", (sample_id,))
        else:
            cur = self._conn.execute(
                "SELECT COUNT(*) FROM annotations WHERE sample_id = ? AND kind = ?", (sample_id, kind)
            )
        return int(cur.fetchone()[0])
