"""Quick selection brush: drag over an object and the selection grows over the superpixels
(SLIC) the brush touches and their neighbours of like colour (within the Tolerance), so it
follows edges; Alt-drag subtracts, Shift-drag adds to the
selection in progress. The superpixels are made once per image in a worker."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF
from PySide6.QtGui import QMouseEvent

from s2ide.core.labeling.selection.regions import Combine, combine
from s2ide.core.labeling.selection.superpixels import Superpixels
from s2ide.ui.canvas.tools.base import ToolKind, left, left_held
from s2ide.ui.canvas.tools.selection import SelectionTool, combine_mode


class QuickSelectTool(SelectionTool):
    kind = ToolKind.QUICK_SELECT
    title = "Quick selection"
    hotkey = "Q"
    tip = (
        "Drag over an object: the selection follows its edges (Alt subtracts); Enter keeps it, Shift+Enter as polygons"
    )

    def __init__(self, canvas) -> None:
        super().__init__(canvas)
        self.superpixels: Superpixels | None = None
        self._for_sample: int | None = None
        self._preparing = False
        self.stroke: set[int] | None = None
        self.mode = Combine.ADD
        self._base: np.ndarray | None = None

    def activate(self) -> None:
        self.prepare()

    def prepare(self) -> bool:
        """True when the superpixels of the open image are ready; starts making them if not."""
        canvas = self.canvas
        if self.superpixels is not None and self._for_sample == canvas.sample_id:
            return True
        image = canvas.image_array()
        if image is None or self._preparing:
            return False
        self._preparing = True
        sample_id = canvas.sample_id
        self.canvas.message("Quick selection: finding superpixels…", 0)

        def done(result: Superpixels) -> None:
            self._preparing = False
            if canvas.sample_id == sample_id:
                self.superpixels, self._for_sample = result, sample_id
                canvas.message("Quick selection: ready; drag over an object", 3000)

        def failed(_text: str) -> None:
            self._preparing = False

        self.run_job(lambda state: Superpixels(image), done, "superpixels", failed)
        return False

    def press(self, pos: QPointF, event: QMouseEvent) -> bool:
        if not left(event):
            return False
        if not self.prepare():
            if self.canvas.image_array() is None:
                self.image()
            return True
        mode = combine_mode(event)
        # a drag without modifiers adds to the selection (as in Photoshop); Alt subtracts
        self.mode = Combine.SUBTRACT if mode == Combine.SUBTRACT else Combine.ADD
        self._base = self.selection.copy() if self.selection is not None else None
        self.stroke = set()
        self._grow(pos)
        return True

    def move(self, pos: QPointF, event: QMouseEvent) -> bool:
        if self.stroke is None or not left_held(event):
            return False
        self._grow(pos)
        return True

    def release(self, pos: QPointF, event: QMouseEvent) -> bool:
        if self.stroke is None or not left(event):
            return False
        self.stroke = None
        self._base = None
        return True

    def _grow(self, pos: QPointF) -> None:
        assert self.superpixels is not None and self.stroke is not None
        radius = self.canvas.brush_size / 2
        new = self.superpixels.touched([(pos.x(), pos.y())], radius) - self.stroke
        if not new:
            return
        self.stroke |= new
        chosen = self.superpixels.select(self.superpixels.grow(self.stroke, self.canvas.wand_tolerance))
        result = combine(self._base, chosen, self.mode)
        if self.selection is None:
            self.apply_selection(result, Combine.REPLACE)
        else:
            self.set_selection(result)

    def cancel(self) -> None:
        self.stroke = None
        super().cancel()
        self._preparing = False
