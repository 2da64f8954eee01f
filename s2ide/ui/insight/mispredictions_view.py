"""Mispredictions: labeled samples the active model gets wrong, highest loss first.

Each row is one click from a fix: "Use <predicted>" relabels it (set_tag, current user) and
"Escalate" sends it to the lead as a possible label error. Double-click opens it on the canvas.
`SampleReviewTable` is shared with the label-errors view.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from s2ide.core.errors import S2Error
from s2ide.core.labeling.tags import set_tag
from s2ide.core.store import Store
from s2ide.ui.insight.common import Refresher, thumbnail_icon
from s2ide.ui.shell.context import AppContext

ROW_LIMIT = 500  # the worst 500 are what anyone reviews; the CLI has --limit for more
ESCALATION_REASON = "possible label error"
THUMB = 40


def escalate_function() -> Callable[..., Any] | None:
    """`s2ide.core.review.escalations.escalate` when the review feature is installed, else None."""
    try:
        module = importlib.import_module("s2ide.core.review.escalations")
    except ImportError:
        return None
    return getattr(module, "escalate", None)


@dataclass(frozen=True)
class ReviewRow:
    sample_id: int
    path: str
    sha256: str
    label_id: int | None  # the given label (tag)
    suggested_id: int | None  # the model's label
    score: float | None  # mispredictions: the model's score; label errors: p(suggested)
    loss: float | None  # mispredictions: loss; label errors: p(given label)


class SampleReviewTable(QWidget):
    """A ranked table of samples with one-click relabel and escalate buttons per row."""

    def __init__(self, context: AppContext, score_titles: tuple[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.rows: list[ReviewRow] = []
        self.shapes = False  # True: rows of a detector or segmenter (no relabel button)
        self.note_for: Callable[[ReviewRow], str] = lambda row: ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.table = QTableWidget(0, 7)
        self.table.setHorizontalHeaderLabels(["sample", "label", "model says", *score_titles, "fix", ""])
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(THUMB + 6)
        self.table.setIconSize(QSize(THUMB, THUMB))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.cellDoubleClicked.connect(lambda row, _col: self.open_row(row))
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        layout.addWidget(self.table)

    def set_rows(self, rows: list[ReviewRow]) -> None:
        self.rows = rows
        project = self.context.project
        self.table.setRowCount(len(rows))
        for index, row in enumerate(rows):
            name = row.path.rsplit("/", 1)[-1]
            item = QTableWidgetItem(name)
            item.setToolTip(row.path)
            if project is not None:
                item.setIcon(thumbnail_icon(project, row.sha256, THUMB))
            self.table.setItem(index, 0, item)
            self.table.setItem(index, 1, QTableWidgetItem(self._name(row.label_id)))
            self.table.setItem(index, 2, QTableWidgetItem(self._name(row.suggested_id)))
            for col, value in ((3, row.score), (4, row.loss)):
                cell = QTableWidgetItem("" if value is None else f"{value:.3f}")
                cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(index, col, cell)
            if not self.shapes:  # a detector's or segmenter's errors are fixed on the canvas, not by a tag
                fix = QPushButton(f"Use {self._name(row.suggested_id)!r}")
                fix.setToolTip("relabel with the model's label (recorded under your name)")
                fix.clicked.connect(lambda _=False, r=row: self.relabel(r))
                self.table.setCellWidget(index, 5, fix)
            escalate = QPushButton("Escalate")
            escalate.setToolTip("send to the lead as a possible label error")
            escalate.setEnabled(escalate_function() is not None)
            escalate.clicked.connect(lambda _=False, r=row: self.escalate(r))
            self.table.setCellWidget(index, 6, escalate)

    def _name(self, label_id: int | None) -> str:
        label = self.context.label_by_id(label_id)
        return "—" if label is None else label.name

    def open_row(self, index: int) -> None:
        if 0 <= index < len(self.rows):
            self.context.open_sample(self.rows[index].sample_id)

    def selected_ids(self) -> list[int]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.rows[i].sample_id for i in rows if 0 <= i < len(self.rows)]

    def _context_menu(self, pos: Any) -> None:
        index = self.table.indexAt(pos)
        if not index.isValid() or index.row() >= len(self.rows):
            return
        clicked = self.rows[index.row()].sample_id
        selected = self.selected_ids()
        ids = selected if clicked in selected else [clicked]
        menu = QMenu(self)
        menu.addAction(
            "Find similar" if len(ids) == 1 else f"Find similar to these {len(ids)}",
            lambda: self.context.find_similar(ids),
        )
        menu.popup(self.table.viewport().mapToGlobal(pos))

    def show_all(self, title: str) -> None:
        self.context.show_samples([row.sample_id for row in self.rows], title)

    def relabel(self, row: ReviewRow) -> None:
        if row.suggested_id is None:
            return
        try:
            set_tag(self.context.store, row.sample_id, row.suggested_id, self.context.user_name)
        except S2Error as exc:
            self.context.message(str(exc), 0)
            return
        self.context.message(f"{row.path}: now {self._name(row.suggested_id)!r}")
        self.context.notify_annotations(row.sample_id)

    def escalate(self, row: ReviewRow) -> None:
        escalate = escalate_function()
        if escalate is None:
            return
        try:
            escalate(
                self.context.store,
                row.sample_id,
                ESCALATION_REASON,
                self.context.user_name,
                note=self.note_for(row),
                proposed_label_id=row.suggested_id,
                automatic=True,
            )
        except S2Error as exc:
            self.context.message(str(exc), 0)
            return
        self.context.message(f"{row.path}: escalated as a possible label error")
        self.context.notify_annotations(row.sample_id)


def _mistakes(store: Store) -> tuple[str | None, list[ReviewRow]]:
    model = store.models.active()
    if model is None:
        return None, []
    rows = []
    if model.task in ("detect", "segment"):  # loss: objects missed plus false, on images marked done
        wrong = [r for r in store.predictions.rows(model.version) if r["loss"] is not None and r["loss"] > 0]
        wrong.sort(key=lambda r: (-float(r["loss"]), r["id"]))
        for row in wrong[:ROW_LIMIT]:
            sample = store.samples.get(row["id"])
            rows.append(ReviewRow(row["id"], row["path"], sample.sha256, None, row["predicted_id"], row["score"],
                                  row["loss"]))  # fmt: skip
        return model.version, rows
    for row in store.predictions.mistakes(model.version, ROW_LIMIT):
        sample = store.samples.get(row["id"])
        rows.append(
            ReviewRow(
                row["id"], row["path"], sample.sha256, row["label_id"], row["predicted_id"], row["score"], row["loss"]
            )
        )
    return model.version, rows


class MispredictionsView(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.version: str | None = None
        self.loaded = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        bar = QHBoxLayout()
        self.title = QLabel("no active model yet")
        self.show_button = QPushButton("Show in gallery")
        bar.addWidget(self.title, 1)
        bar.addWidget(self.show_button)
        layout.addLayout(bar)
        self.table = SampleReviewTable(context, ("score", "loss"))
        self.table.note_for = self._note
        layout.addWidget(self.table, 1)
        self.show_button.clicked.connect(lambda: self.table.show_all(f"mispredictions of {self.version}"))
        self.refresher: Refresher[tuple[str | None, list[ReviewRow]]] = Refresher(self, context, _mistakes, self.apply)
        for signal in (
            context.annotationsChanged,
            context.predictionsChanged,
            context.modelsChanged,
            context.samplesChanged,
            context.projectChanged,
        ):
            signal.connect(self.refresher.schedule)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.refresher.refresh_if_stale()

    def _note(self, row: ReviewRow) -> str:
        return f"model {self.version} predicts {self.table._name(row.suggested_id)!r} (loss {row.loss or 0:.2f})"

    def apply(self, result: tuple[str | None, list[ReviewRow]]) -> None:
        self.loaded = True
        self.version, rows = result
        project = self.context.project
        self.table.shapes = project is not None and project.task in ("detect", "segment")
        if self.version is None:
            self.title.setText("no active model yet: train one to see what it gets wrong")
        else:
            more = " (the worst shown)" if len(rows) >= ROW_LIMIT else ""
            how = "most objects missed or invented first" if self.table.shapes else "highest loss first"
            self.title.setText(f"{len(rows):,} labeled samples model {self.version} gets wrong{more}, {how}")
        self.table.set_rows(rows)

    def shutdown(self) -> None:
        self.refresher.shutdown()
