"""A 'training' row is abandoned only when its run can no longer finish it."""

from __future__ import annotations

import os
import subprocess
import sys

from s2ide.core.engine.run_owner import STALE_SECONDS, is_abandoned, owner_stamp


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_live_process_on_this_host_owns_its_row() -> None:
    assert not is_abandoned({"owner": owner_stamp()})


def test_a_dead_process_on_this_host_abandoned_its_row() -> None:
    stamp = owner_stamp()
    stamp["pid"] = _dead_pid()
    assert is_abandoned({"owner": stamp})


def test_rows_without_an_owner_or_with_a_damaged_one_are_abandoned() -> None:
    assert is_abandoned({})
    assert is_abandoned({"owner": "me"})
    assert is_abandoned({"owner": {"host": "x", "pid": "not a number", "heartbeat": 0}})


def test_another_host_is_trusted_until_its_heartbeat_is_old() -> None:
    stamp = {"host": "gpu-box-that-is-not-this-one", "pid": 1, "heartbeat": 1000.0}
    assert not is_abandoned({"owner": stamp}, now=1000.0 + STALE_SECONDS - 1)
    assert is_abandoned({"owner": stamp}, now=1000.0 + STALE_SECONDS + 1)


def test_an_old_heartbeat_is_abandoned_even_when_the_pid_lives() -> None:
    stamp = owner_stamp(now=0.0)
    assert stamp["pid"] == os.getpid()
    assert is_abandoned({"owner": stamp}, now=STALE_SECONDS + 1)
