"""Box tool: drag a box; with Shift, draw a rotated box (drag its top edge, then move to set its
height and click)."""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent

from s2ide.core.labeling.history import AddShape
from s2ide.ui.canvas.items.box import BoxItem, box_from_corners, box_from_edge, edge_height
from s2ide.ui.canvas.tools.base import Tool, ToolKind, left, left_held

MIN_SIDE_PX = 3.0


class Phase(Enum):
    IDLE = 0
    DRAGGING = 1  # an axis-aligned box, or the top edge of a rotated one
    HEIGHT = 2  # a rotated box: the mouse sets the height, a click ends it


class BoxTool(Tool):
    kind = ToolKind.BOX
    title = "Box"
    hotkey = "B"
    tip = "Drag a box; hold Shift to draw a rotated box (edge, then height)"

    def __init__(self, canvas) -> None:
        super().__init__(canvas)
        self.phase = Phase.IDLE
        self.rotated = False
        self.start = QPointF()
        self.edge_end = QPointF()
        self.preview: BoxItem | None = None

    @property
    def busy(self) -> bool:
        return self.phase != Phase.IDLE

    def cancel(self) -> None:
        self.phase = Phase.IDLE
        if self.preview is not None:
            self.canvas.scene.removeItem(self.preview)
            self.preview = None

    def _show(self, geometry: dict) -> None:
        if self.preview is None:
            self.preview = BoxItem(None, geometry, self.canvas.color_for(self.canvas.label_id))
            self.preview.set_pixel_size(self.canvas.pixel_size)
            self.preview.setZValue(50)
            self.canvas.scene.addItem(self.preview)
        else:
            self.preview.set_geometry(geometry)

    def press(self, pos: QPointF, event: QMouseEvent) -> bool:
        if not left(event):
            return False
        if self.phase == Phase.HEIGHT:
            self._finish(self._rotated_geometry(pos))
            return True
        if not self.canvas.can_draw("box"):
            return True
        self.phase = Phase.DRAGGING
        self.rotated = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        self.start = self.canvas.clamp(pos)
        return True

    def move(self, pos: QPointF, event: QMouseEvent) -> bool:
        pos = self.canvas.clamp(pos)
        if self.phase == Phase.DRAGGING and left_held(event):
            if self.rotated:
                self._show(box_from_edge(self.start, pos, max(self.canvas.pixel_size, 1.0)))
            else:
                self._show(box_from_corners(self.start, pos, 0.0))
            return True
        if self.phase == Phase.HEIGHT:
            self._show(self._rotated_geometry(pos))
            return True
        return False

    def release(self, pos: QPointF, event: QMouseEvent) -> bool:
        if not left(event) or self.phase != Phase.DRAGGING:
            return False
        pos = self.canvas.clamp(pos)
        too_small = MIN_SIDE_PX * self.canvas.pixel_size
        if self.rotated:
            if (pos - self.start).manhattanLength() < too_small:
                self.cancel()
            else:
                self.edge_end = pos
                self.phase = Phase.HEIGHT
            return True
        geometry = box_from_corners(self.start, pos, 0.0)
        if geometry["w"] < too_small or geometry["h"] < too_small:
            self.cancel()
        else:
            self._finish(geometry)
        return True

    def _rotated_geometry(self, pos: QPointF) -> dict:
        height = edge_height(self.start, self.edge_end, pos)
        if abs(height) < 1.0:
            height = 1.0
        return box_from_edge(self.start, self.edge_end, height)

    def _finish(self, geometry: dict) -> None:
        self.cancel()
        canvas = self.canvas
        canvas.commit(AddShape(canvas.sample_id_or_fail(), "box", canvas.label_id, geometry))

    def key_press(self, event: QKeyEvent) -> bool:
        if self.busy and event.key() == Qt.Key.Key_Escape:
            self.cancel()
            return True
        return False
