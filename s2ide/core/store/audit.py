"""The audit log: who changed what, when, with the before and after; also the change feed's source."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Sequence
from typing import Any

from s2ide.core.clock import now_iso
from s2ide.core.store.records import AuditEntry

_SAMPLE_ID = re.compile(r'"sample_id": (\d+)')
# Changes to a sample that label it (a shape's every change counts too); skip, reopen and the
# like change a sample without labeling it.
LABELING_SAMPLE_ACTIONS = ("tag", "done", "import annotations")


class AuditRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def record(
        self, user: str, action: str, entity: str, entity_id: Any, before: Any = None, after: Any = None
    ) -> None:
        self._conn.execute(
            "INSERT INTO audit (at, user, action, entity, entity_id, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                now_iso(),
                user,
                action,
                entity,
                None if entity_id is None else str(entity_id),
                None if before is None else json.dumps(before),
                None if after is None else json.dumps(after),
            ),
        )

    def record_many(self, user: str, action: str, entity: str, entries: Sequence[tuple[Any, Any, Any]]) -> None:
        """Many rows of one action at once: (entity_id, before, after) each (an import's per-sample rows)."""
        now = now_iso()
        self._conn.executemany(
            "INSERT INTO audit (at, user, action, entity, entity_id, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    now,
                    user,
                    action,
                    entity,
                    None if entity_id is None else str(entity_id),
                    None if before is None else json.dumps(before),
                    None if after is None else json.dumps(after),
                )
                for entity_id, before, after in entries
            ],
        )

    def list(
        self,
        user: str | None = None,
        entity: str | None = None,
        entity_id: Any = None,
        sample_id: int | None = None,
        limit: int = 1000,
    ) -> list[AuditEntry]:
        clauses: list[str] = []
        params: list[Any] = []
        if user:
            clauses.append("user = ?")
            params.append(user)
        if entity:
            clauses.append("entity = ?")
            params.append(entity)
        if entity_id is not None:
            clauses.append("entity_id = ?")
            params.append(str(entity_id))
        if sample_id is not None:
            clauses.append(
                "((entity = 'sample' AND entity_id = ?) OR json_extract(after, '$.sample_id') = ? "
                "OR json_extract(before, '$.sample_id') = ?)"
            )
            params += [str(sample_id), sample_id, sample_id]
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        cur = self._conn.execute(
            f"SELECT id, at, user, action, entity, entity_id, before, after FROM audit{where} ORDER BY id DESC LIMIT ?",
            (*params, limit),
        )
        out = []
        for row in cur:
            out.append(
                AuditEntry(
                    row[0],
                    row[1],
                    row[2],
                    row[3],
                    row[4],
                    row[5],
                    json.loads(row[6]) if row[6] else None,
                    json.loads(row[7]) if row[7] else None,
                )
            )
        return out

    def sample_ids(self, user: str | None = None, since: str | None = None, labeling_only: bool = False) -> set[int]:
        """Samples changed (by `user`, at or after `since`): the audit rows on a sample or on one of
        its annotations (deleted ones too: the row keeps the sample's id). With `labeling_only`,
        only tags, shapes and done marks count. Read in one indexed query; the sample's id is
        taken from the row's JSON text in Python, so the SQL stays portable."""
        clauses = ["entity IN ('sample', 'annotation')"]
        params: list[Any] = []
        if user is not None:
            clauses.append("user = ?")
            params.append(user)
        if since is not None:
            clauses.append("at >= ?")
            params.append(since)
        if labeling_only:
            marks = ", ".join("?" for _ in LABELING_SAMPLE_ACTIONS)
            clauses.append(f"(entity = 'annotation' OR action IN ({marks}))")
            params += LABELING_SAMPLE_ACTIONS
        found: set[int] = set()
        cur = self._conn.execute(
            "SELECT entity, entity_id, after, before FROM audit WHERE " + " AND ".join(clauses), params
        )
        for entity, entity_id, after, before in cur:
            if entity == "sample":
                if entity_id is not None and str(entity_id).isdigit():
                    found.add(int(entity_id))
                continue
            match = _SAMPLE_ID.search(after or "") or _SAMPLE_ID.search(before or "")
            if match is not None:
                found.add(int(match.group(1)))
        return found
