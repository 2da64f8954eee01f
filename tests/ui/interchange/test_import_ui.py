"""File ▸ Import…: the dialog builds the request, the import runs off the GUI thread with
progress and Cancel, the gallery reloads and the report lists what was skipped."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import Qt

from s2ide.core.io import importing
from s2ide.core.io.import_options import ImportReport
from s2ide.ui.gallery.import_dialog import QtImportDialog
from s2ide.ui.shell.main_window import TaskStatus
from tests.conftest import write_image
from tests.ui.conftest import QT_LOG_MARKS

pytestmark = QT_LOG_MARKS


def test_dialog_detects_format_and_lists_importers(qtbot, context, tmp_path, image_tree):
    from s2ide.core.io.formats import IMPORTERS

    dialog = QtImportDialog(context)
    qtbot.addWidget(dialog)
    assert [dialog.format.itemData(i) for i in range(dialog.format.count())] == ["auto", *IMPORTERS]
    dialog.set_source(image_tree)
    assert dialog.detected.text() == "detected: imagefolder"
    request = dialog.build_request()
    assert request is not None and request.format == "imagefolder" and request.options.user == "lara"
    dialog.set_source(tmp_path / "nowhere")
    assert dialog.build_request() is None and "no such file or folder" in dialog.error.text()


def test_import_runs_with_progress_and_report(qtbot, window, tmp_path):
    root = tmp_path / "more"
    for index in range(6):
        write_image(root / "bird" / f"b{index}.png", color=(index, 200, 50))
    (root / "bird" / "broken.png").write_bytes(b"")
    foundation = window.foundation
    dialog = QtImportDialog(window.context, window)
    qtbot.addWidget(dialog)
    dialog.set_source(root)
    dialog.split.setCurrentIndex(dialog.split.findData("train"))
    request = dialog.build_request()
    progress = []
    foundation.import_runner.progress.connect(progress.append)
    with qtbot.waitSignal(foundation.import_runner.finished, timeout=10_000) as blocker:
        foundation.imports.start(request)
    report = blocker.args[0]
    assert isinstance(report, ImportReport)
    assert report.imported == 6 and report.created_labels == ["bird"]
    qtbot.waitUntil(lambda: foundation.imports.report_dialog is not None)
    shown = foundation.imports.report_dialog
    assert shown.summary.text().startswith("6 imported, 1 skipped")
    assert "broken.png: empty file (0 bytes)" in shown.skipped.toPlainText()
    assert foundation.gallery.model.rowCount() == 11
    assert progress and progress[-1].done == progress[-1].total
    assert "bird" in [label.name for label in window.context.labels()]
    assert foundation.labels.tree.topLevelItemCount() == 3
    qtbot.waitUntil(lambda: not foundation.import_runner.running)
    shown.close()


def test_import_can_be_cancelled(qtbot, window, tmp_path, monkeypatch):
    root = tmp_path / "slow"
    for index in range(40):
        write_image(root / f"s{index}.png", color=(index, 1, 99))
    original = importing._probe_one
    started = threading.Event()

    def slow_probe(args):
        started.set()
        time.sleep(0.05)
        return original(args)

    monkeypatch.setattr(importing, "_probe_one", slow_probe)
    foundation = window.foundation
    dialog = QtImportDialog(window.context, window)
    qtbot.addWidget(dialog)
    dialog.set_source(root, "folder")
    before = window.context.store.samples.count()
    (status,) = [w for w in window.statusBar().findChildren(TaskStatus) if w.runner is foundation.import_runner]
    assert not status.isVisible()
    with qtbot.waitSignal(foundation.import_runner.cancelled, timeout=10_000):
        foundation.imports.start(dialog.build_request())
        assert started.wait(5)
        assert status.isVisible()
        messages = []
        window.context.statusMessage.connect(lambda text, _ms: messages.append(text))
        foundation.imports.start(dialog.build_request())  # a second one is refused, the first goes on
        assert "running already" in messages[-1] and foundation.import_runner.running
        qtbot.mouseClick(status.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not status.isVisible())  # hidden on the runner's idle signal
    assert not foundation.import_runner.running
    assert window.context.store.samples.count() == before
    assert foundation.imports.report_dialog is None


def test_unreadable_source_fails_with_a_message(qtbot, window, tmp_path):
    bad = tmp_path / "labels.csv"
    bad.write_text("")
    dialog = QtImportDialog(window.context, window)
    qtbot.addWidget(dialog)
    dialog.set_source(bad)
    foundation = window.foundation
    with qtbot.waitSignal(foundation.import_runner.failed, timeout=10_000) as blocker:
        foundation.imports.start(dialog.build_request())
    assert blocker.args == [f"{bad}: no rows"]
    box = foundation.imports.error_box
    assert box is not None and box.text() == f"{bad}: no rows"
    box.close()
    qtbot.waitUntil(lambda: not foundation.import_runner.running)
