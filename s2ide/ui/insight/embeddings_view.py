"""Embeddings view: the active model's embeddings projected to 2-D, colored by label or prediction.

Hovering a point shows its thumbnail; dragging in Box or Lasso mode selects points and shows
those samples in the gallery. The points are splatted into one image per frame (PointCloudItem),
which keeps 100,000 points smooth where ScatterPlotItem is not; tests/bench/bench_views.py
measures both.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPixmap, QTransform
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QGraphicsPathItem,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from s2ide.core.engine.projection import available_methods, project
from s2ide.core.store import Store
from s2ide.ui.insight.common import Refresher
from s2ide.ui.shell.context import AppContext

UNKNOWN_COLOR = "#c8c8c8"
MAX_NEAREST_PX = 12  # hover picks the nearest point within this many pixels


class SelectMode(StrEnum):
    PAN = "pan"
    BOX = "box"
    LASSO = "lasso"


def points_in_polygon(xy: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Boolean mask of the points inside a closed polygon (even-odd rule, vectorised over points)."""
    inside = np.zeros(len(xy), dtype=bool)
    if len(polygon) < 3 or len(xy) == 0:
        return inside
    x, y = xy[:, 0], xy[:, 1]
    x0, y0 = polygon[:, 0], polygon[:, 1]
    x1, y1 = np.roll(x0, -1), np.roll(y0, -1)
    for ax, ay, bx, by in zip(x0, y0, x1, y1):
        if ay == by:
            continue
        crosses = (ay > y) != (by > y)
        at = ax + (y - ay) * (bx - ax) / (by - ay)
        inside ^= crosses & (x < at)
    return inside


class SelectViewBox(pg.ViewBox):
    """A ViewBox whose left-drag pans, or draws a box or lasso that becomes a selection."""

    sigSelected = Signal(object)  # polygon as an (m, 2) array in view coordinates

    def __init__(self) -> None:
        super().__init__()
        self.mode = SelectMode.PAN
        self._points: list[QPointF] = []
        self._outline = QGraphicsPathItem()
        self._outline.setPen(pg.mkPen("#e45756", width=1.5, style=Qt.PenStyle.DashLine))
        self._outline.setZValue(1e6)
        self.addItem(self._outline, ignoreBounds=True)

    def mouseDragEvent(self, ev: Any, axis: Any = None) -> None:
        if self.mode is SelectMode.PAN or ev.button() != Qt.MouseButton.LeftButton:
            super().mouseDragEvent(ev, axis)
            return
        ev.accept()
        point = self.mapToView(ev.pos())
        if ev.isStart():
            self._points = [self.mapToView(ev.buttonDownPos())]
        self._points.append(point)
        polygon = self.polygon()
        path = QPainterPath()
        if len(polygon):
            path.moveTo(*polygon[0])
            for px, py in polygon[1:]:
                path.lineTo(px, py)
            path.closeSubpath()
        self._outline.setPath(path)
        if ev.isFinish():
            self._outline.setPath(QPainterPath())
            self.sigSelected.emit(polygon)
            self._points = []

    def polygon(self) -> np.ndarray:
        if not self._points:
            return np.zeros((0, 2))
        if self.mode is SelectMode.BOX:
            a, b = self._points[0], self._points[-1]
            return np.array([[a.x(), a.y()], [b.x(), a.y()], [b.x(), b.y()], [a.x(), b.y()]])
        return np.array([[p.x(), p.y()] for p in self._points])


class PointCloudItem(pg.GraphicsObject):
    """Many points drawn as one image: each frame splats them into a viewport-sized RGBA buffer.

    pyqtgraph's ScatterPlotItem draws one cached symbol per point, which costs tens of ms a
    frame at 100,000 points; splatting in numpy and drawing a single QImage costs a few ms,
    whatever the zoom. Later points paint over earlier ones (callers put "unknown" first).
    """

    def __init__(self) -> None:
        super().__init__()
        self.xy = np.zeros((0, 2), dtype=np.float64)
        self.rgba = np.zeros((0, 4), dtype=np.uint8)
        self.radius = 2
        self._bounds = QRectF()
        self._cache_key: tuple[Any, ...] | None = None  # (scale, tx, ty, margin x, margin y)
        self._image: QImage | None = None

    def set_data(self, xy: np.ndarray, rgba: np.ndarray, radius: int = 2) -> None:
        self.prepareGeometryChange()
        self.xy = np.asarray(xy, dtype=np.float64)
        self.rgba = np.ascontiguousarray(rgba, dtype=np.uint8)
        self.radius = radius
        if len(self.xy):
            (x0, y0), (x1, y1) = self.xy.min(axis=0), self.xy.max(axis=0)
            self._bounds = QRectF(x0, y0, max(x1 - x0, 1e-9), max(y1 - y0, 1e-9))
        else:
            self._bounds = QRectF()
        self._cache_key = None
        self.update()

    def boundingRect(self) -> QRectF:
        return self._bounds

    def _offsets(self) -> list[tuple[int, int]]:
        r = self.radius
        return [(dx, dy) for dx in range(-r, r + 1) for dy in range(-r, r + 1) if dx * dx + dy * dy <= r * r + r]

    def render(self, transform: QTransform, width: int, height: int) -> tuple[QImage, int, int]:
        """(image, x, y): draw `image` at device pixel (x, y) to show the points under `transform`.

        The image covers the viewport plus half a viewport on each side, so panning within
        that margin only moves the cached image; zooming or resizing splats again.
        """
        scale = (transform.m11(), transform.m22(), width, height)
        tx, ty = transform.m31(), transform.m32()
        if self._image is not None and self._cache_key is not None and self._cache_key[0] == scale:
            _, tx0, ty0, ox, oy = self._cache_key
            x, y = round(tx - tx0 - ox), round(ty - ty0 - oy)
            if x <= 0 and y <= 0 and x + self._image.width() >= width and y + self._image.height() >= height:
                return self._image, x, y
        mx, my = width // 2, height // 2
        full_w, full_h = width + 2 * mx, height + 2 * my
        r = self.radius
        stride = full_w + 2 * r  # a margin of r on every side: no per-offset bounds checks
        # Qt owns the pixels; numpy writes into them through bits(). (A QImage made over a numpy
        # buffer releases that buffer itself when it dies, which breaks Python's refcounts.)
        image = QImage(stride, full_h + 2 * r, QImage.Format.Format_RGBA8888)
        image.fill(0)
        flat = np.frombuffer(image.bits(), dtype=np.uint32)
        if len(self.xy) and width > 0 and height > 0:
            px = np.rint(transform.m11() * self.xy[:, 0] + (tx + mx)).astype(np.int64)
            py = np.rint(transform.m22() * self.xy[:, 1] + (ty + my)).astype(np.int64)
            visible = (px >= -r) & (px < full_w + r) & (py >= -r) & (py < full_h + r)
            centre = (py[visible] + r) * stride + (px[visible] + r)
            colors = self.rgba[visible].view(np.uint32).ravel()
            for dx, dy in self._offsets():
                index = centre + (dy * stride + dx)
                ok = (index >= 0) & (index < flat.size)
                flat[index[ok]] = colors[ok]
        del flat
        self._image = image
        self._cache_key = (scale, tx, ty, mx + r, my + r)
        return self._image, -mx - r, -my - r

    def paint(self, painter: QPainter, *args: Any) -> None:
        transform = painter.transform()
        device = painter.device()
        if device is None:
            return
        image, x, y = self.render(transform, device.width(), device.height())
        painter.save()
        painter.resetTransform()
        painter.drawImage(x, y, image)
        painter.restore()


class ScatterPanel(QWidget):
    """A 2-D scatter fed with plain numpy arrays: one class index and a color per class."""

    selected = Signal(object)  # np.ndarray of point indices
    hovered = Signal(int)  # point index, -1 when none

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.view_box = SelectViewBox()
        self.plot_widget = pg.PlotWidget(viewBox=self.view_box)
        self.plot_widget.setAntialiasing(False)
        self.plot_widget.hideButtons()
        layout.addWidget(self.plot_widget)
        self.xy = np.zeros((0, 2), dtype=np.float32)
        self.classes = np.zeros(0, dtype=np.int64)
        self.cloud = PointCloudItem()
        self.plot_widget.addItem(self.cloud)
        self.names: list[str] = []
        self.view_box.sigSelected.connect(self._on_polygon)
        self.plot_widget.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self._hovered = -1

    def set_mode(self, mode: SelectMode) -> None:
        self.view_box.mode = mode

    def set_points(
        self, xy: np.ndarray, classes: np.ndarray, colors: list[Any], names: list[str] | None = None
    ) -> None:
        """xy (n, 2); classes (n,) indexing `colors` (-1: unknown, drawn grey and underneath)."""
        self.xy = np.asarray(xy, dtype=np.float32)
        self.classes = np.asarray(classes, dtype=np.int64)
        palette = np.array([QColor(c).getRgb() for c in [*colors, UNKNOWN_COLOR]], dtype=np.uint8)
        order = np.argsort(self.classes >= 0, kind="stable")  # unknown first, underneath
        rgba = palette[self.classes[order]]  # -1 picks the last entry: UNKNOWN_COLOR
        self.cloud.set_data(self.xy[order], rgba, radius=2 if len(self.xy) > 20_000 else 3)
        self.names = names or []
        if len(self.xy):
            self.plot_widget.getViewBox().autoRange(padding=0.05)

    def select_polygon(self, polygon: np.ndarray) -> np.ndarray:
        return np.flatnonzero(points_in_polygon(self.xy, np.asarray(polygon, dtype=np.float64)))

    def _on_polygon(self, polygon: np.ndarray) -> None:
        chosen = self.select_polygon(polygon)
        if chosen.size:
            self.selected.emit(chosen)

    def nearest(self, scene_pos: QPointF) -> int:
        if not len(self.xy) or not self.view_box.sceneBoundingRect().contains(scene_pos):
            return -1
        point = self.view_box.mapSceneToView(scene_pos)
        px, py = self.view_box.viewPixelSize()
        dx = (self.xy[:, 0] - point.x()) / max(px, 1e-12)
        dy = (self.xy[:, 1] - point.y()) / max(py, 1e-12)
        dist = dx * dx + dy * dy
        best = int(np.argmin(dist))
        return best if dist[best] <= MAX_NEAREST_PX**2 else -1

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        index = self.nearest(scene_pos)
        if index != self._hovered:
            self._hovered = index
            self.hovered.emit(index)


@dataclass(frozen=True)
class EmbeddingData:
    version: str | None
    sample_ids: np.ndarray
    xy: np.ndarray
    label_ids: np.ndarray  # tag label id, -1 when untagged
    predicted_ids: np.ndarray


def _load(method: str, store: Store) -> EmbeddingData:
    empty = np.zeros(0, dtype=np.int64)
    model = store.models.active()
    if model is None:
        return EmbeddingData(None, empty, np.zeros((0, 2), np.float32), empty, empty)
    arrays = store.predictions.arrays(model.version, with_embeddings=True)
    if arrays.embeddings is None:
        return EmbeddingData(model.version, empty, np.zeros((0, 2), np.float32), empty, empty)
    tags = {row["id"]: row["label_id"] for row in store.predictions.rows(model.version)}
    label_ids = np.array([-1 if tags.get(i) is None else tags[i] for i in arrays.sample_ids.tolist()], dtype=np.int64)
    return EmbeddingData(
        model.version, arrays.sample_ids, project(arrays.embeddings, method), label_ids, arrays.label_ids
    )


class EmbeddingsView(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.data: EmbeddingData | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        bar = QHBoxLayout()
        self.color_combo = QComboBox()
        self.color_combo.addItems(["label", "prediction"])
        self.method_combo = QComboBox()
        self.method_combo.addItems([m.value.upper() for m in available_methods()])
        bar.addWidget(QLabel("Color by"))
        bar.addWidget(self.color_combo)
        bar.addWidget(QLabel("Projection"))
        bar.addWidget(self.method_combo)
        self.panel = ScatterPanel()
        self.panel.set_mode(SelectMode.LASSO)
        self.mode_group = QButtonGroup(self)
        for mode, tip in (
            (SelectMode.PAN, "drag to pan, wheel to zoom"),
            (SelectMode.BOX, "drag a box to select"),
            (SelectMode.LASSO, "draw around points to select"),
        ):
            button = QPushButton(mode.value.capitalize())
            button.setCheckable(True)
            button.setToolTip(tip)
            button.setChecked(mode is SelectMode.LASSO)
            button.clicked.connect(lambda _=False, m=mode: self.panel.set_mode(m))
            self.mode_group.addButton(button)
            bar.addWidget(button)
        bar.addStretch(1)
        self.title = QLabel()
        bar.addWidget(self.title)
        layout.addLayout(bar)
        body = QHBoxLayout()
        body.addWidget(self.panel, 1)
        side = QVBoxLayout()
        self.thumb = QLabel()
        self.thumb.setFixedSize(128, 128)
        self.thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumb.setStyleSheet("border: 1px solid #ccc; background: white;")
        self.hover_text = QLabel("hover a point")
        self.hover_text.setWordWrap(True)
        self.hover_text.setFixedWidth(128)
        self.legend = QLabel()
        self.legend.setWordWrap(True)
        self.legend.setFixedWidth(128)
        self.selection_ids: list[int] = []
        self.similar_mean = QPushButton("Similar: mean")
        self.similar_mean.setToolTip("samples near the selection's mean embedding (what the selected share)")
        self.similar_any = QPushButton("Similar: any")
        self.similar_any.setToolTip("samples near any one of the selected")
        self.similar_mean.clicked.connect(lambda: self.find_similar("mean"))
        self.similar_any.clicked.connect(lambda: self.find_similar("any"))
        for widget in (self.thumb, self.hover_text, self.legend, self.similar_mean, self.similar_any):
            side.addWidget(widget)
        self._enable_similar()
        side.addStretch(1)
        body.addLayout(side)
        layout.addLayout(body, 1)
        self.panel.selected.connect(self._on_selected)
        self.panel.hovered.connect(self._on_hovered)
        self.color_combo.currentIndexChanged.connect(self._draw)
        self.method_combo.currentIndexChanged.connect(self.schedule)
        self.refresher: Refresher[EmbeddingData] = Refresher(self, context, self._query(), self.apply, 1000)
        for signal in (context.predictionsChanged, context.modelsChanged, context.projectChanged):
            signal.connect(self.schedule)
        context.annotationsChanged.connect(self.schedule)

    def _query(self) -> Any:
        method = self.method_combo.currentText().lower() or "pca"
        return lambda store: _load(method, store)

    def schedule(self) -> None:
        self.refresher.query = self._query()
        self.refresher.schedule()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.refresher.query = self._query()
        self.refresher.refresh_if_stale()

    def apply(self, data: EmbeddingData) -> None:
        self.data = data
        if data.version is None:
            self.title.setText("no active model yet")
        elif not len(data.sample_ids):
            self.title.setText(f"model {data.version} stored no embeddings (predict again)")
        else:
            self.title.setText(f"model {data.version}: {len(data.sample_ids):,} samples")
        self._draw()

    def _draw(self) -> None:
        data = self.data
        if data is None:
            return
        labels = self.context.labels()
        index_of = {label.id: i for i, label in enumerate(labels)}
        source = data.label_ids if self.color_combo.currentText() == "label" else data.predicted_ids
        classes = np.array([index_of.get(int(v), -1) for v in source.tolist()], dtype=np.int64)
        self.panel.set_points(data.xy, classes, [label.color for label in labels], [label.name for label in labels])
        self.legend.setText(
            "<br>".join(f"<span style='color:{label.color}'>●</span> {label.name}" for label in labels)
            + f"<br><span style='color:{UNKNOWN_COLOR}'>●</span> none"
        )

    def _on_selected(self, indices: np.ndarray) -> None:
        if self.data is None:
            return
        ids = [int(i) for i in self.data.sample_ids[indices]]
        self.selection_ids = ids
        self._enable_similar()
        self.context.show_samples(ids, f"{len(ids):,} samples selected in the embeddings of {self.data.version}")

    def _enable_similar(self) -> None:
        for button in (self.similar_mean, self.similar_any):
            button.setEnabled(bool(self.selection_ids))

    def find_similar(self, mode: str) -> None:
        """Search from the lasso's samples: by their mean, or close to any of them."""
        if self.selection_ids:
            self.context.find_similar(self.selection_ids, mode)

    def _on_hovered(self, index: int) -> None:
        data = self.data
        project_ = self.context.project
        if data is None or index < 0 or project_ is None:
            self.thumb.clear()
            self.hover_text.setText("hover a point")
            return
        sample = self.context.store.samples.get(int(data.sample_ids[index]))
        pixmap = QPixmap(str(project_.thumbnail_path(sample.sha256)))  # the cached one: never a full decode
        if pixmap.isNull():
            self.thumb.setText("no thumbnail")
        else:
            self.thumb.setPixmap(pixmap.scaled(124, 124, Qt.AspectRatioMode.KeepAspectRatio))
        label = self.context.label_by_id(int(data.label_ids[index]))
        predicted = self.context.label_by_id(int(data.predicted_ids[index]))
        self.hover_text.setText(
            f"{sample.path.rsplit('/', 1)[-1]}<br>label: {label.name if label else '—'}"
            f"<br>model: {predicted.name if predicted else '—'}"
        )

    def shutdown(self) -> None:
        self.refresher.shutdown()
