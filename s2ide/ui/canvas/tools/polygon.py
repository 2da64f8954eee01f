"""Polygon and line tools: click vertices, or hold and drag to trace freehand. A polygon closes
on its first vertex, a double-click or Enter; a line (an open polyline) ends on a double-click,
Enter or the release of a traced stroke. Backspace drops the last vertex, Escape the shape."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent

from s2ide.core.labeling.history import AddShape
from s2ide.ui.canvas.items.polygon import LineItem
from s2ide.ui.canvas.tools.base import Tool, ToolKind, left, left_held

CLOSE_PX = 8.0
FREEHAND_STEP_PX = 4.0


class PolygonTool(Tool):
    kind = ToolKind.POLYGON
    title = "Polygon"
    hotkey = "P"
    tip = "Click vertices or drag freehand; close on the first vertex, double-click or Enter"
    shape_kind = "polygon"
    min_points = 3
    closes_on_first = True

    def __init__(self, canvas) -> None:
        super().__init__(canvas)
        self.points: list[QPointF] = []
        self.cursor_pos: QPointF | None = None
        self.press_pos: QPointF | None = None
        self.freehand = False
        self.preview: LineItem | None = None

    @property
    def busy(self) -> bool:
        return bool(self.points)

    def cancel(self) -> None:
        if self.points:
            self.canvas.view.viewport().setCursor(self.cursor)
        self.points = []
        self.freehand = False
        self.press_pos = None
        if self.preview is not None:
            self.canvas.scene.removeItem(self.preview)
            self.preview = None

    def _redraw(self) -> None:
        points = [*self.points, *([self.cursor_pos] if self.cursor_pos is not None else [])]
        geometry = {"points": [[p.x(), p.y()] for p in points]}
        if self.preview is None:
            self.preview = LineItem(None, geometry, self.canvas.color_for(self.canvas.label_id))
            self.preview.setZValue(50)
            self.preview.set_selected(True)
            self.canvas.scene.addItem(self.preview)
        else:
            self.preview.set_geometry(geometry)
        self.preview.set_pixel_size(self.canvas.pixel_size)

    def _near_first(self, pos: QPointF) -> bool:
        if not self.closes_on_first or len(self.points) < 3:
            return False
        delta = pos - self.points[0]
        return max(abs(delta.x()), abs(delta.y())) <= CLOSE_PX * self.canvas.pixel_size

    def press(self, pos: QPointF, event: QMouseEvent) -> bool:
        if not left(event):
            return False
        if not self.points and not self.canvas.can_draw(self.shape_kind):
            return True
        pos = self.canvas.clamp(pos)
        if self._near_first(pos):
            self.finish()
            return True
        self.points.append(pos)
        self.press_pos = pos
        self.freehand = False
        self._redraw()
        return True

    def move(self, pos: QPointF, event: QMouseEvent) -> bool:
        if not self.points:
            return False
        pos = self.canvas.clamp(pos)
        if left_held(event) and self.press_pos is not None:
            step = FREEHAND_STEP_PX * self.canvas.pixel_size
            last = self.points[-1]
            if max(abs(pos.x() - last.x()), abs(pos.y() - last.y())) >= step:
                self.freehand = True
                self.points.append(pos)
        self.cursor_pos = pos
        closing = self._near_first(pos)
        self.canvas.view.viewport().setCursor(Qt.CursorShape.PointingHandCursor if closing else self.cursor)
        self._redraw()
        return True

    def release(self, pos: QPointF, event: QMouseEvent) -> bool:
        if not left(event) or not self.points:
            return False
        self.press_pos = None
        if self.freehand:
            self.finish()  # a traced outline closes itself when the button comes up
        return True

    def double_click(self, pos: QPointF, event: QMouseEvent) -> bool:
        if self.points:
            self.finish()
            return True
        return False

    def key_press(self, event: QKeyEvent) -> bool:
        if not self.points:
            return False
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.finish()
        elif key == Qt.Key.Key_Escape:
            self.cancel()
        elif key == Qt.Key.Key_Backspace:
            self.points.pop()
            if not self.points:
                self.cancel()
            else:
                self._redraw()
        else:
            return False
        return True

    def finish(self) -> None:
        points = self._dedupe(self.points)
        self.cancel()
        if len(points) < self.min_points:
            self.canvas.message(f"A {self.shape_kind} needs at least {self.min_points} points")
            return
        canvas = self.canvas
        geometry = {"points": [[p.x(), p.y()] for p in points]}
        canvas.commit(AddShape(canvas.sample_id_or_fail(), self.shape_kind, canvas.label_id, geometry))

    def _dedupe(self, points: list[QPointF]) -> list[QPointF]:
        out: list[QPointF] = []
        for point in points:
            if not out or (point - out[-1]).manhattanLength() > 1e-6:
                out.append(point)
        if self.closes_on_first and len(out) > 1 and (out[0] - out[-1]).manhattanLength() < 1e-6:
            out.pop()
        return out


class LineTool(PolygonTool):
    """An open polyline (a lane, an edge, a skeleton limb): the polygon tool without closing."""

    kind = ToolKind.LINE
    title = "Line"
    hotkey = "L"
    tip = "Click points or drag freehand; finish with a double-click or Enter"
    shape_kind = "line"
    min_points = 2
    closes_on_first = False
