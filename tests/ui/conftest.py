"""UI fixtures: a main window on a small project, closed (threads stopped) after each test."""

from __future__ import annotations

import pytest

# Importing the canvas package pins True/False/None against PySide6 6.12's reference leak in
# SignalInstance.emit() (see s2ide/ui/canvas/_refcount.py); without it, a long run of tests that
# emit many signals before any window exists can abort in bool_dealloc.
import s2ide.ui.canvas  # noqa: F401

# Each UI test module sets: Qt warnings fail the test, except the offscreen platform's size-hint note.
QT_LOG_MARKS = [pytest.mark.qt_log_level_fail("WARNING"), pytest.mark.qt_log_ignore("propagateSizeHints")]


@pytest.fixture
def context(filled_project):
    from s2ide.ui.shell.context import AppContext

    ctx = AppContext()
    ctx.open_project(filled_project.path)
    ctx.set_user("lara")
    yield ctx
    ctx.close_project()


def open_window(qtbot, project, user: str = "lara"):
    """The whole main window on `project`, shown, as `user`; closes it and checks no job or
    thumbnail thread outlives it."""
    from s2ide.ui.shell.context import AppContext
    from s2ide.ui.shell.main_window import MainWindow

    ctx = AppContext()
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    ctx.open_project(project.path)
    ctx.set_user(user)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()
    assert not any(runner.running for runner in win.runners)
    assert win.foundation.gallery.loader._pool.activeThreadCount() == 0
    ctx.close_project()


@pytest.fixture
def window(qtbot, filled_project):
    yield from open_window(qtbot, filled_project)
