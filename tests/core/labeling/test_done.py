"""Done and no-objects in detect/segment projects; classification projects refuse them."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from s2ide.core.errors import InvalidInputError
from s2ide.core.labeling.done import mark_done, reopen
from s2ide.core.project import Project
from s2ide.core.review.users import add_user


def _detect_project(tmp_path, task="detect"):
    from s2ide.core.io.formats import read_plan
    from s2ide.core.io.import_options import ImportOptions
    from s2ide.core.io.importing import run_import
    from s2ide.core.tasks import TaskState

    project = Project.create(tmp_path / "p", ["car", "tree"], task=task)
    add_user(project.store, "ann", "labeler")
    folder = tmp_path / "imgs"
    folder.mkdir()
    for index in range(3):
        Image.new("RGB", (32, 24), (index * 60, 10, 10)).save(folder / f"{index}.png")
    run_import(project, read_plan(folder, "folder"), ImportOptions(), TaskState())
    return project


def test_done_counts_in_progress_and_the_audit_says_empty(tmp_path):
    project = _detect_project(tmp_path)
    store = project.store
    first, second, _ = store.samples.ids()
    car = store.labels.by_name("car")
    with store.transaction():
        store.annotations.add(first, "box", car.id, "ann", geometry={"x": 1, "y": 1, "w": 5, "h": 5, "angle": 0})
    assert store.samples.progress_counts() == (0, 3)  # a box alone does not finish the image
    assert mark_done(store, first, "ann") == "unlabeled"
    assert mark_done(store, second, "ann", empty=True) == "unlabeled"
    assert store.samples.progress_counts() == (2, 3)
    assert store.samples.get(first).status == "labeled"
    audit = store.audit.list(entity="sample", entity_id=second)[0]
    assert audit.action == "done" and audit.after["empty"] is True and audit.after["shapes"] == 0
    reopen(store, first, "ann")
    assert store.samples.get(first).status == "unlabeled"
    project.close()


def test_empty_refused_when_shapes_exist_and_nothing_changes(tmp_path):
    project = _detect_project(tmp_path, "segment")
    store = project.store
    first = store.samples.ids()[0]
    with store.transaction():
        store.annotations.add(first, "polygon", None, "ann", geometry={"points": [[0, 0], [4, 0], [4, 4]]})
    with pytest.raises(InvalidInputError, match="1 shape"):
        mark_done(store, first, "ann", empty=True)
    assert store.samples.get(first).status == "unlabeled"
    assert store.audit.list(entity="sample", entity_id=first) == []
    project.close()


def test_classification_projects_and_unknown_users_are_refused(tmp_path, project):
    with pytest.raises(InvalidInputError, match="classify project"):
        mark_done(project.store, 1, "lara")
    detect = _detect_project(tmp_path)
    with pytest.raises(InvalidInputError, match="unknown user"):
        mark_done(detect.store, detect.store.samples.ids()[0], "nobody")
    detect.close()


def test_done_records_what_became_of_each_prelabel(tmp_path):
    import json

    from s2ide.core.store.models import NewModel

    project = _detect_project(tmp_path)
    store = project.store
    first = store.samples.ids()[0]
    car, tree = store.labels.by_name("car"), store.labels.by_name("tree")
    suggestions = [
        {"kind": "box", "label_id": car.id, "score": 0.9, "x": 1, "y": 1, "w": 10, "h": 10, "angle": 0},
        {"kind": "box", "label_id": car.id, "score": 0.8, "x": 15, "y": 2, "w": 8, "h": 8, "angle": 0},
        {"kind": "box", "label_id": tree.id, "score": 0.7, "x": 2, "y": 14, "w": 6, "h": 6, "angle": 0},
        {"kind": "box", "label_id": tree.id, "score": 0.2, "x": 20, "y": 15, "w": 5, "h": 5, "angle": 0},
    ]
    with store.transaction():
        model = store.models.add(NewModel(task="detect", architecture="x", label_map=[], state="ready"))
        store.models.set_active(model.version)
        store.predictions.put_many(model.version, [{"sample_id": first, "label_id": car.id, "score": 0.9}])
        store.predictions.put_geometry(model.version, [(first, json.dumps(suggestions))])
        # taken unchanged, then one moved a little; the tree suggestion is ignored
        store.annotations.add(first, "box", car.id, "ann", geometry={"x": 1, "y": 1, "w": 10, "h": 10, "angle": 0})
        store.annotations.add(first, "box", car.id, "ann", geometry={"x": 16, "y": 2, "w": 8, "h": 8, "angle": 0})
    mark_done(store, first, "ann", threshold=0.5)
    outcomes = [(row["outcome"], row["iou"]) for row in store.prelabel_outcomes.for_sample(first)]
    assert outcomes[0] == ("accepted", 1.0)
    assert outcomes[1][0] == "edited" and 0.7 < outcomes[1][1] < 0.8
    assert outcomes[2] == ("rejected", None)
    assert len(outcomes) == 3  # the 0.2 suggestion was below the threshold: never shown
    (rate,) = store.prelabel_outcomes.rates()
    assert rate["labeler"] == "ann" and rate["acceptance_rate"] == pytest.approx(1 / 3)
    project.close()


@pytest.mark.parametrize("mark", [True, False])
def test_importing_boxes_marks_those_images_done(tmp_path, mark):
    import json

    from s2ide.core.io.formats import read_plan
    from s2ide.core.io.import_options import ImportOptions
    from s2ide.core.io.importing import run_import
    from s2ide.core.tasks import TaskState

    project = Project.create(tmp_path / "p", ["car"], task="detect")
    folder = tmp_path / "coco"
    folder.mkdir()
    for name in ("a.png", "b.png"):
        Image.new("RGB", (40, 30)).save(folder / name)
    coco = {
        "images": [{"id": 1, "file_name": "a.png", "width": 40, "height": 30},
                   {"id": 2, "file_name": "b.png", "width": 40, "height": 30}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [2, 2, 10, 8], "area": 80, "iscrowd": 0}],
        "categories": [{"id": 1, "name": "car"}],
    }  # fmt: skip
    (folder / "annotations.json").write_text(json.dumps(coco))
    report = run_import(
        project, read_plan(folder / "annotations.json", "coco"), ImportOptions(mark_done=mark), TaskState()
    )
    statuses = {Path(r["path"]).name: r["status"] for r in project.store.samples.rows()}
    assert statuses["a.png"] == ("labeled" if mark else "unlabeled")
    assert statuses.get("b.png", "unlabeled") == "unlabeled"  # no shapes: not done
    assert report.marked_done == int(mark)
    project.close()
