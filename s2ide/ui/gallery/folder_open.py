"""Open a folder of images and start labeling at once (`s2ide FOLDER`, File ▸ Open folder…).

The names are stored on the GUI thread (a few hundred milliseconds for 10,000 files) and the
first image opens straight away; `core.io.folder_project.index_pending` then reads every file
in a background task with progress and Cancel in the status bar. A sample the labeler opens
before the indexer reaches it is read on the spot (one file), so the canvas always knows its
size; a broken file is skipped with its reason, never blocking.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMessageBox

from s2ide.core.errors import S2Error
from s2ide.core.io.folder_project import IndexReport, index_pending, open_folder, probe_sample, project_dir_for
from s2ide.core.store import folder_index
from s2ide.core.tasks import TaskState
from s2ide.ui.shell.workers import TaskRunner

if TYPE_CHECKING:
    from s2ide.ui.shell.main_window import MainWindow

INDEX_DELAY_MS = 800


class FolderOpener(QObject):
    """File ▸ Open folder…, the background indexer, and reading a not-yet-indexed sample on open."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.context = context = window.context
        self.runner = window.add_task(TaskRunner(window))
        self.runner.finished.connect(self._on_indexed)
        self.last_report: IndexReport | None = None
        action = QAction("Open &folder of images…", window)
        action.setShortcut("Ctrl+Shift+O")
        action.triggered.connect(lambda _checked=False: self.open_dialog())
        self.action = action
        file_menu = window.menu("&File")
        after_open = next((a for a in file_menu.actions() if a.text() == "Open &recent"), None)
        if after_open is not None:
            file_menu.insertAction(after_open, action)  # beside Open project…, not at the end
        else:
            file_menu.addAction(action)
        # Connected before the canvas feature's slot (features attach in order), so the canvas
        # loads a sample whose size is known.
        context.sampleChanged.connect(self._read_if_pending)
        context.projectChanged.connect(lambda: self.runner.cancel(wait=True))
        self._closed = False  # a delayed start must not begin a job once the window closed
        window.closing.connect(self._on_closing)

    # -- opening ---------------------------------------------------------------------------
    def open_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.window, "Open a folder of images")
        if folder:
            self.open(Path(folder))

    def _where(self, folder: Path) -> Path | None:
        """The project folder to use; asks when the image folder is read-only."""
        where = project_dir_for(folder)
        if where.parent == folder.resolve() or (where / "project.db").is_file() or self.window.isHidden():
            return where
        box = QMessageBox(self.window)
        box.setWindowTitle("Open folder")
        box.setText(f"{folder} is read-only.\nIts project (labels, history) will be kept in:\n{where}")
        box.addButton(QMessageBox.StandardButton.Ok)
        choose = box.addButton("Choose another place…", QMessageBox.ButtonRole.ActionRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        answer = box.exec()
        if box.clickedButton() is choose:
            picked = QFileDialog.getExistingDirectory(self.window, "Where to keep the project")
            return Path(picked) / ".s2ide" if picked else None
        return where if answer == QMessageBox.StandardButton.Ok else None

    def open(self, folder: Path) -> bool:
        """Make or reopen the folder's project, show its first image, index the rest behind."""
        ctx = self.context
        where = self._where(folder)
        if where is None:
            return False
        try:
            opened = open_folder(folder, project_dir=where)
            opened.project.close()  # the context opens it with its own connection
            ctx.open_project(opened.project.path)
        except S2Error as exc:
            QMessageBox.warning(self.window, "Open folder", str(exc))
            return False
        if ctx.user is None and ctx.store.users.get(opened.owner) is not None:
            ctx.set_user(opened.owner)
        if ctx.user is None:
            from s2ide.ui.gallery.feature import ensure_user

            ensure_user(self.window)
        ids = ctx.store.samples.ids()
        if ids and ctx.current_sample_id is None and ctx.project is not None:
            probe_sample(ctx.project, ids[0], ctx.user_name)
            ctx.open_sample(ids[0])
        if not ctx.labels():
            ctx.message("No labels yet: add them with Label ▸ Edit labels…", 0)
        elif opened.added:
            ctx.message(f"{opened.added:,} new image(s) in {folder}", 5000)
        # The indexer's worker processes start after the first image is up: on a small machine they
        # would otherwise compete with its decode.
        QTimer.singleShot(INDEX_DELAY_MS, self.start_indexing)
        return True

    def _on_closing(self) -> None:
        self._closed = True

    def start_indexing(self) -> None:
        ctx = self.context
        if self._closed or ctx.project is None or not folder_index.pending(ctx.store):
            return
        path, user = ctx.project.path, ctx.user_name

        def run(state: TaskState) -> IndexReport:
            return index_pending(path, user, state)

        self.runner.start(run, "Indexing images")

    def _on_indexed(self, report: IndexReport) -> None:
        self.last_report = report
        self.context.samplesChanged.emit()
        self.context.message(report.summary().capitalize(), 0 if report.broken else 8000)

    # -- a sample opened before the indexer got to it --------------------------------------
    def _read_if_pending(self, sample_id: int) -> None:
        ctx = self.context
        if sample_id < 0 or ctx.project is None:
            return
        try:
            if not folder_index.is_pending(ctx.store.samples.get(sample_id).sha256):
                return
            problem = probe_sample(ctx.project, sample_id, ctx.user_name)
        except S2Error as exc:
            ctx.message(str(exc), 0)
            return
        if problem is not None:
            ctx.message(f"Cannot read this image, skipped: {problem}", 0)
        foundation = getattr(self.window, "foundation", None)
        if foundation is not None:  # its status-bar line was written before the size was known
            foundation._show_sample_info(sample_id)


def attach(window: MainWindow) -> None:
    window.folder_opener = FolderOpener(window)  # type: ignore[attr-defined]
