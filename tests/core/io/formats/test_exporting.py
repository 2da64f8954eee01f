"""Exports are all or nothing: a temporary folder moved into place, never a half-written set."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pycocotools import mask as mask_utils

from s2ide.core.errors import Cancelled, InvalidInputError, S2Error
from s2ide.core.io.export_job import ExportOptions, ImagesMode
from s2ide.core.io.exporting import run_export
from s2ide.core.io.formats import coco, rle
from s2ide.core.tasks import TaskState
from tests.core.io.formats.helpers import shapes_project


def _entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_failed_export_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = shapes_project(tmp_path / "p")
    calls = []

    def broken(job, out, state):
        (out / "half.json").write_text("{")
        calls.append(out)
        raise S2Error("disk full")

    monkeypatch.setattr(coco, "export", broken)
    with pytest.raises(S2Error, match="disk full"):
        run_export(project, tmp_path / "out" / "set", "coco", ExportOptions(), TaskState())
    assert calls and not calls[0].exists()
    assert _entries(tmp_path / "out") == []
    project.close()


def test_a_cancelled_export_leaves_nothing(tmp_path: Path) -> None:
    project = shapes_project(tmp_path / "p")
    state = TaskState()
    state.cancel()
    with pytest.raises(Cancelled):
        run_export(project, tmp_path / "set", "yolo", ExportOptions(), state)
    assert not (tmp_path / "set").exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".set")]
    project.close()


def test_an_existing_folder_is_replaced_only_when_asked(tmp_path: Path) -> None:
    project = shapes_project(tmp_path / "p")
    dest = tmp_path / "set"
    dest.mkdir()
    (dest / "mine.txt").write_text("keep")
    with pytest.raises(InvalidInputError, match="not empty"):
        run_export(project, dest, "labelme", ExportOptions(), TaskState())
    assert _entries(dest) == ["mine.txt"]
    run_export(project, dest, "labelme", ExportOptions(overwrite=True), TaskState())
    assert "mine.txt" not in _entries(dest) and "a.json" in _entries(dest)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    project.close()


def test_image_modes_are_checked_per_format(tmp_path: Path) -> None:
    project = shapes_project(tmp_path / "p")
    with pytest.raises(InvalidInputError, match="coco export takes images as copy, link, not none"):
        run_export(project, tmp_path / "x", "coco", ExportOptions(images=ImagesMode.NONE), TaskState())
    with pytest.raises(InvalidInputError, match="unknown export format 'tiff'"):
        run_export(project, tmp_path / "x", "tiff", ExportOptions(), TaskState())
    assert not (tmp_path / "x").exists()
    project.close()


def test_split_filter_and_same_named_images(tmp_path: Path) -> None:
    from tests.core.io.formats.helpers import make_project

    images = [("a.png", (8, 8)), ("b.png", (8, 8)), ("sub/a.png", (8, 8)), ("sub/b.jpg", (8, 8))]
    project = make_project(tmp_path / "p", images)
    project.store.samples.set_split([1, 3, 4], "val")
    report = run_export(project, tmp_path / "o", "labelme", ExportOptions(split="val"), TaskState())
    assert report.images == 3
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == [
        "a.json",
        "a.png",
        "a_3.json",
        "a_3.png",
        "b.jpg",
        "b.json",
    ]
    project.close()


@settings(max_examples=40, deadline=None, database=None)
@given(st.integers(1, 12), st.integers(1, 12), st.data())
def test_rle_matches_pycocotools(height: int, width: int, data) -> None:
    bits = data.draw(st.lists(st.booleans(), min_size=height * width, max_size=height * width))
    mask = np.array(bits, dtype=bool).reshape(height, width)
    theirs = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    ours = rle.to_coco(mask)
    assert ours["counts"] == theirs["counts"].decode() and ours["size"] == list(theirs["size"])
    assert (rle.decode(rle.from_string(ours["counts"], "c"), height, width, "c") == mask).all()
    assert (rle.decode(rle.encode(mask), height, width, "c") == mask).all()
