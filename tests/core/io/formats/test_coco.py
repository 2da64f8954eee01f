"""COCO: pycocotools reads our exports and agrees on boxes, areas and masks; imports of real-shaped files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO

from s2ide.core import geometry
from s2ide.core.io.export_job import ExportOptions
from s2ide.core.io.exporting import run_export
from s2ide.core.io.formats import coco, detect_format, read_plan
from s2ide.core.tasks import TaskState
from tests.conftest import write_image
from tests.core.io.formats.helpers import reimport, shapes, shapes_project

# pycocotools 2.0 and numpy 2 disagree about __array__(copy=); harmless here.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


@pytest.fixture
def exported(tmp_path: Path):
    project = shapes_project(tmp_path / "p")
    report = run_export(project, tmp_path / "out", "coco", ExportOptions(), TaskState())
    yield project, tmp_path / "out", report
    project.close()


def test_pycocotools_loads_the_export_and_agrees(exported) -> None:
    _project, out, report = exported
    assert report.images == 3 and report.annotations == 6
    assert any("point" in note for note in report.skipped)
    api = COCO(str(out / "annotations.json"))
    assert sorted(c["name"] for c in api.loadCats(api.getCatIds())) == ["car", "cat", "dog"]
    assert len(api.getImgIds()) == 3
    for image in api.loadImgs(api.getImgIds()):
        assert (out / "images" / image["file_name"]).is_file()
    seen = 0
    for ann in api.loadAnns(api.getAnnIds()):
        image = api.loadImgs(ann["image_id"])[0]
        if isinstance(ann["segmentation"], dict):  # our masks: RLE, exact agreement
            rle = ann["segmentation"]
            assert mask_utils.area(rle) == ann["area"]
            assert list(mask_utils.toBbox(rle)) == ann["bbox"]
            ours = api.annToMask(ann).astype(bool)
            expected = np.zeros((48, 64), bool)
            expected[20:32, 40:50] = True
            assert (ours == expected).all()
            seen += 1
        elif ann["segmentation"]:  # polygons: the rasterised area is close to the exact area
            raster = api.annToMask(ann).sum()
            assert raster == pytest.approx(ann["area"], rel=0.25)
            x, y, w, h = ann["bbox"]
            pts = np.array(ann["segmentation"][0]).reshape(-1, 2)
            assert (x, y, x + w, y + h) == pytest.approx((*pts.min(0), *pts.max(0)))
            seen += 1
        else:
            assert ann["area"] == pytest.approx(ann["bbox"][2] * ann["bbox"][3])
            assert image["width"] >= ann["bbox"][0]
            seen += 1
    assert seen == 6


def test_round_trip_into_a_fresh_project(exported, tmp_path: Path) -> None:
    project, out, _ = exported
    assert detect_format(out) == "coco"
    fresh, report = reimport(out, "auto", tmp_path / "fresh")
    assert report.imported == 3 and report.annotations_added == 6
    assert shapes(fresh, ("box", "polygon", "mask")) == shapes(project, ("box", "polygon", "mask"))
    fresh.close()


def test_reads_cvat_style_rle_crowds_and_uncompressed_counts(tmp_path: Path) -> None:
    write_image(tmp_path / "ds" / "images" / "x.png", size=(6, 4))
    mask = np.zeros((4, 6), bool)
    mask[1:3, 2:5] = True
    compressed = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    doc = {
        "images": [{"id": 7, "file_name": "x.png", "width": 6, "height": 4}],
        "categories": [{"id": 3, "name": "blob"}, {"id": 4, "name": "other"}],
        "annotations": [
            {
                "id": 1,
                "image_id": 7,
                "category_id": 3,
                "iscrowd": 1,
                "bbox": [2, 1, 3, 2],
                "segmentation": {"size": [4, 6], "counts": compressed["counts"].decode()},
            },
            {
                "id": 2,
                "image_id": 7,
                "category_id": 4,
                "iscrowd": 1,
                "bbox": [2, 1, 3, 2],
                "segmentation": {"size": [4, 6], "counts": coco.rle.encode(mask)},
            },
            {
                "id": 3,
                "image_id": 7,
                "category_id": 4,
                "bbox": [0, 0, 2, 2],
                "segmentation": [],
                "attributes": {"rotation": 15.0},
            },
        ],
    }
    (tmp_path / "ds" / "annotations.json").write_text(json.dumps(doc))
    plan = read_plan(tmp_path / "ds")
    assert plan.format == "coco" and plan.labels == ["blob", "other"]
    anns = plan.items[0].annotations
    assert [a.kind for a in anns] == ["mask", "mask", "box"]
    assert (geometry.decode_mask(anns[0].data) == mask).all()
    assert (geometry.decode_mask(anns[1].data) == mask).all()
    assert anns[2].geometry["angle"] == 15.0


def test_instances_files_in_annotations_folder_set_splits(tmp_path: Path) -> None:
    root = tmp_path / "coco"
    for split in ("train", "val"):
        write_image(root / "images" / f"{split}.png", color=(1 if split == "train" else 2, 0, 0))
        doc = {"images": [{"id": 1, "file_name": f"{split}.png"}], "annotations": [], "categories": []}
        (root / "annotations").mkdir(parents=True, exist_ok=True)
        (root / "annotations" / f"instances_{split}2017.json").write_text(json.dumps(doc))
    plan = read_plan(root)
    assert sorted((i.source.name, i.split) for i in plan.items) == [("train.png", "train"), ("val.png", "val")]
