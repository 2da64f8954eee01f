"""The main window: a thin shell of docks, menus and a status bar (DESIGN.md §6.10).

Features (gallery, label panel, canvas tools, training, escalations, ...) attach themselves
through `add_dock`, `menu` and `add_task`; they share state only through `self.context`.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenu,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QWidget,
)

from s2ide.core.tasks import Progress
from s2ide.ui.canvas.view import ImageView
from s2ide.ui.shell import layouts
from s2ide.ui.shell.central_tabs import CentralTabs, TabDock, close_floating_views
from s2ide.ui.shell.change_watcher import ChangeWatcher
from s2ide.ui.shell.context import AppContext
from s2ide.ui.shell.features import attach_all
from s2ide.ui.shell.workers import TaskRunner

MENU_ORDER = ("&File", "&Edit", "&View", "&Label", "&Review", "&Model", "&Help")
LAYOUT_KEY = layouts.LEGACY_KEY  # before layouts per project and role: read when nothing else is saved
LAYOUT_VERSION = 1


class TaskStatus(QWidget):
    """Progress bar, message and cancel button for one TaskRunner, shown while it runs."""

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from PySide6.QtWidgets import QHBoxLayout

        self.runner = runner
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setFixedWidth(160)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.cancel_button.clicked.connect(lambda: runner.cancel())
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        runner.started.connect(self._on_started)
        runner.progress.connect(self._on_progress)
        runner.idle.connect(self.hide)
        self.hide()

    def _on_started(self, title: str) -> None:
        self.label.setText(title)
        self.bar.setRange(0, 0)
        self.show()

    def _on_progress(self, progress: Progress) -> None:
        if progress.total > 0:
            self.bar.setRange(0, progress.total)
            self.bar.setValue(progress.done)
        if progress.message:
            self.label.setText(progress.message[:60])


LABELS_HEIGHT = 290
MAX_SIZE = (2560, 1440)  # a new window fills the screen's work area up to this size


class MainWindow(QMainWindow):
    closing = Signal()  # features stop their background work here

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context
        self.change_watcher = ChangeWatcher(context)  # others' commits reach the context's signals
        self.setWindowTitle("s2ide")
        self.resize(1400, 900)
        self.setDockNestingEnabled(True)
        # Side columns run the full height; the review queue sits under the canvas only, so its
        # height does not stack on top of the right column's.
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.runners: list[TaskRunner] = []
        self._menus: dict[str, QMenu] = {}
        for title in MENU_ORDER:
            self.menu(title)
        self.view = ImageView(self)
        self.tabs = CentralTabs(self.view, self)  # big views open as tabs beside the canvas
        self.setCentralWidget(self.tabs)
        self.statusBar().setSizeGripEnabled(True)
        context.statusMessage.connect(lambda text, ms: self.statusBar().showMessage(text, ms))
        context.sampleChanged.connect(lambda sample_id: self.tabs.show_canvas() if sample_id >= 0 else None)
        context.projectChanged.connect(self._update_title)
        context.userChanged.connect(self._update_title)
        self._layout_key: str | None = None
        self._restore_key: str | None = None
        # Before the features arrange docks for a role (their slots come later): leave the old layout.
        context.projectChanged.connect(self._leave_layout)
        context.userChanged.connect(self._leave_layout)
        attach_all(self)
        self._arrange_right_column()
        self.fit_to_screen()
        self._default_state = self.saveState(LAYOUT_VERSION)  # View ▸ Reset layout goes back here
        context.projectChanged.connect(self._enter_layout)  # after the features' own arranging
        context.userChanged.connect(self._enter_layout)
        reset = QAction("&Reset layout", self)
        reset.triggered.connect(lambda _checked=False: self.reset_layout())
        self.menu("&View").addAction(reset)
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        self.menu("&File").addAction(quit_action)

    # -- the API features use --------------------------------------------------------------
    def menu(self, title: str) -> QMenu:
        if title not in self._menus:
            self._menus[title] = self.menuBar().addMenu(title)
        return self._menus[title]

    def add_dock(
        self,
        widget: QWidget,
        title: str,
        area: Qt.DockWidgetArea = Qt.DockWidgetArea.LeftDockWidgetArea,
        tabify_with: QDockWidget | None = None,
        visible: bool = True,
    ) -> QDockWidget:
        name = title.replace(" ", "_").lower()
        if title in layouts.BIG_VIEWS:  # a tab beside the canvas, not a dock squeezing it
            dock: layouts.Dock = TabDock(title, self, self.tabs)
            dock.setObjectName(f"tab_{name}")
            dock.set_content(widget)
            self.menu("&View").addAction(dock.toggleViewAction())
            dock.setVisible(visible)
            return dock
        dock = layouts.Dock(title, self)
        dock.setObjectName(f"dock_{name}")
        dock.set_content(widget)  # in a scroll area: a dock can always be narrowed
        self.addDockWidget(area, dock)
        if tabify_with is not None and not isinstance(tabify_with, TabDock):
            self.tabifyDockWidget(tabify_with, dock)
        self.menu("&View").addAction(dock.toggleViewAction())
        dock.setVisible(visible)
        return dock

    def resizeDocks(self, docks: Sequence[QDockWidget], sizes: Sequence[int], orientation: Qt.Orientation) -> None:
        """Big views are tabs, not docks: sizing one is a no-op (Qt would warn)."""
        kept = [(d, s) for d, s in zip(docks, sizes, strict=True) if not isinstance(d, TabDock)]
        if kept:
            super().resizeDocks([d for d, _s in kept], [s for _d, s in kept], orientation)

    def add_task(self, runner: TaskRunner) -> TaskRunner:
        """Show the runner's progress and cancel button in the status bar; stop it on close."""
        self.runners.append(runner)
        self.statusBar().addPermanentWidget(TaskStatus(runner, self))
        runner.failed.connect(lambda text: self.context.message(f"{runner.title or 'task'} failed: {text}", 0))
        runner.cancelled.connect(lambda: self.context.message(f"{runner.title or 'task'} cancelled"))
        return runner

    # -- window ----------------------------------------------------------------------------
    def fit_to_screen(self) -> None:
        """A labeler's window: the screen's work area (the canvas gets the room). Docks added one
        by one also grow the window past their final, tabbed size: this shrinks it back."""
        layout = self.layout()
        if layout is not None:
            layout.activate()  # apply the tab stacks first, or the old, taller minimum wins
        available = self.screen().availableGeometry()
        self.resize(min(MAX_SIZE[0], available.width()), min(MAX_SIZE[1], available.height()))
        layouts.size_side_docks(self, available.width())
        layouts.clamp_to_screen(self)

    def showEvent(self, event: QShowEvent) -> None:
        layouts.clamp_to_screen(self)
        super().showEvent(event)

    def _arrange_right_column(self) -> None:
        """Labels stay in sight at the top right; the other right-hand panels share one tab stack
        below it, so the column fits a laptop screen instead of stacking every panel's minimum."""
        right = [
            d for d in self.findChildren(QDockWidget) if self.dockWidgetArea(d) == Qt.DockWidgetArea.RightDockWidgetArea
        ]
        labels = next((d for d in right if d.objectName() == "dock_labels"), None)
        others = [d for d in right if d is not labels]
        if not others:
            return
        first = others[0]
        if labels is not None:
            self.splitDockWidget(labels, first, Qt.Orientation.Vertical)
        for dock in others[1:]:
            self.tabifyDockWidget(first, dock)
        first.raise_()
        if labels is not None:
            self.resizeDocks([labels, first], [LABELS_HEIGHT, 3 * LABELS_HEIGHT], Qt.Orientation.Vertical)

    def _update_title(self) -> None:
        ctx = self.context
        if ctx.project is None:
            self.setWindowTitle("s2ide")
            return
        who = f" — {ctx.user.name} ({ctx.user.role})" if ctx.user else ""
        self.setWindowTitle(f"{ctx.project.name}{who} — s2ide")

    def _current_layout_key(self) -> str | None:
        ctx = self.context
        role = ctx.user.role if ctx.user is not None else None
        return layouts.layout_key(str(ctx.project.path) if ctx.project is not None else None, role)

    def _leave_layout(self) -> None:
        """Keep the layout of the project and role being left; a pair never seen starts from the
        default layout (the features then arrange it for the role), not from someone else's."""
        key = self._current_layout_key()
        if key == self._layout_key:
            return
        self.tabs.show_canvas()
        if self._layout_key is not None and not self._layout_key.endswith("|nobody"):
            self.save_layout(self._layout_key)
        self._layout_key = key
        self._restore_key = None
        if key is None or key.endswith("|nobody"):
            return
        if layouts.saved_layout(self.context.settings, key) is not None:
            self._restore_key = key
        else:
            self.restoreState(self._default_state, LAYOUT_VERSION)

    def _enter_layout(self) -> None:
        """Bring back the layout saved for the new project and role (after the features' slots)."""
        if self._restore_key is not None and self._restore_key == self._current_layout_key():
            self.restore_layout(self._restore_key)
        self._restore_key = None

    def save_layout(self, key: str | None = None) -> None:
        """Remember the window's size and where each dock and tool bar is, for this project and role."""
        self.tabs.show_canvas()  # the docks back from beside a big view's tab first
        layouts.store_layout(
            self.context.settings,
            key if key is not None else self._current_layout_key(),
            {
                "geometry": layouts.encode(self.saveGeometry()),
                "state": layouts.encode(self.saveState(LAYOUT_VERSION)),
            },
        )

    def restore_layout(self, key: str | None = None) -> bool:
        """Put the docks back as the person left them here; False when nothing (usable) was saved."""
        saved = layouts.saved_layout(self.context.settings, key if key is not None else self._current_layout_key())
        if saved is None:
            return False
        self.tabs.show_canvas()
        try:
            geometry = layouts.decode(saved["geometry"])
            state = layouts.decode(saved["state"])
        except (KeyError, UnicodeEncodeError):
            return False
        done = bool(self.restoreGeometry(geometry)) and bool(self.restoreState(state, LAYOUT_VERSION))
        layouts.clamp_to_screen(self)
        return done

    def reset_layout(self) -> None:
        """View ▸ Reset layout: the docks as a new window has them, sized to the screen; forgets
        the layout saved for this project and role."""
        self.tabs.show_canvas()
        self.restoreState(self._default_state, LAYOUT_VERSION)
        self.showNormal()
        self.fit_to_screen()
        layouts.store_layout(self.context.settings, self._current_layout_key(), None)
        self.context.message("Layout reset")

    def closeEvent(self, event: QCloseEvent) -> None:
        close_floating_views(self)  # a view in a window of its own closes with the main window
        self.change_watcher.timer.stop()
        for runner in self.runners:
            runner.shutdown()
        self.closing.emit()
        self.save_layout()
        super().closeEvent(event)
