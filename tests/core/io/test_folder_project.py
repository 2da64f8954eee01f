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
    paths = [Path(store.samples.get(i).path).relative_to(photos.resolve()).as_posix() for i in store.samples.ids()]
    assert paths == ["broken.jpg", "img1.jpg", "img2.jpg", "img10.jpg", "sub/a.png"]
    assert len(folder_index.pending(store)) == 5
    owner = store.users.get("ann")
    assert owner is not None and all(can(owner.role, action) for action in Action)
    assert store.meta.get("owner") == "ann"


def test_indexing_fills_facts_and_skips_broken_files(photos):
    opened = open_folder(photos, user="ann")
    report = index_pending(opened.project.path, "ann", TaskState(), processes=1)
    store = opened.project.store
    assert report.indexed == 4 and len(report.broken) == 1 and "broken.jpg" in report.broken[0]
    sample = store.samples.by_path((photos.resolve() / "img10.jpg").as_posix())
    assert sample is not None and (sample.width, sample.height) == (32, 24) and len(sample.sha256) == 64
    broken = store.samples.by_path((photos.resolve() / "broken.jpg").as_posix())
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
    photos.chmod(0o755)


def test_list_images_skips_hidden_and_project_folders(photos):
    write_image(photos / ".hidden" / "x.jpg")
    open_folder(photos, user="ann")
    assert all(not name.startswith(".") for name in list_images(photos))
