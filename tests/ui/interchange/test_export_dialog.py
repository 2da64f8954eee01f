"""The export and import-preview dialogs, driven through their real widgets in the main window."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from s2ide.core.io.export_job import ExportOptions
from s2ide.core.io.exporting import run_export
from s2ide.core.project import Project
from s2ide.core.tasks import TaskState
from s2ide.ui.shell.context import AppContext
from s2ide.ui.shell.main_window import MainWindow
from tests.core.io.formats.helpers import shapes, shapes_project


@pytest.fixture
def window(qtbot, tmp_path: Path):
    project = shapes_project(tmp_path / "p")
    project.close()
    context = AppContext()
    win = MainWindow(context)
    qtbot.addWidget(win)
    context.open_project(tmp_path / "p")
    yield win
    win.close()
    context.close_project()


def test_file_menu_has_import_and_export_before_quit(window) -> None:
    titles = [a.text() for a in window.menu("&File").actions() if a.text()]
    assert titles[-3:] == ["Import &annotations…", "&Export…", "&Quit"]
    assert "&Import…" in titles[:-3]


def test_export_dialog_exports_yolo(window, qtbot, tmp_path: Path) -> None:
    feature = window.formats
    dialog = feature.open_export()
    assert not dialog.export_button.isEnabled()
    dialog.format_box.setCurrentIndex(dialog.format_box.findData("yolo"))
    assert dialog.task_box.isEnabled() and dialog.images_box.count() == 2
    assert "3 samples will be exported" in dialog.summary.text()
    dialog.dest_edit.setText(str(tmp_path / "out"))
    dialog.task_box.setCurrentIndex(dialog.task_box.findData("detect"))
    with qtbot.waitSignal(feature.export_runner.finished, timeout=20000) as blocker:
        dialog.export_button.click()
    report = blocker.args[0]
    assert report.images == 3 and "task: detect" in (tmp_path / "out" / "data.yaml").read_text()
    qtbot.waitUntil(lambda: not feature.export_runner.running)
    assert window.statusBar().currentMessage().startswith("exported 3 images")


def test_export_dialog_masks_offers_leaving_images_out(window) -> None:
    dialog = window.formats.open_export()
    dialog.format_box.setCurrentIndex(dialog.format_box.findData("masks"))
    assert dialog.images_box.currentText() == "Leave images where they are"
    assert not dialog.task_box.isEnabled()
    dialog.reject()


def test_import_preview_creates_unknown_labels_and_imports(window, qtbot, tmp_path: Path) -> None:
    source = Project.open(tmp_path / "p")
    run_export(source, tmp_path / "lm", "labelme", ExportOptions(), TaskState())
    fresh = Project.create(tmp_path / "fresh", ["cat"], task="detect")
    fresh.close()
    window.context.open_project(tmp_path / "fresh")
    feature = window.formats
    dialog = feature.open_import()
    with qtbot.waitSignal(dialog.reader.finished, timeout=20000):
        dialog.set_source(tmp_path / "lm")
    assert "3 images, 8 annotations, 2 unknown labels" in dialog.summary.text()
    assert (
        dialog.unknown_group.isVisibleTo(dialog)
        and "2 labels not in the project: car, dog" in dialog.unknown_list.text()
    )
    assert not dialog.existing_group.isVisibleTo(dialog)
    failures = []
    feature.import_runner.failed.connect(failures.append)
    with qtbot.waitSignal(feature.import_runner.idle, timeout=30000):
        dialog.import_button.click()
    assert failures == []
    qtbot.waitUntil(lambda: not feature.import_runner.running)
    imported = Project.open(tmp_path / "fresh")
    assert shapes(imported) == shapes(source)
    imported.close()
    source.close()


def test_import_preview_asks_about_existing_annotations_and_skips(window, qtbot, tmp_path: Path) -> None:
    images = tmp_path / "p-images"
    doc = {"shapes": [{"label": "zebra", "shape_type": "point", "points": [[1, 1]]}], "imagePath": "a.png"}
    (images / "a.json").write_text(json.dumps(doc))
    before = shapes(window.context.project)
    feature = window.formats
    dialog = feature.open_import()
    with qtbot.waitSignal(dialog.reader.finished, timeout=20000):
        dialog.set_source(images, "labelme")
    assert dialog.existing_group.isVisibleTo(dialog) and dialog.merge.isChecked()
    assert "1 image in the project already annotated" in dialog.existing_text.text()
    dialog.skip.setChecked(True)
    dialog.unknown_skip.setChecked(True)
    assert dialog.options().on_existing == "skip" and dialog.options().unknown_labels == "skip"
    with qtbot.waitSignal(feature.import_runner.finished, timeout=30000):
        dialog.import_button.click()
    qtbot.waitUntil(lambda: not feature.import_runner.running)
    assert shapes(window.context.project) == before


def test_import_preview_shows_a_broken_file_as_one_line(window, qtbot, tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text('{"images": [')
    dialog = window.formats.open_import()
    with qtbot.waitSignal(dialog.reader.failed, timeout=20000):
        dialog.set_source(tmp_path / "broken.json", "coco")
    assert "broken.json: line 1 column 13: not valid JSON" in dialog.summary.text()
    assert not dialog.import_button.isEnabled()
    dialog.reject()
