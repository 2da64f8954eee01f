"""The lead's Escalations view: a filtered table of the queue (oldest first), the detail pane of
the chosen one, and each labeler's agreement figures from double-labeling.

The table is a Qt item model over one indexed query; it reloads when the context says a
sample's status changed, so an escalation raised in the label view appears at once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from s2ide.core.review.agreement import agreement_by_labeler
from s2ide.core.review.escalations import escalation_filter, reasons, waiting_count
from s2ide.core.store import SampleFilter
from s2ide.core.store.escalations import Escalation, EscalationFilter
from s2ide.ui.review.escalation_detail import EscalationDetail
from s2ide.ui.shell.column_table import ColumnTableModel
from s2ide.ui.shell.context import AppContext

STATE_FILTERS: tuple[tuple[str, str], ...] = (
    ("Waiting (open + in review)", "open"),
    ("Open", "open_only"),
    ("In review", "in_review"),
    ("Returned", "returned"),
    ("Resolved", "resolved"),
    ("All", "all"),
)
AGE_FILTERS: tuple[tuple[str, timedelta | None], ...] = (
    ("Any age", None),
    ("Older than 1 hour", timedelta(hours=1)),
    ("Older than 1 day", timedelta(days=1)),
    ("Older than 1 week", timedelta(weeks=1)),
)
PAGE = 200
WIDE_LAYOUT_PX = 900
COLUMNS = ("#", "Sample", "State", "Reason", "Labeler", "Proposed", "Assignee", "Age")
Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()


def age_text(created_at: str, now: datetime | None = None) -> str:
    """'5 min', '3 h', '2 d': how long it has waited."""
    now = now or datetime.now(UTC)
    seconds = max(0.0, (now - datetime.fromisoformat(created_at)).total_seconds())
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} d"


class EscalationTableModel(ColumnTableModel):
    columns = COLUMNS

    """Rows come in pages as the table scrolls (canFetchMore/fetchMore): a queue of 100,000
    escalations opens as fast as one of ten."""

    def __init__(self, context: AppContext, parent: Any = None) -> None:
        super().__init__(parent)
        self.context = context
        self.rows: list[Escalation] = []
        self.paths: dict[int, str] = {}
        self.filter: EscalationFilter | None = None
        self.total = 0

    def load(self, flt: EscalationFilter | None, total: int) -> None:
        self.beginResetModel()
        self.filter, self.total = flt, total
        self.rows, self.paths = [], {}
        if flt is not None and total:
            self._append(self._next_page())
        self.endResetModel()

    def _next_page(self) -> list[Escalation]:
        return self.context.store.review.escalations.list(self.filter, limit=PAGE, offset=len(self.rows))

    def _append(self, batch: list[Escalation]) -> None:
        ids = sorted({e.sample_id for e in batch} - set(self.paths))
        if ids:
            rows = self.context.store.samples.rows(SampleFilter(ids=ids))
            self.paths.update({int(r["id"]): str(r["path"]) for r in rows})
        self.rows.extend(batch)

    def canFetchMore(self, parent: Index = _ROOT) -> bool:
        return not parent.isValid() and len(self.rows) < self.total

    def fetchMore(self, parent: Index = _ROOT) -> None:
        if parent.isValid() or self.filter is None:
            return
        batch = self._next_page()
        if not batch:
            self.total = len(self.rows)
            return
        self.beginInsertRows(_ROOT, len(self.rows), len(self.rows) + len(batch) - 1)
        self._append(batch)
        self.endInsertRows()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        e = self.rows[index.row()]
        if role == Qt.ItemDataRole.UserRole:
            return e.id
        if role == Qt.ItemDataRole.ToolTipRole:
            return e.note or None
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        label = self.context.label_by_id(e.proposed_label_id)
        column = COLUMNS[index.column()]
        values = {
            "#": e.id,
            "Sample": self.paths.get(e.sample_id, str(e.sample_id)).rsplit("/", 1)[-1],
            "State": e.state.replace("_", " "),
            "Reason": e.reason,
            "Labeler": e.raised_by,
            "Proposed": label.name if label else "",
            "Assignee": e.assignee or "",
            "Age": age_text(e.created_at),
        }
        return values[column]

    def escalation_at(self, row: int) -> Escalation | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None


class AgreementTable(QTableWidget):
    """Per labeler: double-labeled samples settled, agreed, agreement rate and Cohen's kappa."""

    HEADERS = ("Labeler", "Samples", "Agreed", "Rate", "Cohen's κ")

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(0, len(self.HEADERS), parent)
        self.context = context
        self.setHorizontalHeaderLabels(self.HEADERS)
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)

    def refresh(self) -> None:
        if self.context.project is None:
            self.setRowCount(0)
            return
        figures = agreement_by_labeler(self.context.store)
        self.setRowCount(len(figures))
        for row, fig in enumerate(figures):
            values = [
                fig.user,
                str(fig.samples),
                str(fig.agreed),
                "–" if fig.rate is None else f"{fig.rate:.0%}",
                "–" if fig.kappa is None else f"{fig.kappa:.2f}",
            ]
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                if column:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.setItem(row, column, item)


class EscalationsView(QWidget):
    """Filters, table, detail and agreement. `countChanged` carries the waiting count (the badge)."""

    countChanged = Signal(int)
    openRequested = Signal(object)  # Escalation: show its sample and region on the canvas

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self._stale = True
        self.state = QComboBox()
        for text, value in STATE_FILTERS:
            self.state.addItem(text, value)
        self.reason = QComboBox()
        self.label = QComboBox()
        self.labeler = QComboBox()
        self.age = QComboBox()
        for age_name, min_age in AGE_FILTERS:
            self.age.addItem(age_name, min_age)
        filters = QGridLayout()  # two rows, so the filters stay readable in a narrow dock
        placed = (
            (self.state, 0, 0, 2),
            (self.age, 0, 2, 1),
            (self.reason, 1, 0, 1),
            (self.label, 1, 1, 1),
            (self.labeler, 1, 2, 1),
        )
        for combo, row, column, span in placed:
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
            combo.currentIndexChanged.connect(self.reload)
            filters.addWidget(combo, row, column, 1, span)

        self.model = EscalationTableModel(context, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setMinimumHeight(50)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.selectionModel().currentRowChanged.connect(self._on_current)
        self.table.doubleClicked.connect(lambda index: self.open_row(index.row()))
        self.summary = QLabel()

        self.detail = EscalationDetail(context)
        self.detail.changed.connect(self._after_action)
        self.detail.openRequested.connect(self.openRequested)
        self.agreement = AgreementTable(context)
        detail_scroll = QScrollArea()
        detail_scroll.setWidgetResizable(True)
        detail_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        detail_scroll.setWidget(self.detail)
        tabs = QTabWidget()
        tabs.addTab(detail_scroll, "Detail")
        agreement_page = QWidget()
        agreement_layout = QVBoxLayout(agreement_page)
        agreement_layout.setContentsMargins(2, 2, 2, 2)
        explain = QLabel(
            "Each labeler's independent labels on double-labeled samples against the settled label "
            "(the lead's resolution, or both labelers agreeing)."
        )
        explain.setWordWrap(True)
        agreement_layout.addWidget(explain)
        agreement_layout.addWidget(self.agreement, 1)
        tabs.addTab(agreement_page, "Agreement")
        self.tabs = tabs

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(filters)
        top_layout.addWidget(self.table, 1)
        top_layout.addWidget(self.summary)
        splitter = self.splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(tabs)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(splitter)

        context.projectChanged.connect(self.reset_filters)
        context.labelsChanged.connect(self.reset_filters)
        context.userChanged.connect(self.reload)
        context.annotationsChanged.connect(lambda _sid: self.reload())
        context.samplesChanged.connect(self.reload)
        self.reset_filters()

    # -- filters ---------------------------------------------------------------------------
    def reset_filters(self) -> None:
        combos = (self.reason, self.label, self.labeler)
        for combo in combos:
            combo.blockSignals(True)
            combo.clear()
        self.reason.addItem("Any reason", None)
        self.label.addItem("Any label", None)
        self.labeler.addItem("Any labeler", None)
        if self.context.project is not None:
            store = self.context.store
            for reason in sorted(set(reasons(store)) | set(store.review.escalations.reasons_in_use())):
                self.reason.addItem(reason, reason)
            for label in self.context.labels():
                self.label.addItem(label.name, label.id)
            for name in sorted({u.name for u in store.users.list()} | set(store.review.escalations.raisers())):
                self.labeler.addItem(name, name)
        for combo in combos:
            combo.blockSignals(False)
        self.reload()

    def set_filter(self, combo: QComboBox, value: Any) -> None:
        index = combo.findData(value)
        combo.setCurrentIndex(max(index, 0))

    # -- loading ---------------------------------------------------------------------------
    def reload(self) -> None:
        """The badge always; the table only while it is on screen (else when it is shown)."""
        if self.context.project is None:
            self.model.load(None, 0)
            self.detail.show_escalation(None)
            self.countChanged.emit(0)
            return
        store = self.context.store
        waiting = waiting_count(store)
        self.countChanged.emit(waiting)
        if not self.isVisible():
            self._stale = True
            return
        self._stale = False
        flt = escalation_filter(
            self.state.currentData(),
            reason=self.reason.currentData(),
            label_id=self.label.currentData(),
            raised_by=self.labeler.currentData(),
            min_age=self.age.currentData(),
        )
        current = self.detail.escalation.id if self.detail.escalation else None
        total = store.review.escalations.count_matching(flt)
        self.model.load(flt, total)
        self.summary.setText(f"{total} match · {waiting} waiting for a lead")
        self.agreement.refresh()
        row = next((i for i, e in enumerate(self.model.rows) if e.id == current), None)
        if row is not None:
            self.table.selectRow(row)
            self.detail.show_escalation(self.model.rows[row])
        elif current is not None:
            self.detail.show_escalation(store.review.escalations.get(current))
        else:
            self.detail.show_escalation(None)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Side by side (table | detail) when wide, stacked when narrow."""
        super().resizeEvent(event)
        wide = event.size().width() >= WIDE_LAYOUT_PX
        orientation = Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical
        if self.splitter.orientation() != orientation:
            self.splitter.setOrientation(orientation)
            extent = event.size().width() if wide else event.size().height()
            self.splitter.setSizes([int(extent * 0.45), int(extent * 0.55)])

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.detail.show_escalation(self.model.escalation_at(current.row()))

    def open_row(self, row: int) -> None:
        escalation = self.model.escalation_at(row)
        if escalation is not None:
            self.table.selectRow(row)
            self.detail.show_escalation(escalation)
            self.openRequested.emit(escalation)

    def _after_action(self) -> None:
        self.reload()
