"""Schema versions: migrations back the file up first; a newer database is refused."""

from __future__ import annotations

import sqlite3

import pytest

from s2ide.core.errors import S2Error
from s2ide.core.project import Project
from s2ide.core.store import migrations
from s2ide.core.store.schema import SCHEMA_V1

SCHEMA_VERSION = migrations.latest_version()  # the newest step (migrations add to the base schema)


def test_new_project_has_current_version(project):
    assert project.store.meta.get("schema_version") == str(migrations.latest_version())


def test_migration_backs_up_then_runs(tmp_path, monkeypatch):
    made = Project.create(tmp_path / "p", ["a"])
    made.close()
    ran: list[int] = []

    def step(conn: sqlite3.Connection) -> None:
        ran.append(1)
        conn.execute("CREATE TABLE extra (x INTEGER)")

    monkeypatch.setitem(migrations.MIGRATIONS, SCHEMA_VERSION + 1, step)
    opened = Project.open(tmp_path / "p")
    backups = list((tmp_path / "p").glob(f"project.db.v{SCHEMA_VERSION}-*.bak"))
    assert ran == [1]
    assert len(backups) == 1
    old = sqlite3.connect(backups[0])
    assert old.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
    assert old.execute("SELECT name FROM sqlite_master WHERE name = 'extra'").fetchone() is None
    old.close()
    assert opened.store.meta.get("schema_version") == str(SCHEMA_VERSION + 1)
    opened.close()
    # Opening again: nothing to do, no second backup.
    Project.open(tmp_path / "p").close()
    assert ran == [1]
    assert len(list((tmp_path / "p").glob("*.bak"))) == 1


def test_failed_migration_leaves_file_at_old_version(tmp_path, monkeypatch):
    Project.create(tmp_path / "p", ["a"]).close()

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half (x INTEGER)")
        raise RuntimeError("step failed")

    monkeypatch.setitem(migrations.MIGRATIONS, SCHEMA_VERSION + 1, broken)
    with pytest.raises(RuntimeError):
        Project.open(tmp_path / "p")
    conn = sqlite3.connect(tmp_path / "p" / "project.db")
    assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'half'").fetchone() is None
    conn.close()


def test_newer_database_is_refused(tmp_path):
    Project.create(tmp_path / "p", ["a"]).close()
    conn = sqlite3.connect(tmp_path / "p" / "project.db")
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(S2Error, match="newer s2ide"):
        Project.open(tmp_path / "p")


def test_a_version_1_database_gains_the_prelabel_outcomes_table(tmp_path):
    path = tmp_path / "old"
    path.mkdir()
    conn = sqlite3.connect(path / "project.db")
    conn.executescript(SCHEMA_V1)
    conn.execute("INSERT INTO meta (key, value) VALUES ('schema_version', '1')")
    conn.execute("INSERT INTO meta (key, value) VALUES ('task', 'detect')")
    conn.commit()
    conn.close()
    opened = Project.open(path)
    assert opened.store.prelabel_outcomes.rates() == []
    assert opened.store.meta.get("schema_version") == str(SCHEMA_VERSION)
    opened.close()


def _portable_step(conn) -> None:
    """A migration step as other features write them: SQLite types, a `user` column, `?` placeholders."""
    conn.execute(
        "CREATE TABLE leases_demo (id INTEGER PRIMARY KEY, sample_id INTEGER NOT NULL REFERENCES samples (id), "
        "user TEXT NOT NULL, score REAL, blob BLOB, UNIQUE (sample_id))"
    )
    conn.executescript("CREATE INDEX leases_demo_user ON leases_demo (user); ALTER TABLE labels ADD COLUMN extra REAL;")
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", ("demo", "1"))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_migration_step_runs_on_both_backends(backend, request, tmp_path, monkeypatch):
    monkeypatch.setitem(migrations.MIGRATIONS, SCHEMA_VERSION + 1, _portable_step)
    target = tmp_path / "p" if backend == "sqlite" else request.getfixturevalue("team_url")
    project = Project.create(target, ["a"])
    store = project.store
    assert store.meta.get("demo") == "1" and store.meta.get("schema_version") == str(SCHEMA_VERSION + 1)
    with store.transaction():
        sample = store.samples.add("x.png", "sha-x", 1, 1)
        cur = store.conn.execute(
            "INSERT INTO leases_demo (sample_id, user, score, blob) VALUES (?, ?, ?, ?)", (sample, "ann", 0.25, b"\x01")
        )
        store.conn.execute("INSERT OR IGNORE INTO leases_demo (sample_id, user) VALUES (?, ?)", (sample, "bob"))
    assert cur.lastrowid == 1
    row = store.conn.execute("SELECT user, score, blob FROM leases_demo WHERE sample_id = ?", (sample,)).fetchone()
    assert tuple(row) == ("ann", 0.25, b"\x01")
    project.close()


def test_a_project_from_before_model_tests_gains_model_tests_and_slices(tmp_path):
    made = Project.create(tmp_path / "p", ["a"])
    made.close()
    step = next(v for v, f in migrations.MIGRATIONS.items() if f.__name__ == "add_quality_tables")
    conn = sqlite3.connect(tmp_path / "p" / "project.db")
    conn.execute("DROP TABLE model_tests")
    conn.execute("DROP TABLE slices")
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(step - 1),))
    conn.commit()
    conn.close()
    opened = Project.open(tmp_path / "p")
    assert opened.store.model_tests.list() == [] and opened.store.slices.list() == []
    opened.close()
