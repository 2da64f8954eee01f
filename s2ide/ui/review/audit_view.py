"""The Audit view for leads and engineers: every change (who, when, what, before and after),
filtered by user and sample. The core refuses labelers; the view then says so.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from s2ide.core.errors import S2Error
from s2ide.core.review.users import read_audit
from s2ide.core.store.records import AuditEntry
from s2ide.ui.shell.column_table import ColumnTableModel
from s2ide.ui.shell.context import AppContext

COLUMNS = ("When (UTC)", "Who", "Action", "What", "Before", "After")
LIMIT = 2000
MAX_JSON_WIDTH = 420
Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()


def compact(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


class AuditModel(ColumnTableModel):
    columns = COLUMNS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[AuditEntry] = []

    def set_rows(self, rows: list[AuditEntry]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        e = self.rows[index.row()]
        values = (
            e.at[:19].replace("T", " "),
            e.user,
            e.action,
            f"{e.entity} {e.entity_id or ''}".strip(),
            compact(e.before),
            compact(e.after),
        )
        return values[index.column()]


class AuditView(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.user_filter = QComboBox()
        self.sample_filter = QLineEdit()
        self.sample_filter.setPlaceholderText("sample id")
        self.sample_filter.setMaximumWidth(100)
        self.sample_filter.returnPressed.connect(self.reload)
        self.user_filter.currentIndexChanged.connect(self.reload)
        current_button = QPushButton("This sample")
        current_button.setToolTip("Show the changes of the sample open on the canvas")
        current_button.clicked.connect(self.filter_current_sample)
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.reload)
        self.message = QLabel()
        self.model = AuditModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        filters = QHBoxLayout()
        filters.addWidget(QLabel("User"))
        filters.addWidget(self.user_filter)
        filters.addWidget(QLabel("Sample"))
        filters.addWidget(self.sample_filter)
        filters.addWidget(current_button)
        filters.addWidget(refresh)
        filters.addWidget(self.message, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        context.projectChanged.connect(self.reset_users)
        context.userChanged.connect(self.reset_users)
        context.annotationsChanged.connect(lambda _sid: self.reload() if self.isVisible() else None)
        self.reset_users()

    def reset_users(self) -> None:
        self.user_filter.blockSignals(True)
        self.user_filter.clear()
        self.user_filter.addItem("Everyone", None)
        if self.context.project is not None:
            for user in self.context.store.users.list():
                self.user_filter.addItem(user.name, user.name)
        self.user_filter.blockSignals(False)
        self.reload()

    def filter_current_sample(self) -> None:
        sample_id = self.context.current_sample_id
        self.sample_filter.setText("" if sample_id is None else str(sample_id))
        self.reload()

    def reload(self) -> None:
        if self.context.project is None or self.context.user is None:
            self.model.set_rows([])
            self.message.setText("")
            return
        text = self.sample_filter.text().strip()
        if text and not text.isdigit():
            self.message.setText(f"{text!r} is not a sample id")
            return
        try:
            rows = read_audit(
                self.context.store,
                self.context.user.name,
                user=self.user_filter.currentData(),
                sample_id=int(text) if text else None,
                limit=LIMIT,
            )
        except S2Error as exc:
            self.model.set_rows([])
            self.message.setText(str(exc))
            return
        self.model.set_rows(rows)
        self.message.setText(f"{len(rows)} change(s)" + (" (newest shown)" if len(rows) == LIMIT else ""))
        self.table.resizeColumnsToContents()
        for column in (4, 5):  # before/after: capped, the full JSON is in the tooltip
            self.table.setColumnWidth(column, min(self.table.columnWidth(column), MAX_JSON_WIDTH))
