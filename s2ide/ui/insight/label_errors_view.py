"""Likely label errors: a ranked list a lead can review, found by confident learning.

"Find (cross-validated)" trains K fold models in the background (s2ide.ml.crossval) so every
label is judged by a model that never saw it; "Quick" uses the active model's predictions on
validation and test samples it did not train on. The last ranking is kept in the project.
Rows whose label was changed since are dropped from the list.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from s2ide.core.engine.label_errors import Suspect, load_suspects, save_suspects, suspects_from_predictions
from s2ide.core.project import Project
from s2ide.core.store import Store
from s2ide.core.tasks import TaskState
from s2ide.ui.insight.common import Refresher
from s2ide.ui.insight.mispredictions_view import ReviewRow, SampleReviewTable
from s2ide.ui.shell.context import AppContext
from s2ide.ui.shell.workers import TaskRunner


def _load(store: Store) -> tuple[str, list[ReviewRow]]:
    """The saved ranking as table rows, without the samples relabeled since."""
    suspects, how = load_suspects(store)
    rows = []
    for suspect in suspects:
        tag = store.annotations.tag_of(suspect.sample_id)
        if tag is None or tag.label_id != suspect.given_label_id:
            continue
        sample = store.samples.get(suspect.sample_id)
        rows.append(
            ReviewRow(
                suspect.sample_id,
                sample.path,
                sample.sha256,
                suspect.given_label_id,
                suspect.suggested_label_id,
                suspect.suggested_probability,
                suspect.self_confidence,
            )
        )
    return how, rows


def cross_validated_job(project: Project, folds: int, state: TaskState) -> list[Suspect]:
    from s2ide.ml.crossval import find_label_errors  # torch: imported in the worker, on demand

    return find_label_errors(project, state, folds)


def quick_job(project: Project, state: TaskState) -> list[Suspect]:
    store = project.connect()
    try:
        model = store.models.active()
        if model is None:
            return []
        suspects = suspects_from_predictions(store, model.version)
        save_suspects(store, suspects, f"model {model.version} on its validation and test samples")
        return suspects
    finally:
        store.close()


class LabelErrorsView(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.loaded = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        bar = QHBoxLayout()
        self.find_button = QPushButton("Find (cross-validated)")
        self.find_button.setToolTip("train K small models, each judging the labels it did not see (minutes)")
        self.folds = QSpinBox()
        self.folds.setRange(2, 10)
        self.folds.setValue(4)
        self.folds.setPrefix("K = ")
        self.quick_button = QPushButton("Quick (active model)")
        self.quick_button.setToolTip("use the active model's predictions on validation and test samples (seconds)")
        self.show_button = QPushButton("Show in gallery")
        for widget in (self.find_button, self.folds, self.quick_button, self.show_button):
            bar.addWidget(widget)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.title = QLabel("not searched yet")
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        self.table = SampleReviewTable(context, ("p(suggested)", "p(label)"))
        self.table.note_for = lambda row: (
            f"confident learning: p(label) {row.loss or 0:.2f}, "
            f"p({self.table._name(row.suggested_id)}) {row.score or 0:.2f}"
        )
        layout.addWidget(self.table, 1)
        self.runner = TaskRunner(self)
        self.runner.finished.connect(lambda _result: self.refresher.refresh_now())
        self.runner.started.connect(lambda _title: self._set_busy(True))
        self.runner.idle.connect(lambda: self._set_busy(False))
        self.find_button.clicked.connect(self.find_cross_validated)
        self.quick_button.clicked.connect(self.find_quick)
        self.show_button.clicked.connect(lambda: self.table.show_all("likely label errors"))
        self.refresher: Refresher[tuple[str, list[ReviewRow]]] = Refresher(self, context, _load, self.apply)
        for signal in (context.annotationsChanged, context.samplesChanged, context.projectChanged):
            signal.connect(self.refresher.schedule)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.refresher.refresh_if_stale()

    def _set_busy(self, busy: bool) -> None:
        self.find_button.setEnabled(not busy)
        self.quick_button.setEnabled(not busy)

    def find_cross_validated(self) -> None:
        project = self.context.project
        if project is None:
            return
        folds = self.folds.value()
        self.runner.start(lambda state: cross_validated_job(project, folds, state), "Finding label errors")

    def find_quick(self) -> None:
        project = self.context.project
        if project is None:
            return
        self.runner.start(lambda state: quick_job(project, state), "Finding label errors")

    def apply(self, result: tuple[str, list[ReviewRow]]) -> None:
        self.loaded = True
        how, rows = result
        if not how:
            self.title.setText("not searched yet: Find trains K models to judge every label it did not see")
        else:
            self.title.setText(f"{len(rows):,} likely label errors, most suspicious first ({how})")
        self.table.set_rows(rows)

    def shutdown(self) -> None:
        self.runner.shutdown()
        self.refresher.shutdown()
