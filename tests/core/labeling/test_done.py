"""Done and no-objects in detect/segment projects; classification projects refuse them."""

from __future__ import annotations

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
