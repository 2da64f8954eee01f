"""Review settings for leads: the escalation reasons labelers pick from, and the share of samples
two labelers label independently."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QWidget,
)

from s2ide.core.errors import S2Error
from s2ide.core.review.agreement import set_share, share
from s2ide.core.review.escalations import reasons, set_reasons
from s2ide.ui.shell.context import AppContext


class ReviewSettingsDialog(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("Review settings")
        store = context.store
        self.reasons = QPlainTextEdit("\n".join(reasons(store)))
        self.share = QDoubleSpinBox()
        self.share.setRange(0.0, 100.0)
        self.share.setDecimals(1)
        self.share.setSuffix(" %")
        self.share.setValue(share(store) * 100)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c0392b;")
        form = QFormLayout(self)
        form.addRow("Escalation reasons\n(one a line)", self.reasons)
        form.addRow("Double-labeled share", self.share)
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def accept(self) -> None:
        store = self.context.store
        user = self.context.user_name
        try:
            with store.transaction():
                set_reasons(store, self.reasons.toPlainText().splitlines(), user)
                set_share(store, round(self.share.value() / 100, 4), user)
        except S2Error as exc:
            self.error.setText(str(exc))
            return
        super().accept()
