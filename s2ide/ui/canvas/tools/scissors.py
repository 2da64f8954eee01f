"""Magnetic lasso (intelligent scissors): click points; between them the path snaps to the
image's edges as the mouse moves. Closing on the first point, a double-click or Enter saves a
polygon of the current label (one undo step); Backspace drops the last point, Esc the outline.

The edge map around each new anchor is built in a worker (about 0.15 s on 1080p); until it is
ready the preview is a straight segment, and each mouse move after costs well under 16 ms.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent

from s2ide.core.labeling.history import AddShape
from s2ide.core.labeling.selection.refine import simplify_polygon
from s2ide.core.labeling.selection.scissors import LiveWire
from s2ide.ui.canvas.items.polygon import LineItem
from s2ide.ui.canvas.tools.base import ToolKind, left
from s2ide.ui.canvas.tools.selection import SelectionTool

CLOSE_PX = 8.0


class ScissorsTool(SelectionTool):
    kind = ToolKind.SCISSORS
    title = "Magnetic lasso"
    hotkey = "M"
    tip = "Click points: the path snaps to edges; close on the first point, double-click or Enter for a polygon"

    def __init__(self, canvas) -> None:
        super().__init__(canvas)
        self.points: list[tuple[float, float]] = []  # the fixed path so far
        self.anchors: list[int] = []  # indices into points where the labeler clicked
        self.live: list[tuple[float, float]] = []  # anchor -> cursor, snapped
        self.queued: list[tuple[float, float]] = []  # clicks waiting for the last anchor's map
        self.wire: LiveWire | None = None
        self._wire_sample: int | None = None
        self._ready = False  # the map for the last anchor is built
        self.preview: LineItem | None = None
        self.last_move_ms = 0.0

    @property
    def busy(self) -> bool:
        return bool(self.points)

    def cancel(self) -> None:
        super().cancel()
        self.points, self.anchors, self.live, self.queued = [], [], [], []
        self._ready = False
        if self.preview is not None:
            self.canvas.scene.removeItem(self.preview)
            self.preview = None

    def _redraw(self) -> None:
        path = [*self.points, *self.live[1:]]
        if len(path) < 1:
            return
        geometry = {"points": [[x, y] for x, y in path]}
        if self.preview is None:
            self.preview = LineItem(None, geometry, self.canvas.color_for(self.canvas.label_id))
            self.preview.setZValue(50)
            self.preview.set_selected(False)
            self.canvas.scene.addItem(self.preview)
        else:
            self.preview.set_geometry(geometry)
        self.preview.set_pixel_size(self.canvas.pixel_size)

    def _near_first(self, pos: QPointF) -> bool:
        if len(self.points) < 3:
            return False
        fx, fy = self.points[0]
        return max(abs(pos.x() - fx), abs(pos.y() - fy)) <= CLOSE_PX * self.canvas.pixel_size

    def _anchor(self, x: float, y: float) -> None:
        """Make (x, y) the next anchor and build its edge map in a worker."""
        wire = self.wire
        assert wire is not None
        self._ready = False
        self.live = []

        def build(state) -> LiveWire:
            wire.set_anchor(int(x), int(y))
            return wire

        def done(_result: LiveWire) -> None:
            self._ready = True
            if self.queued:  # clicks that came while the map was being built: follow edges to them
                self._add_point(*self.queued.pop(0))

        self.run_job(build, done, "edge map")

    def _add_point(self, x: float, y: float) -> None:
        """Extend the outline to (x, y), along edges when the map is ready, and anchor there."""
        if self.points and not self._ready:
            self.queued.append((x, y))
            self.live = [self.points[-1], *self.queued]
            self._redraw()
            return
        if self.points and self.wire is not None:
            path = self.wire.path_to(x, y)
            self.points.extend(path[1:] if len(path) > 1 else [(x, y)])
        else:
            self.points.append((x, y))
        self.anchors.append(len(self.points) - 1)
        last = self.points[-1]
        self._anchor(last[0], last[1])
        self._redraw()

    def press(self, pos: QPointF, event: QMouseEvent) -> bool:
        if not left(event):
            return False
        canvas = self.canvas
        if not self.points:
            if not canvas.can_draw("polygon") or not canvas.inside(pos):
                return True
            image = self.image()
            if image is None:
                return True
            if self.wire is None or self._wire_sample != canvas.sample_id:
                self.wire = LiveWire(image)
                self._wire_sample = canvas.sample_id
        pos = canvas.clamp(pos)
        if self._near_first(pos) and not self.queued:
            self.finish()
            return True
        self._add_point(pos.x(), pos.y())
        return True

    def move(self, pos: QPointF, event: QMouseEvent) -> bool:
        if not self.points:
            return False
        started = time.perf_counter()
        pos = self.canvas.clamp(pos)
        if self.queued:
            self.live = [self.points[-1], *self.queued, (pos.x(), pos.y())]
        elif self._ready and self.wire is not None:
            self.live = self.wire.path_to(pos.x(), pos.y())
        else:
            self.live = [self.points[-1], (pos.x(), pos.y())]
        self._redraw()
        self.last_move_ms = (time.perf_counter() - started) * 1000
        closing = self._near_first(pos)
        self.canvas.view.viewport().setCursor(Qt.CursorShape.PointingHandCursor if closing else self.cursor)
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
            if self.queued:
                self.queued.pop()
                return True
            self.anchors.pop()
            if not self.anchors:
                self.cancel()
                return True
            del self.points[self.anchors[-1] + 1 :]
            last = self.points[-1]
            self._anchor(last[0], last[1])
            self._redraw()
        else:
            return False
        return True

    def finish(self) -> None:
        if self.queued and self.wire is not None:
            self.points.extend(self.queued)  # not waiting for edges: straight to the last clicks
        points: list[tuple[float, float]] = []
        for point in self.points:
            if not points or abs(point[0] - points[-1][0]) + abs(point[1] - points[-1][1]) > 1e-6:
                points.append(point)
        self.cancel()
        self.canvas.view.viewport().setCursor(self.cursor)
        if len(points) < 3:
            self.canvas.message("A polygon needs at least 3 points")
            return
        simple = simplify_polygon([[x, y] for x, y in points], 1.0)
        canvas = self.canvas
        canvas.commit(AddShape(canvas.sample_id_or_fail(), "polygon", canvas.label_id, {"points": simple}))
