"""Model jobs in a child process: results, events, errors, cancellation, and a killed child."""

from __future__ import annotations

import threading
import time

import pytest

from s2ide.core.errors import Cancelled
from s2ide.core.tasks import TaskState
from s2ide.ml.process import ChildJobError, run_in_child


def test_result_progress_and_events_come_back() -> None:
    seen: list = []
    progress: list = []
    state = TaskState(progress.append, min_interval=0)
    assert run_in_child("tests.ml.child_targets:count", {"n": 5}, state, lambda k, p: seen.append((k, p))) == 5
    assert seen == [("tick", i) for i in range(5)]
    assert progress and progress[-1].done == 5


def test_errors_and_a_killed_child_are_one_line() -> None:
    with pytest.raises(ChildJobError, match="no labeled training samples"):
        run_in_child("tests.ml.child_targets:fail", {}, TaskState())
    with pytest.raises(ChildJobError, match="killed"):
        run_in_child("tests.ml.child_targets:die", {}, TaskState())


def test_cancel_reaches_the_child_quickly() -> None:
    state = TaskState(min_interval=0)
    started = threading.Event()
    state._on_progress = lambda p: started.set()
    threading.Thread(target=lambda: (started.wait(30), time.sleep(0.1), state.cancel()), daemon=True).start()
    began = time.monotonic()
    with pytest.raises(Cancelled):
        run_in_child("tests.ml.child_targets:count", {"n": 100000}, state)
    assert time.monotonic() - began < 30


def test_a_child_that_ignores_cancel_is_stopped_within_a_second() -> None:
    state = TaskState(min_interval=0)
    started = threading.Event()
    state._on_progress = lambda p: started.set()
    asked: list[float] = []
    threading.Thread(
        target=lambda: (started.wait(30), asked.append(time.monotonic()), state.cancel()), daemon=True
    ).start()
    with pytest.raises(Cancelled):
        run_in_child("tests.ml.child_targets:deaf", {}, state)
    assert time.monotonic() - asked[0] < 1.0
