"""Hostile inputs, one table: each is refused or imported as documented, nothing runs, nothing
hangs (every row has a deadline), and nothing already saved changes.

The CSV path, clipping and duplicate rows check the import rules of issue 20 (core/io/formats).
"""

from __future__ import annotations

import csv
import io
import json
import os
import pickle
import socket
import sqlite3
import struct
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from s2ide.cli import main
from s2ide.core.project import Project
from tests.conftest import write_image


@dataclass
class Outcome:
    code: int
    out: str
    err: str


def cli(capsys, *args: object, seconds: float = 60) -> Outcome:
    """Run the CLI in-process on a thread with a deadline (a FIFO must never hang it)."""
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["code"] = main([str(a) for a in args])
        except SystemExit as exc:
            box["code"] = exc.code
        except BaseException as exc:  # a traceback would be a failure of its own
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"s2ide {' '.join(map(str, args))} still running after {seconds} s"
    assert "error" not in box, box.get("error")
    captured = capsys.readouterr()
    return Outcome(int(box["code"]), captured.out, captured.err)  # type: ignore[call-overload]


def _project(tmp: Path) -> Path:
    folder = tmp / "p"
    Project.create(folder, ["cat", "dog"]).close()
    return folder


def _src(tmp: Path) -> Path:
    src = tmp / "src"
    write_image(src / "good.png", size=(32, 32), color=(9, 8, 7))
    return src


def _unblock(fifo: Path) -> None:
    try:
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:
        pass


# -- rows: each takes (capsys, tmp_path) and asserts its documented outcome -----------------------


def fifo_in_import(capsys, tmp: Path) -> None:
    project, src = _project(tmp), _src(tmp)
    os.mkfifo(src / "x.png")
    try:
        result = cli(capsys, "import", project, src)
    finally:
        _unblock(src / "x.png")
    assert result.code == 0 and "1 imported, 1 skipped" in result.out and "x.png: a FIFO" in result.out


def device_in_import(capsys, tmp: Path) -> None:
    project, src = _project(tmp), _src(tmp)
    (src / "zero.jpg").symlink_to("/dev/zero")
    result = cli(capsys, "import", project, src)
    assert result.code == 0 and "zero.jpg: a character device" in result.out


def socket_in_import(capsys, tmp: Path) -> None:
    project, src = _project(tmp), _src(tmp)
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(src / "s.png"))
    try:
        result = cli(capsys, "import", project, src)
    finally:
        sock.close()
    assert result.code == 0 and "s.png: a socket" in result.out


def csv_row_outside_folder(capsys, tmp: Path) -> None:
    project, src = _project(tmp), _src(tmp)
    write_image(tmp / "outside.png", color=(1, 100, 1))
    (src / "labels.csv").write_text("path,label\ngood.png,cat\n../outside.png,dog\n")
    result = cli(capsys, "import", project, src / "labels.csv")
    assert result.code == 0 and "outside" in result.out
    assert Project.open(project).store.samples.count() == 1


def csv_row_etc_passwd(capsys, tmp: Path, monkeypatch=None) -> None:
    project, src = _project(tmp), _src(tmp)
    (src / "labels.csv").write_text("path,label\n../../../../../../etc/passwd,cat\n")
    result = cli(capsys, "import", project, src / "labels.csv")
    assert "outside" in result.out + result.err and "not an image" not in result.out


def formula_label_exported_as_text(capsys, tmp: Path) -> None:
    project, src = _project(tmp), _src(tmp)
    (src / "labels.csv").write_text("path,label\ngood.png,=cmd|' /C calc'!A0\n")
    assert cli(capsys, "import", project, src / "labels.csv").code == 0
    assert cli(capsys, "export", project, tmp / "out", "--format", "csv").code == 0
    rows = list(csv.reader(io.StringIO((tmp / "out" / "labels.csv").read_text(), newline="")))
    assert rows[1][1] == "'=cmd|' /C calc'!A0"


def _coco(tmp: Path, boxes: list[list[float]]) -> Path:
    src = _src(tmp)
    data = {
        "images": [{"id": 1, "file_name": "good.png", "width": 32, "height": 32}],
        "categories": [{"id": 1, "name": "cat"}],
        "annotations": [
            {"id": i + 1, "image_id": 1, "category_id": 1, "bbox": box, "area": 1, "iscrowd": 0}
            for i, box in enumerate(boxes)
        ],
    }
    (src / "annotations.json").write_text(json.dumps(data))
    return src


def _boxes(project: Path) -> list[dict]:
    store = Project.open(project).store
    return [a.geometry for r in store.samples.rows() for a in store.annotations.for_sample(r["id"]) if a.kind == "box"]


def coco_box_partly_outside(capsys, tmp: Path) -> None:
    project = _project(tmp)
    Project.open(project).store.meta.set("task", "detect")
    src = _coco(tmp, [[-5, -5, 10, 10]])
    assert cli(capsys, "import", project, src, "--format", "coco").code == 0
    (box,) = _boxes(project)
    assert box["x"] >= 0 and box["y"] >= 0


def coco_duplicate_boxes(capsys, tmp: Path) -> None:
    project = _project(tmp)
    Project.open(project).store.meta.set("task", "detect")
    src = _coco(tmp, [[1, 1, 5, 5]] * 50)
    assert cli(capsys, "import", project, src, "--format", "coco").code == 0
    assert len(_boxes(project)) == 1


def newline_file_name_in_samples_table(capsys, tmp: Path) -> None:
    project, src = _project(tmp), _src(tmp)
    write_image(src / "two\nlines\x1b[31m.png", color=(3, 3, 3))
    assert cli(capsys, "import", project, src).code == 0
    result = cli(capsys, "samples", project)
    assert len(result.out.splitlines()) == 3 and "two\\nlines\\x1b[31m.png" in result.out


def foreign_sqlite_with_meta(capsys, tmp: Path) -> None:
    folder = tmp / "foreign"
    folder.mkdir()
    conn = sqlite3.connect(str(folder / "project.db"))
    conn.executescript("CREATE TABLE meta (key TEXT, value TEXT); INSERT INTO meta VALUES (1, 'x');")
    conn.close()
    result = cli(capsys, "stats", folder)
    assert result.code == 1 and "not an s2ide project" in result.err
    assert [p.name for p in folder.iterdir()] == ["project.db"]


def corrupt_database(capsys, tmp: Path) -> None:
    project = _project(tmp)
    db = project / "project.db"
    data = bytearray(db.read_bytes())
    for offset in range(4096 * 2, len(data), 89):
        data[offset] = 0x5A
    db.write_bytes(bytes(data))
    for name in ("project.db-wal", "project.db-shm"):
        (project / name).unlink(missing_ok=True)
    result = cli(capsys, "stats", project)
    assert result.code == 1 and "damaged" in result.err and "check-db" in result.err


def missing_audit_table(capsys, tmp: Path) -> None:
    project = _project(tmp)
    conn = sqlite3.connect(str(project / "project.db"))
    conn.execute("DROP TABLE audit")
    conn.close()
    result = cli(capsys, "label", project, "1", "cat", "--user", "x")
    assert result.code == 1 and "audit table is missing" in result.err


def immutable_project_db(capsys, tmp: Path) -> None:
    project, src = _project(tmp), _src(tmp)
    assert cli(capsys, "import", project, src).code == 0
    assert cli(capsys, "users", project, "add", "x", "--role", "labeler").code == 0
    db = project / "project.db"
    if os.geteuid() != 0 or subprocess.run(["chattr", "+i", str(db)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i needs root and a file system that supports it")
    try:
        assert cli(capsys, "stats", project).code == 0
        result = cli(capsys, "label", project, "1", "cat", "--user", "x")
        assert result.code == 1 and "read-only" in result.err
    finally:
        subprocess.run(["chattr", "-i", str(db)], check=False)


def mistyped_command(capsys, tmp: Path) -> None:
    os.chdir(tmp)
    result = cli(capsys, "tset")
    assert result.code == 2 and "unknown command 'tset'" in result.err


def init_with_a_database_url(capsys, tmp: Path) -> None:
    os.chdir(tmp)
    result = cli(capsys, "init", "postgresql://host/db", "--labels", "a")
    # a team database that cannot be reached: one clear line, and never a local folder `postgresql:`
    assert result.code == 1 and "cannot connect" in result.err and not (tmp / "postgresql:").exists()


# -- model files (the earlier hostile inputs) ------------------------------------------------------

HYPER = {"in_channels": 1, "num_classes": 2, "width": 4, "blocks": 1}


def _model_row(write: Callable[[Path, dict], None], expect: str) -> Callable[..., None]:
    def row(capsys, tmp: Path) -> None:
        from s2ide.ml.nets import build_member
        from s2ide.ml.registry import ModelFileError, load_validated

        network = build_member(HYPER)
        path = tmp / "models" / "v9.safetensors"
        path.parent.mkdir()
        write(path, network.state_dict())
        try:
            with pytest.raises(ModelFileError, match=expect):
                _within(lambda: load_validated(path, build_member(HYPER)))
        finally:
            if path.exists() and not path.is_file():
                _unblock(path)
        assert not (tmp / "pwned").exists()

    return row


def _within(job: Callable[[], object], seconds: float = 30) -> None:
    box: dict[str, BaseException] = {}

    def target() -> None:
        try:
            job()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "still blocked"
    if "error" in box:
        raise box["error"]


class _Payload:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def _pickle(path: Path, state: dict) -> None:
    path.write_bytes(pickle.dumps(_Payload(path.parent.parent / "pwned")))


def _torch_zip(path: Path, state: dict) -> None:
    import torch

    torch.save(state, path)


def _wrong_shape(path: Path, state: dict) -> None:
    import torch
    from safetensors.torch import save_file

    bad = {k: v.clone() for k, v in state.items()}
    bad["head.weight"] = torch.zeros(3, 3)
    save_file(bad, str(path))


def _absurd_header(path: Path, state: dict) -> None:
    path.write_bytes(struct.pack("<Q", 2**63) + b"{}" * 8)


def _absurd_offsets(path: Path, state: dict) -> None:
    from safetensors.torch import save_file

    save_file({k: v.contiguous() for k, v in state.items()}, str(path))
    data = bytearray(path.read_bytes())
    length = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8 : 8 + length])
    first = next(k for k in header if k != "__metadata__")
    header[first]["data_offsets"] = [0, 2**40]
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + bytes(data[8 + length :]))


def _fifo(path: Path, state: dict) -> None:
    os.mkfifo(path)


def symlink_out_of_models(capsys, tmp: Path) -> None:
    from s2ide.core.store.models import ModelVersion
    from s2ide.ml.registry import ModelFileError, weights_path

    project = Project.open(_project(tmp))
    outside = tmp / "elsewhere.safetensors"
    outside.write_bytes(b"x")
    (project.models_dir / "v1.safetensors").symlink_to(outside)
    model = ModelVersion("v1", "", "classify", "smallresnet", {}, "v1.safetensors", [], {}, 0, "ready")
    with pytest.raises(ModelFileError, match="outside models/"):
        weights_path(project, model)


ROWS = [
    pytest.param(fifo_in_import, id="fifo-in-import-folder"),
    pytest.param(device_in_import, id="device-in-import-folder"),
    pytest.param(socket_in_import, id="socket-in-import-folder"),
    pytest.param(csv_row_outside_folder, id="csv-row-outside-folder"),
    pytest.param(csv_row_etc_passwd, id="csv-row-etc-passwd"),
    pytest.param(formula_label_exported_as_text, id="csv-formula-injection"),
    pytest.param(coco_box_partly_outside, id="coco-box-partly-outside"),
    pytest.param(coco_duplicate_boxes, id="coco-duplicate-boxes"),
    pytest.param(newline_file_name_in_samples_table, id="newline-file-name-in-samples-table"),
    pytest.param(foreign_sqlite_with_meta, id="foreign-sqlite-with-meta"),
    pytest.param(corrupt_database, id="corrupt-database"),
    pytest.param(missing_audit_table, id="missing-audit-table"),
    pytest.param(immutable_project_db, id="immutable-project-db"),
    pytest.param(mistyped_command, id="mistyped-command"),
    pytest.param(init_with_a_database_url, id="init-postgresql-url"),
    pytest.param(_model_row(_pickle, "pickle"), id="model-pickle-named-safetensors"),
    pytest.param(_model_row(_torch_zip, r"torch\.save"), id="model-torch-save-zip"),
    pytest.param(_model_row(_wrong_shape, "has shape"), id="model-wrong-shapes"),
    pytest.param(_model_row(_absurd_header, "not a safetensors file"), id="model-absurd-header-length"),
    pytest.param(_model_row(_absurd_offsets, "damaged safetensors file"), id="model-absurd-offsets"),
    pytest.param(_model_row(_fifo, "FIFO"), id="model-fifo-as-weights"),
    pytest.param(symlink_out_of_models, id="model-symlink-out-of-models"),
]


@pytest.mark.parametrize("row", ROWS)
def test_hostile_input(row, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    row(capsys, tmp_path)
