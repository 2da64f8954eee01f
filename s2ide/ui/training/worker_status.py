"""One line in the Training dock about the project's job queue: which worker trains what for whom,
how far it is, and whether any worker is running at all. Everyone on a team project sees the same
line, not only the person who pressed Train; it reads two small tables once a second, and only
while the Training dock is on screen."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QLabel, QWidget

from s2ide.core.errors import S2Error
from s2ide.ui.shell.context import AppContext

REFRESH_MS = 1000


class QtWorkerStatus(QLabel):
    """Also relays the epochs of the training job a worker is running, so every open Training dock
    draws its curves, not only the dock of the person who asked for it."""

    jobStarted = Signal(int)  # a worker started (or restarted) training job N
    epochSeen = Signal(object)  # EpochStats of that job, each once

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self._followed: tuple[int, int] | None = None  # (job id, attempt) whose epochs are relayed
        self._seen = 0
        self.setObjectName("worker_status")
        self.setWordWrap(True)
        self.hide()
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        context.projectChanged.connect(self._on_project)
        self._on_project()

    def _on_project(self) -> None:
        self.timer.stop()
        self.hide()
        if self.context.project is not None:
            self.refresh()
            self.timer.start()

    def refresh(self) -> None:
        ctx = self.context
        if ctx.project is None:
            return
        holder = self.parentWidget()
        if holder is not None and not holder.isVisible():  # the Training dock is not on screen: no queries
            return
        try:
            text = self.describe()
        except S2Error:  # a dropped connection: the status bar says so; this line just waits
            return
        self.setText(text)
        self.setVisible(bool(text))

    def describe(self) -> str:
        store = self.context.store
        jobs = store.jobs.recent(states=("queued", "running"), limit=20)
        workers = store.jobs.live_workers()
        if not jobs and not (self.context.project and self.context.project.is_team):
            return ""
        self._relay_epochs(jobs)
        lines = []
        for job in sorted(jobs, key=lambda j: j.id):
            if job.state == "queued":
                lines.append(f"Job {job.id} ({job.kind}, for {job.requested_by}) waits for a worker")
                continue
            epochs = job.progress.get("epochs") or []
            where = f"epoch {epochs[-1]['epoch']}/{epochs[-1]['epochs']}" if epochs else job.progress.get("message", "")
            lines.append(f"{job.worker} runs job {job.id} ({job.kind}, for {job.requested_by}): {where}".rstrip(": "))
        if workers:
            names = ", ".join(f"{w.name} ({w.device})" for w in workers)
            lines.append(f"Workers: {names}")
        else:
            lines.append("No worker is running: Train asks whether to train on this machine")
        return "\n".join(lines)

    def _relay_epochs(self, jobs: list[Any]) -> None:
        running = [j for j in jobs if j.state == "running" and j.kind == "train"]
        if not running:
            return
        job = min(running, key=lambda j: j.id)
        if self._followed != (job.id, job.attempts):
            self._followed, self._seen = (job.id, job.attempts), 0
            self.jobStarted.emit(job.id)
        epochs = job.progress.get("epochs") or []
        if len(epochs) > self._seen:
            from s2ide.ml.remote_jobs import epoch_stats  # no torch: the stats' plain dataclass

            for entry in epochs[self._seen :]:
                self.epochSeen.emit(epoch_stats(entry))
            self._seen = len(epochs)
