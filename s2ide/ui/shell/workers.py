"""Run a core or ml job off the GUI thread; progress and results come back as queued signals.

A job is a plain `fn(state: TaskState) -> result` (DESIGN.md §6.6). One `TaskRunner` runs one
job of its kind at a time: starting another cancels the one in flight first (§6.7).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from s2ide.core.errors import Cancelled, S2Error
from s2ide.core.tasks import Progress, TaskState


class _JobThread(QThread):
    progressed = Signal(object)
    succeeded = Signal(object)
    errored = Signal(str)
    stopped = Signal()

    def __init__(self, fn: Callable[[TaskState], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.fn = fn
        self.state = TaskState(self.progressed.emit)

    def run(self) -> None:
        try:
            result = self.fn(self.state)
        except Cancelled:
            self.stopped.emit()
        except S2Error as exc:
            self.errored.emit(str(exc))
        except MemoryError:
            self.errored.emit("out of memory")
        except Exception as exc:  # the app must survive any job failure and say what it was
            self.errored.emit(f"{type(exc).__name__}: {exc}")
        else:
            if self.state.cancelled:
                self.stopped.emit()
            else:
                self.succeeded.emit(result)


class TaskRunner(QObject):
    started = Signal(str)  # title
    progress = Signal(object)  # Progress
    finished = Signal(object)  # the job's result
    failed = Signal(str)
    cancelled = Signal()
    idle = Signal()  # after finished, failed or cancelled

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: _JobThread | None = None
        self.title = ""

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.isRunning()

    def start(self, fn: Callable[[TaskState], Any], title: str = "") -> None:
        self.cancel(wait=True)
        self.title = title
        thread = _JobThread(fn, self)
        thread.progressed.connect(self._on_progress)
        thread.succeeded.connect(self.finished)
        thread.errored.connect(self.failed)
        thread.stopped.connect(self.cancelled)
        thread.finished.connect(lambda t=thread: self._on_thread_done(t))
        self._thread = thread
        self.started.emit(title)
        thread.start()

    def _on_progress(self, progress: Progress) -> None:
        self.progress.emit(progress)

    def _on_thread_done(self, thread: _JobThread) -> None:
        if self._thread is thread:
            self._thread = None
        thread.deleteLater()
        self.idle.emit()

    def cancel(self, wait: bool = False) -> None:
        thread = self._thread
        if thread is None:
            return
        thread.state.cancel()
        if wait:
            thread.wait()

    def shutdown(self) -> None:
        """Cancel and wait: call from closeEvent so no thread outlives its window."""
        self.cancel(wait=True)
