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


def test_the_app_side_of_a_training_never_imports_torch(digits) -> None:
    """Results and epoch stats come back without torch entering the parent (GUI) process."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys, dataclasses\n"
        "from s2ide.core.tasks import TaskState\n"
        "from s2ide.ml.jobs import retrain_in_child\n"
        "from tests.ml.digits import FAST_CONFIG\n"
        "epochs = []\n"
        "config = dataclasses.replace(FAST_CONFIG, epochs=2, input_size=8, width=4)\n"
        f"result = retrain_in_child({str(digits.path)!r}, config, 'eng', TaskState(), epochs.append)\n"
        "assert [e.member for e in epochs] == [0, 0, 1, 1], epochs  # the held-out check, then all labels\n"
        "assert result.training.model.version == 'v1', result\n"
        "assert 'torch' not in sys.modules, 'torch was imported into the parent'\n"
        "print('ok')\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"
