"""Who runs a training row, so that another process never calls a live run interrupted.

A model version sits in state 'training' while a run is under way. When a run dies (the
process was killed, the machine lost power) its row stays there, and the next run or the
app's job runner marks it failed. With the app and `s2ide train` working on the same project
at once, "every row in training is stale" is wrong: the row may belong to the other one.
So each run stamps its row with its host, process id and a heartbeat, and a row counts as
abandoned only when its process is gone (same host) or its heartbeat is old (another host,
for a project on a shared drive).
"""

from __future__ import annotations

import os
import socket
import time
from typing import Any

HEARTBEAT_SECONDS = 30.0  # a run refreshes its stamp at most this often
STALE_SECONDS = 30 * 60.0  # a stamp this old is abandoned even if a process with its pid lives


def owner_stamp(now: float | None = None) -> dict[str, Any]:
    return {"host": socket.gethostname(), "pid": os.getpid(), "heartbeat": time.time() if now is None else now}


def is_abandoned(metrics: dict[str, Any], now: float | None = None) -> bool:
    """True when the run behind a 'training' row can no longer finish it."""
    owner = metrics.get("owner")
    if not isinstance(owner, dict):
        return True  # a row from before runs were stamped, or a damaged one
    now = time.time() if now is None else now
    try:
        heartbeat, pid = float(owner.get("heartbeat", 0.0)), int(owner.get("pid", -1))
    except (TypeError, ValueError):
        return True
    if now - heartbeat > STALE_SECONDS:
        return True  # also covers a pid the system has since given to another process
    if owner.get("host") == socket.gethostname():
        return not _alive(pid)
    return False


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, it is someone else's
    except OSError:
        return False
    return True
