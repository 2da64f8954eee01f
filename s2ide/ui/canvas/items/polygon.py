"""PolygonItem and LineItem: vertices are the handles; a line is an open polygon.

A polygon imported as one instance of several rings (COCO) draws every ring and keeps them
through edits; the handles are the first ring's vertices.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QPointF
from PySide6.QtGui import QPainterPath, QPolygonF

from s2ide.ui.canvas.items.base import HIT_PX, ShapeItem


class PolygonItem(ShapeItem):
    kind = "polygon"

    def points(self) -> list[QPointF]:
        return [QPointF(x, y) for x, y in self.geometry["points"]]

    def build_path(self) -> QPainterPath:
        path = QPainterPath()
        points = self.points()
        if points:
            path.addPolygon(QPolygonF(points + ([points[0]] if self.closed else [])))
        for ring in self.geometry.get("rings", []):
            ring_points = [QPointF(x, y) for x, y in ring]
            path.addPolygon(QPolygonF([*ring_points, ring_points[0]]))
        return path

    def _with_points(self, points: list[list[float]], rings: list[Any] | None = None) -> dict[str, Any]:
        """New geometry with these first-ring points; the further rings stay (moved when given)."""
        kept = rings if rings is not None else self.geometry.get("rings")
        return {"points": points, "rings": kept} if kept else {"points": points}

    def handles(self) -> list[QPointF]:
        return self.points()

    def moved(self, dx: float, dy: float) -> dict[str, Any]:
        rings = [[[x + dx, y + dy] for x, y in ring] for ring in self.geometry.get("rings", [])]
        return self._with_points([[x + dx, y + dy] for x, y in self.geometry["points"]], rings)

    def with_handle(self, index: int, pos: QPointF) -> dict[str, Any]:
        points = [list(p) for p in self.geometry["points"]]
        points[index] = [pos.x(), pos.y()]
        return self._with_points(points)

    min_points = 3

    def with_vertex_inserted(self, pos: QPointF) -> dict[str, Any] | None:
        """A vertex added at `pos` on the nearest edge, if `pos` lies on one (within the hit tolerance)."""
        points = self.geometry["points"]
        count = len(points) if self.closed else len(points) - 1
        best, best_dist = None, HIT_PX * self.pixel_size
        for index in range(count):
            (x1, y1), (x2, y2) = points[index], points[(index + 1) % len(points)]
            dx, dy = x2 - x1, y2 - y1
            length2 = dx * dx + dy * dy or 1e-12
            t = max(0.0, min(1.0, ((pos.x() - x1) * dx + (pos.y() - y1) * dy) / length2))
            dist = math.hypot(pos.x() - (x1 + t * dx), pos.y() - (y1 + t * dy))
            if dist <= best_dist:
                best, best_dist = index, dist
        if best is None:
            return None
        new_points = [list(p) for p in points]
        new_points.insert(best + 1, [pos.x(), pos.y()])
        return self._with_points(new_points)

    def without_vertex(self, index: int) -> dict[str, Any] | None:
        """The shape without vertex `index`, unless that would leave too few points."""
        points = self.geometry["points"]
        if len(points) <= self.min_points:
            return None
        return self._with_points([list(p) for i, p in enumerate(points) if i != index])


class LineItem(PolygonItem):
    kind = "line"
    closed = False
    min_points = 2
