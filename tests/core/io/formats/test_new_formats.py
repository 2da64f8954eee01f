"""CVAT XML, Datumaro, Label Studio, VOC segmentation, Cityscapes and KITTI: small files written
from each format's published description, read, and written back."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from s2ide.core import geometry
from s2ide.core.io.export_job import ExportOptions
from s2ide.core.io.exporting import run_export
from s2ide.core.io.formats import detect_format, read_plan
from s2ide.core.io.import_options import ImportOptions
from s2ide.core.io.importing import run_import
from s2ide.core.project import Project
from s2ide.core.tasks import TaskState
from tests.conftest import write_image
from tests.core.io.formats.helpers import add, make_project, rect_mask, reimport, shapes


def _import(tmp_path: Path, src: Path, fmt: str = "auto"):
    project = Project.create(tmp_path / "proj", [], task="detect")
    plan = read_plan(src, fmt)
    return project, plan, run_import(project, plan, ImportOptions(), TaskState())


CVAT_XML = """<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <version>1.1</version>
  <meta><task><name>t</name><labels>
    <label><name>car</name><attributes></attributes></label>
    <label><name>road</name></label><label><name>sky</name></label>
  </labels></task></meta>
  <image id="0" name="a.png" width="20" height="10">
    <tag label="sky" source="manual"/>
    <box label="car" source="manual" occluded="1" xtl="1.00" ytl="2.00" xbr="5.00" ybr="6.00" z_order="2" group_id="4">
      <attribute name="color">red</attribute>
    </box>
    <polygon label="road" occluded="0" points="0.00,9.00;19.00,9.00;10.00,5.00"/>
    <polyline label="road" occluded="0" points="1.00,1.00;3.00,3.00"/>
    <points label="car" occluded="0" points="2.00,2.00;4.00,4.00"/>
    <mask label="car" source="manual" occluded="0" rle="1, 2, 1, 2" left="10" top="2" width="3" height="2"/>
  </image>
</annotations>
"""


def test_cvat_xml_1_1(tmp_path: Path) -> None:
    root = tmp_path / "cvat"
    write_image(root / "images" / "a.png", size=(20, 10))
    (root / "annotations.xml").write_text(CVAT_XML)
    assert detect_format(root) == "cvat"
    project, _, report = _import(tmp_path, root)
    assert [lb.name for lb in project.store.labels.list()] == ["car", "road", "sky"]
    assert report.annotations_added == 6 and report.annotations_in_source == 6 and report.labels_set == 1
    anns = project.store.annotations.for_sample(1)
    box = next(a for a in anns if a.kind == "box")
    assert box.attributes == {"occluded": 1, "group_id": 4, "z_order": 2, "color": "red"}
    mask = next(a for a in anns if a.kind == "mask")
    pixels = geometry.decode_mask(mask.data, 20, 10)
    assert pixels.sum() == 4 and pixels[2, 11:13].all() and pixels[3, 11:13].all()  # runs: 0 1 1 / 0 1 1
    run_export(project, tmp_path / "out", "cvat", ExportOptions(), TaskState())
    again, _ = reimport(tmp_path / "out", "cvat", tmp_path / "q")
    assert shapes(again) == shapes(project)
    assert [a.attributes for a in again.store.annotations.for_sample(1)] == [a.attributes for a in anns]
    project.close()
    again.close()


def test_datumaro_json(tmp_path: Path) -> None:
    root = tmp_path / "dm"
    write_image(root / "images" / "train" / "a.png", size=(20, 10))
    doc = {
        "info": {},
        "categories": {"label": {"labels": [{"name": "cat", "parent": ""}, {"name": "dog", "parent": ""}]}},
        "items": [
            {
                "id": "a",
                "image": {"path": "a.png", "size": [10, 20]},
                "annotations": [
                    {
                        "id": 0,
                        "type": "bbox",
                        "label_id": 0,
                        "bbox": [1, 1, 4, 4],
                        "group": 2,
                        "attributes": {"occluded": True},
                    },
                    {"id": 1, "type": "polygon", "label_id": 1, "points": [1, 1, 8, 1, 8, 8], "group": 2, "z_order": 1},
                    {"id": 2, "type": "label", "label_id": 1},
                ],
            }
        ],
    }
    (root / "annotations").mkdir(parents=True)
    (root / "annotations" / "train.json").write_text(json.dumps(doc))
    assert detect_format(root) == "datumaro"
    project, _, report = _import(tmp_path, root)
    assert report.annotations_added == 2 and report.labels_set == 1
    assert project.store.samples.get(1).split == "train"
    attrs = [a.attributes for a in project.store.annotations.for_sample(1) if a.kind != "tag"]
    assert attrs == [{"occluded": True, "group_id": 2}, {"group_id": 2, "z_order": 1}]
    run_export(project, tmp_path / "out", "datumaro", ExportOptions(), TaskState())
    again, _ = reimport(tmp_path / "out", "datumaro", tmp_path / "q")
    assert shapes(again) == shapes(project)
    project.close()
    again.close()


def _brush_stream() -> tuple[list[int], np.ndarray]:
    """A brush RLE written by hand from the rle-pack layout: a 200x100 RGBA image, alpha 255
    in rows 10..19 (all columns), as Label Studio encodes it (one run chunk per value run)."""
    mask = np.zeros((100, 200), dtype=bool)
    mask[10:20] = True
    runs = [(0, 10 * 200 * 4), (255, 10 * 200 * 4), (0, 80 * 200 * 4)]
    bits = format(200 * 100 * 4, "032b") + format(7, "05b") + "".join(format(s - 1, "04b") for s in (3, 4, 8, 16))
    for value, n in runs:
        while n:
            chunk = min(n, 1 << 16)
            bits += "1" + "11" + format(chunk - 1, "016b") + format(value, "08b")
            n -= chunk
    bits += "0" * (-len(bits) % 8)
    return [int(bits[k : k + 8], 2) for k in range(0, len(bits), 8)], mask


BRUSH, BRUSH_MASK = _brush_stream()


def test_label_studio_brush_rle_decodes_and_refuses_hostile_streams() -> None:
    from s2ide.core.errors import ImportFormatError
    from s2ide.core.io.formats import lsbrush

    assert (lsbrush.decode(BRUSH, 200, 100, "x") == BRUSH_MASK).all()
    rng = np.random.default_rng(3)
    mask = rng.random((7, 9)) > 0.6
    assert (lsbrush.decode(lsbrush.encode(mask), 9, 7, "x") == mask).all()
    with pytest.raises(ImportFormatError, match="ends early"):
        lsbrush.decode(BRUSH[:12], 200, 100, "x")
    with pytest.raises(ImportFormatError, match="holds 80000 values; a 10x10 RGBA image has 400"):
        lsbrush.decode(BRUSH, 10, 10, "x")


def test_label_studio_json(tmp_path: Path) -> None:
    root = tmp_path / "ls"
    write_image(root / "cat.jpg", size=(200, 100))
    base = {"original_width": 200, "original_height": 100, "to_name": "image"}
    tasks = [
        {
            "id": 1,
            "data": {"image": "/data/upload/1/9f3a2b1c-cat.jpg"},
            "annotations": [
                {
                    "result": [
                        {
                            **base,
                            "id": "r1",
                            "type": "rectanglelabels",
                            "from_name": "label",
                            "value": {
                                "x": 10,
                                "y": 20,
                                "width": 25,
                                "height": 30,
                                "rotation": 0,
                                "rectanglelabels": ["cat"],
                            },
                        },
                        {**base, "id": "r1", "type": "textarea", "from_name": "note", "value": {"text": ["fluffy"]}},
                        {
                            **base,
                            "id": "r2",
                            "type": "polygonlabels",
                            "from_name": "label",
                            "value": {"points": [[10, 10], [50, 10], [50, 50]], "polygonlabels": ["dog"]},
                        },
                        {
                            **base,
                            "id": "r3",
                            "type": "brushlabels",
                            "from_name": "brush",
                            "value": {"format": "rle", "rle": BRUSH, "brushlabels": ["cat"]},
                        },
                        {
                            "id": "c",
                            "type": "choices",
                            "from_name": "class",
                            "to_name": "image",
                            "value": {"choices": ["cat"]},
                        },
                    ]
                }
            ],
        }
    ]
    (root / "export.json").write_text(json.dumps(tasks))
    assert detect_format(root) == "labelstudio"
    project, plan, report = _import(tmp_path, root)
    assert any("matched by file name" in p for p in plan.problems)
    assert report.annotations_in_source == 3 and report.annotations_added == 3 and report.labels_set == 1
    brush = next(a for a in project.store.annotations.for_sample(1) if a.kind == "mask")
    assert (geometry.decode_mask(brush.data, 200, 100) == BRUSH_MASK).all()
    box = next(a for a in project.store.annotations.for_sample(1) if a.kind == "box")
    assert box.geometry == {"x": 20.0, "y": 20.0, "w": 50.0, "h": 30.0, "angle": 0.0}
    assert box.attributes == {"note": "fluffy"}
    run_export(project, tmp_path / "out", "labelstudio", ExportOptions(), TaskState())
    again, _ = reimport(tmp_path / "out", "labelstudio", tmp_path / "q")
    assert shapes(again) == shapes(project)
    project.close()
    again.close()


def test_label_studio_rotated_box_round_trip(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", [("a.png", (64, 48))], labels=["cat"])
    add(project, "a.png", "box", "cat", {"x": 20.0, "y": 12.0, "w": 16.0, "h": 8.0, "angle": 30.0})
    run_export(project, tmp_path / "out", "labelstudio", ExportOptions(), TaskState())
    again, _ = reimport(tmp_path / "out", "labelstudio", tmp_path / "q")
    assert shapes(again) == shapes(project)
    project.close()
    again.close()


def test_voc_segmentation_instances(tmp_path: Path) -> None:
    from s2ide.core.io.formats.vocseg import colormap

    root = tmp_path / "vocseg"
    write_image(root / "JPEGImages" / "a.jpg", size=(12, 8))
    classes = np.zeros((8, 12), dtype=np.uint8)
    objects = np.zeros((8, 12), dtype=np.uint8)
    classes[1:3, 1:3] = 8  # cat (VOC index 8)
    objects[1:3, 1:3] = 1
    classes[5:7, 1:3] = 8  # a second cat: its own instance
    objects[5:7, 1:3] = 2
    classes[0:8, 8] = 255  # void border
    palette = [c for rgb in colormap() for c in rgb]
    for folder, array in (("SegmentationClass", classes), ("SegmentationObject", objects)):
        (root / folder).mkdir(parents=True, exist_ok=True)
        image = Image.fromarray(array, mode="L").convert("P")
        image.putpalette(palette)
        image.save(root / folder / "a.png")
    assert detect_format(root) == "vocseg"
    project, _, report = _import(tmp_path, root)
    masks = [a for a in project.store.annotations.for_sample(1) if a.kind == "mask"]
    assert len(masks) == 2 and report.annotations_added == 2
    assert project.store.samples.count() == 1  # the label PNGs are never samples
    run_export(project, tmp_path / "out", "vocseg", ExportOptions(), TaskState())
    again, _ = reimport(tmp_path / "out", "vocseg", tmp_path / "q")
    assert shapes(again) == shapes(project)
    project.close()
    again.close()


def test_cityscapes_polygons(tmp_path: Path) -> None:
    root = tmp_path / "cs"
    write_image(root / "leftImg8bit" / "val" / "bonn" / "bonn_000_000019_leftImg8bit.png", size=(40, 20))
    doc = {
        "imgHeight": 20,
        "imgWidth": 40,
        "objects": [
            {"label": "car", "polygon": [[1, 1], [10, 1], [10, 10]]},
            {"label": "road", "polygon": [[0, 19], [39, 19], [20, 12]], "deleted": 1},
        ],
    }
    target = root / "gtFine" / "val" / "bonn" / "bonn_000_000019_gtFine_polygons.json"
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps(doc))
    write_image(
        root / "gtFine" / "val" / "bonn" / "bonn_000_000019_gtFine_labelIds.png", size=(40, 20), color=(7, 7, 7)
    )
    assert detect_format(root) == "cityscapes"
    project, _, report = _import(tmp_path, root)
    assert report.annotations_added == 1 and report.annotations_not_added == {"marked deleted in the file": 1}
    assert project.store.samples.count() == 1 and project.store.samples.get(1).split == "val"
    run_export(project, tmp_path / "out", "cityscapes", ExportOptions(), TaskState())
    again, _ = reimport(tmp_path / "out", "cityscapes", tmp_path / "q")
    assert shapes(again) == shapes(project)
    project.close()
    again.close()


def test_kitti_detection(tmp_path: Path) -> None:
    root = tmp_path / "kitti" / "training"
    write_image(root / "image_2" / "000001.png", size=(100, 50))
    (root / "label_2").mkdir(parents=True)
    (root / "label_2" / "000001.txt").write_text(
        "Car 0.00 0 -1.58 10.00 5.00 40.00 30.00 1.67 1.87 3.69 -16.53 2.39 58.49 1.57\n"
        "Pedestrian 0.50 2 0.21 50.00 10.00 60.00 45.00 1.72 0.50 0.80 -0.60 1.70 8.40 0.28\n"
        "DontCare -1 -1 -10 70.00 1.00 90.00 9.00 -1 -1 -1 -1000 -1000 -1000 -10\n"
    )
    assert detect_format(tmp_path / "kitti") == "kitti"
    project, _, report = _import(tmp_path, tmp_path / "kitti")
    assert report.annotations_added == 3
    ped = next(a for a in project.store.annotations.for_sample(1) if a.geometry and a.geometry["x"] == 50)
    assert ped.attributes["truncated"] == 0.5 and ped.attributes["occluded"] == 2
    assert ped.attributes["location"] == pytest.approx([-0.6, 1.7, 8.4])
    run_export(project, tmp_path / "out", "kitti", ExportOptions(), TaskState())
    line = (tmp_path / "out" / "label_2" / "000001.txt").read_text().splitlines()[1]
    assert line == "Pedestrian 0.50 2 0.21 50.00 10.00 60.00 45.00 1.72 0.50 0.80 -0.60 1.70 8.40 0.28"
    again, _ = reimport(tmp_path / "out", "kitti", tmp_path / "q")
    assert shapes(again) == shapes(project)
    project.close()
    again.close()


def test_class_per_folder_never_claims_an_annotated_layout(tmp_path: Path) -> None:
    root = tmp_path / "mixed"
    write_image(root / "cats" / "a.png")
    (root / "cats" / "a.json").write_text("{}")
    assert detect_format(root) != "imagefolder"
    plain = tmp_path / "plain"
    write_image(plain / "cats" / "a.png", color=(1, 1, 1))
    assert detect_format(plain) == "imagefolder"


def test_masks_from_rle_mask_to_voc_and_back_stay_instances(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", [("a.png", (16, 8))], labels=["cat"])
    add(project, "a.png", "mask", "cat", mask=rect_mask((16, 8), (0, 0, 2, 2)))
    add(project, "a.png", "mask", "cat", mask=rect_mask((16, 8), (5, 5, 3, 3)))
    run_export(project, tmp_path / "out", "vocseg", ExportOptions(), TaskState())
    again, report = reimport(tmp_path / "out", "vocseg", tmp_path / "q")
    assert report.annotations_added == 2
    assert shapes(again) == shapes(project)
    project.close()
    again.close()


def test_a_mots_layout_is_read_as_mots_not_misread_as_a_folder(tmp_path: Path) -> None:
    root = tmp_path / "mots"
    write_image(root / "images" / "0000" / "000000.png")
    write_image(root / "instances" / "0000" / "000000.png", color=(1, 1, 1))
    (root / "instances_txt").mkdir()
    assert detect_format(root) == "mots"
    assert [i.source.parent.parent.name for i in read_plan(root, "folder").items] == ["images"]
