"""Repositories: the only code that writes SQL (DESIGN.md §2).

Each repository takes the connection of one `Store`. They never open transactions of their
own: callers group writes with `store.transaction()`, so one user action is one commit.
A second backend (PostgreSQL for teams) re-implements these classes, not their callers.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from s2ide.core.clock import now_iso
from s2ide.core.errors import InvalidInputError, UnknownLabelError, UnknownSampleError
from s2ide.core.store.audit import AuditRepository
from s2ide.core.store.records import Label, Sample, User
from s2ide.core.store.schema import ROLES, SPLITS, STATUSES


def insert_many_ids(conn: sqlite3.Connection, table: str, sql: str, rows: Sequence[Sequence[Any]]) -> list[int]:
    """Run the INSERT `sql` for every row inside the caller's transaction; the new ids in order.

    PostgreSQL hands out ids from a sequence shared by every session, so a batch written while
    another writer inserts is not consecutive: there each row returns its id. SQLite has one
    writer at a time (the caller's transaction holds the write lock), so the ids after the
    largest one before the batch are the batch's own, read back in one query.
    """
    if not rows:
        return []
    if getattr(conn, "dialect", "sqlite") == "postgresql":
        ids: list[int] = conn.executemany_ids(sql, rows)  # type: ignore[attr-defined]
    else:
        before = conn.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}").fetchone()[0]
        conn.executemany(sql, rows)
        ids = [int(r[0]) for r in conn.execute(f"SELECT id FROM {table} WHERE id > ? ORDER BY id", (before,))]
    if len(ids) != len(rows):
        raise InvalidInputError(f"expected {len(rows)} new rows in {table}, found {len(ids)}")
    return ids


def dict_rows(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    """A cursor's rows as dicts by column name."""
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


class MetaRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def get(self, key: str, default: str | None = None) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set(self, key: str, value: str) -> None:
        self._conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def get_json(self, key: str, default: Any = None) -> Any:
        raw = self.get(key)
        return default if raw is None else json.loads(raw)

    def set_json(self, key: str, value: Any) -> None:
        self.set(key, json.dumps(value))


class LabelRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    _COLUMNS = "id, name, color, hotkey, description, guideline, position"

    def list(self) -> list[Label]:
        rows = self._conn.execute(f"SELECT {self._COLUMNS} FROM labels ORDER BY position, id")
        return [Label(*row) for row in rows]

    def get(self, label_id: int) -> Label:
        row = self._conn.execute(f"SELECT {self._COLUMNS} FROM labels WHERE id = ?", (label_id,)).fetchone()
        if row is None:
            raise UnknownLabelError(f"no label with id {label_id}")
        return Label(*row)

    def by_name(self, name: str) -> Label | None:
        row = self._conn.execute(f"SELECT {self._COLUMNS} FROM labels WHERE name = ?", (name,)).fetchone()
        return Label(*row) if row else None

    def resolve(self, ref: str | int) -> Label:
        """A label by name, else by numeric id; a clear error naming the known labels."""
        if isinstance(ref, int):
            return self.get(ref)
        found = self.by_name(ref)
        if found is None and ref.isdigit():
            row = self._conn.execute(f"SELECT {self._COLUMNS} FROM labels WHERE id = ?", (int(ref),)).fetchone()
            found = Label(*row) if row else None
        if found is None:
            names = ", ".join(label.name for label in self.list()) or "none"
            raise UnknownLabelError(f"unknown label {ref!r} (the project has: {names})")
        return found

    def create(self, name: str, color: str, hotkey: str | None = None, description: str = "") -> Label:
        name = name.strip()
        if not name:
            raise InvalidInputError("a label needs a name")
        if self.by_name(name) is not None:
            raise InvalidInputError(f"label {name!r} exists already")
        if getattr(self._conn, "dialect", "sqlite") == "postgresql":  # a lead's, checked by the server
            row = self._conn.execute(
                "SELECT s2ide_create_label(?, ?, ?, ?)", (name, color, hotkey, description)
            ).fetchone()
            return self.get(int(row[0]))
        position = self._conn.execute("SELECT COALESCE(MAX(position), -1) + 1 FROM labels").fetchone()[0]
        cur = self._conn.execute(
            "INSERT INTO labels (name, color, hotkey, description, position) VALUES (?, ?, ?, ?, ?)",
            (name, color, hotkey, description, position),
        )
        return self.get(int(cur.lastrowid or 0))

    def update(self, label_id: int, **fields: Any) -> Label:
        allowed = {"name", "color", "hotkey", "description", "guideline", "position"}
        unknown = set(fields) - allowed
        if unknown:
            raise InvalidInputError(f"labels have no field(s) {sorted(unknown)}")
        if not fields:
            return self.get(label_id)
        if "name" in fields:
            other = self.by_name(fields["name"])
            if other is not None and other.id != label_id:
                raise InvalidInputError(f"label {fields['name']!r} exists already")
        if getattr(self._conn, "dialect", "sqlite") == "postgresql":
            self._conn.execute("SELECT s2ide_update_label(?, CAST(? AS jsonb))", (label_id, json.dumps(fields)))
            return self.get(label_id)
        sets = ", ".join(f"{key} = ?" for key in fields)
        self._conn.execute(f"UPDATE labels SET {sets} WHERE id = ?", (*fields.values(), label_id))
        return self.get(label_id)

    def tag_counts(self) -> dict[int, int]:
        """Samples tagged with each label (labels with none are absent)."""
        return {
            int(label_id): int(count)
            for label_id, count in self._conn.execute(
                "SELECT label_id, COUNT(*) FROM annotations WHERE kind = 'tag' AND label_id IS NOT NULL "
                "GROUP BY label_id"
            )
        }

    def hotkey_owner(self, hotkey: str) -> Label | None:
        row = self._conn.execute(f"SELECT {self._COLUMNS} FROM labels WHERE hotkey = ?", (hotkey,)).fetchone()
        return Label(*row) if row else None


@dataclass(frozen=True)
class SampleFilter:
    """What the gallery and `s2ide samples` narrow the sample list by."""

    split: str | None = None
    status: str | None = None
    label_id: int | None = None
    unlabeled_only: bool = False
    search: str | None = None
    ids: Sequence[int] | None = None
    # From the audit log: samples changed by this user / at or after this UTC ISO time (both:
    # by them since then); `labeling_only` counts tags, shapes and done marks, not skips.
    changed_by: str | None = None
    changed_since: str | None = None
    labeling_only: bool = False

    def validate(self) -> None:
        if self.split is not None and self.split not in SPLITS:
            raise InvalidInputError(f"unknown split {self.split!r} (use one of {', '.join(SPLITS)})")
        if self.status is not None and self.status not in STATUSES:
            raise InvalidInputError(f"unknown status {self.status!r} (use one of {', '.join(STATUSES)})")


class SampleRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    _COLUMNS = "id, path, sha256, width, height, split, status, added_at"

    def get(self, sample_id: int) -> Sample:
        row = self._conn.execute(f"SELECT {self._COLUMNS} FROM samples WHERE id = ?", (sample_id,)).fetchone()
        if row is None:
            raise UnknownSampleError(f"no sample with id {sample_id}")
        return Sample(*row)

    def by_path(self, path: str) -> Sample | None:
        row = self._conn.execute(f"SELECT {self._COLUMNS} FROM samples WHERE path = ?", (path,)).fetchone()
        return Sample(*row) if row else None

    def by_sha256(self, sha256: str) -> Sample | None:
        row = self._conn.execute(f"SELECT {self._COLUMNS} FROM samples WHERE sha256 = ?", (sha256,)).fetchone()
        return Sample(*row) if row else None

    def known_hashes(self) -> set[str]:
        return {row[0] for row in self._conn.execute("SELECT sha256 FROM samples")}

    def add(self, path: str, sha256: str, width: int, height: int, split: str = "none") -> int:
        if split not in SPLITS:
            raise InvalidInputError(f"unknown split {split!r}")
        cur = self._conn.execute(
            "INSERT INTO samples (path, sha256, width, height, split, status, added_at) "
            "VALUES (?, ?, ?, ?, ?, 'unlabeled', ?)",
            (path, sha256, width, height, split, now_iso()),
        )
        return int(cur.lastrowid or 0)

    def lock(self, sample_id: int) -> None:
        """Serialise writers of one sample inside the current transaction. SQLite's BEGIN IMMEDIATE
        already holds the whole database; PostgreSQL locks the sample's row."""
        if getattr(self._conn, "dialect", "sqlite") == "postgresql":
            self._conn.execute("SELECT id FROM samples WHERE id = ? FOR UPDATE", (sample_id,))

    def set_status(self, sample_id: int, status: str) -> None:
        if status not in STATUSES:
            raise InvalidInputError(f"unknown status {status!r}")
        self._conn.execute("UPDATE samples SET status = ? WHERE id = ?", (status, sample_id))

    def set_status_many(self, sample_ids: Iterable[int], status: str) -> None:
        if status not in STATUSES:
            raise InvalidInputError(f"unknown status {status!r}")
        self._conn.executemany("UPDATE samples SET status = ? WHERE id = ?", [(status, i) for i in sample_ids])

    def set_split(self, sample_ids: Iterable[int], split: str) -> None:
        if split not in SPLITS:
            raise InvalidInputError(f"unknown split {split!r}")
        self._conn.executemany("UPDATE samples SET split = ? WHERE id = ?", [(split, i) for i in sample_ids])

    def count(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM samples").fetchone()[0])

    def _where(self, flt: SampleFilter) -> tuple[str, list[Any]]:
        flt.validate()
        clauses: list[str] = []
        params: list[Any] = []
        if flt.split:
            clauses.append("s.split = ?")
            params.append(flt.split)
        if flt.status:
            clauses.append("s.status = ?")
            params.append(flt.status)
        if flt.label_id is not None:
            clauses.append("t.label_id = ?")
            params.append(flt.label_id)
        if flt.unlabeled_only:
            clauses.append("t.label_id IS NULL")
        if flt.search:
            clauses.append("s.path LIKE ? ESCAPE '\\'")
            escaped = flt.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params.append(f"%{escaped}%")
        if flt.ids is not None:
            # One JSON parameter, not one per id: a plot's click-through may hold 100,000 ids,
            # beyond SQLite's limit on bound variables.
            clauses.append("s.id IN (SELECT value FROM json_each(?))")
            params.append(json.dumps([int(i) for i in flt.ids]))
        if flt.changed_by is not None or flt.changed_since is not None:
            changed = AuditRepository(self._conn).sample_ids(flt.changed_by, flt.changed_since, flt.labeling_only)
            clauses.append("s.id IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(sorted(changed)))
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    ROW_COLUMNS = (
        "id",
        "path",
        "sha256",
        "width",
        "height",
        "split",
        "status",
        "label_id",
        "pred_label_id",
        "pred_score",
    )

    def rows(self, flt: SampleFilter | None = None, limit: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
        """id, path, sha256, width, height, split, status, the tag's label_id and the active model's
        suggestion (pred_label_id, pred_score; NULL without one), ordered by id."""
        return [dict(zip(self.ROW_COLUMNS, row)) for row in self.row_tuples(flt, limit, offset)]

    def row_tuples(self, flt: SampleFilter | None = None, limit: int | None = None, offset: int = 0) -> list[tuple]:
        """`rows()` as plain tuples in ROW_COLUMNS order: one query, no per-row dict."""
        return self._select(
            "s.id, s.path, s.sha256, s.width, s.height, s.split, s.status, t.label_id", flt, limit, offset
        )

    def _select(
        self, columns: str, flt: SampleFilter | None, limit: int | None = None, offset: int = 0, shapes: bool = False
    ) -> list[tuple]:
        """`columns` (with `shapes`: then the count of each sample's shapes, every annotation but
        its tag) plus the active model's (label_id, score) for the filtered samples, by id."""
        where, params = self._where(flt or SampleFilter())
        shape_join = ""
        if shapes:
            columns += ", COALESCE(c.n, 0)"
            shape_join = (
                " LEFT JOIN (SELECT sample_id, COUNT(*) AS n FROM annotations WHERE kind <> 'tag' GROUP BY sample_id) c"
                " ON c.sample_id = s.id"
            )
        active = self._conn.execute("SELECT version FROM models WHERE state = 'active' LIMIT 1").fetchone()
        if active is None:  # no suggestions to show: skip the join
            suggestion, join = "NULL, NULL", ""
        else:
            suggestion = "p.label_id, p.score"
            join = " LEFT JOIN predictions p ON p.sample_id = s.id AND p.model_version = ?"
            params = [active[0], *params]
        sql = (
            f"SELECT {columns}, {suggestion} "
            "FROM samples s LEFT JOIN annotations t ON t.sample_id = s.id AND t.kind = 'tag'"
            f"{shape_join}{join}{where} ORDER BY s.id"
        )
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        return self._conn.execute(sql, params).fetchall()

    SLIM_COLUMNS = ("id", "status", "label_id", "shapes", "pred_label_id", "pred_score")
    DETAIL_COLUMNS = ("path", "sha256", "width", "height", "split")

    def slim_rows(self, flt: SampleFilter | None = None) -> list[tuple]:
        """`row_tuples` without the wide columns (SLIM_COLUMNS): what a 100,000-row list needs up
        front, with each sample's count of shapes (the gallery's badge); `details()` fetches path
        and hash for the rows on screen."""
        return self._select("s.id, s.status, t.label_id", flt, shapes=True)

    def details(self, ids: Sequence[int]) -> dict[int, tuple]:
        """id -> (path, sha256, width, height, split) for a page of samples."""
        cur = self._conn.execute(
            "SELECT id, path, sha256, width, height, split FROM samples WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps([int(i) for i in ids]),),
        )
        return {row[0]: row[1:] for row in cur}

    def add_many(self, rows: Iterable[tuple[str, str, int, int, str]]) -> int:
        """Insert (path, sha256, width, height, split) rows in one statement; returns how many."""
        now = now_iso()
        cur = self._conn.executemany(
            "INSERT INTO samples (path, sha256, width, height, split, status, added_at) "
            "VALUES (?, ?, ?, ?, ?, 'unlabeled', ?)",
            ((path, sha, width, height, split, now) for path, sha, width, height, split in rows),
        )
        return int(cur.rowcount)

    def add_many_ids(self, rows: Sequence[tuple[str, str, int, int, str]]) -> list[int]:
        """Insert (path, sha256, width, height, split) rows at once inside the caller's transaction;
        returns their ids in order (correct beside concurrent writers on PostgreSQL)."""
        if not rows:
            return []
        for row in rows:
            if row[4] not in SPLITS:
                raise InvalidInputError(f"unknown split {row[4]!r}")
        now = now_iso()
        return insert_many_ids(
            self._conn,
            "samples",
            "INSERT INTO samples (path, sha256, width, height, split, status, added_at) "
            "VALUES (?, ?, ?, ?, ?, 'unlabeled', ?)",
            [(path, sha, width, height, split, now) for path, sha, width, height, split in rows],
        )

    def progress_counts(self) -> tuple[int, int]:
        """(labeled or reviewed, total): the status bar's progress figure."""
        # Two index-only counts: no pass over the table rows at 100,000 samples.
        done = self._conn.execute("SELECT COUNT(*) FROM samples WHERE status IN ('labeled', 'reviewed')").fetchone()
        return int(done[0]), self.count()

    def ids(self, flt: SampleFilter | None = None) -> list[int]:
        where, params = self._where(flt or SampleFilter())
        sql = (
            "SELECT s.id FROM samples s LEFT JOIN annotations t ON t.sample_id = s.id AND t.kind = 'tag'"
            f"{where} ORDER BY s.id"
        )
        return [row[0] for row in self._conn.execute(sql, params)]


class UserRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def list(self) -> list[User]:
        return [User(*row) for row in self._conn.execute("SELECT name, role, created_at FROM users ORDER BY name")]

    def get(self, name: str) -> User | None:
        row = self._conn.execute("SELECT name, role, created_at FROM users WHERE name = ?", (name,)).fetchone()
        return User(*row) if row else None

    def upsert(self, name: str, role: str) -> User:
        name = name.strip()
        if not name:
            raise InvalidInputError("a user needs a name")
        if role not in ROLES:
            raise InvalidInputError(f"unknown role {role!r} (use one of {', '.join(ROLES)})")
        if getattr(self._conn, "dialect", "sqlite") == "postgresql":
            # A team project's users are database roles: the server grants the group and checks who asks.
            self._conn.execute("SELECT s2ide_set_user_role(?, ?, ?)", (name, role, now_iso()))
        else:
            self._conn.execute(
                "INSERT INTO users (name, role, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET role = excluded.role",
                (name, role, now_iso()),
            )
        user = self.get(name)
        assert user is not None
        return user


class StatsRepository:
    """Aggregate counts: GROUP BYs over indexed columns, fast at a million annotations."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def _pairs(self, sql: str) -> dict[str, int]:
        return {str(key): int(count) for key, count in self._conn.execute(sql)}

    def summary(self) -> dict[str, Any]:
        """Counts by label, split, status, source and kind, and escalations by state.

        One pass over the (label_id, kind, source) index and the samples' split and status indexes: at a million
        annotations this costs about as much as a single raw GROUP BY.
        """
        names = {int(i): str(n) for i, n in self._conn.execute("SELECT id, name FROM labels ORDER BY position, id")}
        labels = dict.fromkeys(names.values(), 0)
        sources: dict[str, int] = {}
        kinds: dict[str, int] = {}
        annotations = 0
        for label_id, kind, source, count in self._conn.execute(
            "SELECT label_id, kind, source, COUNT(*) FROM annotations GROUP BY label_id, kind, source"
        ):
            annotations += count
            if label_id is not None and label_id in names:
                labels[names[label_id]] += count
            sources[source] = sources.get(source, 0) + count
            kinds[kind] = kinds.get(kind, 0) + count
        # Two scans of the single-column covering indexes beat one GROUP BY split, status.
        splits = self._pairs("SELECT split, COUNT(*) FROM samples GROUP BY split")
        status = self._pairs("SELECT status, COUNT(*) FROM samples GROUP BY status")
        samples = sum(splits.values())
        return {
            "samples": samples,
            "annotations": annotations,
            "labels": labels,
            "splits": splits,
            "status": status,
            "sources": sources,
            "kinds": kinds,
            "escalations": self._pairs("SELECT state, COUNT(*) FROM escalations GROUP BY state"),
        }
