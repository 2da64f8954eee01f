"""Pieces every engineer view shares: clickable stacked bars, throttled background refresh, thumbnails.

pyqtgraph is imported here, so this module (and every view) is imported only when a view is
first shown (s2ide/ui/insight/feature.py), keeping it off the app's start-up path.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import pyqtgraph as pg
from PySide6.QtCore import QObject, QPointF, QTimer
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QWidget

from s2ide.core.project import Project
from s2ide.core.store import Store
from s2ide.core.tasks import TaskState
from s2ide.ui.shell.context import AppContext
from s2ide.ui.shell.workers import TaskRunner

pg.setConfigOptions(background="w", foreground="#333", antialias=False)

SPLIT_COLORS = {"train": "#4c78a8", "val": "#f58518", "test": "#54a24b", "none": "#bab0ac"}
STATUS_COLORS = {
    "unlabeled": "#bab0ac",
    "labeled": "#54a24b",
    "escalated": "#e45756",
    "reviewed": "#4c78a8",
    "skipped": "#b279a2",
}
SOURCE_COLORS = {"human": "#4c78a8", "model-accepted": "#f58518", "import": "#bab0ac"}
PALETTE = ("#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2", "#ff9da6", "#9d755d")

T = TypeVar("T")


@dataclass(frozen=True)
class BarSeries:
    """One layer of a stacked bar chart: a value and a click key per category."""

    name: str
    color: str
    values: Sequence[float]
    keys: Sequence[Any]


class BarPlot(QObject):
    """Stacked bars on one PlotItem; a click on a bar calls `on_click(key)`.

    pyqtgraph's BarGraphItem has no click signal, so clicks on the scene are mapped into the
    plot's view coordinates and matched against the bars' rectangles.
    """

    def __init__(self, plot: pg.PlotItem, on_click: Callable[[Any], None], legend: bool = True) -> None:
        super().__init__(plot)
        self.plot = plot
        self.on_click = on_click
        self._rects: list[tuple[float, float, float, float, Any]] = []
        self._items: list[pg.BarGraphItem] = []
        self._legend = plot.addLegend(offset=(-5, 5), labelTextSize="8pt") if legend else None
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        plot.setMenuEnabled(False)
        self._connected = False

    def _connect(self) -> None:
        scene = self.plot.scene()
        if scene is not None and not self._connected:
            scene.sigMouseClicked.connect(self._on_scene_click)
            self._connected = True

    def set_stacked(self, categories: Sequence[str], series: Sequence[BarSeries], width: float = 0.8) -> None:
        self._connect()
        for item in self._items:
            self.plot.removeItem(item)
        if self._legend is not None:
            self._legend.clear()
        self._items = []
        self._rects = []
        base = [0.0] * len(categories)
        for layer in series:
            heights = [float(v) for v in layer.values]
            if not any(heights):
                continue
            item = pg.BarGraphItem(
                x=list(range(len(categories))),
                height=heights,
                y0=list(base),
                width=width,
                brush=QColor(layer.color),
                pen=pg.mkPen("w", width=0.5),
                name=layer.name,
            )
            self.plot.addItem(item)
            self._items.append(item)
            for index, height in enumerate(heights):
                if height > 0:
                    self._rects.append(
                        (index - width / 2, index + width / 2, base[index], base[index] + height, layer.keys[index])
                    )
                base[index] += height
        self.plot.getAxis("bottom").setTicks([list(enumerate(categories))])
        top = max(base, default=0.0)
        self.plot.setXRange(-0.6, max(len(categories), 1) - 0.4, padding=0)
        headroom = 1.3 if self._legend is not None and len(self._items) > 1 else 1.08  # room for the legend
        self.plot.setYRange(0, top * headroom if top > 0 else 1, padding=0)

    def bar_keys(self) -> list[Any]:
        return [rect[4] for rect in self._rects]

    def scene_point(self, key: Any) -> QPointF:
        """Centre of the bar with `key`, in scene coordinates (for tests and tooltips)."""
        for x0, x1, y0, y1, k in self._rects:
            if k == key:
                return self.plot.vb.mapViewToScene(QPointF((x0 + x1) / 2, (y0 + y1) / 2))
        raise KeyError(key)

    def key_at(self, scene_pos: QPointF) -> Any:
        if not self.plot.vb.sceneBoundingRect().contains(scene_pos):
            return None
        point = self.plot.vb.mapSceneToView(scene_pos)
        for x0, x1, y0, y1, key in self._rects:
            if x0 <= point.x() <= x1 and y0 <= point.y() <= y1:
                return key
        return None

    def _on_scene_click(self, event: Any) -> None:
        key = self.key_at(event.scenePos())
        if key is not None:
            event.accept()
            self.on_click(key)


class Refresher(QObject, Generic[T]):
    """Coalesce change signals into at most one query per `interval_ms`, run off the GUI thread.

    `query(store)` runs in a worker on its own connection; `apply(result)` runs on the GUI
    thread. A change arriving while a query runs queues exactly one more run after it.
    """

    def __init__(
        self,
        parent: QObject,
        context: AppContext,
        query: Callable[[Store], T],
        apply: Callable[[T], None],
        interval_ms: int = 300,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.query = query
        self.apply = apply
        self.runner = TaskRunner(self)
        self.runner.finished.connect(self._on_result)
        self.runner.failed.connect(lambda text: context.message(f"refresh failed: {text}"))
        self.runner.idle.connect(self._on_idle)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._run)
        self._pending = False
        self.stale = True  # the shown data may be out of date (a change arrived while hidden)
        self.runs = 0  # how many queries ran (tests check the throttling)

    def schedule(self) -> None:
        """Refresh soon; a hidden view only remembers it is stale and refreshes when shown."""
        parent = self.parent()
        if isinstance(parent, QWidget) and not parent.isVisible():
            self.stale = True
            return
        if not self.timer.isActive():
            self.timer.start()

    def refresh_if_stale(self) -> None:
        if self.stale:
            self.refresh_now()

    def refresh_now(self) -> None:
        self.timer.stop()
        self._run()

    def _run(self) -> None:
        project = self.context.project
        if project is None:
            return
        if self.runner.running:
            self._pending = True
            return
        self.stale = False
        self.runs += 1
        query = self.query

        def job(state: TaskState, project: Project = project) -> T:
            store = project.connect()
            try:
                state.check()
                return query(store)
            finally:
                store.close()

        self.runner.start(job, "refresh")

    def _on_result(self, result: T) -> None:
        self.apply(result)

    def _on_idle(self) -> None:
        if self._pending:
            self._pending = False
            self.schedule()

    @property
    def busy(self) -> bool:
        return self.runner.running or self.timer.isActive()

    def shutdown(self) -> None:
        self.timer.stop()
        self.runner.shutdown()


def thumbnail_icon(project: Project, sha256: str, size: int = 48) -> QIcon:
    """The cached thumbnail, or an empty icon when the import made none."""
    path = project.thumbnail_path(sha256)
    if not path.is_file():
        return QIcon()
    pixmap = QPixmap(str(path))
    return QIcon(pixmap.scaled(size, size)) if not pixmap.isNull() else QIcon()


def label_names(context: AppContext) -> dict[int, str]:
    return {label.id: label.name for label in context.labels()}
