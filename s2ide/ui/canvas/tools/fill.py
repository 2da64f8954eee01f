"""Fill tool: flood-fill the closed region under the click in the current label's mask
(Shift-click clears a painted region instead)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QMouseEvent

from s2ide.core.labeling.history import MaskEdit
from s2ide.core.labeling.masks import flood_fill
from s2ide.core.labeling.tiles import TileRecorder
from s2ide.ui.canvas.tools.base import Tool, ToolKind, left


class FillTool(Tool):
    kind = ToolKind.FILL
    title = "Fill"
    hotkey = "G"
    tip = "Fill the closed region under the click; Shift-click clears it"

    def press(self, pos: QPointF, event: QMouseEvent) -> bool:
        if not left(event):
            return False
        canvas = self.canvas
        if not canvas.can_draw("mask") or not canvas.inside(pos):
            return True
        assert canvas.doc is not None and canvas.label_id is not None
        label_id = canvas.label_id
        array = canvas.doc.mask(label_id).array
        value = not (event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        before = array.copy()  # transient: only the changed tiles are kept for undo
        box = flood_fill(array, int(pos.x()), int(pos.y()), value)
        if box is None:
            return True
        recorder = TileRecorder(before)
        recorder.touch(box)
        recorder.mask = array
        canvas.doc.mask_changed(label_id, box)
        canvas.commit(MaskEdit(canvas.sample_id_or_fail(), label_id, recorder.deltas(), "fill", painted=True))
        return True
