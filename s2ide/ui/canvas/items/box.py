"""BoxItem: an axis-aligned or rotated box; its four corners are the handles."""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QPointF
from PySide6.QtGui import QPainterPath, QPolygonF

from s2ide.core.geometry import box_corners
from s2ide.ui.canvas.items.base import ShapeItem


def box_from_corners(fixed: QPointF, dragged: QPointF, angle: float) -> dict[str, Any]:
    """The box with opposite corners `fixed` and `dragged`, rotated by `angle` degrees."""
    theta = math.radians(angle)
    cos, sin = math.cos(theta), math.sin(theta)
    dx, dy = dragged.x() - fixed.x(), dragged.y() - fixed.y()
    local_w = abs(dx * cos + dy * sin)
    local_h = abs(-dx * sin + dy * cos)
    cx, cy = (fixed.x() + dragged.x()) / 2, (fixed.y() + dragged.y()) / 2
    return {"x": cx - local_w / 2, "y": cy - local_h / 2, "w": local_w, "h": local_h, "angle": angle}


def box_from_edge(p0: QPointF, p1: QPointF, height: float) -> dict[str, Any]:
    """A rotated box whose top edge runs p0 -> p1 and which extends `height` to its right side."""
    if height < 0:
        p0, p1, height = p1, p0, -height
    dx, dy = p1.x() - p0.x(), p1.y() - p0.y()
    width = math.hypot(dx, dy)
    angle = math.degrees(math.atan2(dy, dx))
    nx, ny = (-dy / width, dx / width) if width else (0.0, 1.0)
    cx = (p0.x() + p1.x()) / 2 + nx * height / 2
    cy = (p0.y() + p1.y()) / 2 + ny * height / 2
    return {"x": cx - width / 2, "y": cy - height / 2, "w": width, "h": height, "angle": angle}


def edge_height(p0: QPointF, p1: QPointF, pos: QPointF) -> float:
    """Signed distance of `pos` from the line p0 -> p1 (positive on its right, image y down)."""
    dx, dy = p1.x() - p0.x(), p1.y() - p0.y()
    length = math.hypot(dx, dy) or 1.0
    return ((pos.x() - p0.x()) * -dy + (pos.y() - p0.y()) * dx) / length


def rotated(box: dict[str, Any], grabbed: QPointF, pos: QPointF) -> dict[str, Any]:
    """The box turned about its centre by the angle the mouse swept from `grabbed` to `pos`."""
    cx, cy = box["x"] + box["w"] / 2, box["y"] + box["h"] / 2
    swept = math.atan2(pos.y() - cy, pos.x() - cx) - math.atan2(grabbed.y() - cy, grabbed.x() - cx)
    angle = (box.get("angle", 0.0) + math.degrees(swept) + 180.0) % 360.0 - 180.0
    return {**box, "angle": angle}


class BoxItem(ShapeItem):
    kind = "box"

    def corners(self) -> list[QPointF]:
        return [QPointF(x, y) for x, y in box_corners(self.geometry)]

    def build_path(self) -> QPainterPath:
        path = QPainterPath()
        corners = self.corners()
        path.addPolygon(QPolygonF([*corners, corners[0]]))
        return path

    def handles(self) -> list[QPointF]:
        return self.corners()

    def moved(self, dx: float, dy: float) -> dict[str, Any]:
        return {**self.geometry, "x": self.geometry["x"] + dx, "y": self.geometry["y"] + dy}

    def with_handle(self, index: int, pos: QPointF) -> dict[str, Any]:
        fixed = self.corners()[(index + 2) % 4]
        return box_from_corners(fixed, pos, self.geometry.get("angle", 0.0))
