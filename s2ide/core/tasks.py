"""TaskState: how a long job reports progress and learns it was cancelled.

A long job is a plain function ``run(inputs, state) -> result``. Tests call it synchronously;
the UI runs it in a worker thread and forwards ``state`` callbacks as queued signals; the CLI
draws a progress bar from the same callbacks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from s2ide.core.errors import Cancelled


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    message: str = ""

    @property
    def fraction(self) -> float:
        return 0.0 if self.total <= 0 else min(1.0, self.done / self.total)


ProgressCallback = Callable[[Progress], None]


class TaskState:
    """Progress callback plus a thread-safe cancel flag.

    ``min_interval`` throttles progress reports so a tight loop does not flood the GUI.
    """

    def __init__(self, on_progress: ProgressCallback | None = None, min_interval: float = 0.05) -> None:
        self._cancel = threading.Event()
        self._on_progress = on_progress
        self._min_interval = min_interval
        self._last_report = 0.0
        self.last: Progress | None = None

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        """Raise Cancelled if the user asked to stop; call it between units of work."""
        if self._cancel.is_set():
            raise Cancelled()

    def report(self, done: int, total: int, message: str = "", *, force: bool = False) -> None:
        progress = Progress(done, total, message)
        self.last = progress
        now = time.monotonic()
        final = total > 0 and done >= total
        if self._on_progress is None:
            return
        if force or final or now - self._last_report >= self._min_interval:
            self._last_report = now
            self._on_progress(progress)
