"""Attributes, groups and the things real labelme/VOC files carry: kept on import, written back on export."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import numpy as np
from PIL import Image

from s2ide.core.io.export_job import ExportOptions
from s2ide.core.io.exporting import run_export
from s2ide.core.io.formats import read_plan
from s2ide.core.io.import_options import ImportOptions
from s2ide.core.io.importing import run_import
from s2ide.core.project import Project
from s2ide.core.tasks import TaskState
from tests.conftest import write_image
from tests.core.io.formats.helpers import reimport


def _project(tmp_path: Path, name: str = "p") -> Project:
    return Project.create(tmp_path / name, ["cat", "dog"], task="detect")


def _png(array: np.ndarray) -> str:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def test_labelme_group_ids_and_flags_survive_a_round_trip(tmp_path: Path) -> None:
    root = tmp_path / "src"
    write_image(root / "a.png", size=(40, 30))
    rect = {"label": "cat", "shape_type": "rectangle", "points": [[1, 1], [10, 10]]}
    doc = {
        "shapes": [
            {**rect, "group_id": 3, "flags": {"occluded": True, "blurry": False}, "description": "left ear"},
            {**rect, "points": [[12, 1], [20, 10]], "group_id": 3},
        ],
        "imagePath": "a.png",
    }
    (root / "a.json").write_text(json.dumps(doc))
    project = _project(tmp_path)
    run_import(project, read_plan(root), ImportOptions(), TaskState())
    attrs = [a.attributes for a in project.store.annotations.for_sample(1)]
    assert attrs == [{"group_id": 3, "description": "left ear", "occluded": True}, {"group_id": 3}]
    run_export(project, tmp_path / "out", "labelme", ExportOptions(), TaskState())
    shapes = json.loads((tmp_path / "out" / "a.json").read_text())["shapes"]
    assert [(s["group_id"], s["flags"], s["description"]) for s in shapes] == [
        (3, {"occluded": True}, "left ear"),
        (3, {}, ""),
    ]
    project.close()


def test_labelme_masks_written_with_values_0_and_1(tmp_path: Path) -> None:
    root = tmp_path / "src"
    write_image(root / "a.png", size=(20, 10))
    crop = np.zeros((4, 5), dtype=np.uint8)
    crop[1:3, 1:4] = 1  # labelme's own mask PNGs: 8-bit, values 0 and 1
    shape = {"label": "cat", "shape_type": "mask", "points": [[2, 3], [6, 6]], "mask": _png(crop)}
    doc = {"shapes": [shape], "imagePath": "a.png", "imageWidth": 20, "imageHeight": 10}
    (root / "a.json").write_text(json.dumps(doc))
    project = _project(tmp_path)
    run_import(project, read_plan(root), ImportOptions(), TaskState())
    from s2ide.core import geometry

    [mask] = project.store.annotations.for_sample(1)
    pixels = geometry.decode_mask(mask.data, 20, 10)
    assert int(pixels.sum()) == 6 and pixels[4:6, 3:6].all()
    project.close()


def test_labelme_image_data_only_imports(tmp_path: Path) -> None:
    root = tmp_path / "src"
    root.mkdir()
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), (10, 20, 30)).save(buffer, "PNG")
    doc = {
        "shapes": [{"label": "cat", "shape_type": "point", "points": [[3, 4]]}],
        "imagePath": "gone.png",  # no such file: the image travels in imageData
        "imageData": base64.b64encode(buffer.getvalue()).decode("ascii"),
        "imageWidth": 16,
        "imageHeight": 12,
    }
    (root / "a.json").write_text(json.dumps(doc))
    project = _project(tmp_path)
    report = run_import(project, read_plan(root), ImportOptions(), TaskState())
    assert report.imported == 1 and report.annotations_added == 1
    stored = project.image_path(project.store.samples.get(1).path)
    assert stored.is_file() and stored.is_relative_to(project.path)
    project.close()


def test_labelme_windows_paths_match_by_name_and_paths_leading_out_are_refused_per_file(tmp_path: Path) -> None:
    root = tmp_path / "src"
    for i, name in enumerate(("a.png", "b.png", "c.png")):
        write_image(root / name, size=(16, 16), color=(i, i, i))
    point = [{"label": "cat", "shape_type": "point", "points": [[3, 4]]}]
    (root / "a.json").write_text(json.dumps({"shapes": point, "imagePath": "C:\\Users\\me\\data\\a.png"}))
    (root / "b.json").write_text(json.dumps({"shapes": point * 2, "imagePath": "../../elsewhere/b.png"}))
    (root / "c.json").write_text(json.dumps({"shapes": point, "imagePath": "c.png"}))
    project = _project(tmp_path)
    plan = read_plan(root)
    assert any("is a Windows path; matched by its file name 'a.png'" in p for p in plan.problems)
    report = run_import(project, plan, ImportOptions(), TaskState())
    assert report.imported == 2 and report.annotations_added == 2
    assert report.annotations_not_added == {"its image path leads outside the folder": 2}
    assert report.annotations_in_source == 4
    project.close()


VOC = """<annotation><filename>a.png</filename><size><width>64</width><height>48</height><depth>3</depth></size>
<object><name>cat</name><pose>Left</pose><truncated>1</truncated><difficult>1</difficult><occluded>0</occluded>
<bndbox><xmin>2</xmin><ymin>2</ymin><xmax>30</xmax><ymax>40</ymax></bndbox>
<part><name>dog</name><bndbox><xmin>3</xmin><ymin>3</ymin><xmax>9</xmax><ymax>9</ymax></bndbox></part></object>
<object><name>dog</name><bndbox><xmin>40</xmin><ymin>5</ymin><xmax>50</xmax><ymax>15</ymax></bndbox></object>
</annotation>"""


def test_voc_truncated_difficult_pose_and_parts_round_trip(tmp_path: Path) -> None:
    root = tmp_path / "src"
    write_image(root / "JPEGImages" / "a.png", size=(64, 48))
    (root / "Annotations").mkdir()
    (root / "Annotations" / "a.xml").write_text(VOC)
    project = _project(tmp_path)
    report = run_import(project, read_plan(root), ImportOptions(), TaskState())
    assert report.annotations_added == 3 and report.annotations_in_source == 3
    attrs = [a.attributes for a in project.store.annotations.for_sample(1)]
    assert attrs == [
        {"truncated": 1, "difficult": 1, "pose": "Left", "group_id": 1},
        {"group_id": 1, "part": True},
        None,
    ]
    run_export(project, tmp_path / "out", "voc", ExportOptions(), TaskState())
    text = (tmp_path / "out" / "Annotations" / "a.xml").read_text()
    assert "<truncated>1</truncated><difficult>1</difficult>" in text and "<pose>Left</pose>" in text
    assert text.count("<part>") == 1 and text.count("<object>") == 2
    again, _ = reimport(tmp_path / "out", "voc", tmp_path / "q")
    assert [a.attributes for a in again.store.annotations.for_sample(1)] == attrs
    project.close()
    again.close()


def test_an_export_names_the_attributes_its_format_has_no_place_for(tmp_path: Path) -> None:
    root = tmp_path / "src"
    write_image(root / "JPEGImages" / "a.png", size=(64, 48))
    (root / "Annotations").mkdir()
    (root / "Annotations" / "a.xml").write_text(VOC)
    project = _project(tmp_path)
    run_import(project, read_plan(root), ImportOptions(), TaskState())
    report = run_export(project, tmp_path / "y", "yolo", ExportOptions(), TaskState())
    assert "attribute 'truncated' of 1 annotation(s) has no place in yolo (not written)" in report.skipped
    assert "attribute 'group_id' of 2 annotation(s) has no place in yolo (not written)" in report.skipped
    report = run_export(project, tmp_path / "c", "coco", ExportOptions(), TaskState())
    assert not any("has no place" in line for line in report.skipped)
    project.close()
