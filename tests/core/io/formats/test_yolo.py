"""YOLO: detection, OBB and segmentation exports re-import with the same shapes; data.yaml both ways."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from s2ide.core.errors import ImportFormatError
from s2ide.core.io.export_job import ExportOptions
from s2ide.core.io.exporting import run_export
from s2ide.core.io.formats import detect_format, read_plan
from s2ide.core.tasks import TaskState
from tests.conftest import write_image
from tests.core.io.formats.helpers import add, make_project, reimport, shapes


@pytest.fixture
def boxes_project(tmp_path: Path):
    project = make_project(tmp_path / "p", [("a.png", (64, 48)), ("b.jpg", (40, 30))])
    add(project, "a.png", "box", "cat", {"x": 4.0, "y": 5.0, "w": 20.0, "h": 10.0})
    add(project, "a.png", "box", "dog", {"x": 30.0, "y": 20.0, "w": 16.0, "h": 8.0})
    add(project, "b.jpg", "box", "car", {"x": 0.0, "y": 0.0, "w": 40.0, "h": 30.0})
    project.store.samples.set_split([2], "val")
    yield project
    project.close()


def test_detection_round_trip_and_layout(boxes_project, tmp_path: Path) -> None:
    report = run_export(boxes_project, tmp_path / "y", "yolo", ExportOptions(), TaskState())
    out = tmp_path / "y"
    assert report.images == 2 and report.annotations == 3
    config = yaml.safe_load((out / "data.yaml").read_text())
    assert config["names"] == {0: "cat", 1: "dog", 2: "car"}
    assert config["task"] == "detect" and config["train"] == "images/train" and config["val"] == "images/val"
    assert (out / "images" / "train" / "a.png").is_file() and (out / "images" / "val" / "b.jpg").is_file()
    assert (out / "labels" / "train" / "a.txt").read_text().splitlines()[0] == "0 0.21875 0.20833333 0.3125 0.20833333"
    assert detect_format(out) == "yolo"
    fresh, _ = reimport(out, "yolo", tmp_path / "fresh")
    assert shapes(fresh) == shapes(boxes_project)
    assert {r["split"] for r in fresh.store.samples.rows()} == {"train", "val"}
    assert [label.name for label in fresh.store.labels.list()] == ["cat", "dog", "car"]  # class ids kept
    fresh.close()


def test_oriented_boxes_round_trip(boxes_project, tmp_path: Path) -> None:
    add(boxes_project, "a.png", "box", "car", {"x": 20.0, "y": 12.0, "w": 16.0, "h": 8.0, "angle": 30.0})
    run_export(boxes_project, tmp_path / "y", "yolo", ExportOptions(), TaskState())
    assert "task: obb" in (tmp_path / "y" / "data.yaml").read_text()
    assert len((tmp_path / "y" / "labels" / "train" / "a.txt").read_text().split("\n")[0].split()) == 9
    fresh, _ = reimport(tmp_path / "y", "yolo", tmp_path / "fresh")
    assert shapes(fresh) == shapes(boxes_project)
    fresh.close()


def test_segmentation_round_trip(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", [("a.png", (64, 48))])
    add(project, "a.png", "polygon", "cat", {"points": [[1.0, 1.0], [30.5, 2.0], [12.0, 40.25]]})
    add(project, "a.png", "polygon", "dog", {"points": [[10.0, 10.0], [20.0, 10.0], [20.0, 20.0], [10.0, 20.0]]})
    run_export(project, tmp_path / "y", "yolo", ExportOptions(), TaskState())
    fresh, _ = reimport(tmp_path / "y", "yolo", tmp_path / "fresh")
    # the rectangular 4-point polygon stays a polygon: data.yaml says task: segment
    assert shapes(fresh) == shapes(project)
    fresh.close()
    project.close()


def test_reads_list_names_classes_txt_and_no_yaml(tmp_path: Path) -> None:
    root = tmp_path / "ds"
    write_image(root / "images" / "x.png", size=(10, 10))
    (root / "labels").mkdir(parents=True)
    (root / "labels" / "x.txt").write_text("1 0.5 0.5 0.2 0.2\n\n# comment\n0 0.1 0.1 0.3 0.1 0.2 0.4\n")
    (root / "data.yaml").write_text("path: .\ntrain: images\nnames: ['a', \"b\"]\n")
    plan = read_plan(root)
    assert plan.labels == ["a", "b"]
    assert [(a.kind, a.label) for a in plan.items[0].annotations] == [("box", "b"), ("polygon", "a")]
    (root / "data.yaml").unlink()
    (root / "classes.txt").write_text("first\nsecond\n")
    assert read_plan(root, "yolo").labels == ["first", "second"]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("0 0.5 0.5 0.2", "got 4"),
        ("0 0.5 0.5 0.2 0.2 0.3", "got 6"),
        ("x 0.5 0.5 0.2 0.2", "not an integer"),
        ("7 0.5 0.5 0.2 0.2", "class 7 is not in data.yaml"),
        ("0 1.5 0.5 0.2 0.2", "out of range"),
        ("0 0.5 nan 0.2 0.2", "must be finite"),
        ("0 0.5 0.5 -0.2 0.2", "out of range"),
        ("0 0.5 0.5 0 0.2", "non-positive size"),
        ("0 0.5 0.5 1e999 0.2", "must be finite"),
    ],
)
def test_bad_lines_name_the_file_and_line(tmp_path: Path, line: str, problem: str) -> None:
    root = tmp_path / "ds"
    write_image(root / "images" / "x.png", size=(10, 10))
    (root / "labels").mkdir(parents=True)
    (root / "labels" / "x.txt").write_text("0 0.5 0.5 0.2 0.2\n" + line + "\n")
    (root / "data.yaml").write_text("names:\n  - a\n  - b\n")
    with pytest.raises(ImportFormatError, match=r"x\.txt:2: .*" + problem):
        read_plan(root, "yolo")


def test_yaml_paths_outside_the_dataset_are_refused(tmp_path: Path) -> None:
    (tmp_path / "ds").mkdir()
    (tmp_path / "ds" / "data.yaml").write_text("train: ../../etc\nnames: [a]\n")
    with pytest.raises(ImportFormatError, match=r"data\.yaml: train: path '\.\./\.\./etc' leads outside"):
        read_plan(tmp_path / "ds", "yolo")
