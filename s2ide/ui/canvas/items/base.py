"""ShapeItem: the common drawing, hit testing and handle editing of vector annotations.

Items live in image coordinates (the scene); pens are cosmetic so lines stay crisp at any
zoom, and `pixel_size` (image pixels per screen pixel) sizes handles and hit tolerances.
An item only shows a geometry; edits go through tools and history, never through the item.
"""

from __future__ import annotations

import copy
from abc import abstractmethod
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

HANDLE_PX = 8.0
HIT_PX = 6.0


class ShapeItem(QGraphicsItem):
    kind = "shape"
    closed = True  # filled when closed

    def __init__(
        self,
        annotation_id: int | None,
        geometry: dict[str, Any],
        color: QColor,
        prediction: bool = False,
        label_id: int | None = None,
    ) -> None:
        super().__init__()
        self.annotation_id = annotation_id
        self.label_id = label_id
        self.geometry: dict[str, Any] = copy.deepcopy(geometry)
        self.color = QColor(color)
        self.prediction = prediction
        self.selected = False
        self.pixel_size = 1.0
        self._path = QPainterPath()
        self._rebuild()

    # -- geometry --------------------------------------------------------------------------
    def set_geometry(self, geometry: dict[str, Any]) -> None:
        self.prepareGeometryChange()
        self.geometry = copy.deepcopy(geometry)
        self._rebuild()
        self.update()

    def _rebuild(self) -> None:
        self._path = self.build_path()

    @abstractmethod
    def build_path(self) -> QPainterPath:
        """The outline in image coordinates (each kind draws its own)."""

    def handles(self) -> list[QPointF]:
        """Draggable points in image coordinates (vertices, corners)."""
        return []

    @abstractmethod
    def moved(self, dx: float, dy: float) -> dict[str, Any]:
        """This geometry translated by (dx, dy)."""

    @abstractmethod
    def with_handle(self, index: int, pos: QPointF) -> dict[str, Any]:
        """This geometry with handle `index` dragged to `pos`."""

    # -- look ------------------------------------------------------------------------------
    def set_color(self, color: QColor) -> None:
        self.color = QColor(color)
        self.update()

    def set_selected(self, selected: bool) -> None:
        if selected != self.selected:
            self.selected = selected
            self.setZValue(10 if selected else 0)
            self.update()

    def set_pixel_size(self, pixel_size: float) -> None:
        if pixel_size != self.pixel_size:
            self.prepareGeometryChange()
            self.pixel_size = pixel_size

    def pen(self) -> QPen:
        pen = QPen(self.color, 3.0 if self.selected else 2.0)
        pen.setCosmetic(True)
        if self.prediction:
            pen.setStyle(Qt.PenStyle.DashLine)
        return pen

    def boundingRect(self) -> QRectF:
        margin = (HANDLE_PX + 4) * self.pixel_size
        return self._path.boundingRect().adjusted(-margin, -margin, margin, margin)

    def shape(self) -> QPainterPath:
        stroker = QPainterPathStroker()
        stroker.setWidth(2 * HIT_PX * self.pixel_size)
        path = stroker.createStroke(self._path)
        if self.closed:
            path.addPath(self._path)
        return path

    def hit(self, pos: QPointF) -> bool:
        return self.shape().contains(pos)

    def handle_at(self, pos: QPointF) -> int | None:
        tolerance = HANDLE_PX * self.pixel_size
        best, best_dist = None, tolerance
        for index, handle in enumerate(self.handles()):
            dist = max(abs(handle.x() - pos.x()), abs(handle.y() - pos.y()))
            if dist <= best_dist:
                best, best_dist = index, dist
        return best

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(self.pen())
        fill = QColor(self.color)
        fill.setAlpha(0 if not self.closed else (25 if self.prediction else 50 if not self.selected else 80))
        painter.setBrush(QBrush(fill))
        painter.drawPath(self._path)
        if self.selected and not self.prediction:
            size = HANDLE_PX * self.pixel_size
            handle_pen = QPen(QColor("white"), 1.0)
            handle_pen.setCosmetic(True)
            painter.setPen(handle_pen)
            painter.setBrush(QBrush(self.color))
            for handle in self.handles():
                painter.drawRect(QRectF(handle.x() - size / 2, handle.y() - size / 2, size, size))
