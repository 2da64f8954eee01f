"""A folder of images as a project: names at once, facts later, broken files skipped, duplicates folded."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from s2ide.core.io.folder_project import index_pending, list_images, open_folder, project_dir_for
from s2ide.core.review.users import Action, can
from s2ide.core.store import folder_index
from s2ide.core.tasks import TaskState
from tests.conftest import write_image


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    root = tmp_path / "photos"
    for index in (1, 2, 10):
        write_image(root / f"img{index}.jpg", color=(index * 20, 50, 60))
    write_image(root / "sub" / "a.png", color=(1, 2, 3))
    (root / "notes.txt").write_text("not an image")
    (root / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    return root


def test_names_are_indexed_at_once_in_natural_order(photos):
    opened = open_folder(photos, user="ann")
    store = opened.project.store
    assert opened.created and opened.added == 5
    assert opened.project.path == photos.resolve() / ".s2ide"
    paths = [store.samples.get(i).path for i in store.samples.ids()]  # relative to .s2ide: the folder can move
    assert paths == ["../broken.jpg", "../img1.jpg", "../img2.jpg", "../img10.jpg", "../sub/a.png"]
    assert opened.project.image_path(paths[-1]) == photos.resolve() / "sub" / "a.png"
    assert len(folder_index.pending(store)) == 5
    owner = store.users.get("ann")
    assert owner is not None and all(can(owner.role, action) for action in Action)
    assert store.meta.get("owner") == "ann"


def test_indexing_fills_facts_and_skips_broken_files(photos):
    opened = open_folder(photos, user="ann")
    report = index_pending(opened.project.path, "ann", TaskState(), processes=1)
    store = opened.project.store
    assert report.indexed == 4 and len(report.broken) == 1 and "broken.jpg" in report.broken[0]
    project = opened.project
    sample = store.samples.by_path(project.stored_path(photos / "img10.jpg"))
    assert sample is not None and (sample.width, sample.height) == (32, 24) and len(sample.sha256) == 64
    broken = store.samples.by_path(project.stored_path(photos / "broken.jpg"))
    assert broken is not None and broken.status == "skipped"
    assert "broken.jpg" in str(store.audit.list(entity="sample", entity_id=broken.id)[0].after)
    assert opened.project.thumbnail_path(sample.sha256).is_file()


def test_reopening_adds_only_new_names_and_folds_duplicates(photos):
    first = open_folder(photos, user="ann")
    index_pending(first.project.path, "ann", TaskState(), processes=1)
    first.project.close()
    (photos / "copy.jpg").write_bytes((photos / "img1.jpg").read_bytes())
    again = open_folder(photos, user="ann")
    assert not again.created and again.added == 1
    report = index_pending(again.project.path, "ann", TaskState(), processes=1)
    assert report.indexed == 0 and len(report.duplicates) == 1 and "copy.jpg" in report.duplicates[0]
    assert again.project.store.samples.count() == 5


def test_read_only_folder_keeps_its_project_elsewhere(photos, tmp_path, monkeypatch):
    if os.geteuid() == 0:
        monkeypatch.setattr(os, "access", lambda path, mode: False)
    else:
        photos.chmod(0o555)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    where = project_dir_for(photos)
    assert photos.resolve() not in where.parents
    opened = open_folder(photos, user="ann", project_dir=where)
    assert opened.added == 5 and not (photos / ".s2ide").exists()
    store = opened.project.store
    assert all(Path(store.samples.get(i).path).is_absolute() for i in store.samples.ids())  # kept elsewhere
    photos.chmod(0o755)


def test_a_moved_folder_reopens_with_its_labels_and_thumbnails(photos, tmp_path):
    """The folder is moved (or opened from another mount): the project inside it still finds
    every image, adds nothing twice and keeps what was labeled."""
    import shutil

    from s2ide.core.labeling.tags import set_tag

    opened = open_folder(photos, user="ann", labels=["cat", "dog"])
    index_pending(opened.project.path, "ann", TaskState(), processes=1)
    store = opened.project.store
    img2 = store.samples.by_path("../img2.jpg")
    set_tag(store, img2.id, store.labels.by_name("dog").id, "ann")
    opened.project.close()
    moved = tmp_path / "elsewhere" / "renamed"
    moved.parent.mkdir()
    shutil.move(str(photos), str(moved))
    again = open_folder(moved, user="ann")
    assert not again.created and again.added == 0
    project, store = again.project, again.project.store
    assert project.path == moved.resolve() / ".s2ide" and store.samples.count() == 5
    assert store.meta.get("image_folder") == str(moved.resolve())
    for sample_id in store.samples.ids():
        assert project.image_path(store.samples.get(sample_id).path).is_file()
    assert store.annotations.tag_of(img2.id).label_id == store.labels.by_name("dog").id
    assert project.thumbnail_path(store.samples.get(img2.id).sha256).is_file()
    write_image(moved / "img11.jpg")
    assert open_folder(moved, user="ann").added == 1
    assert store.samples.by_path(project.stored_path(moved / "img11.jpg")).path == "../img11.jpg"


def test_a_folder_project_made_before_keeps_its_absolute_paths(photos):
    """Nothing existing is rewritten: an older folder project (absolute paths, no folder_paths)
    reopens without adding its images a second time, and new names follow its way."""
    from s2ide.core.project import FOLDER_PATHS_KEY, Project

    opened = open_folder(photos, user="ann")
    store = opened.project.store
    with store.transaction():  # as an s2ide before relative folder paths made it
        store.conn.execute("DELETE FROM meta WHERE key = ?", (FOLDER_PATHS_KEY,))
        for sample_id in store.samples.ids():
            relative = store.samples.get(sample_id).path.removeprefix("../")
            absolute = (photos.resolve() / relative).as_posix()
            store.conn.execute("UPDATE samples SET path = ? WHERE id = ?", (absolute, sample_id))
    opened.project.close()
    assert not Project.open(opened.project.path).paths_beside
    write_image(photos / "img3.jpg")
    again = open_folder(photos, user="ann")
    assert again.added == 1 and again.project.store.samples.count() == 6
    paths = [again.project.store.samples.get(i).path for i in again.project.store.samples.ids()]
    assert all(Path(path).is_absolute() for path in paths)
    report = index_pending(again.project.path, "ann", TaskState(), processes=1)
    assert report.indexed == 5 and len(report.broken) == 1


def test_list_images_skips_hidden_and_project_folders(photos):
    write_image(photos / ".hidden" / "x.jpg")
    open_folder(photos, user="ann")
    assert all(not name.startswith(".") for name in list_images(photos))
