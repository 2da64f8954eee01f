"""Work around PySide6 6.12 dropping references to True and None it does not own.

`SignalInstance.emit()` returns Py_True without a new reference, and `QTimer.singleShot(ms,
callable)` (and emitting from a deleted source) drops one reference to None. After a few
thousand calls (a labeler's morning) the count reaches zero and CPython aborts with
"bool_dealloc" or "none_dealloc". Python 3.12+ makes these singletons immortal; on 3.11 we do
the same by hand, and only when the bug is detected, so a fixed PySide leaves this a no-op.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal

_PIN = 1 << 40


class _Probe(QObject):
    ping = Signal()


def emit_leaks_true() -> bool:
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.ping.emit()
    return sys.getrefcount(True) < before - 4


def pin_booleans() -> bool:
    """Make True, False and None effectively immortal if emit() leaks True; whether it did."""
    if sys.version_info >= (3, 12) or not emit_leaks_true():
        return False
    for value in (True, False, None):
        ctypes.c_ssize_t.from_address(id(value)).value += _PIN
    return True
