"""Starting the app on a project: the remembered user is restored, otherwise the user dialog asks."""

from __future__ import annotations

from s2ide.core.settings import Settings
from s2ide.ui.review import user_dialog
from s2ide.ui.shell import app as app_module
from tests.ui.conftest import QT_LOG_MARKS

pytestmark = QT_LOG_MARKS


def test_start_restores_remembered_user(qtbot, filled_project):
    Settings().remember_user(filled_project.path, "leo")
    _app, window = app_module.start([str(filled_project.path)])
    qtbot.addWidget(window)
    try:
        assert window.context.user is not None and window.context.user.name == "leo"
        assert window.foundation.gallery.model.rowCount() == 5
        assert window.windowTitle().startswith("proj — leo (lead)")
        assert Settings().last_project == filled_project.path
    finally:
        window.close()
        window.context.close_project()


def test_start_asks_who_is_working(qtbot, filled_project, monkeypatch):
    asked = []

    def fake_exec(dialog):
        asked.append(dialog.windowTitle())
        dialog.choose_existing("eng")
        dialog.accept()
        return 1

    monkeypatch.setattr(user_dialog.QtUserDialog, "exec", fake_exec)
    _app, window = app_module.start([str(filled_project.path)])
    qtbot.addWidget(window)
    try:
        assert asked == ["Who is working on proj?"]
        assert window.context.user.name == "eng"
        assert Settings().user_for(filled_project.path) == "eng"
    finally:
        window.close()
        window.context.close_project()


def test_dock_layout_is_remembered(qtbot, filled_project):
    Settings().remember_user(filled_project.path, "leo")
    _app, window = app_module.start([str(filled_project.path)])
    qtbot.addWidget(window)
    window.foundation.labels_dock.hide()
    window.close()
    window.context.close_project()
    _app, again = app_module.start([str(filled_project.path)])
    qtbot.addWidget(again)
    try:
        assert not again.foundation.labels_dock.isVisible()
        assert again.foundation.gallery_dock.isVisible()
    finally:
        again.close()
        again.context.close_project()


def test_no_two_features_share_a_shortcut(qtbot, window):
    """Qt fires neither of two actions bound to one key in one window: catch clashes between features."""
    from collections import Counter

    from PySide6.QtGui import QAction, QShortcut

    keys: Counter[str] = Counter()
    for action in window.findChildren(QAction):
        for key in action.shortcuts():
            if not key.isEmpty():
                keys[key.toString()] += 1
    for shortcut in window.findChildren(QShortcut):
        if shortcut.isEnabled() and not shortcut.key().isEmpty():
            keys[shortcut.key().toString()] += 1
    assert {"1", "2", "Ctrl+Left", "Ctrl+Backspace", "Ctrl+I"} <= set(keys)
    assert [key for key, count in keys.items() if count > 1] == []
