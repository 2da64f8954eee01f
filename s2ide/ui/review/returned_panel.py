"""Escalations a lead returned to the current labeler with a question: read the question, open
the sample, answer (optionally proposing another label) and send it back to the lead.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from s2ide.core.errors import S2Error
from s2ide.core.review import escalations as esc
from s2ide.core.store.escalations import Escalation
from s2ide.ui.shell.context import AppContext


class ReturnedPanel(QWidget):
    countChanged = Signal(int)
    openRequested = Signal(object)  # Escalation

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.items = QListWidget()
        self.items.setMinimumHeight(40)
        self.items.currentRowChanged.connect(self._show_row)
        self.items.itemDoubleClicked.connect(lambda _item: self.open_current())
        self.thread_view = QTextBrowser()
        self.thread_view.setMinimumHeight(40)
        self.answer = QPlainTextEdit()
        self.answer.setPlaceholderText("Your answer to the lead")
        self.answer.setFixedHeight(48)
        self.relabel = QComboBox()
        self.open_button = QPushButton("Open sample")
        self.open_button.clicked.connect(self.open_current)
        self.reopen_button = QPushButton("Answer and re-open")
        self.reopen_button.clicked.connect(self.reopen_current)
        self.feedback = QLabel()
        self.feedback.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(QLabel("Relabel as"))
        row.addWidget(self.relabel, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.reopen_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(QLabel("Returned to you by a lead"))
        layout.addWidget(self.items, 1)
        layout.addWidget(self.thread_view, 2)
        layout.addWidget(self.answer)
        layout.addLayout(row)
        layout.addLayout(buttons)
        layout.addWidget(self.feedback)
        self.rows: list[Escalation] = []
        context.projectChanged.connect(self.reload)
        context.userChanged.connect(self.reload)
        context.labelsChanged.connect(self.reload)
        context.annotationsChanged.connect(lambda _sid: self.reload())
        self.reload()

    def reload(self) -> None:
        current = self.current()
        self.items.blockSignals(True)
        self.items.clear()
        self.rows = []
        if self.context.project is not None and self.context.user is not None:
            self.rows = esc.returned_to(self.context.store, self.context.user.name)
        for e in self.rows:
            sample = self.context.store.samples.get(e.sample_id)
            item = QListWidgetItem(f"#{e.id} · {sample.path.rsplit('/', 1)[-1]} · {e.reason}")
            item.setData(Qt.ItemDataRole.UserRole, e.id)
            self.items.addItem(item)
        self.items.blockSignals(False)
        self.relabel.clear()
        self.relabel.addItem("(keep my proposal)", None)
        for label in self.context.labels() if self.context.project else []:
            self.relabel.addItem(label.name, label.id)
        row = next((i for i, e in enumerate(self.rows) if current and e.id == current.id), 0 if self.rows else -1)
        self.items.setCurrentRow(row)
        self._show_row(row)
        self.countChanged.emit(len(self.rows))

    def current(self) -> Escalation | None:
        row = self.items.currentRow()
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def _show_row(self, row: int) -> None:
        e = self.rows[row] if 0 <= row < len(self.rows) else None
        for widget in (self.open_button, self.reopen_button, self.answer, self.relabel):
            widget.setEnabled(e is not None)
        if e is None:
            self.thread_view.setHtml("<i>Nothing returned to you.</i>")
            return
        parts = [f"<p><b>You asked</b> ({html.escape(e.reason)}): {html.escape(e.note) or '—'}</p>"]
        for comment in esc.thread(self.context.store, e.id):
            parts.append(f"<p><b>{html.escape(comment.author)}</b>: {html.escape(comment.text)}</p>")
        self.thread_view.setHtml("".join(parts))

    def open_current(self) -> None:
        e = self.current()
        if e is not None:
            self.openRequested.emit(e)

    def reopen_current(self) -> bool:
        e = self.current()
        if e is None:
            return False
        try:
            esc.reopen(
                self.context.store,
                e.id,
                self.context.user_name,
                self.answer.toPlainText(),
                proposed_label_id=self.relabel.currentData(),
            )
        except S2Error as exc:
            self.feedback.setText(f"<span style='color:#c0392b'>{html.escape(str(exc))}</span>")
            return False
        self.answer.clear()
        self.feedback.setText(f"Escalation #{e.id} is back with the lead.")
        self.context.message(f"Escalation #{e.id} re-opened.")
        self.context.notify_annotations(e.sample_id)
        return True
