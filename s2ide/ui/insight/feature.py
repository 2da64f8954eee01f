"""The engineers' views as docks: Dataset, Evaluation, Mispredictions, Label errors, Embeddings,
Model tests, Checks.

pyqtgraph and the plot modules are imported only when a dock is first shown (each dock holds
a light placeholder until then), so they cost nothing at start-up. The docks start hidden,
tabbed together on the right (with any dock already there); the Model and View menus open them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QShowEvent
from PySide6.QtWidgets import QDockWidget, QVBoxLayout, QWidget

from s2ide.ui.shell.context import AppContext

if TYPE_CHECKING:
    from s2ide.ui.shell.main_window import MainWindow

VIEWS: tuple[tuple[str, str, str, str], ...] = (
    # dock title, module under s2ide.ui.insight, class, shortcut
    ("Dataset", "dataset_view", "DatasetView", "Ctrl+Shift+1"),
    ("Evaluation", "evaluation_view", "EvaluationView", "Ctrl+Shift+2"),
    ("Mispredictions", "mispredictions_view", "MispredictionsView", "Ctrl+Shift+3"),
    ("Label errors", "label_errors_view", "LabelErrorsView", "Ctrl+Shift+4"),
    ("Embeddings", "embeddings_view", "EmbeddingsView", "Ctrl+Shift+5"),
    ("Model tests", "model_tests_view", "ModelTestsView", "Ctrl+Shift+6"),
    ("Checks", "checks_view", "ChecksView", "Ctrl+Shift+7"),
)


class LazyView(QWidget):
    """Builds the real view (and imports pyqtgraph) the first time it is shown."""

    def __init__(self, window: MainWindow, module: str, cls: str) -> None:
        super().__init__()
        self.window_ = window
        self.module = module
        self.cls = cls
        self.view: Any = None
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(0, 0, 0, 0)

    @property
    def context(self) -> AppContext:
        return self.window_.context

    def build(self) -> Any:
        if self.view is None:
            module = importlib.import_module(f"s2ide.ui.insight.{self.module}")
            self.view = getattr(module, self.cls)(self.context)
            self.box.addWidget(self.view)
            names = ("runner", "refresher", "detection_refresher")
            for runner in (getattr(self.view, name, None) for name in names):
                if runner is None:
                    continue
                if hasattr(runner, "runner"):  # a Refresher: stop it with the window, no status bar entry
                    self.window_.runners.append(runner.runner)
                else:  # a long job: progress and Cancel in the status bar
                    self.window_.add_task(runner)
        return self.view

    def showEvent(self, event: QShowEvent) -> None:
        self.build()
        super().showEvent(event)


def attach(window: MainWindow) -> None:
    docks: list[QDockWidget] = []
    right = Qt.DockWidgetArea.RightDockWidgetArea
    # share the right-hand tab stack with docks already there (training), so each view gets its full height
    neighbours = [d for d in window.findChildren(QDockWidget) if window.dockWidgetArea(d) == right]
    menu = window.menu("&Model")
    menu.addSeparator()
    for title, module, cls, shortcut in VIEWS:
        lazy = LazyView(window, module, cls)
        dock = window.add_dock(
            lazy,
            title,
            Qt.DockWidgetArea.RightDockWidgetArea,
            tabify_with=docks[0] if docks else (neighbours[-1] if neighbours else None),
            visible=False,
        )
        docks.append(dock)
        action = QAction(f"{title} view", window)
        action.setShortcut(shortcut)
        action.triggered.connect(lambda _=False, d=dock: (d.show(), d.raise_()))
        menu.addAction(action)
