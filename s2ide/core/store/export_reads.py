"""Reads for exports: every annotation in one ordered pass instead of one query per sample."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from typing import Any


class ExportReadRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def annotations(
        self,
    ) -> Iterator[tuple[int, str, str, dict[str, Any] | None, bytes | None, dict[str, Any] | None]]:
        """(sample_id, kind, label name, geometry, data, attributes) for every labelled annotation,
        by sample then id."""
        cursor = self._conn.execute(
            "SELECT a.sample_id, a.kind, l.name, a.geometry, a.data, a.attributes FROM annotations a "
            "JOIN labels l ON l.id = a.label_id ORDER BY a.sample_id, a.id"
        )
        for sample_id, kind, name, geometry, data, attributes in cursor:
            yield (
                sample_id,
                kind,
                name,
                json.loads(geometry) if geometry else None,
                data,
                json.loads(attributes) if attributes else None,
            )
