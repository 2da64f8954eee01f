"""Run a model job in a child process, reporting through the caller's TaskState.

Why a process and not only a thread: importing torch (loading libtorch) and parts of its
start-up hold the GIL for hundreds of milliseconds, which froze the GUI for up to a second
on the first training. A child process shares no GIL with the GUI, and when it is killed
(out of memory) the app survives and says so. The calling thread (a TaskRunner worker)
just waits on a queue; progress, per-epoch stats and the result come back as small
pickles, and cancelling sets an event the child checks every batch.

A job is named "module:function"; it is called as function(state=..., emit=..., **kwargs)
where `emit(kind, payload)` forwards extra events (epochs) to the parent.
"""

from __future__ import annotations

import importlib
import multiprocessing as mp
import queue as queue_module
import sys
import time
import types
from collections.abc import Callable
from typing import Any

from s2ide.core.errors import Cancelled, S2Error
from s2ide.core.tasks import TaskState

EventHandler = Callable[[str, Any], None]


class ChildJobError(S2Error):
    """A job in the child process failed; the message is the child's one-line reason."""


class _ChildState(TaskState):
    """The child's TaskState: progress goes to the queue, cancellation comes from the parent."""

    def __init__(self, events: Any, cancel: Any) -> None:
        super().__init__(lambda p: events.put(("progress", (p.done, p.total, p.message))), min_interval=0.1)
        self._parent_cancel = cancel

    def cancel(self) -> None:
        self._parent_cancel.set()

    @property
    def cancelled(self) -> bool:
        return bool(self._parent_cancel.is_set())

    def check(self) -> None:
        if self._parent_cancel.is_set():
            raise Cancelled()


def _child_main(target: str, kwargs: dict[str, Any], events: Any, cancel: Any) -> None:
    try:
        module_name, name = target.split(":")
        fn = getattr(importlib.import_module(module_name), name)
        state = _ChildState(events, cancel)
        result = fn(state=state, emit=lambda kind, payload: events.put((kind, payload)), **kwargs)
        events.put(("result", result))
    except Cancelled:
        events.put(("cancelled", None))
    except S2Error as exc:
        events.put(("error", str(exc)))
    except MemoryError:
        events.put(("error", "out of memory; the active model is unchanged"))
    except BaseException as exc:  # the parent must always hear why
        events.put(("error", f"{type(exc).__name__}: {exc}"))


def run_in_child(
    target: str,
    kwargs: dict[str, Any],
    state: TaskState,
    on_event: EventHandler | None = None,
    poll_seconds: float = 0.05,
    cancel_grace_seconds: float = 0.8,
) -> Any:
    """Run `target` in a fresh (spawned) process and return its result; raises Cancelled or
    ChildJobError. Blocks the calling thread (never call it on the GUI thread).

    A cancelled child gets `cancel_grace_seconds` to stop by itself (it checks every batch);
    one that does not (it may still be importing torch) is terminated, so cancelling always
    takes effect within a second.
    """
    ctx = mp.get_context("spawn")
    events = ctx.Queue()
    cancel = ctx.Event()
    process = ctx.Process(target=_child_main, args=(target, kwargs, events, cancel), daemon=True)
    _start_without_main(process)
    cancel_deadline: float | None = None
    try:
        while True:
            if state.cancelled and cancel_deadline is None:
                cancel.set()
                cancel_deadline = time.monotonic() + cancel_grace_seconds
            try:
                kind, payload = events.get(timeout=poll_seconds)
            except queue_module.Empty:
                if cancel_deadline is not None and time.monotonic() > cancel_deadline:
                    # still starting up (importing torch) or stuck: stop it, SQLite rolls back
                    process.terminate()
                    raise Cancelled() from None
                if not process.is_alive():
                    try:  # it may have finished between the two checks
                        kind, payload = events.get(timeout=0.5)
                    except queue_module.Empty:
                        raise ChildJobError(_died(process.exitcode)) from None
                else:
                    continue
            if kind == "progress":
                done, total, message = payload
                state.report(done, total, message)
            elif kind == "result":
                return payload
            elif kind == "cancelled":
                raise Cancelled()
            elif kind == "error":
                raise ChildJobError(str(payload))
            elif on_event is not None:
                on_event(kind, payload)
    finally:
        cancel.set()
        process.join(timeout=5)
        if process.is_alive():
            process.terminate()
            process.join(timeout=5)
        events.close()
        events.join_thread()


def _start_without_main(process: mp.process.BaseProcess) -> None:
    """Start the child without re-running the parent's main script in it.

    A spawned child normally re-imports the parent's `__main__` (by path for a script), which
    would start a second GUI when the app was launched from a script. The job needs nothing
    from `__main__`, so the child is shown an empty one while it is being prepared.
    """
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        process.start()
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def _died(exitcode: int | None) -> str:
    if exitcode is not None and exitcode in (-9, 137):
        return "the model process was killed (out of memory?); the active model is unchanged"
    return f"the model process stopped unexpectedly (exit code {exitcode}); the active model is unchanged"
