"""File ▸ Import annotations… and File ▸ Export…: the dialogs, and their jobs run as tasks.

Both jobs run off the GUI thread through a TaskRunner shown in the status bar (progress and
Cancel); each opens its own store connection in the worker and closes it when done.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction

from s2ide.core.io.export_job import ExportReport
from s2ide.core.io.exporting import run_export
from s2ide.core.io.formats.base import ImportPlan
from s2ide.core.io.import_options import ImportOptions, ImportReport
from s2ide.core.io.importing import run_import
from s2ide.core.project import Project
from s2ide.core.tasks import TaskState
from s2ide.ui.interchange.export_dialog import ExportDialog, ExportRequest
from s2ide.ui.interchange.import_preview import ImportPreviewDialog
from s2ide.ui.shell.workers import TaskRunner

if TYPE_CHECKING:
    from s2ide.ui.shell.main_window import MainWindow


def _export_job(project: Project, request: ExportRequest, state: TaskState) -> ExportReport:
    try:
        return run_export(project, request.dest, request.format, request.options, state)
    finally:
        project.close()  # the worker thread's own connection


def _import_job(project: Project, plan: ImportPlan, options: ImportOptions, state: TaskState) -> ImportReport:
    try:
        return run_import(project, plan, options, state)
    finally:
        project.close()


class FormatsFeature:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.context = window.context
        self.export_runner = window.add_task(TaskRunner(window))
        self.import_runner = window.add_task(TaskRunner(window))
        self.export_runner.finished.connect(self._exported)
        self.import_runner.finished.connect(self._imported)
        self.import_action = QAction("Import &annotations…", window)
        self.import_action.triggered.connect(self.open_import)
        self.export_action = QAction("&Export…", window)
        self.export_action.setShortcut("Ctrl+Shift+E")
        self.export_action.triggered.connect(self.open_export)
        menu = window.menu("&File")
        first = menu.actions()[-1] if menu.actions() else None  # keep Quit last
        for action in (self.import_action, self.export_action):
            if first is not None:
                menu.insertAction(first, action)
            else:
                menu.addAction(action)
        if first is not None:
            menu.insertSeparator(first)

    def _project(self) -> Project | None:
        if self.context.project is None:
            self.context.message("Open a project first")
        return self.context.project

    # -- export ------------------------------------------------------------------------------
    def open_export(self) -> ExportDialog | None:
        if self._project() is None:
            return None
        dialog = ExportDialog(self.context, self.window)
        dialog.accepted.connect(lambda: self.start_export(dialog.request()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def start_export(self, request: ExportRequest) -> None:
        project = self._project()
        if project is None:
            return
        self.export_runner.start(lambda state: _export_job(project, request, state), f"exporting {request.format}")

    def _exported(self, report: ExportReport) -> None:
        notes = f" — {'; '.join(report.skipped[:3])}" if report.skipped else ""
        self.context.message(report.summary() + notes, 0)

    # -- import ------------------------------------------------------------------------------
    def open_import(self) -> ImportPreviewDialog | None:
        if self._project() is None:
            return None
        dialog = ImportPreviewDialog(self.context, self.window)
        dialog.accepted.connect(lambda: self._accept_import(dialog))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def _accept_import(self, dialog: ImportPreviewDialog) -> None:
        if dialog.plan is not None:
            self.start_import(dialog.plan, dialog.options())

    def start_import(self, plan: ImportPlan, options: ImportOptions) -> None:
        project = self._project()
        if project is None:
            return
        self.import_runner.start(lambda state: _import_job(project, plan, options, state), f"importing {plan.format}")

    def _imported(self, report: ImportReport) -> None:
        self.context.labelsChanged.emit()
        self.context.samplesChanged.emit()
        if self.context.current_sample_id is not None:
            self.context.notify_annotations(self.context.current_sample_id)
        self.context.message(report.summary(), 0)


def attach(window: MainWindow) -> None:
    window.formats = FormatsFeature(window)  # type: ignore[attr-defined]
