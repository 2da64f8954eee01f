"""KeypointsItem: an object's named points joined by its label's skeleton edges.

Only labelled points (visibility 1 or 2) are drawn and are handles; a hidden point (1) is a
hollow dot, a visible one (2) a filled dot. Dragging a handle moves that point and keeps its
visibility; dragging the item moves every labelled point; double-clicking a point toggles it
between visible and hidden; Alt+click unlabels it. The skeleton (names and edges) is the
label's, set by the canvas from the store; without one the points are drawn unconnected.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QStyleOptionGraphicsItem, QWidget

from s2ide.ui.canvas.items.base import ShapeItem

RADIUS_PX = 4.0


class KeypointsItem(ShapeItem):
    kind = "keypoints"
    closed = False

    names: tuple[str, ...] = ()
    edges: tuple[tuple[int, int], ...] = ()

    def set_skeleton(self, names: list[str], edges: list[tuple[int, int]]) -> None:
        self.prepareGeometryChange()
        self.names, self.edges = tuple(names), tuple(edges)
        self._rebuild()
        self.update()

    def _labelled(self) -> list[int]:
        """Indices of the labelled points: handle i is point _labelled()[i]."""
        return [i for i, p in enumerate(self.geometry["points"]) if p[2] > 0]

    def build_path(self) -> QPainterPath:
        points = self.geometry["points"]
        path = QPainterPath()
        for a, b in self.edges:
            if a < len(points) and b < len(points) and points[a][2] > 0 and points[b][2] > 0:
                path.moveTo(points[a][0], points[a][1])
                path.lineTo(points[b][0], points[b][1])
        radius = RADIUS_PX * self.pixel_size
        for i in self._labelled():
            path.addEllipse(QPointF(points[i][0], points[i][1]), radius, radius)
        return path

    def set_pixel_size(self, pixel_size: float) -> None:
        super().set_pixel_size(pixel_size)
        self._rebuild()

    def handles(self) -> list[QPointF]:
        points = self.geometry["points"]
        return [QPointF(points[i][0], points[i][1]) for i in self._labelled()]

    def point_name(self, handle: int) -> str:
        """The skeleton's name of handle `handle` (its 1-based number without a skeleton)."""
        index = self._labelled()[handle]
        return self.names[index] if index < len(self.names) else str(index + 1)

    def moved(self, dx: float, dy: float) -> dict[str, Any]:
        return {"points": [[x + dx, y + dy, v] if v > 0 else [x, y, v] for x, y, v in self.geometry["points"]]}

    def with_handle(self, index: int, pos: QPointF) -> dict[str, Any]:
        points = [list(p) for p in self.geometry["points"]]
        target = self._labelled()[index]
        points[target] = [pos.x(), pos.y(), points[target][2]]
        return {"points": points}

    def without_vertex(self, index: int) -> dict[str, Any] | None:
        """Handle `index`'s point unlabelled (visibility 0), unless it is the last labelled one."""
        labelled = self._labelled()
        if len(labelled) <= 1:
            return None
        points = [list(p) for p in self.geometry["points"]]
        points[labelled[index]] = [0.0, 0.0, 0]
        return {"points": points}

    def with_visibility_toggled(self, index: int) -> dict[str, Any]:
        """Handle `index`'s point visible (2) <-> labelled but hidden (1)."""
        points = [list(p) for p in self.geometry["points"]]
        target = self._labelled()[index]
        points[target][2] = 1 if points[target][2] == 2 else 2
        return {"points": points}

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        super().paint(painter, option, widget)
        # Visible points filled in the label's colour; hidden ones (visibility 1) stay hollow.
        points = self.geometry["points"]
        radius = RADIUS_PX * self.pixel_size
        pen = QPen(QColor("white"), 1.0)
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.setBrush(QBrush(self.color))
        for i in self._labelled():
            if points[i][2] == 2:
                painter.drawEllipse(QPointF(points[i][0], points[i][1]), radius, radius)
