"""Copy a local project's database onto a team project's server in one transaction (`s2ide push`).

Rows keep their ids (so annotations, escalations and the audit trail still point at the same
samples), the identity sequences move past them, and the audit trail keeps its original users
and times: the owner, who alone may, switches the stamping triggers off for this one transaction.
The local file is only read.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from s2ide.core.store.postgres import PgConnection

# Parents before children; tables another feature adds follow, in name order.
ORDER = (
    "labels",
    "samples",
    "annotations",
    "models",
    "predictions",
    "escalations",
    "comments",
    "guideline_examples",
    "label_votes",
    "audit",
)
SKIP = {"meta", "users", "annotation_tally", "sqlite_sequence", "jobs", "workers", "leases"}
# meta and users: by hand; tally: by triggers; jobs, workers and leases belong to the machine they ran on
AUDIT_TRIGGERS = {
    "audit": "audit_stamp",
    "escalations": "escalations_audit",
    "labels": "labels_audit",
    "models": "models_audit",
}
META_KEPT_BY_SERVER = {"schema_version", "pg_role_prefix", "pg_owner", "name"}


@dataclass
class PushReport:
    rows: dict[str, int] = field(default_factory=dict)
    users_granted: list[str] = field(default_factory=list)
    users_without_login: list[str] = field(default_factory=list)

    def summary(self) -> str:
        counts = ", ".join(f"{table} {n}" for table, n in self.rows.items() if n)
        return f"pushed {counts or 'nothing'}"


def _columns_sqlite(local: sqlite3.Connection, table: str) -> list[str]:
    return [str(row[1]) for row in local.execute(f'PRAGMA table_info("{table}")')]


def _columns_pg(conn: PgConnection, table: str) -> list[str]:
    rows = conn.raw.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = %s "
        "ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    return [str(r[0]) for r in rows]


# Columns that hold an s2ide user's name: `--map-user` renames them on the way to the server.
USER_COLUMNS = {
    "author", "user", "raised_by", "assignee", "resolved_by", "added_by", "created_by", "requested_by", "labeler",
}  # fmt: skip


def copy_project(local: sqlite3.Connection, conn: PgConnection, user_map: dict[str, str] | None = None) -> PushReport:
    """Copy every row; the caller holds the transaction on `conn` (and has created the schema).
    `user_map` renames local users to their database logins (ada -> ada_lovelace) in every row
    that names a user, so history, votes and escalations follow the person."""
    user_map = user_map or {}
    unknown = sorted(set(user_map) - {str(r[0]) for r in local.execute("SELECT name FROM users")})
    if unknown:
        from s2ide.core.errors import InvalidInputError

        raise InvalidInputError(f"--map-user names no local user: {', '.join(unknown)}")
    report = PushReport()
    local_tables = {str(r[0]) for r in local.execute("SELECT name FROM sqlite_master WHERE type = 'table'")} - SKIP
    server_tables = {
        str(r[0]) for r in conn.raw.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    }
    tables = [t for t in ORDER if t in local_tables] + sorted(local_tables - set(ORDER))
    # the pushed project's labels and history replace the fresh project's
    conn.raw.execute("DELETE FROM labels")
    conn.raw.execute("DELETE FROM audit")
    for table in tables:
        if table not in server_tables:
            continue
        columns = [c for c in _columns_sqlite(local, table) if c in set(_columns_pg(conn, table))]
        trigger = AUDIT_TRIGGERS.get(table)
        if trigger:
            conn.raw.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER {trigger}'.encode())
        names = ", ".join(f'"{c}"' for c in columns)
        rows = local.execute(f'SELECT {names} FROM "{table}"').fetchall()
        renamed = [i for i, c in enumerate(columns) if c in USER_COLUMNS]
        if user_map and renamed:
            rows = [
                tuple(user_map.get(v, v) if i in renamed and isinstance(v, str) else v for i, v in enumerate(row))
                for row in rows
            ]
        with conn.raw.cursor().copy(f'COPY "{table}" ({names}) FROM STDIN'.encode()) as copy:
            for row in rows:
                copy.write_row(row)
        if trigger:
            conn.raw.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER {trigger}'.encode())
        if "id" in columns:
            conn.raw.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f'COALESCE((SELECT MAX(id) FROM "{table}"), 0) + 1, false)'.encode()
            )
        report.rows[table] = len(rows)
    for key, value in local.execute("SELECT key, value FROM meta"):
        if key not in META_KEPT_BY_SERVER:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
    owner = conn.scalar("SELECT current_user")
    for local_name, role in local.execute("SELECT name, role FROM users ORDER BY name"):
        name = user_map.get(local_name, local_name)
        if name == owner:
            continue
        if conn.scalar("SELECT 1 FROM pg_roles WHERE rolname = ?", (name,)) is None:
            report.users_without_login.append(f"{name} ({role})")
            continue
        conn.execute("SELECT s2ide_set_user_role(?, ?, ?)", (name, role, _now()))
        report.users_granted.append(f"{name} ({role})")
    return report


def _now() -> str:
    from s2ide.core.clock import now_iso

    return now_iso()


def local_rows(local: sqlite3.Connection) -> dict[str, Any]:
    """Row counts of the local project's tables (to check a push changed nothing locally)."""
    names = [str(r[0]) for r in local.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    return {name: local.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in names}
