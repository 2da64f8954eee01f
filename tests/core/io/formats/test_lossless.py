"""Nothing is lost silently: every shape of a source is added exactly, or counted and named with its reason."""

from __future__ import annotations

import json
from pathlib import Path

from s2ide.core.io.export_job import ExportOptions
from s2ide.core.io.exporting import run_export
from s2ide.core.io.formats import read_plan
from s2ide.core.io.import_options import ImportOptions
from s2ide.core.io.import_preview import preview_import
from s2ide.core.io.importing import run_import
from s2ide.core.project import Project
from s2ide.core.tasks import TaskState
from tests.conftest import write_image
from tests.core.io.formats.helpers import reimport, shapes


def _coco(root: Path, images: list[dict], annotations: list[dict], cats=("cat", "dog")) -> Path:
    doc = {
        "images": images,
        "categories": [{"id": i + 1, "name": n} for i, n in enumerate(cats)],
        "annotations": [{"id": i + 1, **a} for i, a in enumerate(annotations)],
    }
    path = root / "annotations.json"
    path.write_text(json.dumps(doc))
    return path


def _project(tmp_path: Path, labels=("cat", "dog")) -> Project:
    return Project.create(tmp_path / "p", list(labels), task="detect")


def test_a_source_with_n_shapes_reports_n_added_plus_not_added(tmp_path: Path) -> None:
    root = tmp_path / "src"
    write_image(root / "a.png", size=(32, 32), color=(1, 1, 1))
    write_image(root / "b.png", size=(32, 32), color=(2, 2, 2))
    (root / "broken.png").write_bytes(b"not an image")
    images = [
        {"id": 1, "file_name": "a.png", "width": 32, "height": 32},
        {"id": 2, "file_name": "b.png", "width": 32, "height": 32},
        {"id": 3, "file_name": "missing.png", "width": 32, "height": 32},
        {"id": 4, "file_name": "broken.png", "width": 32, "height": 32},
        {"id": 5, "file_name": "../../outside.png", "width": 32, "height": 32},
    ]
    box = {"image_id": 1, "category_id": 1, "bbox": [1, 1, 4, 4]}
    annotations = [
        box,
        box,  # an identical copy: counted once
        {"image_id": 1, "category_id": 2, "bbox": [-5, -5, 10, 10]},  # clipped, added
        {"image_id": 1, "category_id": 2, "bbox": [100, 100, 5, 5]},  # wholly outside
        {"image_id": 2, "category_id": 3, "bbox": [1, 1, 4, 4]},  # unknown label, skipped as asked
        {"image_id": 2, "category_id": 1, "segmentation": [[1, 1, 9, 1, 9, 9], [20, 20, 30, 20, 30, 30]]},
        {"image_id": 3, "category_id": 1, "bbox": [1, 1, 4, 4]},  # image missing
        {"image_id": 3, "category_id": 1, "bbox": [2, 2, 4, 4]},
        {"image_id": 4, "category_id": 1, "bbox": [1, 1, 4, 4]},  # image unreadable
        {"image_id": 5, "category_id": 1, "bbox": [1, 1, 4, 4]},  # path leads outside: not read
    ]
    path = _coco(root, images, annotations, cats=("cat", "dog", "zebra"))
    project = _project(tmp_path)
    plan = read_plan(path)
    preview = preview_import(project, plan)
    assert preview.annotations == len(annotations) and preview.to_add == 8
    assert preview.not_added == {
        "identical copies of a shape on the same image": 1,
        "its image path leads outside the dataset folder (not read)": 1,
        "wholly outside the image": 1,
    }
    assert preview.not_added["wholly outside the image"] == 1 and preview.clipped == 1
    assert "(3 will not be added. identical copies of a shape on the same image: 1" in preview.summary()
    assert preview.summary().endswith("; 1 reach past the image edge and will be clipped")
    report = run_import(project, plan, ImportOptions(unknown_labels="skip"), TaskState())
    assert report.annotations_in_source == len(annotations) == 10
    assert report.annotations_added + report.annotations_skipped == 10
    assert report.annotations_added == 3 and report.annotations_clipped == 1
    assert report.annotations_not_added == {
        "identical copies of a shape on the same image": 1,
        "wholly outside the 32x32 image": 1,
        "unknown label (unknown labels are skipped)": 1,
        "its image path leads outside the dataset folder (not read)": 1,
        **{k: 2 for k in report.annotations_not_added if "missing.png" in k},
        **{k: 1 for k in report.annotations_not_added if "broken.png" in k},
    }
    assert sum(1 for k in report.annotations_not_added if "cannot be read" in k) == 2
    assert any("missing.png: 2 annotations not added: the image cannot be read" in s for s in report.skipped)
    project.close()


def test_a_box_partly_outside_is_clipped_and_counted(tmp_path: Path) -> None:
    root = tmp_path / "src"
    write_image(root / "a.png", size=(32, 32))
    path = _coco(
        root,
        [{"id": 1, "file_name": "a.png", "width": 32, "height": 32}],
        [
            {"image_id": 1, "category_id": 1, "bbox": [-5, -5, 10, 10]},
            {"image_id": 1, "category_id": 1, "bbox": [30, 30, 2.2, 2.2]},
        ],
    )
    project = _project(tmp_path)
    report = run_import(project, read_plan(path), ImportOptions(), TaskState())
    boxes = sorted(json.dumps(a.geometry) for a in project.store.annotations.for_sample(1))
    assert boxes == sorted(
        json.dumps({"x": x, "y": y, "w": w, "h": h, "angle": 0.0})
        for x, y, w, h in ((0.0, 0.0, 5.0, 5.0), (30.0, 30.0, 2.0, 2.0))
    )
    assert report.annotations_clipped == 2 and "2 clipped to the image" in report.summary()
    project.close()


def test_polygons_and_points_at_the_edge_are_clipped(tmp_path: Path) -> None:
    root = tmp_path / "src"
    write_image(root / "a.png", size=(100, 50))
    doc = {
        "shapes": [
            {"label": "cat", "shape_type": "polygon", "points": [[-10, 10], [50, 10], [50, 40], [-10, 40]]},
            {"label": "cat", "shape_type": "point", "points": [[100.5, -0.2]]},  # within 1 %
            {"label": "cat", "shape_type": "point", "points": [[120, 10]]},  # far outside
        ],
        "imagePath": "a.png",
        "imageWidth": 100,
        "imageHeight": 50,
    }
    (root / "a.json").write_text(json.dumps(doc))
    project = _project(tmp_path)
    report = run_import(project, read_plan(root, "labelme"), ImportOptions(), TaskState())
    got = shapes(project)["a.png"]
    assert ("point", "cat", repr({"x": 100.0, "y": 0.0})) in got
    polygon = next(a.geometry for a in project.store.annotations.for_sample(1) if a.kind == "polygon")
    assert sorted(map(tuple, polygon["points"])) == [(0.0, 10.0), (0.0, 40.0), (50.0, 10.0), (50.0, 40.0)]
    assert report.annotations_clipped == 2 and report.annotations_not_added == {"wholly outside the 100x50 image": 1}
    project.close()


def test_identical_copies_are_planned_once_and_counted(tmp_path: Path) -> None:
    root = tmp_path / "src"
    write_image(root / "a.png", size=(32, 32))
    n = 100_000
    text = json.dumps(
        {
            "images": [{"id": 1, "file_name": "a.png", "width": 32, "height": 32}],
            "categories": [{"id": 1, "name": "cat"}],
            "annotations": [],
        }
    )
    one = '{"id":1,"image_id":1,"category_id":1,"bbox":[1,2,3,4],"iscrowd":0,"area":12,"segmentation":[]}'
    (root / "annotations.json").write_text(
        text.replace('"annotations": []', '"annotations": [' + ",".join([one] * n) + "]")
    )
    plan = read_plan(root)
    assert plan.annotation_count == 1 and plan.duplicate_count == n - 1  # memory holds one shape, not 100,000
    project = _project(tmp_path)
    report = run_import(project, plan, ImportOptions(), TaskState())
    assert report.annotations_added == 1
    assert report.annotations_not_added == {"identical copies of a shape on the same image": n - 1}
    assert any(f"a.png: {n - 1} annotations not added: identical copies" in s for s in report.skipped)
    project.close()


def test_csv_rows_leading_outside_are_refused_and_never_opened(tmp_path: Path, monkeypatch) -> None:
    from s2ide.core.io import images

    root = tmp_path / "src"
    write_image(root / "a.png")
    (root / "labels.csv").write_text("path,label\na.png,cat\n../../../etc/passwd,cat\n/etc/passwd,cat\n")
    opened: list[str] = []
    real_probe = images.probe
    monkeypatch.setattr(images, "probe", lambda path, thumbs: opened.append(str(path)) or real_probe(path, thumbs))
    import s2ide.core.io.importing as importing

    monkeypatch.setattr(importing, "probe", images.probe)
    plan = read_plan(root / "labels.csv")
    assert [item.source.name for item in plan.items] == ["a.png"]
    assert any("labels.csv:3" in p and "leads outside" in p and "row refused" in p for p in plan.problems)
    assert any("labels.csv:4" in p and "not an image file name" in p for p in plan.problems)
    project = _project(tmp_path)
    report = run_import(project, plan, ImportOptions(), TaskState())
    assert report.imported == 1 and all("passwd" not in path for path in opened)
    project.close()


def test_a_file_name_with_a_newline(tmp_path: Path) -> None:
    root = tmp_path / "src"
    write_image(root / "odd\nname.png", size=(16, 16), color=(3, 3, 3))
    write_image(root / "b.png", size=(16, 16), color=(4, 4, 4))
    (root / "labels.csv").write_text('path,label\n"odd\nname.png",cat\nb.png,dog\n"gone\nname.png",cat\n')
    project = _project(tmp_path)
    report = run_import(project, read_plan(root / "labels.csv"), ImportOptions(), TaskState())
    assert report.imported == 2 and report.labels_set == 2
    assert sorted(Path(r["path"]).name for r in project.store.samples.rows()) == ["b.png", "odd\nname.png"]
    assert report.skipped and all("\n" not in line for line in report.skipped)
    assert any("gone\\nname.png" in line for line in report.skipped)
    dest = tmp_path / "out"
    run_export(project, dest, "csv", ExportOptions(images="copy"), TaskState())
    again, second = reimport(dest, "csv", tmp_path / "q")
    assert second.imported == 2 and sorted(shapes(again).values()) == sorted(shapes(project).values())
    project.close()
    again.close()


def test_a_multi_polygon_instance_stays_one_annotation_and_exports_as_one(tmp_path: Path) -> None:
    root = tmp_path / "src"
    write_image(root / "a.png", size=(64, 64))
    seg = [[1, 1, 9, 1, 9, 9, 1, 9], [20, 20, 30, 20, 30, 30]]
    path = _coco(
        root,
        [{"id": 1, "file_name": "a.png", "width": 64, "height": 64}],
        [{"image_id": 1, "category_id": 1, "segmentation": seg, "iscrowd": 0, "attributes": {"occluded": True}}],
    )
    project = _project(tmp_path)
    report = run_import(project, read_plan(path), ImportOptions(), TaskState())
    [ann] = project.store.annotations.for_sample(1)
    assert report.annotations_added == 1 and ann.kind == "polygon" and len(ann.geometry["rings"]) == 1
    assert ann.attributes == {"occluded": True}
    dest = tmp_path / "out"
    run_export(project, dest, "coco", ExportOptions(), TaskState())
    exported = json.loads((dest / "annotations.json").read_text())["annotations"]
    assert len(exported) == 1 and exported[0]["segmentation"] == [[float(v) for v in ring] for ring in seg]
    assert exported[0]["attributes"] == {"occluded": True}
    project.close()


def test_files_of_one_image_keep_all_their_shapes(tmp_path: Path) -> None:
    root = tmp_path / "src"
    write_image(root / "a.png", size=(32, 32), color=(9, 9, 9))
    write_image(root / "copy.png", size=(32, 32), color=(9, 9, 9))  # byte-identical
    for name, x in (("a", 1), ("copy", 10)):
        doc = {"shapes": [{"label": "cat", "shape_type": "rectangle", "points": [[x, 1], [x + 5, 6]]}]}
        (root / f"{name}.json").write_text(json.dumps({**doc, "imagePath": f"{name}.png"}))
    project = _project(tmp_path)
    report = run_import(project, read_plan(root, "labelme"), ImportOptions(), TaskState())
    assert report.imported == 1 and report.annotations_added == 2
    assert any("copy.png: the same image as a.png" in line for line in report.skipped)
    project.close()


def test_coco_keypoints_are_kept_beside_the_box(tmp_path: Path) -> None:
    root = tmp_path / "src"
    write_image(root / "a.png", size=(32, 32))
    ann = {
        "image_id": 1,
        "category_id": 1,
        "bbox": [1, 1, 9, 9],
        "keypoints": [2, 2, 2, 5, 5, 0, 7, 7, 1],
        "num_keypoints": 2,
    }
    path = _coco(root, [{"id": 1, "file_name": "a.png", "width": 32, "height": 32}], [ann])
    plan = read_plan(path)
    assert [a.kind for a in plan.items[0].annotations] == ["box", "keypoints"]
    project = _project(tmp_path)
    report = run_import(project, plan, ImportOptions(), TaskState())
    assert report.annotations_added == 2 and not report.skipped
    project.close()
