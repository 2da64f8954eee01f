"""Review ▸ Team dashboard: who is active now, labels per person today and per hour, open
escalations per person, each labeler's agreement. It follows every change as it arrives (the
window's change watcher turns others' commits into the same signals), at most once a second.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from s2ide.core.engine.work_queue import holders
from s2ide.core.review.team import TeamRow, team_summary
from s2ide.core.review.users import Action, can
from s2ide.ui.shell.column_table import ColumnTableModel
from s2ide.ui.shell.context import AppContext

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMainWindow

COLUMNS = (
    "Person", "Role", "Now", "Holding", "Labels today", "Last hour", "Per hour (UTC)", "Open escalations", "Agreement"
)  # fmt: skip
HOLDING = COLUMNS.index("Holding")
REFRESH_MS = 1000
LEASES_REFRESH_MS = 5000
Index = QModelIndex | QPersistentModelIndex


def _hours(row: TeamRow) -> str:
    if not row.labels_by_hour:
        return ""
    return "  ".join(f"{hour:02d}h {count}" for hour, count in sorted(row.labels_by_hour.items()))


class TeamModel(ColumnTableModel):
    columns = COLUMNS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.held: dict[str, list[tuple[int, str]]] = {}

    def set_rows(self, rows: list[TeamRow], held: dict[str, list[tuple[int, str]]] | None = None) -> None:
        """`held`: each person's leased samples now (sample id, until when), from Next's leases."""
        self.beginResetModel()
        self.rows = rows
        self.held = held or {}
        self.endResetModel()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row: TeamRow = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            agreement = "" if row.agreement is None else f"{row.agreement:.0%}"
            if row.kappa is not None:
                agreement += f" (κ {row.kappa:.2f})"
            seen = "active" if row.active_now else (row.last_change[11:16] if row.last_change else "")
            escalations = f"{row.open_raised} raised" + (f", {row.open_assigned} assigned" if row.open_assigned else "")
            holding = self.held.get(row.user, [])
            values = (
                row.user,
                row.role,
                seen,
                ", ".join(f"#{sample}" for sample, _until in holding[:3]) + (" …" if len(holding) > 3 else ""),
                row.labels_today,
                row.labels_last_hour,
                _hours(row),
                escalations if row.open_raised or row.open_assigned else "",
                agreement,
            )
            return values[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 2 and row.last_change:
            return f"last change {row.last_change[:19].replace('T', ' ')} UTC ({row.changes_today} changes today)"
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == HOLDING and self.held.get(row.user):
            return "\n".join(
                f"sample {sample} until {until[11:19]} UTC" for sample, until in self.held[row.user]
            )  # fmt: skip
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in (HOLDING + 1, HOLDING + 2):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class TeamDashboard(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.model = TeamModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.status = QLabel()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.status)
        layout.addWidget(self.table)
        self._timer = QTimer(self)  # many changes in a burst: one recount a second
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.reload)
        self._leases_timer = QTimer(self)
        self._leases_timer.setSingleShot(True)
        self._leases_timer.setInterval(LEASES_REFRESH_MS)
        self._leases_timer.timeout.connect(self.reload)
        for signal in (context.samplesChanged, context.labelsChanged, context.modelsChanged, context.userChanged):
            signal.connect(self.schedule)
        context.annotationsChanged.connect(lambda _id: self.schedule())
        context.projectChanged.connect(self.reload)

    def schedule(self) -> None:
        if self.isVisible() and not self._timer.isActive():
            self._timer.start()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.reload()

    def reload(self) -> None:
        ctx = self.context
        if ctx.project is None:
            self.model.set_rows([])
            self.status.setText("")
            return
        if ctx.user is None or not can(ctx.user.role, Action.VIEW_AUDIT):
            self.model.set_rows([])
            self.status.setText("The team dashboard is for leads and engineers.")
            return
        rows = team_summary(ctx.store)
        held: dict[str, list[tuple[int, str]]] = {}
        for sample_id, holder, _taken, until in holders(ctx.store):
            held.setdefault(holder, []).append((sample_id, until))
        self.model.set_rows(rows, held)
        active = sum(r.active_now for r in rows)
        labels = sum(r.labels_today for r in rows)
        holding = sum(len(v) for v in held.values())
        self.status.setText(
            f"{active} active now · {holding} samples held · {labels} labels today (UTC) · updates as changes arrive"
        )
        if self.isVisible():
            self._leases_timer.start()  # leases are taken without an audit row: look again shortly


def attach(window: QMainWindow) -> None:
    context: AppContext = window.context  # type: ignore[attr-defined]
    dashboard = TeamDashboard(context)
    dock = window.add_dock(  # type: ignore[attr-defined]
        dashboard, "Team", Qt.DockWidgetArea.BottomDockWidgetArea, visible=False
    )
    action = QAction("Team dashboard", window)
    action.setToolTip("Who is active, labels per person and hour today, open escalations, agreement")
    action.triggered.connect(lambda: (dock.show(), dock.raise_()))
    window.menu("&Review").addAction(action)  # type: ignore[attr-defined]
    window.team_dashboard = dashboard  # type: ignore[attr-defined]
