"""The detail pane of one escalation: what was asked, the model's view, the thread of comments,
and the lead's decisions (take, resolve with a final label and an answer, return with a
question, reassign). Buttons follow the user's role, and the core refuses the rest anyway.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from s2ide.core.errors import S2Error
from s2ide.core.review import escalations as esc
from s2ide.core.review.users import Action, can
from s2ide.core.store.escalations import Escalation
from s2ide.ui.shell.context import AppContext


def region_text(region: dict | None) -> str:
    if not region:
        return "none"
    g = region["geometry"]
    if region["kind"] == "point":
        return f"point at ({g['x']:.0f}, {g['y']:.0f})"
    return f"box {g['w']:.0f}×{g['h']:.0f} at ({g['x']:.0f}, {g['y']:.0f})"


class EscalationDetail(QWidget):
    changed = Signal()  # an action changed the escalation: reload lists
    openRequested = Signal(object)  # Escalation

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.escalation: Escalation | None = None
        self.header = QLabel()
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.show_button = QPushButton("Show on canvas")
        self.show_button.clicked.connect(lambda: self.escalation and self.openRequested.emit(self.escalation))
        self.similar_button = QPushButton("Find similar")
        self.similar_button.setToolTip("samples that look like this one (Ctrl+Shift+F on the open sample)")
        self.similar_button.clicked.connect(
            lambda: self.escalation and self.context.find_similar([self.escalation.sample_id])
        )
        self.thread_view = QTextBrowser()
        self.thread_view.setMinimumHeight(40)
        self.comment = QLineEdit()
        self.comment.setPlaceholderText("Add a comment…")
        self.comment.returnPressed.connect(self.add_comment)
        comment_button = QPushButton("Comment")
        comment_button.clicked.connect(self.add_comment)
        comment_row = QHBoxLayout()
        comment_row.addWidget(self.comment, 1)
        comment_row.addWidget(comment_button)

        self.final_label = QComboBox()
        self.final_label.setPlaceholderText("choose the final label")  # never a silent first label
        self.final_source = QLabel()  # where the preselected choice comes from, if any
        self.final_source.setStyleSheet("color: gray")
        self.answer = QPlainTextEdit()
        self.answer.setPlaceholderText("Answer for the labeler (or the question when returning)")
        self.answer.setFixedHeight(54)
        self.promote = QCheckBox("Promote to a guideline example of this label")
        self.take_button = QPushButton("Take")
        self.resolve_button = QPushButton("Resolve")
        self.return_button = QPushButton("Return with question")
        self.assignee = QComboBox()
        self.reassign_button = QPushButton("Reassign")
        self.take_button.clicked.connect(lambda: self._act(lambda e, u: esc.start_review(self._store, e, u), "taken"))
        self.resolve_button.clicked.connect(self.resolve)
        self.return_button.clicked.connect(
            lambda: self._act(
                lambda e, u: esc.return_to_labeler(self._store, e, u, self.answer.toPlainText()),
                "returned to the labeler",
            )
        )
        self.reassign_button.clicked.connect(
            lambda: self._act(lambda e, u: esc.reassign(self._store, e, u, self.assignee.currentText()), "reassigned")
        )
        decide = QGroupBox("Decide")
        form = QFormLayout(decide)
        final_row = QHBoxLayout()
        final_row.addWidget(self.final_label, 1)
        final_row.addWidget(self.final_source)
        form.addRow("Final label", final_row)
        form.addRow("Answer", self.answer)
        form.addRow(self.promote)
        buttons = QHBoxLayout()
        for button in (self.take_button, self.resolve_button, self.return_button):
            buttons.addWidget(button)
        form.addRow(buttons)
        reassign_row = QHBoxLayout()
        reassign_row.addWidget(self.assignee, 1)
        reassign_row.addWidget(self.reassign_button)
        form.addRow("Reassign to", reassign_row)
        self.decide = decide
        self.role_note = QLabel("Only leads and engineers resolve, return or reassign escalations.")
        self.role_note.setWordWrap(True)
        self.feedback = QLabel()
        self.feedback.setWordWrap(True)

        # what was asked and said on the left, the lead's decision on the right
        left = QVBoxLayout()
        left.addWidget(self.header)
        thread_row = QHBoxLayout()
        thread_row.addWidget(QLabel("Thread"), 1)
        thread_row.addWidget(self.show_button)
        thread_row.addWidget(self.similar_button)
        left.addLayout(thread_row)
        left.addWidget(self.thread_view, 1)
        left.addLayout(comment_row)
        right = QVBoxLayout()
        right.addWidget(decide)
        right.addWidget(self.role_note)
        right.addWidget(self.feedback)
        right.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(left, 3)
        layout.addLayout(right, 2)
        context.userChanged.connect(lambda: self.show_escalation(self.escalation))
        self.show_escalation(None)

    @property
    def _store(self):
        return self.context.store

    # -- showing ---------------------------------------------------------------------------
    def show_escalation(self, escalation: Escalation | None) -> None:
        if escalation is not None and self.context.project is not None:
            escalation = self._store.review.escalations.get(escalation.id)  # fresh state
        changed_escalation = (escalation.id if escalation else None) != (
            self.escalation.id if self.escalation else None
        )
        self.escalation = escalation
        if changed_escalation:
            self.feedback.clear()
        lead = self.context.user is not None and can(self.context.user.role, Action.RESOLVE_ESCALATION)
        self.decide.setVisible(lead)
        self.role_note.setVisible(not lead and escalation is not None)
        for widget in (self.show_button, self.similar_button, self.comment):
            widget.setEnabled(escalation is not None)
        if escalation is None or self.context.project is None:
            self.header.setText("<i>Choose an escalation in the table (double-click shows it on the canvas).</i>")
            self.thread_view.clear()
            self.decide.setEnabled(False)
            return
        self.decide.setEnabled(escalation.state != "resolved")
        self.header.setText(self._header_html(escalation))
        self._fill_thread(escalation)
        self._fill_choices(escalation, changed_escalation)
        active = escalation.state != "resolved"
        self.take_button.setEnabled(escalation.state == "open")
        self.return_button.setEnabled(escalation.state in ("open", "in_review"))
        self.resolve_button.setEnabled(active)
        self.reassign_button.setEnabled(active)

    def _header_html(self, e: Escalation) -> str:
        store = self._store
        sample = store.samples.get(e.sample_id)
        names = {label.id: label.name for label in self.context.labels()}
        tag = store.annotations.tag_of(e.sample_id)
        prediction = store.review.escalations.active_prediction(e.sample_id)
        if prediction is None:
            model = "no prediction"
        else:
            label_id, score = prediction
            model = f"{names.get(label_id, '?') if label_id is not None else '?'}" + (
                f" ({score:.2f})" if score is not None else ""
            )
        votes = store.review.votes.for_sample(e.sample_id)
        rows = [
            ("Escalation", f"#{e.id} · <b>{e.state.replace('_', ' ')}</b> · {html.escape(e.reason)}"),
            ("Sample", f"{html.escape(sample.path)} (id {sample.id}, {sample.width}×{sample.height})"),
            ("Raised by", f"{html.escape(e.raised_by)} at {e.created_at[:16].replace('T', ' ')} UTC"),
            ("Note", html.escape(e.note) or "—"),
            ("Proposed", names.get(e.proposed_label_id, "—") if e.proposed_label_id else "—"),
            ("Current label", names.get(tag.label_id, "—") if tag and tag.label_id else "—"),
            ("Model", html.escape(model)),
            ("Region", region_text(e.region)),
        ]
        if votes:
            rows.append(("Double labels", "; ".join(f"{v.user}: {names.get(v.label_id, '?')}" for v in votes)))
        if e.assignee:
            rows.append(("Assignee", html.escape(e.assignee)))
        if e.state == "resolved":
            final = names.get(e.resolution_label_id, "?") if e.resolution_label_id else "?"
            rows.append(("Resolved", f"<b>{final}</b> by {html.escape(e.resolved_by or '?')}"))
        return "<table>" + "".join(f"<tr><td><b>{k}</b>&nbsp;</td><td>{v}</td></tr>" for k, v in rows) + "</table>"

    def _fill_thread(self, e: Escalation) -> None:
        parts = []
        for comment in esc.thread(self._store, e.id):
            when = comment.at[:16].replace("T", " ")
            parts.append(
                f"<p><b>{html.escape(comment.author)}</b> <span style='color:gray'>{when}</span><br>"
                f"{html.escape(comment.text)}</p>"
            )
        self.thread_view.setHtml("".join(parts) or "<i>No comments yet.</i>")

    def _fill_choices(self, e: Escalation, reset: bool) -> None:
        if reset or self.final_label.count() != len(self.context.labels()):
            self.final_label.clear()
            for label in self.context.labels():
                self.final_label.addItem(label.name, label.id)
            preferred, source = self._preferred(e)
            index = self.final_label.findData(preferred) if preferred is not None else -1
            self.final_label.setCurrentIndex(index)  # -1: empty, Resolve asks for a choice
            self.final_source.setText(source if index >= 0 else "")
            self.answer.clear()
            self.promote.setChecked(False)
        current = self.assignee.currentText()
        self.assignee.clear()
        self.assignee.addItems([u.name for u in self._store.users.list()])
        if current:
            self.assignee.setCurrentText(current)

    def _preferred(self, e: Escalation) -> tuple[int | None, str]:
        """The choice to start from, and whence: the resolution, the proposal, the labeler's tag,
        else the active model's guess; (None, "") when there is nothing to go on."""
        if e.resolution_label_id is not None:
            return e.resolution_label_id, "(resolved as)"
        if e.proposed_label_id is not None:
            return e.proposed_label_id, "(proposed)"
        tag = self._store.annotations.tag_of(e.sample_id)
        if tag is not None and tag.label_id is not None:
            return tag.label_id, "(current tag)"
        guess = self._store.predictions.active_label(e.sample_id)
        return (guess, "(model's guess)") if guess is not None else (None, "")

    # -- acting ----------------------------------------------------------------------------
    def _act(self, action: Callable[[int, str], object], done: str) -> bool:
        if self.escalation is None:
            return False
        escalation_id, sample_id = self.escalation.id, self.escalation.sample_id
        try:
            action(escalation_id, self.context.user_name)
        except S2Error as exc:
            self.feedback.setText(f"<span style='color:#c0392b'>{html.escape(str(exc))}</span>")
            self.context.message(str(exc), 8000)
            return False
        self.feedback.setText(f"Escalation #{escalation_id} {done}.")
        self.context.message(f"Escalation #{escalation_id} {done}.")
        self.answer.clear()
        self.context.notify_annotations(sample_id)
        self.show_escalation(self.escalation)
        self.changed.emit()
        return True

    def resolve(self) -> bool:
        label_id = self.final_label.currentData()
        if label_id is None:
            self.feedback.setText("<span style='color:#c0392b'>Choose the final label first.</span>")
            return False
        note = self.answer.toPlainText()
        promote = self.promote.isChecked()
        return self._act(
            lambda e, u: esc.resolve(self._store, e, label_id, u, note, promote=promote),
            f"resolved as {self.final_label.currentText()}" + (" and promoted to the guidelines" if promote else ""),
        )

    def add_comment(self) -> bool:
        text = self.comment.text()
        ok = self._act(lambda e, u: esc.add_comment(self._store, e, u, text), "commented")
        if ok:
            self.comment.clear()
        return ok
