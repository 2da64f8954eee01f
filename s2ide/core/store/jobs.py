"""The job queue of a project: training and prediction jobs that `s2ide worker` runs.

Why a table of our own rather than a queue library: the queue has to live in the project's own
database (SQLite for a local project, PostgreSQL for a team), be read by the same repositories
and be covered by the same roles and audit; procrastinate and its peers are PostgreSQL-only and
bring their own schema, workers and migrations. A claim is one statement: on PostgreSQL an
UPDATE over `SELECT ... FOR UPDATE SKIP LOCKED`, so two workers never take the same job and
never wait on each other; on SQLite the same UPDATE runs under the database's single write lock.

Times come from the database's clock (the server's on PostgreSQL), so a worker on a machine
whose clock is off cannot make a live job look dead, or a dead one alive.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from s2ide.core.clock import now_iso
from s2ide.core.errors import InvalidInputError

JOB_KINDS = ("train", "predict")
JOB_STATES = ("queued", "running", "done", "failed", "cancelled")
HEARTBEAT_SECONDS = 5.0  # a worker refreshes its stamp this often, busy or idle
DEAD_AFTER_SECONDS = 30.0  # a worker (and its job) whose stamp is older than this is gone


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


JOBS_DDL = f"""
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN {_in(JOB_KINDS)}),
    params TEXT NOT NULL DEFAULT '{{}}',
    state TEXT NOT NULL CHECK (state IN {_in(JOB_STATES)}),
    requested_by TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    worker TEXT,
    claimed_at TEXT,
    heartbeat_at TEXT,
    finished_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    progress TEXT NOT NULL DEFAULT '{{}}',
    version TEXT,
    summary TEXT,
    error TEXT,
    cancel_requested INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state, id);
CREATE TABLE IF NOT EXISTS workers (
    name TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    device TEXT NOT NULL,
    started_at TEXT NOT NULL,
    heartbeat_at TEXT NOT NULL,
    job_id INTEGER
);
CREATE TABLE IF NOT EXISTS model_weights (
    version TEXT PRIMARY KEY REFERENCES models (version) ON DELETE CASCADE,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    data BLOB NOT NULL
);
"""


def add_job_tables(conn: sqlite3.Connection) -> None:
    """Migration step: the job queue, the workers' stamps and model weights kept in the database."""
    for statement in JOBS_DDL.split(";"):
        if statement.strip():
            conn.execute(statement)


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    params: dict[str, Any]
    state: str
    requested_by: str
    requested_at: str
    worker: str | None
    claimed_at: str | None
    heartbeat_at: str | None
    finished_at: str | None
    attempts: int
    progress: dict[str, Any]
    version: str | None
    summary: str | None
    error: str | None
    cancel_requested: bool

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed", "cancelled")

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "state": self.state,
            "requested_by": self.requested_by,
            "requested_at": self.requested_at,
            "worker": self.worker,
            "attempts": self.attempts,
            "version": self.version,
            "summary": self.summary,
            "error": self.error,
            "progress": {k: v for k, v in self.progress.items() if k != "epochs"},
        }


@dataclass(frozen=True)
class WorkerStamp:
    name: str
    host: str
    pid: int
    device: str
    started_at: str
    heartbeat_at: str
    job_id: int | None


_COLUMNS = (
    "id, kind, params, state, requested_by, requested_at, worker, claimed_at, heartbeat_at, finished_at,"
    " attempts, progress, version, summary, error, cancel_requested"
)


def _job(row: Any) -> Job:
    return Job(
        int(row[0]), row[1], json.loads(row[2] or "{}"), row[3], row[4], row[5], row[6], row[7], row[8], row[9],
        int(row[10]), json.loads(row[11] or "{}"), row[12], row[13], row[14], bool(row[15]),
    )  # fmt: skip


class JobRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._postgres = getattr(conn, "dialect", "sqlite") == "postgresql"

    def now(self) -> str:
        """The database's time in the store's ISO form: the server's clock on PostgreSQL."""
        if self._postgres:
            row = self._conn.execute(
                "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"+00:00\"')"
            ).fetchone()
            return str(row[0])
        return now_iso()

    def ago(self, seconds: float) -> str:
        """The database's time `seconds` ago, for "older than" comparisons."""
        if self._postgres:
            row = self._conn.execute(
                "SELECT to_char((clock_timestamp() - make_interval(secs => ?)) AT TIME ZONE 'UTC',"
                ' \'YYYY-MM-DD"T"HH24:MI:SS.MS"+00:00"\')',
                (seconds,),
            ).fetchone()
            return str(row[0])
        from datetime import UTC, datetime, timedelta

        return (datetime.now(UTC) - timedelta(seconds=seconds)).isoformat(timespec="milliseconds")

    # -- the queue -----------------------------------------------------------------------------
    def enqueue(self, kind: str, params: dict[str, Any], requested_by: str) -> int:
        if kind not in JOB_KINDS:
            raise InvalidInputError(f"unknown job kind {kind!r} (use one of {', '.join(JOB_KINDS)})")
        cur = self._conn.execute(
            "INSERT INTO jobs (kind, params, state, requested_by, requested_at) VALUES (?, ?, 'queued', ?, ?)",
            (kind, json.dumps(params), requested_by, self.now()),
        )
        return int(cur.lastrowid or 0)

    def claim(self, worker: str) -> Job | None:
        """Take the oldest queued job for `worker`, or None. Atomic: no two workers get one job."""
        now = self.now()
        skip = " FOR UPDATE SKIP LOCKED" if self._postgres else ""
        row = self._conn.execute(
            "UPDATE jobs SET state = 'running', worker = ?, claimed_at = ?, heartbeat_at = ?,"
            " attempts = attempts + 1"
            f" WHERE state = 'queued' AND id = (SELECT id FROM jobs WHERE state = 'queued' ORDER BY id LIMIT 1{skip})"
            f" RETURNING {_COLUMNS}",
            (worker, now, now),
        ).fetchone()
        return _job(row) if row else None

    def heartbeat(self, job_id: int, worker: str, progress: dict[str, Any] | None = None) -> bool:
        """Refresh a running job's stamp (and its progress); False when the job is no longer this
        worker's (reclaimed after a stall, or cancelled and finished elsewhere)."""
        if progress is None:
            cur = self._conn.execute(
                "UPDATE jobs SET heartbeat_at = ? WHERE id = ? AND worker = ? AND state = 'running'",
                (self.now(), job_id, worker),
            )
        else:
            cur = self._conn.execute(
                "UPDATE jobs SET heartbeat_at = ?, progress = ? WHERE id = ? AND worker = ? AND state = 'running'",
                (self.now(), json.dumps(progress), job_id, worker),
            )
        return cur.rowcount == 1

    def set_version(self, job_id: int, version: str) -> None:
        self._conn.execute("UPDATE jobs SET version = ? WHERE id = ?", (version, job_id))

    def finish(self, job_id: int, worker: str, state: str, summary: str | None, error: str | None = None) -> bool:
        if state not in ("done", "failed", "cancelled"):
            raise InvalidInputError(f"a job cannot finish as {state!r}")
        cur = self._conn.execute(
            "UPDATE jobs SET state = ?, summary = ?, error = ?, finished_at = ? WHERE id = ? AND worker = ?"
            " AND state = 'running'",
            (state, summary, error, self.now(), job_id, worker),
        )
        return cur.rowcount == 1

    def request_cancel(self, job_id: int) -> Job:
        """A queued job is cancelled at once; a running one is told to stop at its next batch."""
        self._conn.execute(
            "UPDATE jobs SET state = 'cancelled', finished_at = ?, summary = 'cancelled before it started'"
            " WHERE id = ? AND state = 'queued'",
            (self.now(), job_id),
        )
        self._conn.execute("UPDATE jobs SET cancel_requested = 1 WHERE id = ? AND state = 'running'", (job_id,))
        return self.get(job_id)

    def reclaim_stale(self, older_than: str, max_attempts: int = 3) -> list[Job]:
        """Jobs whose worker stopped beating: queued again (or failed after `max_attempts`).
        Returns them as they were, so the caller can mark the half-trained versions failed."""
        rows = self._conn.execute(
            f"SELECT {_COLUMNS} FROM jobs WHERE state = 'running' AND heartbeat_at < ?", (older_than,)
        ).fetchall()
        stale = [_job(r) for r in rows]
        now = self.now()
        for job in stale:
            if job.attempts >= max_attempts:
                self._conn.execute(
                    "UPDATE jobs SET state = 'failed', finished_at = ?, error = ? WHERE id = ? AND state = 'running'"
                    " AND heartbeat_at < ?",
                    (now, f"its worker stopped {job.attempts} times; not retried", job.id, older_than),
                )
            else:
                self._conn.execute(
                    "UPDATE jobs SET state = 'queued', worker = NULL, claimed_at = NULL, heartbeat_at = NULL,"
                    " version = NULL, progress = '{}' WHERE id = ? AND state = 'running' AND heartbeat_at < ?",
                    (job.id, older_than),
                )
        return stale

    def get(self, job_id: int) -> Job:
        row = self._conn.execute(f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise InvalidInputError(f"no job {job_id}")
        return _job(row)

    def recent(self, states: tuple[str, ...] | None = None, limit: int = 100) -> list[Job]:
        if states:
            marks = ", ".join("?" for _ in states)
            rows = self._conn.execute(
                f"SELECT {_COLUMNS} FROM jobs WHERE state IN ({marks}) ORDER BY id DESC LIMIT ?", (*states, limit)
            ).fetchall()
        else:
            rows = self._conn.execute(f"SELECT {_COLUMNS} FROM jobs ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [_job(r) for r in rows]

    # -- the workers' stamps ---------------------------------------------------------------------
    def stamp_worker(self, name: str, host: str, pid: int, device: str, job_id: int | None) -> None:
        now = self.now()
        self._conn.execute(
            "INSERT INTO workers (name, host, pid, device, started_at, heartbeat_at, job_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, job_id = excluded.job_id,"
            " device = excluded.device",
            (name, host, pid, device, now, now, job_id),
        )

    def remove_worker(self, name: str) -> None:
        self._conn.execute("DELETE FROM workers WHERE name = ?", (name,))

    def live_workers(self, seconds: float = DEAD_AFTER_SECONDS) -> list[WorkerStamp]:
        rows = self._conn.execute(
            "SELECT name, host, pid, device, started_at, heartbeat_at, job_id FROM workers WHERE heartbeat_at >= ?"
            " ORDER BY name",
            (self.ago(seconds),),
        ).fetchall()
        return [WorkerStamp(r[0], r[1], int(r[2]), r[3], r[4], r[5], r[6]) for r in rows]


class ModelWeightsRepository:
    """A team project's weights, kept in the database so every machine can load every version."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def put(self, version: str, sha256: str, data: bytes) -> None:
        self._conn.execute(
            "INSERT INTO model_weights (version, sha256, size, data) VALUES (?, ?, ?, ?) ON CONFLICT (version)"
            " DO UPDATE SET sha256 = excluded.sha256, size = excluded.size, data = excluded.data",
            (version, sha256, len(data), data),
        )

    def checksum(self, version: str) -> str | None:
        row = self._conn.execute("SELECT sha256 FROM model_weights WHERE version = ?", (version,)).fetchone()
        return str(row[0]) if row else None

    def get(self, version: str) -> tuple[str, bytes] | None:
        row = self._conn.execute("SELECT sha256, data FROM model_weights WHERE version = ?", (version,)).fetchone()
        return (str(row[0]), bytes(row[1])) if row else None
