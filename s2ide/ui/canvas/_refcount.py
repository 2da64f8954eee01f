"""Work around PySide6 6.12's `SignalInstance.emit()` returning Py_True without a new reference.

Every `signal.emit(...)` from Python then drops one reference to True; after a few thousand
emits (a labeler's morning) True's count reaches zero and CPython aborts with "bool_dealloc:
deallocating True or False". Python 3.12+ makes True and False immortal; on 3.11 we do the
same by hand, and only when the bug is detected, so a fixed PySide leaves this a no-op.
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
    """Make True and False effectively immortal if emit() leaks them; whether it did."""
    if sys.version_info >= (3, 12) or not emit_leaks_true():
        return False
    for value in (True, False):
        ctypes.c_ssize_t.from_address(id(value)).value += _PIN
    return True
