"""Layouts per project and role, View ▸ Reset layout, a window that fits the screen, docks that
narrow, and big views that float instead of squeezing the canvas."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDockWidget

from s2ide.ui.shell import layouts
from tests.ui.conftest import QT_LOG_MARKS

pytestmark = QT_LOG_MARKS


def _action(window, menu: str, text: str):
    return next(a for a in window.menu(menu).actions() if a.text().replace("&", "") == text)


def test_layout_is_kept_per_project_and_role(qtbot, window):
    ctx = window.context
    labels = window.foundation.labels_dock
    assert labels.isVisible()
    labels.hide()  # lara, a labeler, hides the labels
    ctx.set_user("leo")  # a lead on the same project starts from the default, not from lara's
    assert labels.isVisible()
    ctx.set_user("lara")
    assert not labels.isVisible()
    saved = ctx.settings.get(layouts.LAYOUTS_KEY)
    assert {key.split("|")[-1] for key in saved} == {"labeler", "lead"}


@pytest.mark.qt_log_ignore("raise", "propagateSizeHints")
def test_reset_layout_restores_the_default_and_forgets_the_saved_one(qtbot, window):
    ctx = window.context
    window.foundation.labels_dock.hide()
    window.foundation.gallery_dock.setFloating(True)
    window.save_layout()
    _action(window, "&View", "Reset layout").trigger()
    assert window.foundation.labels_dock.isVisible()
    assert not window.foundation.gallery_dock.isFloating()
    assert window._current_layout_key() not in ctx.settings.get(layouts.LAYOUTS_KEY, {})
    available = window.screen().availableGeometry()
    assert window.width() <= available.width() and window.height() <= available.height()


def test_window_never_grows_past_the_screen(qtbot, window):
    available = window.screen().availableGeometry()
    for dock in window.findChildren(QDockWidget):
        dock.show()
    window.resize(available.width() + 600, available.height() + 400)
    qtbot.wait(10)
    assert window.width() <= available.width() and window.height() <= available.height()
    assert window.maximumWidth() <= available.width()


def test_docks_can_be_narrowed_below_their_content(qtbot, window):
    for dock in window.findChildren(QDockWidget):
        assert dock.minimumSizeHint().width() <= layouts.DOCK_MIN_WIDTH + 40, dock.windowTitle()
        assert dock.widget() is not None and not isinstance(dock.widget(), layouts.DockScroll)


@pytest.mark.qt_log_ignore("raise", "propagateSizeHints")
def test_big_views_float_at_most_of_the_screen(qtbot, window, monkeypatch):
    monkeypatch.setattr(layouts, "FLOAT_OFFSCREEN", True)
    docks = {d.windowTitle(): d for d in window.findChildren(QDockWidget)}
    dataset = docks["Dataset"]
    _action(window, "&Model", "Dataset view").trigger()
    qtbot.waitUntil(dataset.isFloating)
    available = window.screen().availableGeometry()
    assert dataset.width() >= available.width() * 0.7 and dataset.width() <= available.width()
    assert not docks["Labels"].isFloating()
    dataset.setFloating(False)  # the user may dock it back: it stays where put
    dataset.hide()
    dataset.show()
    assert not dataset.isFloating()
