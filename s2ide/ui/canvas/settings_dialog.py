"""The canvas hotkeys dialog: one key editor per action, refusing keys given twice."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QKeySequenceEdit,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from s2ide.ui.canvas.shortcuts import SPECS, Shortcuts


class CanvasSettingsDialog(QDialog):
    def __init__(self, shortcuts: Shortcuts, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Canvas hotkeys")
        self.shortcuts = shortcuts
        self.editors: dict[str, QKeySequenceEdit] = {}
        self._defaults = False
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Digits tag the image and Enter accepts a suggestion; keep them free."))
        form = QFormLayout()
        for spec in SPECS:
            keys = shortcuts.keys(spec.id)
            editor = QKeySequenceEdit(QKeySequence(keys[0]) if keys else QKeySequence())
            editor.setClearButtonEnabled(True)
            self.editors[spec.id] = editor
            form.addRow(spec.title, editor)
        layout.addLayout(form)
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #c0392b")
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(self.restore_defaults)
        layout.addWidget(buttons)

    def changes(self) -> dict[str, list[str]]:
        """Each action's keys: unchanged when its editor still shows its first key, else the new key."""
        out = {}
        for spec in SPECS:
            current = list(spec.keys) if self._defaults else self.shortcuts.keys(spec.id)
            first = self.editors[spec.id].keySequence().toString()
            if current and first == QKeySequence(current[0]).toString():
                out[spec.id] = current
            else:
                out[spec.id] = [first] if first else []
        return out

    def restore_defaults(self) -> None:
        self._defaults = True
        for spec in SPECS:
            self.editors[spec.id].setKeySequence(QKeySequence(spec.keys[0]))

    def accept(self) -> None:
        changes = self.changes()
        problems = self.shortcuts.conflicts(changes)
        if problems:
            self.problem.setText("; ".join(problems))
            return
        self.shortcuts.set_keys(changes)
        super().accept()
