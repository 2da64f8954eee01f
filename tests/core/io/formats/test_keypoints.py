"""Keypoints: COCO person-keypoints files import into keypoints shapes with their category's
names and skeleton and every visibility flag; export writes each object back as one COCO entry
(outline + keypoints), so import -> export -> import gives the same keypoints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pycocotools.coco import COCO

from s2ide.core.io.export_job import ExportOptions
from s2ide.core.io.exporting import run_export
from s2ide.core.io.formats import EXPORTERS, read_plan
from s2ide.core.io.import_options import ImportOptions
from s2ide.core.io.importing import run_import
from s2ide.core.store.skeletons import Skeleton
from s2ide.core.tasks import TaskState
from tests.conftest import write_image
from tests.core.io.formats.helpers import reimport

NAMES = ["nose", "left_eye", "right_eye", "left_hand", "right_hand"]
EDGES = [[1, 2], [1, 3], [4, 5]]  # COCO's 1-based skeleton
KEEPS_KEYPOINTS = {"coco", "cvat", "datumaro", "labelme", "labelstudio", "yolo"}


def _kp(*points: tuple[float, float, int]) -> list[float]:
    return [c for p in points for c in p]


FULL = _kp((10, 8, 2), (8, 6, 2), (12, 6, 1), (0, 0, 0), (20, 30.5, 2))
PARTIAL = _kp((40, 10, 1), (0, 0, 0), (0, 0, 0), (44, 20, 2), (0, 0, 0))


def coco_keypoints(root: Path) -> Path:
    write_image(root / "images" / "a.png", size=(64, 48), color=(1, 2, 3))
    write_image(root / "images" / "b.png", size=(32, 32), color=(4, 5, 6))
    document = {
        "images": [
            {"id": 1, "file_name": "a.png", "width": 64, "height": 48},
            {"id": 2, "file_name": "b.png", "width": 32, "height": 32},
        ],
        "categories": [
            {"id": 1, "name": "person", "supercategory": "person", "keypoints": NAMES, "skeleton": EDGES},
            {"id": 2, "name": "ball"},
        ],
        "annotations": [
            {
                "id": 7,
                "image_id": 1,
                "category_id": 1,
                "iscrowd": 0,
                "bbox": [5, 4, 20, 30],
                "area": 600,
                "segmentation": [[5, 4, 25, 4, 25, 34, 5, 34]],
                "keypoints": FULL,
                "num_keypoints": 4,
            },
            {
                "id": 8,
                "image_id": 1,
                "category_id": 1,
                "iscrowd": 0,
                "bbox": [38, 8, 10, 14],
                "area": 140,
                "segmentation": [],
                "keypoints": PARTIAL,
                "num_keypoints": 2,
            },
            {
                "id": 9,
                "image_id": 2,
                "category_id": 1,
                "iscrowd": 0,
                "bbox": [1, 1, 10, 10],
                "area": 100,
                "segmentation": [],
                "keypoints": [0] * 15,
                "num_keypoints": 0,
            },
            {
                "id": 10,
                "image_id": 2,
                "category_id": 2,
                "iscrowd": 0,
                "bbox": [20, 20, 5, 5],
                "area": 25,
                "segmentation": [],
            },
        ],
    }
    (root / "annotations.json").write_text(json.dumps(document))
    return root


def keypoints_of(project) -> dict[str, list]:
    """{image name: sorted keypoint lists} of a project."""
    store = project.store
    out: dict[str, list] = {}
    for row in store.samples.rows():
        points = [a.geometry["points"] for a in store.annotations.for_sample(row["id"]) if a.kind == "keypoints"]
        out[Path(row["path"]).name] = sorted(points)
    return out


def test_coco_keypoints_import_with_names_skeleton_and_visibility(tmp_path: Path) -> None:
    src = coco_keypoints(tmp_path / "src")
    project, report = reimport(src, "auto", tmp_path / "p")
    store = project.store
    person = store.labels.resolve("person").id
    assert store.skeletons.get(person) == Skeleton(NAMES, [(0, 1), (0, 2), (3, 4)])
    assert store.skeletons.get(store.labels.resolve("ball").id) is None
    got = keypoints_of(project)
    triples = lambda flat: [[float(flat[k]), float(flat[k + 1]), int(flat[k + 2])] for k in range(0, 15, 3)]  # noqa: E731
    assert got == {"a.png": sorted([triples(FULL), triples(PARTIAL)]), "b.png": []}
    # 4 objects: 3 outlines (a polygon, two boxes) + the ball, and 2 keypoints shapes (all-zero keypoints carry none)
    assert report.annotations_added == 6
    a = next(r["id"] for r in store.samples.rows() if r["path"].endswith("a.png"))
    by_group = {}
    for ann in store.annotations.for_sample(a):
        by_group.setdefault(ann.attributes["group_id"], []).append(ann.kind)
    assert sorted(map(sorted, by_group.values())) == [["box", "keypoints"], ["keypoints", "polygon"]]
    project.close()


def test_coco_keypoints_round_trip(tmp_path: Path) -> None:
    src = coco_keypoints(tmp_path / "src")
    first, _ = reimport(src, "coco", tmp_path / "p1")
    out = tmp_path / "out"
    run_export(first, out, "coco", ExportOptions(), TaskState())
    document = json.loads((out / "annotations.json").read_text())
    person = next(c for c in document["categories"] if c["name"] == "person")
    assert person["keypoints"] == NAMES and person["skeleton"] == EDGES
    assert len(document["annotations"]) == 4  # each object once: outline and keypoints together
    written = sorted(a["keypoints"] for a in document["annotations"] if "keypoints" in a)
    assert written == sorted([[float(v) for v in FULL], [float(v) for v in PARTIAL], [0] * 15])
    assert sorted(a["num_keypoints"] for a in document["annotations"] if "keypoints" in a) == [0, 2, 4]
    coco_api = COCO(str(out / "annotations.json"))  # pycocotools reads it
    assert len(coco_api.getAnnIds(catIds=[person["id"]])) == 3
    second, _ = reimport(out, "coco", tmp_path / "p2")
    assert keypoints_of(second) == keypoints_of(first)
    kinds = lambda p: sorted(a.kind for r in p.store.samples.rows() for a in p.store.annotations.for_sample(r["id"]))  # noqa: E731
    assert kinds(second) == kinds(first)
    assert second.store.skeletons.get(second.store.labels.resolve("person").id).edges == [(0, 1), (0, 2), (3, 4)]
    first.close()
    second.close()


def test_lone_keypoints_export_and_come_back_alone(tmp_path: Path) -> None:
    src = coco_keypoints(tmp_path / "src")
    first, _ = reimport(src, "coco", tmp_path / "p1")
    store = first.store
    with store.transaction():  # outlines deleted: the keypoints stand alone
        for row in store.samples.rows():
            for ann in store.annotations.for_sample(row["id"]):
                if ann.kind != "keypoints":
                    store.annotations.delete(ann.id)
    out = tmp_path / "out"
    run_export(first, out, "coco", ExportOptions(), TaskState())
    second, _ = reimport(out, "coco", tmp_path / "p2")
    kinds = [a.kind for r in second.store.samples.rows() for a in second.store.annotations.for_sample(r["id"])]
    assert kinds == ["keypoints", "keypoints"]
    assert keypoints_of(second) == keypoints_of(first)
    first.close()
    second.close()


def test_keypoints_that_do_not_fit_the_labels_skeleton_are_counted(tmp_path: Path) -> None:
    src = coco_keypoints(tmp_path / "src")
    project, _ = reimport(src, "coco", tmp_path / "p")
    store = project.store
    with store.transaction():
        store.skeletons.set(store.labels.resolve("person").id, Skeleton(["a", "b"]))
    options = ImportOptions(on_existing="replace")
    report = run_import(project, read_plan(src, "coco"), options, TaskState())
    assert any("2 annotation" in line and "skeleton" in line for line in report.skipped), report.skipped
    assert any("keeps its keypoint names" in line for line in report.skipped)
    project.close()


def test_bad_keypoints_are_named(tmp_path: Path) -> None:
    src = coco_keypoints(tmp_path / "src")
    document = json.loads((src / "annotations.json").read_text())
    document["annotations"][0]["keypoints"] = FULL[:-3]
    (src / "annotations.json").write_text(json.dumps(document))
    with pytest.raises(Exception, match=r"annotations\[0\]\.keypoints: 4 keypoints, but its category names 5"):
        read_plan(src, "coco")


def test_keypoints_import_on_both_backends(any_project, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("S2IDE_MEDIA_ROOT", str(tmp_path))  # a team project's images live under its media root
    src = coco_keypoints(tmp_path / "src")
    user = any_project.signed_in_user or "eng"
    report = run_import(any_project, read_plan(src, "coco"), ImportOptions(user=user), TaskState())
    assert report.annotations_added == 6
    store = any_project.store
    assert store.skeletons.get(store.labels.resolve("person").id).names == NAMES
    assert sum(len(v) for v in keypoints_of(any_project).values()) == 2


@pytest.mark.parametrize("fmt", sorted(EXPORTERS))
def test_every_export_keeps_or_counts_keypoints(tmp_path: Path, fmt: str) -> None:
    project, _ = reimport(coco_keypoints(tmp_path / "src"), "coco", tmp_path / "p")
    report = run_export(project, tmp_path / "out", fmt, ExportOptions(), TaskState())
    if fmt not in KEEPS_KEYPOINTS:
        assert report.unsupported["keypoints"] == 2, (fmt, report.skipped)
        assert any("2 keypoints annotation(s)" in line for line in report.skipped)
    project.close()


CVAT_XML = """<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <version>1.1</version>
  <meta><task><name>t</name><labels>
    <label><name>person</name><color>#ff0000</color><type>skeleton</type><attributes/>
      <svg>&lt;line x1="1" y1="1" x2="2" y2="2" data-type="edge" data-node-from="1" data-node-to="2"&gt;&lt;/line&gt;
&lt;line x1="1" y1="1" x2="3" y2="3" data-type="edge" data-node-from="2" data-node-to="3"&gt;&lt;/line&gt;
&lt;circle r="0.75" cx="1" cy="1" data-type="element node"
 data-element-id="1" data-node-id="1" data-label-name="head"&gt;&lt;/circle&gt;
&lt;circle r="0.75" cx="2" cy="2" data-type="element node"
 data-element-id="2" data-node-id="2" data-label-name="hip"&gt;&lt;/circle&gt;
&lt;circle r="0.75" cx="3" cy="3" data-type="element node"
 data-element-id="3" data-node-id="3" data-label-name="foot"&gt;&lt;/circle&gt;</svg>
    </label>
    <label><name>head</name><type>points</type><parent>person</parent></label>
    <label><name>hip</name><type>points</type><parent>person</parent></label>
    <label><name>foot</name><type>points</type><parent>person</parent></label>
    <label><name>ball</name><type>rectangle</type></label>
  </labels></task></meta>
  <image id="0" name="a.png" width="64" height="48">
    <skeleton label="person" source="manual" z_order="0">
      <points label="head" source="manual" outside="0" occluded="0" points="10.50,5.00"></points>
      <points label="hip" source="manual" outside="0" occluded="1" points="12.00,20.00"></points>
      <points label="foot" source="manual" outside="1" occluded="0" points="0.00,0.00"></points>
    </skeleton>
    <box label="ball" occluded="0" xtl="30" ytl="30" xbr="40" ybr="40"></box>
  </image>
</annotations>
"""


def test_cvat_skeletons_import_and_round_trip(tmp_path: Path) -> None:
    src = tmp_path / "cvat"
    write_image(src / "images" / "a.png", size=(64, 48))
    (src / "annotations.xml").write_text(CVAT_XML)
    first, report = reimport(src, "auto", tmp_path / "p1")
    store = first.store
    assert sorted(label.name for label in store.labels.list()) == ["ball", "person"]  # elements are not labels
    assert store.skeletons.get(store.labels.resolve("person").id) == Skeleton(["head", "hip", "foot"], [(0, 1), (1, 2)])
    assert keypoints_of(first) == {"a.png": [[[10.5, 5.0, 2], [12.0, 20.0, 1], [0.0, 0.0, 0]]]}
    assert report.annotations_added == 2
    out = tmp_path / "out"
    run_export(first, out, "cvat", ExportOptions(), TaskState())
    second, _ = reimport(out, "cvat", tmp_path / "p2")
    assert keypoints_of(second) == keypoints_of(first)
    assert second.store.skeletons.get(second.store.labels.resolve("person").id).edges == [(0, 1), (1, 2)]
    coco_out = tmp_path / "coco"  # and on to COCO and back
    run_export(second, coco_out, "coco", ExportOptions(), TaskState())
    third, _ = reimport(coco_out, "coco", tmp_path / "p3")
    assert keypoints_of(third) == keypoints_of(first)
    for project in (first, second, third):
        project.close()


@pytest.mark.parametrize("dims", [2, 3])
def test_yolo_pose_imports_keypoints_beside_the_box(tmp_path: Path, dims: int) -> None:
    src = tmp_path / "yolo"
    write_image(src / "images" / "train" / "a.png", size=(100, 50))
    (src / "data.yaml").write_text(
        f"path: .\ntrain: images/train\nnames:\n  0: person\nkpt_shape: [3, {dims}]\n"
        "kpt_names:\n  0: [head, hand, foot]\n"
    )
    if dims == 3:
        keypoints = "0.1 0.2 2 0.3 0.4 1 0 0 0"
        expected = [[10.0, 10.0, 2], [30.0, 20.0, 1], [0.0, 0.0, 0]]
    else:
        keypoints = "0.1 0.2 0.3 0.4 0 0"
        expected = [[10.0, 10.0, 2], [30.0, 20.0, 2], [0.0, 0.0, 0]]
    (src / "labels" / "train").mkdir(parents=True)
    (src / "labels" / "train" / "a.txt").write_text(f"0 0.5 0.5 0.4 0.6 {keypoints}\n")
    project, report = reimport(src, "yolo", tmp_path / "p")
    assert report.annotations_added == 2 and not [p for p in report.skipped if "keypoint" in p]
    assert keypoints_of(project) == {"a.png": [expected]}
    store = project.store
    assert store.skeletons.get(store.labels.resolve("person").id).names == ["head", "hand", "foot"]
    out = tmp_path / "out"  # on to COCO: box and keypoints as one object
    run_export(project, out, "coco", ExportOptions(), TaskState())
    document = json.loads((out / "annotations.json").read_text())
    assert len(document["annotations"]) == 1 and document["annotations"][0]["num_keypoints"] == 2
    project.close()


def _labelme_shape(label, kind, points, group=None, flags=None):
    return {"label": label, "shape_type": kind, "points": points, "group_id": group, "flags": flags or {}}


def test_labelme_grouped_points_become_keypoints_and_round_trip(tmp_path: Path) -> None:
    src = tmp_path / "lm"
    write_image(src / "a.png", size=(64, 48))
    shapes = [
        _labelme_shape("person", "rectangle", [[2, 2], [30, 40]], 1),
        _labelme_shape("nose", "point", [[10, 8]], 1),
        _labelme_shape("hand", "point", [[20, 30]], 1, {"hidden": True}),
        _labelme_shape("person", "rectangle", [[34, 2], [60, 40]], 2),
        _labelme_shape("foot", "point", [[40, 38]], 2),
        _labelme_shape("marker", "point", [[5, 45]]),  # no group: a point of its own
    ]
    document = {"version": "5.5.0", "flags": {}, "shapes": shapes, "imagePath": "a.png", "imageData": None,
                "imageHeight": 48, "imageWidth": 64}  # fmt: skip
    (src / "a.json").write_text(json.dumps(document))
    first, report = reimport(src, "labelme", tmp_path / "p1")
    store = first.store
    assert sorted(label.name for label in store.labels.list()) == ["marker", "person"]
    assert store.skeletons.get(store.labels.resolve("person").id).names == ["nose", "hand", "foot"]
    expected = sorted(
        [[[10.0, 8.0, 2], [20.0, 30.0, 1], [0.0, 0.0, 0]], [[0.0, 0.0, 0], [0.0, 0.0, 0], [40.0, 38.0, 2]]]
    )
    assert keypoints_of(first) == {"a.png": expected}
    assert report.annotations_added == 5  # 2 boxes, 2 keypoints, 1 point
    out = tmp_path / "out"
    run_export(first, out, "labelme", ExportOptions(), TaskState())
    second, _ = reimport(out, "labelme", tmp_path / "p2")
    assert keypoints_of(second) == keypoints_of(first)
    coco_out = tmp_path / "coco"  # and via COCO: box and keypoints stay one object (the marker point has no form)
    run_export(second, coco_out, "coco", ExportOptions(), TaskState())
    written = json.loads((coco_out / "annotations.json").read_text())["annotations"]
    assert sorted(a["num_keypoints"] for a in written) == [1, 2]
    for project in (first, second):
        project.close()


def test_keypoints_named_in_another_order_follow_the_labels_skeleton(tmp_path: Path) -> None:
    src = coco_keypoints(tmp_path / "src")
    project, _ = reimport(src, "coco", tmp_path / "p")  # person: nose, left_eye, right_eye, left_hand, right_hand
    lm = tmp_path / "lm"
    write_image(lm / "c.png", size=(40, 40), color=(9, 9, 9))
    shapes = [
        _labelme_shape("person", "rectangle", [[2, 2], [30, 30]], 5),
        _labelme_shape("right_hand", "point", [[25, 25]], 5),
        _labelme_shape("nose", "point", [[10, 5]], 5),
    ]
    document = {"version": "5.5.0", "flags": {}, "shapes": shapes, "imagePath": "c.png", "imageData": None,
                "imageHeight": 40, "imageWidth": 40}  # fmt: skip
    (lm / "c.json").write_text(json.dumps(document))
    report = run_import(project, read_plan(lm, "labelme"), ImportOptions(), TaskState())
    assert report.annotations_added == 2
    assert keypoints_of(project)["c.png"] == [
        [[10.0, 5.0, 2], [0.0, 0.0, 0], [0.0, 0.0, 0], [0.0, 0.0, 0], [25.0, 25.0, 2]]
    ]
    project.close()


def test_yolo_pose_export_round_trip(tmp_path: Path) -> None:
    src = coco_keypoints(tmp_path / "src")
    first, _ = reimport(src, "coco", tmp_path / "p1")
    out = tmp_path / "yolo"
    report = run_export(first, out, "yolo", ExportOptions(), TaskState())
    config = (out / "data.yaml").read_text()
    assert "task: pose" in config and "kpt_shape: [5, 3]" in config and "left_hand" in config
    assert report.unsupported["polygon"] == 0 and report.unsupported["keypoints"] == 0
    lines = sorted((out / "labels" / "train" / "a.txt").read_text().splitlines())
    assert len(lines) == 2 and all(len(line.split()) == 5 + 15 for line in lines)
    second, _ = reimport(out, "yolo", tmp_path / "p2")
    rounded = lambda kp: {k: [[[round(c, 3) for c in p] for p in pts] for pts in v] for k, v in kp.items()}  # noqa: E731
    assert rounded(keypoints_of(second)) == rounded(keypoints_of(first))
    person = second.store.labels.resolve("person").id
    assert second.store.skeletons.get(person).names == NAMES
    first.close()
    second.close()


def test_datumaro_points_with_visibility_are_keypoints(tmp_path: Path) -> None:
    src = tmp_path / "dm"
    write_image(src / "images" / "train" / "a.png", size=(64, 48))
    document = {
        "info": {},
        "categories": {
            "label": {"labels": [{"name": "person", "parent": "", "attributes": []}]},
            "points": {"items": [{"label_id": 0, "labels": ["head", "hip", "foot"], "joints": [[1, 2], [2, 3]]}]},
        },
        "items": [
            {
                "id": "a",
                "image": {"path": "a.png", "size": [48, 64]},
                "annotations": [
                    {
                        "id": 0,
                        "type": "points",
                        "label_id": 0,
                        "group": 3,
                        "points": [10, 5, 12, 20, 0, 0],
                        "visibility": [2, 1, 0],
                        "attributes": {},
                    },
                    {"id": 1, "type": "bbox", "label_id": 0, "group": 3, "bbox": [5, 2, 20, 30], "attributes": {}},
                ],
            }
        ],
    }
    (src / "annotations").mkdir()
    (src / "annotations" / "train.json").write_text(json.dumps(document))
    project, _report = reimport(src, "auto", tmp_path / "p")
    store = project.store
    assert store.skeletons.get(store.labels.resolve("person").id) == Skeleton(["head", "hip", "foot"], [(0, 1), (1, 2)])
    assert keypoints_of(project) == {"a.png": [[[10.0, 5.0, 2], [12.0, 20.0, 1], [0.0, 0.0, 0]]]}
    out = tmp_path / "coco"  # the datumaro group pairs them for COCO
    run_export(project, out, "coco", ExportOptions(), TaskState())
    assert len(json.loads((out / "annotations.json").read_text())["annotations"]) == 1
    project.close()


def test_merge_keeps_keypoints_that_differ_only_in_visibility(tmp_path: Path) -> None:
    src = coco_keypoints(tmp_path / "src")
    project, _ = reimport(src, "coco", tmp_path / "p")
    again = run_import(project, read_plan(src, "coco"), ImportOptions(), TaskState())
    assert again.annotations_added == 0  # the same shapes: nothing twice
    document = json.loads((src / "annotations.json").read_text())
    document["annotations"][0]["keypoints"][5] = 1  # left_eye: visible -> hidden
    (src / "annotations.json").write_text(json.dumps(document))
    changed = run_import(project, read_plan(src, "coco"), ImportOptions(), TaskState())
    assert changed.annotations_added == 1 and len(keypoints_of(project)["a.png"]) == 3
    project.close()


def test_label_studio_keypoints_in_a_region_round_trip(tmp_path: Path) -> None:
    src = tmp_path / "ls"
    write_image(src / "a.png", size=(100, 50))

    def region(rid, kind, value, parent=None):
        out = {"id": rid, "type": kind, "from_name": "label", "to_name": "image", "value": value,
               "original_width": 100, "original_height": 50}  # fmt: skip
        if parent:
            out["parentID"] = parent
        return out

    results = [
        region("p1", "rectanglelabels", {"x": 10, "y": 10, "width": 40, "height": 60, "rectanglelabels": ["person"]}),
        region("k1", "keypointlabels", {"x": 20, "y": 20, "width": 1, "keypointlabels": ["head"]}, "p1"),
        region("k2", "keypointlabels", {"x": 30, "y": 60, "width": 1, "keypointlabels": ["foot"]}, "p1"),
        {"id": "k2", "type": "textarea", "from_name": "hidden", "to_name": "image", "value": {"text": ["1"]}},
        region("k3", "keypointlabels", {"x": 90, "y": 90, "width": 1, "keypointlabels": ["marker"]}),  # no parent
    ]
    (src / "export.json").write_text(
        json.dumps([{"id": 1, "data": {"image": "a.png"}, "annotations": [{"result": results}]}])
    )
    first, report = reimport(src, "labelstudio", tmp_path / "p1")
    store = first.store
    assert store.skeletons.get(store.labels.resolve("person").id).names == ["head", "foot"]
    assert keypoints_of(first) == {"a.png": [[[20.0, 10.0, 2], [30.0, 30.0, 1]]]}
    assert report.annotations_added == 3  # the box, its keypoints, the marker point
    out = tmp_path / "out"
    run_export(first, out, "labelstudio", ExportOptions(), TaskState())
    second, _ = reimport(out, "labelstudio", tmp_path / "p2")
    assert keypoints_of(second) == keypoints_of(first)
    coco_out = tmp_path / "coco"  # box and keypoints are one COCO object
    run_export(second, coco_out, "coco", ExportOptions(), TaskState())
    written = json.loads((coco_out / "annotations.json").read_text())["annotations"]
    assert [a["num_keypoints"] for a in written] == [2]
    first.close()
    second.close()


def test_skeletons_with_nothing_labelled_are_counted_not_fatal(tmp_path: Path) -> None:
    src = tmp_path / "cvat"
    write_image(src / "images" / "a.png", size=(64, 48))
    empty = """    <skeleton label="person" source="manual" z_order="0">
      <points label="head" source="manual" outside="1" occluded="0" points="0.00,0.00"></points>
    </skeleton>
  </image>"""
    (src / "annotations.xml").write_text(CVAT_XML.replace("  </image>", empty, 1))
    plan = read_plan(src, "cvat")
    assert [(n, why) for n, why, _ in plan.refused] == [
        (1, "a skeleton with every element outside (no point labelled)")
    ]
    project, report = reimport(src, "cvat", tmp_path / "p")
    assert report.annotations_added == 2 and len(keypoints_of(project)["a.png"]) == 1
    project.close()
