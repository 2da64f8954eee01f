"""A real full disk: the project on a small tmpfs, filled up while labeling and importing.

Needs root (mount -t tmpfs); skipped with the reason elsewhere. The message names the folder
and the free space, nothing acknowledged is lost, a failed import leaves no samples and no
orphan thumbnails, almost no free space at open blames the disk, and once space is freed the
same project works again.
"""

from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path

import pytest

from s2ide.core.errors import DiskFullError
from s2ide.core.io.formats import read_plan
from s2ide.core.io.import_options import ImportOptions
from s2ide.core.io.importing import run_import
from s2ide.core.labeling.tags import label_sample
from s2ide.core.project import Project
from s2ide.core.tasks import TaskState
from tests.conftest import write_image
from tests.reliability.common import LABELS, Ledger, cli, final_tags, integrity, make_project, report, spawn


@pytest.fixture
def small_disk(tmp_path: Path):
    mount = tmp_path / "disk"
    mount.mkdir()
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("a real disk-full run mounts a small tmpfs, which needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.decode(errors='replace').strip()})")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(folder: Path, leave: int = 0) -> Path:
    """Write a filler file until the disk is full (or only `leave` bytes are free)."""
    filler = folder / "filler.bin"
    chunk = b"\0" * 4096
    with filler.open("ab") as handle:
        try:
            while os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize > leave:
                handle.write(chunk)
                handle.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


def test_a_full_disk_while_labeling_and_importing(small_disk, tmp_path):
    project = make_project(small_disk / "p", samples=300)
    src = tmp_path / "src"
    for index in range(30):
        write_image(src / f"i{index}.png", size=(96, 96), color=(index, 2 * index, 90))
    project = Project.open(project.path)
    assert project.store.samples.count() == 300  # the connection (and its WAL index) exists
    filler = _fill(small_disk, leave=256 * 1024)  # room for some edits, then full
    ledger = Ledger()
    failure = None
    for index in range(3000):
        sample, label = index % 300 + 1, LABELS[index % 3]
        ledger.try_(sample, label)
        try:
            label_sample(project, sample, label, "ann")
        except DiskFullError as exc:
            failure = str(exc)
            break
        ledger.ack(sample, label)
    assert failure is not None, "the disk never filled up"
    assert "disk full" in failure and str(project.path) in failure and "free" in failure

    _fill(small_disk)  # whatever the failed write gave back is taken too
    process = spawn(cli("label", str(project.path), "1", "dog", "--user", "cli"))
    _, err = process.communicate(timeout=120)
    # SQLite may still fit a small commit into WAL pages it already owns: then it is saved for real;
    # otherwise it is refused as "disk full". Never an unexpected error, never a silent loss.
    assert "unexpected" not in err
    if process.returncode == 0:
        tag = project.store.annotations.tag_of(1)
        assert tag is not None and project.store.labels.get(tag.label_id).name == "dog"
        ledger.try_(1, "dog")  # acknowledged: it must survive like every other edit
        ledger.ack(1, "dog")
    else:
        assert process.returncode == 1 and "disk full" in err

    before = project.store.samples.count()
    with pytest.raises(DiskFullError):
        run_import(project, read_plan(src, "folder"), ImportOptions(), TaskState())
    assert project.store.samples.count() == before
    assert list(project.thumbs_dir.glob("*/*")) == []
    project.close()

    # Almost nothing free at open: the disk is named, not the file.
    filler.unlink()
    _fill(small_disk, leave=20 * 1024)
    process = spawn(cli("stats", str(project.path)))
    _, err = process.communicate(timeout=120)
    print(err.strip())
    assert "not a readable" not in err and "unexpected" not in err
    assert process.returncode == 0 or "disk full" in err

    filler.unlink()
    final = final_tags(project.db_path)
    lost = ledger.lost(final)
    report("disk full (tmpfs)", edits_before_full=ledger.edits, lost=len(lost), open_with_20kb=process.returncode)
    assert lost == [] and integrity(project.db_path) == "ok"
    again = Project.open(project.path)
    label_sample(again, 1, "bird", "ann")
    assert run_import(again, read_plan(src, "folder"), ImportOptions(), TaskState()).imported == 30
    again.close()
