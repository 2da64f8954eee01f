"""Time telemetry in the app: records how long each sample stays open and what was done, and
shows seconds per label and per shape per labeler and day (Model ▸ Labeling time view).

The recorder closes an interval whenever another sample opens (or the project or window
closes) and writes it to `sessions_time`; the canvas's undo history tells it each edit saved:
a tag, an accepted suggestion, shapes drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractItemView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from s2ide.core.errors import S2Error
from s2ide.core.labeling.done import is_shape_task
from s2ide.core.labeling.history import AddShape, AddShapes, Edit
from s2ide.core.labeling.tag_edit import SetTag
from s2ide.core.labeling.take_suggestions import TakeSuggestions
from s2ide.core.labeling.time_telemetry import SampleClock, TimeStat, prelabel_time, prelabel_time_line, time_stats
from s2ide.ui.shell.context import AppContext

if TYPE_CHECKING:
    from s2ide.ui.shell.main_window import MainWindow

COLUMNS = (
    "labeler",
    "day",
    "samples",
    "s/label (median)",
    "s/label (p90)",
    "s/accepted",
    "s/shape (median)",
    "s/shape (p90)",
)


class TimeRecorder(QObject):
    def __init__(self, context: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.clock = SampleClock()
        context.sampleChanged.connect(self._on_sample)
        context.projectChanged.connect(self.close)

    def _on_sample(self, sample_id: int) -> None:
        self.close()
        if sample_id >= 0 and self.context.project is not None and self.context.user is not None:
            self.clock.open(sample_id, self.context.user.name)

    def on_edit(self, edit: Edit) -> None:
        if edit.sample_id != self.clock.sample_id:
            return
        if isinstance(edit, SetTag) and edit.label_id is not None:
            self.clock.note(tags=1, accepted=1 if edit.source == "model-accepted" else 0)
        elif isinstance(edit, AddShape):
            self.clock.note(shapes=1)
        elif isinstance(edit, AddShapes):
            self.clock.note(shapes=len(edit.shapes))
        elif isinstance(edit, TakeSuggestions):
            self.clock.note(shapes=edit.count)

    def close(self) -> None:
        if self.context.project is None:
            self.clock.close()
            return
        try:
            self.clock.close_into(self.context.store)
        except S2Error as exc:  # telemetry never stands in the labeler's way
            self.context.message(f"Labeling time not saved: {exc}")


def _cell(value: float | int | str | None) -> QTableWidgetItem:
    text = "–" if value is None else (f"{value:.1f}" if isinstance(value, float) else str(value))
    item = QTableWidgetItem(text)
    if not isinstance(value, str):
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


class LabelingTimeView(QWidget):
    """Seconds per label and per shape, per labeler and day; refreshed each time it is shown."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        self.stats: list[TimeStat] = []

    def refresh(self) -> None:
        self.stats = time_stats(self.context.store) if self.context.project is not None else []
        self.table.setRowCount(len(self.stats))
        for row, stat in enumerate(self.stats):
            values = (
                stat.user, stat.day, stat.samples, stat.label_median, stat.label_p90,
                stat.accepted_median, stat.shape_median, stat.shape_p90,
            )  # fmt: skip
            for column, value in enumerate(values):
                self.table.setItem(row, column, _cell(value))
        self.table.resizeColumnsToContents()
        typed = [s.label_median for s in self.stats if s.label_median is not None]
        accepted = [s.accepted_median for s in self.stats if s.accepted_median is not None]
        gain = ""
        if typed and accepted:
            gain = f" Accepting a suggestion takes {sum(accepted) / len(accepted):.1f} s against "
            gain += f"{sum(typed) / len(typed):.1f} s for a label typed by hand (the pre-label gain)."
        lines = [f"Seconds a sample was open, per item done, by labeler and day.{gain}"]
        project = self.context.project
        if project is not None and is_shape_task(project.task):
            saved = prelabel_time(self.context.store)
            lines += [prelabel_time_line(row) for row in saved] or [
                "Time saved by pre-labels: shows once someone takes a model's suggestions on images marked done."
            ]
        self.summary.setText("\n".join(lines))

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        self.refresh()
        super().showEvent(event)


def _show(dock: QWidget) -> None:
    dock.show()
    dock.raise_()


def attach(window: MainWindow) -> None:
    context = window.context
    recorder = TimeRecorder(context, window)
    canvas_feature = getattr(window, "canvas_feature", None)
    if canvas_feature is not None:
        canvas_feature.canvas.undo.committed.connect(recorder.on_edit)
    window.closing.connect(recorder.close)
    view = LabelingTimeView(context)
    dock = window.add_dock(view, "Labeling time", Qt.DockWidgetArea.RightDockWidgetArea, visible=False)
    action = QAction("Labeling &time view", window)
    action.triggered.connect(lambda _checked=False: _show(dock))
    window.menu("&Model").addAction(action)
    window.labeling_time = recorder  # type: ignore[attr-defined]
    window.labeling_time_view = view  # type: ignore[attr-defined]
