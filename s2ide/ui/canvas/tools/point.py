"""Point tool: a click drops a point of the current label."""

from __future__ import annotations

from PySide6.QtCore import QPointF
from PySide6.QtGui import QMouseEvent

from s2ide.core.labeling.history import AddShape
from s2ide.ui.canvas.tools.base import Tool, ToolKind, left


class PointTool(Tool):
    kind = ToolKind.POINT
    title = "Point"
    hotkey = "O"
    tip = "Click to place a point"

    def press(self, pos: QPointF, event: QMouseEvent) -> bool:
        if not left(event):
            return False
        canvas = self.canvas
        if canvas.can_draw("point") and canvas.inside(pos):
            canvas.commit(AddShape(canvas.sample_id_or_fail(), "point", canvas.label_id, {"x": pos.x(), "y": pos.y()}))
        return True
