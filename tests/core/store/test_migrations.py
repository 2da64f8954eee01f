"""Schema versions: migrations back the file up first; a newer database is refused."""

from __future__ import annotations

import sqlite3

import pytest

from s2ide.core.errors import S2Error
from s2ide.core.project import Project
from s2ide.core.store import migrations

LATEST = migrations.latest_version()  # the version a new project has; the steps tested go past it


def test_new_project_has_current_version(project):
    assert project.store.meta.get("schema_version") == str(migrations.latest_version())


def test_migration_backs_up_then_runs(tmp_path, monkeypatch):
    made = Project.create(tmp_path / "p", ["a"])
    made.close()
    ran: list[int] = []

    def step(conn: sqlite3.Connection) -> None:
        ran.append(1)
        conn.execute("CREATE TABLE extra (x INTEGER)")

    monkeypatch.setitem(migrations.MIGRATIONS, LATEST + 1, step)
    opened = Project.open(tmp_path / "p")
    backups = list((tmp_path / "p").glob(f"project.db.v{LATEST}-*.bak"))
    assert ran == [1]
    assert len(backups) == 1
    old = sqlite3.connect(backups[0])
    assert old.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(LATEST)
    assert old.execute("SELECT name FROM sqlite_master WHERE name = 'extra'").fetchone() is None
    old.close()
    assert opened.store.meta.get("schema_version") == str(LATEST + 1)
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

    monkeypatch.setitem(migrations.MIGRATIONS, LATEST + 1, broken)
    with pytest.raises(RuntimeError):
        Project.open(tmp_path / "p")
    conn = sqlite3.connect(tmp_path / "p" / "project.db")
    assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(LATEST)
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
