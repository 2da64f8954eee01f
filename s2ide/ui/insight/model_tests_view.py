"""Model tests view: a version's pinned tests and slices like a test runner's report, failures
first with thumbnails. The results are the ones each version got right after training; Run
now scores the chosen version again (in the model process). A test row opens its sample, a
slice row shows the slice's samples; Remove unpins the selected test.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from s2ide.core.engine.model_tests import SuiteResult, unpin
from s2ide.core.errors import S2Error
from s2ide.core.tasks import TaskState
from s2ide.ui.insight.common import thumbnail_icon
from s2ide.ui.shell.context import AppContext
from s2ide.ui.shell.workers import TaskRunner

FAIL, PASS = "#fde0e0", "#e3f4e1"


class ModelTestsView(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.rows: list[dict[str, Any]] = []
        self.runner = TaskRunner(self)
        self.version = QComboBox()
        self.run_button = QPushButton("Run now")
        self.run_button.setToolTip("Score this version on the tests and slices as they are now")
        self.remove_button = QPushButton("Remove test")
        self.summary = QLabel("Pin samples (Model menu) or save slices to test every new version.")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["test", "expected", "got", "result", "note"])
        self.table.verticalHeader().hide()
        self.table.setIconSize(QSize(40, 40))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Version"))
        bar.addWidget(self.version)
        bar.addWidget(self.run_button)
        bar.addWidget(self.remove_button)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        self.version.currentIndexChanged.connect(self.show_stored)
        self.run_button.clicked.connect(self.run_now)
        self.remove_button.clicked.connect(self._remove)
        self.table.cellClicked.connect(lambda row, _col: self._open(row))
        self.runner.finished.connect(lambda result: self.apply(result.as_json(), "run now"))
        self.runner.failed.connect(lambda text: self.summary.setText(f"run failed: {text}"))
        self.runner.idle.connect(lambda: self.run_button.setEnabled(True))
        context.modelsChanged.connect(self.reload)
        context.projectChanged.connect(self.reload)
        self.reload()

    def reload(self) -> None:
        current = self.version.currentText()
        versions: list[str] = []
        active = None
        if self.context.project is not None:
            models = [m for m in self.context.store.models.list() if m.state in ("ready", "active")]
            versions = [m.version for m in models]
            active = next((m.version for m in models if m.active), None)
        self.version.blockSignals(True)
        self.version.clear()
        self.version.addItems(versions)
        self.version.setCurrentText(current if current in versions else (active or (versions[0] if versions else "")))
        self.version.blockSignals(False)
        self.show_stored()

    def show_stored(self) -> None:
        """The results the version got right after it was trained."""
        version = self.version.currentText()
        if not version or self.context.project is None:
            self.apply(None, "")
            return
        suite = self.context.store.models.get(version).metrics.get("suite")
        self.apply(suite, "after training")

    def run_now(self) -> None:
        project, version = self.context.project, self.version.currentText()
        if project is None or not version or self.runner.running:
            return

        def job(state: TaskState) -> SuiteResult:
            from s2ide.ml.jobs import suite_in_child

            return suite_in_child(project.path, version, state)

        self.run_button.setEnabled(False)
        self.runner.start(job, f"Testing {version}")

    def apply(self, suite: dict[str, Any] | None, when: str) -> None:
        version = self.version.currentText()
        if suite is None:
            self.rows = []
            self.table.setRowCount(0)
            if version:
                self.summary.setText(f"{version} has no test results yet: press Run now")
            return
        rows = [{**t, "type": "test"} for t in suite.get("tests", [])]
        rows += [{**s, "type": "slice"} for s in suite.get("slices", [])]
        rows.sort(key=lambda r: bool(r["passed"]))  # failures first
        self.rows = rows
        project = self.context.project
        sha = {}
        if project is not None:
            sha = {int(r[0]): str(r[2]) for r in project.store.samples.row_tuples()}
        self.table.setRowCount(len(rows))
        for index, row in enumerate(rows):
            if row["type"] == "test":
                values = [row["name"], row["expected"], row["got"]]
            else:
                minimum = row.get("minimum")
                value = row.get("value")
                values = [
                    f"slice {row['name']} ({row.get('n', 0)} samples)",
                    f"{row['metric']} >= {minimum:.3f}" if minimum is not None else row["metric"],
                    "–" if value is None else f"{value:.3f}",
                ]
            values += ["pass" if row["passed"] else "FAIL", row.get("note") or ""]
            for col, text in enumerate(values):
                item = QTableWidgetItem(text)
                item.setBackground(QColor(PASS if row["passed"] else FAIL))
                if col == 0 and row["type"] == "test" and project is not None and row.get("sample_id") in sha:
                    item.setIcon(thumbnail_icon(project, sha[row["sample_id"]], 40))
                self.table.setItem(index, col, item)
            self.table.setRowHeight(index, 44)
        failed = sum(1 for r in rows if not r["passed"])
        state = "all passed" if not failed else f"{failed} FAILED"
        defined = project is not None and bool(project.store.model_tests.list() or project.store.slices.list())
        if rows:
            self.summary.setText(f"{version} ({when}): {len(rows)} tests and slices, {state}")
        elif defined:
            self.summary.setText(f"{version} was trained before the tests and slices it has now: press Run now")
        else:
            self.summary.setText(f"{version}: no model tests or slices defined (pin samples from the Model menu)")

    def _open(self, row: int) -> None:
        if not 0 <= row < len(self.rows):
            return
        entry = self.rows[row]
        if entry["type"] == "test" and entry.get("sample_id") is not None:
            self.context.open_sample(int(entry["sample_id"]))
        elif entry.get("sample_ids"):
            self.context.show_samples(entry["sample_ids"], f"slice {entry['name']}")

    def _remove(self) -> None:
        row = self.table.currentRow()
        if not 0 <= row < len(self.rows) or self.rows[row]["type"] != "test" or self.context.project is None:
            return
        try:
            unpin(self.context.store, int(self.rows[row]["id"]), self.context.user_name)
        except S2Error as exc:
            self.context.message(str(exc), 0)
            return
        self.context.message(f"Model test #{self.rows[row]['id']} removed (it still shows in old results)")

    def shutdown(self) -> None:
        self.runner.shutdown()
