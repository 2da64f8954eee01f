"""File ▸ Import…: choose a source and a format, run the import off the GUI thread, show the report.

The format list comes from `core.formats.IMPORTERS`, so a new format module appears here
without a change. The job opens its own `Project` (the GUI thread's connection stays on the
GUI thread) and runs `core.importing.run_import`; progress and Cancel are in the status bar.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from s2ide.core.errors import S2Error
from s2ide.core.io.formats import IMPORTERS, detect_format, read_plan
from s2ide.core.io.import_options import ImportOptions, ImportReport
from s2ide.core.io.importing import run_import
from s2ide.core.project import Project
from s2ide.core.store.schema import SPLITS
from s2ide.core.tasks import TaskState
from s2ide.ui.shell.context import AppContext
from s2ide.ui.shell.workers import TaskRunner

AUTO = "auto"


@dataclass
class ImportRequest:
    src: Path
    format: str
    options: ImportOptions


def import_job(project_path: Path, request: ImportRequest, state: TaskState) -> ImportReport:
    """What the worker thread runs: its own Project and connection, closed when done."""
    project = Project.open(project_path)
    try:
        plan = read_plan(request.src, request.format)
        return run_import(project, plan, request.options, state)
    finally:
        project.close()


class QtImportDialog(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import images")
        self.context = context
        self.source = QLineEdit()
        self.source.setPlaceholderText("a folder of images, a class-per-folder tree or a labels file")
        folder_button = QPushButton("Folder…")
        folder_button.clicked.connect(self._pick_folder)
        file_button = QPushButton("File…")
        file_button.clicked.connect(self._pick_file)
        self.format = QComboBox()
        self.format.addItem("auto", AUTO)
        for name in IMPORTERS:
            self.format.addItem(name, name)
        self.detected = QLabel()
        self.split = QComboBox()
        self.split.addItem("as the source says (else none)", "")
        for split in SPLITS:
            if split != "none":
                self.split.addItem(split, split)
        self.unknown = QComboBox()
        self.unknown.addItem("create them", "create")
        self.unknown.addItem("skip those annotations", "skip")
        self.error = QLabel()
        self.error.setStyleSheet("color: #c62828")
        self.error.setWordWrap(True)
        source_row = QHBoxLayout()
        source_row.addWidget(self.source, 1)
        source_row.addWidget(folder_button)
        source_row.addWidget(file_button)
        form = QFormLayout()
        form.addRow("Source", source_row)
        form.addRow("Format", self.format)
        form.addRow("", self.detected)
        form.addRow("Split for new images", self.split)
        form.addRow("Labels the project lacks", self.unknown)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Import")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.source.textChanged.connect(lambda _t: self._detect())
        self.request: ImportRequest | None = None
        self.resize(560, 0)

    def _pick_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Import a folder")
        if chosen:
            self.source.setText(chosen)

    def _pick_file(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, "Import a labels file")
        if chosen:
            self.source.setText(chosen)

    def _detect(self) -> None:
        text = self.source.text().strip()
        if not text:
            self.detected.clear()
            return
        try:
            name = detect_format(Path(text).expanduser())
        except S2Error as exc:
            self.detected.setText(str(exc))
            return
        self.detected.setText(f"detected: {name}")

    def set_source(self, src: Path | str, fmt: str = AUTO) -> None:
        self.source.setText(str(src))
        self.format.setCurrentIndex(self.format.findData(fmt))

    def build_request(self) -> ImportRequest | None:
        """The import to run, or None with the reason shown."""
        text = self.source.text().strip()
        if not text:
            self.error.setText("choose what to import")
            return None
        src = Path(text).expanduser()
        fmt = self.format.currentData()
        try:
            if fmt == AUTO:
                fmt = detect_format(src)
            elif not src.exists():
                raise S2Error(f"{src}: no such file or folder")
        except S2Error as exc:
            self.error.setText(str(exc))
            return None
        user = self.context.user.name if self.context.user else "import"
        options = ImportOptions(
            user=user, split=self.split.currentData() or None, unknown_labels=self.unknown.currentData()
        )
        return ImportRequest(src, fmt, options)

    def accept(self) -> None:
        self.request = self.build_request()
        if self.request is not None:
            super().accept()


class QtImportReport(QDialog):
    """The summary line and every skipped file with its reason."""

    def __init__(self, report: ImportReport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import finished")
        self.summary = QLabel(report.summary())
        self.summary.setWordWrap(True)
        self.skipped = QPlainTextEdit("\n".join(report.skipped) if report.skipped else "nothing was skipped")
        self.skipped.setReadOnly(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(QLabel(f"Skipped ({len(report.skipped)}):"))
        layout.addWidget(self.skipped, 1)
        layout.addWidget(buttons)
        self.resize(640, 360)


class ImportController(QObject):
    """Runs one import at a time through a TaskRunner and tells the app when it lands."""

    reportShown = Signal(object)  # the QtImportReport dialog

    def __init__(self, context: AppContext, runner: TaskRunner, parent_widget: QWidget | None = None) -> None:
        super().__init__(runner)
        self.context = context
        self.runner = runner
        self.parent_widget = parent_widget
        self.last_report: ImportReport | None = None
        self.report_dialog: QtImportReport | None = None
        self.error_box: QMessageBox | None = None
        runner.finished.connect(self._on_finished)
        runner.failed.connect(self._on_failed)

    def start(self, request: ImportRequest) -> None:
        project = self.context.project
        if project is None:
            self.context.message("Open a project first.")
            return
        if self.runner.running:
            self.context.message("An import is running already; cancel it or wait for it to finish.", 0)
            return
        path = project.path
        self.runner.start(lambda state: import_job(path, request, state), f"importing {request.src.name}")

    def _on_failed(self, text: str) -> None:
        """A source that cannot be read at all (a malformed file): say so where it cannot be missed."""
        self.error_box = QMessageBox(QMessageBox.Icon.Warning, "Import failed", text, parent=self.parent_widget)
        self.error_box.open()

    def _on_finished(self, report: object) -> None:
        if not isinstance(report, ImportReport):
            return
        self.last_report = report
        self.context.samplesChanged.emit()
        if report.created_labels or report.labels_set:
            self.context.labelsChanged.emit()
        self.context.message(report.summary(), 0)
        self.report_dialog = QtImportReport(report, self.parent_widget)
        self.report_dialog.show()
        self.reportShown.emit(self.report_dialog)
