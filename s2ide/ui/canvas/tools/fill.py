"""Fill tool: fill the region under the click in the current label's mask, bounded by the
edges of the shapes drawn on the image, by painted pixels and, where no shape encloses the
click, by strong image edges (the Tolerance under the tools sets how strong). Shift-click
clears a painted region instead."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QMouseEvent

from s2ide.core.labeling.history import MaskEdit
from s2ide.core.labeling.selection.fill import bounded_fill, outline_barriers
from s2ide.core.labeling.tiles import deltas_to, occupied_box
from s2ide.ui.canvas.tools.base import Tool, ToolKind, left


class FillTool(Tool):
    kind = ToolKind.FILL
    title = "Fill"
    hotkey = "G"
    tip = "Fill the region under the click, bounded by shapes' outlines and strong image edges; Shift-click clears it"

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
        x, y = int(pos.x()), int(pos.y())
        if bool(array[y, x]) == value:
            return True
        height, width = array.shape
        outlines = outline_barriers(canvas.shapes_for_outlines(), width, height)
        image = canvas.image_array() if value else None  # clearing follows the painted region only
        region = bounded_fill(array, x, y, outlines, image, canvas.wand_tolerance)
        box = occupied_box(region) if region is not None else None
        if region is None or box is None:
            canvas.message("Fill: nothing to fill here (the click is on an outline)")
            return True
        x0, y0, x1, y1 = box
        inside = array[y0:y1, x0:x1]
        chosen = region[y0:y1, x0:x1]
        new = np.where(chosen, value, inside)
        deltas = deltas_to(array, box, new)
        if deltas:
            canvas.commit(MaskEdit(canvas.sample_id_or_fail(), label_id, deltas, "fill", painted=False))
            share = 100.0 * np.count_nonzero(region) / (width * height)
            canvas.message(f"Fill: {np.count_nonzero(region):,} pixels ({share:.1f}% of the image)", 3000)
        return True
