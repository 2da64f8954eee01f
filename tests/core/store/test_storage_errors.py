"""Storage failures get specific messages and lose nothing (issue 23.5).

Disk full is made real with SQLite's `max_page_count` (the same SQLITE_FULL a full disk
gives); read-only and immutable projects use a read-only bind mount and `chattr +i` where the
machine allows (root), and are skipped with the reason where it does not.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from s2ide.core.errors import CorruptDatabaseError, DiskFullError, NotAProjectError, ReadOnlyProjectError
from s2ide.core.io.formats import read_plan
from s2ide.core.io.import_options import ImportOptions
from s2ide.core.io.importing import run_import
from s2ide.core.labeling.tags import label_sample
from s2ide.core.project import Project
from s2ide.core.store import storage_errors
from s2ide.core.store.integrity import check, recover
from s2ide.core.tasks import TaskState
from tests.conftest import write_image


def _fill_up(project: Project) -> None:
    """Cap the file at its current size: the next page SQLite needs fails with SQLITE_FULL."""
    conn = project.store.conn
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute(f"PRAGMA max_page_count = {pages}")


def _annotations(project: Project) -> list:
    return project.store.conn.execute("SELECT * FROM annotations ORDER BY id").fetchall()


def test_a_full_disk_while_labeling_says_so_and_rolls_back(filled_project):
    before = _annotations(filled_project)
    _fill_up(filled_project)
    rows = filled_project.store.samples.rows()
    with pytest.raises(DiskFullError) as info:
        for row in rows * 50:  # enough writes (audit rows) to need a new page
            label_sample(filled_project, row["id"], "dog", "lara")
    message = str(info.value)
    assert "disk full" in message and str(filled_project.path) in message and "free" in message
    assert "rolled back" in message
    conn = filled_project.store.conn
    assert not conn.in_transaction
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert len(_annotations(filled_project)) >= len(before)


def test_a_failed_import_leaves_no_samples_and_no_orphan_thumbnails(project, tmp_path):
    src = tmp_path / "src"
    for index in range(40):
        write_image(src / f"i{index}.png", size=(64, 64), color=(index, 3 * index, 7))
    _fill_up(project)
    with pytest.raises(DiskFullError, match=r"disk full.*the import was rolled back"):
        run_import(project, read_plan(src, "folder"), ImportOptions(), TaskState())
    assert project.store.samples.count() == 0
    assert list(project.thumbs_dir.glob("*/*")) == []


def test_a_full_disk_while_writing_thumbnails_ends_the_import_cleanly(project, tmp_path, monkeypatch):
    from s2ide.core.io import images

    src = tmp_path / "src"
    for index in range(6):
        write_image(src / f"i{index}.png", color=(index, 9, 9))
    real = images._save_thumbnail
    written = []

    def save(thumb, target):
        if len(written) == 3:
            raise OSError(errno.ENOSPC, "No space left on device", str(target))
        real(thumb, target)
        written.append(target)

    monkeypatch.setattr(images, "_save_thumbnail", save)
    with pytest.raises(DiskFullError, match="3 new thumbnails removed"):
        run_import(project, read_plan(src, "folder"), ImportOptions(), TaskState())
    assert project.store.samples.count() == 0
    assert not any(p.exists() for p in written)


def test_opening_with_almost_no_free_space_blames_the_disk_not_the_file(project, monkeypatch):
    path = project.db_path
    monkeypatch.setattr(storage_errors, "free_bytes", lambda folder: 20 * 1024)
    err = storage_errors.translate(sqlite3.OperationalError("disk I/O error"), path, opening=True)
    assert isinstance(err, DiskFullError) and "20.0 KB free" in str(err)
    monkeypatch.setattr(storage_errors, "free_bytes", lambda folder: 10 * 1024**3)
    assert storage_errors.translate(sqlite3.OperationalError("disk I/O error"), path, opening=True) is None


def test_a_foreign_database_with_a_meta_table_is_refused_and_nothing_is_written(tmp_path):
    folder = tmp_path / "foreign"
    folder.mkdir()
    conn = sqlite3.connect(str(folder / "project.db"))
    conn.executescript("CREATE TABLE meta (key TEXT, value TEXT); INSERT INTO meta VALUES (1, 'x');")
    conn.close()
    before = sorted(p.name for p in folder.iterdir())
    with pytest.raises(NotAProjectError, match="not an s2ide project"):
        Project.open(folder)
    assert sorted(p.name for p in folder.iterdir()) == before  # no .bak, no models/, no cache/


def _corrupt(project: Project) -> Path:
    """Overwrite the pages after the first with garbage: 'database disk image is malformed'."""
    project.close()
    path = project.db_path
    conn = sqlite3.connect(str(path))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    for offset in range(page * 2, len(data), 97):
        data[offset] = 0xA5
    path.write_bytes(bytes(data))
    return path


def test_a_corrupt_database_says_so_and_points_to_the_backup_and_check_db(filled_project):
    backup = filled_project.db_path.with_name("project.db.v1-20260101T000000.bak")
    shutil.copy(filled_project.db_path, backup)
    _corrupt(filled_project)
    with pytest.raises(CorruptDatabaseError) as info:
        project = Project.open(filled_project.path)
        project.store.stats.summary()
    message = str(info.value)
    assert "damaged" in message and str(backup) in message and "s2ide check-db" in message
    assert check(filled_project.db_path) != ["ok"]


def test_a_missing_audit_table_is_named(filled_project):
    filled_project.store.conn.execute("DROP TABLE audit")
    filled_project.close()
    with pytest.raises(CorruptDatabaseError, match="audit table is missing"):
        Project.open(filled_project.path)


@pytest.mark.parametrize("use_cli", [True, False], ids=["sqlite3-cli", "python-fallback"])
def test_recover_copies_what_is_readable_into_a_new_file(filled_project, tmp_path, use_cli):
    if use_cli and shutil.which("sqlite3") is None:
        pytest.skip("no sqlite3 command line here")
    count = filled_project.store.samples.count()
    filled_project.close()
    rescued = recover(filled_project.db_path, tmp_path / "rescued", use_cli=use_cli)
    assert rescued.integrity == ["ok"]
    assert rescued.tables["samples"] == count
    assert ("sqlite3 .recover" in rescued.method) == use_cli  # the CLI, or the fallback naming its failure
    assert Project.open(tmp_path / "rescued").store.samples.count() == count


def _can(command: list[str]) -> bool:
    return os.geteuid() == 0 and subprocess.run(command, capture_output=True, check=False).returncode == 0


def test_an_immutable_project_db_opens_read_only(filled_project):
    db = filled_project.db_path
    filled_project.close()
    conn = sqlite3.connect(str(db))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    if not _can(["chattr", "+i", str(db)]):
        pytest.skip("chattr +i needs root and a file system that supports it")
    try:
        project = Project.open(filled_project.path)
        assert project.read_only
        assert project.store.stats.summary()["samples"] == 5
        row = project.store.samples.rows()[0]
        with pytest.raises(ReadOnlyProjectError, match="read-only"):
            label_sample(project, row["id"], "dog", "lara")
        project.close()
    finally:
        subprocess.run(["chattr", "-i", str(db)], check=False)


def test_a_project_on_a_read_only_mount_can_be_browsed_and_exported(filled_project, tmp_path):
    from s2ide.core.io.export_job import ExportOptions
    from s2ide.core.io.exporting import run_export

    filled_project.close()
    view = tmp_path / "ro"
    view.mkdir()
    if not _can(["mount", "--bind", str(filled_project.path), str(view)]):
        pytest.skip("bind mounts need root (CAP_SYS_ADMIN)")
    try:
        if not _can(["mount", "-o", "remount,ro,bind", str(view)]):
            pytest.skip("cannot remount read-only here")
        project = Project.open(view)
        assert project.read_only
        assert project.store.stats.summary()["samples"] == 5
        assert len(project.store.samples.rows()) == 5
        run_export(project, tmp_path / "out", "csv", ExportOptions(), TaskState())
        assert (tmp_path / "out" / "labels.csv").is_file()
        with pytest.raises(ReadOnlyProjectError, match="read-only"):
            label_sample(project, project.store.samples.rows()[0]["id"], "dog", "lara")
        project.close()
    finally:
        subprocess.run(["umount", "-l", str(view)], check=False)
