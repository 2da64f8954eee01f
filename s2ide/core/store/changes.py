"""Changes committed by other connections, read from the audit table.

Every change worth showing writes an audit row in the same transaction (DESIGN.md §2), so the
audit table doubles as the change feed: an open app or `s2ide watch` asks "did anyone else commit
since I last looked?" (SQLite's `PRAGMA data_version`, which moves only on other connections'
commits and costs microseconds; on PostgreSQL the audit's newest id, which the audit trigger
writes for every change) and, if so, reads the audit rows after the last one it saw.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from s2ide.core.errors import S2Error

if TYPE_CHECKING:
    from s2ide.core.store import Store
    from s2ide.core.store.postgres import PgListener

BATCH = 1000  # rows read per poll; the rest come on the next one


@dataclass(frozen=True)
class ChangeEvent:
    id: int
    at: str
    user: str
    action: str
    entity: str
    entity_id: str | None
    sample_id: int | None  # the sample the change touched, where the audit row says

    def as_json(self) -> dict[str, Any]:
        """The `s2ide watch --json` line: the contract's keys first, then the extras."""
        return {
            "at": self.at,
            "user": self.user,
            "action": self.action,
            "entity": self.entity,
            "entity_id": self.entity_id,
            "id": self.id,
            "sample_id": self.sample_id,
        }


def _sample_of(entity: str, entity_id: str | None, before: str | None, after: str | None) -> int | None:
    if entity == "sample" and entity_id is not None and entity_id.isdigit():
        return int(entity_id)
    for text in (after, before):
        if not text:
            continue
        try:
            value = json.loads(text)
        except ValueError:
            continue
        if isinstance(value, dict) and isinstance(value.get("sample_id"), int):
            return int(value["sample_id"])
    return None


class ChangeFeed:
    """One reader's position in the change feed of one store connection."""

    def __init__(self, store: Store, notifications: bool = True) -> None:
        self._conn = store.conn
        self._postgres = getattr(store, "dialect", "sqlite") == "postgresql"
        # PostgreSQL: the audit trigger NOTIFYs each change; a listener hears it without a query
        self._listener: PgListener | None = None
        self._version = 0
        if self._postgres and notifications:
            from s2ide.core.store.postgres import listen

            try:
                self._listener = listen(self._conn)  # type: ignore[arg-type]
            except Exception:  # e.g. a pooler that cannot LISTEN: polling the audit's newest id still works
                self._listener = None
        self._version = self._data_version()
        self.last_id = self._last_audit_id()

    def fileno(self) -> int | None:
        """A socket that becomes readable when a change is committed (PostgreSQL), for event loops."""
        return self._listener.fileno() if self._listener is not None else None

    def close(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    def _data_version(self) -> int:
        if self._listener is not None:
            try:
                return self._version + self._listener.drain()
            except S2Error:  # the listener's link dropped: fall back to polling
                self._listener = None
        if self._postgres:  # every change on a team project writes an audit row (by trigger): its newest id
            return self._last_audit_id()
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def _last_audit_id(self) -> int:
        row = self._conn.execute("SELECT MAX(id) FROM audit").fetchone()
        return int(row[0] or 0)

    def committed_elsewhere(self) -> bool:
        """True once another connection (a process, a worker thread) committed since the last call."""
        version = self._data_version()
        changed = version != self._version
        self._version = version
        return changed

    def events(self) -> list[ChangeEvent]:
        """Audit rows after the last one read, oldest first (at most BATCH per call)."""
        rows = self._conn.execute(
            'SELECT id, at, "user", action, entity, entity_id, before, after FROM audit'
            " WHERE id > ? ORDER BY id LIMIT ?",
            (self.last_id, BATCH),
        ).fetchall()
        if rows:
            self.last_id = int(rows[-1][0])
        return [ChangeEvent(int(r[0]), r[1], r[2], r[3], r[4], r[5], _sample_of(r[4], r[5], r[6], r[7])) for r in rows]

    def poll(self) -> list[ChangeEvent] | None:
        """None when no other connection committed; else the new audited changes (possibly none:
        predictions and caches are written without an audit row)."""
        if not self.committed_elsewhere():
            return None
        return self.events()
