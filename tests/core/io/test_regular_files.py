"""FIFOs, devices and sockets in an import are skipped with a reason, never opened (issue 23.1).

Each import runs in a thread with a deadline: before the fix a FIFO blocked `open()` forever.
"""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest

from s2ide.core.errors import ImageError, ImportFormatError
from s2ide.core.io.formats import checks, read_plan
from s2ide.core.io.images import probe
from s2ide.core.io.import_options import ImportOptions
from s2ide.core.io.importing import run_import
from s2ide.core.io.regular_files import NotRegularFileError, open_regular, regular_file_problem
from s2ide.core.tasks import TaskState
from tests.conftest import write_image

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")


def within(seconds: float, job):
    """Run job() in a thread; fail (instead of hanging the suite) if it does not return in time."""
    result: dict[str, object] = {}

    def target() -> None:
        try:
            result["value"] = job()
        except BaseException as exc:
            result["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still blocked after {seconds} s (a FIFO was opened)"
    if "error" in result:
        raise result["error"]  # type: ignore[misc]
    return result["value"]


def _unblock(fifo: Path) -> None:
    """Open the FIFO's write end once so a reader stuck on it (the old code) can finish."""
    try:
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
    except OSError:
        pass


def test_fifo_device_and_socket_in_an_import_folder_are_skipped_with_a_reason(project, tmp_path):
    src = tmp_path / "src"
    write_image(src / "good.png", color=(5, 6, 7))
    os.mkfifo(src / "x.png")
    (src / "zero.png").symlink_to("/dev/zero")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(src / "s.jpg"))
    try:
        report = within(15, lambda: run_import(project, read_plan(src, "folder"), ImportOptions(), TaskState()))
    finally:
        _unblock(src / "x.png")
        sock.close()
    assert report.imported == 1
    skipped = "\n".join(report.skipped)
    assert "x.png: a FIFO (named pipe), not a regular file" in skipped
    assert "zero.png: a character device" in skipped
    assert "s.jpg: a socket" in skipped
    assert project.store.samples.count() == 1


def test_the_cli_import_finishes_and_names_the_fifo(capsys, project, tmp_path):
    from s2ide.cli import main

    src = tmp_path / "src"
    write_image(src / "a.png")
    os.mkfifo(src / "pipe.png")
    try:
        code = within(15, lambda: main(["import", str(project.path), str(src), "--user", "leo"]))
    finally:
        _unblock(src / "pipe.png")
    out = capsys.readouterr().out
    assert code == 0 and "1 imported, 1 skipped" in out and "pipe.png: a FIFO" in out


def test_probe_and_annotation_readers_refuse_a_fifo_without_blocking(tmp_path):
    fifo = tmp_path / "f.png"
    os.mkfifo(fifo)
    try:
        with pytest.raises(ImageError, match="FIFO"):
            within(10, lambda: probe(fifo))
        with pytest.raises(ImportFormatError, match="FIFO"):
            within(10, lambda: checks.read_text(fifo))
        with pytest.raises(NotRegularFileError):
            within(10, lambda: open_regular(fifo))
    finally:
        _unblock(fifo)
    assert "FIFO" in (regular_file_problem(fifo) or "")
    assert regular_file_problem(write_image(tmp_path / "ok.png")) is None


def test_a_fifo_named_like_a_labelme_file_is_skipped(project, tmp_path):
    src = tmp_path / "lm"
    write_image(src / "a.png", size=(20, 20))
    (src / "a.json").write_text(
        '{"shapes": [{"label": "cat", "shape_type": "rectangle", "points": [[1, 1], [5, 5]]}],'
        ' "imagePath": "a.png", "imageWidth": 20, "imageHeight": 20}'
    )
    os.mkfifo(src / "b.json")
    try:
        plan = within(15, lambda: read_plan(src, "labelme"))
    finally:
        _unblock(src / "b.json")
    assert len(plan.items) == 1 and any("b.json: a FIFO" in p for p in plan.problems)


def test_a_csv_row_naming_a_fifo_is_skipped(project, tmp_path):
    src = tmp_path / "c"
    write_image(src / "a.png")
    os.mkfifo(src / "p.png")
    (src / "labels.csv").write_text("path,label\na.png,cat\np.png,dog\n")
    try:
        report = within(15, lambda: run_import(project, read_plan(src, "csv"), ImportOptions(), TaskState()))
    finally:
        _unblock(src / "p.png")
    assert report.imported == 1 and any("p.png: a FIFO" in s for s in report.skipped)
