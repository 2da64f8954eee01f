"""Imports: recursive folders, class-per-folder trees with splits, CSV labels, duplicates."""

from __future__ import annotations

from pathlib import Path

from s2ide.core.io.formats import detect_format, read_plan
from s2ide.core.io.import_options import ImportOptions
from s2ide.core.io.importing import run_import
from s2ide.core.tasks import TaskState
from tests.conftest import write_image


def _import(project, src: Path, fmt: str = "auto", **options):
    return run_import(project, read_plan(src, fmt), ImportOptions(**options), TaskState())


def test_folder_is_read_recursively(project, tmp_path):
    root = tmp_path / "pics"
    write_image(root / "a.png", color=(1, 0, 0))
    write_image(root / "deep" / "er" / "b.jpg", color=(0, 1, 0))
    (root / "notes.txt").write_text("not an image")
    report = _import(project, root, "folder", split="val")
    assert report.imported == 2 and report.skipped == []
    rows = project.store.samples.rows()
    assert {Path(r["path"]).name for r in rows} == {"a.png", "b.jpg"}
    assert {r["split"] for r in rows} == {"val"}
    assert all(r["label_id"] is None for r in rows)
    assert all(project.thumbnail_path(r["sha256"]).is_file() for r in rows)


def test_imagefolder_labels_and_split_folders(project, tmp_path):
    root = tmp_path / "tree"
    write_image(root / "train" / "cat" / "1.png", color=(1, 1, 1))
    write_image(root / "train" / "bird" / "2.png", color=(2, 2, 2))
    write_image(root / "val" / "dog" / "3.png", color=(3, 3, 3))
    assert detect_format(root) == "imagefolder"
    report = _import(project, root)
    assert report.imported == 3
    assert report.created_labels == ["bird"]
    names = {lb.id: lb.name for lb in project.store.labels.list()}
    got = {Path(r["path"]).name: (names.get(r["label_id"]), r["split"]) for r in project.store.samples.rows()}
    assert got == {"1.png": ("cat", "train"), "2.png": ("bird", "train"), "3.png": ("dog", "val")}
    sources = project.store.stats.summary()["sources"]
    assert sources == {"import": 3}


def test_csv_sets_labels_on_existing_and_imports_new(project, tmp_path):
    root = tmp_path / "pics"
    write_image(root / "a.png", color=(10, 0, 0))
    write_image(root / "b.png", color=(20, 0, 0))
    _import(project, root, "folder")
    write_image(root / "c.png", color=(30, 0, 0))
    csv_file = root / "labels.csv"
    csv_file.write_text("path,label\na.png,cat\nc.png,dog\n")
    report = _import(project, csv_file)
    assert report.imported == 1 and report.already_present == 1 and report.labels_set == 2
    store = project.store
    names = {lb.id: lb.name for lb in store.labels.list()}
    by_name = {Path(r["path"]).name: r for r in store.samples.rows()}
    assert names[by_name["a.png"]["label_id"]] == "cat"
    assert names[by_name["c.png"]["label_id"]] == "dog"
    assert by_name["b.png"]["label_id"] is None
    tag = store.annotations.tag_of(by_name["a.png"]["id"])
    assert tag is not None and tag.source == "import"
    assert by_name["a.png"]["status"] == "labeled"


def test_same_image_is_never_imported_twice(project, tmp_path):
    root = tmp_path / "pics"
    write_image(root / "a.png", color=(5, 5, 5))
    write_image(root / "copy" / "a_again.png", color=(5, 5, 5))
    report = _import(project, root, "folder")
    assert report.imported == 1
    assert any("a_again.png: the same image as a.png in this import" in reason for reason in report.skipped)
    again = _import(project, root, "folder")
    assert again.imported == 0
    assert "already in the project" in again.summary()
    assert project.store.samples.count() == 1


def test_human_label_wins_over_a_later_import(filled_project, tmp_path, image_tree):
    from s2ide.core.labeling.tags import set_tag

    store = filled_project.store
    cat_sample = next(r for r in store.samples.rows() if "cat0" in r["path"])
    dog = store.labels.by_name("dog").id
    set_tag(store, cat_sample["id"], dog, "lara")
    report = _import(filled_project, image_tree, "imagefolder")
    assert store.annotations.tag_of(cat_sample["id"]).label_id == dog
    assert any("kept its human label" in reason for reason in report.skipped)


def test_import_reports_progress_and_cancels_cleanly(project, tmp_path):
    from s2ide.core.errors import Cancelled

    root = tmp_path / "pics"
    for i in range(5):
        write_image(root / f"{i}.png", color=(i, 7, 7))
    seen = []
    state = TaskState(seen.append, min_interval=0)
    run_import(project, read_plan(root, "folder"), ImportOptions(), state)
    assert seen[-1].done == seen[-1].total == 5

    state = TaskState()
    state.cancel()
    write_image(root / "new.png", color=(99, 7, 7))
    try:
        run_import(project, read_plan(root, "folder"), ImportOptions(), state)
    except Cancelled:
        pass
    else:
        raise AssertionError("a cancelled import must raise Cancelled")
    assert project.store.samples.count() == 5


def test_exif_rotation_gives_displayed_size_and_upright_thumbnail(project, tmp_path):
    from PIL import Image

    root = tmp_path / "phone"
    root.mkdir()
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° on display
    Image.new("RGB", (400, 200), (10, 200, 30)).save(root / "rotated.jpg", "JPEG", exif=exif)
    write_image(root / "plain.png", size=(400, 200), color=(30, 30, 200))
    _import(project, root, "folder")
    rows = {Path(r["path"]).name: r for r in project.store.samples.rows()}
    assert (rows["rotated.jpg"]["width"], rows["rotated.jpg"]["height"]) == (200, 400)
    assert (rows["plain.png"]["width"], rows["plain.png"]["height"]) == (400, 200)
    with Image.open(project.thumbnail_path(rows["rotated.jpg"]["sha256"])) as thumb:
        assert thumb.height > thumb.width
    with Image.open(project.thumbnail_path(rows["plain.png"]["sha256"])) as thumb:
        assert thumb.width > thumb.height
