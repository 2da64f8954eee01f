"""PointItem: a dot of constant screen size; the point itself is its handle."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF
from PySide6.QtGui import QPainterPath

from s2ide.ui.canvas.items.base import ShapeItem

RADIUS_PX = 5.0


class PointItem(ShapeItem):
    kind = "point"

    def center(self) -> QPointF:
        return QPointF(self.geometry["x"], self.geometry["y"])

    def build_path(self) -> QPainterPath:
        path = QPainterPath()
        path.addEllipse(self.center(), RADIUS_PX * self.pixel_size, RADIUS_PX * self.pixel_size)
        return path

    def set_pixel_size(self, pixel_size: float) -> None:
        super().set_pixel_size(pixel_size)
        self._rebuild()

    def handles(self) -> list[QPointF]:
        return [self.center()]

    def moved(self, dx: float, dy: float) -> dict[str, Any]:
        return {"x": self.geometry["x"] + dx, "y": self.geometry["y"] + dy}

    def with_handle(self, index: int, pos: QPointF) -> dict[str, Any]:
        return {"x": pos.x(), "y": pos.y()}
