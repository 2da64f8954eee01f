"""The Help menu: Keyboard shortcuts, Documentation, About; and focus that comes back to the canvas.

The shortcut sheet is generated from the keys bound in the window at the moment it opens (every
QAction and QShortcut, with the menu it sits in), plus the canvas's gesture keys, so it cannot
go stale when a feature or the labeler changes a key. `FocusKeeper` makes Escape return focus
to the canvas from any field of the main window, Enter in a text field do the same, and lets
Ctrl+arrows and tool letters reach the window's shortcuts from spin boxes, sliders and combo
boxes, which would otherwise swallow them after a click.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QMenu,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from s2ide import __version__

if TYPE_CHECKING:
    from s2ide.ui.shell.main_window import MainWindow

# Keys the canvas reads directly while a tool works (no QAction holds them).
GESTURE_KEYS: tuple[tuple[str, str, str], ...] = (
    ("Close the polygon or line being drawn", "Return, Enter", "Canvas"),
    ("Cancel the shape being drawn; in a field: back to the canvas", "Esc", "Canvas"),
    ("Remove the last vertex of the shape being drawn", "Backspace", "Canvas"),
    ("Brush size smaller / larger", "[, ]", "Canvas"),
    ("Move the selected shapes 1 px (with Shift: 10 px)", "Left, Right, Up, Down", "Canvas"),
    ("Zoom at the cursor", "Ctrl+Wheel", "Canvas"),
)
NATIVE = QKeySequence.SequenceFormat.NativeText


@dataclass(frozen=True)
class KeyRow:
    action: str
    keys: str
    where: str


def _menu_of(action: QAction) -> str:
    for widget in action.associatedObjects():
        if isinstance(widget, QMenu) and widget.title():
            return widget.title().replace("&", "")
    return "Window"


def bound_keys(window: QWidget) -> list[KeyRow]:
    """Every key bound in the window now: actions (with their menu), shortcuts, gesture keys."""
    rows: dict[tuple[str, str], KeyRow] = {}
    for action in window.findChildren(QAction):
        keys = [k.toString(NATIVE) for k in action.shortcuts() if not k.isEmpty()]
        if not keys:
            continue
        title = action.text().replace("&", "").rstrip("…").strip() or action.toolTip() or action.objectName()
        row = KeyRow(title, ", ".join(keys), _menu_of(action))
        rows[(row.action, row.keys)] = row
    for shortcut in window.findChildren(QShortcut):
        if not shortcut.isEnabled() or shortcut.key().isEmpty():
            continue
        title = shortcut.whatsThis() or shortcut.objectName() or "shortcut"
        row = KeyRow(title, shortcut.key().toString(NATIVE), "Window")
        rows[(row.action, row.keys)] = row
    out = sorted(rows.values(), key=lambda r: (r.where, r.action.lower()))
    return out + [KeyRow(*gesture) for gesture in GESTURE_KEYS]


class QtShortcutSheet(QDialog):
    """Help ▸ Keyboard shortcuts: a searchable table of every key bound in the window."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setWindowTitle("Keyboard shortcuts")
        self.rows = bound_keys(window)
        self.search = QLineEdit()
        self.search.setPlaceholderText("search actions or keys")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.filter)
        self.table = QTableWidget(len(self.rows), 3)
        self.table.setHorizontalHeaderLabels(["action", "keys", "where"])
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        for index, row in enumerate(self.rows):
            for column, text in enumerate((row.action, row.keys, row.where)):
                self.table.setItem(index, column, QTableWidgetItem(text))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        note = QLabel("Digits tag the open sample with the label of that hotkey; Ctrl+digit draws with it.")
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)
        layout.addWidget(note)
        available = window.screen().availableGeometry()
        self.resize(min(720, available.width() - 40), min(640, available.height() - 80))

    def filter(self, text: str) -> None:
        words = text.lower().split()
        for index, row in enumerate(self.rows):
            haystack = f"{row.action} {row.keys} {row.where}".lower()
            self.table.setRowHidden(index, not all(word in haystack for word in words))

    def visible_keys(self) -> list[str]:
        return [self.rows[i].keys for i in range(len(self.rows)) if not self.table.isRowHidden(i)]


def documentation_files() -> list[Path]:
    """The README and the guides under resources/docs, wherever the package sits."""
    root = Path(__file__).resolve().parents[3]
    found = [root / "README.md"] if (root / "README.md").is_file() else []
    for folder in (root / "resources" / "docs", Path(__file__).resolve().parents[2] / "resources" / "docs"):
        if folder.is_dir():
            found += sorted(folder.glob("*.md"))
    return found


class QtDocumentation(QDialog):
    """Help ▸ Documentation: the bundled guides, rendered, no browser or network needed."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setWindowTitle("s2ide documentation")
        self.files = documentation_files()
        self.list = QListWidget()
        self.list.addItems([path.name for path in self.files])
        self.list.setMaximumWidth(180)
        self.text = QTextBrowser()
        self.text.setOpenExternalLinks(True)
        self.list.currentRowChanged.connect(self.show_file)
        layout = QHBoxLayout(self)
        layout.addWidget(self.list)
        layout.addWidget(self.text, 1)
        available = window.screen().availableGeometry()
        self.resize(min(1000, available.width() - 40), min(720, available.height() - 80))
        if self.files:
            self.list.setCurrentRow(0)
        else:
            self.text.setPlainText("No documentation was installed with this copy of s2ide.")

    def show_file(self, row: int) -> None:
        if 0 <= row < len(self.files):
            try:
                self.text.setMarkdown(self.files[row].read_text(encoding="utf-8"))
            except OSError as exc:
                self.text.setPlainText(f"Cannot read {self.files[row]}: {exc.strerror or exc}")


ABOUT = (
    "<h3>s2ide {version}</h3><p>The Software 2.0 IDE: label, escalate, retrain, inspect.</p>"
    "<p>Project: {project}<br>Working as: {user}</p>"
)


class FocusKeeper(QObject):
    """Escape (or Enter in a text field) returns focus to the canvas; Ctrl+arrows and tool letters
    reach the window's shortcuts from spin boxes, sliders and combo boxes."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window

    def _ours(self, widget: QObject) -> bool:
        return isinstance(widget, QWidget) and widget.window() is self.window and widget is not self.window.view

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride) or not isinstance(event, QKeyEvent):
            return False
        if not self._ours(watched) or QApplication.focusWidget() is not watched:
            return False
        key, mods = event.key(), event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if kind == QEvent.Type.KeyPress and key == Qt.Key.Key_Escape and mods == Qt.KeyboardModifier.NoModifier:
            if isinstance(watched, QComboBox) and watched.view().isVisible():
                return False  # Escape closes the popup first
            self.window.view.setFocus(Qt.FocusReason.ShortcutFocusReason)
            return True
        if kind == QEvent.Type.KeyPress and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if isinstance(watched, QLineEdit):  # the search is set: back to labeling
                QTimer.singleShot(0, lambda: self.window.view.setFocus(Qt.FocusReason.ShortcutFocusReason))
            return False
        if kind != QEvent.Type.ShortcutOverride:
            return False
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and isinstance(watched, QLineEdit):
            event.accept()  # Enter in a field ends the typing; it must not accept a suggestion
            return True
        ctrl_arrow = mods == Qt.KeyboardModifier.ControlModifier and key in (Qt.Key.Key_Left, Qt.Key.Key_Right)
        plain = mods in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier)
        letter = plain and Qt.Key.Key_A <= key <= Qt.Key.Key_Z
        digit = plain and Qt.Key.Key_0 <= key <= Qt.Key.Key_9
        if isinstance(watched, QLineEdit) or (isinstance(watched, QComboBox) and watched.isEditable()):
            passes = ctrl_arrow  # text fields keep their letters and digits
        elif isinstance(watched, QAbstractSpinBox):
            passes = ctrl_arrow or letter  # digits type a number
        elif isinstance(watched, QAbstractSlider | QComboBox):
            passes = ctrl_arrow or letter or digit
        else:
            passes = False
        if passes:
            event.ignore()  # not claimed by the field: the window's shortcut fires
            return True
        return False


class Help(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.sheet: QtShortcutSheet | None = None
        menu = window.menu("&Help")
        shortcuts = QAction("&Keyboard shortcuts…", window)
        shortcuts.setShortcut(QKeySequence("F1"))
        shortcuts.triggered.connect(lambda _checked=False: self.show_shortcuts())
        docs = QAction("&Documentation…", window)
        docs.triggered.connect(lambda _checked=False: QtDocumentation(window).exec())
        about = QAction("&About s2ide", window)
        about.triggered.connect(lambda _checked=False: self.about())
        for action in (shortcuts, docs, about):
            menu.addAction(action)
        self.focus = FocusKeeper(window)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.focus)
            window.closing.connect(lambda: app.removeEventFilter(self.focus))

    def show_shortcuts(self) -> QtShortcutSheet:
        self.sheet = QtShortcutSheet(self.window)
        self.sheet.show()
        self.sheet.activateWindow()  # typing goes to its search, never to the canvas's tool keys
        self.sheet.search.setFocus()
        return self.sheet

    def about(self) -> None:
        ctx = self.window.context
        project = ctx.project.path if ctx.project is not None else "none open"
        text = ABOUT.format(version=__version__, project=project, user=ctx.user_name)
        QMessageBox.about(self.window, "About s2ide", text)


def attach(window: MainWindow) -> None:
    window.help = Help(window)  # type: ignore[attr-defined]
