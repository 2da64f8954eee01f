"""PolygonItem and LineItem: vertices are the handles; a line is an open polygon."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF
from PySide6.QtGui import QPainterPath, QPolygonF

from s2ide.ui.canvas.items.base import ShapeItem


class PolygonItem(ShapeItem):
    kind = "polygon"

    def points(self) -> list[QPointF]:
        return [QPointF(x, y) for x, y in self.geometry["points"]]

    def build_path(self) -> QPainterPath:
        path = QPainterPath()
        points = self.points()
        if points:
            path.addPolygon(QPolygonF(points + ([points[0]] if self.closed else [])))
        return path

    def handles(self) -> list[QPointF]:
        return self.points()

    def moved(self, dx: float, dy: float) -> dict[str, Any]:
        return {"points": [[x + dx, y + dy] for x, y in self.geometry["points"]]}

    def with_handle(self, index: int, pos: QPointF) -> dict[str, Any]:
        points = [list(p) for p in self.geometry["points"]]
        points[index] = [pos.x(), pos.y()]
        return {"points": points}


class LineItem(PolygonItem):
    kind = "line"
    closed = False
