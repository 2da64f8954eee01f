"""The model-in-the-loop feature: background retraining, pre-labels, and Next by strategy.

Model jobs run through `ModelJobs` (model_jobs.py), off the GUI thread and out of the GUI
process. `StrategyNext` is the
labeler's Next: the project's strategy over the active model's predictions, falling back to
the previous provider (the gallery's order) when there are none. torch and pyqtgraph are
imported only when a job or the plot first needs them, never at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QMessageBox, QToolBar

from s2ide.core.engine.sampling import Strategy, build_queue, get_strategy
from s2ide.core.errors import S2Error
from s2ide.ui.shell.context import AppContext, NextProvider
from s2ide.ui.shell.workers import TaskRunner
from s2ide.ui.training.model_jobs import ModelJobs
from s2ide.ui.training.prelabel import QtPrelabelBanner
from s2ide.ui.training.quality_dialogs import export_model, pin_open_sample, save_gallery_slice
from s2ide.ui.training.training_panel import QtTrainingPanel

if TYPE_CHECKING:
    from s2ide.ui.shell.main_window import MainWindow


class StrategyNext:
    """Next follows the project's strategy over the active model's predictions.

    The ranking is computed once per (model, strategy) and reused; each call skips samples
    labeled or escalated since. Without predictions it defers to the previous provider.
    """

    def __init__(self, context: AppContext, fallback: NextProvider | None) -> None:
        self.context = context
        self.fallback = fallback
        self._key: tuple[str, str] | None = None
        self._order: list[int] = []
        context.predictionsChanged.connect(self.invalidate)
        context.modelsChanged.connect(self.invalidate)
        context.projectChanged.connect(self.invalidate)

    def invalidate(self) -> None:
        self._key = None
        self._order = []

    def __call__(self, context: AppContext, current: int | None) -> int | None:
        if context.project is None:
            return None
        store = context.store
        model = store.models.active()
        strategy = get_strategy(store)
        if model is None and strategy is not Strategy.RANDOM:
            return self.fallback(context, current) if self.fallback else None
        key = (model.version if model else "", strategy.value)
        if key != self._key:
            self._order = [entry.sample_id for entry in build_queue(store, strategy)]
            self._key = key
        wanted = "labeled" if strategy is Strategy.DISAGREEMENT else "unlabeled"
        for sample_id in self._order:
            if sample_id == current:
                continue
            try:
                sample = store.samples.get(sample_id)
            except S2Error:
                continue
            if sample.status == wanted:
                return sample_id
        return self.fallback(context, current) if self.fallback else None


class MLFeature:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        context = window.context
        self.runner = window.add_task(TaskRunner(window))
        self.jobs = ModelJobs(context, self.runner, window)
        self.jobs.ask_without_worker = self.ask_without_worker
        self.panel = QtTrainingPanel(context, self.jobs)
        # beside the canvas feature's Layers dock when there is one (tabs), else on its own
        layers = window.findChild(QDockWidget, "dock_layers")
        self.dock = window.add_dock(self.panel, "Training", Qt.DockWidgetArea.RightDockWidgetArea, tabify_with=layers)
        self.banner = QtPrelabelBanner(context)
        toolbar = QToolBar("Suggestion", window)
        toolbar.setObjectName("toolbar_suggestion")
        toolbar.setMovable(False)
        toolbar.addWidget(self.banner)
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
        self.toolbar = toolbar
        self.next = StrategyNext(context, context.next_provider)
        context.set_next_provider(self.next)
        self.jobs.strategyChanged.connect(self.next.invalidate)
        menu = window.menu("&Model")
        menu.addAction("&Train now", self.jobs.start_training)
        menu.addAction("&Predict with the active model", self.jobs.start_prediction)
        menu.addAction("&Cancel model job", self.jobs.cancel)
        menu.addAction("&Models… (bring your own ONNX)", self.show_external_models)
        menu.addSeparator()
        menu.addAction("Accept the &suggestion", self.banner.accept)
        menu.addSeparator()  # tests and releases (issue 22)
        menu.addAction("Pin the open sample as a model &test…", lambda: pin_open_sample(window, context))
        menu.addAction("Save the gallery's samples as a s&lice…", lambda: save_gallery_slice(window, context))
        menu.addAction("&Export model…", lambda: export_model(window, context, self.jobs))

    def ask_without_worker(self) -> str | None:
        """No `s2ide worker` serves this team project: train here, queue for a later worker, or neither."""
        box = QMessageBox(self.window)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("No worker is running")
        box.setText("No training worker is running for this team project.")
        box.setInformativeText(
            "Training normally runs on the team's GPU machine (`s2ide worker URL` there). Train on this machine "
            "instead, or queue the job for when a worker starts?"
        )
        here = box.addButton("Train on this machine", QMessageBox.ButtonRole.AcceptRole)
        queue = box.addButton("Queue for a worker", QMessageBox.ButtonRole.ActionRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        clicked = box.clickedButton()
        return "here" if clicked is here else "queue" if clicked is queue else None

    def show_external_models(self) -> None:
        from s2ide.ui.training.external_models import QtExternalModelsDialog

        context = self.window.context
        if context.project is None:
            context.message("Open a project first")
            return
        QtExternalModelsDialog(context, self.window, self.window).exec()


def attach(window: MainWindow) -> None:
    window.ml = MLFeature(window)  # type: ignore[attr-defined]
