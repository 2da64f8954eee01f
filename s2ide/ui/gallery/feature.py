"""The gallery feature (`window.foundation`): gallery and label docks, project, import and user menus,
status bar figures.

`attach(window)` wires the widgets to the window's small API and to each other through the
context only: the gallery provides the default "next sample", number keys tag the open
sample, File ▸ Import… runs in the background with progress and Cancel in the status bar.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMessageBox

from s2ide.core.errors import S2Error
from s2ide.ui.gallery.bulk_actions import BulkActions
from s2ide.ui.gallery.gallery_view import QtGallery
from s2ide.ui.gallery.label_panel import LabelHotkeys, QtLabelPanel, tag_current
from s2ide.ui.shell.workers import TaskRunner

if TYPE_CHECKING:
    from s2ide.ui.gallery.import_dialog import ImportController
    from s2ide.ui.gallery.label_editor import QtLabelEditor
    from s2ide.ui.shell.main_window import MainWindow

# Dialogs (and the import pipeline behind File ▸ Import…) are imported when first used, to keep
# them off the start-up path.


def _human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


class Foundation:
    """Holds the feature's widgets so tests and other code can reach them via `window.foundation`."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.context = context = window.context
        self.gallery = QtGallery(context)
        self.gallery_dock = window.add_dock(self.gallery, "Gallery", Qt.DockWidgetArea.LeftDockWidgetArea)
        self.bulk = BulkActions(self.gallery)  # multi-selection: tag or escalate many at once
        self.labels = QtLabelPanel(context, on_edit=self.edit_labels)
        self.labels_dock = window.add_dock(self.labels, "Labels", Qt.DockWidgetArea.RightDockWidgetArea)
        self.hotkeys = LabelHotkeys(context, window)
        context.set_next_provider(self.gallery.next_unlabeled)
        self.import_runner = window.add_task(TaskRunner(window))
        self._imports: ImportController | None = None
        self._visited: list[int] = []  # samples opened, oldest first: Label ▸ Previous sample
        self.label_editor: QtLabelEditor | None = None

        self.counts = QLabel()
        self.sample_info = QLabel()
        window.statusBar().addPermanentWidget(self.sample_info)
        window.statusBar().addPermanentWidget(self.counts)
        self._add_actions()

        context.projectChanged.connect(self._on_project_changed)
        context.sampleChanged.connect(self._show_sample_info)
        context.sampleChanged.connect(self._remember_visit)
        context.annotationsChanged.connect(lambda _id: self._update_counts())
        context.samplesChanged.connect(self._update_counts)
        context.showSamplesRequested.connect(lambda _ids, _title: self._raise_gallery())
        window.closing.connect(self.gallery.shutdown)
        self._on_project_changed()

    # -- menus -----------------------------------------------------------------------------
    def _action(
        self, menu: str, text: str, slot, shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None
    ) -> QAction:
        action = QAction(text, self.window)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        self.window.menu(menu).addAction(action)
        return action

    def _add_actions(self) -> None:
        self._action("&File", "&New project…", self.new_project, QKeySequence.StandardKey.New)
        self._action("&File", "&Open project…", self.open_project_dialog, QKeySequence.StandardKey.Open)
        self.recent_menu = self.window.menu("&File").addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.window.menu("&File").addSeparator()
        self._action("&File", "&Import…", self.import_dialog, "Ctrl+I")
        self._action("&File", "Switch &user…", self.switch_user)
        self.window.menu("&File").addSeparator()
        self._action("&Label", "&Edit labels…", self.edit_labels)
        self._action("&Label", "&Next unlabeled sample", self.context.next_sample, "Ctrl+Right")
        self._action("&Label", "&Previous sample", self.previous_sample, "Ctrl+Left")
        self._action(
            "&Label", "&Clear the tag", lambda: tag_current(self.context, None, advance=False), "Ctrl+Backspace"
        )

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in self.context.settings.recent_projects():
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _checked=False, p=path: self.open_project(Path(p)))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("(none yet)").setEnabled(False)

    @property
    def imports(self) -> ImportController:
        """Runs File ▸ Import… jobs on `import_runner` (made on first use)."""
        if self._imports is None:
            from s2ide.ui.gallery.import_dialog import ImportController

            self._imports = ImportController(self.context, self.import_runner, self.window)
        return self._imports

    # -- projects and users ----------------------------------------------------------------
    def open_project(self, path: Path) -> bool:
        try:
            self.context.open_project(path)
        except S2Error as exc:
            QMessageBox.warning(self.window, "Open project", str(exc))
            return False
        ensure_user(self.window)
        start_on_a_sample(self.window)
        return True

    def open_project_dialog(self) -> None:
        from s2ide.ui.gallery.project_dialogs import pick_project_folder

        folder = pick_project_folder(self.window)
        if folder is not None:
            self.open_project(folder)

    def new_project(self) -> None:
        from s2ide.ui.gallery.project_dialogs import QtNewProjectDialog

        dialog = QtNewProjectDialog(self.window)
        if dialog.exec() and dialog.created is not None:
            if dialog.owner:  # works as the creator (the owner) without asking
                self.context.settings.remember_user(dialog.created.path, dialog.owner)
            self.open_project(dialog.created.path)

    def switch_user(self) -> None:
        if self.context.project is None:
            self.context.message("Open a project first.")
            return
        from s2ide.ui.review.user_dialog import QtUserDialog

        QtUserDialog(self.context, self.window).exec()

    def _on_project_changed(self) -> None:
        ctx = self.context
        if ctx.project is not None and ctx.user is None:
            remembered = ctx.settings.user_for(ctx.project.path)
            if remembered and ctx.store.users.get(remembered) is not None:
                ctx.set_user(remembered)
        self._visited.clear()
        self._update_counts()
        self._show_sample_info(-1)

    # -- labels and import -----------------------------------------------------------------
    def edit_labels(self) -> None:
        if self.context.project is None:
            self.context.message("Open a project first.")
            return
        from s2ide.ui.gallery.label_editor import QtLabelEditor

        self.label_editor = QtLabelEditor(self.context, self.window)
        self.label_editor.show()

    def import_dialog(self) -> None:
        if self.context.project is None:
            self.context.message("Open a project first.")
            return
        from s2ide.ui.gallery.import_dialog import QtImportDialog

        dialog = QtImportDialog(self.context, self.window)
        if dialog.exec() and dialog.request is not None:
            self.imports.start(dialog.request)

    def _remember_visit(self, sample_id: int) -> None:
        if sample_id >= 0 and (not self._visited or self._visited[-1] != sample_id):
            self._visited.append(sample_id)
            del self._visited[:-500]

    def previous_sample(self) -> None:
        """Go back to the sample opened before this one (to fix a tag given too fast)."""
        if len(self._visited) < 2:
            self.context.message("No earlier sample to go back to.")
            return
        self._visited.pop()
        self.context.open_sample(self._visited.pop())

    def _raise_gallery(self) -> None:
        self.gallery_dock.show()
        self.gallery_dock.raise_()

    # -- status bar ------------------------------------------------------------------------
    def _update_counts(self) -> None:
        if self.context.project is None:
            self.counts.clear()
            return
        labeled, total = self.context.store.samples.progress_counts()
        self.counts.setText(f"{labeled:,}/{total:,} labeled")

    def _show_sample_info(self, sample_id: int) -> None:
        if self.context.project is None or sample_id < 0:
            self.sample_info.clear()
            return
        try:
            sample = self.context.store.samples.get(sample_id)
        except S2Error:
            self.sample_info.clear()
            return
        try:
            path = self.context.project.image_path(sample.path)
            size = _human_size(path.stat().st_size)
        except S2Error:  # a team project without this machine's media root
            path, size = Path(sample.path), "no media root"
        except OSError:
            size = "missing file"
        self.sample_info.setText(f"{path.name} · {sample.width}×{sample.height} · {size}")


def ensure_user(window: MainWindow) -> None:
    """Ask who is working unless the settings remember them for this project."""
    ctx = window.context
    if ctx.project is not None and ctx.user is None:
        from s2ide.ui.review.user_dialog import QtUserDialog

        QtUserDialog(ctx, window).exec()


def start_on_a_sample(window: MainWindow) -> None:
    """A project just opened faces its first sample, never an empty canvas: a labeler the next
    one to label (the engine's choice, leased in a team project), the other roles the gallery's
    first. Nothing changes when a sample is already open, nobody is signed in, or a big view
    (a lead's escalation queue) is in front."""
    ctx = window.context
    if ctx.project is None or ctx.user is None or ctx.current_sample_id is not None:
        return
    if window.tabs.currentWidget() is not window.view:
        return
    if ctx.user.role == "labeler" and ctx.next_sample() is not None:
        return
    model = window.foundation.gallery.model  # type: ignore[attr-defined]
    if model.rowCount() > 0:
        ctx.open_sample(model.sample_id(0))


def attach(window: MainWindow) -> None:
    window.foundation = Foundation(window)  # type: ignore[attr-defined]
