"""Checks view: the data checks (duplicates and cross-split leakage, changed or broken files,
classes short of labels, conflicting labels) as a table; a row shows its samples in the
gallery, Escalate sends them to the lead's queue with the finding as the note."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from s2ide.core.engine.data_checks import CheckReport, Finding, escalate_finding
from s2ide.core.engine.data_checks import run as run_checks
from s2ide.core.errors import S2Error
from s2ide.core.review.escalations import reasons
from s2ide.core.tasks import TaskState
from s2ide.ui.shell.context import AppContext
from s2ide.ui.shell.workers import TaskRunner

COLORS = {"error": "#fde0e0", "warning": "#fff4d6", "info": "#ffffff"}


class ChecksView(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.report: CheckReport | None = None
        self.runner = TaskRunner(self)
        self.run_button = QPushButton("Run checks")
        self.escalate_button = QPushButton("Escalate…")
        self.escalate_button.setToolTip("Send the selected finding's samples to the lead's queue")
        self.summary = QLabel("Duplicates, leakage between splits, changed or broken files, label conflicts.")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["severity", "check", "samples", "finding"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        bar = QHBoxLayout()
        bar.addWidget(self.run_button)
        bar.addWidget(self.escalate_button)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        self.run_button.clicked.connect(self.run)
        self.escalate_button.clicked.connect(self._escalate)
        self.table.cellClicked.connect(lambda row, _col: self._show(row))
        self.runner.finished.connect(self.apply)
        self.runner.failed.connect(lambda text: self.summary.setText(f"checks failed: {text}"))
        self.runner.idle.connect(lambda: self.run_button.setEnabled(True))
        context.projectChanged.connect(lambda: self.apply(None))
        self.escalate_button.setEnabled(False)

    def run(self) -> None:
        project = self.context.project
        if project is None or self.runner.running:
            return

        def job(state: TaskState) -> CheckReport:
            store = project.connect()  # this thread's own connection
            try:
                return run_checks(project, state, store)
            finally:
                store.close()

        self.run_button.setEnabled(False)
        self.summary.setText("checking every image…")
        self.runner.start(job, "Data checks")

    def apply(self, report: Any) -> None:
        self.report = report if isinstance(report, CheckReport) else None
        findings = self.report.findings if self.report else []
        self.table.setRowCount(len(findings))
        for row, finding in enumerate(findings):
            values = [finding.severity, finding.kind.replace("_", " "), str(len(finding.sample_ids)), finding.message]
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setBackground(QColor(COLORS.get(finding.severity, "#ffffff")))
                if col == 3:
                    item.setToolTip(finding.message)
                self.table.setItem(row, col, item)
        if self.report is not None:
            counts = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in sorted(self.report.counts().items()))
            self.summary.setText(f"{self.report.checked:,} samples checked: {counts or 'nothing found'}")
        self.escalate_button.setEnabled(bool(findings))

    def finding(self, row: int) -> Finding | None:
        if self.report is None or not 0 <= row < len(self.report.findings):
            return None
        return self.report.findings[row]

    def _show(self, row: int) -> None:
        finding = self.finding(row)
        if finding is None:
            return
        self.context.show_samples(finding.sample_ids, f"check: {finding.kind.replace('_', ' ')}")
        if finding.sample_ids:
            self.context.open_sample(finding.sample_ids[0])

    def _escalate(self) -> None:
        finding = self.finding(self.table.currentRow())
        if finding is None or self.context.project is None:
            return
        choices = reasons(self.context.store)
        reason, ok = QInputDialog.getItem(self, "Escalate", "Reason", choices, 0, False)
        if ok:
            self.escalate(finding, reason)

    def escalate(self, finding: Finding, reason: str) -> int:
        try:
            done, skipped = escalate_finding(self.context.store, finding, self.context.user_name, reason)
        except S2Error as exc:
            self.context.message(str(exc), 0)
            return 0
        for sample_id in finding.sample_ids:
            self.context.notify_annotations(sample_id)
        text = f"{done} samples escalated"
        if skipped:
            text += f"; {len(skipped)} left out ({skipped[0]})"
        self.context.message(text, 10000)
        return done

    def shutdown(self) -> None:
        self.runner.shutdown()
