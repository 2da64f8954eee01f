"""Help ▸ Keyboard shortcuts lists every key bound in the window; Escape brings focus back to the
canvas; shortcuts work after a click into a field; Documentation and About open."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QDoubleSpinBox

from s2ide.ui.shell.help import NATIVE, QtDocumentation, documentation_files
from tests.ui.conftest import QT_LOG_MARKS

pytestmark = QT_LOG_MARKS


def _all_bound(window) -> set[str]:
    keys = set()
    for action in window.findChildren(QAction):
        keys |= {k.toString(NATIVE) for k in action.shortcuts() if not k.isEmpty()}
    for shortcut in window.findChildren(QShortcut):
        if shortcut.isEnabled() and not shortcut.key().isEmpty():
            keys.add(shortcut.key().toString(NATIVE))
    return keys


def test_the_sheet_lists_every_bound_key_and_searches(qtbot, window):
    sheet = window.help.show_shortcuts()
    qtbot.addWidget(sheet)
    listed = set()
    for row in sheet.rows:
        listed |= {key.strip() for key in row.keys.split(", ")}
    bound = _all_bound(window)
    assert len(bound) > 30
    assert bound - listed == set()
    tag_rows = [row for row in sheet.rows if row.keys == "2"]
    assert tag_rows and "dog" in tag_rows[0].action
    qtbot.keyClicks(sheet.search, "undo")
    assert sheet.visible_keys() and all("Ctrl+Z" in keys or "Z" in keys for keys in sheet.visible_keys()[:1])
    sheet.search.setText("zzz-nothing")
    assert sheet.visible_keys() == []
    sheet.close()


def test_escape_returns_focus_to_the_canvas(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    search = window.foundation.gallery.search
    search.setFocus()
    qtbot.waitUntil(search.hasFocus)
    qtbot.keyClick(search, Qt.Key.Key_Escape)
    assert window.view.hasFocus()
    search.setFocus()
    qtbot.keyClicks(search, "dog")
    qtbot.keyClick(search, Qt.Key.Key_Return)
    qtbot.waitUntil(window.view.hasFocus)


def test_shortcuts_reach_the_window_from_fields(qtbot, window):
    from s2ide.core.labeling.tags import set_tag

    ctx = window.context
    ids = ctx.store.samples.ids()
    set_tag(ctx.store, ids[2], None, "lara")
    ctx.samplesChanged.emit()
    ctx.open_sample(ids[0])
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    spin = QDoubleSpinBox(window.foundation.gallery)  # like the brush size, wherever the tool bar puts it
    spin.show()
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    qtbot.keyClick(spin, Qt.Key.Key_B)  # a tool letter, not swallowed by the spin box
    assert window.canvas_feature.canvas.tool.kind == "box"
    search = window.foundation.gallery.search
    search.setFocus()
    qtbot.waitUntil(search.hasFocus)
    qtbot.keyClick(search, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)  # Label ▸ Previous/Next
    assert ctx.current_sample_id == ids[2]  # the next unlabeled one
    qtbot.keyClicks(search, "ab")
    assert search.text() == "ab"  # a text field keeps its letters


def test_ctrl_digit_draws_with_the_label_of_that_hotkey(qtbot, window):
    labels = window.context.labels()
    dog = next(label for label in labels if label.hotkey == "2")
    action = next(a for a in window.findChildren(QAction) if a.shortcut() == QKeySequence("Ctrl+2"))
    action.trigger()
    assert window.canvas_feature.canvas.label_id == dog.id


def test_documentation_and_about(qtbot, window, monkeypatch):
    assert any(path.name == "README.md" for path in documentation_files())
    docs = QtDocumentation(window)
    qtbot.addWidget(docs)
    assert "s2ide" in docs.text.toPlainText()
    shown = []
    monkeypatch.setattr("PySide6.QtWidgets.QMessageBox.about", lambda parent, title, text: shown.append(text))
    next(a for a in window.menu("&Help").actions() if "About" in a.text()).trigger()
    assert "0." in shown[0] and "lara" in shown[0]
