"""File ▸ Import annotations…: read a labels file or dataset, show what it holds, then import.

The preview says "N images, M annotations, K unknown labels" and asks the two questions an
import must not answer silently: create or skip the unknown labels, and merge (default),
replace or skip for images that already have annotations. Reading the file runs off the GUI
thread; the dialog hands back the plan and the options, and interchange/feature.py applies them.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from s2ide.core.io.formats import IMPORTERS, read_plan
from s2ide.core.io.formats.base import ImportPlan
from s2ide.core.io.import_options import ImportOptions
from s2ide.core.io.import_preview import ImportPreview, preview_import
from s2ide.core.labeling.done import is_shape_task
from s2ide.core.project import Project
from s2ide.core.tasks import TaskState
from s2ide.ui.shell.context import AppContext
from s2ide.ui.shell.workers import TaskRunner

ANNOTATION_FORMATS = (
    "coco",
    "yolo",
    "labelme",
    "voc",
    "vocseg",
    "cvat",
    "datumaro",
    "labelstudio",
    "cityscapes",
    "kitti",
    "csv",
    "imagefolder",
)


def _read(project: Project, src: Path, fmt: str, state: TaskState) -> tuple[ImportPlan, ImportPreview]:
    state.report(0, 1, f"reading {src.name}", force=True)
    try:
        plan = read_plan(src, fmt)
        state.check()
        return plan, preview_import(project, plan)
    finally:
        project.close()  # this worker thread's own connection


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


class ImportPreviewDialog(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.plan: ImportPlan | None = None
        self.preview: ImportPreview | None = None
        self._read_key: tuple[str, str] | None = None  # what was last read: re-read only on a change
        self.setWindowTitle("Import annotations")
        self.reader = TaskRunner(self)
        self.reader.finished.connect(self._on_read)
        self.reader.failed.connect(self._on_failed)

        self.source_edit = QLineEdit()
        self.source_edit.setPlaceholderText("an annotation file or dataset folder")
        self.source_edit.editingFinished.connect(self.read_source)
        file_button = QPushButton("File…")
        file_button.clicked.connect(self._browse_file)
        folder_button = QPushButton("Folder…")
        folder_button.clicked.connect(self._browse_folder)
        source_row = QHBoxLayout()
        source_row.addWidget(self.source_edit, 1)
        source_row.addWidget(file_button)
        source_row.addWidget(folder_button)
        self.format_box = QComboBox()
        self.format_box.addItem("Detect automatically", "auto")
        for name in IMPORTERS:
            if name in ANNOTATION_FORMATS:
                self.format_box.addItem(name, name)
        self.format_box.currentIndexChanged.connect(self.read_source)

        self.summary = QLabel("Choose what to import.")
        self.summary.setWordWrap(True)
        self.unknown_group = QGroupBox("Unknown labels")
        self.unknown_create = QRadioButton("Create them")
        self.unknown_skip = QRadioButton("Skip their annotations")
        self.unknown_create.setChecked(True)
        self.unknown_list = QLabel()
        self.unknown_list.setWordWrap(True)
        box = QVBoxLayout(self.unknown_group)
        box.addWidget(self.unknown_list)
        row = QHBoxLayout()
        row.addWidget(self.unknown_create)
        row.addWidget(self.unknown_skip)
        row.addStretch(1)
        box.addLayout(row)
        self._unknown_buttons = QButtonGroup(self)
        self._unknown_buttons.addButton(self.unknown_create)
        self._unknown_buttons.addButton(self.unknown_skip)

        self.existing_group = QGroupBox("Images that already have annotations")
        self.existing_text = QLabel()
        self.existing_text.setWordWrap(True)
        self.merge = QRadioButton("Merge (keep theirs, add the new)")
        self.replace = QRadioButton("Replace")
        self.skip = QRadioButton("Skip those images")
        self.merge.setChecked(True)
        box = QVBoxLayout(self.existing_group)
        box.addWidget(self.existing_text)
        row = QHBoxLayout()
        for button in (self.merge, self.replace, self.skip):
            row.addWidget(button)
        row.addStretch(1)
        box.addLayout(row)
        self._existing_buttons = QButtonGroup(self)
        for button in (self.merge, self.replace, self.skip):
            self._existing_buttons.addButton(button)
        self.mark_done = QCheckBox("Mark images that receive shapes done (they train the model)")
        self.mark_done.setChecked(True)
        shapes = self.context.project is not None and is_shape_task(self.context.project.task)
        self.mark_done.setVisible(shapes)  # detect/segment projects: done is the labeler's word
        box.addWidget(self.mark_done)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = self.buttons.addButton("Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow("Source", source_row)
        form.addRow("Format", self.format_box)
        layout = QVBoxLayout(self)
        # No minimum-size constraint on the window: it needs no platform size hints (offscreen
        # and some window managers warn about them); the dialog still opens at its size hint.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.unknown_group)
        layout.addWidget(self.existing_group)
        layout.addWidget(self.buttons)
        self.unknown_group.hide()
        self.existing_group.hide()
        self.finished.connect(lambda _result: self.reader.shutdown())
        hint = self.sizeHint()
        self.resize(max(640, hint.width()), hint.height())

    # -- choosing the source -----------------------------------------------------------------
    def _browse_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Annotation file", str(Path.home()), "Annotations (*.json *.xml *.csv *.yaml *.yml);;All files (*)"
        )
        if path:
            self.set_source(Path(path))

    def _browse_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Dataset folder", str(Path.home()))
        if path:
            self.set_source(Path(path))

    def set_source(self, path: Path, fmt: str = "auto") -> None:
        self.source_edit.setText(str(path))
        index = self.format_box.findData(fmt)
        if index >= 0 and index != self.format_box.currentIndex():
            self.format_box.setCurrentIndex(index)  # reads the source through currentIndexChanged
        else:
            self.read_source()

    def read_source(self) -> None:
        text = self.source_edit.text().strip()
        project = self.context.project
        key = (text, str(self.format_box.currentData()))
        if not text or project is None or key == self._read_key:
            return  # editingFinished also fires when the dialog closes: keep the plan read
        self._read_key = key
        self.plan = self.preview = None
        self.import_button.setEnabled(False)
        self.summary.setText(f"Reading {Path(text).name}…")
        src, fmt = Path(text).expanduser(), self.format_box.currentData()
        self.reader.start(lambda state: _read(project, src, fmt, state), "reading annotations")

    # -- showing the preview -----------------------------------------------------------------
    def _on_failed(self, message: str) -> None:
        self._read_key = None  # the same path may be read again once the file is fixed
        self.summary.setText(f"<span style='color:#c0392b'>{message}</span>")
        self.unknown_group.hide()
        self.existing_group.hide()

    def _on_read(self, result: tuple[ImportPlan, ImportPreview]) -> None:
        self.plan, self.preview = result
        preview = self.preview
        text = f"<b>{html.escape(preview.summary())}</b> ({html.escape(preview.layout or self.plan.format)})"
        if preview.tags:
            text += f"; {preview.tags} image tags"
        text += f". {_count(preview.new_images, 'image')} new to the project."
        if preview.problems:
            text += f"<br>{len(preview.problems)} problem(s): {html.escape(preview.problems[0])}"
        self.summary.setText(text)
        self.unknown_group.setVisible(bool(preview.unknown_labels))
        names = ", ".join(preview.unknown_labels[:12]) + (" …" if len(preview.unknown_labels) > 12 else "")
        self.unknown_list.setText(f"{_count(len(preview.unknown_labels), 'label')} not in the project: {names}")
        self.existing_group.setVisible(preview.with_annotations > 0)
        self.existing_text.setText(
            f"{_count(preview.with_annotations, 'image')} in the project already annotated. "
            "Human edits are never overwritten unless you choose Replace."
        )
        self.import_button.setEnabled(preview.images > 0)
        hint = self.sizeHint()  # the groups that appeared need their full height
        self.resize(max(self.width(), hint.width()), hint.height())

    def options(self) -> ImportOptions:
        existing = "merge" if self.merge.isChecked() else "replace" if self.replace.isChecked() else "skip"
        return ImportOptions(
            user=self.context.user_name,
            unknown_labels="skip" if self.unknown_skip.isChecked() else "create",
            on_existing=existing,
            mark_done=self.mark_done.isChecked(),
        )
