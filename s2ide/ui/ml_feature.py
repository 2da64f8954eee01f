"""The model-in-the-loop feature: background retraining, pre-labels, and Next by strategy.

`ModelJobs` runs train -> predict (and activate -> predict) in one TaskRunner, so one model
job runs at a time and the GUI thread only receives queued signals. The TaskRunner's thread
hands the work to a child process (s2ide.ml.process): the GUI process never imports torch,
whose loading held the GIL long enough to freeze the window for up to a second. `StrategyNext` is the
labeler's Next: the project's strategy over the active model's predictions, falling back to
the previous provider (the gallery's order) when there are none. torch and pyqtgraph are
imported only when a job or the plot first needs them, never at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QDockWidget, QToolBar

from s2ide.core.engine.ml_settings import load_loop_settings, load_train_config
from s2ide.core.engine.sampling import Strategy, build_queue, get_strategy
from s2ide.core.errors import S2Error
from s2ide.core.tasks import TaskState
from s2ide.ui.context import AppContext, NextProvider
from s2ide.ui.widgets.prelabel import QtPrelabelBanner
from s2ide.ui.widgets.training_panel import QtTrainingPanel
from s2ide.ui.workers import TaskRunner

if TYPE_CHECKING:
    from s2ide.ui.main_window import MainWindow


class ModelJobs(QObject):
    """Starts, cancels and reports model jobs; tells the context when models or predictions change."""

    epochDone = Signal(object)  # s2ide.ml.train.EpochStats, emitted from the worker, delivered queued
    trainingStarted = Signal()
    jobFinished = Signal(str)  # a one-line summary
    jobFailed = Signal(str)
    strategyChanged = Signal()

    def __init__(self, context: AppContext, runner: TaskRunner | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.runner = runner or TaskRunner(self)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(lambda: self.jobFailed.emit("cancelled: the active model is unchanged"))
        self.config_override: Any = None  # a TrainConfig for tests and benchmarks; None: the project's
        # jobs run in a child process (no GIL shared with the GUI, survives an OOM kill); tests
        # may run them in the worker thread itself to save the process start
        self.in_child_process = True
        self._changed_since_training: set[int] = set()
        self._retrain_timer = QTimer(self)
        self._retrain_timer.setSingleShot(True)
        self._retrain_timer.setInterval(500)
        self._retrain_timer.timeout.connect(self._maybe_retrain)
        context.annotationsChanged.connect(self._on_annotation)
        context.projectChanged.connect(self._changed_since_training.clear)

    @property
    def running(self) -> bool:
        return self.runner.running

    # -- jobs ------------------------------------------------------------------------------
    def start_training(self) -> bool:
        ctx = self.context
        if ctx.project is None:
            ctx.message("Open a project first.")
            return False
        if self.running:
            ctx.message("A model job is running already; cancel it first.")
            return False
        project = ctx.project
        try:
            config = self.config_override or load_train_config(ctx.store)
        except S2Error as exc:
            self.jobFailed.emit(str(exc))
            return False
        user = ctx.user_name
        emit_epoch = self.epochDone.emit
        in_child = self.in_child_process

        def job(state: TaskState) -> str:
            if in_child:
                from s2ide.ml.jobs import retrain_in_child

                result = retrain_in_child(project.path, config, user, state, emit_epoch)
            else:
                from s2ide.ml.loop import retrain  # torch loads here, in the worker

                result = retrain(project, config, state, on_epoch=emit_epoch, user=user)
            model = result.training.model
            accuracy = model.metrics.get("accuracy")
            where = model.metrics.get("evaluated_on", "")
            text = f"{model.version}: {where} accuracy {accuracy:.3f} on {model.trained_on} labels"
            text += f"; {result.training.reason}"
            if result.prediction is not None and result.prediction.skipped:
                text += f" ({len(result.prediction.skipped)} unreadable images skipped)"
            return text

        self._changed_since_training.clear()
        self.trainingStarted.emit()
        self.runner.start(job, "Training")
        return True

    def start_prediction(self, version: str | None = None) -> bool:
        ctx = self.context
        if ctx.project is None or self.running:
            ctx.message("A model job is running already." if self.running else "Open a project first.")
            return False
        project = ctx.project
        threads = load_train_config(ctx.store).threads
        in_child = self.in_child_process

        def job(state: TaskState) -> str:
            if in_child:
                from s2ide.ml.jobs import predict_in_child

                result = predict_in_child(project.path, version, threads, state)
            else:
                from s2ide.ml.predict import predict

                result = predict(project, version, state, threads=threads)
            return f"{result.version} predicted {result.count} samples"

        self.runner.start(job, "Predicting")
        return True

    def activate(self, version: str) -> bool:
        """Validate and activate a version (engineers), then let it predict if it never did."""
        ctx = self.context
        if ctx.project is None or self.running:
            ctx.message("A model job is running already." if self.running else "Open a project first.")
            return False
        project = ctx.project
        user = ctx.user_name
        threads = load_train_config(ctx.store).threads

        in_child = self.in_child_process

        def job(state: TaskState) -> str:
            if in_child:
                from s2ide.ml.jobs import activate_in_child

                activate_in_child(project.path, version, user, threads, state)
            else:
                from s2ide.ml.jobs import activate_entry

                activate_entry(
                    state=state, emit=lambda *_: None, project_path=str(project.path), version=version,
                    user=user, threads=threads,
                )  # fmt: skip
            return f"{version} is now the active model"

        self.runner.start(job, f"Activating {version}")
        return True

    def cancel(self) -> None:
        self.runner.cancel()

    def _on_finished(self, summary: object) -> None:
        self.context.modelsChanged.emit()
        self.context.predictionsChanged.emit()
        text = str(summary)
        self.context.message(text, 10000)
        self.jobFinished.emit(text)

    def _on_failed(self, message: str) -> None:
        self.context.modelsChanged.emit()  # a failed run is listed as failed
        self.jobFailed.emit(message)

    # -- automatic retraining --------------------------------------------------------------
    def _on_annotation(self, sample_id: int) -> None:
        self._changed_since_training.add(sample_id)
        self._retrain_timer.start()

    def _maybe_retrain(self) -> None:
        ctx = self.context
        if ctx.project is None or self.running:
            return
        every = load_loop_settings(ctx.store).retrain_after
        if every > 0 and len(self._changed_since_training) >= every:
            ctx.message(f"{len(self._changed_since_training)} new labels: retraining in the background")
            self.start_training()


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
        menu.addSeparator()
        menu.addAction("Accept the &suggestion", self.banner.accept)


def attach(window: MainWindow) -> None:
    window.ml = MLFeature(window)  # type: ignore[attr-defined]
