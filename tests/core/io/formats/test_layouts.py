"""Layouts real exporters write: each recognised, named, and imported without losing a shape."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from s2ide.core.errors import ImportFormatError
from s2ide.core.io.formats import detect_format, read_plan
from s2ide.core.io.import_options import ImportOptions
from s2ide.core.io.importing import run_import
from s2ide.core.project import Project
from s2ide.core.tasks import TaskState
from tests.conftest import write_image
from tests.core.io.formats.helpers import shapes


def _import(tmp_path: Path, src: Path, fmt: str = "auto", labels=()):
    project = Project.create(tmp_path / "proj", list(labels), task="detect")
    plan = read_plan(src, fmt)
    report = run_import(project, plan, ImportOptions(), TaskState())
    return project, plan, report


def _coco_doc(names: list[str], n_boxes: int = 1) -> dict:
    return {
        "images": [{"id": i + 1, "file_name": n, "width": 32, "height": 24} for i, n in enumerate(names)],
        "categories": [{"id": 1, "name": "cat"}],
        "annotations": [
            {"id": i + 1, "image_id": 1 + i % len(names), "category_id": 1, "bbox": [1 + i, 1, 4, 4]}
            for i in range(n_boxes)
        ],
    }


def test_coco_standard_layout_annotations_beside_images_split(tmp_path: Path) -> None:
    root = tmp_path / "coco"
    write_image(root / "images" / "train2017" / "a.png", color=(1, 2, 3))
    write_image(root / "images" / "val2017" / "b.png", color=(4, 5, 6))
    (root / "annotations").mkdir()
    (root / "annotations" / "instances_train2017.json").write_text(json.dumps(_coco_doc(["a.png"], 2)))
    (root / "annotations" / "instances_val2017.json").write_text(json.dumps(_coco_doc(["b.png"], 1)))
    project, plan, report = _import(tmp_path, root)
    assert plan.format == "coco" and "annotations/" in plan.layout
    assert report.imported == 2 and report.annotations_added == 3 and report.annotations_in_source == 3
    assert sorted(r["split"] for r in project.store.samples.rows()) == ["train", "val"]
    project.close()


def test_coco_roboflow_layout(tmp_path: Path) -> None:
    root = tmp_path / "rf"
    for split, color in (("train", (1, 1, 1)), ("valid", (2, 2, 2))):
        write_image(root / split / f"{split}.jpg", color=color)
        (root / split / "_annotations.coco.json").write_text(json.dumps(_coco_doc([f"{split}.jpg"])))
    assert detect_format(root) == "coco"
    project, plan, report = _import(tmp_path, root)
    assert "Roboflow" in plan.layout and report.imported == 2 and report.annotations_added == 2
    assert sorted(r["split"] for r in project.store.samples.rows()) == ["train", "val"]
    project.close()


def test_yolo_relative_source_roboflow_paths_and_obb_rounding(tmp_path: Path, monkeypatch) -> None:
    root = tmp_path / "ds"
    write_image(root / "train" / "images" / "a.jpg", size=(100, 100), color=(1, 1, 1))
    write_image(root / "valid" / "images" / "b.jpg", size=(100, 100), color=(2, 2, 2))
    (root / "train" / "labels").mkdir(parents=True)
    (root / "valid" / "labels").mkdir(parents=True)
    (root / "train" / "labels" / "a.txt").write_text("0 -0.0098 0.1 0.5 0.1 0.5 0.5 -0.0098 0.5\n")  # OBB past the edge
    (root / "valid" / "labels" / "b.txt").write_text("1 0.5 0.5 0.2 0.2\n")
    (root / "data.yaml").write_text(
        "train: ../train/images\nval: ../valid/images\n\nnc: 2\nnames: ['cat', 'dog']\n"
        "roboflow:\n  workspace: w\n  version: 1\n"
    )
    monkeypatch.chdir(tmp_path)
    project, plan, report = _import(tmp_path, Path("ds"))  # a relative source
    assert any("'../train/images' read as 'train/images'" in p for p in plan.problems)
    assert report.imported == 2 and report.annotations_added == 2 and report.annotations_skipped == 0
    assert sorted(r["split"] for r in project.store.samples.rows()) == ["train", "val"]
    project.close()


def test_yolo_image_lists_and_darknet_cvat_yolo_1_1(tmp_path: Path) -> None:
    root = tmp_path / "cvat"
    write_image(root / "obj_train_data" / "a.png", size=(50, 40), color=(1, 1, 1))
    write_image(root / "obj_train_data" / "b.png", size=(50, 40), color=(2, 2, 2))
    (root / "obj_train_data" / "a.txt").write_text("1 0.5 0.5 0.2 0.2\n0 0.2 0.2 0.1 0.1\n")
    (root / "obj.names").write_text("person\ncar\n")
    (root / "obj.data").write_text("classes = 2\ntrain = data/train.txt\nnames = data/obj.names\nbackup = backup/\n")
    (root / "train.txt").write_text("data/obj_train_data/a.png\ndata/obj_train_data/b.png\n../../etc/passwd\n")
    assert detect_format(root) == "yolo"
    project, plan, report = _import(tmp_path, root)
    assert "darknet" in plan.layout
    assert any("passwd" in p and "leads outside" in p for p in plan.problems)
    assert report.imported == 2 and report.annotations_added == 2
    assert sorted(s[1] for s in shapes(project)["a.png"]) == ["car", "person"]  # obj.names, not "0" and "1"
    project.close()


def test_yolo_pose_lines_keep_their_boxes_and_their_keypoints(tmp_path: Path) -> None:
    root = tmp_path / "pose"
    write_image(root / "images" / "train" / "a.png", size=(100, 100))
    (root / "labels" / "train").mkdir(parents=True)
    (root / "labels" / "train" / "a.txt").write_text(
        "0 0.5 0.5 0.4 0.4 0.4 0.4 2 0.6 0.6 1\n0 0.2 0.2 0.1 0.1 0.2 0.2 2 0 0 0\n"
    )
    (root / "data.yaml").write_text("kpt_shape: [2, 3]\nnames: {0: person}\ntrain: images/train\n")
    project, plan, report = _import(tmp_path, root)
    assert not [p for p in plan.problems if "keypoint" in p], plan.problems
    assert report.annotations_added == 4
    assert sorted(s[0] for s in shapes(project, ("box", "keypoints"))["a.png"]) == [
        "box",
        "box",
        "keypoints",
        "keypoints",
    ]
    project.close()


def test_bad_yaml_is_one_line_naming_the_file(tmp_path: Path) -> None:
    root = tmp_path / "y"
    root.mkdir()
    (root / "data.yaml").write_text("names: [a, b\ntrain: x\n")
    with pytest.raises(ImportFormatError, match=r"data\.yaml: line \d+: not valid YAML") as info:
        read_plan(root, "yolo")
    assert "\n" not in str(info.value)
    assert os.sep in str(info.value)


def test_yolo_path_key_names_the_dataset_folder(tmp_path: Path) -> None:
    root = tmp_path / "y"
    write_image(root / "data" / "images" / "train" / "a.png", size=(20, 20))
    (root / "data" / "labels" / "train").mkdir(parents=True)
    (root / "data" / "labels" / "train" / "a.txt").write_text("0 0.5 0.5 0.5 0.5\n")
    (root / "data.yaml").write_text("path: data\ntrain: images/train\nnames:\n  0: cat\n")
    project, plan, report = _import(tmp_path, root)
    assert report.imported == 1 and report.annotations_added == 1 and not plan.problems
    project.close()
