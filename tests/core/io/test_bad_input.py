"""Bad files: each is skipped with one line naming it and the reason; stored data never changes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image

from s2ide.core.errors import ImageError, ImportFormatError, UnknownLabelError
from s2ide.core.io.formats import read_plan
from s2ide.core.io.images import probe
from s2ide.core.io.import_options import ImportOptions
from s2ide.core.io.importing import run_import
from s2ide.core.labeling.tags import label_sample
from s2ide.core.tasks import TaskState
from tests.conftest import write_image


def _snapshot(project) -> tuple:
    store = project.store
    return (store.samples.rows(), [a for r in store.samples.rows() for a in store.annotations.for_sample(r["id"])])


def _good_jpeg(path: Path) -> Path:
    Image.effect_noise((200, 150), 60).convert("RGB").save(path, "JPEG", quality=90)
    return path


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: (p / "zero.png").write_bytes(b""), "empty file (0 bytes)"),
        (lambda p: (p / "text.png").write_text("hello, I am text"), "not an image file"),
        (
            lambda p: (p / "cut.jpg").write_bytes(_good_jpeg(p / "full.tmp").read_bytes()[:4000]),
            "truncated or corrupt",
        ),
    ],
    ids=["zero-byte", "text-as-png", "truncated-jpeg"],
)
def test_bad_file_is_skipped_with_reason(filled_project, tmp_path, make, reason):
    root = tmp_path / "bad"
    root.mkdir()
    make(root)
    write_image(root / "good.png", color=(77, 1, 1))
    before = _snapshot(filled_project)
    report = run_import(filled_project, read_plan(root, "folder"), ImportOptions(), TaskState())
    assert report.imported == 1
    assert len(report.skipped) == 1
    (line,) = report.skipped
    assert "\n" not in line and reason in line and str(root) in line
    assert report.summary().startswith("1 imported, 1 skipped")
    after_rows, after_annotations = _snapshot(filled_project)
    assert after_rows[: len(before[0])] == before[0] and after_annotations == before[1]


def test_decompression_bomb_is_refused(tmp_path, monkeypatch):
    path = write_image(tmp_path / "big.png", size=(300, 300))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(ImageError, match="decompression-bomb limit") as info:
        probe(path)
    assert str(path) in str(info.value)


def test_bomb_in_an_import_is_skipped(project, tmp_path, monkeypatch):
    root = tmp_path / "pics"
    write_image(root / "big.png", size=(300, 300), color=(1, 2, 3))
    write_image(root / "small.png", size=(10, 10), color=(3, 2, 1))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    report = run_import(project, read_plan(root, "folder"), ImportOptions(), TaskState())
    assert report.imported == 1
    assert any("big.png" in s and "decompression-bomb" in s for s in report.skipped)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads any folder")
def test_unreadable_folder_is_reported(project, tmp_path):
    root = tmp_path / "pics"
    write_image(root / "ok.png", color=(4, 4, 4))
    locked = root / "locked"
    write_image(locked / "hidden.png", color=(5, 5, 5))
    locked.chmod(0)
    try:
        report = run_import(project, read_plan(root, "folder"), ImportOptions(), TaskState())
    finally:
        locked.chmod(0o755)
    assert report.imported == 1
    assert any("locked" in s and "cannot read the folder" in s for s in report.skipped)


def test_unreadable_folder_is_reported_even_as_root(project, tmp_path, monkeypatch):
    """The same path as the chmod test, with the permission error simulated (root reads anything)."""
    root = tmp_path / "pics"
    write_image(root / "ok.png", color=(4, 4, 4))
    locked = root / "locked"
    write_image(locked / "hidden.png", color=(5, 5, 5))
    real_scandir = os.scandir

    def scandir(path):
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    report = run_import(project, read_plan(root, "folder"), ImportOptions(), TaskState())
    assert report.imported == 1
    assert report.skipped == [f"{locked}: cannot read the folder (Permission denied)"]


def test_unknown_label_is_skipped_when_asked(filled_project, tmp_path):
    store = filled_project.store
    first = store.samples.rows()[0]
    image = filled_project.image_path(first["path"])
    csv_file = tmp_path / "labels.csv"
    csv_file.write_text(f"{image},zebra\n")
    before = _snapshot(filled_project)
    report = run_import(filled_project, read_plan(csv_file), ImportOptions(unknown_labels="skip"), TaskState())
    assert report.skipped == [f"{image}: unknown label 'zebra' (skipped)"]
    assert _snapshot(filled_project) == before
    assert store.labels.by_name("zebra") is None


def test_unknown_label_on_the_command_path(filled_project):
    with pytest.raises(UnknownLabelError, match=r"unknown label 'zebra'.*cat, dog"):
        label_sample(filled_project, 1, "zebra", "lara")


def test_malformed_csv_rows_name_file_and_line(tmp_path):
    csv_file = tmp_path / "l.csv"
    csv_file.write_text("a.png,cat\nonly-one-field\nb.png,dog,holdout\n")
    plan = read_plan(csv_file)
    assert plan.problems == [
        f"{csv_file}:2: expected path,label[,split], got 1 field(s)",
        f"{csv_file}:3: unknown split 'holdout'",
    ]
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(ImportFormatError, match="no rows"):
        read_plan(tmp_path / "empty.csv")
