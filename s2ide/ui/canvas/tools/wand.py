"""Magic wand: click selects the connected region of similar colour (the tolerance and
Contiguous sit under the tools); Shift-click adds, Alt-click subtracts. Enter keeps the
selection in the current label's mask, Shift+Enter as polygons."""

from __future__ import annotations

import time

from PySide6.QtCore import QPointF
from PySide6.QtGui import QMouseEvent

from s2ide.core.labeling.selection.wand import magic_wand
from s2ide.ui.canvas.adjust import make_lut
from s2ide.ui.canvas.tools.base import ToolKind, left
from s2ide.ui.canvas.tools.selection import SelectionTool, combine_mode


class WandTool(SelectionTool):
    kind = ToolKind.WAND
    title = "Magic wand"
    hotkey = "W"
    tip = "Click selects similar colour (Shift adds, Alt subtracts); Enter keeps it as mask, Shift+Enter as polygons"

    def __init__(self, canvas) -> None:
        super().__init__(canvas)
        self.last_ms = 0.0

    def press(self, pos: QPointF, event: QMouseEvent) -> bool:
        if not left(event):
            return False
        canvas = self.canvas
        if not canvas.inside(pos):
            return True
        image = self.image()
        if image is None:
            return True
        started = time.perf_counter()
        if canvas.wand_on_view:  # judge colours as the labeler sees them (brightness, contrast, gamma)
            lut = make_lut(canvas.layers.brightness, canvas.layers.contrast, canvas.layers.gamma)
            if lut is not None:
                import cv2

                image = cv2.LUT(image, lut)
        region = magic_wand(image, int(pos.x()), int(pos.y()), canvas.wand_tolerance, canvas.wand_contiguous)
        self.apply_selection(region, combine_mode(event))
        self.last_ms = (time.perf_counter() - started) * 1000
        return True
