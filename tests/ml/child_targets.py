"""Jobs for tests of s2ide.ml.process (imported by the spawned child)."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

from s2ide.core.errors import S2Error


def count(*, state: Any, emit: Any, n: int) -> int:
    for i in range(n):
        state.check()
        emit("tick", i)
        state.report(i + 1, n, "counting")
        time.sleep(0.01)
    return n


def fail(*, state: Any, emit: Any) -> None:
    raise S2Error("no labeled training samples yet")


def die(*, state: Any, emit: Any) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def deaf(*, state: Any, emit: Any) -> None:
    """Never checks for cancellation (like a child still importing torch)."""
    state.report(0, 1, "started")
    time.sleep(60)
