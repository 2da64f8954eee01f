"""ModelJobs: train -> predict (and activate -> predict) in one TaskRunner, so one model job runs
at a time and the GUI thread only receives queued signals. The TaskRunner's thread hands the work
to a child process (s2ide.ml.process): the GUI process never imports torch, whose loading held the
GIL long enough to freeze the window for up to a second. The Training panel and the feature both
use it, so it lives apart from either.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from s2ide.core.engine.headline import metric_headline
from s2ide.core.engine.ml_settings import load_loop_settings, load_train_config
from s2ide.core.errors import S2Error
from s2ide.core.tasks import TaskState
from s2ide.ui.shell.context import AppContext
from s2ide.ui.shell.workers import TaskRunner


class ModelJobs(QObject):
    """Starts, cancels and reports model jobs; tells the context when models or predictions change."""

    epochDone = Signal(object)  # s2ide.ml.train.EpochStats, emitted from the worker, delivered queued
    trainingStarted = Signal()
    jobFinished = Signal(str)  # a one-line summary
    jobFailed = Signal(str)
    strategyChanged = Signal()
    workerNotice = Signal(str)  # from the follower thread: queued with no worker, restarted elsewhere

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
        # a team project with no live worker: "queue", "here" (train on this machine) or None (do nothing);
        # the Training feature asks the person, tests and scripts set their answer
        self.ask_without_worker: Callable[[], str | None] = lambda: "queue"
        self._changed_since_training: set[int] = set()
        self._retrain_timer = QTimer(self)
        self._retrain_timer.setSingleShot(True)
        self._retrain_timer.setInterval(500)
        self._retrain_timer.timeout.connect(self._maybe_retrain)
        context.annotationsChanged.connect(self._on_annotation)
        self.workerNotice.connect(self._on_worker_notice)
        context.projectChanged.connect(self._changed_since_training.clear)

    @property
    def running(self) -> bool:
        return self.runner.running

    # -- jobs ------------------------------------------------------------------------------
    def start_training(self, interactive: bool = True) -> bool:
        """Train: on a team project through `s2ide worker` (asking what to do when none runs, or
        just queueing when not `interactive`, as the auto-retrain does), else in a child process."""
        ctx = self.context
        if ctx.project is None:
            ctx.message("Open a project first.")
            return False
        if self.running:
            ctx.message("A model job is running already; cancel it first.")
            return False
        project = ctx.project
        if project.is_team:
            from s2ide.ml.remote_jobs import live_worker_count

            where: str | None = "queue"
            if not live_worker_count(project):
                where = self.ask_without_worker() if interactive else "queue"
            if where is None:
                return False
            if where == "queue":
                return self._train_on_worker(project)
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

                result = retrain_in_child(project.location, config, user, state, emit_epoch)
            else:
                from s2ide.ml.loop import retrain  # torch loads here, in the worker

                result = retrain(project, config, state, on_epoch=emit_epoch, user=user)
            model = result.training.model
            text = f"{model.version}: {metric_headline(model.metrics)} on {model.trained_on} labels"
            text += f"; {result.training.reason}"
            for note in model.metrics.get("notes") or []:  # detectors/segmenters: downscaling, tiny boxes
                text += f"; {note}"
            if result.prediction is not None and result.prediction.skipped:
                text += f" ({len(result.prediction.skipped)} unreadable images skipped)"
            return text

        self._changed_since_training.clear()
        self.trainingStarted.emit()
        self.runner.start(job, "Training")
        return True

    def _train_on_worker(self, project: Any) -> bool:
        user = self.context.user_name
        emit_epoch = self.epochDone.emit
        say = self.workerNotice.emit

        def job(state: TaskState) -> str:
            from s2ide.ml.remote_jobs import follow_job, live_worker_count, request_training

            job_id = request_training(project, user)
            if not live_worker_count(project):
                say(f"Training job {job_id} is queued; it starts when `s2ide worker` runs on a machine of the team.")
            done = follow_job(
                project, job_id, state, emit_epoch, lambda j: say(f"Job {j.id}: its worker stopped; {j.worker} took it")
            )
            return f"{done.summary} (trained by worker {done.worker})"

        self._changed_since_training.clear()
        self.trainingStarted.emit()
        self.runner.start(job, "Training on a worker")
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

                result = predict_in_child(project.location, version, threads, state)
            else:
                from s2ide.ml.predict import predict

                result = predict(project, version, state, threads=threads)
            return f"{result.version} predicted {result.count} samples"

        self.runner.start(job, "Predicting")
        return True

    def activate(self, version: str, reason: str | None = None) -> bool:
        """Validate and activate a version (engineers), then let it predict if it never did. A
        version that failed its model tests needs a reason (kept in the audit)."""
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

                activate_in_child(project.location, version, user, threads, state, reason)
            else:
                from s2ide.ml.jobs import activate_entry

                activate_entry(
                    state=state, emit=lambda *_: None, project_path=project.location, version=version,
                    user=user, threads=threads, reason=reason,
                )  # fmt: skip
            return f"{version} is now the active model"

        self.runner.start(job, f"Activating {version}")
        return True

    def export_model(self, dest: Any, fmt: str, version: str | None = None) -> bool:
        """Write a version as an ONNX or TorchScript file with its model card (in the child)."""
        ctx = self.context
        if ctx.project is None or self.running:
            ctx.message("A model job is running already." if self.running else "Open a project first.")
            return False
        project = ctx.project
        in_child = self.in_child_process

        def job(state: TaskState) -> str:
            if in_child:
                from s2ide.ml.jobs import export_in_child

                result = export_in_child(project.path, dest, version, fmt, state)
            else:
                from s2ide.ml.jobs import export_entry

                result = export_entry(
                    state=state, emit=lambda *_: None, project_path=str(project.path), dest=str(dest),
                    version=version, fmt=fmt,
                )  # fmt: skip
            return f"{result.version} exported to {result.model_file} with its model card"

        self.runner.start(job, "Exporting")
        return True

    def cancel(self) -> None:
        self.runner.cancel()

    def _on_finished(self, summary: object) -> None:
        self.context.modelsChanged.emit()
        self.context.predictionsChanged.emit()
        text = str(summary)
        self.context.message(text, 10000)
        self.jobFinished.emit(text)

    def _on_worker_notice(self, text: str) -> None:
        self.context.message(text, 15000)

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
            self.start_training(interactive=False)
