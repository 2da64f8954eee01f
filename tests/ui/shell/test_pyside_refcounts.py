"""Guard against the PySide6 6.12.0 refcount bug that aborts Python after a few thousand calls.

6.12.0 returned borrowed references to None and True from signal emits, void methods and
QTimer.singleShot; on Python 3.11 the counts fall to zero and CPython dies with
"none_dealloc"/"bool_dealloc" in the middle of a labeler's session. pyproject.toml excludes it;
this test fails if an installed PySide6 brings the bug back.
"""

from __future__ import annotations

import gc
import sys

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel

CALLS = 2000


class _Source(QObject):
    ping = Signal(int)


def test_signals_and_void_calls_keep_none_and_true_alive(qtbot) -> None:
    source = _Source()
    source.ping.connect(lambda value: None)
    label = QLabel()
    qtbot.addWidget(label)
    # Let what earlier tests left behind go first (objects awaiting deleteLater, garbage cycles):
    # freeing it drops thousands of references to None during the loop and reads like the bug.
    for _ in range(3):
        gc.collect()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        qtbot.wait(10)
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    gc.disable()  # no collection of unrelated garbage in the middle of the count
    try:
        for index in range(CALLS):
            source.ping.emit(index)
            label.setText(str(index))
            label.resize(10 + index % 3, 10)
            QTimer.singleShot(0, lambda: None)
        qtbot.wait(10)
    finally:
        gc.enable()
    # Threads of earlier tests may let go of a few hundred references meanwhile; the bug drops
    # several per loop (thousands here), or aborts outright.
    assert sys.getrefcount(None) > none_before - CALLS // 2
    assert sys.getrefcount(True) > true_before - CALLS // 2
