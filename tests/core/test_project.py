"""Project folders: create, open, refuse what is not one, paths that move with the folder."""

from __future__ import annotations

import shutil

import pytest

from s2ide.core.errors import InvalidInputError, NotAProjectError
from s2ide.core.io.formats import read_plan
from s2ide.core.io.import_options import ImportOptions
from s2ide.core.io.importing import run_import
from s2ide.core.project import Project, is_project
from s2ide.core.tasks import TaskState
from tests.conftest import write_image


def test_create_makes_folder_labels_and_hotkeys(tmp_path):
    project = Project.create(tmp_path / "new", ["cat", "dog"], task="detect")
    try:
        assert is_project(tmp_path / "new")
        assert (tmp_path / "new" / "models").is_dir() and project.thumbs_dir.is_dir()
        labels = project.store.labels.list()
        assert [(lb.name, lb.hotkey) for lb in labels] == [("cat", "1"), ("dog", "2")]
        assert project.task == "detect"
    finally:
        project.close()


@pytest.mark.parametrize(
    ("labels", "task", "message"),
    [(["a", "a"], "classify", "unique"), (["a"], "paint", "unknown task")],
)
def test_create_refuses_bad_input(tmp_path, labels, task, message):
    with pytest.raises(InvalidInputError, match=message):
        Project.create(tmp_path / "p", labels, task=task)


def test_create_refuses_existing_project(project):
    with pytest.raises(InvalidInputError, match="exists here already"):
        Project.create(project.path, ["x"])


def test_open_refuses_non_projects(tmp_path):
    with pytest.raises(NotAProjectError, match="no such folder"):
        Project.open(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(NotAProjectError, match="not an s2ide project"):
        Project.open(tmp_path / "empty")
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "project.db").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(NotAProjectError, match="not a readable"):
        Project.open(tmp_path / "junk")


def test_open_accepts_the_db_file(project):
    again = Project.open(project.db_path)
    assert again.path == project.path
    again.close()


def test_paths_inside_are_relative_outside_absolute(tmp_path):
    project = Project.create(tmp_path / "proj", ["a"])
    inside = write_image(project.path / "images" / "in.png", color=(1, 2, 3))
    outside = write_image(tmp_path / "elsewhere" / "out.png", color=(3, 2, 1))
    assert project.stored_path(inside) == "images/in.png"
    assert project.stored_path(outside) == outside.resolve().as_posix()
    assert project.image_path("images/in.png") == project.path / "images" / "in.png"
    project.close()


def test_moved_project_still_finds_its_images(tmp_path):
    project = Project.create(tmp_path / "proj", ["a"])
    write_image(project.path / "images" / "x.png", color=(9, 9, 9))
    run_import(project, read_plan(project.path / "images", "folder"), ImportOptions(), TaskState())
    project.close()
    shutil.move(str(tmp_path / "proj"), str(tmp_path / "moved"))
    moved = Project.open(tmp_path / "moved")
    sample = moved.store.samples.rows()[0]
    assert sample["path"] == "images/x.png"
    assert moved.image_path(sample["path"]).is_file()
    assert moved.thumbnail_path(sample["sha256"]).is_file()
    moved.close()
