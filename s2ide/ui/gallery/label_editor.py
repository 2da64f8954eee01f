"""The label editor: add and change labels (name, color, hotkey, description).

Every save goes through `core.labeling.label_edits` (role check, hotkey clash check, one transaction
with an audit row); a refusal is shown in the dialog itself, in one line, and nothing changes.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from s2ide.core.colors import default_color
from s2ide.core.errors import S2Error
from s2ide.core.labeling.label_edits import HOTKEYS, create_label, update_label
from s2ide.ui.gallery.label_panel import color_icon
from s2ide.ui.shell.context import AppContext

NEW = -1  # the list entry of a label not yet saved


class QtLabelEditor(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Labels")
        self.context = context
        self.color = "#808080"
        self.list = QListWidget()
        self.add_button = QPushButton("Add label")
        self.name = QLineEdit()
        self.color_button = QPushButton()
        self.hotkey = QComboBox()
        self.hotkey.addItem("none", "")
        for key in HOTKEYS:
            self.hotkey.addItem(key, key)
        self.description = QLineEdit()
        self.save_button = QPushButton("Save")
        self.error = QLabel()
        self.error.setStyleSheet("color: #c62828")
        self.error.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Color", self.color_button)
        form.addRow("Hotkey", self.hotkey)
        form.addRow("Description", self.description)
        right = QVBoxLayout()
        right.addLayout(form)
        right.addWidget(self.error)
        right.addStretch(1)
        right.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignRight)
        left = QVBoxLayout()
        left.addWidget(self.list, 1)
        left.addWidget(self.add_button)
        body = QHBoxLayout()
        body.addLayout(left, 1)
        body.addLayout(right, 2)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(body)
        layout.addWidget(close)

        self.list.currentItemChanged.connect(lambda current, _prev: self._show(current))
        self.add_button.clicked.connect(self.start_new)
        self.color_button.clicked.connect(self._pick_color)
        self.save_button.clicked.connect(self.save)
        self.resize(560, 320)
        self.reload()

    # -- list ------------------------------------------------------------------------------
    def reload(self, select: int | None = None) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for label in self.context.labels():
            item = QListWidgetItem(color_icon(label.color), label.name)
            item.setData(Qt.ItemDataRole.UserRole, label.id)
            self.list.addItem(item)
        self.list.blockSignals(False)
        row = 0
        if select is not None:
            row = next(
                (i for i in range(self.list.count()) if self.list.item(i).data(Qt.ItemDataRole.UserRole) == select), 0
            )
        if self.list.count():
            self.list.setCurrentRow(row)
            self._show(self.list.currentItem())

    def select(self, label_id: int) -> None:
        self.reload(select=label_id)

    def start_new(self) -> None:
        """A blank entry; Save creates it."""
        item = QListWidgetItem("(new label)")
        item.setData(Qt.ItemDataRole.UserRole, NEW)
        self.list.addItem(item)
        self.list.setCurrentItem(item)
        self.name.setText("")
        self.description.setText("")
        self.set_color(default_color(len(self.context.labels())))
        used = {label.hotkey for label in self.context.labels()}
        free = next((key for key in HOTKEYS if key not in used), "")
        self.hotkey.setCurrentIndex(max(0, self.hotkey.findData(free)))
        self.name.setFocus()

    def _show(self, item: QListWidgetItem | None) -> None:
        self.error.clear()
        if item is None:
            return
        label = self.context.label_by_id(item.data(Qt.ItemDataRole.UserRole))
        if label is None:
            return
        self.name.setText(label.name)
        self.description.setText(label.description)
        self.set_color(label.color)
        self.hotkey.setCurrentIndex(max(0, self.hotkey.findData(label.hotkey or "")))

    # -- editing ---------------------------------------------------------------------------
    def set_color(self, color: str) -> None:
        self.color = QColor(color).name()
        self.color_button.setText(self.color)
        self.color_button.setIcon(color_icon(self.color))

    def _pick_color(self) -> None:
        chosen = QColorDialog.getColor(QColor(self.color), self, "Label color")
        if chosen.isValid():
            self.set_color(chosen.name())

    def current_id(self) -> int | None:
        item = self.list.currentItem()
        return None if item is None else int(item.data(Qt.ItemDataRole.UserRole))

    def save(self) -> bool:
        """Create or update the label shown; False (with the reason shown) when refused."""
        if self.context.user is None:
            self.error.setText("Say who is working first (File ▸ Switch user…).")
            return False
        label_id = self.current_id()
        hotkey = self.hotkey.currentData() or None
        try:
            if label_id is None or label_id == NEW:
                saved = create_label(
                    self.context.store,
                    self.context.user.name,
                    self.name.text(),
                    self.color,
                    hotkey,
                    self.description.text(),
                )
            else:
                saved = update_label(
                    self.context.store,
                    self.context.user.name,
                    label_id,
                    name=self.name.text(),
                    color=self.color,
                    hotkey=hotkey,
                    description=self.description.text(),
                )
        except S2Error as exc:
            self.error.setText(str(exc))
            return False
        self.context.labelsChanged.emit()
        self.reload(select=saved.id)
        self.error.clear()
        self.context.message(f"label {saved.name!r} saved")
        return True
